// Synthetic workloads: named, seeded generators of valid trace events.
//
// Why generate traces: users need traces before they have recordings, and
// traces far longer than any recording to shake out rare interleavings.
// A generator models the *driver* side of TTM (how xe creates, populates,
// writes and shrinks its buffer objects, section 7 of ttm-semantics.md),
// never the engine: a trace is fixed before it is replayed, so a generator
// cannot see whether a populate or shrink succeeded. It keeps its own
// estimate of memory and swap use and chooses a policy that stays sensible
// whatever the engine answers (a retried populate is just another populate,
// a failed one leaves pages alone that a later write skips).
//
// Promises:
//  - Determinism: the same name, seed, event count and options give the
//    same events on every machine (own PRNG, core/prng.h; ordered containers
//    only; no clock).
//  - Validity: every event obeys the trace format's id and range rules
//    (fresh ids only, never a freed one, writes inside the object).
//  - Exactly `events` events, pulled one at a time; memory is bounded by
//    the live-object bookkeeping (the `objects` option), never by the
//    number of events.
#ifndef TTM_CORE_WORKLOAD_WORKLOAD_H_
#define TTM_CORE_WORKLOAD_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/event.h"
#include "core/status.h"

namespace ttm::workload {

// Bumped whenever a workload's output for the same options changes, so that
// a trace's meta says which generator made it.
inline constexpr int kGeneratorVersion = 2;

// What the caller may set. Absent fields take the workload's defaults,
// which depend on the workload (and mostly on system_pages); meta() lists
// the values actually used.
struct WorkloadOptions {
  uint64_t seed = 1;
  // Events after the header, exactly.
  uint64_t events = 10000;
  // The simulated machine (trace header "config").
  std::optional<uint64_t> system_pages;
  std::optional<uint64_t> swap_pages;
  std::optional<uint64_t> pool_limit_pages;
  std::optional<uint32_t> max_order;
  // Most objects alive at once.
  std::optional<uint64_t> objects;
  // Object sizes in pages: the size distribution is clipped to this range
  // (xe-kunit: every object has max_object_pages pages).
  std::optional<uint64_t> min_object_pages;
  std::optional<uint64_t> max_object_pages;
  // Probability (0..1) that a backup, restore or populate gets a fault
  // injected (faults; xe-kunit: EINTR during restores).
  std::optional<double> fault_rate;
  // Probability (0..1) that an object is marked purgeable (madvise-style)
  // after each use; new objects are purgeable 4 in 32 (the size deck).
  std::optional<double> purgeable_rate;
  // fragmented: the largest order left free after fragmenting memory.
  std::optional<uint32_t> fragment_order;
};

// One option value as meta records it.
using MetaValue = std::variant<std::string, uint64_t, double>;

// What the trace header's "meta" says about how the trace was made, in the
// order it is written.
struct Meta {
  std::string workload;
  uint64_t seed = 0;
  uint64_t events = 0;
  int generator_version = kGeneratorVersion;
  // What the workload shows at its defaults (WorkloadInfo::exercises).
  std::vector<std::string_view> exercises;
  std::vector<std::pair<std::string, MetaValue>> options;  // effective values
};

// A pull-based event stream.
class Workload {
 public:
  virtual ~Workload() = default;
  // The machine the events are meant for (the trace header's config).
  virtual Config config() const = 0;
  virtual Meta meta() const = 0;
  // Stores the next event in *out (line left 0, no timestamp). Return:
  // false once `events` events have been produced.
  virtual bool Next(Event* out) = 0;
};

struct WorkloadInfo {
  std::string_view name;
  std::string_view help;  // one line
  // What it exercises and why its machine and sizes are what they are, for
  // `gen --help` (wrapped lines).
  std::string_view details;
  // The behaviours it shows at its defaults, for every seed, in the short
  // form the trace's meta records ("backups", "restore_restarts", ...).
  std::span<const std::string_view> exercises;
};

// Every workload, in the order `gen --help` lists them.
std::span<const WorkloadInfo> Workloads();

// The workloads' part of `gen --help`: each workload, what it exercises,
// and its defaults (the effective options with nothing set, as meta
// records them), then the size deck every workload deals from.
std::string HelpText();

// Creates the workload `name` with `options`. Errors (Usage): an unknown
// name ("unknown workload 'x' (one of: steady, ...)"), an option out of
// range ("--max-object-pages 0: must be at least 1").
Result<std::unique_ptr<Workload>> Make(std::string_view name, const WorkloadOptions& options);

}  // namespace ttm::workload

#endif  // TTM_CORE_WORKLOAD_WORKLOAD_H_
