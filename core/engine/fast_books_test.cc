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
//   each slot;
// - the populate path takes a block from the system or a pool, moves a
//   restore chunk's handles to old_pages, copies a run of handles back and
//   changes a range's caching a block at a time, its counts taken once,
//   and restores the usual block (no copy fault armed) as it places it,
//   in one pass that never writes old_pages;
//   the reference engine does all of it page by page.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"
#include "core/prng.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::CounterValues;
using testing::ExpectSameMachine;
using testing::OwnerCounts;
using testing::PooledPage;
using testing::SetSwapPages;
using testing::SlotLayout;
using testing::Tt;

using Pair = testing::FastAndReference;

void ExpectSameBooks(Pair& p, std::vector<uint64_t> ids) {
  EXPECT_EQ(OwnerCounts(EngineTestPeer::View(p.fast)), OwnerCounts(EngineTestPeer::View(p.slow)));
  for (uint64_t id : ids) {
    const TtObject& x = Tt(p.fast, id);
    const TtObject& y = Tt(p.slow, id);
    EXPECT_EQ(x.owned_pages, y.owned_pages) << id;
    EXPECT_EQ(x.resident_slots, y.resident_slots) << id;
    EXPECT_EQ(x.handle_slots, y.handle_slots) << id;
    EXPECT_EQ(SlotLayout(p.fast, id), SlotLayout(p.slow, id)) << id;
  }
  EXPECT_EQ(p.fast.counters().memory.peak_system_pages, p.slow.counters().memory.peak_system_pages);
  EXPECT_EQ(p.fast.counters().memory.peak_pool_pages, p.slow.counters().memory.peak_pool_pages);
  EXPECT_EQ(p.fast.counters().memory.peak_backup_pages, p.slow.counters().memory.peak_backup_pages);
  EXPECT_EQ(p.fast.counters().memory.backed_up_pages, p.slow.counters().memory.backed_up_pages);
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
  EXPECT_TRUE(p.Apply(ShrinkEvent{1, false, false}).violations.empty());
  EXPECT_EQ(Tt(p.fast, 1).owned_pages, 0u);
  EXPECT_EQ(Tt(p.fast, 1).resident_slots, 0u);
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 300u);
  EXPECT_EQ(p.fast.counters().memory.peak_backup_pages, 300u);
  ExpectSameBooks(p, {1, 2});
  // A second backup raises the backup peak page by page past the first.
  EXPECT_TRUE(p.Apply(ShrinkEvent{2, false, false}).violations.empty());
  EXPECT_EQ(p.fast.counters().memory.peak_backup_pages, 500u);
  ExpectSameBooks(p, {1, 2});
}

TEST(BackupFree, ABackupThatRunsOutOfSwapStopsWithTheSameBooks) {
  Pair p;
  PopulateTwo(p);
  p.Apply(SetSwapPages(120));
  p.Apply(ShrinkEvent{1, false, false});
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 120u);
  EXPECT_EQ(Tt(p.fast, 1).resident_slots, 180u);
  EXPECT_EQ(p.fast.counters().memory.peak_backup_pages, 120u);
  ExpectSameBooks(p, {1, 2});
}

TEST(BackupFree, ABackupThatCrashesOnAStaleSlotKeepsThePeaksOfThePagesBefore) {
  Pair p;
  PopulateTwo(p);
  // Slot 40 of tt 1 points at a page of tt 2: a stale pointer, which the
  // backup loop crashes on after backing up slots 0..39.
  p.OnBoth([](TtmModel& m) { m.PokeSlotForTest(*m.FindTt(1), 40, m.FindTt(2)->pages.Get(0)); });
  EXPECT_FALSE(p.Apply(ShrinkEvent{1, false, false}).violations.empty());
  EXPECT_EQ(Tt(p.fast, 1).handle_slots, 40u);
  EXPECT_EQ(p.fast.counters().memory.peak_backup_pages, 40u);
  ExpectSameBooks(p, {1, 2});
}

TEST(BackupFree, APageStillMappedIsReportedAndFreedAsBefore) {
  Pair p;
  PopulateTwo(p);
  p.OnBoth([](TtmModel& m) { m.PageForTest(m.FindTt(1)->pages.Get(7).pfn()).mapped = true; });
  EXPECT_FALSE(p.Apply(ShrinkEvent{1, false, false}).violations.empty());
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
  EXPECT_TRUE(p.Apply(PopulateEvent{1, true}).violations.empty());
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
  EXPECT_TRUE(p.Apply(PopulateEvent{3, true}).violations.empty());
  EXPECT_GT(p.fast.counters().pool.hits, 0u);
  EXPECT_EQ(Tt(p.fast, 3).owned_pages, 256u);
  EXPECT_EQ(Tt(p.fast, 3).resident_slots, 256u);
  ExpectSameBooks(p, {3});
}

// Books no populate should find: a free frame, or a pooled page, that
// another owner claims. The block-at-a-time paths hand such a page to the
// per-page code, which must leave the same books either way.
TEST(Populate, AFreeFrameWithAWrongOwnerIsTakenWithTheSameBooks) {
  Pair p;
  // The first frames a populate of 64 pages is given (the lowest free
  // block), one of them claimed by nobody in the allocator's books.
  p.OnBoth([](TtmModel& m) { m.PageForTest(5).owner = Owner::kOrphan; });
  p.Apply(Allocate(1, 64));
  EXPECT_TRUE(p.Apply(PopulateEvent{1, true}).violations.empty());
  ExpectSameBooks(p, {1});
  EXPECT_EQ(SlotLayout(p.fast, 1), SlotLayout(p.slow, 1));
}

