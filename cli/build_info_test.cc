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

}  // namespace
}  // namespace ttm::cli
