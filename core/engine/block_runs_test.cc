// Issue 11: the fast engine backs up and frees pages a run at a time where
// the kernel's per-page loop has nothing to decide:
// - the V13 backup loop (PoolBackupRun()) stores, frees and replaces a run
//   of slots holding consecutive frames their slots own at once, with no
//   fault armed at backup_page and room in the store for the whole run;
// - the free paths hand a block owned by consecutive slots of one tt to
//   the system or a pool with its counts gathered once.
// The reference engine goes page by page. Both must leave exactly the same
// state: every struct page, the allocator, the store, every slot and
// count, the fault-site calls (global and per object) and the counters.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"
#include "core/prng.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::EintrAtCopy;
using testing::ExpectSameMachine;
using testing::Fail;
using testing::FailOrdersFrom;
using testing::Invariants;
using testing::SetSwapPages;
using testing::Tt;
using Pair = testing::FastAndReference;

void ExpectSameCalls(const ClonePtr<CallCounts>& a, const ClonePtr<CallCounts>& b) {
  ASSERT_EQ(a == nullptr, b == nullptr);
  if (a == nullptr) return;
  for (int s = 0; s < kNumFaultSites; ++s) {
    EXPECT_EQ((*a)[s].all, (*b)[s].all) << s;
    EXPECT_EQ((*a)[s].interruptible, (*b)[s].interruptible) << s;
  }
}

// Everything the two engines hold, compared.
void ExpectSameState(Pair& p) {
  const TtmModel& a = EngineTestPeer::Model(p.fast);
  const TtmModel& b = EngineTestPeer::Model(p.slow);
  ExpectSameMachine(p);
  EXPECT_EQ(a.store().held_pages(), b.store().held_pages());
  EXPECT_EQ(a.store().writeback_pages(), b.store().writeback_pages());
  for (int s = 0; s < kNumFaultSites; ++s) {
    const FaultSite site = static_cast<FaultSite>(s);
    EXPECT_EQ(a.faults().calls(site).all, b.faults().calls(site).all) << s;
    EXPECT_EQ(a.faults().calls(site).interruptible, b.faults().calls(site).interruptible) << s;
    EXPECT_EQ(a.faults().fired(site), b.faults().fired(site)) << s;
  }
  EXPECT_EQ(a.live_tts(), b.live_tts());
  a.ForEachTt([&](const TtObject& x) {
    const TtObject* y = b.FindTt(x.id);
    ASSERT_NE(y, nullptr) << x.id;
    EXPECT_EQ(x.owned_pages, y->owned_pages) << x.id;
    EXPECT_EQ(x.resident_slots, y->resident_slots) << x.id;
    EXPECT_EQ(x.handle_slots, y->handle_slots) << x.id;
    EXPECT_EQ(x.page_flags, y->page_flags) << x.id;
    EXPECT_EQ(x.backup, y->backup) << x.id;
    ExpectSameCalls(x.fault_calls, y->fault_calls);
    for (uint64_t i = 0; i < x.num_pages; ++i) {
      ASSERT_TRUE(x.pages.Get(i) == y->pages.Get(i)) << "tt " << x.id << " slot " << i;
      ASSERT_EQ(a.store().IsLive(x.backup, i), b.store().IsLive(y->backup, i)) << x.id << " " << i;
      ASSERT_EQ(a.store().Peek(x.backup, i + 1), b.store().Peek(y->backup, i + 1)) << x.id << " " << i;
    }
  });
}

// Tts 1 (700 pages, written) and 2 (300) in multi-page blocks; 3 (200)
// forced into order-0 pages, populated after a free in between so that
// its frames are not all consecutive.
void PopulateThree(Pair& p) {
  p.Apply(Allocate(1, 700));
  p.Apply(Allocate(2, 300));
  p.Apply(Allocate(9, 40));
  p.Apply(Allocate(3, 200));
  p.Apply(PopulateEvent{1, true});
  p.Apply(PopulateEvent{9, true});
  p.Apply(PopulateEvent{2, true});
  p.Apply(FreeEvent{9});
  p.Apply(FailOrdersFrom(1));
  p.Apply(PopulateEvent{3, true});
  p.Apply(Fail(FaultSite::kAllocPage, 0, 0));  // disarmed
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  p.Apply(WriteEvent{3, std::nullopt, std::nullopt});
}

