// The V13 restore path, scenario by scenario (docs/bugs.md:
// 4.7 to 4.12, 4.16, 4.17, 4.21 and the copy_page fault rules).
//
// Every scenario asserts exact return values, slot layouts and restore
// cursors, and exactly the violations the spec predicts: none for the
// correct paths, and for the V13 bugs the invariants the spec names, with
// no unrelated noise. Violations are collected from every Apply() and from
// a full Check() after every event.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

// A replay in miniature: applies events, keeps every violation the
// operations and a full check after each event found.
class Scenario {
 public:
  explicit Scenario(Config config) : engine_(Resolve(config)) {}

  Outcome Do(const EventBody& event) {
    Outcome out = engine_.Apply(event);
    for (const Violation& v : out.violations) seen_.push_back(v);
    for (const Violation& v : engine_.Check(CheckScope::kFull)) seen_.push_back(v);
    return out;
  }
  void CheckNow() {
    for (const Violation& v : engine_.Check(CheckScope::kFull)) seen_.push_back(v);
  }
  int64_t Populate(uint64_t tt, bool interruptible = true) {
    return Do(PopulateEvent{tt, interruptible}).ret;
  }
  int64_t Shrink(uint64_t tt) { return Do(ShrinkEvent{tt, false, false}).ret; }
  void Allocate(uint64_t tt, uint64_t pages, Caching caching = Caching::kCached, bool dma = false) {
    Do(AllocateEvent{tt, pages, caching, false, dma});
  }
  void Write(uint64_t tt) { Do(WriteEvent{tt, std::nullopt, std::nullopt}); }
  void Free(uint64_t tt) { Do(FreeEvent{tt}); }
  void Fail(FaultSite site, uint64_t after, uint64_t count, std::optional<Errno> error = std::nullopt,
            std::optional<uint32_t> min_order = std::nullopt) {
    FailEvent e;
    e.site = site;
    e.after = after;
    e.count = count;
    e.error = error;
    e.min_order = min_order;
    Do(e);
  }
  // Forces order-2 chunks: every attempt at order 3 or more fails.
  void FragmentAboveOrder2() { Fail(FaultSite::kAllocPage, 0, 100000, std::nullopt, 3); }

  // The invariants violated so far, and forgets them.
  std::multiset<Invariant> TakeViolations() {
    std::multiset<Invariant> out;
    for (const Violation& v : seen_) out.insert(v.invariant);
    seen_.clear();
    return out;
  }
  std::set<Invariant> TakeDistinctViolations() {
    std::multiset<Invariant> all = TakeViolations();
    return std::set<Invariant>(all.begin(), all.end());
  }
  std::string Describe() const {
    std::string s;
    for (const Violation& v : seen_) s += std::string(InvariantName(v.invariant)) + ": " + v.what + "\n";
    return s;
  }

  TtObject& tt(uint64_t id) { return *EngineTestPeer::Model(engine_).FindTt(id); }
  const RestoreState* restore(uint64_t id) { return tt(id).restore.get(); }
  TtmModel& model() { return EngineTestPeer::Model(engine_); }
  Engine& engine() { return engine_; }

  // The tt's slots in testing.h's one picture format.
  std::string Layout(uint64_t id) { return testing::SlotLayout(engine_, id); }

 private:
  Engine engine_;
  std::vector<Violation> seen_;
};

Config SmallMachine(uint64_t pages = 4096) {
  Config c;
  c.system_pages = pages;
  c.swap_pages = pages;
  return c;
}

// N = 16 as four order-2 chunks, written and backed up entirely.
void BackUpFourOrder2Chunks(Scenario& s, bool dma) {
  s.FragmentAboveOrder2();
  s.Allocate(1, 16, Caching::kCached, dma);
  ASSERT_EQ(s.Populate(1), 0);
  ASSERT_EQ(s.Layout(1), "P2 t t t P2 t t t P2 t t t P2 t t t");
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 16);
}

