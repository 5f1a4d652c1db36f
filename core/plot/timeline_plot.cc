#include "core/plot/timeline_plot.h"

#include <algorithm>
#include <string>

#include "core/event.h"

namespace ttm::plot {

std::string DescribeEvent(const TimelineRecord& record) {
  std::string s = "trace line " + std::to_string(record.line) + ": " + record.op;
  if (record.tt) s += " tt " + std::to_string(*record.tt);
  return s;
}

TimelinePlot::TimelinePlot(TimelineHeader header, size_t max_columns)
    : header_(std::move(header)), columns_(max_columns) {}

void TimelinePlot::Add(const TimelineRecord& record) {
  if (record.tt) {
    auto it = objects_.find(*record.tt);
    if (it != objects_.end()) {
      resident_sum_ -= it->second.first;
      backed_up_sum_ -= it->second.second;
    }
    if (record.object) {
      std::pair<uint64_t, uint64_t> now{record.object->resident, record.object->backed_up};
      if (it != objects_.end()) it->second = now;
      else objects_.emplace(*record.tt, now);
      resident_sum_ += now.first;
      backed_up_sum_ += now.second;
    } else if (it != objects_.end()) {  // free: the object is gone
      objects_.erase(it);
    }
  }

  Sample& s = sample_;
  s.line = record.line;
  s.values = {record.system_used_pages, record.pool_pages, record.backup_pages, resident_sum_,
              backed_up_sum_};
  for (uint64_t v : s.values) max_value_ = std::max(max_value_, v);

  const int violation = static_cast<int>(MarkKind::kViolation);
  s.mark_counts[violation] = record.violations.size();
  s.mark_details[violation].clear();
  if (!record.violations.empty() && columns_.WantsDetail(MarkKind::kViolation)) {
    std::string& d = s.mark_details[violation];
    d = DescribeEvent(record) + ": ";
    for (size_t i = 0; i < record.violations.size() && d.size() <= kMaxMarkDetail; ++i)
      d += (i ? ", " : "") + record.violations[i];
  }

  const int failure = static_cast<int>(MarkKind::kFailure);
  const bool failed = record.ret && *record.ret < 0;
  s.mark_counts[failure] = failed ? 1 : 0;
  s.mark_details[failure].clear();
  if (failed && columns_.WantsDetail(MarkKind::kFailure)) {
    std::string name = ErrnoName(*record.ret);
    std::string number = std::to_string(*record.ret);
    s.mark_details[failure] = DescribeEvent(record) + " returned " +
                              (name == number ? number : name + " (" + number + ")");
  }

  for (int k = 0; k < kNumMarkKinds; ++k) mark_totals_[k] += s.mark_counts[k];
  columns_.Add(s);
}

}  // namespace ttm::plot