TEST(BackupRun, WholeBackupsOfBlocksAndScatteredPagesLeaveTheSameState) {
  Pair p;
  PopulateThree(p);
  ExpectSameState(p);
  EXPECT_EQ(p.Apply(ShrinkEvent{1, false, true}).ret, 700);
  ExpectSameState(p);
  EXPECT_EQ(p.Apply(ShrinkEvent{3, false, false}).ret, 200);
  ExpectSameState(p);
  EXPECT_EQ(p.Apply(ShrinkEvent{2, false, false}).ret, 300);
  ExpectSameState(p);
  EXPECT_EQ(p.Apply(PopulateEvent{1, true}).ret, 0);
  ExpectSameState(p);
}

TEST(BackupRun, AFaultArmedAtAnyPageOfTheRunStopsBothAtThatPage) {
  for (uint64_t after : {0, 1, 2, 63, 64, 65, 100, 511, 512, 513, 699}) {
    Pair p;
    PopulateThree(p);
    p.Apply(Fail(FaultSite::kBackupPage, after, 2));
    const Outcome out = p.Apply(ShrinkEvent{1, false, false});
    EXPECT_EQ(out.ret, after == 0 ? static_cast<int64_t>(kENOMEM) : static_cast<int64_t>(after)) << after;
    ExpectSameState(p);
    // The second failing call is the next backup's first page.
    p.Apply(ShrinkEvent{2, false, false});
    ExpectSameState(p);
    p.Apply(ShrinkEvent{3, false, false});
    ExpectSameState(p);
  }
}

TEST(BackupRun, AStoreThatFillsInsideARunStopsBothAtTheSamePage) {
  for (uint64_t swap : {1, 2, 63, 64, 65, 300, 511, 512, 699, 700, 701, 950}) {
    Pair p;
    PopulateThree(p);
    p.Apply(SetSwapPages(swap));
    p.Apply(ShrinkEvent{1, false, false});
    ExpectSameState(p);
    p.Apply(ShrinkEvent{3, false, false});
    ExpectSameState(p);
    p.Apply(SetSwapPages(swap + 37));
    p.Apply(ShrinkEvent{2, false, false});
    ExpectSameState(p);
  }
}

TEST(BackupRun, HalfBackupsStopBothAtTheSameSlot) {
  Pair p;
  PopulateThree(p);
  p.Apply(Fail(FaultSite::kBackupHalf));
  p.Apply(ShrinkEvent{1, false, false});
  ExpectSameState(p);
  p.Apply(Fail(FaultSite::kBackupHalf));
  p.Apply(ShrinkEvent{3, false, false});
  ExpectSameState(p);
}

TEST(BackupRun, OddPagesInsideARunAreTakenPageByPageWithTheSameReports) {
  Pair p;
  PopulateThree(p);
  p.OnBoth([](TtmModel& m) {
    TtObject& tt = *m.FindTt(1);
    // Still mapped, not write-back, a NULL slot, two slots swapped (each
    // slot then holds a page owned by the other: stale, a crash at the
    // first of them).
    m.PageForTest(tt.pages.Get(10).pfn()).mapped = true;
    m.PageForTest(tt.pages.Get(100).pfn()).caching = PageCaching::kWC;
    m.PokeSlotForTest(tt, 300, Slot());
    const Slot a = tt.pages.Get(600), b = tt.pages.Get(601);
    m.PokeSlotForTest(tt, 600, b);
    m.PokeSlotForTest(tt, 601, a);
  });
  EXPECT_FALSE(p.Apply(ShrinkEvent{1, false, false}).violations.empty());
  ExpectSameState(p);
}

TEST(BackupRun, AnUnsplitTailFreedOnItsOwnIsReportedByBoth) {
  Pair p;
  PopulateThree(p);
  // Slot 0's block head loses its order: its tails reach the backup loop
  // unsplit.
  p.OnBoth([](TtmModel& m) { m.PageForTest(m.FindTt(1)->pages.Get(0).pfn()).private_order = 0; });
  EXPECT_FALSE(p.Apply(ShrinkEvent{1, false, false}).violations.empty());
  ExpectSameState(p);
}

