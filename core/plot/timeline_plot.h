// TimelinePlot: timeline records folded into what the picture shows, in
// memory that does not grow with the number of events.
//
// The timeline states the global page counts after every event, but the
// object keys (resident, backed_up) only for the event's own object. The
// object series are therefore sums over live objects of the last values
// seen for each: an object enters the sum at its first line, changes it at
// each of its lines, and leaves it at its `free`. Memory grows with the
// number of live objects, like the engine's, never with the timeline.
//
// Marks: invariants newly reported at an event (`violations`), and
// populate/shrink events whose `ret` is a negative errno. Injected faults
// appear as the latter: a timeline has no `fail` lines, and what a fault
// does that can be seen is the failed operation it causes.
#ifndef TTM_CORE_PLOT_TIMELINE_PLOT_H_
#define TTM_CORE_PLOT_TIMELINE_PLOT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

#include "core/plot/downsampler.h"
#include "core/plot/timeline_record.h"

namespace ttm::plot {

// Columns of the picture: one per pixel of the plot area's width at most.
inline constexpr size_t kPlotColumns = 960;

class TimelinePlot {
 public:
  explicit TimelinePlot(TimelineHeader header, size_t max_columns = kPlotColumns);

  // Records must come in timeline order.
  void Add(const TimelineRecord& record);

  const TimelineHeader& header() const { return header_; }
  const Downsampler& columns() const { return columns_; }
  uint64_t events() const { return columns_.events(); }
  uint64_t mark_total(MarkKind kind) const { return mark_totals_[static_cast<int>(kind)]; }
  // The largest value of any series over all events.
  uint64_t max_value() const { return max_value_; }
  // Objects currently in the object sums.
  size_t tracked_objects() const { return objects_.size(); }

 private:
  TimelineHeader header_;
  Downsampler columns_;
  // tt -> (resident, backed_up) from its last line.
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> objects_;
  uint64_t resident_sum_ = 0;
  uint64_t backed_up_sum_ = 0;
  std::array<uint64_t, kNumMarkKinds> mark_totals_{};
  uint64_t max_value_ = 0;
  Sample sample_;  // reused to keep its strings' capacity
};

// "trace line 57: shrink tt 3": how a mark's tooltip names its event.
std::string DescribeEvent(const TimelineRecord& record);

}  // namespace ttm::plot

#endif  // TTM_CORE_PLOT_TIMELINE_PLOT_H_
