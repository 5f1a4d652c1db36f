// ttm_pool_alloc() on tts that are not backed up, and the pools behind it:
// reuse and trimming (spec 4.18), order fallback (4.19), the NUMA pool
// (4.20), and the two error exits of the allocation loop, error_free_page
// and error_free_all, reached through dma_map and set_caching faults.
#include <gtest/gtest.h>

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
using testing::PoolEntries;
using testing::SlotLayout;
using testing::SmallMachine;
using testing::Tt;

const std::vector<std::string> kNone;
constexpr Caching kWC = Caching::kWriteCombined;

void ExpectTeardownClean(Engine& engine) {
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  LeakReport leaks = engine.Teardown();
  EXPECT_TRUE(leaks.ok()) << leaks.pages << " pages, " << leaks.handles << " handles";
  EXPECT_EQ(Invariants(leaks.violations), kNone);
}

// Leaves one block of 2^order pages of that caching in its pool type: the
// kunit tests' "pre-populated pool".
void PrePopulate(Engine& engine, uint64_t id, uint64_t pages, Caching caching) {
  TTM_APPLY_CLEAN(engine, Allocate(id, pages, caching));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{id, true}), 0);
  TTM_APPLY_CLEAN(engine, FreeEvent{id});
}

Pfn SlotPfn(Engine& engine, uint64_t id, uint64_t slot) { return Tt(engine, id).pages.Get(slot).pfn(); }

// 4.18: a freed WC block is zeroed into the global WC pool; the next WC tt
// takes it without a caching change; freeing past page_pool_size trims the
// pools round-robin back under the limit. WB pages are never pooled here.
TEST(PoolAlloc, FreedWcBlocksAreReusedWithoutConversionAndTrimmedToThePoolLimit) {
  Config c;
  c.pool_limit_pages = 8;
  Engine engine(SmallMachine(c));
  const TtmModel& m = EngineTestPeer::Model(engine);

  TTM_APPLY_CLEAN(engine, Allocate(1, 8, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P3 t t t t t t t");
  EXPECT_EQ(CachingLayout(engine, 1), "wwwwwwww");
  EXPECT_EQ(engine.counters().pool.misses, 1u);
  EXPECT_EQ(engine.counters().pool.caching_changes, 8u);
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  const Pfn block = SlotPfn(engine, 1, 0);

  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(PoolEntries(engine, kWC, 3), 1u);
  EXPECT_EQ(m.allocated_pages(), 8u);
  EXPECT_EQ(m.page(block).token, kZeroToken);
  EXPECT_EQ(m.page(block + 7).token, kZeroToken);

  TTM_APPLY_CLEAN(engine, Allocate(2, 8, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{2, true}), 0);
  EXPECT_EQ(SlotPfn(engine, 2, 0), block);
  EXPECT_EQ(engine.counters().pool.hits, 1u);
  EXPECT_EQ(engine.counters().pool.caching_changes, 8u);  // no conversion
  EXPECT_EQ(m.allocated_pages(), 0u);
  EXPECT_EQ(CachingLayout(engine, 2), "wwwwwwww");

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);  // from the system
  EXPECT_EQ(engine.counters().pool.misses, 2u);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(m.allocated_pages(), 8u);
  EXPECT_EQ(engine.counters().memory.pool_shrunk_pages, 0u);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{2});  // 16 > 8: trim one block
  EXPECT_EQ(m.allocated_pages(), 8u);
  EXPECT_EQ(PoolEntries(engine, kWC, 3), 1u);
  EXPECT_EQ(engine.counters().memory.pool_shrunk_pages, 8u);
  EXPECT_EQ(engine.counters().memory.peak_pool_pages, 16u);
  EXPECT_EQ(engine.Global().system_used_pages, 8u);

  // WB on a non-NUMA, non-DMA pool: straight back to the system.
  TTM_APPLY_CLEAN(engine, Allocate(3, 8));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{3, true}), 0);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{3});
  EXPECT_EQ(m.allocated_pages(), 8u);
  EXPECT_EQ(engine.Global().system_used_pages, 8u);
  EXPECT_EQ(engine.counters().memory.pool_shrunk_pages, 8u);
  ExpectTeardownClean(engine);
}