// The fast loop finds a run's length four pages at a time and splits only
// at a span's start: a head met inside a block already split (its order
// left), a tail mark no split covers, a page owned by another slot, each
// put at every position around a group of four, must stop or split both
// engines at the same page.
TEST(BackupRun, OddMarksAtAnyPageOfARunStopOrSplitBothAtTheSamePage) {
  for (const uint64_t at : {1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 300, 513, 698}) {
    for (int kind = 0; kind < 5; ++kind) {
      Pair p;
      PopulateThree(p);
      p.OnBoth([&](TtmModel& m) {
        TtObject& tt = *m.FindTt(1);
        Page& pg = m.PageForTest(tt.pages.Get(at).pfn());
        if (kind == 0) {
          pg.private_order = 2;  // a nested head: split away by its block's head
        } else if (kind == 1) {
          pg.tail = true;  // a tail mark the head's split clears
        } else if (kind == 2) {
          // Its block's head forgets its order: the tails after it are
          // never cleared and stop the run.
          for (uint64_t h = at; h > 0; --h) {
            Page& head = m.PageForTest(tt.pages.Get(h).pfn());
            if (head.private_order != 0) {
              head.private_order = 0;
              break;
            }
          }
        } else if (kind == 3) {
          pg.aux = static_cast<uint32_t>(at + 1);  // owned by the next slot
        } else {
          pg.caching = PageCaching::kUC;
        }
      });
      p.Apply(ShrinkEvent{1, false, false});
      ExpectSameState(p);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "at " << at << " kind " << kind;
        return;
      }
    }
  }
}

TEST(BackupRun, DmaTtsAndWriteCombinedTtsLeaveTheSameState) {
  Pair p;
  p.Apply(Allocate(1, 600, Caching::kWriteCombined, true));
  p.Apply(Allocate(2, 333, Caching::kUncached));
  p.Apply(PopulateEvent{1, true});
  p.Apply(PopulateEvent{2, true});
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  p.Apply(ShrinkEvent{1, false, false});
  ExpectSameState(p);
  p.Apply(ShrinkEvent{2, false, true});
  ExpectSameState(p);
  p.Apply(PopulateEvent{1, true});
  ExpectSameState(p);
  p.Apply(UnpopulateEvent{1});
  ExpectSameState(p);
  p.Apply(FreeEvent{2});
  ExpectSameState(p);
}

// The write-back reset before a backup of a write-combined tt walks the
// slots a block at a time: a NULL slot, two swapped slots (each holding a
// page the other owns) or a slot holding another tt's page crash it where
// the page-by-page walk crashes, with the pages before reset.
TEST(SetPagesArrayWb, OddSlotsCrashTheResetAtTheSameSlot) {
  for (const uint64_t odd : {0, 1, 300, 511, 512, 513, 699}) {
    for (int kind = 0; kind < 4; ++kind) {
      Pair p;
      p.Apply(Allocate(1, 700, Caching::kWriteCombined));
      p.Apply(Allocate(2, 50, Caching::kWriteCombined));
      p.Apply(PopulateEvent{1, true});
      p.Apply(PopulateEvent{2, true});
      p.OnBoth([&](TtmModel& m) {
        TtObject& tt = *m.FindTt(1);
        if (kind == 0) {
          m.PokeSlotForTest(tt, odd, Slot());
        } else if (kind == 1) {
          const uint64_t other = odd == 699 ? 698 : odd + 1;
          const Slot a = tt.pages.Get(odd), b = tt.pages.Get(other);
          m.PokeSlotForTest(tt, odd, b);
          m.PokeSlotForTest(tt, other, a);
        } else if (kind == 2) {
          m.PokeSlotForTest(tt, odd, m.FindTt(2)->pages.Get(7));
        } else {
          m.PageForTest(tt.pages.Get(odd).pfn()).aux = 3;  // in its slot, owned by another
        }
      });
      EXPECT_FALSE(p.Apply(ShrinkEvent{1, false, false}).violations.empty());
      ExpectSameState(p);
      EXPECT_EQ(p.fast.counters().pool.caching_changes, p.slow.counters().pool.caching_changes);
    }
  }
}

// Tts of every caching, with and without a dma array, in multi-page
// blocks: written, unpopulated (cached blocks to the system, the others to
// their pools), populated again from the pools and freed.
TEST(FreeBlock, UnpopulatingAndFreeingTtsOfEveryCachingLeavesTheSameState) {
  Pair p;
  p.Apply(Allocate(1, 700));
  p.Apply(Allocate(2, 600, Caching::kWriteCombined, true));
  p.Apply(Allocate(3, 333, Caching::kUncached));
  p.Apply(Allocate(4, 257, Caching::kCached, true));
  for (uint64_t id = 1; id <= 4; ++id) {
    p.Apply(PopulateEvent{id, true});
    p.Apply(WriteEvent{id, std::nullopt, std::nullopt});
  }
  ExpectSameState(p);
  for (uint64_t id = 1; id <= 4; ++id) {
    p.Apply(UnpopulateEvent{id});
    ExpectSameState(p);
  }
  p.Apply(PopulateEvent{2, true});
  p.Apply(PopulateEvent{3, true});
  ExpectSameState(p);
  for (uint64_t id = 1; id <= 4; ++id) {
    p.Apply(FreeEvent{id});
    ExpectSameState(p);
  }
  p.Apply(PoolShrinkEvent{100000});
  ExpectSameState(p);
}

