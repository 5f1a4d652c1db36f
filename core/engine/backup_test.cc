// Backup and purge (ttm_tt_backup() -> ttm_pool_backup_tt(), V13), one test
// per edge case of docs/bugs.md (4.2-4.6, 4.13-4.15, 4.22-4.24). Each test drives the
// engine with events, states the exact return values and slot layouts the
// patch produces, and asserts the violations: none for the clean paths,
// exactly those docs/invariants.md lists for the buggy ones.
//
// 4.16 (EINTR with a non-interruptible ctx) is restore-side and lives with
// the restore tests.
#include <gtest/gtest.h>

#include "core/engine/checker.h"
#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::CachingLayout;
using testing::Fail;
using testing::FailOrdersFrom;
using testing::Invariants;
using testing::MappedSlots;
using testing::Names;
using testing::SetSwapPages;
using testing::SlotLayout;
using testing::SmallMachine;
using testing::Tt;

const std::vector<std::string> kNone;

ShrinkEvent Shrink(uint64_t tt, bool purge = false, bool writeback = false) {
  return ShrinkEvent{tt, purge, writeback};
}

FailEvent FailCopy(uint64_t after, Errno error) {
  FailEvent e = Fail(FaultSite::kCopyPage, after);
  e.error = error;
  return e;
}

void ExpectTeardownClean(Engine& engine) {
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  LeakReport leaks = engine.Teardown();
  EXPECT_TRUE(leaks.ok()) << leaks.pages << " pages, " << leaks.handles << " handles";
  EXPECT_EQ(Invariants(leaks.violations), kNone);
}

// 4.1: one order-3 block out, eight handles in, one order-3 block back.
TEST(Backup, HappyPathExchangesEveryPageForItsHandleAndRestoresThemIntact) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t");
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 8);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 H4 H5 H6 H7 H8");
  const TtObject& tt = Tt(engine, 1);
  EXPECT_EQ(tt.page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped | kTtFlagPrivPopulated),
            kTtFlagPrivBackedUp | kTtFlagSwapped);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(engine.Global().backup_pages, 8u);
  EXPECT_EQ(engine.Global().pool_pages, 0u);
  EXPECT_EQ(engine.counters().memory.backed_up_pages, 8u);
  EXPECT_EQ(engine.counters().pool.splits, 1u);
  EXPECT_EQ(engine.counters().backup.partial, 0u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t");
  EXPECT_EQ(tt.page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped | kTtFlagPrivPopulated),
            kTtFlagPrivPopulated);
  EXPECT_EQ(tt.restore, nullptr);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  EXPECT_EQ(engine.Global().backup_pages, 0u);
  EXPECT_EQ(engine.Global().system_used_pages, 8u);
  EXPECT_EQ(engine.counters().restore.pages_from_backup, 8u);
  EXPECT_EQ(engine.counters().integrity.pages_verified, 8u);
  EXPECT_EQ(engine.counters().restore.restarts, 0u);
  EXPECT_EQ(engine.counters().restore.completed, 1u);
  ExpectTeardownClean(engine);
}

// 4.2: without swap space a backup is refused before it touches anything;
// a purge still frees every block straight to the system.
TEST(Backup, WithoutSwapSpaceBackupIsBusyAndPurgeFreesEverythingToTheSystem) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, SetSwapPages(0));
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kWriteCombined, /*dma=*/true));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), kEBUSY);
  // No caching change, no unmap, still populated.
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t");
  EXPECT_EQ(CachingLayout(engine, 1), "wwwwwwww");
  EXPECT_EQ(MappedSlots(EngineTestPeer::Model(engine), Tt(engine, 1)), 8u);
  EXPECT_EQ(engine.Inspect(1)->state, TtState::kPopulated);
  EXPECT_EQ(engine.counters().backup.ebusy, 1u);

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), 8);
  EXPECT_EQ(SlotLayout(engine, 1), "- - - - - - - -");
  const TtObject& tt = Tt(engine, 1);
  EXPECT_EQ(tt.page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped | kTtFlagPrivPopulated), 0u);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(engine.Global().pool_pages, 0u);  // never to a pool
  EXPECT_EQ(engine.Global().backup_pages, 0u);
  EXPECT_EQ(engine.counters().memory.purged_pages, 8u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  // Fresh pages from the system: poison, and nothing vouches for them.
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t");
  EXPECT_EQ(EngineTestPeer::Model(engine).page(tt.pages.Get(0).pfn()).token, kPoisonToken);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.3: a coherent-DMA pool refuses both backup and purge.
TEST(Backup, CoherentDmaPoolRefusesBackupAndPurge) {
  Config c;
  c.use_dma_alloc = true;
  Engine engine(SmallMachine(c));
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kWriteCombined, /*dma=*/true));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), kEBUSY);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), kEBUSY);
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t");
  EXPECT_EQ(CachingLayout(engine, 1), "wwwwwwww");
  EXPECT_EQ(engine.Inspect(1)->state, TtState::kPopulated);
  EXPECT_EQ(engine.counters().backup.ebusy, 2u);
  ExpectTeardownClean(engine);
}

