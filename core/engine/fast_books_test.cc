// Issue 11: the fast engine keeps its books (owner counts, each tt's
// counts, peaks) with shortcuts the reference engine does not take, which
// must keep the same books and reports on every path:
// - the V13 backup loop frees each page it has backed up with
//   FreeSlotPageToSystem() (the owner counts follow from the slot that
//   holds the page, not from a lookup) and updates the high-water marks in
//   full only after its first page; the reference engine frees through
//   FreeToSystem() and updates every peak after every page;
// - SetSlots() places a block in empty or handle slots with its counts
//   gathered and added once; the reference engine runs SetSlotAt() for
//   each slot.
#include <gtest/gtest.h>

#include <vector>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::Invariants;
using testing::SetSwapPages;
using testing::SlotLayout;
using testing::Tt;

// Runs the same events on a fast and a reference engine.
struct Pair : testing::FastAndReference {
  // Both outcomes, which must agree; returns the fast one's invariants.
  std::vector<std::string> Apply(const EventBody& e) {
    const Outcome a = fast.Apply(e);
    const Outcome b = slow.Apply(e);
    EXPECT_EQ(a.ret, b.ret);
    EXPECT_EQ(Invariants(a.violations), Invariants(b.violations));
    return Invariants(a.violations);
  }
};

void ExpectSameBooks(Pair& p, std::vector<uint64_t> ids) {
  TtmModel& a = EngineTestPeer::Model(p.fast);
  TtmModel& b = EngineTestPeer::Model(p.slow);
  for (int o = 0; o < kNumOwners; ++o)
    EXPECT_EQ(a.owner_count(static_cast<Owner>(o)), b.owner_count(static_cast<Owner>(o))) << o;
  for (uint64_t id : ids) {
    const TtObject& x = Tt(p.fast, id);
    const TtObject& y = Tt(p.slow, id);
    EXPECT_EQ(x.owned_pages, y.owned_pages) << id;
    EXPECT_EQ(x.resident_slots, y.resident_slots) << id;
    EXPECT_EQ(x.handle_slots, y.handle_slots) << id;
    EXPECT_EQ(SlotLayout(p.fast, id), SlotLayout(p.slow, id)) << id;
  }
  EXPECT_EQ(p.fast.counters().peak_system_pages, p.slow.counters().peak_system_pages);
  EXPECT_EQ(p.fast.counters().peak_pool_pages, p.slow.counters().peak_pool_pages);
  EXPECT_EQ(p.fast.counters().peak_backup_pages, p.slow.counters().peak_backup_pages);
  EXPECT_EQ(p.fast.counters().backed_up_pages, p.slow.counters().backed_up_pages);
}

// Two tts whose pages are in multi-page blocks, tt 1 written.
void PopulateTwo(Pair& p) {
  p.Apply(Allocate(1, 300));
  p.Apply(Allocate(2, 200));
  p.Apply(PopulateEvent{1, true});
  p.Apply(PopulateEvent{2, true});
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
}

TEST(BackupFree, AWholeBackupKeepsTheSameOwnerCountsAndPeaks) {
  Pair p;
  PopulateTwo(p);
  EXPECT_TRUE(p.Apply(ShrinkEvent{1, false, false}).empty());
  EXPECT_EQ(Tt(p.fast, 1).owned_pages, 0u);
  EXPECT_EQ(Tt(p.fast, 1).resident_slots, 0u);
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 300u);
  EXPECT_EQ(p.fast.counters().peak_backup_pages, 300u);
  ExpectSameBooks(p, {1, 2});
  // A second backup raises the backup peak page by page past the first.
  EXPECT_TRUE(p.Apply(ShrinkEvent{2, false, false}).empty());
  EXPECT_EQ(p.fast.counters().peak_backup_pages, 500u);
  ExpectSameBooks(p, {1, 2});
}

