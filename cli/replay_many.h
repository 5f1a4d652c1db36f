// `ttm-replay replay TRACE... --out-dir DIR [-j N] [--timelines] [--plots]
// [--check-every N] [--quiet]`: a corpus in one command.
//
// Each trace is replayed exactly as `replay TRACE -o DIR/NAME.report.json`
// would (ReplayOneTrace; NAME is the file name without .jsonl.zst, .jsonl
// or .zst), up to N at once on threads, so its report is byte-identical
// outside `run` whatever N is. --timelines and --plots add
// DIR/NAME.timeline.jsonl and DIR/NAME.svg. Then DIR/summary.json
//   {"traces": [{"trace": NAME, "exit": 1, "report": "NAME.report.json",
//                "file": PATH, ...}, ...], "exit": HIGHEST}
// is written (command-line order), each invalid trace's error is printed
// on standard error as a single run would print it, and a table with a row
// per trace and totals goes to standard output. Exit status: the highest
// of the traces' (2 for an invalid one; the others still run). Two traces
// with the same NAME, or `-`, are refused (exit 2) before anything runs.
#ifndef TTM_CLI_REPLAY_MANY_H_
#define TTM_CLI_REPLAY_MANY_H_

#include <string>
#include <vector>

#include "cli/replay.h"
#include "cli/subcommand.h"
#include "core/status.h"

namespace ttm::cli {

// "dir/foo.jsonl.zst" -> "foo": the name of the trace's outputs.
std::string TraceOutputName(const std::string& path);

Result<int> RunReplayMany(const ReplayCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_REPLAY_MANY_H_
