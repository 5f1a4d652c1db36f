#include "cli/gen.h"

#include <limits>
#include <optional>
#include <type_traits>
#include <variant>

#include "cli/exit_codes.h"
#include "cli/option_checks.h"
#include "cli/output.h"
#include "cli/version.h"
#include "core/trace/format.h"
#include "core/trace/trace_writer.h"

namespace ttm::cli {
namespace {

// CLI11 2.1 fills std::optional<T> only through a plain T; these adapters
// keep GenOptions' fields optional ("not given" means the default).
// Unsigned options are checked as text first (option_checks.h).
template <class T>
void AddOptional(CLI::App* cmd, const std::string& name, std::optional<T>* field,
                 const std::string& help) {
  CLI::Option* opt = cmd->add_option_function<T>(name, [field](const T& v) { *field = v; }, help);
  if constexpr (std::is_unsigned_v<T>) opt->check(WholeNumber(0, std::numeric_limits<T>::max()));
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

trace::Json MetaToJson(const workload::Meta& meta) {
  trace::Json options = trace::Json::object();
  for (const auto& [key, value] : meta.options)
    std::visit([&, &key = key](const auto& v) { options[key] = v; }, value);
  trace::Json j = trace::Json::object();
  j["source"] = "synthetic";
  j["generator"] = "ttm-replay gen";
  j["generator_version"] = meta.generator_version;
  j["workload"] = meta.workload;
  j["seed"] = meta.seed;
  j["events"] = meta.events;
  j["exercises"] = trace::Json::array();
  for (std::string_view x : meta.exercises) j["exercises"].push_back(std::string(x));
  j["options"] = std::move(options);
  return j;
}

void SetupGen(CLI::App* cmd, GenOptions* options) {
  workload::WorkloadOptions& w = options->workload_options;
  cmd->add_option("--workload", options->workload, "the workload (listed below)")->required();
  cmd->add_option("--seed", w.seed, "PRNG seed; same seed, same bytes")
      ->check(WholeNumber(0, std::numeric_limits<uint64_t>::max()))
      ->capture_default_str();
  // At most the format's largest count, so that meta.events fits any JSON
  // reader's signed 64-bit integer.
  cmd->add_option("--events", w.events, "events after the header, exactly")
      ->check(WholeNumber(0, trace::kMaxCount))
      ->capture_default_str();
  cmd->add_option("-o,--output", options->output,
                  "trace file (.zst: compressed), - for standard output")
      ->check(NonEmpty())
      ->capture_default_str();
  AddOptional(cmd, "--system-pages", &w.system_pages, "simulated system memory, pages");
  AddOptional(cmd, "--swap-pages", &w.swap_pages, "backup store (swap) capacity, pages");
  AddOptional(cmd, "--pool-limit-pages", &w.pool_limit_pages, "the pool's page limit");
  AddOptional(cmd, "--max-order", &w.max_order, "largest allocation order");
  AddOptional(cmd, "--objects", &w.objects,
              "most live objects (xe-kunit: objects per round)");
  AddOptional(cmd, "--min-object-pages", &w.min_object_pages, "smallest object, pages");
  AddOptional(cmd, "--max-object-pages", &w.max_object_pages,
              "largest object, pages (xe-kunit: the object size)");
  AddOptional(cmd, "--fault-rate", &w.fault_rate,
              "probability 0..1 of a fault per backup/restore/populate (faults, xe-kunit)");
  AddOptional(cmd, "--purgeable-rate", &w.purgeable_rate,
              "probability 0..1 that an object is marked purgeable after each use (pressure "
              "family; new objects: 4 in 32, from the size deck)");
  AddOptional(cmd, "--fragment-order", &w.fragment_order,
              "fragmented: largest free order after fragmenting");
  cmd->footer(workload::HelpText() +
              "Unset options take the workload's defaults; the trace's meta records "
              "the values used.");
}

Result<int> RunGen(const GenOptions& options, Io io) {
  (void)io;
  Result<std::unique_ptr<workload::Workload>> made =
      workload::Make(options.workload, options.workload_options);
  if (!made.ok()) return made.status();
  workload::Workload& w = **made;

  AtomicFileWriter file;
  if (Status s = file.Open(options.output); !s.ok()) return s;
  trace::TraceWriter writer(file.stream(), EndsWith(options.output, ".zst"));
  trace::TraceHeader header;
  header.config = w.config();
  header.meta = MetaToJson(w.meta());
  // A failed write names the file and the reason ("No space left on
  // device"), not just "write error".
  auto failed = [&file](const Status& s) { return file.stream() ? s : file.StreamError(); };
  if (Status s = writer.WriteHeader(header); !s.ok()) return failed(s);
  Event event;
  while (w.Next(&event))
    if (Status s = writer.Write(event); !s.ok()) return failed(s);
  if (Status s = writer.Finish(); !s.ok()) return failed(s);
  if (Status s = file.Commit(); !s.ok()) return s;
  return kExitOk;
}

}  // namespace ttm::cli
