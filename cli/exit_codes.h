// Exit statuses of ttm-replay, pinned here and in the README; scripts and
// acceptance suites depend on them (see docs/cli.md).
#ifndef TTM_CLI_EXIT_CODES_H_
#define TTM_CLI_EXIT_CODES_H_

namespace ttm::cli {

inline constexpr int kExitOk = 0;            // clean / valid / same
inline constexpr int kExitFindings = 1;      // violations, failed expectations, differences
inline constexpr int kExitInvalidInput = 2;  // unreadable input or bad usage

}  // namespace ttm::cli

#endif  // TTM_CLI_EXIT_CODES_H_