// ttm_pool_mgr_init() adds the global types first (per order: WC, UC,
// DMA32-WC, DMA32-UC); ttm_pool_init() then walks enum ttm_caching in the
// kernel's order (uncached, write-combined, cached), each over all orders,
// adding only the types ttm_pool_select_type() can return.
TEST(PoolAlloc, PoolTypesJoinTheShrinkerListInTheKernelsOrder) {
  Config c;
  c.max_order = 2;
  c.use_dma_alloc = true;
  Engine engine(SmallMachine(c));
  std::string order;
  for (const PoolType& pt : EngineTestPeer::Model(engine).pool_types())
    order += std::string(pt.per_pool ? "pool-" : pt.dma32 ? "dma32-" : "") +
             std::string(CachingName(pt.caching)) + std::to_string(pt.order) + " ";
  EXPECT_EQ(order,
            "wc0 uncached0 dma32-wc0 dma32-uncached0 wc1 uncached1 dma32-wc1 dma32-uncached1 "
            "wc2 uncached2 dma32-wc2 dma32-uncached2 "
            "pool-uncached0 pool-uncached1 pool-uncached2 pool-wc0 pool-wc1 pool-wc2 "
            "pool-cached0 pool-cached1 pool-cached2 ");

  c.use_dma_alloc = false;
  c.numa_node = true;  // a NUMA pool never pools cached pages
  Engine numa(SmallMachine(c));
  order.clear();
  for (const PoolType& pt : EngineTestPeer::Model(numa).pool_types())
    if (pt.per_pool) order += std::string(CachingName(pt.caching)) + std::to_string(pt.order) + " ";
  EXPECT_EQ(order, "uncached0 uncached1 uncached2 wc0 wc1 wc2 ");
}

// The trim in ttm_pool_free() takes the first non-empty type on the
// shrinker list: in a coherent-DMA pool the WC types come before the
// cached ones, so the WC page goes back first and the cached block stays.
TEST(PoolAlloc, TheTrimOfADmaPoolGivesBackItsWcPageBeforeItsCachedBlock) {
  Config c;
  c.use_dma_alloc = true;
  c.pool_limit_pages = 2;
  Engine engine(SmallMachine(c));
  TTM_APPLY_CLEAN(engine, Allocate(1, 2, Caching::kCached));
  TTM_APPLY_CLEAN(engine, Allocate(2, 1, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{2, true}), 0);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(engine.Global().pool_pages, 2u);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{2});  // 3 > 2: trim
  EXPECT_EQ(engine.Global().pool_pages, 2u);
  EXPECT_EQ(engine.Global().system_used_pages, 2u);
  EXPECT_EQ(PoolEntries(engine, Caching::kCached, 1, /*per_pool=*/true), 1u);
  EXPECT_EQ(PoolEntries(engine, kWC, 0, /*per_pool=*/true), 0u);
  EXPECT_EQ(engine.counters().memory.pool_shrunk_pages, 1u);
  ExpectTeardownClean(engine);
}

// The pool shrinker on a NUMA pool: its uncached types come before its WC
// types, so the UC page goes back first and the WC block stays.
TEST(PoolAlloc, ThePoolShrinkerGivesBackANumaPoolsUncachedPageBeforeItsWcBlock) {
  Config c;
  c.numa_node = true;
  Engine engine(SmallMachine(c));
  TTM_APPLY_CLEAN(engine, Allocate(1, 2, kWC));
  TTM_APPLY_CLEAN(engine, Allocate(2, 1, Caching::kUncached));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{2, true}), 0);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{2});
  EXPECT_EQ(engine.Global().pool_pages, 3u);
  TTM_APPLY_CLEAN(engine, PoolShrinkEvent{1});
  EXPECT_EQ(engine.Global().pool_pages, 2u);
  EXPECT_EQ(engine.Global().system_used_pages, 2u);
  EXPECT_EQ(PoolEntries(engine, kWC, 1, /*per_pool=*/true), 1u);
  EXPECT_EQ(PoolEntries(engine, Caching::kUncached, 0, /*per_pool=*/true), 0u);
  ExpectTeardownClean(engine);
}

