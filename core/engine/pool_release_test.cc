// Issue 11: ttm_pool_shrink() and ttm_pool_fini() give a pooled block back
// to the system in one pass over its struct pages (PoolTypeReleaseClean())
// where the reference engine takes it (ttm_pool_type_take()), resets it to
// write-back and frees it, each step walking the pages. Both must leave
// every struct page, count, counter, report and the allocator alike, on
// clean blocks of every order and caching and on the blocks the one pass
// must leave to the steps: a page the pool does not hold, a mapped page, a
// cached pool's page that is not write-back, a lone tail, a block across
// two chunks of struct pages, a block the allocator refuses.
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
using testing::ExpectSameMachine;
using testing::Invariants;
using testing::PooledPage;
using Pair = testing::FastAndReference;

// Tts of 2^k pages for k = 0 .. 10 (a block of each order), populated and
// freed: each pool type of the caching holds one block. Return: the next
// free tt id.
uint64_t PoolBlocksOfEveryOrder(Pair& p, Caching caching, uint64_t id = 1) {
  for (uint32_t k = 0; k <= 10; ++k, ++id) {
    p.Apply(Allocate(id, uint64_t{1} << k, caching));
    p.Apply(PopulateEvent{id, true});
    p.Apply(WriteEvent{id, std::nullopt, std::nullopt});
    p.Apply(FreeEvent{id});
  }
  return id;
}

// Room for two cachings' pools of a block of each order.
Config Roomy() {
  Config c;
  c.system_pages = 16384;
  return c;
}

TEST(PoolRelease, AShrinkGivesBackWriteCombinedAndUncachedBlocksOfEveryOrderAsTheReferenceDoes) {
  Pair p(Roomy());
  const uint64_t id = PoolBlocksOfEveryOrder(p, Caching::kWriteCombined);
  PoolBlocksOfEveryOrder(p, Caching::kUncached, id);
  ASSERT_EQ(testing::PoolEntries(p.fast, Caching::kUncached, 7), 1u);
  EXPECT_TRUE(p.Apply(PoolShrinkEvent{1500}).violations.empty());
  ExpectSameMachine(p);
  EXPECT_TRUE(p.Apply(PoolShrinkEvent{1u << 20}).violations.empty());
  ExpectSameMachine(p);
  EXPECT_EQ(EngineTestPeer::View(p.fast).allocated_pages(), 0u);
  // Every page the pools held was reset to write-back on the way.
  EXPECT_EQ(p.fast.counters().pool.caching_changes, p.slow.counters().pool.caching_changes);
  EXPECT_GT(p.fast.counters().pool.caching_changes, 4000u);
}

TEST(PoolRelease, TeardownDrainsCachedPoolsOfACoherentDmaMachineAsTheReferenceDoes) {
  Config c = Roomy();
  c.use_dma_alloc = true;  // cached pages are pooled too, in the pool's own types
  Pair p(c);
  uint64_t id = PoolBlocksOfEveryOrder(p, Caching::kCached);
  PoolBlocksOfEveryOrder(p, Caching::kWriteCombined, id);
  ASSERT_EQ(testing::PoolEntries(p.fast, Caching::kCached, 5, true), 1u);
  const LeakReport a = p.fast.Teardown();
  const LeakReport b = p.slow.Teardown();
  EXPECT_EQ(a.pages, b.pages);
  EXPECT_EQ(Invariants(a.violations), Invariants(b.violations));
  ExpectSameMachine(p);
  EXPECT_EQ(EngineTestPeer::View(p.fast).allocated_pages(), 0u);
}

TEST(PoolRelease, APooledPageThePoolDoesNotHoldIsTakenPageByPageAsTheReferenceDoes) {
  Pair p;
  PoolBlocksOfEveryOrder(p, Caching::kWriteCombined);
  p.OnBoth([](TtmModel& m) {
    PooledPage(m, Caching::kWriteCombined, 6, 9).owner = Owner::kKernel;
  });
  p.Apply(PoolShrinkEvent{1u << 20});
  ExpectSameMachine(p);
}

TEST(PoolRelease, AMappedPooledPageIsReportedAsTheReferenceReportsIt) {
  Pair p;
  PoolBlocksOfEveryOrder(p, Caching::kUncached);
  p.OnBoth([](TtmModel& m) {
    PooledPage(m, Caching::kUncached, 3, 7).mapped = true;
  });
  EXPECT_EQ(Invariants(p.Apply(PoolShrinkEvent{1u << 20}).violations), testing::Names({Invariant::kDmaUnmapOnce}));
  ExpectSameMachine(p);
}

TEST(PoolRelease, ACachedPoolsPageThatIsNotWriteBackIsReportedAsTheReferenceReportsIt) {
  Config c;
  c.use_dma_alloc = true;
  Pair p(c);
  PoolBlocksOfEveryOrder(p, Caching::kCached);
  p.OnBoth([](TtmModel& m) {
    PooledPage(m, Caching::kCached, 4, 3, /*per_pool=*/true).caching = PageCaching::kWC;
  });
  EXPECT_EQ(Invariants(p.Apply(PoolShrinkEvent{1u << 20}).violations), testing::Names({Invariant::kPoolCaching}));
  ExpectSameMachine(p);
}

