// Issue 11: the engine frees a split block's pages one by one (the backup
// loop's put_page(), the restore's retained pages), and the buddy
// allocator merges consecutive ones as a run (PageAllocator). The
// reference engine merges every page on its own. Both must leave the
// machine in the same state: the same free blocks of every order, the same
// allocated frames and, from there, the same allocations.
#include <gtest/gtest.h>

#include <vector>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::SlotLayout;

// Runs the same events on a fast and a reference engine, none of which
// may find anything.
struct Pair : testing::FastAndReference {
  void Apply(const EventBody& e) { EXPECT_TRUE(FastAndReference::Apply(e).violations.empty()); }
  const PageAllocator& FastAllocator() { return EngineTestPeer::Model(fast).allocator(); }
  const PageAllocator& SlowAllocator() { return EngineTestPeer::Model(slow).allocator(); }
};

void ExpectSameMachine(Pair& p) {
  const PageAllocator& a = p.FastAllocator();
  const PageAllocator& b = p.SlowAllocator();
  for (uint32_t k = 0; k <= a.max_order(); ++k) EXPECT_EQ(a.free_blocks(k), b.free_blocks(k)) << k;
  for (uint64_t f = 0; f < a.system_pages(); ++f)
    ASSERT_EQ(a.IsAllocated(static_cast<Pfn>(f)), b.IsAllocated(static_cast<Pfn>(f))) << f;
  EXPECT_EQ(a.used_pages(), b.used_pages());
}

TEST(FreeRun, BackedUpSplitBlocksLeaveTheSameFreeListsAsPageByPageMerges) {
  Pair p;
  p.Apply(Allocate(1, 700));
  p.Apply(Allocate(2, 300));
  p.Apply(PopulateEvent{1, true});
  p.Apply(PopulateEvent{2, true});
  p.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  const uint64_t used = p.FastAllocator().used_pages();
  // Backing up 1 splits its blocks and puts their pages one by one.
  p.Apply(ShrinkEvent{1, false, false});
  EXPECT_EQ(p.FastAllocator().used_pages(), used - 700);
  ExpectSameMachine(p);
  // New allocations see the merged blocks: the same frames in both.
  p.Apply(Allocate(3, 512));
  p.Apply(PopulateEvent{3, true});
  EXPECT_EQ(SlotLayout(p.fast, 3), SlotLayout(p.slow, 3));
  // Restoring 1 and backing up 2 and 3 (their pages interleave in frames).
  p.Apply(PopulateEvent{1, true});
  p.Apply(ShrinkEvent{2, false, false});
  p.Apply(ShrinkEvent{3, false, false});
  ExpectSameMachine(p);
  EXPECT_EQ(SlotLayout(p.fast, 1), SlotLayout(p.slow, 1));
}

}  // namespace
}  // namespace ttm