// A block's pages not all held by the slots that own them: a slot
// overwritten (the page it owned is no longer resident), a page owned by
// another slot, a page of another tt. The block is freed page by page, or
// its odd pages are, with the same counts.
TEST(FreeBlock, BlocksWithPagesTheirSlotsDoNotHoldAreFreedWithTheSameCounts) {
  for (const Caching caching : {Caching::kCached, Caching::kWriteCombined}) {
    Pair p;
    p.Apply(Allocate(1, 700, caching));
    p.Apply(Allocate(2, 100, caching));
    p.Apply(PopulateEvent{1, true});
    p.Apply(PopulateEvent{2, true});
    p.OnBoth([](TtmModel& m) {
      TtObject& tt = *m.FindTt(1);
      m.PokeSlotForTest(tt, 5, Slot());                // inside the first block
      m.PokeSlotForTest(tt, 520, Slot::Handle(0));     // inside the second
      // Blocks of their own (slots 640.., 672..), each slot holding its page.
      m.PageForTest(tt.pages.Get(650).pfn()).aux = 3;  // owned by slot 3
      m.PageForTest(tt.pages.Get(680).pfn()).owner_id = m.FindTt(2)->index;
    });
    p.Apply(UnpopulateEvent{1});
    ExpectSameState(p);
    p.Apply(FreeEvent{2});
    ExpectSameState(p);
  }
}

// A block otherwise held and clean, with one page still mapped or of
// another caching, at any position around a group of four: freed to the
// system (a cached tt) or to its pool (a write-combined one), both engines
// report it and leave the same pages and counts; a lone order-0 tail page
// freed on its own is reported by both too.
TEST(FreeBlock, OneOddPageAnywhereInAHeldBlockIsReportedByBothWithTheSameState) {
  for (const Caching caching : {Caching::kCached, Caching::kWriteCombined}) {
    for (const uint64_t at : {0, 1, 3, 4, 5, 100, 511, 512, 515, 699}) {
      for (int kind = 0; kind < 3; ++kind) {
        Pair p;
        p.Apply(Allocate(1, 700, caching));
        if (kind == 2) p.Apply(FailOrdersFrom(1));
        p.Apply(PopulateEvent{1, true});
        p.OnBoth([&](TtmModel& m) {
          Page& pg = m.PageForTest(m.FindTt(1)->pages.Get(at).pfn());
          if (kind == 0) {
            pg.mapped = true;
          } else if (kind == 1) {
            pg.caching = caching == Caching::kCached ? PageCaching::kUC : PageCaching::kWB;
          } else {
            pg.tail = true;  // an order-0 page marked a tail
          }
        });
        EXPECT_FALSE(p.Apply(UnpopulateEvent{1}).violations.empty()) << at << " " << kind;
        ExpectSameState(p);
        if (::testing::Test::HasFailure()) {
          ADD_FAILURE() << "caching " << static_cast<int>(caching) << " at " << at << " kind " << kind;
          return;
        }
      }
    }
  }
}

// Blocks a pool gives back to the system (ttm_pool_shrink()) are the
// kernel's: freed at once when clean, page by page with the same reports
// when a page is still mapped or owned by someone else.
TEST(FreeBlock, PooledBlocksShrunkToTheSystemLeaveTheSameStateWithOddPagesAnywhere) {
  for (const uint64_t at : {0, 1, 3, 4, 5, 100, 255}) {
    for (int kind = 0; kind < 3; ++kind) {
      Pair p;
      p.Apply(Allocate(1, 700, Caching::kWriteCombined));
      p.Apply(PopulateEvent{1, true});
      p.Apply(UnpopulateEvent{1});
      p.OnBoth([&](TtmModel& m) {
        for (const PoolType& pt : m.pool_types()) {
          for (const Pfn head : pt.pages) {
            if ((uint64_t{1} << pt.order) <= at) continue;
            Page& pg = m.PageForTest(head + static_cast<Pfn>(at));
            if (kind == 0) pg.mapped = true;
            if (kind == 1) pg.owner_id += 1;  // another pool type's: taken back through SetOwnerOf()
          }
        }
      });
      p.Apply(PoolShrinkEvent{100000});
      ExpectSameState(p);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "at " << at << " kind " << kind;
        return;
      }
    }
  }
}

