#include "cli/diff.h"

#include <memory>
#include <optional>
#include <string_view>

#include "cli/exit_codes.h"
#include "core/report/report_diff.h"
#include "core/report/timeline_diff.h"
#include "core/trace/byte_source.h"
#include "core/trace/line_reader.h"

namespace ttm::cli {
namespace {

// One input of diff, opened and sniffed: its first non-blank line tells a
// timeline (a header line) from a report (pretty-printed JSON).
struct Input {
  std::string name;
  std::unique_ptr<trace::LineReader> lines;
  std::string first;
  bool timeline = false;

  Status Error(const Status& s) const {
    std::string message = name + ":" + std::to_string(lines->line_number()) + ": " + s.message();
    return s.code() == Status::Code::kIoError ? Status::IoError(message) : Status::InvalidInput(message);
  }

  // The next line, nullopt at the end.
  Result<std::optional<std::string_view>> Next() {
    std::string_view line;
    Result<bool> more = lines->Next(&line);
    if (!more.ok()) return Error(more.status());
    if (!*more) return std::optional<std::string_view>();
    return std::optional<std::string_view>(line);
  }

  // The whole input as text (a report: small, its failure lists capped).
  Result<std::string> Text() {
    std::string text = first;
    for (;;) {
      Result<std::optional<std::string_view>> line = Next();
      if (!line.ok()) return line.status();
      if (!*line) return text;
      text += '\n';
      text.append(**line);
    }
  }
};

Result<Input> Open(const std::string& path) {
  Result<std::unique_ptr<trace::ByteSource>> source = trace::OpenFileSource(path);
  if (!source.ok()) return source.status();
  Input in;
  in.name = path;
  in.lines = std::make_unique<trace::LineReader>(std::move(*source));
  Result<std::optional<std::string_view>> first = in.Next();
  if (!first.ok()) return first.status();
  if (*first) in.first = std::string(**first);
  in.timeline = IsTimelineHeader(in.first);
  return in;
}

Result<int> DiffTimelines(Input& old_in, Input& new_in, const DiffOptions& options, Io io) {
  TimelineComparer comparer;
  Status started = comparer.Start(old_in.first, new_in.first, old_in.name, new_in.name);
  if (!started.ok()) return started;
  for (;;) {
    Result<std::optional<std::string_view>> a = old_in.Next();
    if (!a.ok()) return a.status();
    Result<std::optional<std::string_view>> b = new_in.Next();
    if (!b.ok()) return b.status();
    if (!*a && !*b) break;
    Status added = comparer.Add(*a, *b, old_in.lines->line_number(), new_in.lines->line_number());
    if (!added.ok()) return added;
  }
  const TimelineDiff& diff = comparer.result();
  io.out << (options.format == "json" ? RenderTimelineDiffJson(diff) : RenderTimelineDiffText(diff));
  return diff.same() ? kExitOk : kExitFindings;
}

}  // namespace

void SetupDiff(CLI::App* cmd, DiffOptions* options) {
  cmd->add_option("OLD", options->old_report, "the earlier report or timeline, or -")->required();
  cmd->add_option("NEW", options->new_report, "the later report or timeline, or -")->required();
  cmd->add_option("--fail-on", options->fail_on,
                  "exit 1 on any difference, or only on a regression (reports)")
      ->check(CLI::IsMember({"any", "regression"}))
      ->capture_default_str();
  cmd->add_option("--format", options->format, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

Result<int> RunDiff(const DiffOptions& options, Io io) {
  if (options.old_report == "-" && options.new_report == "-")
    return Status::Usage("diff: only one input can be read from standard input");
  Result<Input> old_in = Open(options.old_report);
  if (!old_in.ok()) return old_in.status();
  Result<Input> new_in = Open(options.new_report);
  if (!new_in.ok()) return new_in.status();
  if (old_in->timeline != new_in->timeline) {
    const Input& timeline = old_in->timeline ? *old_in : *new_in;
    const Input& other = old_in->timeline ? *new_in : *old_in;
    return Status::InvalidInput("diff: " + timeline.name + " is a timeline but " + other.name +
                                " is not; compare two reports or two timelines");
  }
  if (old_in->timeline) return DiffTimelines(*old_in, *new_in, options, io);

  Result<std::string> old_text = old_in->Text();
  if (!old_text.ok()) return old_text.status();
  Result<std::string> new_text = new_in->Text();
  if (!new_text.ok()) return new_text.status();
  Result<DiffResult> diff = DiffReports(*old_text, *new_text, options.old_report, options.new_report);
  if (!diff.ok()) return diff.status();
  io.out << (options.format == "json" ? RenderDiffJson(*diff) : RenderDiffText(*diff));
  return diff->ExitStatus(options.fail_on == "regression") == 0 ? kExitOk : kExitFindings;
}

}  // namespace ttm::cli
