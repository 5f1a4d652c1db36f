// Downsampler: any number of events folded into a bounded number of
// columns, so that a plot of 10 M events costs what a plot of 1,000 does.
//
// Why this shape: a picture is a few hundred pixels wide, and a spike that
// lasts one event out of millions must still show. Each column keeps, per
// series, the first, last, smallest and largest value of its events (the
// "M4" reduction: drawing those four per pixel column draws the same line
// as drawing every point), and, per kind of mark, how many marks it holds
// and the description of its first one.
//
// Events stream in and the number of events is not known in advance: the
// downsampler starts at one event per column and, whenever the columns are
// all used, merges neighbours pairwise and doubles the events per column.
// Memory is fixed by the column count, never by the number of events.
#ifndef TTM_CORE_PLOT_DOWNSAMPLER_H_
#define TTM_CORE_PLOT_DOWNSAMPLER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ttm::plot {

// The plotted quantities, in drawing order of the legend.
enum class Series : int {
  kSystemUsed,  // pages used from the system (system_used_pages)
  kPool,        // pages held by the pools (pool_pages)
  kBackup,      // pages held by the backup store (backup_pages)
  kResident,    // resident pages of live objects (sum)
  kBackedUp,    // backed-up pages of live objects (sum)
};
inline constexpr int kNumSeries = 5;

enum class MarkKind : int {
  kViolation,  // an invariant newly reported at the event
  kFailure,    // a populate or shrink that returned a negative errno
};
inline constexpr int kNumMarkKinds = 2;

// Descriptions of marks are cut to this many bytes (on a UTF-8 boundary)
// so that a column's size is bounded whatever the input.
inline constexpr size_t kMaxMarkDetail = 240;

// One event as the downsampler sees it.
struct Sample {
  uint64_t line = 0;  // trace line
  std::array<uint64_t, kNumSeries> values{};
  // Per kind: how many marks the event carries (0: none) and, when it has
  // some, what they are ("trace line 57: shrink tt 3 ...").
  std::array<uint64_t, kNumMarkKinds> mark_counts{};
  std::array<std::string, kNumMarkKinds> mark_details;
};

// Per series, over a column's events.
struct Envelope {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t min = 0;
  uint64_t max = 0;
  // Whether the (first) minimum comes before the (first) maximum; equal
  // values count as min first.
  bool min_first = true;
};

struct Marks {
  uint64_t count = 0;   // marks in the column, 0 for none
  uint64_t first_line = 0;  // trace line of the first marked event
  uint64_t last_line = 0;   // trace line of the last marked event
  std::string detail;   // description of the first marked event
};

struct Column {
  uint64_t first_event = 0;  // index of its first event, from 0
  uint64_t events = 0;
  uint64_t first_line = 0;  // trace lines of its first and last event
  uint64_t last_line = 0;
  std::array<Envelope, kNumSeries> series{};
  std::array<Marks, kNumMarkKinds> marks{};
};

class Downsampler {
 public:
  // `max_columns`: even, at least 2. Once more than max_columns events
  // have been added, between max_columns / 2 and max_columns columns are
  // in use.
  explicit Downsampler(size_t max_columns);

  void Add(const Sample& sample);

  // Whether the next Add() would keep the sample's description of `kind`
  // (only a column's first mark of a kind is described): lets the caller
  // skip composing descriptions that would be dropped.
  bool WantsDetail(MarkKind kind) const;

  // In event order. Every column but the last holds events_per_column()
  // events; the last holds 1 to events_per_column().
  const std::vector<Column>& columns() const { return columns_; }
  uint64_t events_per_column() const { return width_; }
  uint64_t events() const { return events_; }
  size_t max_columns() const { return max_columns_; }

 private:
  void MergePairs();

  size_t max_columns_;
  uint64_t width_ = 1;
  uint64_t events_ = 0;
  std::vector<Column> columns_;
};

// Folds `right` (the events just after `left`'s) into `left`.
void MergeColumns(Column* left, const Column& right);

}  // namespace ttm::plot

#endif  // TTM_CORE_PLOT_DOWNSAMPLER_H_
