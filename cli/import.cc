#include "cli/import.h"

#include <sstream>

#include "cli/exit_codes.h"
#include "cli/file_source.h"
#include "cli/output.h"
#include "cli/version.h"
#include "core/trace/byte_source.h"
#include "core/trace/line_reader.h"
#include "core/trace/trace_writer.h"

namespace ttm::cli {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Counts(const std::map<std::string, uint64_t>& counts) {
  uint64_t total = 0;
  std::string parts;
  for (const auto& [what, n] : counts) {
    total += n;
    parts += (parts.empty() ? "" : ", ") + what + ": " + std::to_string(n);
  }
  return std::to_string(total) + (parts.empty() ? "" : " (" + parts + ")");
}

Status ImportStream(const ImportCommandOptions& options, std::ostream& out,
                    import::ImportStats* stats) {
  Result<std::unique_ptr<trace::ByteSource>> source = OpenInput(options.raw);
  if (!source.ok()) return source.status();
  const std::string name = InputName(options.raw);
  trace::LineReader reader(std::move(*source));
  trace::TraceWriter writer(out, EndsWith(options.output, ".zst"));
  import::ImportOptions import_options;
  import_options.infer_writes = options.infer_writes;
  import_options.importer = "ttm-replay import " + std::string(kVersion);
  import::Importer importer(
      name,
      {.header = [&](const trace::TraceHeader& h) { return writer.WriteHeader(h); },
       .event = [&](const Event& e) { return writer.Write(e); }},
      import_options);
  std::string_view line;
  for (;;) {
    Result<bool> more = reader.Next(&line);
    if (!more.ok())
      return Status::InvalidInput(name + ":" + std::to_string(reader.line_number()) + ": " +
                                  more.status().message());
    if (!*more) break;
    if (Status s = importer.AddLine(line, reader.line_number()); !s.ok()) return s;
  }
  if (Status s = importer.Finish(reader.line_number()); !s.ok()) return s;
  *stats = importer.stats();
  return writer.Finish();
}

}  // namespace

void SetupImport(CLI::App* cmd, ImportCommandOptions* options) {
  cmd->add_option("RAW", options->raw, "recording (tools/record/ttm-record), or - for standard input")
      ->required();
  cmd->add_option("-o,--output", options->output,
                  "trace file (.zst: compressed), - for standard output")
      ->capture_default_str();
  cmd->add_flag("!--no-infer-writes", options->infer_writes,
                "do not add a write of the whole object after its first population");
  cmd->add_flag("--quiet", options->quiet, "print no summary");
}

std::string RenderImportSummary(const import::ImportStats& s) {
  std::string out = "imported " + std::to_string(s.calls) + " calls into " +
                    std::to_string(s.events) + " events: " + std::to_string(s.objects) +
                    " objects, " + std::to_string(s.faults_armed) + " faults armed, " +
                    std::to_string(s.writes_inferred) + " writes inferred\n";
  out += "covered by their outer call: " + Counts(s.covered) + "\n";
  out += "not expressible: " + Counts(s.not_expressible) + "\n";
  out += "failures replayed without a fault: " + Counts(s.failures_without_fault) + "\n";
  return out;
}

Result<int> RunImport(const ImportCommandOptions& options, Io io) {
  import::ImportStats stats;
  if (options.output == "-") {
    // Held until the end, so that a malformed recording writes nothing.
    std::ostringstream buffer;
    if (Status s = ImportStream(options, buffer, &stats); !s.ok()) return s;
    io.out << buffer.str() << std::flush;
  } else {
    AtomicFileWriter file;
    if (Status s = file.Open(options.output); !s.ok()) return s;
    if (Status s = ImportStream(options, file.stream(), &stats); !s.ok()) return s;
    if (Status s = file.Commit(); !s.ok()) return s;
  }
  if (!options.quiet) (options.output == "-" ? io.err : io.out) << RenderImportSummary(stats);
  return kExitOk;
}

}  // namespace ttm::cli
