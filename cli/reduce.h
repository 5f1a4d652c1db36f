// `ttm-replay reduce TRACE -o MIN.jsonl [--keep first-violation|exit|
// expect-failure] [-j N]`: delta debugging of a trace down to the events
// that keep a property (core/explore/reduce.h).
#ifndef TTM_CLI_REDUCE_H_
#define TTM_CLI_REDUCE_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

struct ReduceCommandOptions {
  std::string trace;   // a path or "-"; plain or zstd
  std::string output;  // the reduced trace (.zst: compressed; "-": standard output)
  std::string keep = "first-violation";
  unsigned jobs = 1;
  bool progress = false;  // set when standard error is a terminal
  std::string semantics = "v13";  // the modelled code (--semantics)
};

void SetupReduce(CLI::App* cmd, ReduceCommandOptions* options);

// Writes the reduced trace atomically and prints one line about it.
// Return: kExitOk; an error (exit 2) for an invalid trace or one that does
// not have the property.
Result<int> RunReduce(const ReduceCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_REDUCE_H_
