// The kernel's KUnit suites for ttm_pool (6.1) and ttm_tt (6.2), replayed
// against the model where they apply (traces/scenarios/README.md lists
// which, and why the others do not).
//
// ttm_pool (6.1): 1-6 and 8 apply. 7 (ttm_pool_free_no_dma_alloc) does
// not: the BASE-era version asserted on the pool's own order-2 UC type,
// which a non-DMA pool never uses, and passed only because the list head
// was zero-initialised (spec 6.1.7).
//
// ttm_tt (6.2): 1, 12, 13 and 14 apply, and 11 has an analogue. The others
// test what the model does not have: sizes in bytes (2, "extra pages" of
// 1: a trace gives a page count), the freeing of the slot and dma arrays
// (3, 4: C++ ownership here), the legacy swap_storage (5, 15), and the
// bo/driver creation hooks (6-10).
//
// The kunit pool tests run on a device with coherent DMA; "pre-populated"
// is: a tt allocated from a fresh pool, freed (its block lands in the
// pool), destroyed.
#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::Invariants;
using testing::PoolEntries;
using testing::SmallMachine;
using testing::Tt;

const std::vector<std::string> kNone;
constexpr Caching kUC = Caching::kUncached;

MachineConfig DmaMachine() {
  Config c;
  c.use_dma_alloc = true;
  return SmallMachine(c);
}

void PrePopulate(Engine& engine, uint64_t pages, Caching caching) {
  TTM_APPLY_CLEAN(engine, Allocate(99, pages, caching));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{99, true}), 0);
  TTM_APPLY_CLEAN(engine, FreeEvent{99});
}

// The pool's own type (coherent-DMA pools use their own for every caching).
size_t Own(Engine& engine, Caching caching, uint32_t order) {
  return PoolEntries(engine, caching, order, /*per_pool=*/true);
}

struct AllocBasicCase {
  const char* name;
  uint64_t pages;
  bool use_dma_alloc;
};

// 6.1.1 ttm_pool_alloc_basic: the head of the first block records its
// order (MAX_ORDER above the limit), and above the limit the last page is a
// tail of the second MAX_ORDER block. With coherent DMA the kernel keeps a
// dma descriptor in page->private instead of the order; the model keeps
// the order for both, so the same assertions stand for the descriptor.
TEST(KunitTtmPool, AllocBasicRecordsTheBlockOrderOnTheFirstPage) {
  const uint32_t maxo = SmallMachine().max_order;
  const AllocBasicCase cases[] = {
      {"One page", 1, false},
      {"More than one page", 4, false},
      {"Above the allocation limit", uint64_t{2} << maxo, false},
      {"One page, with coherent DMA mappings enabled", 1, true},
      {"Above the allocation limit, with coherent DMA mappings enabled", uint64_t{2} << maxo, true},
  };
  for (const AllocBasicCase& c : cases) {
    SCOPED_TRACE(c.name);
    Engine engine(c.use_dma_alloc ? DmaMachine() : SmallMachine());
    EXPECT_EQ(engine.config().use_dma_alloc, c.use_dma_alloc);
    EXPECT_FALSE(engine.config().numa_node);
    TTM_APPLY_CLEAN(engine, Allocate(1, c.pages, kUC));
    EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
    const TtmModel& m = EngineTestPeer::Model(engine);
    const TtObject& tt = Tt(engine, 1);
    EXPECT_EQ(tt.num_pages, c.pages);
    const uint32_t order = std::min(maxo, Fls(c.pages));
    EXPECT_EQ(m.page(tt.pages.Get(0).pfn()).private_order, order);
    if (c.pages > (uint64_t{1} << maxo)) {
      const Page last = m.page(tt.pages.Get(c.pages - 1).pfn());
      EXPECT_EQ(last.private_order, 0u);
      EXPECT_TRUE(last.tail);
    }
    EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  }
}

// 6.1.2 ttm_pool_alloc_basic_dma_addr: a coherent-DMA pool fills the dma
// array of an sg-style tt, first and last entries included.
TEST(KunitTtmPool, AllocBasicDmaAddrFillsTheFirstAndLastDmaAddresses) {
  const uint32_t maxo = SmallMachine().max_order;
  for (uint64_t pages : {uint64_t{1}, uint64_t{4}, uint64_t{2} << maxo}) {
    SCOPED_TRACE(pages);
    Engine engine(DmaMachine());
    TTM_APPLY_CLEAN(engine, Allocate(1, pages, kUC, /*dma=*/true));
    EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
    const TtObject& tt = Tt(engine, 1);
    EXPECT_NE(tt.dma_address.Get(0), 0u);
    EXPECT_NE(tt.dma_address.Get(pages - 1), 0u);
    EXPECT_EQ(tt.dma_address.Get(pages - 1), BusAddress(tt.pages.Get(pages - 1).pfn()));
    EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  }
}