TEST(PoolRelease, ALoneTailPageInAnOrderZeroPoolIsReportedAsTheReferenceReportsIt) {
  Pair p;
  PoolBlocksOfEveryOrder(p, Caching::kWriteCombined);
  p.OnBoth([](TtmModel& m) {
    PooledPage(m, Caching::kWriteCombined, 0).tail = true;
  });
  EXPECT_EQ(Invariants(p.Apply(PoolShrinkEvent{1u << 20}).violations), testing::Names({Invariant::kSplit}));
  ExpectSameMachine(p);
}

TEST(PoolRelease, ABlockTheAllocatorAlreadyHoldsFreeIsADoubleFreeOnBothPaths) {
  Pair p;
  PoolBlocksOfEveryOrder(p, Caching::kWriteCombined);
  p.OnBoth([](TtmModel& m) {
    // Every pool type is drained in turn; the order-5 block is freed
    // behind the pool's back first.
    const Pfn head = testing::FindPoolType(m, Caching::kWriteCombined, 5)->pages.back();
    PageAllocator& allocator = const_cast<PageAllocator&>(m.allocator());
    ASSERT_EQ(allocator.Free(head, 5), PageAllocator::FreeError::kNone);
  });
  EXPECT_EQ(Invariants(p.Apply(PoolShrinkEvent{1u << 20}).violations), testing::Names({Invariant::kOwnership}));
  ExpectSameMachine(p);
}

TEST(PoolRelease, ABlockAcrossTwoChunksOfStructPagesIsGivenBackAsTheReferenceDoes) {
  Config c;
  c.system_pages = 3 * 8192;
  c.max_order = 13;  // a block of 8192 pages covers two chunks of 4096
  Pair p(c);
  p.Apply(Allocate(1, 8192, Caching::kUncached));
  p.Apply(PopulateEvent{1, true});
  p.Apply(FreeEvent{1});
  ASSERT_EQ(testing::PoolEntries(p.fast, Caching::kUncached, 13), 1u);
  p.Apply(Allocate(2, 3, Caching::kWriteCombined));
  p.Apply(PopulateEvent{2, true});
  p.Apply(FreeEvent{2});
  EXPECT_TRUE(p.Apply(PoolShrinkEvent{1u << 20}).violations.empty());
  ExpectSameMachine(p);
  EXPECT_EQ(EngineTestPeer::View(p.fast).allocated_pages(), 0u);
}

// Random populates, writes, backups, frees and pool shrinks (pools full of
// blocks of every order and caching, some pages changed behind the pools'
// backs) on both paths: the same machine after every event.
TEST(PoolRelease, RandomPoolsShrunkAndDrainedLeaveTheSameMachineOnBothPaths) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Config c;
    c.system_pages = 6144;
    c.dma32_pages = 5000;
    c.use_dma_alloc = seed % 2 == 0;
    c.pool_limit_pages = 1000 + 500 * seed;
    Pair p(c);
    Prng rng(seed);
    std::vector<uint64_t> live;
    uint64_t next = 1;
    for (int step = 0; step < 300; ++step) {
      const uint64_t roll = rng.Below(100);
      if (live.empty() || roll < 25) {
        p.Apply(Allocate(next, 1 + rng.Below(700), static_cast<Caching>(rng.Below(3))));
        p.Apply(PopulateEvent{next, true});
        live.push_back(next++);
      } else if (roll < 35) {
        p.Apply(WriteEvent{live[rng.Below(live.size())], std::nullopt, std::nullopt});
      } else if (roll < 45) {
        p.Apply(ShrinkEvent{live[rng.Below(live.size())], false, false});
      } else if (roll < 55) {
        p.Apply(UnpopulateEvent{live[rng.Below(live.size())]});
      } else if (roll < 80) {
        const size_t i = rng.Below(live.size());
        p.Apply(FreeEvent{live[i]});
        live.erase(live.begin() + static_cast<long>(i));
      } else if (roll < 95) {
        p.Apply(PoolShrinkEvent{rng.Below(2000)});
      } else {
        // A pooled page changed behind the pool's back.
        const uint64_t what = rng.Below(3), type = rng.Below(1000), off = rng.Below(1024);
        p.OnBoth([&](TtmModel& m) {
          PoolType& pt = const_cast<PoolType&>(m.pool_types()[type % m.pool_types().size()]);
          if (pt.pages.empty()) return;
          const Pfn f = pt.pages.back() + static_cast<Pfn>(off % (uint64_t{1} << pt.order));
          Page& pg = m.PageForTest(f);
          if (what == 0) pg.owner = Owner::kOrphan;
          if (what == 1) pg.mapped = true;
          if (what == 2) pg.caching = PageCaching::kUC;
        });
      }
      ExpectSameMachine(p);
      if (::testing::Test::HasFailure()) return;  // the first difference is the message
    }
    p.fast.Teardown();
    p.slow.Teardown();
    ExpectSameMachine(p);
  }
}

}  // namespace
}  // namespace ttm