TEST(Restore, EintrOnTheSecondHandleOfTheThirdChunkStopsAtTwelveAllocatedPagesAndTheRetryResumes) {
  Scenario s(SmallMachine());
  BackUpFourOrder2Chunks(s, /*dma=*/false);
  s.Fail(FaultSite::kCopyPage, 9, 1, kEINTR);

  EXPECT_EQ(s.Populate(1), kEINTR);
  const RestoreState* r = s.restore(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->alloced_pages, 12u);
  EXPECT_EQ(r->restored_pages, 1u);
  EXPECT_EQ(r->first_page, 8u);
  EXPECT_EQ(r->order, 2u);
  // The pending chunk's new block is in the slots; its old handles wait in
  // old_pages (entry 0 done, 1..3 pending); the last chunk is untouched.
  EXPECT_EQ(s.Layout(1), "P2 t t t P2 t t t P2 t t t H13 H14 H15 H16");
  EXPECT_TRUE(r->old_pages[0].is_null());
  EXPECT_EQ(r->old_pages[1], Slot::Handle(10));
  EXPECT_EQ(r->old_pages[3], Slot::Handle(12));
  EXPECT_EQ(s.engine().Global().backup_pages, 7u);
  TtStatus st = *s.engine().Inspect(1);
  EXPECT_EQ(st.state, TtState::kBackedUp);
  EXPECT_TRUE(st.restore_pending);
  EXPECT_TRUE(st.intact);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.engine().counters().restore.restarts, 1u);
  EXPECT_EQ(s.Layout(1), "P2 t t t P2 t t t P2 t t t P2 t t t");
  st = *s.engine().Inspect(1);
  EXPECT_EQ(st.state, TtState::kPopulated);
  EXPECT_TRUE(st.intact);
  EXPECT_FALSE(st.restore_pending);
  EXPECT_EQ(s.engine().counters().restore.pages_from_backup, 16u);
  EXPECT_EQ(s.engine().counters().integrity.mismatches, 0u);
  EXPECT_EQ(s.engine().Global().backup_pages, 0u);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, ResumeWithADmaArrayWritesTheLastChunksBusAddressesOverTheFirstEntries) {
  Scenario s(SmallMachine());
  BackUpFourOrder2Chunks(s, /*dma=*/true);
  s.Fail(FaultSite::kCopyPage, 9, 1, kEINTR);
  EXPECT_EQ(s.Populate(1), kEINTR);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(s.Populate(1), 0);
  TtObject& t = s.tt(1);
  // V13 bug: the dma cursor restarts at 0 on resume.
  const Pfn last_chunk = t.pages.Get(12).pfn();
  for (uint64_t j = 0; j < 4; ++j) EXPECT_EQ(t.dma_address.Get(j), BusAddress(last_chunk) + j * kPageSize);
  const Pfn first_chunk = t.pages.Get(0).pfn();
  EXPECT_NE(t.dma_address.Get(0), BusAddress(first_chunk));
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kDmaAddress});

  // The free unmaps by the stale entries: the last chunk twice, the first
  // chunk never (it reaches the system mapped).
  s.Free(1);
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kDmaUnmapOnce});
}

TEST(Restore, EintrInTheOnlyChunkFinishesTheChunkAppliesTheCachingAndFreesTheRestoreOnRetry) {
  Scenario s(SmallMachine());
  s.Allocate(1, 4, Caching::kWriteCombined);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 4);
  s.Fail(FaultSite::kCopyPage, 2, 1, kEINTR);

  EXPECT_EQ(s.Populate(1), kEINTR);
  const RestoreState* r = s.restore(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->alloced_pages, 4u);
  EXPECT_EQ(r->restored_pages, 2u);
  EXPECT_EQ(r->caching_divide, 0u);  // the system block is still write-back
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.restore(1), nullptr);
  EXPECT_EQ(s.tt(1).page_flags & (kTtFlagPrivBackedUp | kTtFlagSwapped), 0u);
  for (uint64_t i = 0; i < 4; ++i)
    EXPECT_EQ(s.model().page(s.tt(1).pages.Get(i).pfn()).caching, PageCaching::kWC);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.engine().counters().restore.restarts, 1u);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

