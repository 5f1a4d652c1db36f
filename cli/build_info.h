// Which build a binary is: the git commit it was compiled from, so that a
// report kept by CI (run.build) can be traced back to its source.
//
// The commit comes from Bazel's workspace status (tools/workspace_status
// prints STABLE_GIT_COMMIT); a stamped genrule in cli/BUILD turns it into
// build_info_stamp.cc. Only that one small file is rebuilt when the commit
// changes. A build outside git says "unknown".
#ifndef TTM_CLI_BUILD_INFO_H_
#define TTM_CLI_BUILD_INFO_H_

#include <string>

namespace ttm::cli {

// The commit as the workspace status printed it: "1a2b3c4d5e6f", with
// "-dirty" when tracked files had uncommitted changes, or "unknown".
const char* BuildCommit();

// "git 1a2b3c4d5e6f" (or "git unknown"): the `run.build` of a report.
std::string BuildId();

// How the binary was compiled: "opt" (optimised, assertions off: what
// `bazel build` gives with the repository's .bazelrc) or "unoptimised"
// (fastbuild or dbg, several times slower). The `run.mode` of a report,
// so that a timing in it can be judged.
const char* BuildMode();

}  // namespace ttm::cli

#endif  // TTM_CLI_BUILD_INFO_H_
