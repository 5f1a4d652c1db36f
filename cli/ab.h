// `ttm-replay ab TRACE [--a v13] [--b merged] [-o AB.json]`: one trace
// replayed under two semantics in lockstep (core/replay/ab.h). Prints the
// first event where their timelines part, as `diff` prints two timelines,
// and the headline differences of the two reports; both replays run to the
// end, so both reports cover the whole trace.
#ifndef TTM_CLI_AB_H_
#define TTM_CLI_AB_H_

#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

struct AbCommandOptions {
  std::string trace;         // a path or "-"; plain or zstd
  std::string a = "v13";     // semantics of replay A
  std::string b = "merged";  // semantics of replay B
  std::string output;        // -o: both reports and the divergence as JSON
};

void SetupAb(CLI::App* cmd, AbCommandOptions* options);

// Return: kExitOk when the two timelines are identical, kExitFindings when
// they diverge, or an error (invalid trace or usage: exit 2, nothing
// written).
Result<int> RunAb(const AbCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_AB_H_
