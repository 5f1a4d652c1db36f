#include "cli/validate.h"

#include "cli/exit_codes.h"
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
  };
  Result<std::unique_ptr<trace::TraceReader>> reader =
      trace::TraceReader::Open(options.trace, reader_options);
  if (!reader.ok()) {
    io.err << "ttm-replay: " << reader.status().message() << '\n';
    return kExitInvalidInput;
  }
  Event event;
  uint64_t errors = 0;
  for (;;) {
    Result<bool> more = (*reader)->Next(&event);
    if (!more.ok()) {
      io.err << "ttm-replay: " << more.status().message() << '\n';
      if (!options.all_errors) return kExitInvalidInput;
      ++errors;
      if ((*reader)->ended()) break;
      if (errors == kMaxValidateErrors) {
        io.err << "ttm-replay: " << (*reader)->name() << ": stopped after " << errors
               << " errors\n";
        return kExitInvalidInput;
      }
      continue;
    }
    if (!*more) break;
  }
  if (errors > 0) {
    io.err << "ttm-replay: " << (*reader)->name() << ": " << errors
           << (errors == 1 ? " error\n" : " errors\n");
    return kExitInvalidInput;
  }
  io.out << (*reader)->name() << ": valid, " << (*reader)->event_count() << " events\n";
  return kExitOk;
}

}  // namespace ttm::cli
