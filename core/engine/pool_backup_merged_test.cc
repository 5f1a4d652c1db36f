// ttm_pool_backup(), ttm_pool_drop_backed_up() and ttm_pool_free_range() as
// merged in v6.15 (pool_backup_merged.cc): EINVAL for a tt already backed
// up (4.4, 4.14), the errno backend, and releasing a staged restore, a
// purged tt and a partial backup without leaks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::kNone;
using testing::SemanticsRun;

TEST(PoolBackupMerged, BackingUpOrPurgingABackedUpTtIsEinvalWhereV13SaysEbusy) {
  for (Semantics s : {Semantics::kV13, Semantics::kMerged}) {
    SemanticsRun run(s);
    run.Allocate(1, 8);
    run.Populate(1);
    ASSERT_EQ(run.Shrink(1), 8);
    const int64_t want = s == Semantics::kV13 ? kEBUSY : kEINVAL;
    EXPECT_EQ(run.Shrink(1), want) << SemanticsName(s);
    EXPECT_EQ(run.Shrink(1, /*purge=*/true), want) << SemanticsName(s);
    EXPECT_EQ(run.Layout(1), "H1 H2 H3 H4 H5 H6 H7 H8");
    EXPECT_EQ(run.engine().counters().backup.ebusy, s == Semantics::kV13 ? 2u : 0u);
    EXPECT_EQ(run.TakeInvariants(), kNone);
  }
}

TEST(PoolBackupMerged, ARestoreInFlightIsAlsoRefusedWithEinval) {
  SemanticsRun run(Semantics::kMerged);
  run.Allocate(1, 12);
  run.Populate(1);
  run.Write(1);
  ASSERT_EQ(run.Shrink(1), 12);
  run.Eintr(2);
  ASSERT_EQ(run.Populate(1), kEINTR);
  EXPECT_EQ(run.Shrink(1), kEINVAL);
  EXPECT_EQ(run.Shrink(1, true), kEINVAL);
  EXPECT_EQ(run.Populate(1), 0);
  EXPECT_TRUE(run.Status(1).intact);
  EXPECT_EQ(run.TakeInvariants(), kNone);
}

TEST(PoolBackupMerged, TheBackendsErrnoIsReturnedWhenNoPageWasBackedUp) {
  for (Errno error : {kENOSPC, kENOMEM}) {
    for (Semantics s : {Semantics::kV13, Semantics::kMerged}) {
      SemanticsRun run(s);
      run.Allocate(1, 8);
      run.Populate(1);
      run.Fail(FaultSite::kBackupPage, 0, 1, error);
      // V13's backend returns a zero handle on any failure: -ENOMEM.
      EXPECT_EQ(run.Shrink(1), s == Semantics::kV13 ? kENOMEM : error) << SemanticsName(s);
      EXPECT_TRUE(run.tt(1).populated());
      EXPECT_EQ(run.engine().counters().backup.failed_pages, 1u);
    }
  }
}

TEST(PoolBackupMerged, AZeroProgressFailureLeavesWbPagesInAWcTtAsInV13) {
  for (Semantics s : {Semantics::kV13, Semantics::kMerged}) {
    SemanticsRun run(s);
    run.Allocate(1, 8, Caching::kWriteCombined);
    run.Populate(1);
    run.Fail(FaultSite::kBackupPage, 0, 1);
    EXPECT_EQ(run.Shrink(1), kENOMEM) << SemanticsName(s);
    EXPECT_TRUE(run.tt(1).populated());
    // 4.6: the whole array went to WB before the first page failed.
    EXPECT_EQ(testing::CachingLayout(run.engine(), 1), "bbbbbbbb");
    EXPECT_EQ(run.TakeInvariants(), testing::Names({Invariant::kWbAfterFailedBackup})) << SemanticsName(s);
  }
}

TEST(PoolBackupMerged, AFailureAfterSomePagesGivesAPartialBackupAsInV13) {
  SemanticsRun run(Semantics::kMerged);
  run.Do(testing::FailOrdersFrom(3));
  run.Allocate(1, 8);
  run.Populate(1);
  run.Write(1);
  run.Fail(FaultSite::kBackupPage, 5, 1, kENOSPC);
  EXPECT_EQ(run.Shrink(1), 5);
  EXPECT_EQ(run.Layout(1), "H1 H2 H3 H4 H5 P0 P0 P0");
  EXPECT_TRUE(run.tt(1).backed_up());
  EXPECT_EQ(run.Populate(1), 0);
  EXPECT_TRUE(run.Status(1).intact);
  EXPECT_EQ(run.TakeInvariants(), kNone);
}

TEST(PoolBackupMerged, AFullStoreFailsThePageWithEnomem) {
  Config c;
  c.swap_pages = 3;
  SemanticsRun run(Semantics::kMerged, c);
  run.Allocate(1, 2);
  run.Populate(1);
  run.Allocate(2, 4);
  run.Populate(2);
  ASSERT_EQ(run.Shrink(1), 2);
  EXPECT_EQ(run.Shrink(2), 1);
  run.Allocate(3, 1);
  run.Populate(3);
  EXPECT_EQ(run.Shrink(3), kEBUSY);  // no swap space left at all
}

TEST(PoolBackupMerged, DroppingAnInterruptedRestoreFreesTheStagedBlockAndEverythingElse) {
  SemanticsRun run(Semantics::kMerged);
  run.Do(testing::FailOrdersFrom(3));
  run.Allocate(1, 12, Caching::kWriteCombined, /*dma=*/true);
  run.Populate(1);
  run.Write(1);
  ASSERT_EQ(run.Shrink(1), 12);
  run.Eintr(6);  // the third entry of the second chunk
  ASSERT_EQ(run.Populate(1), kEINTR);
  EXPECT_EQ(run.Layout(1), "P2 t t t H0 H0 H7 H8 H9 H10 H11 H12");
  run.Free(1);
  EXPECT_EQ(run.Global().backup_pages, 0u);
  EXPECT_EQ(run.TakeInvariants(), kNone);
  const LeakReport leaks = run.Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_EQ(testing::Invariants(leaks.violations), kNone);
}

TEST(PoolBackupMerged, DroppingAPurgedTtSkipsItsEmptySlots) {
  SemanticsRun run(Semantics::kMerged);
  run.Allocate(1, 8, Caching::kWriteCombined);
  run.Populate(1);
  ASSERT_EQ(run.Shrink(1, true), 8);
  EXPECT_EQ(run.Layout(1), "- - - - - - - -");
  run.Free(1);
  EXPECT_EQ(run.TakeInvariants(), kNone);
  EXPECT_TRUE(run.Teardown().ok());
}

TEST(PoolBackupMerged, FreeRangeWalksPastEmptySlotsWhereV13WouldCrash) {
  for (Semantics s : {Semantics::kV13, Semantics::kMerged}) {
    SemanticsRun run(s);
    run.Allocate(1, 4);
    TtmModel& m = run.model();
    // An empty slot array: V13 dereferences the NULL in slot 0.
    if (s == Semantics::kV13) {
      std::vector<Violation> sink;
      m.set_sink(&sink);
      EXPECT_THROW(m.PoolFreeRange(false, run.tt(1), Caching::kCached, 0, 4), KernelCrash);
      m.set_sink(nullptr);
      EXPECT_EQ(testing::Invariants(sink), testing::Names({Invariant::kKernelCrash}));
    } else {
      EXPECT_NO_THROW(m.PoolFreeRangeMerged(false, run.tt(1), Caching::kCached, 0, 4));
    }
  }
}

}  // namespace
}  // namespace ttm
