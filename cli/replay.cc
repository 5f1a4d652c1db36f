#include "cli/replay.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/build_info.h"
#include "cli/exit_codes.h"
#include "cli/file_source.h"
#include "cli/help_text.h"
#include "cli/option_checks.h"
#include "cli/output.h"
#include "cli/replay_many.h"
#include "cli/timeline_plotter.h"
#include "cli/timeline_file.h"
#include "cli/progress.h"
#include "cli/version.h"
#include "core/replay/replayer.h"
#include "core/report/report.h"
#include "core/trace/trace_reader.h"

namespace ttm::cli {

using Clock = std::chrono::steady_clock;

void SetupReplay(CLI::App* cmd, ReplayCommandOptions* options) {
  cmd->add_option("TRACE", options->traces,
                  "trace file, or - for standard input; several with --out-dir")
      ->required();
  cmd->add_option("-o,--output", options->report, "write the JSON report here (- for standard output)")
      ->check(NonEmpty());
  cmd->add_option("--timeline", options->timeline,
                  "write the per-event timeline here (- for standard output)")
      ->check(NonEmpty());
  cmd->add_option("--plot", options->plot,
                  "draw the timeline as an SVG picture here (- for standard output), "
                  "without keeping the timeline")
      ->check(NonEmpty());
  cmd->add_option("--out-dir", options->out_dir,
                  "several traces: write DIR/NAME.report.json for each and DIR/summary.json")
      ->check(NonEmpty());
  cmd->add_option("-j,--jobs", options->jobs, "with --out-dir: replay up to N traces at once")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--timelines", options->timelines,
                "with --out-dir: also write DIR/NAME.timeline.jsonl for each trace");
  cmd->add_flag("--plots", options->plots, "with --out-dir: also write DIR/NAME.svg for each trace");
  cmd->add_option("--check-every", options->check_every,
                  "run the invariant checker after every N-th event (default 1)")
      ->check([](const std::string& value) {
        return value.find_first_not_of("0123456789") == std::string::npos &&
                       value.find_first_not_of('0') != std::string::npos
                   ? std::string()
                   : "must be a whole number of at least 1, not " + value;
      });
  AddSemanticsOption(cmd, &options->semantics);
  cmd->add_flag("--strict", options->strict,
                "reject fields the format does not define (default: warn once per name)");
  cmd->add_flag("--quiet", options->quiet, "print neither progress nor the summary");
  cmd->footer(TraceVocabularyHelp());
  options->progress = isatty(STDERR_FILENO);
}

void AddSemanticsOption(CLI::App* cmd, std::string* semantics) {
  cmd->add_option("--semantics", *semantics,
                  "the modelled kernel code: v13 (default, the seed patch), merged (as merged in "
                  "Linux v6.15) or merged-fixed (v6.15 plus \"drm/ttm: Drop tt->restore after "
                  "successful restore\")")
      ->check([](const std::string& value) {
        return SemanticsFromName(value) ? std::string()
                                        : "must be v13, merged or merged-fixed, not " + value;
      });
}

std::string SemanticsNote(const trace::Json& meta, const std::string& semantics) {
  if (!meta.is_object()) return "";
  auto it = meta.find("semantics");
  if (it == meta.end() || !it->is_string() || it->get<std::string>() == semantics) return "";
  std::string kernel;
  if (auto k = meta.find("kernel"); k != meta.end() && k->is_string())
    kernel = " (kernel " + k->get<std::string>() + ")";
  return "note: the trace was recorded under " + it->get<std::string>() + " semantics" + kernel +
         "; replayed under " + semantics + "\n";
}

Result<ReplayOutcome> ReplayOneTrace(const ReplayCommandOptions& options, std::ostream& progress_err) {
  const Clock::time_point start = Clock::now();
  Progress progress(options.progress && !options.quiet, progress_err);
  trace::ReaderOptions reader_options{
      .strict = options.strict,
      .warn = [&progress_err, &progress](const std::string& message) {
        progress.Clear();
        progress_err << "ttm-replay: warning: " << message << " (--strict rejects it)\n";
      },
  };
  Result<std::unique_ptr<trace::TraceReader>> opened =
      OpenTrace(options.trace, reader_options);
  if (!opened.ok()) return opened.status();
  trace::TraceReader& reader = **opened;

  ReplayOptions replay_options;
  replay_options.check_every = options.check_every;
  replay_options.semantics = options.semantics;
  TimelineFile timeline;
  if (!options.timeline.empty()) {
    Status opened = timeline.Open(options.timeline, replay_options.semantics);
    if (!opened.ok()) return opened;
  }
  std::optional<TimelinePlotter> plotter;
  if (!options.plot.empty()) plotter.emplace(replay_options.semantics);
  if (!options.timeline.empty() || plotter) {
    replay_options.timeline = [&timeline, &plotter, &options](std::string_view line) {
      if (!options.timeline.empty()) timeline.Write(line);
      if (plotter) plotter->Add(line);
    };
  }
  Replayer replayer(Resolve(reader.header().config), std::move(replay_options));
  Event event;
  for (;;) {
    Result<bool> more = reader.Next(&event);
    if (!more.ok()) {
      progress.Clear();
      return more.status();
    }
    if (!*more) break;
    replayer.Apply(event);
    if (progress.enabled()) progress.Update(reader.event_count(), reader.bytes_consumed(), reader.total_bytes());
  }
  progress.Clear();

  ReplayOutcome outcome{replayer.Finish(), SemanticsNote(reader.header().meta, options.semantics)};
  Report& report = outcome.report;
  report.trace.sha256 = reader.text_sha256();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  report.run.tool = "ttm-replay " + std::string(kVersion);
  report.run.build = BuildId();
  report.run.extras.emplace_back("mode", ReportValue(std::string(BuildMode())));
  report.run.wall_ms = static_cast<uint64_t>(secs * 1000);
  report.run.extras.emplace_back("events_per_second",
                                 ReportValue(static_cast<uint64_t>(secs > 0 ? report.trace.events / secs : 0)));

  if (!options.timeline.empty()) {
    Status written = timeline.Finish(report.trace.sha256);
    if (!written.ok()) return written;
  }
  if (plotter) {
    Result<std::string> svg = plotter->Finish(report.trace.sha256);
    if (!svg.ok()) return svg.status();
    Status written = WriteFileAtomically(options.plot, *svg);
    if (!written.ok()) return written;
  }
  if (!options.report.empty()) {
    Status written = WriteFileAtomically(options.report, RenderReportJson(report));
    if (!written.ok()) return written;
  }
  return outcome;
}

Result<int> RunReplay(const ReplayCommandOptions& given, Io io) {
  if (!given.out_dir.empty()) return RunReplayMany(given, io);
  ReplayCommandOptions options = given;
  if (options.traces.size() > 1)
    return Status::Usage("replay: several traces need --out-dir DIR (each report goes there)");
  if (options.traces.size() == 1) options.trace = options.traces[0];
  if (options.jobs != 1 || options.timelines || options.plots)
    return Status::Usage("replay: -j, --timelines and --plots go with --out-dir");
  const int to_stdout = (options.report == "-") + (options.timeline == "-") + (options.plot == "-");
  if (to_stdout > 1)
    return Status::Usage("replay: only one of the report, the timeline and the plot can go to standard output");
  Result<ReplayOutcome> outcome = ReplayOneTrace(options, io.err);
  if (!outcome.ok()) return outcome.status();
  if (!options.quiet) (to_stdout ? io.err : io.out) << outcome->note << RenderSummary(outcome->report);
  return ReportExitStatus(outcome->report);
}

}  // namespace ttm::cli
