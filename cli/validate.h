// `ttm-replay validate TRACE [--strict] [--all-errors]`: reads a whole trace
// and checks everything that can be checked without the engine
// (docs/trace-format.md).
#ifndef TTM_CLI_VALIDATE_H_
#define TTM_CLI_VALIDATE_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

struct ValidateOptions {
  // The trace: a path, or "-" for standard input; plain or zstd.
  std::string trace;
  // Also reject fields the format does not define, instead of ignoring them
  // (without it, each unknown field name is warned about once).
  bool strict = false;
  // Report every error, up to kMaxValidateErrors, instead of only the first:
  // after an error confined to one line, reading goes on at the next line.
  bool all_errors = false;
};

inline constexpr uint64_t kMaxValidateErrors = 100;

void SetupValidate(CLI::App* cmd, ValidateOptions* options);

// Prints "FILE: valid, N events" to io.out and returns kExitOk, or returns
// the first error (main prints it as "ttm-replay: FILE:LINE: OP: message",
// the same line `replay` prints for that trace, and exits 2). With
// all_errors, prints every error as "ttm-replay: MESSAGE" to io.err (they are
// the command's output) and returns the error "FILE: N errors" (or "FILE:
// stopped after 100 errors"). Unknown fields without strict: one
// "ttm-replay: warning: FILE:LINE: OP: unknown field "NAME" ignored" per name.
Result<int> RunValidate(const ValidateOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_VALIDATE_H_