// 4.4: PRIV_BACKED_UP refuses a second backup, whether the tt is simply
// backed up or has a restore in flight.
TEST(Backup, BackingUpABackedUpTtIsBusyAndChangesNothing) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 8);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), kEBUSY);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 H4 H5 H6 H7 H8");
  EXPECT_EQ(engine.Global().backup_pages, 8u);

  // A restore interrupted at its second copy: still PRIV_BACKED_UP.
  TTM_APPLY_CLEAN(engine, FailCopy(1, kEINTR));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kEINTR);
  ASSERT_NE(Tt(engine, 1).restore, nullptr);
  EXPECT_EQ(Tt(engine, 1).restore->restored_pages, 1u);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), kEBUSY);
  EXPECT_EQ(Tt(engine, 1).restore->restored_pages, 1u);
  EXPECT_EQ(engine.counters().backup.ebusy, 2u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.5: N = 8 as two order-2 blocks, backup fails at slot 5.
TEST(Backup, PartialBackupAcrossABlockSplitsOnlyTheBlocksItReached) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, FailOrdersFrom(3));
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P2 t t t");
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));

  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 5));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 5);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 H4 H5 P0 P0 P0");
  const TtObject& tt = Tt(engine, 1);
  EXPECT_EQ(tt.page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped | kTtFlagPrivPopulated),
            kTtFlagPrivBackedUp | kTtFlagSwapped);
  EXPECT_EQ(engine.Global().system_used_pages, 3u);
  EXPECT_EQ(engine.Global().backup_pages, 5u);
  EXPECT_EQ(engine.counters().pool.splits, 2u);
  EXPECT_EQ(engine.counters().backup.partial, 1u);
  EXPECT_EQ(engine.counters().backup.failed_pages, 1u);
  TtStatus st = *engine.Inspect(1);
  EXPECT_EQ(st.state, TtState::kBackedUp);
  EXPECT_EQ(st.backed_up, 5u);
  EXPECT_EQ(st.resident, 3u);
  EXPECT_TRUE(st.intact);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  // The restore copies handles and retained pages alike.
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P2 t t t");
  EXPECT_TRUE(engine.Inspect(1)->intact);
  EXPECT_EQ(engine.counters().restore.pages_from_backup, 5u);
  EXPECT_EQ(engine.counters().restore.pages_from_retained, 3u);
  EXPECT_EQ(engine.counters().integrity.mismatches, 0u);
  EXPECT_EQ(engine.Global().system_used_pages, 8u);
  EXPECT_EQ(engine.Global().backup_pages, 0u);
  ExpectTeardownClean(engine);
}

// 4.5, variant: the failure is at the head of the second block.
TEST(Backup, PartialBackupFailingAtABlockHeadStillSplitsThatBlock) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, FailOrdersFrom(3));
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 4));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 4);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 H4 P0 P0 P0 P0");
  EXPECT_EQ(engine.counters().pool.splits, 2u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.5, variant: N = 16 as two order-3 blocks, failure at slot 3; the
// second block is never reached and stays whole.
TEST(Backup, PartialBackupLeavesBlocksAfterTheFailureUnsplit) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, FailOrdersFrom(4));
  TTM_APPLY_CLEAN(engine, Allocate(1, 16));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t P3 t t t t t t t");
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 3));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 3);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 P0 P0 P0 P0 P0 P3 t t t t t t t");
  EXPECT_EQ(engine.counters().pool.splits, 1u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  EXPECT_EQ(engine.counters().restore.pages_from_backup, 3u);
  EXPECT_EQ(engine.counters().restore.pages_from_retained, 13u);
  ExpectTeardownClean(engine);
}