// 6.1.3 ttm_pool_alloc_order_caching_match.
TEST(KunitTtmPool, AllocOrderCachingMatchReusesThePooledPage) {
  Engine engine(DmaMachine());
  PrePopulate(engine, 1, kUC);
  EXPECT_EQ(Own(engine, kUC, 0), 1u);
  TTM_APPLY_CLEAN(engine, Allocate(1, 1, kUC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(Own(engine, kUC, 0), 0u);
  EXPECT_EQ(engine.counters().pool.hits, 1u);
}

// 6.1.4 ttm_pool_alloc_caching_mismatch.
TEST(KunitTtmPool, AllocCachingMismatchLeavesTheOtherCachingsPoolAlone) {
  Engine engine(DmaMachine());
  PrePopulate(engine, 1, Caching::kCached);
  EXPECT_EQ(Own(engine, Caching::kCached, 0), 1u);
  TTM_APPLY_CLEAN(engine, Allocate(1, 1, kUC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(Own(engine, Caching::kCached, 0), 1u);
  EXPECT_EQ(Own(engine, kUC, 0), 0u);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(Own(engine, Caching::kCached, 0), 1u);
  EXPECT_EQ(Own(engine, kUC, 0), 1u);
}

// 6.1.5 ttm_pool_alloc_order_mismatch: pooled blocks are never split.
TEST(KunitTtmPool, AllocOrderMismatchDoesNotSplitALargerPooledBlock) {
  Engine engine(DmaMachine());
  PrePopulate(engine, 4, kUC);
  EXPECT_EQ(Own(engine, kUC, 2), 1u);
  TTM_APPLY_CLEAN(engine, Allocate(1, 1, kUC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(Own(engine, kUC, 2), 1u);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(Own(engine, kUC, 2), 1u);
  EXPECT_EQ(Own(engine, kUC, 0), 1u);
}

// 6.1.6 ttm_pool_free_dma_alloc.
TEST(KunitTtmPool, FreeDmaAllocGivesTheBlockToTheOwnOrderTwoType) {
  Engine engine(DmaMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 4, kUC));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(Own(engine, kUC, 2), 0u);
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_EQ(Own(engine, kUC, 2), 1u);
}

// 6.1.8 ttm_pool_fini_basic: fini empties the pool's types.
TEST(KunitTtmPool, FiniBasicEmptiesThePool) {
  Engine engine(DmaMachine());
  PrePopulate(engine, 1, kUC);
  EXPECT_EQ(Own(engine, kUC, 0), 1u);
  LeakReport leaks = engine.Teardown();
  EXPECT_EQ(Own(engine, kUC, 0), 0u);
  EXPECT_EQ(EngineTestPeer::Model(engine).allocated_pages(), 0u);
  EXPECT_TRUE(leaks.ok());
  EXPECT_EQ(Invariants(leaks.violations), kNone);
}

// 6.2.1 ttm_tt_init_basic: num_pages, caching and flags as given; no dma
// array unless asked for (ttm_sg_tt_init), no pages, no restore; every tt
// gets its backup object (ttm_tt_setup_backup, as xe does).
TEST(KunitTtmTt, InitBasicStoresNumPagesCachingAndFlags) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 3, Caching::kWriteCombined, /*dma=*/false, /*zero_alloc=*/true));
  TTM_APPLY_CLEAN(engine, Allocate(2, 5, Caching::kCached, /*dma=*/true));
  const TtObject& a = Tt(engine, 1);
  EXPECT_EQ(a.num_pages, 3u);
  EXPECT_EQ(a.caching, Caching::kWriteCombined);
  EXPECT_EQ(a.page_flags, kTtFlagExternal | kTtFlagExternalMappable | kTtFlagZeroAlloc);
  EXPECT_FALSE(a.has_dma);
  EXPECT_EQ(a.dma_address.size(), 0u);
  EXPECT_EQ(a.restore, nullptr);
  EXPECT_TRUE(a.has_backup);
  EXPECT_EQ(engine.Inspect(1)->empty, 3u);
  const TtObject& b = Tt(engine, 2);
  EXPECT_EQ(b.num_pages, 5u);
  EXPECT_EQ(b.page_flags, kTtFlagExternal | kTtFlagExternalMappable);
  EXPECT_TRUE(b.has_dma);
  EXPECT_EQ(b.dma_address.size(), 5u);
  EXPECT_EQ(engine.Inspect(2)->state, TtState::kUnpopulated);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
}

// 6.2.11 ttm_tt_populate_null_ttm has this analogue: a populate of an
// object that does not exist is -EINVAL and changes nothing.
TEST(KunitTtmTt, PopulateOfAnUnknownTtIsEinval) {
  Engine engine(SmallMachine());
  Outcome o = engine.Apply(PopulateEvent{7, true});
  EXPECT_EQ(o.ret, kEINVAL);
  EXPECT_EQ(Invariants(o.violations), kNone);
  EXPECT_EQ(engine.Global().live_tts, 0u);
}

// 6.2.12 ttm_tt_populate_populated_ttm.
TEST(KunitTtmTt, PopulatingAPopulatedTtIsANoOp) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 4));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  const Slot first = Tt(engine, 1).pages.Get(0);
  const uint64_t misses = engine.counters().pool.misses;
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_EQ(Tt(engine, 1).pages.Get(0), first);
  EXPECT_EQ(engine.counters().pool.misses, misses);
  EXPECT_EQ(engine.Global().system_used_pages, 4u);
}

// 6.2.13 ttm_tt_unpopulate_basic.
TEST(KunitTtmTt, UnpopulateClearsPopulated) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 4));
  EXPECT_EQ(TTM_APPLY_CLEAN(engine, PopulateEvent{1, true}), 0);
  EXPECT_TRUE(Tt(engine, 1).populated());
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_FALSE(Tt(engine, 1).populated());
  EXPECT_EQ(engine.Inspect(1)->state, TtState::kUnpopulated);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
}

// 6.2.14 ttm_tt_unpopulate_empty_ttm.
TEST(KunitTtmTt, UnpopulatingAnUnpopulatedTtIsHarmless) {
  Engine engine(SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 4));
  TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
  EXPECT_FALSE(Tt(engine, 1).populated());
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  EXPECT_TRUE(engine.Teardown().ok());
}

}  // namespace
}  // namespace ttm
