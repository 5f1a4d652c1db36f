#include "cli/file_source.h"
#include "cli/reduce.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "core/explore/reduce.h"
#include "core/trace/trace_writer.h"
#include "core/trace/whole_trace.h"

namespace ttm::cli {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void SetupReduce(CLI::App* cmd, ReduceCommandOptions* options) {
  cmd->add_option("TRACE", options->trace, "trace file, or - for standard input")->required();
  cmd->add_option("-o,--output", options->output, "the reduced trace (.zst: compressed, - for standard output)")
      ->required();
  cmd->add_option("--keep", options->keep,
                  "what must still hold: first-violation (the same first invariant, default), exit "
                  "(the same exit status), expect-failure (the same first failed assertion)")
      ->check(CLI::IsMember({"first-violation", "exit", "expect-failure"}));
  cmd->add_option("-j,--jobs", options->jobs, "candidates replayed at once (default 1)")
      ->check(CLI::Range(1u, 1024u));
  AddSemanticsOption(cmd, &options->semantics);
  options->progress = isatty(STDERR_FILENO);
}

Result<int> RunReduce(const ReduceCommandOptions& options, Io io) {
  ReduceOptions r;
  r.keep = *KeepPropertyFromName(options.keep);
  r.jobs = options.jobs;
  r.replay.semantics = options.semantics;
  bool shown = false;
  if (options.progress)
    r.progress = [&io, &shown](std::string_view stage, uint64_t events, uint64_t tests) {
      if ((tests & 15) != 0) return;
      char line[160];
      snprintf(line, sizeof line, "\rreduce: %llu candidates, %llu events, %.*s\033[K",
               static_cast<unsigned long long>(tests), static_cast<unsigned long long>(events),
               static_cast<int>(stage.size()), stage.data());
      io.err << line << std::flush;
      shown = true;
    };

  Result<trace::WholeTrace> t = ReadWholeTraceFile(options.trace);
  if (!t.ok()) return t.status();
  Result<Reduction> reduced = Reduce(Resolve(t->header.config), t->events, r);
  if (shown) io.err << "\r\033[K" << std::flush;
  if (!reduced.ok()) return Status::Usage(t->name + ": " + reduced.status().message());

  std::ostringstream text;
  trace::TraceWriter writer(text, EndsWith(options.output, ".zst"));
  Status s = writer.WriteHeader(ReducedHeader(t->header, t->sha256, t->events.size()));
  for (const Event& e : reduced->events)
    if (s.ok()) s = writer.Write(e);
  if (s.ok()) s = writer.Finish();
  if (s.ok() && options.output == "-") io.out << text.str();
  else if (s.ok()) s = WriteFileAtomically(options.output, text.str());
  if (!s.ok()) return s;
  (options.output == "-" ? io.err : io.out)
      << "reduced " << t->events.size() << " events to " << reduced->events.size() << " keeping the "
      << reduced->property << " (" << reduced->tests << " candidates replayed)\n";
  return kExitOk;
}

}  // namespace ttm::cli