TEST(Populate, APooledPageWithAWrongOwnerIsTakenWithTheSameBooks) {
  Pair p;
  p.Apply(Allocate(1, 16, Caching::kWriteCombined));
  p.Apply(PopulateEvent{1, true});
  p.Apply(FreeEvent{1});
  p.OnBoth([](TtmModel& m) { PooledPage(m, Caching::kWriteCombined, 4, 3).owner = Owner::kKernel; });
  p.Apply(Allocate(2, 16, Caching::kWriteCombined));
  p.Apply(PopulateEvent{2, true});
  EXPECT_EQ(p.fast.counters().pool.hits, 1u);
  ExpectSameBooks(p, {2});
}

// The same, a wrong owner at every position of the block (each place in
// a group of four, and the groups after it): a free frame the allocator
// hands out, or a pooled page, of another owner (a tt's, the kernel's).
TEST(Populate, AWrongOwnerAtEveryPositionOfAFreshOrPooledBlockIsTakenWithTheSameBooks) {
  for (uint64_t at = 0; at < 16; ++at) {
    SCOPED_TRACE(at);
    {
      Pair p;
      p.OnBoth([&](TtmModel& m) { m.PageForTest(at).owner = at % 2 ? Owner::kTt : Owner::kOrphan; });
      p.Apply(Allocate(1, 16));
      p.Apply(PopulateEvent{1, true});
      ExpectSameBooks(p, {1});
    }
    {
      Pair p;
      p.Apply(Allocate(1, 16, Caching::kWriteCombined));
      p.Apply(PopulateEvent{1, true});
      p.Apply(FreeEvent{1});
      p.OnBoth([&](TtmModel& m) {
        PooledPage(m, Caching::kWriteCombined, 4, at).owner = at % 2 ? Owner::kKernel : Owner::kSystem;
      });
      p.Apply(Allocate(2, 16, Caching::kWriteCombined));
      p.Apply(PopulateEvent{2, true});
      EXPECT_EQ(p.fast.counters().pool.hits, 1u);
      ExpectSameBooks(p, {2});
    }
  }
}

