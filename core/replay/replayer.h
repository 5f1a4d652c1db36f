// The replayer: events in, report out.
//
// It drives the engine one event at a time, runs the checker after every
// event (or every N-th, for huge traces), evaluates `check` and `expect`,
// and at the end tears the engine down and fills the report. It performs
// no I/O: the CLI reads the trace and writes the report.
#ifndef TTM_CORE_REPLAY_REPLAYER_H_
#define TTM_CORE_REPLAY_REPLAYER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/engine.h"
#include "core/event.h"
#include "core/report/report.h"
#include "core/timeline/timeline.h"

namespace ttm {

struct ReplayOptions {
  // Run the checker after every check_every-th event (1: after every event).
  // Objects touched in between are remembered, so a sparse check still sees
  // everything that changed; only violations that appear and heal between
  // two checks go unseen. `check` events always run the full checker.
  uint64_t check_every = 1;
  // The modelled code (`--semantics`): "v13", "merged" or "merged-fixed"
  // (SemanticsName()); an unknown name replays as v13.
  std::string semantics = "v13";
  // Receives each timeline event line (with its newline) as the replay
  // goes; unset: no timeline is written. The behaviour digest is computed
  // either way.
  std::function<void(std::string_view line)> timeline;
  // Off only in the replay benchmark, to measure what the digest costs;
  // the report then has no `behaviour` section.
  bool behaviour_digest = true;
  // Test-only engine variant (EngineOptions), never set by the CLI.
  EngineOptions engine;
};

// Copies the engine's counters into the report's sections (the same
// structs, core/counters.h).
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
  // Violations reported so far (what an `expect` of `violations` compares).
  uint64_t violation_count() const { return report_.violations.count; }
  // The engine as the events so far left it (for `inspect`, `explore`).
  const Engine& engine() const { return engine_; }
  // The report as the events so far filled it: violations, checks,
  // expectations and results; the engine's counters and the leaks only
  // come with Finish().
  const Report& report() const { return report_; }
  // The return value of the most recent populate or shrink.
  std::optional<int64_t> last_ret() const { return last_ret_; }

  // A Replayer is copied as a whole (engine included): the copy goes on
  // from the same point and gives the same report for the same events.

 private:
  void RunChecker(uint64_t line, CheckScope scope, bool from_check_event);
  void AddViolation(uint64_t line, const Violation& v);
  void Expect(uint64_t line, const ExpectEvent& e);
  void Timeline(const Event& event, std::optional<uint64_t> tt, const Outcome& out);

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
  // The (invariant, tt) pairs one check found, sorted; kept for its capacity.
  std::vector<std::pair<int, uint64_t>> now_;
  // The current event's timeline line before rendering; its `violations`
  // collect the invariant names reported since the event began.
  TimelineEntry entry_;
  BehaviourDigest digest_;
  std::string line_;  // room for the current timeline line when there is no digest
};

}  // namespace ttm

#endif  // TTM_CORE_REPLAY_REPLAYER_H_
