// `ttm-replay replay TRACE [-o REPORT.json] [--timeline TIMELINE.jsonl]
//                   [--semantics v13|merged|merged-fixed] [--check-every N] [--strict] [--quiet]`:
// the tool's main job. Streams the trace through the engine, writes the
// JSON report (docs/report-format.md) atomically and prints a short summary.
#ifndef TTM_CLI_REPLAY_H_
#define TTM_CLI_REPLAY_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/status.h"
#include "core/trace/event_json.h"

namespace ttm::cli {

struct ReplayCommandOptions {
  // The trace: a path, or "-" for standard input; plain or zstd.
  std::string trace;
  // Where the JSON report goes: a path, "-" for standard output (the
  // summary then goes to standard error), or empty for no report file.
  std::string report;
  // Where the per-event timeline goes (a path, or "-"); empty: none.
  std::string timeline;
  // Run the checker after every N-th event instead of after every event.
  uint64_t check_every = 1;
  // The modelled kernel code: "v13" (default), "merged", "merged-fixed".
  std::string semantics = "v13";
  // Reject fields the format does not define, as `validate --strict` does.
  // Without it, each unknown field name is warned about once on io.err, at
  // the first line where it appears, and ignored.
  bool strict = false;
  // No progress and no summary; the exit status and the report only.
  bool quiet = false;
  // Show progress on standard error (set by main when it is a terminal).
  bool progress = false;
};

void SetupReplay(CLI::App* cmd, ReplayCommandOptions* options);

// A one-line note (with its newline) when the trace's meta names the
// semantics of the kernel it was recorded on ("semantics", as `import`
// writes it) and they are not `semantics`; empty otherwise.
std::string SemanticsNote(const trace::Json& meta, const std::string& semantics);

// Return: kExitOk, kExitFindings, or kExitInvalidInput after printing the
// trace error ("ttm-replay: FILE:LINE: OP: message"); nothing is written
// when the trace is invalid.
Result<int> RunReplay(const ReplayCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_REPLAY_H_
