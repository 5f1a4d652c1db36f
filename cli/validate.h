// `ttm-replay validate TRACE [--strict]`: reads a whole trace and checks
// everything that can be checked without the engine (traces/FORMAT.md).
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
  // Also reject fields the format does not define, instead of ignoring them.
  bool strict = false;
};

void SetupValidate(CLI::App* cmd, ValidateOptions* options);

// Prints "FILE: valid, N events" to io.out and returns kExitOk, or returns
// the first error, "FILE:LINE: OP: message" (the same error `replay` returns
// for that trace), which main.cc prints and turns into kExitInvalidInput,
// as for every other subcommand.
Result<int> RunValidate(const ValidateOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_VALIDATE_H_