// Restore structs are recycled (TtmModel::NewRestoreState()): one made
// after another was freed must hold what a first one holds, whatever the
// freed one held (bigger cursors, a longer old_pages array).
TEST(Restore, ARestoreStructMadeAfterAnotherWasFreedHoldsWhatAFreshOneHolds) {
  auto interrupt_a_restore_of_four = [](Scenario& s) {
    s.Allocate(2, 4, Caching::kWriteCombined);
    ASSERT_EQ(s.Populate(2), 0);
    s.Write(2);
    ASSERT_EQ(s.Shrink(2), 4);
    s.Fail(FaultSite::kCopyPage, 2, 1, kEINTR);
    ASSERT_EQ(s.Populate(2), kEINTR);
  };
  Scenario fresh(SmallMachine());
  interrupt_a_restore_of_four(fresh);
  Scenario recycled(SmallMachine());
  BackUpFourOrder2Chunks(recycled, /*dma=*/true);
  recycled.Fail(FaultSite::kAllocPage, 0, 0);
  recycled.Fail(FaultSite::kCopyPage, 6, 1, kEINTR);
  ASSERT_EQ(recycled.Populate(1), kEINTR);
  ASSERT_NE(recycled.restore(1), nullptr);
  ASSERT_GT(recycled.restore(1)->alloced_pages, 4u);
  ASSERT_EQ(recycled.Populate(1), 0);  // completes and frees the struct
  ASSERT_EQ(recycled.restore(1), nullptr);
  recycled.Free(1);
  interrupt_a_restore_of_four(recycled);

  const RestoreState* want = fresh.restore(2);
  const RestoreState* have = recycled.restore(2);
  ASSERT_NE(want, nullptr);
  ASSERT_NE(have, nullptr);
  EXPECT_EQ(have->alloced_pages, want->alloced_pages);
  EXPECT_EQ(have->restored_pages, want->restored_pages);
  EXPECT_EQ(have->first_page, want->first_page);
  EXPECT_EQ(have->caching_divide, want->caching_divide);
  EXPECT_EQ(have->order, want->order);
  EXPECT_EQ(have->memory.size(), want->memory.size());
  ASSERT_EQ(have->old_pages.size(), want->old_pages.size());
  for (size_t j = 0; j < want->old_pages.size(); ++j)
    EXPECT_EQ(have->old_pages[j].is_page(), want->old_pages[j].is_page()) << j;
  EXPECT_EQ(have->snapshot_alloc.pages, want->snapshot_alloc.pages);
  EXPECT_EQ(have->alloced_page, want->alloced_page);
  EXPECT_EQ(have->first_dma, want->first_dma);
  EXPECT_EQ(have->page_caching, want->page_caching);
  EXPECT_EQ(recycled.TakeViolations(), std::multiset<Invariant>{}) << recycled.Describe();
  EXPECT_EQ(recycled.Populate(2), 0);
  EXPECT_TRUE(recycled.engine().Inspect(2)->intact);
}

// N = 8 on a machine whose biggest block is order 2, backed up entirely.
// Restores there allocate two order-2 chunks.
Config Order2Machine() {
  Config c = SmallMachine(64);
  c.max_order = 2;
  return c;
}

void BackUpEight(Scenario& s, bool dma = false, Caching caching = Caching::kCached) {
  s.Allocate(1, 8, caching, dma);
  ASSERT_EQ(s.Populate(1), 0);
  ASSERT_EQ(s.Layout(1), "P2 t t t P2 t t t");
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 8);
}

// A restore call that gets one order-2 block and then no memory at all.
int64_t PopulateWithOneBlock(Scenario& s) {
  s.Fail(FaultSite::kAllocPage, 1, 100000);
  const int64_t ret = s.Populate(1);
  s.Fail(FaultSite::kAllocPage, 0, 0);
  return ret;
}

