#include "cli/help_text.h"

#include <gtest/gtest.h>

#include "core/event.h"
#include "core/trace/event_json.h"

namespace ttm::cli {
namespace {

TEST(TraceVocabularyHelp, NamesEveryOp) {
  const std::string help = TraceVocabularyHelp();
  for (int i = 0; i < kNumOps; ++i)
    EXPECT_NE(help.find(std::string(OpNameByIndex(i))), std::string::npos) << OpNameByIndex(i);
}

TEST(TraceVocabularyHelp, NamesEveryFaultSiteWithItsErrorsDefaultFirst) {
  const std::string help = TraceVocabularyHelp();
  EXPECT_NE(help.find("  alloc_page     ENOMEM\n"), std::string::npos) << help;
  EXPECT_NE(help.find("  dma_map        EFAULT\n"), std::string::npos) << help;
  EXPECT_NE(help.find("  copy_page      ENOMEM, EINTR\n"), std::string::npos) << help;
  EXPECT_NE(help.find("  backup_half    (raises no error)\n"), std::string::npos) << help;
  for (int i = 0; i < kNumFaultSites; ++i)
    EXPECT_NE(help.find("  " + std::string(FaultSiteName(static_cast<FaultSite>(i))) + " "),
              std::string::npos);
}

TEST(TraceVocabularyHelp, PointsIntoTheRepositorysOwnDocs) {
  EXPECT_NE(TraceVocabularyHelp().find("docs/"), std::string::npos);
  EXPECT_EQ(TraceVocabularyHelp().find("shared"), std::string::npos);
}

}  // namespace
}  // namespace ttm::cli
