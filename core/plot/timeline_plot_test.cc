#include "core/plot/timeline_plot.h"

#include <gtest/gtest.h>

#include <string>

#include "core/plot/testing.h"

namespace ttm::plot {
namespace {

using testing::SyntheticRecord;
using testing::TestHeader;

TimelineRecord Record(uint64_t line, std::string op, std::optional<uint64_t> tt,
                      std::optional<TimelineObject> object = std::nullopt) {
  TimelineRecord r;
  r.line = line;
  r.op = std::move(op);
  r.tt = tt;
  r.object = object;
  return r;
}

TimelineObject Pages(uint64_t resident, uint64_t backed_up) {
  TimelineObject o;
  o.resident = resident;
  o.backed_up = backed_up;
  return o;
}

const Envelope& Last(const TimelinePlot& plot, Series s) {
  return plot.columns().columns().back().series[static_cast<int>(s)];
}

TEST(TimelinePlot, ObjectPagesAreSumsOverLiveObjectsOfTheirLastValues) {
  TimelinePlot plot(TestHeader());
  plot.Add(Record(2, "populate", 1, Pages(10, 0)));
  plot.Add(Record(3, "populate", 2, Pages(5, 0)));
  EXPECT_EQ(Last(plot, Series::kResident).last, 15u);
  plot.Add(Record(4, "shrink", 1, Pages(4, 6)));
  EXPECT_EQ(Last(plot, Series::kResident).last, 9u);
  EXPECT_EQ(Last(plot, Series::kBackedUp).last, 6u);
  plot.Add(Record(5, "write", 2, Pages(5, 0)));
  EXPECT_EQ(Last(plot, Series::kResident).last, 9u);
  EXPECT_EQ(plot.tracked_objects(), 2u);
}

TEST(TimelinePlot, AFreedObjectLeavesTheSumsAndItsIdStartsAfreshWhenReused) {
  TimelinePlot plot(TestHeader());
  plot.Add(Record(2, "populate", 1, Pages(10, 3)));
  plot.Add(Record(3, "free", 1));
  EXPECT_EQ(Last(plot, Series::kResident).last, 0u);
  EXPECT_EQ(Last(plot, Series::kBackedUp).last, 0u);
  EXPECT_EQ(plot.tracked_objects(), 0u);
  plot.Add(Record(4, "allocate", 1, Pages(0, 0)));
  plot.Add(Record(5, "populate", 1, Pages(2, 0)));
  EXPECT_EQ(Last(plot, Series::kResident).last, 2u);
}

TEST(TimelinePlot, PoolShrinkChangesOnlyTheGlobalSeries) {
  TimelinePlot plot(TestHeader());
  plot.Add(Record(2, "populate", 1, Pages(10, 0)));
  TimelineRecord shrink = Record(3, "pool_shrink", std::nullopt);
  shrink.system_used_pages = 40;
  shrink.pool_pages = 30;
  shrink.backup_pages = 7;
  plot.Add(shrink);
  EXPECT_EQ(Last(plot, Series::kSystemUsed).last, 40u);
  EXPECT_EQ(Last(plot, Series::kPool).last, 30u);
  EXPECT_EQ(Last(plot, Series::kBackup).last, 7u);
  EXPECT_EQ(Last(plot, Series::kResident).last, 10u);
  EXPECT_EQ(plot.max_value(), 40u);
}

TEST(TimelinePlot, EachViolationNameIsOneMarkDescribedWithItsTraceLine) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r = Record(57, "shrink", 3, Pages(0, 4));
  r.ret = 4;
  r.violations = {"3.5.3 dma-unmap-once", "3.1 page-accounting"};
  plot.Add(r);
  EXPECT_EQ(plot.mark_total(MarkKind::kViolation), 2u);
  EXPECT_EQ(plot.mark_total(MarkKind::kFailure), 0u);
  const Marks& m = plot.columns().columns()[0].marks[static_cast<int>(MarkKind::kViolation)];
  EXPECT_EQ(m.count, 2u);
  EXPECT_EQ(m.detail, "trace line 57: shrink tt 3: 3.5.3 dma-unmap-once, 3.1 page-accounting");
}

TEST(TimelinePlot, ANegativeRetIsAFailureNamedByItsErrno) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r = Record(9, "populate", 7, Pages(5, 5));
  r.ret = -4;
  plot.Add(r);
  r.line = 10;
  r.ret = -7;  // no name
  plot.Add(r);
  EXPECT_EQ(plot.mark_total(MarkKind::kFailure), 2u);
  const auto& columns = plot.columns().columns();
  EXPECT_EQ(columns[0].marks[1].detail, "trace line 9: populate tt 7 returned EINTR (-4)");
  EXPECT_EQ(columns[1].marks[1].detail, "trace line 10: populate tt 7 returned -7");
}

TEST(TimelinePlot, SuccessfulOperationsAndPositiveCountsAreNotFailures) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r = Record(2, "populate", 1, Pages(5, 0));
  r.ret = 0;
  plot.Add(r);
  r = Record(3, "shrink", 1, Pages(0, 5));
  r.ret = 5;
  plot.Add(r);
  EXPECT_EQ(plot.mark_total(MarkKind::kFailure), 0u);
  for (const Column& c : plot.columns().columns()) EXPECT_EQ(c.marks[1].count, 0u);
}

TEST(TimelinePlot, MemoryIsBoundedByColumnsAndLiveObjectsNotByEvents) {
  TimelinePlot plot(TestHeader());
  TimelineRecord r;
  for (uint64_t i = 0; i < 2000000; ++i) {
    testing::FillSyntheticRecord(i, 5, &r);
    r.violations.clear();
    if (i % 3 == 0) r.violations.push_back("3.1 page-accounting");
    plot.Add(r);
  }
  EXPECT_EQ(plot.events(), 2000000u);
  EXPECT_LE(plot.columns().columns().size(), kPlotColumns);
  EXPECT_GE(plot.columns().columns().size(), kPlotColumns / 2);
  EXPECT_LE(plot.tracked_objects(), 8u);
  EXPECT_EQ(plot.mark_total(MarkKind::kViolation), (2000000u + 2) / 3);
}

}  // namespace
}  // namespace ttm::plot