TEST(Restore, AllocationFailureAfterACompleteChunkMakesTheRetryStartAgainFromSlotZero) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  const RestoreState* r = s.restore(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->alloced_pages, 4u);
  EXPECT_EQ(r->restored_pages, 4u);  // not valid: the chunk is complete
  EXPECT_EQ(s.Layout(1), "P2 t t t H5 H6 H7 H8");
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  // Call 2 places its block over [0, 4) again: the pages restored by call 1
  // are treated as retained pages (copied, split, freed), and alloced_pages
  // counts them twice.
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  r = s.restore(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->alloced_pages, 8u);
  EXPECT_EQ(r->first_page, 0u);
  EXPECT_EQ(s.Layout(1), "P2 t t t H5 H6 H7 H8");
  EXPECT_EQ(s.engine().counters().restore.pages_from_retained, 4u);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  // 3.7.2 at the restart; 3.2.4 since: alloced_pages covers four handles.
  EXPECT_EQ(s.TakeDistinctViolations(),
            (std::set<Invariant>{Invariant::kRestoreProgress, Invariant::kRestoreState}))
      << s.Describe();

  // Release treats [0, 8) as new pages; the handles in it are still dropped.
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  LeakReport leaks = s.engine().Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_TRUE(leaks.violations.empty());
}

// 3.7.2 is a state property (spec 3.7, item 2): a retry that skips the
// resume branch but then gets no memory at all changes nothing, so nothing
// went backwards. Only the next call, which really takes the restored slots
// [0, 4) back into old_pages, breaks it, once.
TEST(Restore, ARetryThatFailsBeforeChangingAnythingDoesNotBreakRestoreProgress) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  const std::string layout = s.Layout(1);
  ASSERT_EQ(s.restore(1)->alloced_pages, 4u);
  ASSERT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  s.Fail(FaultSite::kAllocPage, 0, 100000);
  EXPECT_EQ(s.Populate(1), kENOMEM);
  s.Fail(FaultSite::kAllocPage, 0, 0);
  EXPECT_EQ(s.engine().counters().restore.restarts, 1u);
  EXPECT_EQ(s.Layout(1), layout);
  EXPECT_EQ(s.restore(1)->alloced_pages, 4u);
  EXPECT_EQ(s.restore(1)->restored_pages, 4u);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  EXPECT_EQ(s.restore(1)->alloced_pages, 8u);
  EXPECT_EQ(s.TakeViolations().count(Invariant::kRestoreProgress), 1u);
}

// Falling back to order 0 the restart takes the restored slots back one
// page at a time: progress went back once, and is reported once per call.
TEST(Restore, ARestartThatTakesBackSeveralBlocksReportsRestoreProgressOnce) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  s.Fail(FaultSite::kAllocPage, 0, 100000, std::nullopt, 1);  // order 0 only
  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.TakeViolations().count(Invariant::kRestoreProgress), 1u);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
}

TEST(Restore, ARetryAfterTheRestartThatCompletesStillPreservesEveryToken) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.engine().counters().integrity.mismatches, 0u);
  EXPECT_EQ(s.restore(1), nullptr);
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kRestoreProgress}) << s.Describe();
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, AThirdRestartPushesAllocedPagesPastTheEndAndTheReleaseWalkRunsOffTheSlotArray) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  ASSERT_NE(s.restore(1), nullptr);
  EXPECT_EQ(s.restore(1)->alloced_pages, 12u);
  EXPECT_EQ(s.engine().counters().restore.restarts, 2u);
  EXPECT_EQ(s.TakeDistinctViolations(),
            (std::set<Invariant>{Invariant::kRestoreProgress, Invariant::kRestoreState}));

  // The kernel would oops in ttm_pool_free_range(); the model reports it
  // and abandons the free. The tt is gone all the same (the driver let go
  // of it), so what it still held is reported as leaked: its pages (3.1.3)
  // and its restore struct (3.2.4).
  Outcome free = s.engine().Apply(FreeEvent{1});
  std::set<Invariant> found;
  for (const Violation& v : free.violations) found.insert(v.invariant);
  EXPECT_EQ(found, (std::set<Invariant>{Invariant::kKernelCrash, Invariant::kConservation,
                                        Invariant::kRestoreState}));
  EXPECT_EQ(s.engine().Global().live_tts, 0u);
  EXPECT_EQ(s.engine().Inspect(1), std::nullopt);
  s.TakeViolations();
  // The id is free again: a new object under it is a new object.
  s.engine().Apply(AllocateEvent{1, 4, Caching::kCached, false, false});
  EXPECT_EQ(s.engine().Inspect(1)->state, TtState::kUnpopulated);
  // Teardown accounts the leak instead of crashing.
  const LeakReport leaks = s.engine().Teardown();
  EXPECT_GT(leaks.pages, 0u);
  EXPECT_EQ(leaks.restore_states, 1u);
}

