#include "core/plot/downsampler.h"

#include <cassert>
#include <utility>

namespace ttm::plot {
namespace {

// Cuts `s` to at most kMaxMarkDetail bytes without splitting a UTF-8
// sequence, marking the cut with "...".
std::string Bounded(const std::string& s) {
  if (s.size() <= kMaxMarkDetail) return s;
  size_t n = kMaxMarkDetail - 3;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

void StartColumn(uint64_t index, const Sample& sample, Column* c) {
  c->first_event = index;
  c->events = 1;
  c->first_line = c->last_line = sample.line;
  for (int i = 0; i < kNumSeries; ++i) {
    uint64_t v = sample.values[i];
    c->series[i] = Envelope{v, v, v, v, true};
  }
  for (int k = 0; k < kNumMarkKinds; ++k) {
    c->marks[k] = Marks{};
    if (sample.mark_counts[k] == 0) continue;
    c->marks[k] = Marks{sample.mark_counts[k], sample.line, sample.line,
                        Bounded(sample.mark_details[k])};
  }
}

// MergeColumns() of a one-event column, without building it.
void FoldSample(const Sample& sample, Column* c) {
  ++c->events;
  c->last_line = sample.line;
  for (int i = 0; i < kNumSeries; ++i) {
    Envelope& e = c->series[i];
    const uint64_t v = sample.values[i];
    e.last = v;
    // A later extreme moves that extreme after the other one.
    if (v < e.min) {
      e.min = v;
      e.min_first = false;
    } else if (v > e.max) {
      e.max = v;
      e.min_first = true;
    }
  }
  for (int k = 0; k < kNumMarkKinds; ++k) {
    if (sample.mark_counts[k] == 0) continue;
    Marks& m = c->marks[k];
    if (m.count == 0) {
      m.first_line = sample.line;
      m.detail = Bounded(sample.mark_details[k]);
    }
    m.count += sample.mark_counts[k];
    m.last_line = sample.line;
  }
}

}  // namespace

void MergeColumns(Column* left, const Column& right) {
  assert(left->first_event + left->events == right.first_event);
  left->events += right.events;
  left->last_line = right.last_line;
  for (int i = 0; i < kNumSeries; ++i) {
    Envelope& l = left->series[i];
    const Envelope& r = right.series[i];
    // Where the merged min and max come from; ties keep the earlier one.
    const bool min_left = l.min <= r.min;
    const bool max_left = l.max >= r.max;
    bool min_first;
    if (min_left && max_left) min_first = l.min_first;
    else if (!min_left && !max_left) min_first = r.min_first;
    else min_first = min_left;
    l.last = r.last;
    if (!min_left) l.min = r.min;
    if (!max_left) l.max = r.max;
    l.min_first = min_first;
  }
  for (int k = 0; k < kNumMarkKinds; ++k) {
    Marks& l = left->marks[k];
    const Marks& r = right.marks[k];
    if (r.count == 0) continue;
    if (l.count == 0) {
      l = r;
      continue;
    }
    l.count += r.count;
    l.last_line = r.last_line;
  }
}

Downsampler::Downsampler(size_t max_columns) : max_columns_(max_columns) {
  assert(max_columns >= 2 && max_columns % 2 == 0);
  columns_.reserve(max_columns);
}

void Downsampler::MergePairs() {
  assert(columns_.size() % 2 == 0);
  const size_t half = columns_.size() / 2;
  for (size_t i = 0; i < half; ++i) {
    Column merged = std::move(columns_[2 * i]);
    MergeColumns(&merged, columns_[2 * i + 1]);
    columns_[i] = std::move(merged);
  }
  columns_.resize(half);
  width_ *= 2;
}

bool Downsampler::WantsDetail(MarkKind kind) const {
  return columns_.empty() || columns_.back().events == width_ ||
         columns_.back().marks[static_cast<int>(kind)].count == 0;
}

void Downsampler::Add(const Sample& sample) {
  const uint64_t index = events_++;
  if (!columns_.empty() && columns_.back().events < width_) {
    FoldSample(sample, &columns_.back());
    return;
  }
  // Every column is full: make room by halving their number.
  if (columns_.size() == max_columns_) MergePairs();
  columns_.emplace_back();
  StartColumn(index, sample, &columns_.back());
}

}  // namespace ttm::plot