TEST(BackupFree, ABackupThatRunsOutOfSwapStopsWithTheSameBooks) {
  Pair p;
  PopulateTwo(p);
  p.Apply(SetSwapPages(120));
  p.Apply(ShrinkEvent{1, false, false});
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 120u);
  EXPECT_EQ(Tt(p.fast, 1).resident_slots, 180u);
  EXPECT_EQ(p.fast.counters().peak_backup_pages, 120u);
  ExpectSameBooks(p, {1, 2});
}

TEST(BackupFree, ABackupThatCrashesOnAStaleSlotKeepsThePeaksOfThePagesBefore) {
  Pair p;
  PopulateTwo(p);
  // Slot 40 of tt 1 points at a page of tt 2: a stale pointer, which the
  // backup loop crashes on after backing up slots 0..39.
  for (Engine* e : {&p.fast, &p.slow}) {
    TtmModel& m = EngineTestPeer::Model(*e);
    m.PokeSlotForTest(Tt(*e, 1), 40, Tt(*e, 2).pages.Get(0));
  }
  const std::vector<std::string> found = p.Apply(ShrinkEvent{1, false, false});
  EXPECT_FALSE(found.empty());
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 40u);
  EXPECT_EQ(p.fast.counters().peak_backup_pages, 40u);
  ExpectSameBooks(p, {1, 2});
}

TEST(BackupFree, APageStillMappedIsReportedAndFreedAsBefore) {
  Pair p;
  PopulateTwo(p);
  for (Engine* e : {&p.fast, &p.slow}) {
    TtmModel& m = EngineTestPeer::Model(*e);
    m.PageForTest(Tt(*e, 1).pages.Get(7).pfn()).mapped = true;
  }
  const std::vector<std::string> found = p.Apply(ShrinkEvent{1, false, false});
  EXPECT_FALSE(found.empty());
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 300u);
  ExpectSameBooks(p, {1, 2});
}

// A tt of 300 pages populated, backed up (the part swap allows) and
// populated again: SetSlots() over empty slots, then over handles and, with
// a partial backup, next to retained pages.
void BackUpAndRestore(Pair& p, uint64_t swap_pages) {
  p.Apply(SetSwapPages(swap_pages));
  PopulateTwo(p);
  EXPECT_EQ(Tt(p.fast, 1).owned_pages, 300u);
  EXPECT_EQ(Tt(p.fast, 1).resident_slots, 300u);
  ExpectSameBooks(p, {1, 2});
  p.Apply(ShrinkEvent{1, false, false});
  ExpectSameBooks(p, {1, 2});
  EXPECT_TRUE(p.Apply(PopulateEvent{1, true}).empty());
  EXPECT_EQ(Tt(p.fast, 1).owned_pages, 300u);
  EXPECT_EQ(Tt(p.fast, 1).resident_slots, 300u);
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 0u);
  ExpectSameBooks(p, {1, 2});
}

TEST(SetSlots, PagesPlacedInEmptySlotsAndOverHandlesKeepTheSameBooks) {
  Pair p;
  BackUpAndRestore(p, 4096);
}

TEST(SetSlots, PagesPlacedNextToRetainedPagesKeepTheSameBooks) {
  Pair p;
  BackUpAndRestore(p, 100);
}

TEST(SetSlots, PagesTakenFromAPoolKeepTheSameBooks) {
  Pair p;
  // Write-combined pages go to the pool when tt 1 is freed; tt 3 takes
  // them from there.
  p.Apply(Allocate(1, 256, Caching::kWriteCombined));
  p.Apply(PopulateEvent{1, true});
  p.Apply(FreeEvent{1});
  p.Apply(Allocate(3, 256, Caching::kWriteCombined));
  EXPECT_TRUE(p.Apply(PopulateEvent{3, true}).empty());
  EXPECT_GT(p.fast.counters().pool_hits, 0u);
  EXPECT_EQ(Tt(p.fast, 3).owned_pages, 256u);
  EXPECT_EQ(Tt(p.fast, 3).resident_slots, 256u);
  ExpectSameBooks(p, {3});
}

}  // namespace
}  // namespace ttm