TEST(Restore, ARestartAfterADmaMapFailureFreesTheRestoredPagesStillMapped) {
  Scenario s(Order2Machine());
  BackUpEight(s, /*dma=*/true);
  s.Fail(FaultSite::kDmaMap, 1, 1);
  EXPECT_EQ(s.Populate(1), kEFAULT);
  ASSERT_NE(s.restore(1), nullptr);
  EXPECT_EQ(s.restore(1)->alloced_pages, 4u);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.TakeDistinctViolations(),
            (std::set<Invariant>{Invariant::kRestoreProgress, Invariant::kDmaUnmapOnce}))
      << s.Describe();
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, ARestartAfterAFailedFinalCachingTransitionRestoresEverythingTwice) {
  Scenario s(SmallMachine());
  s.Allocate(1, 8, Caching::kWriteCombined);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 8);
  s.Fail(FaultSite::kSetCaching, 0, 1);
  EXPECT_EQ(s.Populate(1), kENOMEM);
  ASSERT_NE(s.restore(1), nullptr);
  EXPECT_EQ(s.restore(1)->alloced_pages, 8u);
  EXPECT_EQ(s.restore(1)->caching_divide, 0u);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.engine().counters().restore.pages_from_retained, 8u);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kRestoreProgress}) << s.Describe();
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, ReleaseAfterTheRestartDoubleUnmapsRetainedPagesItMistakesForNewOnes) {
  Scenario s(Order2Machine());
  s.Allocate(1, 8, Caching::kCached, /*dma=*/true);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  s.Fail(FaultSite::kBackupPage, 4, 1);
  ASSERT_EQ(s.Shrink(1), 4);
  ASSERT_EQ(s.Layout(1), "H1 H2 H3 H4 P0 P0 P0 P0");
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  EXPECT_EQ(s.restore(1)->alloced_pages, 8u);
  s.TakeViolations();
  s.Free(1);
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kDmaUnmapOnce}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, FreeingAfterAnInterruptedRestoreReleasesEverythingThroughTheRightPaths) {
  Scenario s(SmallMachine());
  // A WC order-2 block in the pool gives the restore its first chunk, so
  // the caching divide lies after it.
  s.Allocate(9, 4, Caching::kWriteCombined);
  ASSERT_EQ(s.Populate(9), 0);
  s.Free(9);
  ASSERT_EQ(s.engine().Global().pool_pages, 4u);
  s.FragmentAboveOrder2();
  s.Allocate(1, 16, Caching::kWriteCombined);
  ASSERT_EQ(s.Populate(1), 0);  // takes the pooled block first
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 16);
  ASSERT_EQ(s.engine().Global().pool_pages, 0u);
  s.Allocate(9, 4, Caching::kWriteCombined);
  ASSERT_EQ(s.Populate(9), 0);
  s.Free(9);
  ASSERT_EQ(s.engine().Global().pool_pages, 4u);
  s.Fail(FaultSite::kCopyPage, 9, 1, kEINTR);
  EXPECT_EQ(s.Populate(1), kEINTR);
  ASSERT_NE(s.restore(1), nullptr);
  EXPECT_EQ(s.restore(1)->alloced_pages, 12u);
  EXPECT_EQ(s.restore(1)->caching_divide, 4u);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  s.Free(1);
  EXPECT_EQ(s.engine().Global().pool_pages, 4u);  // [0, 4) back to the WC pool
  EXPECT_EQ(s.engine().Global().backup_pages, 0u);
  EXPECT_EQ(s.engine().Global().system_used_pages, 4u);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  LeakReport leaks = s.engine().Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_TRUE(leaks.violations.empty());
}