// 4.19: only orders <= 1 can be had: orders 3 and 2 fail once each (the
// loop never goes back up), then six order-1 blocks; freed, they land in
// the order-1 pool type.
TEST(PoolAlloc, OrderFallbackFillsTheTtWithSmallerBlocksAndPoolsThemByTheirOrder) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, FailOrdersFrom(2));
  TTM_APPLY_CLEAN(engine, Allocate(1, 12, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P1 t P1 t P1 t P1 t P1 t P1 t");
  const TtmModel& m = EngineTestPeer::Model(engine);
  for (uint64_t i = 0; i < 12; ++i) {
    const Page p = m.page(SlotPfn(engine, 1, i));
    EXPECT_EQ(p.private_order, i % 2 == 0 ? 1 : 0) << "slot " << i;
    EXPECT_EQ(p.tail, i % 2 == 1) << "slot " << i;
  }
  EXPECT_EQ(CachingLayout(engine, 1), "wwwwwwwwwwww");
  EXPECT_EQ(engine.counters().pool.order_fallbacks, 2u);
  EXPECT_EQ(engine.counters().pool.misses, 6u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(PoolEntries(engine, kWC, 1), 6u);
  EXPECT_EQ(m.allocated_pages(), 12u);
  ExpectTeardownClean(engine);
}

// 4.19, the V13 side of the restructure variant: after the order-2 system
// block, the order drops to 0 because one page remains, and V13 tries the
// WC order-0 pool again at the new order (the restructured loop would go
// to the system).
TEST(PoolAlloc, AtEachSmallerOrderTheTtCachingPoolIsTriedFirst) {
  Engine engine(SmallMachine());
  PrePopulate(engine, 9, 1, kWC);
  ASSERT_EQ(PoolEntries(engine, kWC, 0), 1u);
  const Pfn pooled = testing::FindPoolType(EngineTestPeer::Model(engine), kWC, 0)->pages.back();
  ASSERT_EQ(PoolEntries(engine, kWC, 2), 0u);

  TTM_APPLY_CLEAN(engine, Allocate(1, 5, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P0");
  EXPECT_EQ(SlotPfn(engine, 1, 4), pooled);
  EXPECT_EQ(PoolEntries(engine, kWC, 0), 0u);
  EXPECT_EQ(engine.counters().pool.hits, 1u);
  EXPECT_EQ(CachingLayout(engine, 1), "wwwww");
  ExpectTeardownClean(engine);
}

// 4.20: with a NUMA node, WC/UC pages go to the pool's own types, WB pages
// to the system; backup is allowed, and a restore takes from the own types.
TEST(PoolAlloc, NumaPoolKeepsWcPagesInItsOwnTypesAndStillAllowsBackup) {
  Config c;
  c.numa_node = true;
  Engine engine(SmallMachine(c));
  const TtmModel& m = EngineTestPeer::Model(engine);

  PrePopulate(engine, 1, 8, kWC);
  EXPECT_EQ(PoolEntries(engine, kWC, 3, /*per_pool=*/true), 1u);
  EXPECT_EQ(PoolEntries(engine, kWC, 3, /*per_pool=*/false), 0u);
  PrePopulate(engine, 2, 8, Caching::kUncached);
  EXPECT_EQ(PoolEntries(engine, Caching::kUncached, 3, /*per_pool=*/true), 1u);
  EXPECT_EQ(PoolEntries(engine, Caching::kUncached, 3, /*per_pool=*/false), 0u);
  PrePopulate(engine, 3, 8, Caching::kCached);
  EXPECT_EQ(m.allocated_pages(), 16u);
  EXPECT_EQ(engine.Global().system_used_pages, 16u);

  // A WC tt takes the own type's block, is backed up, and its restore
  // takes the block a second WC tt left there meanwhile.
  TTM_APPLY_CLEAN(engine, Allocate(4, 8, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{4, true}), 0);
  EXPECT_EQ(engine.counters().pool.hits, 1u);
  TTM_APPLY_CLEAN(engine, (WriteEvent{4, std::nullopt, std::nullopt}));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, ShrinkEvent{4, false, false}), 8);
  EXPECT_EQ(SlotLayout(engine, 4), "H1 H2 H3 H4 H5 H6 H7 H8");
  PrePopulate(engine, 5, 8, kWC);
  EXPECT_EQ(PoolEntries(engine, kWC, 3, /*per_pool=*/true), 1u);
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{4, true}), 0);
  EXPECT_EQ(engine.counters().pool.hits, 2u);
  EXPECT_EQ(PoolEntries(engine, kWC, 3, /*per_pool=*/true), 0u);
  EXPECT_EQ(SlotLayout(engine, 4), "P3 t t t t t t t");
  EXPECT_EQ(CachingLayout(engine, 4), "wwwwwwww");
  EXPECT_TRUE(engine.Inspect(4)->intact);
  ExpectTeardownClean(engine);
}

