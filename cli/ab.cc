#include "cli/file_source.h"
#include "cli/ab.h"

#include "cli/build_info.h"
#include "cli/exit_codes.h"
#include "cli/option_checks.h"
#include "cli/output.h"
#include "cli/version.h"
#include "core/replay/ab.h"
#include "core/report/report.h"
#include "core/trace/trace_reader.h"

namespace ttm::cli {
namespace {

std::string CheckSemantics(const std::string& value) {
  return SemanticsFromName(value) ? std::string() : "must be v13, merged or merged-fixed, not " + value;
}

}  // namespace

void SetupAb(CLI::App* cmd, AbCommandOptions* options) {
  cmd->add_option("TRACE", options->trace, "trace file, or - for standard input")->required();
  cmd->add_option("--a", options->a, "semantics of the first replay: v13 (default), merged, merged-fixed")
      ->check(CheckSemantics);
  cmd->add_option("--b", options->b, "semantics of the second replay (default merged)")->check(CheckSemantics);
  cmd->add_option("-o,--output", options->output,
                  "write both reports and the divergence as JSON here (- for standard output)")
      ->check(NonEmpty());
}

Result<int> RunAb(const AbCommandOptions& options, Io io) {
  Result<std::unique_ptr<trace::TraceReader>> opened = OpenTrace(options.trace);
  if (!opened.ok()) return opened.status();
  trace::TraceReader& reader = **opened;
  AbOptions ab_options;
  ab_options.a = options.a;
  ab_options.b = options.b;
  Result<std::unique_ptr<AbReplayer>> ab = AbReplayer::Make(Resolve(reader.header().config), ab_options);
  if (!ab.ok()) return ab.status();
  Event event;
  for (;;) {
    Result<bool> more = reader.Next(&event);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (Status s = (*ab)->Apply(event); !s.ok()) return s;
  }

  AbResult result = (*ab)->Finish();
  const std::string sha256 = reader.text_sha256();  // once: it finalises the hash
  for (Report* r : {&result.report_a, &result.report_b}) {
    r->trace.sha256 = sha256;
    r->run.tool = "ttm-replay " + std::string(kVersion);
    r->run.build = BuildId();
  }
  const std::string a_json = RenderReportJson(result.report_a);
  const std::string b_json = RenderReportJson(result.report_b);
  Result<DiffResult> headline = AbHeadlineDiff(result, a_json, b_json);
  if (!headline.ok()) return headline.status();
  if (!options.output.empty()) {
    Status written = WriteFileAtomically(options.output, RenderAbJson(result, *headline, a_json, b_json));
    if (!written.ok()) return written;
  }
  (options.output == "-" ? io.err : io.out) << RenderAbText(result, *headline);
  return result.diverged() ? kExitFindings : kExitOk;
}

}  // namespace ttm::cli
