#include "cli/validate.h"

#include "cli/exit_codes.h"
#include "cli/file_source.h"
#include "core/trace/trace_reader.h"

namespace ttm::cli {

void SetupValidate(CLI::App* cmd, ValidateOptions* options) {
  cmd->add_option("TRACE", options->trace, "trace file, or - for standard input")
      ->required();
  cmd->add_flag("--strict", options->strict, "also reject fields the format does not define");
}

Result<int> RunValidate(const ValidateOptions& options, Io io) {
  Result<std::unique_ptr<trace::TraceReader>> reader =
      OpenTrace(options.trace, trace::ReaderOptions{.strict = options.strict});
  if (!reader.ok()) return reader.status();
  Event event;
  for (;;) {
    Result<bool> more = (*reader)->Next(&event);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  io.out << (*reader)->name() << ": valid, " << (*reader)->event_count() << " events\n";
  return kExitOk;
}

}  // namespace ttm::cli
