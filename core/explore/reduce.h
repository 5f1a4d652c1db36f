// reduce: delta debugging (ddmin) of a trace that shows a problem, down to
// a few events that still show it.
//
// Why: a trace from a long workload that reaches a violation is hundreds of
// events; a mail or a KUnit case wants ten. As creduce and llvm-reduce do,
// the reducer removes parts of the trace for as long as the kept property
// still holds, checking each candidate by replaying it in memory.
//
// Units, in this order:
//  1. expect and check events are dropped first, all together, and kept
//     (as units of their own) only when dropping them loses the property;
//  2. ddmin over units: an object's events (allocate to free) travel
//     together; fail, set and pool_shrink events are units of their own;
//  3. ddmin over single events (a redundant write or populate inside an
//     object), keeping only candidates that are valid traces;
//  4. shrinking inside events: fewer pages in an object, a smaller
//     `after` and `count` of a fail, fewer pages of a pool_shrink;
// then 3 and 4 again while they make progress. Deterministic: the same
// trace and property give the same result whatever `jobs` is. No I/O.
#ifndef TTM_CORE_EXPLORE_REDUCE_H_
#define TTM_CORE_EXPLORE_REDUCE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/replay/replayer.h"
#include "core/status.h"
#include "core/trace/event_json.h"

namespace ttm {

enum class KeepProperty {
  kFirstViolation,  // the same invariant is the first one violated
  kExit,            // the same exit status
  kExpectFailure,   // the same first failed assertion (field, expected, found)
};
std::optional<KeepProperty> KeepPropertyFromName(std::string_view name);

struct ReduceOptions {
  KeepProperty keep = KeepProperty::kFirstViolation;
  unsigned jobs = 1;  // candidates replayed at once (threads)
  ReplayOptions replay;
  // After each candidate: the stage, the events of the smallest trace so
  // far and the candidates tried. From one thread at a time.
  std::function<void(std::string_view stage, uint64_t events, uint64_t tests)> progress;
};

struct Reduction {
  std::vector<Event> events;  // lines renumbered from 2
  std::string property;       // what was kept, e.g. "first violation 3.7.2 restore-progress"
  uint64_t tests = 0;         // candidates replayed
};

// Errors: Usage when the original does not have the property at all (no
// violation, no failed expectation).
Result<Reduction> Reduce(const MachineConfig& config, const std::vector<Event>& events,
                         const ReduceOptions& options);

// The header of the reduced trace: the original config as written, its meta
// with "reduced_from": {"sha256": ..., "events": ...} of the original.
trace::TraceHeader ReducedHeader(const trace::TraceHeader& original, const std::string& sha256,
                                 uint64_t events);

}  // namespace ttm

#endif  // TTM_CORE_EXPLORE_REDUCE_H_