TEST(Restore, FreeingAfterAnAllocationFailureWithACompleteChunkIsLeakFree) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  s.Free(1);
  EXPECT_EQ(s.engine().Global().backup_pages, 0u);
  EXPECT_EQ(s.engine().Global().system_used_pages, 0u);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  LeakReport leaks = s.engine().Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_TRUE(leaks.violations.empty());
}

TEST(Restore, AHandleZeroIsSkippedUncountedSoTheChunkStaysValidAndMasksTheRestartBug) {
  Scenario s(Order2Machine());
  BackUpEight(s);
  // Corrupt slot 1 (4.11's test hook); shmem index 1 is now unreferenced.
  s.model().PokeSlotForTest(s.tt(1), 1, Slot::Handle(0));
  s.CheckNow();
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kHandleReferences});

  EXPECT_EQ(PopulateWithOneBlock(s), kENOMEM);
  const RestoreState* r = s.restore(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->alloced_pages, 4u);
  EXPECT_EQ(r->restored_pages, 3u);  // entry 1 skipped without counting
  EXPECT_EQ(r->old_pages[1], Slot::Handle(0));
  s.TakeViolations();

  // Still valid: the retry resumes at slot 4 instead of restarting at 0.
  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.engine().counters().restore.restarts, 1u);
  EXPECT_EQ(s.engine().counters().restore.pages_from_retained, 0u);
  EXPECT_EQ(s.engine().counters().restore.pages_from_backup, 7u);
  EXPECT_FALSE(s.engine().Inspect(1)->intact);  // slot 1 was never restored
  // Only the corruption's own trace: the orphaned shmem page.
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kHandleReferences}) << s.Describe();
  s.Free(1);
  EXPECT_EQ(s.TakeDistinctViolations(), std::set<Invariant>{Invariant::kBackupReleased});
}