// The free paths move a held block's pages as they test them: a page of
// another owner (another tt, another slot, the kernel) or still mapped
// anywhere in the first block (order 9) stops the move there, and the
// page-by-page path takes the rest with the pages already moved counting
// as nothing. Freed to the system (a cached tt) or to a pool (a
// write-combined one), both engines leave the same state and reports.
TEST(FreeBlock, AnOddPageAtAnyPositionOfABlockStopsTheMoveThereAndLeavesTheSameState) {
  for (const Caching caching : {Caching::kCached, Caching::kWriteCombined}) {
    for (uint64_t at = 0; at < 512; at += at < 20 ? 1 : 61) {
      for (int kind = 0; kind < 4; ++kind) {
        Pair p;
        p.Apply(Allocate(1, 700, caching));
        p.Apply(Allocate(2, 100, caching));
        p.Apply(PopulateEvent{1, true});
        p.Apply(PopulateEvent{2, true});
        p.OnBoth([&](TtmModel& m) {
          Page& pg = m.PageForTest(m.FindTt(1)->pages.Get(at).pfn());
          if (kind == 0) pg.owner_id = m.FindTt(2)->index;
          if (kind == 1) pg.aux += 1;  // owned by the next slot
          if (kind == 2) pg.owner = Owner::kKernel;
          if (kind == 3) pg.mapped = true;
        });
        p.Apply(UnpopulateEvent{1});
        ExpectSameState(p);
        p.Apply(FreeEvent{2});
        ExpectSameState(p);
        if (::testing::Test::HasFailure()) {
          ADD_FAILURE() << "caching " << static_cast<int>(caching) << " at " << at << " kind " << kind;
          return;
        }
      }
    }
  }
}

// The free to the system asks the allocator first: a held, clean block
// the allocator already holds free is a double free on both engines,
// reported once, with every page left as it was.
TEST(FreeBlock, AHeldBlockTheAllocatorAlreadyHoldsFreeIsADoubleFreeOnBothWithTheSameState) {
  for (const uint64_t slot : {0, 512, 640}) {
    Pair p;
    p.Apply(Allocate(1, 700));
    p.Apply(PopulateEvent{1, true});
    p.OnBoth([&](TtmModel& m) {
      const Pfn head = m.FindTt(1)->pages.Get(slot).pfn();
      const uint32_t order = m.page(head).private_order;
      PageAllocator& allocator = const_cast<PageAllocator&>(m.allocator());
      ASSERT_EQ(allocator.Free(head, order), PageAllocator::FreeError::kNone);
    });
    EXPECT_EQ(Invariants(p.Apply(UnpopulateEvent{1}).violations), testing::Names({Invariant::kOwnership}))
        << slot;
    ExpectSameState(p);
  }
}

// A block of 8192 frames covers two chunks of struct pages: not moved as
// a block, it is freed page by page (the allocator already asked) to the
// same state.
TEST(FreeBlock, ABlockAcrossTwoChunksOfStructPagesIsFreedAsTheReferenceDoes) {
  Config c;
  c.system_pages = 3 * 8192;
  c.max_order = 13;
  Pair p(c);
  p.Apply(Allocate(1, 8192 + 3));
  p.Apply(PopulateEvent{1, true});
  EXPECT_TRUE(p.Apply(UnpopulateEvent{1}).violations.empty());
  ExpectSameState(p);
}

// A restore resumed after single pages leaves blocks whose slots straddle
// the first chunk of slots (4096 entries): freed to the system or a pool,
// or backed up, they leave the same state on both engines.
TEST(FreeBlock, BlocksWhoseSlotsStraddleAChunkOfSlotsAreFreedAndBackedUpAsTheReferenceDoes) {
  for (const Caching caching : {Caching::kCached, Caching::kWriteCombined}) {
    for (const bool free : {true, false}) {
      Config c;
      c.system_pages = 16384;
      c.dma32_pages = 16384;
      Pair p(c);
      p.Apply(Allocate(1, 6000, caching));
      p.Apply(PopulateEvent{1, true});
      p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
      p.Apply(ShrinkEvent{1, false, false});
      // Orders 10..1 fail once each: the restore starts in single pages.
      p.Apply(FailOrdersFrom(1, 10));
      p.Apply(EintrAtCopy(3));
      p.Apply(PopulateEvent{1, true});
      p.Apply(PopulateEvent{1, true});
      const TtObject& tt = Tt(p.fast, 1);
      ASSERT_TRUE(tt.pages.Get(4095).is_page());
      ASSERT_EQ(tt.pages.Get(4096), Slot::Page(tt.pages.Get(4095).pfn() + 1));
      ExpectSameState(p);
      if (free) {
        p.Apply(UnpopulateEvent{1});
      } else {
        p.Apply(ShrinkEvent{1, false, false});
      }
      ExpectSameState(p);
    }
  }
}

