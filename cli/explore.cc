#include "cli/file_source.h"
#include "cli/explore.h"

#include <unistd.h>

#include <cstdio>

#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "core/explore/explore.h"
#include "core/trace/whole_trace.h"

namespace ttm::cli {

void SetupExplore(CLI::App* cmd, ExploreCommandOptions* options) {
  cmd->add_option("TRACE", options->trace, "trace file, or - for standard input")->required();
  cmd->add_option("--site", options->site,
                  "the fault site: alloc_page, dma_map, set_caching, backup_page, backup_half, "
                  "copy_page or alloc_restore")
      ->required();
  cmd->add_option("--error", options->error, "the error to raise (default: the site's first)");
  cmd->add_option("--tt", options->tt, "fail only this object's calls");
  cmd->add_option("-j,--jobs", options->jobs, "faulted replays run at once (default 1)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("-o,--output", options->output, "write the results as JSON here (- for standard output)");
  AddSemanticsOption(cmd, &options->semantics);
  options->progress = isatty(STDERR_FILENO);
}

Result<int> RunExplore(const ExploreCommandOptions& options, Io io) {
  ExploreOptions x;
  std::optional<FaultSite> site = FaultSiteFromName(options.site);
  if (!site) return Status::Usage("--site: unknown fault site '" + options.site + "'");
  x.site = *site;
  if (!options.error.empty()) {
    std::optional<Errno> error = ErrnoFromName(options.error);
    if (!error) return Status::Usage("--error: unknown errno '" + options.error + "'");
    x.error = *error;
  }
  x.tt = options.tt;
  x.jobs = options.jobs;
  x.replay.semantics = options.semantics;
  if (options.progress)
    x.progress = [&io](uint64_t done, uint64_t total) {
      char line[80];
      snprintf(line, sizeof line, "\rexplore: %llu of %llu calls", static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total));
      io.err << line << (done == total ? "\r\033[K" : "") << std::flush;
    };

  Result<trace::WholeTrace> t = ReadWholeTraceFile(options.trace);
  if (!t.ok()) return t.status();
  if (x.tt) {
    bool named = false;
    for (const Event& e : t->events) named = named || EventTt(e.body) == x.tt;
    if (!named) return Status::Usage("--tt: tt " + std::to_string(*x.tt) + " does not appear in " + t->name);
  }
  Result<Exploration> result = Explore(Resolve(t->header.config), t->events, x);
  if (!result.ok()) {
    if (result.status().code() == Status::Code::kInvalidInput)
      return Status::InvalidInput(t->name + ":" + result.status().message());
    return result.status();
  }
  if (options.output == "-") {
    io.out << RenderExploreJson(*result);
  } else if (!options.output.empty()) {
    Status written = WriteFileAtomically(options.output, RenderExploreJson(*result));
    if (!written.ok()) return written;
  }
  (options.output == "-" ? io.err : io.out) << RenderExploreText(*result);
  return ExploreExitStatus(*result) == 0 ? kExitOk : kExitFindings;
}

}  // namespace ttm::cli