TEST(Restore, AFreshRestoreStructIsValidSoTheCallAfterAFailedFirstAllocationResumesHarmlessly) {
  Scenario s(SmallMachine());
  s.Allocate(1, 8);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 8);
  s.Fail(FaultSite::kAllocPage, 0, 100000);
  EXPECT_EQ(s.Populate(1), kENOMEM);
  s.Fail(FaultSite::kAllocPage, 0, 0);
  const RestoreState* r = s.restore(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->alloced_pages, 0u);
  EXPECT_EQ(r->order, 0u);
  EXPECT_EQ(r->restored_pages, 0u);  // valid by accident
  EXPECT_EQ(s.Layout(1), "H1 H2 H3 H4 H5 H6 H7 H8");
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.engine().counters().restore.restarts, 1u);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.Layout(1), "P3 t t t t t t t");
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, EintrNeverFiresNorCountsInANonInterruptiblePopulate) {
  Scenario s(SmallMachine());
  s.Allocate(1, 8);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 8);
  s.Fail(FaultSite::kCopyPage, 2, 1, kEINTR);
  EXPECT_EQ(s.Populate(1, /*interruptible=*/false), 0);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.engine().counters().restore.restarts, 0u);

  // Still armed with its count untouched: the third copy of the next
  // interruptible restore is interrupted.
  ASSERT_EQ(s.Shrink(1), 8);
  EXPECT_EQ(s.Populate(1), kEINTR);
  EXPECT_EQ(s.restore(1)->restored_pages, 2u);
  EXPECT_EQ(s.Populate(1), 0);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, ACopyPageEnomemFiresEvenInANonInterruptiblePopulateAndIsResumedCorrectly) {
  Scenario s(SmallMachine());
  BackUpFourOrder2Chunks(s, /*dma=*/false);
  s.Fail(FaultSite::kCopyPage, 5, 1, kENOMEM);
  EXPECT_EQ(s.Populate(1, /*interruptible=*/false), kENOMEM);
  EXPECT_EQ(s.restore(1)->alloced_pages, 8u);
  EXPECT_EQ(s.restore(1)->restored_pages, 1u);
  EXPECT_EQ(s.Populate(1, /*interruptible=*/false), 0);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.engine().counters().restore.restarts, 1u);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, CopyPageFaultsCountOnlyHandlesNotRetainedPages) {
  Scenario s(SmallMachine());
  s.Allocate(1, 8);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  s.Fail(FaultSite::kBackupPage, 2, 1);
  ASSERT_EQ(s.Shrink(1), 2);
  ASSERT_EQ(s.Layout(1), "H1 H2 P0 P0 P0 P0 P0 P0");
  // Two handles pass; there is no third handle to fail.
  s.Fail(FaultSite::kCopyPage, 2, 1, kEINTR);
  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.engine().counters().restore.pages_from_backup, 2u);
  EXPECT_EQ(s.engine().counters().restore.pages_from_retained, 6u);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, ARestoreStructAllocationFailureChangesNothingAndTheRetryIsAFirstCall) {
  Scenario s(SmallMachine());
  s.Allocate(1, 8);
  ASSERT_EQ(s.Populate(1), 0);
  s.Write(1);
  ASSERT_EQ(s.Shrink(1), 8);
  const uint64_t used = s.engine().Global().system_used_pages;
  s.Fail(FaultSite::kAllocRestore, 0, 1);
  EXPECT_EQ(s.Populate(1), kENOMEM);
  EXPECT_EQ(s.restore(1), nullptr);
  EXPECT_EQ(s.Layout(1), "H1 H2 H3 H4 H5 H6 H7 H8");
  EXPECT_EQ(s.engine().Global().system_used_pages, used);
  EXPECT_EQ(s.engine().Global().backup_pages, 8u);
  EXPECT_EQ(s.engine().Inspect(1)->state, TtState::kBackedUp);

  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.engine().counters().restore.restarts, 0u);
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(Restore, RestoringAtOrderZeroSplitsTheRetainedBlocksAsItReachesThem) {
  Scenario s(SmallMachine());
  s.Allocate(1, 24);
  ASSERT_EQ(s.Populate(1), 0);
  ASSERT_EQ(s.Layout(1), "P4 t t t t t t t t t t t t t t t P3 t t t t t t t");
  s.Write(1);
  s.Fail(FaultSite::kBackupPage, 6, 1);
  ASSERT_EQ(s.Shrink(1), 6);
  EXPECT_EQ(s.Layout(1), "H1 H2 H3 H4 H5 H6 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P3 t t t t t t t");
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();

  s.Fail(FaultSite::kAllocPage, 0, 100000, std::nullopt, 1);
  EXPECT_EQ(s.Populate(1), 0);
  EXPECT_EQ(s.Layout(1), "P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0 P0");
  EXPECT_TRUE(s.engine().Inspect(1)->intact);
  EXPECT_EQ(s.engine().counters().restore.pages_from_backup, 6u);
  EXPECT_EQ(s.engine().counters().restore.pages_from_retained, 18u);
  EXPECT_EQ(s.engine().counters().integrity.mismatches, 0u);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  EXPECT_TRUE(s.engine().Teardown().ok());
}