// error_free_page after a dma_map failure of a system block: the block
// goes back to the system; error_free_all then frees the blocks already
// placed, unmapping them. The slots keep stale pointers.
TEST(PoolAlloc, DmaMapFailureFreesTheUnplacedBlockAndUnmapsThePlacedOnes) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, FailOrdersFrom(3));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kDmaMap, 1));
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, kWC, /*dma=*/true));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kEFAULT);
  EXPECT_EQ(SlotLayout(engine, 1), "S S S S - - - -");
  EXPECT_EQ(engine.Inspect(1)->state, TtState::kUnpopulated);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(engine.Global().pool_pages, 0u);  // system pages were still WB
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);

  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(SlotLayout(engine, 1), "P2 t t t P2 t t t");
  EXPECT_EQ(MappedSlots(EngineTestPeer::Model(engine), Tt(engine, 1)), 8u);
  ExpectTeardownClean(engine);
}

// error_free_page of a pool block: it is freed with the tt caching, i.e.
// reset to WB and given to the system, never put back into its pool.
TEST(PoolAlloc, DmaMapFailureOfAPoolBlockFreesItToTheSystem) {
  Engine engine(SmallMachine());
  PrePopulate(engine, 9, 4, kWC);
  ASSERT_EQ(PoolEntries(engine, kWC, 2), 1u);
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kDmaMap, 0));
  TTM_APPLY_CLEAN(engine, Allocate(1, 4, kWC, /*dma=*/true));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kEFAULT);
  EXPECT_EQ(SlotLayout(engine, 1), "- - - -");
  EXPECT_EQ(engine.counters().pool.hits, 1u);
  EXPECT_EQ(PoolEntries(engine, kWC, 2), 0u);
  EXPECT_EQ(engine.Global().pool_pages, 0u);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  ExpectTeardownClean(engine);
}

// error_free_page when converting the pending system pages fails right
// before a pool block is placed: the pool block goes to the system, the
// WB system pages too.
TEST(PoolAlloc, CachingFailureBeforeAPoolHitFreesThePoolBlockAndTheWbPages) {
  Engine engine(SmallMachine());
  PrePopulate(engine, 9, 1, kWC);
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kSetCaching, 0));
  TTM_APPLY_CLEAN(engine, Allocate(1, 5, kWC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kENOMEM);
  EXPECT_EQ(SlotLayout(engine, 1), "S S S S -");
  EXPECT_EQ(engine.Global().pool_pages, 0u);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  ExpectTeardownClean(engine);
}

// error_free_all after the final caching conversion fails: slots before the
// caching cursor have the tt caching and go to the WC pools; the WB pages
// after it go to the system.
TEST(PoolAlloc, FinalCachingFailurePoolsTheConvertedPagesAndFreesTheWbOnes) {
  Engine engine(SmallMachine());
  PrePopulate(engine, 9, 2, kWC);
  ASSERT_EQ(PoolEntries(engine, kWC, 1), 1u);
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kSetCaching, 1));
  TTM_APPLY_CLEAN(engine, Allocate(1, 7, kWC));
  // Order 2 from the system, order 1 from the pool (converting [0, 4)
  // first), order 0 from the system; converting [6, 7) fails.
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kENOMEM);
  EXPECT_EQ(SlotLayout(engine, 1), "S S S S S S S");
  EXPECT_EQ(PoolEntries(engine, kWC, 2), 1u);
  EXPECT_EQ(PoolEntries(engine, kWC, 1), 1u);
  EXPECT_EQ(PoolEntries(engine, kWC, 0), 0u);
  EXPECT_EQ(engine.Global().pool_pages, 6u);
  EXPECT_EQ(engine.Global().system_used_pages, 6u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  ExpectTeardownClean(engine);
}

// The last resort: no block of any order, so error_free_all with -ENOMEM.
// The first system allocation passes (order 3, slots [0, 8)); every later
// one fails, down to order 0.
TEST(PoolAlloc, FailureAtOrderZeroUnmapsAndFreesEverythingPlacedAndReturnsEnomem) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kAllocPage, 1, 1000));
  TTM_APPLY_CLEAN(engine, Allocate(1, 12, kWC, /*dma=*/true));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), kENOMEM);
  EXPECT_EQ(SlotLayout(engine, 1), "S S S S S S S S - - - -");
  EXPECT_EQ(engine.counters().pool.order_fallbacks, 2u);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(engine.Global().pool_pages, 0u);
  EXPECT_EQ(engine.Inspect(1)->state, TtState::kUnpopulated);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  ExpectTeardownClean(engine);
}

}  // namespace
}  // namespace ttm