// The fast loop takes a block whose head it meets as one span, split on
// the way: a fault armed at backup_page at any page of the first blocks
// (the loop's first page included, which the run now takes too) must stop
// both engines at that page, with the rest of the block split.
TEST(BackupRun, AFaultArmedAtEveryPageOfTheFirstBlocksStopsBothAtThatPage) {
  for (uint64_t after = 0; after < 700; after += after < 140 || after > 500 ? 1 : 7) {
    Pair p;
    PopulateThree(p);
    p.Apply(Fail(FaultSite::kBackupPage, after, 1));
    p.Apply(ShrinkEvent{1, false, false});
    ExpectSameState(p);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "after " << after;
      return;
    }
  }
}

// The same for a store that fills at any page, and for the backup
// stopping half way, on a tt whose every block was taken as a span.
TEST(BackupRun, AStoreFillingAtEveryPageOfTheFirstBlocksStopsBothAtThatPage) {
  for (uint64_t swap = 1; swap <= 700; swap += swap < 140 || swap > 500 ? 1 : 7) {
    Pair p;
    PopulateThree(p);
    p.Apply(SetSwapPages(swap));
    p.Apply(ShrinkEvent{1, false, false});
    ExpectSameState(p);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "swap " << swap;
      return;
    }
  }
}

// A block head whose order is off (larger: the block reaches past its
// tt's pages, or past the chunk of frames; smaller: tails no split
// clears; 0) at every head of the tt: both engines split and stop alike.
TEST(BackupRun, BlockHeadsOfEveryOddOrderSplitAndStopBothAlike) {
  std::vector<uint64_t> heads;
  {
    Pair p;
    PopulateThree(p);
    const TtmModel& m = EngineTestPeer::Model(p.fast);
    const TtObject& tt = *m.FindTt(1);
    for (uint64_t i = 0; i < tt.num_pages; ++i)
      if (m.page(tt.pages.Get(i).pfn()).private_order != 0) heads.push_back(i);
  }
  ASSERT_GE(heads.size(), 2u);
  for (const uint64_t head : heads) {
    for (const int delta : {-3, -1, 1, 2, 12}) {
      Pair p;
      PopulateThree(p);
      p.OnBoth([&](TtmModel& m) {
        Page& pg = m.PageForTest(m.FindTt(1)->pages.Get(head).pfn());
        pg.private_order = static_cast<uint8_t>(std::max(0, pg.private_order + delta));
      });
      p.Apply(ShrinkEvent{1, false, false});
      ExpectSameState(p);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "head " << head << " delta " << delta;
        return;
      }
    }
  }
}

// A write-combined tt whose pages are of mixed caching (some write-back
// already, some uncached) is reset to write-back with the same changes
// counted, then backed up alike, whole or cut short.
TEST(SetPagesArrayWb, MixedCachingIsResetAndCountedAlike) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Prng rng(seed);
    Pair p;
    p.Apply(Allocate(1, 1 + rng.Below(900), Caching::kWriteCombined, rng.Below(3) == 0));
    p.Apply(PopulateEvent{1, true});
    const uint64_t n = Tt(p.fast, 1).num_pages;
    std::vector<std::pair<uint64_t, PageCaching>> pokes;
    for (int k = 0; k < 40; ++k)
      pokes.emplace_back(rng.Below(n), static_cast<PageCaching>(rng.Below(3)));
    p.OnBoth([&](TtmModel& m) {
      for (const auto& [i, c] : pokes) m.PageForTest(m.FindTt(1)->pages.Get(i).pfn()).caching = c;
    });
    if (rng.Below(2) == 0) p.Apply(Fail(FaultSite::kBackupPage, rng.Below(n)));
    p.Apply(ShrinkEvent{1, false, rng.Below(2) == 0});
    ExpectSameState(p);
    EXPECT_EQ(p.fast.counters().pool.caching_changes, p.slow.counters().pool.caching_changes);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "seed " << seed;
      return;
    }
  }
}