// 4.6: the backup of a WC tt with a dma array fails on its first page. It
// returns -ENOMEM and leaves the tt populated, but it has already switched
// every page to WB, unmapped every block and split the first block. The
// checker sees WB pages in a populated WC tt (3.4.4, and not 3.4.2)
// with unmapped blocks (3.5.1); the next unpopulate unmaps everything a
// second time (3.5.3) and pools WB pages as WC (3.1.2, 3.4.1), the split
// block as four order-0 pieces.
TEST(Backup, ZeroProgressBackupFailureLeavesAPopulatedTtWithWbUnmappedPages) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, FailOrdersFrom(3));
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kWriteCombined, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P2 t t t");
  EXPECT_EQ(CachingLayout(engine, 1), "wwwwwwww");
  EXPECT_EQ(MappedSlots(EngineTestPeer::Model(engine), Tt(engine, 1)), 8u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 0));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), kENOMEM);
  const TtObject& tt = Tt(engine, 1);
  EXPECT_EQ(tt.page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped | kTtFlagPrivPopulated),
            kTtFlagPrivPopulated);
  EXPECT_EQ(SlotLayout(engine, 1), "P0 P0 P0 P0 P2 t t t");
  EXPECT_EQ(CachingLayout(engine, 1), "bbbbbbbb");
  EXPECT_EQ(MappedSlots(EngineTestPeer::Model(engine), tt), 0u);
  EXPECT_EQ(engine.Global().backup_pages, 0u);
  EXPECT_EQ(engine.counters().backup.failed_pages, 1u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)),
            Names({Invariant::kWbAfterFailedBackup, Invariant::kDmaMapping}));

  Outcome unpopulate = engine.Apply(UnpopulateEvent{1});
  EXPECT_EQ(Invariants(unpopulate.violations),
            Names({Invariant::kPoolAccounting, Invariant::kPoolCaching, Invariant::kDmaUnmapOnce}));
  EXPECT_EQ(testing::PoolEntries(engine, Caching::kWriteCombined, 0), 4u);
  EXPECT_EQ(testing::PoolEntries(engine, Caching::kWriteCombined, 2), 1u);
  EXPECT_EQ(EngineTestPeer::Model(engine).allocated_pages(), 8u);
  // The pooled WB pages stay wrong for as long as they are pooled.
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)),
            Names({Invariant::kPoolAccounting, Invariant::kPoolCaching}));

  TTM_APPLY_CLEAN(engine, FreeEvent{1});
  LeakReport leaks = engine.Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_EQ(Invariants(leaks.violations), kNone);
}

// 4.13: a purge leaves NULL slots; a later shrink of that WC tt hands the
// NULLs to set_pages_array_wb(), which the kernel dereferences. The model
// reports a kernel crash, abandons the operation and carries on.
TEST(Backup, NullSlotsReachingTheWbConversionOfAWcTtAreAKernelCrash) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kWriteCombined));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), 8);
  EXPECT_EQ(SlotLayout(engine, 1), "- - - - - - - -");

  for (bool purge : {false, true}) {
    Outcome o = engine.Apply(Shrink(1, purge));
    EXPECT_EQ(o.ret, kEFAULT);
    EXPECT_EQ(Invariants(o.violations), Names({Invariant::kKernelCrash}));
    EXPECT_EQ(SlotLayout(engine, 1), "- - - - - - - -");
  }
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  TTM_APPLY_CLEAN(engine, FreeEvent{1});
  ExpectTeardownClean(engine);
}

// 4.13, the contrast: a WB tt needs no conversion, and both loops skip NULL.
TEST(Backup, NullSlotsOfAWbTtAreSkippedByBackupAndPurge) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), 8);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 0);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "- - - - - - - -");
  EXPECT_EQ(Tt(engine, 1).page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped), 0u);
  ExpectTeardownClean(engine);
}

