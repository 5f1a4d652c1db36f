#include "cli/validate.h"

#include "cli/exit_codes.h"
#include "cli/file_source.h"
#include "cli/help_text.h"
#include "core/trace/trace_reader.h"

namespace ttm::cli {

void SetupValidate(CLI::App* cmd, ValidateOptions* options) {
  cmd->add_option("TRACE", options->trace, "trace file, or - for standard input")
      ->required();
  cmd->add_flag("--strict", options->strict, "also reject fields the format does not define");
  cmd->add_flag("--all-errors", options->all_errors,
                "report every error, up to " + std::to_string(kMaxValidateErrors) +
                    ", not only the first");
  cmd->footer(TraceVocabularyHelp());
}

Result<int> RunValidate(const ValidateOptions& options, Io io) {
  trace::ReaderOptions reader_options{
      .strict = options.strict,
      .warn = [&io](const std::string& message) {
        io.err << "ttm-replay: warning: " << message << " (--strict rejects it)\n";
      },
      .keep_going = options.all_errors,
      .hash_text = false,  // validate prints no digest
  };
  Result<std::unique_ptr<trace::TraceReader>> reader =
      OpenTrace(options.trace, reader_options);
  if (!reader.ok()) return reader.status();
  Event event;
  uint64_t errors = 0;
  for (;;) {
    Result<bool> more = (*reader)->Next(&event);
    if (more.ok()) {
      if (!*more) break;
      continue;
    }
    if (!options.all_errors) return more.status();
    io.err << "ttm-replay: " << more.status().message() << '\n';
    ++errors;
    if ((*reader)->ended()) break;
    if (errors == kMaxValidateErrors)
      return Status::InvalidInput((*reader)->name() + ": stopped after " +
                                  std::to_string(errors) + " errors");
  }
  if (errors > 0)
    return Status::InvalidInput((*reader)->name() + ": " + std::to_string(errors) +
                                (errors == 1 ? " error" : " errors"));
  io.out << (*reader)->name() << ": valid, " << (*reader)->event_count() << " events\n";
  return kExitOk;
}

}  // namespace ttm::cli
