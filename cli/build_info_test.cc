#include "cli/build_info.h"

#include <gtest/gtest.h>

#include <string>

namespace ttm::cli {
namespace {

// The commit is whatever tools/workspace_status said; outside git it is
// "unknown". Either way it is one word that fits in a report line.
TEST(BuildInfo, CommitIsOneNonEmptyWord) {
  std::string commit = BuildCommit();
  ASSERT_FALSE(commit.empty());
  EXPECT_EQ(commit.find_first_not_of(
                "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-"),
            std::string::npos)
      << commit;
}

TEST(BuildInfo, BuildIdNamesGitAndTheCommit) {
  EXPECT_EQ(BuildId(), std::string("git ") + BuildCommit());
}

// The test is compiled like the binary (same flags), so it can tell which
// answer is right from the same macros the compiler sets.
TEST(BuildInfo, BuildModeSaysWhetherTheBinaryIsOptimised) {
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  EXPECT_STREQ(BuildMode(), "opt");
#else
  EXPECT_STREQ(BuildMode(), "unoptimised");
#endif
}

}  // namespace
}  // namespace ttm::cli
