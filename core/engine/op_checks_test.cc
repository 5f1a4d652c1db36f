// The invariants found by the modelled operations as they run ([op] in
// checker.h): each is broken alone here, on a state corrupted by hand or
// by a fault, and the operation's Outcome names exactly that invariant.
// (3.3.4 backup-released, 3.7.2 restore-progress and kernel-crash alone
// are in restore_test.cc and backup_test.cc, with their scenarios.)
#include <gtest/gtest.h>

#include <algorithm>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::Fail;
using testing::Names;
using testing::SmallMachine;
using testing::Tt;

constexpr Caching kWC = Caching::kWriteCombined;

class OpCheck : public ::testing::Test {
 protected:
  OpCheck() : engine_(SmallMachine()), m_(EngineTestPeer::Model(engine_)) {}

  void Apply(const EventBody& e) { TTM_APPLY_CLEAN(engine_, e); }
  void Populate(uint64_t id, uint64_t pages, Caching caching = Caching::kCached, bool dma = false) {
    Apply(Allocate(id, pages, caching, dma));
    Apply(PopulateEvent{id, true});
    Apply(WriteEvent{id, std::nullopt, std::nullopt});
  }
  Pfn SlotPfn(uint64_t id, uint64_t slot) { return Tt(engine_, id).pages.Get(slot).pfn(); }
  // The distinct invariants an operation reported.
  std::vector<std::string> Found(const EventBody& e) {
    std::vector<std::string> names = testing::Invariants(engine_.Apply(e).violations);
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }

  Engine engine_;
  TtmModel& m_;
};

// 3.1.4: the head of an order-2 block that claims order 0 is freed alone;
// its three tails then reach the system as if split.
TEST_F(OpCheck, FreeingTheTailsOfAnUnsplitBlockOneByOneBreaksSplit) {
  Populate(1, 4);
  m_.PageForTest(SlotPfn(1, 0)).private_order = 0;
  EXPECT_EQ(Found(UnpopulateEvent{1}), Names({Invariant::kSplit}));
}

// 3.3.3: the backup copy of slot 7 vanished; releasing the tt drops a
// handle that is not live.
TEST_F(OpCheck, DroppingAHandleThatIsNotLiveBreaksHandleUse) {
  Populate(1, 8);
  ASSERT_EQ(TTM_APPLY_CLEAN(engine_, (ShrinkEvent{1, false, false})), 8);
  ASSERT_TRUE(m_.StoreForTest().Drop(Tt(engine_, 1).backup, 8));
  EXPECT_EQ(Found(FreeEvent{1}), Names({Invariant::kHandleUse}));
}

// 3.4.1: a page of a WB tt that became WC reaches the system without the
// write-back reset (ttm_pool_free_page() resets by the tt's caching).
TEST_F(OpCheck, APageReachingTheSystemNotWriteBackBreaksPoolCaching) {
  Populate(1, 4);
  m_.PageForTest(SlotPfn(1, 2)).caching = PageCaching::kWC;
  EXPECT_EQ(Found(UnpopulateEvent{1}), Names({Invariant::kPoolCaching}));
}

// 3.5.3: a block of a dma tt already unmapped is unmapped again.
TEST_F(OpCheck, UnmappingABlockThatIsNotMappedBreaksDmaUnmapOnce) {
  Populate(1, 4, Caching::kCached, /*dma=*/true);
  for (uint64_t i = 0; i < 4; ++i) m_.PageForTest(SlotPfn(1, i)).mapped = false;
  EXPECT_EQ(Found(UnpopulateEvent{1}), Names({Invariant::kDmaUnmapOnce}));
}

// 3.6.1: a retained page lost its content before the restore copies it.
TEST_F(OpCheck, RestoringContentThatWasNotLastWrittenBreaksRestoredContent) {
  Populate(1, 8);
  Apply(Fail(FaultSite::kBackupPage, 5));
  ASSERT_EQ(TTM_APPLY_CLEAN(engine_, (ShrinkEvent{1, false, false})), 5);
  m_.PageForTest(SlotPfn(1, 6)).token ^= 1;
  EXPECT_EQ(Found(PopulateEvent{1, true}), Names({Invariant::kRestoredContent}));
  EXPECT_EQ(engine_.counters().integrity.mismatches, 1u);
}

// 3.6.3: a pooled block that was not cleared gives a fresh tt old content.
TEST_F(OpCheck, APoolBlockWithOldContentBreaksFreshContent) {
  Populate(1, 4, kWC);
  Apply(UnpopulateEvent{1});
  const Pfn pooled = testing::FindPoolType(m_, kWC, 2)->pages.back();
  m_.PageForTest(pooled + 1).token = 12345;
  Apply(Allocate(2, 4, kWC));
  EXPECT_EQ(Found(PopulateEvent{2, true}), Names({Invariant::kFreshContent}));
}

// 3.6.3 names the first slot with old content: the check reads a block at
// a time, and must still name the lowest slot of the block, not the first
// page it happens to meet.
TEST_F(OpCheck, FreshContentNamesTheFirstSlotHoldingOldContent) {
  Populate(1, 4, kWC);
  Apply(UnpopulateEvent{1});
  const Pfn pooled = testing::FindPoolType(m_, kWC, 2)->pages.back();
  m_.PageForTest(pooled + 3).token = 12345;
  m_.PageForTest(pooled + 2).token = 12345;
  Apply(Allocate(2, 4, kWC));
  const Outcome out = engine_.Apply(PopulateEvent{2, true});
  ASSERT_EQ(out.violations.size(), 1u);
  EXPECT_EQ(out.violations[0].what, "freshly populated slot 2 holds old content, not zero or poison");
}

// 3.6.3 with ZERO_ALLOC: poison is fresh content for a plain tt, but old
// content for a tt that asked for zeroed pages.
TEST_F(OpCheck, APoisonPageIsFreshOnlyForATtWithoutZeroAlloc) {
  Populate(1, 4, kWC);
  Populate(2, 4, kWC);
  Apply(UnpopulateEvent{1});
  Apply(UnpopulateEvent{2});
  for (Pfn p : testing::FindPoolType(m_, kWC, 2)->pages) m_.PageForTest(p).token = kPoisonToken;
  Apply(Allocate(3, 4, kWC));
  EXPECT_EQ(Found(PopulateEvent{3, true}), std::vector<std::string>{});
  AllocateEvent zeroed = Allocate(4, 4, kWC);
  zeroed.zero_alloc = true;
  Apply(zeroed);
  EXPECT_EQ(Found(PopulateEvent{4, true}), Names({Invariant::kFreshContent}));
}

// 3.7.1: the order-1 block at slot 4 of a 6-page tt claims order 2, so the
// purge frees (and counts) the other tt's two pages with it: 8 returned,
// 6 slots changed.
TEST_F(OpCheck, APurgeThatCountsPagesBeyondItsSlotsBreaksBackupReturn) {
  Populate(1, 6);
  Populate(2, 2);
  ASSERT_EQ(SlotPfn(1, 4) + 2, SlotPfn(2, 0));
  m_.PageForTest(SlotPfn(1, 4)).private_order = 2;
  EXPECT_EQ(Found(ShrinkEvent{1, /*purge=*/true, false}), Names({Invariant::kBackupReturn}));
}

}  // namespace
}  // namespace ttm
