// The ttm_tt_* wrappers as merged in v6.15 (tt_merged.cc): BACKED_UP set by
// ttm_tt_backup() for purges too, SWAPPED never touched, xe's choice
// between a restore and a fresh allocation, and ttm_tt_fini() releasing
// only backed-up tts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::kNone;
using testing::SemanticsRun;

TEST(TtMerged, SemanticsNamesRoundTrip) {
  for (Semantics s : {Semantics::kV13, Semantics::kMerged, Semantics::kMergedFixed})
    EXPECT_EQ(SemanticsFromName(SemanticsName(s)), s);
  EXPECT_EQ(SemanticsName(Semantics::kMergedFixed), "merged-fixed");
  EXPECT_EQ(SemanticsFromName("v16"), std::nullopt);
}

TEST(TtMerged, APurgeSetsBackedUpWhereV13LeavesTheTtUnpopulated) {
  for (Semantics s : {Semantics::kV13, Semantics::kMerged}) {
    SemanticsRun run(s);
    run.Allocate(1, 8);
    run.Populate(1);
    ASSERT_EQ(run.Shrink(1, true), 8);
    const TtStatus st = run.Status(1);
    EXPECT_EQ(st.state, s == Semantics::kV13 ? TtState::kUnpopulated : TtState::kBackedUp);
    EXPECT_EQ(st.empty, 8u);
    EXPECT_EQ(run.tt(1).page_flags & kTtFlagSwapped, 0u);
    EXPECT_EQ(run.TakeInvariants(), kNone);
  }
}

TEST(TtMerged, APurgedTtIsAllocatedAfreshNotRestored) {
  SemanticsRun run(Semantics::kMerged);
  run.Allocate(1, 8);
  run.Populate(1);
  run.Write(1);
  ASSERT_EQ(run.Shrink(1, true), 8);
  EXPECT_EQ(run.Populate(1), 0);
  EXPECT_TRUE(run.tt(1).populated());
  EXPECT_FALSE(run.tt(1).backed_up());
  EXPECT_FALSE(run.tt(1).purgeable);
  EXPECT_EQ(run.engine().counters().restore.started, 0u);
  EXPECT_TRUE(run.Status(1).intact);  // purged content is exempt
  EXPECT_EQ(run.TakeInvariants(), kNone);
}

TEST(TtMerged, ABackupSetsBackedUpButNeverSwapped) {
  SemanticsRun run(Semantics::kMerged);
  run.Allocate(1, 4);
  run.Populate(1);
  ASSERT_EQ(run.Shrink(1), 4);
  EXPECT_TRUE(run.tt(1).backed_up());
  EXPECT_FALSE(run.tt(1).populated());
  EXPECT_EQ(run.tt(1).page_flags & kTtFlagSwapped, 0u);
  EXPECT_EQ(run.Populate(1), 0);
  EXPECT_FALSE(run.tt(1).backed_up());
  EXPECT_EQ(run.engine().counters().restore.completed, 1u);
  EXPECT_EQ(run.TakeInvariants(), kNone);
}

TEST(TtMerged, ABackupWithoutABackupObjectReturnsZero) {
  SemanticsRun run(Semantics::kMerged);
  run.Allocate(1, 4);
  run.Populate(1);
  run.tt(1).has_backup = false;
  EXPECT_EQ(run.model().TtBackup(run.tt(1), BackupFlags{}), 0);
  EXPECT_TRUE(run.tt(1).populated());
  run.tt(1).has_backup = true;
}

TEST(TtMerged, FiniReleasesABackedUpTtAndLeavesAStaleRestoreBehind) {
  SemanticsRun run(Semantics::kMerged);
  run.Allocate(1, 8);
  run.Populate(1);
  run.Write(1);
  ASSERT_EQ(run.Shrink(1), 8);
  run.Free(1);  // backed up: ttm_pool_drop_backed_up()
  EXPECT_EQ(run.Global().backup_pages, 0u);
  EXPECT_EQ(run.TakeInvariants(), kNone);
  // 4.8's stale restore on a tt that is not backed up is never freed.
  run.Allocate(2, 4);
  run.Populate(2);
  run.Write(2);
  ASSERT_EQ(run.Shrink(2), 4);
  run.Eintr(2);
  ASSERT_EQ(run.Populate(2), kEINTR);
  ASSERT_EQ(run.Populate(2), 0);
  run.Free(2);
  EXPECT_EQ(run.model().leaked_restore_states(), 1u);
  EXPECT_EQ(run.Teardown().pages, 1u);  // the struct's page
}

}  // namespace
}  // namespace ttm
