// One trace under two semantics in lockstep (`ttm-replay ab`).
//
// Why lockstep and not two timelines diffed afterwards: the caller reads the
// trace once and hands each event to both replayers; the two timeline lines
// of that event are compared at once (TimelineComparer, the comparison
// `diff` makes of two timeline files), so nothing is written and memory
// stays constant however long the trace. Both replays run to the end, so
// both reports cover the whole trace even after the first divergence.
//
// No I/O: the caller reads the trace and writes what Render* return.
#ifndef TTM_CORE_REPLAY_AB_H_
#define TTM_CORE_REPLAY_AB_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/engine/engine.h"
#include "core/event.h"
#include "core/replay/replayer.h"
#include "core/report/report.h"
#include "core/report/report_diff.h"
#include "core/report/timeline_diff.h"
#include "core/status.h"

namespace ttm {

struct AbOptions {
  std::string a = "v13";     // semantics of replay A (SemanticsName())
  std::string b = "merged";  // semantics of replay B
  uint64_t check_every = 1;  // as ReplayOptions::check_every, for both
};

// What an A/B replay found once the trace has ended.
struct AbResult {
  std::string a, b;          // the two semantics names
  TimelineDiff timeline;     // old = A, new = B
  Report report_a, report_b; // without trace.sha256 and run (the caller's)

  bool diverged() const { return !timeline.same(); }
};

class AbReplayer {
 public:
  // Errors: `options.a` or `options.b` is not a semantics name.
  static Result<std::unique_ptr<AbReplayer>> Make(const MachineConfig& config, const AbOptions& options);

  // Applies one event to both replayers and compares their timeline lines.
  Status Apply(const Event& event);

  // Tears both engines down; call once, after the last event.
  AbResult Finish();

  // The timeline comparison so far (first divergence, count).
  const TimelineDiff& timeline() const { return comparer_.result(); }

 private:
  AbReplayer(const MachineConfig& config, const AbOptions& options);

  AbOptions options_;
  std::string line_a_, line_b_;  // the current event's timeline lines
  std::optional<Replayer> a_, b_;
  TimelineComparer comparer_;
  uint64_t events_ = 0;  // timeline events compared
};

// The names `ab` gives its two sides: "a (v13)", "b (merged)".
std::string AbSideName(char side, const std::string& semantics);

// The reports' headline differences, as `diff` of two reports finds them,
// without what is the point of the comparison (options.semantics) or what
// the timeline comparison already says better (behaviour.digest), and
// without list entries (violations.first[i], expectations.failures[i]: the
// reports in `ab -o` have them); the sides are named by AbSideName. Both reports' JSON as RenderReportJson writes it.
Result<DiffResult> AbHeadlineDiff(const AbResult& result, const std::string& a_json,
                                  const std::string& b_json);

// The text `ab` prints: the timeline comparison exactly as `diff` prints
// two timelines, then (when they diverged) the headline differences.
std::string RenderAbText(const AbResult& result, const DiffResult& headline);

// {"a": "v13", "b": "merged", "diverged": b, "first_divergence": {...} or
// null, "differing_events": N, "events": N, "headline": {as diff --format
// json of two reports}, "reports": {"a": {...}, "b": {...}}}, 2-space
// indent, trailing newline. first_divergence is as `diff --format json`
// writes it for two timelines.
std::string RenderAbJson(const AbResult& result, const DiffResult& headline, const std::string& a_json,
                         const std::string& b_json);

}  // namespace ttm

#endif  // TTM_CORE_REPLAY_AB_H_
