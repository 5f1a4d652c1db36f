// Exit statuses of ttm-replay, pinned here and in the README; scripts and
// acceptance suites depend on them (see docs/cli.md).
#ifndef TTM_CLI_EXIT_CODES_H_
#define TTM_CLI_EXIT_CODES_H_

#include "core/status.h"

namespace ttm::cli {

inline constexpr int kExitOk = 0;            // clean / valid / same
inline constexpr int kExitFindings = 1;      // violations, failed expectations, differences
inline constexpr int kExitInvalidInput = 2;  // unreadable input or bad usage

// The exit status of a subcommand that failed with `status` (not ok). Every
// error code is exit 2 today: the CLI's promise is "bad input or usage: 2";
// the codes tell tests and callers which kind it was. A new code must be
// given its exit status here (the switch has no default, so the compiler
// names a missing one).
inline int ExitStatusOf(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kInvalidInput:
    case Status::Code::kUsage:
    case Status::Code::kIoError:
      return kExitInvalidInput;
  }
  return kExitInvalidInput;
}

}  // namespace ttm::cli

#endif  // TTM_CLI_EXIT_CODES_H_