// 4.14: purge is refused (PRIV_BACKED_UP) for a partly backed-up tt and for
// one with a restore in flight; neither changes.
TEST(Backup, PurgeOfAPartlyBackedUpOrMidRestoreTtIsBusy) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 3));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 3);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 P0 P0 P0 P0 P0");
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), kEBUSY);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 P0 P0 P0 P0 P0");
  EXPECT_EQ(engine.counters().memory.purged_pages, 0u);

  TTM_APPLY_CLEAN(engine, FailCopy(1, kEINTR));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kEINTR);
  EXPECT_TRUE(engine.Inspect(1)->restore_pending);
  const uint64_t used = engine.Global().system_used_pages;
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, /*purge=*/true)), kEBUSY);
  EXPECT_EQ(engine.Global().system_used_pages, used);
  EXPECT_EQ(engine.counters().memory.purged_pages, 0u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.15: backup_fault_inject backs up only ceil(N/2) slots. N = 7 as
// order 2, 1, 0: the cut falls on a block boundary, so nothing after it is
// split.
TEST(Backup, HalfBackupCutAtABlockBoundaryLeavesTheRestUnsplit) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 7));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P1 t P0");
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupHalf));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 4);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 H4 P1 t P0");
  EXPECT_TRUE(Tt(engine, 1).backed_up());
  EXPECT_FALSE(Tt(engine, 1).populated());
  EXPECT_EQ(engine.counters().backup.failed_pages, 0u);
  EXPECT_EQ(engine.counters().backup.partial, 1u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.15: N = 6 as order 2, 1: the cut falls inside the first block, whose
// last page is retained as an order-0 piece.
TEST(Backup, HalfBackupCutInsideABlockRetainsItsRestAsOrderZeroPieces) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 6));
  TTM_APPLY_CLEAN(engine, PopulateEvent{1, true});
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P1 t");
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupHalf));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1)), 3);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 P0 P1 t");
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.22: every tt the events create has a backup (as xe's do), so this is
// the modelled function called directly: ttm_tt_backup() without a backup
// object WARNs and returns 0, and the tt stays populated.
TEST(Backup, TtBackupWithoutABackupObjectReturnsZeroAndChangesNothing) {
  TtmModel m(SmallMachine());
  std::vector<Violation> sink;
  m.set_sink(&sink);
  TtObject& tt = m.TtInit(1, Allocate(1, 8));
  ASSERT_EQ(m.TtPopulate(tt, OperationCtx{}), 0);
  tt.has_backup = false;
  EXPECT_EQ(m.TtBackup(tt, BackupFlags{}), 0);
  EXPECT_EQ(m.TtBackup(tt, BackupFlags{true, false}), 0);
  EXPECT_TRUE(tt.populated());
  EXPECT_FALSE(tt.backed_up());
  EXPECT_EQ(SlotLayout(m, tt), "P3 t t t t t t t");
  EXPECT_EQ(m.store().held_pages(), 0u);
  tt.has_backup = true;  // so that fini releases the backup object
  EXPECT_EQ(Invariants(CheckInvariants(m, {&tt}, CheckScope::kFull)), kNone);
  m.TtUnpopulate(tt);
  m.TtFini(tt);
  EXPECT_EQ(Invariants(sink), kNone);
  EXPECT_EQ(m.allocator().used_pages(), 0u);
}

// 4.23: writeback only marks the copies as written to swap: same return,
// same layout, same content; the counter says how many.
TEST(Backup, WritebackIsObservableOnlyAsACounter) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, Allocate(2, 4));
  for (uint64_t id : {1, 2}) {
    TTM_APPLY_CLEAN(engine, PopulateEvent{id, true});
    TTM_APPLY_CLEAN(engine, (WriteEvent{id, std::nullopt, std::nullopt}));
  }
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(1, false, /*writeback=*/true)), 8);
  EXPECT_EQ(engine.counters().memory.writeback_pages, 8u);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(2, false, /*writeback=*/false)), 4);
  EXPECT_EQ(engine.counters().memory.writeback_pages, 8u);
  EXPECT_EQ(SlotLayout(engine, 1), "H1 H2 H3 H4 H5 H6 H7 H8");
  EXPECT_EQ(engine.Global().backup_pages, 12u);
  EXPECT_EQ(engine.counters().memory.backed_up_pages, 12u);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(engine.Inspect(1)->intact);
  ExpectTeardownClean(engine);
}

// 4.24 is not modelled, on purpose: ttm_tt_backup() clears PRIV_POPULATED
// without taking the tt's pages out of ttm_pages_allocated, and a
// re-populate accounts them again, so the global counter drifts by N per
// cycle for a tt that is not EXTERNAL. Every tt here is created as xe
// creates them, EXTERNAL | EXTERNAL_MAPPABLE, and such tts are never in
// that accounting: the drift cannot happen, and the model keeps no
// ttm_pages_allocated to drift.
TEST(Backup, EveryTtIsExternalSoTheGlobalAccountingGapCannotArise) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 8));
  TTM_APPLY_CLEAN(engine, Allocate(2, 8, Caching::kWriteCombined, /*dma=*/true, /*zero_alloc=*/true));
  for (uint64_t id : {1, 2}) {
    const uint32_t flags = Tt(engine, id).page_flags;
    EXPECT_EQ(flags & (kTtFlagExternal | kTtFlagExternalMappable),
              kTtFlagExternal | kTtFlagExternalMappable);
    // A backup/restore cycle keeps them EXTERNAL.
    TTM_APPLY_CLEAN(engine, PopulateEvent{id, true});
    EXPECT_EQ(TTM_APPLY_CLEAN(engine, Shrink(id)), 8);
    EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{id, true}), 0);
    EXPECT_NE(Tt(engine, id).page_flags & kTtFlagExternal, 0u);
  }
  ExpectTeardownClean(engine);
}

}  // namespace
}  // namespace ttm