// ttm_pool_apply_caching() on hand-made layouts: a cached tt populated in
// blocks of mixed orders (some split by a partial backup and restored
// around pages the backup left), its pages set to random cachings (most
// write-back, as an allocation leaves them; some already of the wanted
// caching or the other one, alone in a group of four or in a row), then
// converted over random ranges, as placed slots (the fast path's runs
// four pages at a time) and as slots to check: every struct page and the
// caching_changes counter as the reference leaves them.
TEST(ApplyCaching, RunsOfMixedCachingsAreConvertedAndCountedAlike) {
  uint64_t changed = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Prng rng(seed);
    Pair p;
    p.Apply(Allocate(2, 1 + rng.Below(60)));
    p.Apply(PopulateEvent{2, true});  // the next blocks' frames start off a chunk boundary
    const uint64_t n = 16 + rng.Below(1100);
    p.Apply(Allocate(1, n));
    if (rng.Below(2) == 0) p.Apply(FailOrdersFrom(static_cast<uint32_t>(1 + rng.Below(6))));
    p.Apply(PopulateEvent{1, true});
    p.Apply(Fail(FaultSite::kAllocPage, 0, 0));  // disarmed
    if (rng.Below(2) == 0) {  // split blocks: a backup cut short, then the restore
      p.Apply(Fail(FaultSite::kBackupPage, rng.Below(n)));
      p.Apply(ShrinkEvent{1, false, false});
      p.Apply(PopulateEvent{1, true});
    }
    ASSERT_EQ(Tt(p.fast, 1).resident_slots, n);
    // One caching per slot: write-back, except in stretches where a page
    // in eight, one in two or every page is of another caching.
    std::vector<PageCaching> cachings(n, PageCaching::kWB);
    for (uint64_t i = 0; i < n;) {
      const uint64_t len = 1 + rng.Below(40);
      const uint64_t odd = rng.Below(4);  // 0: none, then 1 in 8, 1 in 2, all
      for (uint64_t k = i; k < std::min(n, i + len); ++k)
        if (odd == 3 || (odd == 2 && rng.Below(2) == 0) || (odd == 1 && rng.Below(8) == 0))
          cachings[k] = static_cast<PageCaching>(1 + rng.Below(2));
      i += len;
    }
    p.OnBoth([&](TtmModel& m) {
      TtObject& tt = *m.FindTt(1);
      for (uint64_t i = 0; i < n; ++i) m.PageForTest(tt.pages.Get(i).pfn()).caching = cachings[i];
    });
    for (int round = 0; round < 3; ++round) {
      const uint64_t first = rng.Below(n), last = first + 1 + rng.Below(n - first);
      const Caching caching = rng.Below(2) == 0 ? Caching::kWriteCombined : Caching::kUncached;
      const bool placed = rng.Below(4) != 0;
      const uint64_t before = p.fast.counters().pool.caching_changes;
      p.OnBoth([&](TtmModel& m) { EXPECT_EQ(m.ApplyCachingForTest(*m.FindTt(1), first, last, caching, placed), 0); });
      changed += p.fast.counters().pool.caching_changes - before;
      ExpectSameState(p);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "seed " << seed << " round " << round << " [" << first << ", " << last << ") "
                      << (placed ? "placed" : "checked");
        return;
      }
    }
  }
  EXPECT_GT(changed, 0u);
}

// Tts backed up in part (a fault or a full store half way), restored in
// part (an allocation failing during the restore), backed up again, and
// freed: the same state after each step.
TEST(BackupRun, PartlyBackedUpAndPartlyRestoredTtsLeaveTheSameState) {
  for (uint64_t cut : {1, 5, 64, 200, 511, 513, 650}) {
    Pair p;
    PopulateThree(p);
    p.Apply(Fail(FaultSite::kBackupPage, cut));
    p.Apply(ShrinkEvent{1, false, false});
    ExpectSameState(p);
    p.Apply(Fail(FaultSite::kAllocPage, cut / 2));
    p.Apply(PopulateEvent{1, true});
    ExpectSameState(p);
    p.Apply(ShrinkEvent{1, false, false});
    ExpectSameState(p);
    p.Apply(PopulateEvent{1, true});
    ExpectSameState(p);
    p.Apply(ShrinkEvent{1, false, true});
    ExpectSameState(p);
    p.Apply(FreeEvent{1});
    ExpectSameState(p);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "cut " << cut;
      return;
    }
  }
}

