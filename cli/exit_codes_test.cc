#include "cli/exit_codes.h"

#include <gtest/gtest.h>

namespace ttm::cli {
namespace {

TEST(ExitCodes, BadInputBadUsageAndAnUnreadableFileAllExitTwo) {
  EXPECT_EQ(ExitStatusOf(Status::InvalidInput("t.jsonl:3: free: tt 1 is not live")), 2);
  EXPECT_EQ(ExitStatusOf(Status::Usage("--check-every must be at least 1")), 2);
  EXPECT_EQ(ExitStatusOf(Status::IoError("t.jsonl: cannot open: No such file or directory")), 2);
}

TEST(ExitCodes, AnOkStatusIsExitZero) { EXPECT_EQ(ExitStatusOf(Status::Ok()), kExitOk); }

TEST(ExitCodes, ThePinnedValuesAreTheOnesScriptsRelyOn) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitFindings, 1);
  EXPECT_EQ(kExitInvalidInput, 2);
}

}  // namespace
}  // namespace ttm::cli