TEST(HostileSizes, AnObjectOfTwoToTheThirtyOneMinusOnePagesFailsWithEnomemAndLeaksNothing) {
  Scenario s(SmallMachine());
  s.Allocate(1, kMaxTtPages);
  EXPECT_EQ(s.Populate(1), kENOMEM);
  EXPECT_FALSE(s.tt(1).populated());
  EXPECT_EQ(s.engine().Global().system_used_pages, 0u);
  s.Free(1);
  EXPECT_EQ(s.TakeViolations(), std::multiset<Invariant>{}) << s.Describe();
  LeakReport leaks = s.engine().Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_TRUE(leaks.violations.empty());
}

// The fast path copies a run of live handles at once and hands the first
// entry that is anything else to the entry-by-entry loop the reference
// path always takes. A corruption inside such a run must give the same
// return, findings, counters and slots on both paths.
struct RestoreSeen {
  int64_t ret = 0;
  std::vector<std::string> violations;
  uint64_t from_backup = 0, verified = 0, copy_calls = 0;
  std::string layout;
  bool operator==(const RestoreSeen&) const = default;
};

RestoreSeen RestoreAfter(const std::function<void(TtmModel&, TtObject&)>& corrupt, bool reference) {
  Engine engine(Resolve(SmallMachine()), Semantics::kV13, EngineOptions{.reference = reference});
  TtmModel& m = EngineTestPeer::Model(engine);
  const Outcome allocated = engine.Apply(AllocateEvent{1, 64, Caching::kCached, false, false});
  EXPECT_TRUE(allocated.violations.empty());
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, 0);
  engine.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  EXPECT_EQ(engine.Apply(ShrinkEvent{1, false, false}).ret, 64);
  corrupt(m, *m.FindTt(1));
  RestoreSeen seen;
  const Outcome out = engine.Apply(PopulateEvent{1, true});
  seen.ret = out.ret;
  for (const Violation& v : out.violations)
    seen.violations.push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
  for (const Violation& v : engine.Check(CheckScope::kFull))
    seen.violations.push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
  seen.from_backup = engine.counters().restore.pages_from_backup;
  seen.verified = engine.counters().integrity.pages_verified;
  seen.copy_calls = m.faults().calls(FaultSite::kCopyPage).all;
  seen.layout = testing::SlotLayout(engine, 1);
  return seen;
}

TEST(Restore, ACorruptionInsideARunOfHandlesIsRestoredAsTheReferencePathRestoresIt) {
  const std::vector<std::function<void(TtmModel&, TtObject&)>> corruptions = {
      [](TtmModel&, TtObject&) {},  // none: one run
      [](TtmModel& m, TtObject& tt) {  // two handles swapped: each content is wrong
        m.PokeSlotForTest(tt, 10, Slot::Handle(12));
        m.PokeSlotForTest(tt, 11, Slot::Handle(11));
      },
      [](TtmModel& m, TtObject& tt) {  // a handle twice: the second is not live
        m.PokeSlotForTest(tt, 21, Slot::Handle(21));
      },
      [](TtmModel& m, TtObject& tt) {  // the stored content of one page changed
        m.StoreForTest().BackupPage(tt.backup, 30, 12345, false);
      },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 40, Slot::Handle(0)); },
      [](TtmModel& m, TtObject& tt) {  // the last handle not live
        m.StoreForTest().Drop(tt.backup, 64);
      },
  };
  for (size_t c = 0; c < corruptions.size(); ++c) {
    SCOPED_TRACE("corruption " + std::to_string(c));
    const RestoreSeen fast = RestoreAfter(corruptions[c], false);
    const RestoreSeen reference = RestoreAfter(corruptions[c], true);
    EXPECT_EQ(fast.ret, reference.ret);
    EXPECT_EQ(fast.violations, reference.violations);
    EXPECT_EQ(fast.from_backup, reference.from_backup);
    EXPECT_EQ(fast.verified, reference.verified);
    EXPECT_EQ(fast.copy_calls, reference.copy_calls);
    EXPECT_EQ(fast.layout, reference.layout);
    EXPECT_EQ(c == 0, fast.violations.empty()) << "corruption " << c << " found";
  }
}

}  // namespace
}  // namespace ttm
