// `ttm-replay replay TRACE [-o REPORT.json] [--timeline TIMELINE.jsonl]
//                   [--plot OUT.svg] [--semantics v13|merged|merged-fixed]
//                   [--check-every N] [--strict] [--quiet]`, and
// `ttm-replay replay TRACE... --out-dir DIR [-j N] [--timelines] [--plots]`
// (replay_many.h):
// the tool's main job. Streams the trace through the engine, writes the
// JSON report (docs/report-format.md) atomically and prints a short summary.
#ifndef TTM_CLI_REPLAY_H_
#define TTM_CLI_REPLAY_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/subcommand.h"
#include "core/report/report.h"
#include "core/status.h"
#include "core/trace/event_json.h"

namespace ttm::cli {

struct ReplayCommandOptions {
  // The trace: a path, or "-" for standard input; plain or zstd.
  std::string trace;
  // The TRACE arguments as given on the command line; RunReplay takes the
  // one trace from here when there is one (tests set `trace` directly).
  std::vector<std::string> traces;
  // Several traces: the directory for their reports and summary.json.
  std::string out_dir;
  // Several traces: how many replays run at once (at least 1).
  unsigned jobs = 1;
  // Several traces: also write DIR/NAME.timeline.jsonl, DIR/NAME.svg.
  bool timelines = false;
  bool plots = false;
  // Where the JSON report goes: a path, "-" for standard output (the
  // summary then goes to standard error), or empty for no report file.
  std::string report;
  // Where the per-event timeline goes (a path, or "-"); empty: none.
  std::string timeline;
  // Where the SVG plot of the timeline goes (a path, or "-"); empty: none.
  // The timeline lines go straight into the plot; no timeline is kept.
  std::string plot;
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

// `--semantics v13|merged|merged-fixed` into *semantics (replay, explore,
// reduce).
void AddSemanticsOption(CLI::App* cmd, std::string* semantics);

// A one-line note (with its newline) when the trace's meta names the
// semantics of the kernel it was recorded on ("semantics", as `import`
// writes it) and they are not `semantics`; empty otherwise.
std::string SemanticsNote(const trace::Json& meta, const std::string& semantics);

// One replay of options.trace that writes the files asked for (report,
// timeline, plot) and prints nothing but progress on `progress_err` (when
// options.progress and not options.quiet). Return: the report (its `run`
// filled) and SemanticsNote's note, or the trace's error; nothing is
// written when the trace is invalid. Thread-safe for distinct outputs.
struct ReplayOutcome {
  Report report;
  std::string note;
};
Result<ReplayOutcome> ReplayOneTrace(const ReplayCommandOptions& options, std::ostream& progress_err);

// Return: kExitOk, kExitFindings, or kExitInvalidInput after printing the
// trace error ("ttm-replay: FILE:LINE: OP: message"); nothing is written
// when the trace is invalid.
Result<int> RunReplay(const ReplayCommandOptions& options, Io io);

}  // namespace ttm::cli

#endif  // TTM_CLI_REPLAY_H_