// Random tts in random layouts, some of their struct pages marked oddly
// at random (mapped, another caching, an order, a tail mark, another
// slot's aux), a fault or a small store at random: one backup each, the
// fast engine against the reference.
TEST(BackupRun, RandomOddStatesAreBackedUpAlike) {
  uint64_t backed_up = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Prng rng(seed);
    Pair p;
    p.Apply(Allocate(1, 1 + rng.Below(1200), static_cast<Caching>(rng.Below(3))));
    p.Apply(Allocate(2, 1 + rng.Below(300)));
    p.Apply(PopulateEvent{2, true});
    if (rng.Below(2) == 0) p.Apply(FailOrdersFrom(static_cast<uint32_t>(1 + rng.Below(9))));
    p.Apply(PopulateEvent{1, true});
    p.Apply(Fail(FaultSite::kAllocPage, 0, 0));  // disarmed
    if (rng.Below(2) == 0) p.Apply(FreeEvent{2});
    const uint64_t n = Tt(p.fast, 1).num_pages;
    const uint64_t odd = rng.Below(4);
    std::vector<std::pair<uint64_t, int>> pokes;
    for (uint64_t k = 0; k < odd; ++k) pokes.emplace_back(rng.Below(n), static_cast<int>(rng.Below(5)));
    p.OnBoth([&](TtmModel& m) {
      TtObject& tt = *m.FindTt(1);
      for (const auto& [i, kind] : pokes) {
        Page& pg = m.PageForTest(tt.pages.Get(i).pfn());
        if (kind == 0) pg.mapped = true;
        if (kind == 1) pg.caching = PageCaching::kUC;
        if (kind == 2) pg.private_order = static_cast<uint8_t>(1 + i % 4);
        if (kind == 3) pg.tail = !pg.tail;
        if (kind == 4) pg.aux = static_cast<uint32_t>(i + 1);
      }
    });
    if (rng.Below(3) == 0) p.Apply(Fail(FaultSite::kBackupPage, rng.Below(n)));
    if (rng.Below(3) == 0) p.Apply(SetSwapPages(rng.Below(n + 300)));
    p.Apply(ShrinkEvent{1, false, rng.Below(2) == 0});
    ExpectSameState(p);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "seed " << seed;
      return;
    }
    backed_up += p.fast.counters().memory.backed_up_pages;
  }
  EXPECT_GT(backed_up, 10000u);  // the runs are reached
}

// Random events on a few tts, faults armed at random sites and points,
// swap space changing: the state compared after every event.
TEST(BlockRuns, RandomTracesLeaveTheSameStateAfterEveryEvent) {
  uint64_t backed_up = 0, freed_to_pools = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Prng rng(seed);
    Pair p;
    std::vector<bool> live(6, false);
    for (int step = 0; step < 120; ++step) {
      const uint64_t id = 1 + rng.Below(live.size() - 1);
      EventBody e;
      switch (rng.Below(12)) {
        case 0:
        case 1:
          if (live[id]) continue;
          e = Allocate(id, 1 + rng.Below(900), static_cast<Caching>(rng.Below(3)), rng.Below(3) == 0);
          live[id] = true;
          break;
        case 2:
        case 3:
          e = PopulateEvent{id, rng.Below(2) == 0};
          break;
        case 4:
          e = WriteEvent{id, std::nullopt, std::nullopt};
          break;
        case 5:
        case 6:
          e = ShrinkEvent{id, rng.Below(8) == 0, rng.Below(2) == 0};
          break;
        case 7:
          e = UnpopulateEvent{id};
          break;
        case 8:
          e = FreeEvent{id};
          live[id] = false;
          break;
        case 9: {
          FailEvent f = Fail(static_cast<FaultSite>(rng.Below(kNumFaultSites)), rng.Below(600),
                             rng.Below(3));
          if (f.site == FaultSite::kAllocPage && rng.Below(2) == 0)
            f.min_order = static_cast<uint32_t>(rng.Below(10));
          e = f;
          break;
        }
        case 10:
          e = SetSwapPages(rng.Below(3000));
          break;
        default:
          e = PoolShrinkEvent{rng.Below(400)};
          break;
      }
      p.Apply(e);
      ExpectSameState(p);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "seed " << seed << " step " << step;
        return;
      }
    }
    backed_up += p.fast.counters().memory.backed_up_pages;
    freed_to_pools += p.fast.counters().memory.peak_pool_pages;
  }
  // The traces reach the paths under test.
  EXPECT_GT(backed_up, 5000u);
  EXPECT_GT(freed_to_pools, 1000u);
}

}  // namespace
}  // namespace ttm
