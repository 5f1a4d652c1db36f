#include "core/plot/downsampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/prng.h"

namespace ttm::plot {
namespace {

Sample Value(uint64_t line, uint64_t v) {
  Sample s;
  s.line = line;
  s.values.fill(v);
  return s;
}

// Every event in exactly one column, columns in order, every column but
// the last full.
void ExpectColumnsCoverEvents(const Downsampler& d) {
  uint64_t next = 0;
  const auto& columns = d.columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    EXPECT_EQ(columns[i].first_event, next) << "column " << i;
    if (i + 1 < columns.size()) EXPECT_EQ(columns[i].events, d.events_per_column());
    else EXPECT_LE(columns[i].events, d.events_per_column());
    EXPECT_GE(columns[i].events, 1u);
    next += columns[i].events;
  }
  EXPECT_EQ(next, d.events());
}

TEST(Downsampler, HoldsOneEventPerColumnWhileTheEventsFit) {
  Downsampler d(8);
  for (uint64_t i = 0; i < 8; ++i) d.Add(Value(10 + i, i));
  ASSERT_EQ(d.columns().size(), 8u);
  EXPECT_EQ(d.events_per_column(), 1u);
  for (uint64_t i = 0; i < 8; ++i) {
    const Column& c = d.columns()[i];
    EXPECT_EQ(c.first_line, 10 + i);
    EXPECT_EQ(c.last_line, 10 + i);
    EXPECT_EQ(c.series[0].min, i);
    EXPECT_EQ(c.series[0].max, i);
  }
}

TEST(Downsampler, MergesNeighboursPairwiseAndDoublesTheWidthWhenTheColumnsAreFull) {
  Downsampler d(4);
  for (uint64_t i = 0; i < 5; ++i) d.Add(Value(1 + i, 10 * i));
  ASSERT_EQ(d.columns().size(), 3u);
  EXPECT_EQ(d.events_per_column(), 2u);
  EXPECT_EQ(d.columns()[0].first_line, 1u);
  EXPECT_EQ(d.columns()[0].last_line, 2u);
  EXPECT_EQ(d.columns()[0].series[0].first, 0u);
  EXPECT_EQ(d.columns()[0].series[0].last, 10u);
  EXPECT_EQ(d.columns()[1].series[0].min, 20u);
  EXPECT_EQ(d.columns()[1].series[0].max, 30u);
  EXPECT_EQ(d.columns()[2].events, 1u);
  EXPECT_EQ(d.columns()[2].series[0].first, 40u);
  ExpectColumnsCoverEvents(d);
}

TEST(Downsampler, UsesBetweenHalfAndAllOfItsColumnsAtAnyLength) {
  Downsampler d(16);
  for (uint64_t i = 0; i < 5000; ++i) {
    d.Add(Value(i + 1, i));
    if (d.events() > 16) {
      EXPECT_GE(d.columns().size(), 8u) << "after " << d.events();
      EXPECT_LE(d.columns().size(), 16u) << "after " << d.events();
    }
  }
  ExpectColumnsCoverEvents(d);
}

TEST(Downsampler, KeepsAOneEventSpikeAndDipAmongAMillionEvents) {
  Downsampler d(960);
  for (uint64_t i = 0; i < 1000000; ++i) {
    uint64_t v = 500;
    if (i == 123457) v = 100000;
    if (i == 765433) v = 3;
    d.Add(Value(i + 1, v));
  }
  uint64_t max = 0, min = UINT64_MAX;
  for (const Column& c : d.columns()) {
    max = std::max(max, c.series[2].max);
    min = std::min(min, c.series[2].min);
  }
  EXPECT_EQ(max, 100000u);
  EXPECT_EQ(min, 3u);
  ExpectColumnsCoverEvents(d);
}

// The reference: each column's envelope recomputed from the raw values of
// its events.
TEST(Downsampler, EveryColumnsEnvelopeMatchesItsEventsComputedDirectly) {
  Prng prng(15);
  std::vector<uint64_t> values(12345);
  for (uint64_t& v : values) v = prng.Below(1000);
  Downsampler d(64);
  for (size_t i = 0; i < values.size(); ++i) d.Add(Value(i + 1, values[i]));
  ExpectColumnsCoverEvents(d);
  for (const Column& c : d.columns()) {
    auto begin = values.begin() + c.first_event;
    auto end = begin + c.events;
    const Envelope& e = c.series[4];
    EXPECT_EQ(e.first, *begin);
    EXPECT_EQ(e.last, *(end - 1));
    auto min = std::min_element(begin, end);
    auto max = std::max_element(begin, end);
    EXPECT_EQ(e.min, *min);
    EXPECT_EQ(e.max, *max);
    EXPECT_EQ(e.min_first, min <= max) << "column at " << c.first_event;
  }
}

TEST(Downsampler, SeriesAreFoldedIndependently) {
  Downsampler d(2);
  Sample s;
  for (uint64_t i = 0; i < 4; ++i) {
    s.line = i + 1;
    for (int k = 0; k < kNumSeries; ++k) s.values[k] = (k + 1) * 100 + (k % 2 ? i : 3 - i);
    d.Add(s);
  }
  ASSERT_EQ(d.columns().size(), 2u);
  const Column& c = d.columns()[0];
  EXPECT_EQ(c.series[0].first, 103u);
  EXPECT_EQ(c.series[0].min_first, false);
  EXPECT_EQ(c.series[1].first, 200u);
  EXPECT_EQ(c.series[1].max, 201u);
  EXPECT_EQ(c.series[1].min_first, true);
}

TEST(Downsampler, MergedMarksAddTheirCountsAndKeepTheFirstDescription) {
  Downsampler d(2);
  for (uint64_t i = 0; i < 8; ++i) {
    Sample s = Value(100 + i, 0);
    if (i == 1 || i == 2 || i == 3) {
      s.mark_counts[0] = 2;
      s.mark_details[0] = "event " + std::to_string(i);
    }
    if (i == 6) {
      s.mark_counts[1] = 1;
      s.mark_details[1] = "failure";
    }
    d.Add(s);
  }
  ASSERT_EQ(d.columns().size(), 2u);
  const Marks& v = d.columns()[0].marks[0];
  EXPECT_EQ(v.count, 6u);
  EXPECT_EQ(v.detail, "event 1");
  EXPECT_EQ(v.first_line, 101u);
  EXPECT_EQ(v.last_line, 103u);
  EXPECT_EQ(d.columns()[0].marks[1].count, 0u);
  EXPECT_EQ(d.columns()[1].marks[0].count, 0u);
  EXPECT_EQ(d.columns()[1].marks[1].count, 1u);
  EXPECT_EQ(d.columns()[1].marks[1].detail, "failure");
}

TEST(Downsampler, CutsLongMarkDescriptionsWithoutSplittingAUtf8Character) {
  Downsampler d(2);
  Sample s = Value(1, 0);
  s.mark_counts[0] = 1;
  s.mark_details[0] = std::string(kMaxMarkDetail - 4, 'x') + "\xC3\xA9\xC3\xA9\xC3\xA9";
  d.Add(s);
  const std::string& detail = d.columns()[0].marks[0].detail;
  EXPECT_LE(detail.size(), kMaxMarkDetail);
  EXPECT_EQ(detail, std::string(kMaxMarkDetail - 4, 'x') + "...");
}

TEST(Downsampler, ShortDescriptionsAreKeptWhole) {
  Downsampler d(2);
  Sample s = Value(1, 0);
  s.mark_counts[1] = 1;
  s.mark_details[1] = std::string(kMaxMarkDetail, 'y');
  d.Add(s);
  EXPECT_EQ(d.columns()[0].marks[1].detail, std::string(kMaxMarkDetail, 'y'));
}

}  // namespace
}  // namespace ttm::plot
