// The replayer: events in, report out.
//
// It drives the engine one event at a time, runs the checker after every
// event (or every N-th, for huge traces), evaluates `check` and `expect`,
// and at the end tears the engine down and fills the report. It performs
// no I/O: the CLI reads the trace and writes the report.
#ifndef TTM_CORE_REPLAY_REPLAYER_H_
#define TTM_CORE_REPLAY_REPLAYER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/engine/engine.h"
#include "core/event.h"
#include "core/report/report.h"

namespace ttm {

struct ReplayOptions {
  // Run the checker after every check_every-th event (1: after every event).
  // Objects touched in between are remembered, so a sparse check still sees
  // everything that changed; only violations that appear and heal between
  // two checks go unseen. `check` events always run the full checker.
  uint64_t check_every = 1;
  // The modelled code, as the report's options.semantics names it. "v13"
  // is the only engine so far; this is the one place that says so.
  std::string semantics = "v13";
};

// Copies the engine's counters into the report's sections, each into the
// field of the same meaning (designated initialisers: a field cannot slip
// into its neighbour's place).
void FillCounters(const Counters& c, Report& report);

class Replayer {
 public:
  Replayer(const MachineConfig& config, ReplayOptions options);

  // Applies one event (check and expect included).
  void Apply(const Event& event);

  // Tears the engine down, accounts leaks and returns the report (without
  // trace.sha256 and run, which the caller knows).
  Report Finish();

  uint64_t events() const { return events_; }

 private:
  void RunChecker(uint64_t line, bool full, bool from_check_event);
  void AddViolation(uint64_t line, const Violation& v);
  void Expect(uint64_t line, const ExpectEvent& e);

  Engine engine_;
  ReplayOptions options_;
  Report report_;
  uint64_t events_ = 0;
  uint64_t last_line_ = 0;
  uint64_t since_check_ = 0;
  std::optional<int64_t> last_ret_;  // of the most recent populate or shrink
  // State violations currently standing, by (invariant, tt): each is
  // reported once when it appears, not again after every event.
  std::set<std::pair<int, uint64_t>> standing_;
  // tt ids touched since the last check, with repeats until the checker
  // sorts them (a vector keeps its capacity: no allocation per event).
  std::vector<uint64_t> touched_;
};

}  // namespace ttm

#endif  // TTM_CORE_REPLAY_REPLAYER_H_