// The caching change of a fresh populate takes the blocks from the system
// as the allocation hands them over (PlacedBlocks), pooled blocks as
// before. Against the reference, for both cachings: a fault armed at
// every allocation, dma map and caching change of a populate mixing
// pooled and system blocks of several orders, over frames left in odd
// states (a free frame of another caching, mapped, with old content,
// claimed by a tt; a pooled page of another caching).
TEST(Populate, AFreshPopulateWithAFaultAtEveryStepChangesTheCachingAsTheReferenceDoes) {
  for (const Caching caching : {Caching::kWriteCombined, Caching::kUncached}) {
    for (const FaultSite site : {FaultSite::kAllocPage, FaultSite::kDmaMap, FaultSite::kSetCaching}) {
      for (uint64_t at = 0; at < 12; ++at) {
        SCOPED_TRACE(std::to_string(static_cast<int>(caching)) + " " +
                     std::to_string(static_cast<int>(site)) + " " + std::to_string(at));
        Pair p;
        p.Apply(Allocate(2, 37, caching));
        p.Apply(PopulateEvent{2, true});
        p.Apply(FreeEvent{2});  // blocks of 32, 4 and 1 pages in the pools
        p.OnBoth([&](TtmModel& m) {
          PooledPage(m, caching, 2, 1).caching = PageCaching::kWB;
          for (Pfn f : {Pfn{100}, Pfn{203}, Pfn{517}}) {  // free frames (the pools hold the lowest)
            Page& pg = m.PageForTest(f);
            pg.caching = PageCaching::kUC;
            pg.mapped = f % 2;
            pg.token = 77;
            if (f == 203) pg.owner = Owner::kTt, pg.owner_id = 2;
          }
        });
        p.Apply(testing::Fail(site, at, 1));
        p.Apply(Allocate(1, 700, caching, true));
        p.Apply(PopulateEvent{1, true});
        EXPECT_EQ(p.fast.counters().pool.caching_changes, p.slow.counters().pool.caching_changes);
        EXPECT_EQ(testing::CachingLayout(p.fast, 1), testing::CachingLayout(p.slow, 1));
        ExpectSameBooks(p, {1});
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

// A fresh populate placing more blocks from the system than PlacedBlocks
// keeps (16): the hand-over to PoolApplyCaching() is refused and the
// caching change walks the slots instead. Blocks of 4, 2 and 1 pages (no
// larger order to be had), 16, 17 and 32 of them, for both cachings:
// every struct page, the allocator, the pools, the counters and the books
// as the reference leaves them, every page changed once.
TEST(Populate, AFreshPopulateOfMoreThanSixteenSystemBlocksChangesTheCachingAsTheReferenceDoes) {
  for (const Caching caching : {Caching::kWriteCombined, Caching::kUncached}) {
    for (const uint64_t fours : {14, 15, 30}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(caching)) + " " + std::to_string(fours));
      Pair p;
      p.Apply(Allocate(1, 3));
      p.Apply(PopulateEvent{1, true});  // the next blocks' frames start off a chunk boundary
      p.Apply(testing::FailOrdersFrom(3));
      const uint64_t pages = 4 * fours + 2 + 1;
      p.Apply(Allocate(2, pages, caching));
      EXPECT_TRUE(p.Apply(PopulateEvent{2, true}).violations.empty());
      EXPECT_EQ(p.fast.counters().pool.caching_changes, pages);
      EXPECT_EQ(CounterValues(p.fast.counters()), CounterValues(p.slow.counters()));
      EXPECT_EQ(testing::CachingLayout(p.fast, 2), testing::CachingLayout(p.slow, 2));
      ExpectSameBooks(p, {1, 2});
      ExpectSameMachine(p);
    }
  }
}

// The fault-site calls an object's operations made, per site.
std::vector<uint64_t> ObjectCalls(const TtObject& tt) {
  std::vector<uint64_t> v;
  if (!tt.fault_calls) return v;
  for (const CallCount& c : *tt.fault_calls) {
    v.push_back(c.all);
    v.push_back(c.interruptible);
  }
  return v;
}

// Random events on a fast and a reference engine of an odd machine (two
// zones, a small MAX_ORDER, a pool of each kind): objects of odd sizes,
// populated, written, backed up (partly, when swap runs short),
// repopulated, freed, with faults armed at every populate site, often in
// the middle of a block or a restore chunk. After every event both must
// agree on the return, the findings, every counter and peak, the owner
// counts and each live object's slots, cachings and per-object fault
// calls.
// Return: the fast engine's counters at the end.
Counters RunRandomEvents(uint64_t seed, const Config& config, Semantics semantics) {
  const MachineConfig machine = Resolve(config);
  Pair p(config, semantics);
  Engine& fast = p.fast;
  Engine& slow = p.slow;
  Prng rng(seed);
  auto pick = [&](uint64_t n) { return rng.Below(n); };
  std::vector<uint64_t> live;
  uint64_t next_id = 1;
  for (int step = 0; step < 400; ++step) {
    EventBody e;
    const uint64_t kind = pick(100);
    const uint64_t id = live.empty() ? 0 : live[pick(live.size())];
    if (live.empty() || kind < 12) {
      const Caching caching = static_cast<Caching>(pick(3));
      const uint64_t pages = 1 + (pick(4) == 0 ? pick(machine.system_pages / 4) : pick(300));
      e = Allocate(next_id, pages, caching, pick(3) == 0, pick(2) == 0);
      live.push_back(next_id++);
    } else if (kind < 40) {
      e = PopulateEvent{id, pick(4) != 0};
    } else if (kind < 52) {
      e = WriteEvent{id, std::nullopt, std::nullopt};
    } else if (kind < 66) {
      e = ShrinkEvent{id, pick(8) == 0, pick(4) == 0};
    } else if (kind < 72) {
      e = UnpopulateEvent{id};
    } else if (kind < 78) {
      e = FreeEvent{id};
      live.erase(std::find(live.begin(), live.end(), id));
    } else if (kind < 82) {
      e = SetSwapPages(pick(machine.system_pages));
    } else if (kind < 84) {
      e = PoolShrinkEvent{};
    } else {
      const FaultSite sites[] = {FaultSite::kAllocPage, FaultSite::kDmaMap, FaultSite::kSetCaching,
                                 FaultSite::kCopyPage, FaultSite::kAllocRestore};
      FailEvent f = testing::Fail(sites[pick(5)], pick(40), 1 + pick(3));
      if (f.site == FaultSite::kAllocPage && pick(2) == 0) f.min_order = static_cast<uint32_t>(pick(4));
      e = f;
    }
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
    p.Apply(e);
    EXPECT_EQ(CounterValues(fast.counters()), CounterValues(slow.counters()));
    const TtmModel& x = EngineTestPeer::View(fast);
    const TtmModel& y = EngineTestPeer::View(slow);
    EXPECT_EQ(OwnerCounts(x), OwnerCounts(y));
    EXPECT_EQ(x.allocator().used_pages(), y.allocator().used_pages());
    for (uint64_t t : live) {
      EXPECT_EQ(SlotLayout(fast, t), SlotLayout(slow, t)) << t;
      EXPECT_EQ(testing::CachingLayout(fast, t), testing::CachingLayout(slow, t)) << t;
      EXPECT_EQ(Tt(fast, t).owned_pages, Tt(slow, t).owned_pages) << t;
      EXPECT_EQ(Tt(fast, t).resident_slots, Tt(slow, t).resident_slots) << t;
      EXPECT_EQ(Tt(fast, t).handle_slots, Tt(slow, t).handle_slots) << t;
      EXPECT_EQ(ObjectCalls(Tt(fast, t)), ObjectCalls(Tt(slow, t))) << t;
    }
    if (::testing::Test::HasFailure()) break;  // the first difference is the message
  }
  return fast.counters();
}

// Seeds 1..6 of RunRandomEvents() under one semantics, each on its own
// machine. Return: the sums of the counters, which show which paths ran.
Counters RunRandomMachines(Semantics semantics) {
  Counters all;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Config c;
    c.system_pages = 6144 + 1000 * (seed % 3);  // not a multiple of a big block
    c.dma32_pages = seed % 2 == 0 ? 2048 : 5000;  // two zones, one boundary unaligned
    c.max_order = seed % 3 == 0 ? 3 : 10;
    c.use_dma_alloc = seed == 4;
    c.numa_node = seed == 5;
    c.use_dma32 = seed == 6;
    testing::AddCounters(all, RunRandomEvents(seed, c, semantics));
    if (::testing::Test::HasFailure()) break;
  }
  return all;
}

TEST(Populate, RandomEventsWithFaultsKeepTheSameBooksOnBothPaths) {
  const Counters all = RunRandomMachines(Semantics::kV13);
  // The events reached every part of the populate path.
  EXPECT_GT(all.pool.hits, 20u);
  EXPECT_GT(all.pool.order_fallbacks, 5u);
  EXPECT_GT(all.restore.pages_from_backup, 1000u);
  EXPECT_GT(all.restore.pages_from_retained, 10u);
  EXPECT_GT(all.restore.restarts, 0u);
  EXPECT_GT(all.pool.caching_changes, 1000u);
}

TEST(Populate, RandomEventsWithFaultsKeepTheSameBooksOnBothPathsUnderTheMergedCode) {
  const Counters all = RunRandomMachines(Semantics::kMerged);
  EXPECT_GT(all.pool.hits, 20u);
  EXPECT_GT(all.restore.pages_from_backup, 1000u);
  EXPECT_GT(all.pool.caching_changes, 1000u);
}

// A resumed restore whose final caching change meets a stale slot: the
// pages before it were changed, and counted, when the kernel oopses.
TEST(Populate, ACachingChangeThatCrashesOnAStaleSlotCountsThePagesBefore) {
  Pair p;
  p.Apply(Allocate(1, 64, Caching::kWriteCombined));
  p.Apply(Allocate(2, 8));
  p.Apply(PopulateEvent{1, true});
  p.Apply(PopulateEvent{2, true});
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  p.Apply(ShrinkEvent{1, false, false});
  // The restore stops with EINTR at its 41st copy, the block placed.
  p.Apply(testing::EintrAtCopy(40));
  p.Apply(PopulateEvent{1, true});
  ExpectSameBooks(p, {1, 2});
  p.OnBoth([](TtmModel& m) { m.PokeSlotForTest(*m.FindTt(1), 10, m.FindTt(2)->pages.Get(0)); });
  const uint64_t before = p.fast.counters().pool.caching_changes;
  EXPECT_FALSE(p.Apply(PopulateEvent{1, true}).violations.empty());
  EXPECT_EQ(p.fast.counters().pool.caching_changes, before + 10);
  EXPECT_EQ(p.fast.counters().pool.caching_changes, p.slow.counters().pool.caching_changes);
  EXPECT_EQ(testing::CachingLayout(p.fast, 1), testing::CachingLayout(p.slow, 1));
}

// The run helpers of the populate path against the per-page tests and
// stores they replace: every length up to a few vector steps, an odd
// entry at every position (and none).
TEST(RunHelpers, AllHeldByAnswersAsAPageByPageTestForEveryOddPageAndLength) {
  for (uint64_t n = 0; n <= 37; ++n) {
    for (uint64_t odd = 0; odd <= n; ++odd) {  // odd == n: none
      std::vector<Page> frames(n + 1);
      for (Page& p : frames) p.owner = Owner::kKernel;
      frames[n].owner = Owner::kPool;  // past the end: not looked at
      if (odd < n) frames[odd].owner = odd % 2 ? Owner::kTt : Owner::kOrphan;
      for (Owner o : {Owner::kKernel, Owner::kOrphan, Owner::kSystem}) {
        bool want = true;
        for (uint64_t k = 0; k < n; ++k) want = want && frames[k].owner == o;
        EXPECT_EQ(AllHeldBy(frames.data(), n, o), want) << n << " " << odd;
      }
      EXPECT_EQ(AllHeldBy(frames.data(), n, Owner::kKernel), odd == n) << n << " " << odd;
    }
  }
  // Owners whose bits OR and AND to the wanted one without being it.
  std::vector<Page> frames(2);
  frames[0].owner = static_cast<Owner>(1);  // kKernel
  frames[1].owner = static_cast<Owner>(3);  // kTt
  EXPECT_FALSE(AllHeldBy(frames.data(), 2, Owner::kKernel));
  EXPECT_FALSE(AllHeldBy(frames.data(), 2, Owner::kTt));
}

// TakeHeldBy() against a page-by-page walk: every length up to a few
// groups of four, one or two pages of another owner anywhere (and none).
// take() overwrites the page's owner, as the populate's stores do, so a
// group must be judged on the owners read before it is taken.
TEST(RunHelpers, TakeHeldByTakesAndHandsOverEachPageAsAPageByPageWalkDoes) {
  for (uint64_t n = 0; n <= 21; ++n) {
    for (uint64_t odd1 = 0; odd1 <= n; ++odd1) {
      for (uint64_t odd2 = odd1; odd2 <= n; ++odd2) {  // == n: none
        std::vector<Page> frames(n + 1);
        for (Page& pg : frames) pg.owner = Owner::kPool;
        frames[n].owner = Owner::kOrphan;  // past the end: not looked at
        if (odd1 < n) frames[odd1].owner = Owner::kTt;
        if (odd2 < n) frames[odd2].owner = Owner::kSystem;
        std::vector<Page> want = frames;
        std::string want_order, order;
        uint64_t want_others = 0;
        for (uint64_t k = 0; k < n; ++k) {
          const bool held = want[k].owner == Owner::kPool;
          want[k].owner = Owner::kKernel;
          want[k].aux = held ? 1 : 2;
          want_order += held ? 't' : 'o';
          want_others += !held;
        }
        const uint64_t others = TakeHeldBy(
            frames.data(), n, Owner::kPool,
            [&](uint64_t k) {
              frames[k].owner = Owner::kKernel;
              frames[k].aux = 1;
              order += 't';
            },
            [&](uint64_t k) {
              frames[k].owner = Owner::kKernel;
              frames[k].aux = 2;
              order += 'o';
            });
        EXPECT_EQ(others, want_others) << n << " " << odd1 << " " << odd2;
        EXPECT_EQ(frames, want) << n << " " << odd1 << " " << odd2;
        EXPECT_EQ(order, want_order) << n << " " << odd1 << " " << odd2;
      }
    }
  }
}

TEST(RunHelpers, AllNullSlotsAnswersAsASlotBySlotTestForEveryOddSlotAndLength) {
  for (uint64_t n = 0; n <= 37; ++n) {
    for (uint64_t odd = 0; odd <= n; ++odd) {
      std::vector<Slot> slots(n + 1, Slot());
      slots[n] = Slot::Page(3);  // past the end: not looked at
      if (odd < n) slots[odd] = odd % 3 == 0 ? Slot::Handle(0) : odd % 3 == 1 ? Slot::Page(0) : Slot::Handle(9);
      EXPECT_EQ(AllNullSlots(slots.data(), n), odd == n) << n << " " << odd;
    }
  }
}

TEST(RunHelpers, SlotsAscendingRunStopsWhereASlotBySlotWalkStops) {
  for (const Slot from : {Slot::Page(0), Slot::Page(4000), Slot::Handle(1), Slot::Handle(77)}) {
    for (uint64_t n = 0; n <= 70; ++n) {
      for (uint64_t odd = 0; odd <= n; ++odd) {  // odd == n: all ascend
        std::vector<Slot> s;
        for (uint64_t k = 0; k <= n; ++k)
          s.push_back(from.is_page() ? Slot::Page(from.pfn() + static_cast<Pfn>(k)) : Slot::Handle(from.handle() + k));
        // The slot past the end ascends too: it must not be counted.
        if (odd < n) s[odd] = odd % 2 ? Slot() : from.is_page() ? Slot::Page(from.pfn() + static_cast<Pfn>(odd) + 1)
                                                                : Slot::Handle(from.handle() + odd - 1);
        uint64_t want = 0;
        while (want < n && s[want] == (from.is_page() ? Slot::Page(from.pfn() + static_cast<Pfn>(want))
                                                      : Slot::Handle(from.handle() + want)))
          ++want;
        EXPECT_EQ(SlotsAscendingRun(s.data(), n, from), want) << n << " " << odd;
      }
    }
  }
}

TEST(RunHelpers, PlaceRunStoresWhatSetSlotAtStoresSlotBySlot) {
  Prng rng(7);
  for (uint64_t n = 0; n <= 37; ++n) {
    std::vector<Slot> slots(n + 1), want_slots;
    std::vector<Page> frames(n + 1), want_frames;
    for (uint64_t k = 0; k <= n; ++k) {
      slots[k] = rng.Below(2) ? Slot::Handle(rng.Below(100)) : Slot();
      frames[k].token = static_cast<Token>(rng.Below(1u << 30));
      frames[k].private_order = static_cast<uint8_t>(rng.Below(11));
      frames[k].caching = static_cast<PageCaching>(rng.Below(3));
      frames[k].mapped = rng.Below(2);
      frames[k].tail = rng.Below(2);
      frames[k].owner = Owner::kKernel;
    }
    want_slots = slots;
    want_frames = frames;
    const uint64_t first = 4090 + n;  // aux crosses nothing but grows
    const Pfn f = static_cast<Pfn>(1000 + 7 * n);
    for (uint64_t k = 0; k < n; ++k) {
      want_slots[k] = Slot::Page(f + static_cast<Pfn>(k));
      want_frames[k].owner = Owner::kTt;
      want_frames[k].owner_id = 5;
      want_frames[k].aux = static_cast<uint32_t>(first + k);
    }
    PlaceRun(slots.data(), frames.data(), first, f, 5, n);
    EXPECT_EQ(slots, want_slots) << n;
    EXPECT_EQ(frames, want_frames) << n;
  }
}

// A write-combined tt of blocks of 64, 8, 2 and 1 pages from the system:
// its caching change walks runs of frames in order that end inside a
// chunk of slots, each page changed and counted once.
TEST(Populate, ACachingChangeOverSeveralBlocksCountsEachPageAsTheReferenceDoes) {
  Pair p;
  p.Apply(Allocate(1, 3));
  p.Apply(PopulateEvent{1, true});  // the next blocks' frames are not consecutive
  p.Apply(Allocate(2, 64 + 8 + 2 + 1, Caching::kWriteCombined));
  EXPECT_TRUE(p.Apply(PopulateEvent{2, true}).violations.empty());
  EXPECT_EQ(p.fast.counters().pool.caching_changes, 75u);
  EXPECT_EQ(CounterValues(p.fast.counters()), CounterValues(p.slow.counters()));
  EXPECT_EQ(testing::CachingLayout(p.fast, 2), testing::CachingLayout(p.slow, 2));
  ExpectSameBooks(p, {1, 2});
}

// A backed-up write-combined tt of several blocks per restore chunk, its
// handles broken by hand at odd places (an empty slot, handle 0, a stale
// page), and free frames claimed by another owner: each stretch of slots that is not the usual one goes slot by
// slot, the rest a stretch at a time, with the same books, layout,
// cachings and counters.
TEST(Populate, ARestoreOverBrokenSlotsAndAClaimedFrameKeepsTheSameBooks) {
  Pair p;
  p.Apply(Allocate(1, 300, Caching::kWriteCombined));
  p.Apply(Allocate(2, 8));
  p.Apply(PopulateEvent{1, true});
  p.Apply(PopulateEvent{2, true});
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  p.Apply(ShrinkEvent{1, false, false});
  p.Apply(PoolShrinkEvent{});
  p.OnBoth([](TtmModel& m) {
    TtObject& tt = *m.FindTt(1);
    m.PokeSlotForTest(tt, 17, Slot());
    m.PokeSlotForTest(tt, 270, Slot::Handle(0));
    m.PokeSlotForTest(tt, 290, m.FindTt(2)->pages.Get(3));
    // Some free frames claimed by nobody in the books: the restore's
    // blocks are taken from among them.
    for (Pfn f = 0; f < 4096; f += 97)
      if (m.page(f).owner == Owner::kSystem) m.PageForTest(f).owner = Owner::kOrphan;
  });
  // The stale page, moved to old_pages, crashes the restore at its entry.
  EXPECT_FALSE(p.Apply(PopulateEvent{1, true}).violations.empty());
  EXPECT_EQ(testing::CachingLayout(p.fast, 1), testing::CachingLayout(p.slow, 1));
  EXPECT_EQ(CounterValues(p.fast.counters()), CounterValues(p.slow.counters()));
  EXPECT_GT(p.fast.counters().restore.pages_from_backup, 250u);
  ExpectSameBooks(p, {1, 2});
}

// What each slot holds, content included: a page's token, a handle's
// number (negated, so that it differs from any token), or 0.
std::vector<uint64_t> SlotContents(Engine& engine, uint64_t id) {
  const TtmModel& m = EngineTestPeer::Model(engine);
  const TtObject& tt = Tt(engine, id);
  std::vector<uint64_t> v;
  for (uint64_t i = 0; i < tt.num_pages; ++i) {
    const Slot s = tt.pages.Get(i);
    v.push_back(s.is_page() ? m.page(s.pfn()).token : s.is_handle() ? ~s.handle() : 0);
  }
  return v;
}

// The restore struct of tt `id`, field by field, old_pages included
// (empty when there is none).
std::vector<uint64_t> RestoreFields(Engine& engine, uint64_t id) {
  const RestoreState* r = Tt(engine, id).restore.get();
  if (r == nullptr) return {};
  std::vector<uint64_t> v = {r->alloced_pages, r->restored_pages, r->first_page, r->caching_divide,
                             r->order, r->old_pages.size(), r->memory.size()};
  for (const Slot s : r->old_pages) v.push_back(s.is_page() ? s.pfn() : s.is_handle() ? ~s.handle() : 0);
  return v;
}

// Every fault site's calls on the machine, all and interruptible.
std::vector<uint64_t> MachineCalls(Engine& engine) {
  std::vector<uint64_t> v;
  for (int s = 0; s < kNumFaultSites; ++s) {
    const CallCount& c = EngineTestPeer::Model(engine).faults().calls(static_cast<FaultSite>(s));
    v.push_back(c.all);
    v.push_back(c.interruptible);
  }
  return v;
}

// Both engines agree on everything a restore leaves in tt `id`: the
// books, the slots and their content, the cachings, every counter, the
// restore struct and the fault sites' calls.
void ExpectSameRestore(Pair& p, uint64_t id) {
  ExpectSameBooks(p, {id});
  EXPECT_EQ(SlotContents(p.fast, id), SlotContents(p.slow, id));
  EXPECT_EQ(testing::CachingLayout(p.fast, id), testing::CachingLayout(p.slow, id));
  EXPECT_EQ(CounterValues(p.fast.counters()), CounterValues(p.slow.counters()));
  EXPECT_EQ(RestoreFields(p.fast, id), RestoreFields(p.slow, id));
  EXPECT_EQ(ObjectCalls(Tt(p.fast, id)), ObjectCalls(Tt(p.slow, id)));
  EXPECT_EQ(MachineCalls(p.fast), MachineCalls(p.slow));
  EXPECT_EQ(p.fast.Check(CheckScope::kFull).size(), p.slow.Check(CheckScope::kFull).size());
  EXPECT_EQ(EngineTestPeer::Model(p.fast).store().live_pages(Tt(p.fast, id).backup),
            EngineTestPeer::Model(p.slow).store().live_pages(Tt(p.slow, id).backup));
}

// Tt 1, of 300 pages (blocks of 256, 32, 8 and 4) unless a test says
// otherwise, written and backed up whole.
void WriteAndBackUp(Pair& p, uint64_t pages = 300, Caching caching = Caching::kCached, bool dma = false) {
  p.Apply(Allocate(1, pages, caching, dma));
  p.Apply(PopulateEvent{1, true});
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  p.Apply(ShrinkEvent{1, false, false});
  ASSERT_EQ(Tt(p.fast, 1).handle_slots, pages);
}

// The restore copies a block's run of handles into the pages just placed,
// checking the content of the run four tokens at a time: one token that
// was not last written there, in the middle of the first block, is
// reported at its slot, and the copies before and after it are the
// reference's.
TEST(Restore, ABackedUpTokenThatWasNotLastWrittenInTheMiddleOfABlockIsReportedAsTheReferenceDoes) {
  for (const uint64_t bad : {0u, 1u, 5u, 130u, 255u, 256u, 299u}) {
    SCOPED_TRACE(bad);
    Pair p;
    ASSERT_NO_FATAL_FAILURE(WriteAndBackUp(p));
    p.OnBoth([&](TtmModel& m) {
      TtObject& tt = *m.FindTt(1);
      const Handle h = tt.pages.Get(bad).handle();
      m.StoreForTest().BackupPage(tt.backup, h - 1, *m.store().Peek(tt.backup, h) ^ 1, false);
    });
    EXPECT_FALSE(p.Apply(PopulateEvent{1, true}).violations.empty());
    EXPECT_EQ(p.fast.counters().integrity.mismatches, 1u);
    ExpectSameRestore(p, 1);
  }
}

// A copy fault armed in the middle of a block stops the restore there
// (EINTR); the next populate resumes half way through the chunk.
TEST(Restore, ACopyFaultInTheMiddleOfABlockStopsAndResumesAsTheReferenceDoes) {
  for (const uint64_t after : {1u, 3u, 100u, 255u, 256u, 270u}) {
    SCOPED_TRACE(after);
    Pair p;
    ASSERT_NO_FATAL_FAILURE(WriteAndBackUp(p));
    p.Apply(testing::EintrAtCopy(after));
    p.Apply(PopulateEvent{1, true});
    EXPECT_EQ(p.fast.counters().restore.pages_from_backup, after);
    ExpectSameRestore(p, 1);
    EXPECT_TRUE(p.Apply(PopulateEvent{1, true}).violations.empty());
    EXPECT_EQ(p.fast.counters().restore.pages_from_backup, 300u);
    ExpectSameRestore(p, 1);
  }
}

// A restore resumed at slot 4 after four single pages: its blocks of 1024
// then start 4 slots past a multiple of 1024, so one of them straddles
// the first chunk of slots (4096 entries). Both its halves are moved,
// placed and copied into as the reference does.
TEST(Restore, ABlockStraddlingAChunkOfSlotsIsRestoredAsTheReferenceDoes) {
  Config c;
  c.system_pages = 16384;
  c.dma32_pages = 16384;
  Pair p(c);
  ASSERT_NO_FATAL_FAILURE(WriteAndBackUp(p, 6000));
  // Orders 10..1 fail once each: the restore goes on in single pages,
  // and stops (EINTR) at the copy into the fourth.
  p.Apply(testing::FailOrdersFrom(1, 10));
  p.Apply(testing::EintrAtCopy(3));
  p.Apply(PopulateEvent{1, true});
  EXPECT_EQ(p.fast.counters().restore.pages_from_backup, 3u);
  ExpectSameRestore(p, 1);
  EXPECT_TRUE(p.Apply(PopulateEvent{1, true}).violations.empty());
  EXPECT_EQ(p.fast.counters().restore.pages_from_backup, 6000u);
  ExpectSameRestore(p, 1);
  // Slots 4095 and 4096 hold consecutive frames: one block.
  const TtObject& tt = Tt(p.fast, 1);
  ASSERT_TRUE(tt.pages.Get(4095).is_page());
  EXPECT_EQ(tt.pages.Get(4096), Slot::Page(tt.pages.Get(4095).pfn() + 1));
}

// The restore moves, places and copies a whole block in one pass when no
// copy fault is armed. A fault armed at any populate site, at every call
// position the restore reaches, stops the populate where the reference
// stops it (the blocks before it restored in one pass, the rest not), and
// the next populate resumes or restarts as the reference does; the tt
// has each caching, with and without a dma array.
TEST(Restore, AFaultAtEveryPositionOfARestoreStopsAndResumesAsTheReferenceDoes) {
  const FaultSite sites[] = {FaultSite::kAllocPage, FaultSite::kDmaMap, FaultSite::kSetCaching,
                             FaultSite::kCopyPage, FaultSite::kAllocRestore};
  for (const FaultSite site : sites) {
    for (const Caching caching : {Caching::kCached, Caching::kWriteCombined, Caching::kUncached}) {
      const bool dma = site == FaultSite::kDmaMap || caching == Caching::kUncached;
      // 300 pages restore as blocks of 256, 32, 8 and 4: a few calls at
      // each site but the copy, which is called once a page.
      const uint64_t positions = site == FaultSite::kCopyPage ? 301 : 6;
      for (uint64_t after = 0; after < positions; ++after) {
        SCOPED_TRACE(std::to_string(static_cast<int>(site)) + " " +
                     std::to_string(static_cast<int>(caching)) + " " + std::to_string(after));
        Pair p;
        ASSERT_NO_FATAL_FAILURE(WriteAndBackUp(p, 300, caching, dma));
        FailEvent f = testing::Fail(site, after);
        if (site == FaultSite::kCopyPage && after % 2 == 1) f.error = kEINTR;
        p.Apply(f);
        p.Apply(PopulateEvent{1, true});
        ExpectSameRestore(p, 1);
        p.Apply(PopulateEvent{1, after % 3 != 0});
        ExpectSameRestore(p, 1);
        p.Apply(PopulateEvent{1, true});
        ExpectSameRestore(p, 1);
        if (::testing::Test::HasFailure()) return;  // the first difference is the message
      }
    }
  }
}

// Each way a block can fail the one-pass restore, made by hand on both
// engines: two handles swapped, a handle's backup entry dropped, a
// handle 0, a NULL slot, a second run of content inside a block, a
// backed-up token not last written there, a low free frame with a wrong
// owner, content written to part of a block and nowhere else, a handle 0
// (4.11) whose entry stays in old_pages under the next block of a
// populate that then fails. Each block is restored (or reported, or
// crashed on) as the reference does, and the restore struct left behind
// is the reference's.
TEST(Restore, ABlockThatIsNotTheUsualOneIsRestoredAsTheReferenceDoes) {
  for (int how = 0; how < 9; ++how) {
    for (const uint64_t at : {0u, 3u, 255u, 256u, 270u, 299u}) {
      SCOPED_TRACE(std::to_string(how) + " at " + std::to_string(at));
      Pair p;
      p.Apply(Allocate(1, 300, Caching::kCached, /*dma=*/how == 8));
      p.Apply(PopulateEvent{1, true});
      if (how != 7) p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
      if (how == 4 || how == 7) p.Apply(WriteEvent{1, at, 3});  // a run of content inside a block
      p.Apply(ShrinkEvent{1, false, false});
      ASSERT_EQ(Tt(p.fast, 1).handle_slots, 300u);
      p.OnBoth([&](TtmModel& m) {
        TtObject& tt = *m.FindTt(1);
        const uint64_t other = at == 299 ? 298 : at + 1;
        const Slot s = tt.pages.Get(at);
        switch (how) {
          case 0:  // handles out of order
            m.PokeSlotForTest(tt, at, tt.pages.Get(other));
            m.PokeSlotForTest(tt, other, s);
            break;
          case 1:  // an entry lost from the backup
            m.StoreForTest().Drop(tt.backup, s.handle());
            break;
          case 2:  // handle 0 (4.11)
          case 8:
            m.PokeSlotForTest(tt, at, Slot::Handle(0));
            break;
          case 3:  // a stray NULL slot
            m.PokeSlotForTest(tt, at, Slot());
            break;
          case 5:  // the content of a slot not last written there
            m.StoreForTest().BackupPage(tt.backup, s.handle() - 1, *m.store().Peek(tt.backup, s.handle()) ^ 1,
                                        false);
            break;
          case 6:  // a low frame (the restore's blocks come from there) claimed by nobody
            m.PageForTest(static_cast<Pfn>(at)).owner = Owner::kOrphan;
            break;
          default:
            break;
        }
      });
      // The third block's dma mapping fails: the populate stops with the
      // second block's chunk in the restore struct.
      if (how == 8) p.Apply(testing::Fail(FaultSite::kDmaMap, 2));
      p.Apply(PopulateEvent{1, true});
      ExpectSameRestore(p, 1);
      p.Apply(PopulateEvent{1, true});
      ExpectSameRestore(p, 1);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// A restore whose blocks come partly from a pool of another caching and
// partly from the system, into tts of each caching, with and without a
// dma array: the one-pass blocks, then the caching change over them, as
// the reference does.
TEST(Restore, ARestoreFromPoolsOfMixedCachingIsRestoredAsTheReferenceDoes) {
  for (const Caching caching : {Caching::kCached, Caching::kWriteCombined, Caching::kUncached}) {
    for (const bool dma : {false, true}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(caching)) + (dma ? " dma" : ""));
      Pair p;
      // Pool blocks of each caching, of orders 5 and 3.
      uint64_t id = 10;
      for (const Caching pooled : {Caching::kCached, Caching::kWriteCombined, Caching::kUncached}) {
        for (const uint64_t pages : {32u, 8u}) {
          p.Apply(Allocate(id, pages, pooled));
          p.Apply(PopulateEvent{id, true});
          ++id;
        }
      }
      for (uint64_t t = 10; t < id; ++t) p.Apply(FreeEvent{t});
      ASSERT_NO_FATAL_FAILURE(WriteAndBackUp(p, 300, caching, dma));
      EXPECT_TRUE(p.Apply(PopulateEvent{1, true}).violations.empty());
      EXPECT_EQ(p.fast.counters().restore.pages_from_backup, 300u);
      ExpectSameRestore(p, 1);
    }
  }
}

// Pooled pages whose caching is not their pool's (changed by hand) are
// taken into a populate and into a restore, whose caching change finds
// and counts them as the reference does.
TEST(Populate, PooledPagesOfAnotherCachingAreTakenAndChangedAsTheReferenceDoes) {
  for (const bool restore : {false, true}) {
    SCOPED_TRACE(restore);
    Pair p;
    p.Apply(Allocate(2, 300, Caching::kWriteCombined));
    p.Apply(PopulateEvent{2, true});
    if (restore) {
      ASSERT_NO_FATAL_FAILURE(WriteAndBackUp(p, 300, Caching::kWriteCombined));
    }
    p.Apply(FreeEvent{2});  // its blocks go to the write-combined pool
    p.OnBoth([](TtmModel& m) {
      for (uint32_t order : {8u, 5u, 3u, 2u}) {
        PooledPage(m, Caching::kWriteCombined, order).caching = PageCaching::kWB;
        PooledPage(m, Caching::kWriteCombined, order, (uint64_t{1} << order) - 1).caching = PageCaching::kUC;
      }
    });
    if (!restore) p.Apply(Allocate(1, 300, Caching::kWriteCombined));
    p.Apply(PopulateEvent{1, true});
    EXPECT_EQ(p.fast.counters().pool.hits, 4u);
    ExpectSameRestore(p, 1);
  }
}

}  // namespace
}  // namespace ttm
