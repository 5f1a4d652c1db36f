#include "core/prng.h"
#include "core/engine/page_allocator.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace ttm {
namespace {

using FreeError = PageAllocator::FreeError;

// Free blocks per order, 0 .. max_order.
std::vector<uint64_t> FreeBlocks(const PageAllocator& a) {
  std::vector<uint64_t> out;
  for (uint32_t k = 0; k <= a.max_order(); ++k) out.push_back(a.free_blocks(k));
  return out;
}

std::vector<bool> AllocatedMap(const PageAllocator& a) {
  std::vector<bool> out;
  for (uint64_t p = 0; p < a.system_pages(); ++p) out.push_back(a.IsAllocated(static_cast<Pfn>(p)));
  return out;
}

// 64 frames, DMA32 [0, 21), NORMAL [21, 64), max order 3.
PageAllocator UnalignedMachine() { return PageAllocator(64, 21, 3); }

TEST(PageAllocatorTest, InitialLayoutUsesLargestAlignedBlocksInsideEachZone) {
  PageAllocator a = UnalignedMachine();
  // DMA32: 0+8, 8+8, 16+4, 20+1. NORMAL: 21+1, 22+2, 24+8, 32..63 as 4x8.
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{2, 1, 1, 7}));
  EXPECT_EQ(a.free_pages(), 64u);
  EXPECT_EQ(a.used_pages(), 0u);
  EXPECT_FALSE(a.IsAllocated(0));
  EXPECT_FALSE(a.IsAllocated(64));  // beyond the machine
}

TEST(PageAllocatorTest, AllocationTakesTheSmallestOrderThenTheLowestAddress) {
  PageAllocator a = UnalignedMachine();
  EXPECT_EQ(a.Alloc(0, false), Pfn{21});  // the order-0 block of NORMAL
  EXPECT_EQ(a.Alloc(0, false), Pfn{22});  // splits the order-1 block at 22
  EXPECT_EQ(a.Alloc(0, false), Pfn{23});  // its upper half
  EXPECT_EQ(a.Alloc(1, false), Pfn{24});  // splits 24+8: frees 26+2 and 28+4
  EXPECT_EQ(a.Alloc(2, false), Pfn{28});
  EXPECT_EQ(a.Alloc(1, false), Pfn{26});
  EXPECT_EQ(a.Alloc(3, false), Pfn{32});
  EXPECT_EQ(a.used_pages(), 1u + 1 + 1 + 2 + 4 + 2 + 8);
}

TEST(PageAllocatorTest, NormalZoneIsUsedBeforeDma32) {
  PageAllocator a = UnalignedMachine();
  for (Pfn expected : {24, 32, 40, 48, 56}) EXPECT_EQ(a.Alloc(3, false), expected);
  // NORMAL has no order-3 block left; DMA32 has two.
  EXPECT_EQ(a.Alloc(3, false), Pfn{0});
  EXPECT_EQ(a.Alloc(3, false), Pfn{8});
  EXPECT_EQ(a.Alloc(3, false), std::nullopt);
  // Order 2: NORMAL's 22+2 cannot serve it, DMA32's 16+4 can.
  EXPECT_EQ(a.Alloc(2, false), Pfn{16});
}

TEST(PageAllocatorTest, Dma32OnlyAllocationsNeverLeaveTheDma32Zone) {
  PageAllocator a = UnalignedMachine();
  EXPECT_EQ(a.Alloc(0, true), Pfn{20});
  EXPECT_EQ(a.Alloc(2, true), Pfn{16});
  EXPECT_EQ(a.Alloc(3, true), Pfn{0});
  EXPECT_EQ(a.Alloc(3, true), Pfn{8});
  EXPECT_EQ(a.Alloc(0, true), std::nullopt);
  EXPECT_EQ(a.Alloc(0, false), Pfn{21});  // NORMAL still has memory
}

TEST(PageAllocatorTest, MachineWithoutDma32ZoneFailsDma32OnlyAllocations) {
  PageAllocator a(16, 0, 4);
  EXPECT_EQ(a.Alloc(0, true), std::nullopt);
  EXPECT_EQ(a.Alloc(0, false), Pfn{0});
}

TEST(PageAllocatorTest, OrdersAboveMaxOrderFail) {
  PageAllocator a(1024, 0, 3);
  EXPECT_EQ(a.Alloc(4, false), std::nullopt);
  EXPECT_EQ(a.used_pages(), 0u);
}

TEST(PageAllocatorTest, SplitKeepsTheLowerHalfAndFreesTheUpperHalves) {
  PageAllocator a(16, 0, 4);
  EXPECT_EQ(a.Alloc(0, false), Pfn{0});
  // 1+1, 2+2, 4+4, 8+8 are free.
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{1, 1, 1, 1, 0}));
  EXPECT_TRUE(a.IsAllocated(0));
  EXPECT_FALSE(a.IsAllocated(1));
}

TEST(PageAllocatorTest, FreeingMergesBackUpToMaxOrder) {
  PageAllocator a(16, 0, 4);
  const std::optional<Pfn> p = a.Alloc(0, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(a.Free(*p, 0), FreeError::kNone);
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(a.used_pages(), 0u);
}

TEST(PageAllocatorTest, MergingStopsAtMaxOrder) {
  PageAllocator a(64, 0, 2);
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{0, 0, 16}));
  const std::optional<Pfn> p = a.Alloc(2, false);
  ASSERT_EQ(p, Pfn{0});
  EXPECT_EQ(a.Free(*p, 2), FreeError::kNone);
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{0, 0, 16}));
}

TEST(PageAllocatorTest, BuddiesOnBothSidesOfTheZoneBoundaryNeverMerge) {
  PageAllocator a(16, 8, 4);
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{0, 0, 0, 2, 0}));
  const std::optional<Pfn> normal = a.Alloc(3, false);
  const std::optional<Pfn> dma32 = a.Alloc(3, false);
  ASSERT_EQ(normal, Pfn{8});
  ASSERT_EQ(dma32, Pfn{0});
  EXPECT_EQ(a.Free(*normal, 3), FreeError::kNone);
  EXPECT_EQ(a.Free(*dma32, 3), FreeError::kNone);
  EXPECT_EQ(FreeBlocks(a), (std::vector<uint64_t>{0, 0, 0, 2, 0}));
}

TEST(PageAllocatorTest, UnalignedBoundaryPagesMergeOnlyWithinTheirZone) {
  PageAllocator a = UnalignedMachine();
  const std::vector<uint64_t> initial = FreeBlocks(a);
  // Frame 20 (DMA32) and 21 (NORMAL) are order-0 buddies' neighbours across
  // the boundary; 20's buddy is 21, which must not merge with it.
  ASSERT_EQ(a.Alloc(0, true), Pfn{20});
  ASSERT_EQ(a.Alloc(0, false), Pfn{21});
  EXPECT_EQ(a.Free(20, 0), FreeError::kNone);
  EXPECT_EQ(a.Free(21, 0), FreeError::kNone);
  EXPECT_EQ(FreeBlocks(a), initial);
}

TEST(PageAllocatorTest, BadFreesReportAnErrorAndChangeNothing) {
  PageAllocator a = UnalignedMachine();
  const std::optional<Pfn> p = a.Alloc(2, false);  // 24..27 (from 24+8)
  ASSERT_EQ(p, Pfn{24});
  ASSERT_EQ(a.Alloc(0, false), Pfn{21});
  ASSERT_EQ(a.Alloc(0, true), Pfn{20});
  const std::vector<uint64_t> blocks = FreeBlocks(a);
  const std::vector<bool> allocated = AllocatedMap(a);
  const uint64_t used = a.used_pages();

  EXPECT_EQ(a.Free(64, 0), FreeError::kOutOfRange);
  EXPECT_EQ(a.Free(56, 4), FreeError::kOutOfRange);  // order above max_order
  EXPECT_EQ(a.Free(~Pfn{0}, 0), FreeError::kOutOfRange);
  EXPECT_EQ(a.Free(26, 2), FreeError::kMisaligned);
  EXPECT_EQ(a.Free(20, 1), FreeError::kMisaligned);  // spans frames 20 and 21
  EXPECT_EQ(a.Free(24, 3), FreeError::kNotAllocated);  // 28..31 are free
  EXPECT_EQ(a.Free(0, 0), FreeError::kNotAllocated);
  EXPECT_EQ(a.Free(24, 2), FreeError::kNone);
  EXPECT_EQ(a.Free(24, 2), FreeError::kNotAllocated);  // double free
  EXPECT_EQ(a.Free(25, 0), FreeError::kNotAllocated);

  // Everything but the one good free is as before.
  EXPECT_EQ(a.used_pages(), used - 4);
  ASSERT_EQ(a.Alloc(2, false), Pfn{24});
  EXPECT_EQ(FreeBlocks(a), blocks);
  EXPECT_EQ(AllocatedMap(a), allocated);
}

TEST(PageAllocatorTest, SplitBlockFreedPageByPageMergesBack) {
  PageAllocator a(64, 0, 4);
  const std::vector<uint64_t> initial = FreeBlocks(a);
  const std::optional<Pfn> p = a.Alloc(3, false);
  ASSERT_TRUE(p);
  // split_page(): the eight frames are now freed as independent pages, in
  // an order that exercises merges at several levels.
  for (Pfn off : {5, 0, 7, 2, 1, 6, 3}) EXPECT_EQ(a.Free(*p + off, 0), FreeError::kNone);
  EXPECT_NE(FreeBlocks(a), initial);
  EXPECT_EQ(a.Free(*p + 4, 0), FreeError::kNone);
  EXPECT_EQ(FreeBlocks(a), initial);
  EXPECT_EQ(a.used_pages(), 0u);
}

TEST(PageAllocatorTest, PagesFreedInAscendingOrderMergeBackAsOneRun) {
  PageAllocator a(64, 0, 4);
  const std::vector<uint64_t> initial = FreeBlocks(a);
  const std::optional<Pfn> p = a.Alloc(3, false);
  ASSERT_TRUE(p);
  for (Pfn off = 0; off < 8; ++off) {
    EXPECT_EQ(a.Free(*p + off, 0), FreeError::kNone);
    // The allocated bits and the count follow each page at once.
    EXPECT_FALSE(a.IsAllocated(*p + off));
    EXPECT_EQ(a.used_pages(), 7u - off);
  }
  EXPECT_EQ(FreeBlocks(a), initial);
  EXPECT_EQ(a.Alloc(4, false), Pfn{0});
}

TEST(PageAllocatorTest, PendingRunIsMergedBeforeAnAllocationLooksAtTheFreeLists) {
  PageAllocator a(16, 0, 2);
  ASSERT_EQ(a.Alloc(2, false), Pfn{0});
  ASSERT_EQ(a.Alloc(2, false), Pfn{4});
  // Frames 0..3 put one by one: only their merge makes an order-2 block at 0.
  for (Pfn f = 0; f < 4; ++f) ASSERT_EQ(a.Free(f, 0), FreeError::kNone);
  EXPECT_EQ(a.Alloc(2, false), Pfn{0});
}

TEST(PageAllocatorTest, FrameOfThePendingRunFreedAgainIsADoubleFree) {
  PageAllocator a(16, 0, 2);
  ASSERT_EQ(a.Alloc(2, false), Pfn{0});
  ASSERT_EQ(a.Free(0, 0), FreeError::kNone);
  ASSERT_EQ(a.Free(1, 0), FreeError::kNone);
  EXPECT_EQ(a.Free(0, 0), FreeError::kNotAllocated);
  EXPECT_EQ(a.Free(0, 1), FreeError::kNotAllocated);
  EXPECT_EQ(a.used_pages(), 2u);
}

TEST(PageAllocatorTest, RunAcrossTheZoneBoundaryMergesOnlyWithinEachZone) {
  // DMA32 [0, 6), NORMAL [6, 16): frames 4..7 are one allocated run.
  PageAllocator a(16, 6, 3);
  const std::vector<uint64_t> initial = FreeBlocks(a);
  std::vector<Pfn> got;
  while (std::optional<Pfn> p = a.Alloc(0, false)) got.push_back(*p);
  ASSERT_EQ(got.size(), 16u);
  for (Pfn f = 0; f < 16; ++f) ASSERT_EQ(a.Free(f, 0), FreeError::kNone);
  EXPECT_EQ(FreeBlocks(a), initial);
}

TEST(PageAllocatorTest, AllocatedRunCountsAllocatedFramesUpToTheFirstFreeOne) {
  PageAllocator a(200, 0, 3);
  std::vector<Pfn> got;
  while (std::optional<Pfn> p = a.Alloc(0, false)) got.push_back(*p);
  ASSERT_EQ(a.used_pages(), 200u);
  ASSERT_EQ(a.Free(130, 0), FreeError::kNone);
  EXPECT_EQ(a.AllocatedRun(0, 1000), 130u);
  EXPECT_EQ(a.AllocatedRun(5, 64), 64u);
  EXPECT_EQ(a.AllocatedRun(60, 10), 10u);
  EXPECT_EQ(a.AllocatedRun(130, 5), 0u);
  EXPECT_EQ(a.AllocatedRun(131, 1000), 69u);  // stops at the machine's end
  EXPECT_EQ(a.AllocatedRun(199, 1), 1u);
  EXPECT_EQ(a.AllocatedRun(200, 1), 0u);
  EXPECT_EQ(a.AllocatedRun(3, 0), 0u);
}

TEST(PageAllocatorTest, FreeRunIsThePageByPageFreesOfItsFrames) {
  // Random runs of allocated frames freed at once and frame by frame, by
  // runs and by merges on the spot: the same frames, counts, free lists
  // and later allocations.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    PageAllocator bulk(512, 100, 5), single(512, 100, 5), merged(512, 100, 5);
    merged.set_merge_runs(false);
    Prng rng(seed);
    for (int round = 0; round < 200; ++round) {
      if (rng.Below(2) == 0) {
        const uint32_t order = static_cast<uint32_t>(rng.Below(6));
        const bool dma32 = rng.Below(4) == 0;
        const std::optional<Pfn> p = bulk.Alloc(order, dma32);
        ASSERT_EQ(single.Alloc(order, dma32), p);
        ASSERT_EQ(merged.Alloc(order, dma32), p);
        continue;
      }
      const Pfn from = static_cast<Pfn>(rng.Below(512));
      const uint64_t max = 1 + rng.Below(80);
      const uint64_t n = bulk.AllocatedRun(from, max);
      ASSERT_EQ(n, single.AllocatedRun(from, max));
      ASSERT_LE(n, max);
      if (n == 0) continue;
      bulk.FreeRun(from, n);
      merged.FreeRun(from, n);
      for (uint64_t k = 0; k < n; ++k)
        ASSERT_EQ(single.Free(static_cast<Pfn>(from + k), 0), FreeError::kNone);
      ASSERT_EQ(bulk.used_pages(), single.used_pages());
      ASSERT_EQ(AllocatedMap(bulk), AllocatedMap(single));
      ASSERT_EQ(AllocatedMap(merged), AllocatedMap(single));
      ASSERT_EQ(FreeBlocks(bulk), FreeBlocks(single)) << "seed " << seed << " round " << round;
      ASSERT_EQ(FreeBlocks(merged), FreeBlocks(single));
    }
  }
}

TEST(PageAllocatorTest, RunsAndPageByPageMergesGiveTheSameFreeLists) {
  // The same ascending, descending and interleaved frees with runs merged
  // as runs and page by page: every free list and every later allocation
  // agree.
  PageAllocator runs(512, 100, 5), pages(512, 100, 5);
  pages.set_merge_runs(false);
  Prng rng(11);
  std::vector<Pfn> held;
  for (int round = 0; round < 300; ++round) {
    const uint32_t order = static_cast<uint32_t>(rng.Below(6));
    const bool dma32 = rng.Below(4) == 0;
    const std::optional<Pfn> p = runs.Alloc(order, dma32);
    ASSERT_EQ(p, pages.Alloc(order, dma32)) << "round " << round;
    if (p)
      for (uint64_t j = 0; j < (uint64_t{1} << order); ++j) held.push_back(*p + static_cast<Pfn>(j));
    if (rng.Below(3) == 0 && !held.empty()) {
      // Put a stretch of held frames, ascending (runs) or not.
      std::sort(held.begin(), held.end());
      const size_t from = rng.Below(held.size());
      const size_t n = std::min<size_t>(held.size() - from, 1 + rng.Below(70));
      std::vector<Pfn> put(held.begin() + from, held.begin() + from + n);
      held.erase(held.begin() + from, held.begin() + from + n);
      if (rng.Below(4) == 0) std::reverse(put.begin(), put.end());
      for (Pfn f : put) {
        ASSERT_EQ(runs.Free(f, 0), FreeError::kNone);
        ASSERT_EQ(pages.Free(f, 0), FreeError::kNone);
      }
      ASSERT_EQ(FreeBlocks(runs), FreeBlocks(pages)) << "round " << round;
      ASSERT_EQ(AllocatedMap(runs), AllocatedMap(pages)) << "round " << round;
      ASSERT_EQ(runs.used_pages(), pages.used_pages());
    }
  }
  for (Pfn f : held) ASSERT_EQ(runs.Free(f, 0), pages.Free(f, 0));
  const PageAllocator fresh(512, 100, 5);
  EXPECT_EQ(FreeBlocks(runs), FreeBlocks(fresh));
  EXPECT_EQ(FreeBlocks(pages), FreeBlocks(fresh));
}

TEST(PageAllocatorTest, FragmentationFailsHighOrdersWhileOrderZeroSucceeds) {
  PageAllocator a(256, 64, 4);
  std::vector<Pfn> pages;
  while (std::optional<Pfn> p = a.Alloc(0, false)) pages.push_back(*p);
  ASSERT_EQ(pages.size(), 256u);
  for (Pfn p : pages) {
    if (p % 2 == 0) {
      ASSERT_EQ(a.Free(p, 0), FreeError::kNone);
    }
  }
  EXPECT_EQ(a.free_pages(), 128u);
  EXPECT_EQ(a.free_blocks(0), 128u);
  for (uint32_t k = 1; k <= 4; ++k) EXPECT_EQ(a.Alloc(k, false), std::nullopt) << k;
  EXPECT_EQ(a.Alloc(0, false), Pfn{64});  // lowest NORMAL hole
  EXPECT_EQ(a.Alloc(0, true), Pfn{0});
}

TEST(SummaryBitmapTest, FindFirstFromAnswersAsAScanForEveryStartOfARandomSparseSet) {
  // Three levels (64 * 64 < n), sets from empty to a few bits per summary
  // word, so that the search climbs and descends every level.
  const uint64_t n = 64 * 64 * 3 + 17;
  Prng rng(11);
  for (uint64_t bits : {0, 1, 2, 5, 40, 300}) {
    SummaryBitmap b(n);
    std::vector<bool> set(n, false);
    for (uint64_t k = 0; k < bits; ++k) {
      const uint64_t i = rng.Below(n);
      set[i] = true;
      b.Set(i);
    }
    // Some set and cleared again: summary bits must follow.
    for (uint64_t k = 0; k < bits / 3; ++k) {
      const uint64_t i = rng.Below(n);
      set[i] = false;
      b.Clear(i);
    }
    uint64_t want = SummaryBitmap::kNone;
    for (uint64_t from = n; from-- > 0;) {
      if (set[from]) want = from;
      ASSERT_EQ(b.FindFirstFrom(from), want) << "bits " << bits << " from " << from;
    }
    EXPECT_EQ(b.FindFirstFrom(n), SummaryBitmap::kNone);
  }
}

// ---- randomized comparison with a naive reference -------------------------



// The same contract written as plainly as possible: a per-frame allocated
// flag and a per-frame "head of a free block of order k" marker, searched
// by linear scans. Its initial layout is not computed but obtained by
// freeing every frame one at a time, which checks the greedy layout too.
class ReferenceAllocator {
 public:
  ReferenceAllocator(uint64_t n, uint64_t dma32, uint32_t max_order)
      : n_(n), dma32_(dma32), max_order_(max_order), allocated_(n, true), head_(n, -1) {
    for (uint64_t p = 0; p < n; ++p) Free(p, 0);
  }

  std::optional<Pfn> Alloc(uint32_t order, bool dma32_only) {
    if (order > max_order_) return std::nullopt;
    for (int zone = dma32_only ? 1 : 0; zone < 2; ++zone) {
      const uint64_t lo = zone == 0 ? dma32_ : 0;
      const uint64_t hi = zone == 0 ? n_ : dma32_;
      for (uint32_t k = order; k <= max_order_; ++k) {
        for (uint64_t p = lo; p < hi; ++p) {
          if (head_[p] != static_cast<int>(k)) continue;
          head_[p] = -1;
          for (uint32_t j = k; j > order; --j) {
            head_[p + (uint64_t{1} << (j - 1))] = static_cast<int>(j - 1);
          }
          for (uint64_t i = p; i < p + (uint64_t{1} << order); ++i) allocated_[i] = true;
          return static_cast<Pfn>(p);
        }
      }
    }
    return std::nullopt;
  }

  FreeError Free(uint64_t pfn, uint32_t order) {
    if (order > max_order_) return FreeError::kOutOfRange;
    const uint64_t size = uint64_t{1} << order;
    if (pfn + size > n_) return FreeError::kOutOfRange;
    if (pfn % size != 0 || (pfn < dma32_ && pfn + size > dma32_)) return FreeError::kMisaligned;
    for (uint64_t i = pfn; i < pfn + size; ++i) {
      if (!allocated_[i]) return FreeError::kNotAllocated;
    }
    for (uint64_t i = pfn; i < pfn + size; ++i) allocated_[i] = false;
    uint64_t block = pfn;
    uint32_t k = order;
    while (k < max_order_) {
      const uint64_t buddy = block ^ (uint64_t{1} << k);
      const uint64_t merged = std::min(block, buddy);
      const uint64_t merged_end = merged + (uint64_t{2} << k);
      if (merged < dma32_ && merged_end > dma32_) break;
      if (buddy >= n_ || head_[buddy] != static_cast<int>(k)) break;
      head_[buddy] = -1;
      block = merged;
      ++k;
    }
    head_[block] = static_cast<int>(k);
    return FreeError::kNone;
  }

  std::vector<uint64_t> FreeBlocks() const {
    std::vector<uint64_t> out(max_order_ + 1, 0);
    for (int h : head_) {
      if (h >= 0) ++out[h];
    }
    return out;
  }
  const std::vector<bool>& allocated() const { return allocated_; }

 private:
  uint64_t n_, dma32_;
  uint32_t max_order_;
  std::vector<bool> allocated_;
  std::vector<int> head_;
};

struct Machine {
  uint64_t system_pages, dma32_pages;
  uint32_t max_order;
  uint64_t seed;
};

class PageAllocatorRandomTest : public ::testing::TestWithParam<Machine> {};

TEST_P(PageAllocatorRandomTest, AgreesWithTheNaiveReferenceOnRandomOperations) {
  const Machine m = GetParam();
  PageAllocator real(m.system_pages, m.dma32_pages, m.max_order);
  ReferenceAllocator ref(m.system_pages, m.dma32_pages, m.max_order);
  ASSERT_EQ(FreeBlocks(real), ref.FreeBlocks());

  struct Live {
    Pfn pfn;
    uint32_t order;
  };
  std::vector<Live> live;
  uint64_t allocated = 0, refused = 0, bad_frees = 0;
  Prng rng(m.seed);
  for (int step = 0; step < 4000; ++step) {
    const uint64_t roll = rng.Below(100);
    if (roll < 50 || live.empty()) {
      // Low orders are common, as in a populate under pressure.
      const uint32_t order = static_cast<uint32_t>(rng.Below(m.max_order + 2));
      const uint32_t small = static_cast<uint32_t>(rng.Below(order + 1));
      const bool dma32_only = rng.Below(5) == 0;
      const std::optional<Pfn> got = real.Alloc(small, dma32_only);
      ASSERT_EQ(got, ref.Alloc(small, dma32_only)) << "step " << step;
      if (got) {
        live.push_back({*got, small});
        ++allocated;
      } else {
        ++refused;
      }
    } else if (roll < 85) {
      const size_t i = rng.Below(live.size());
      const Live block = live[i];
      live[i] = live.back();
      live.pop_back();
      if (rng.Below(3) == 0) {
        // split_page() then free the pages one by one, in a scrambled order.
        const uint64_t n = uint64_t{1} << block.order;
        // Ascending (stride 1, merged as one run) half of the time.
        const uint64_t stride = rng.Below(2) == 0 ? 1 : 2 * rng.Below(n) + 1;  // odd: a permutation
        for (uint64_t j = 0; j < n; ++j) {
          const Pfn p = static_cast<Pfn>(block.pfn + (j * stride) % n);
          ASSERT_EQ(real.Free(p, 0), ref.Free(p, 0)) << "step " << step;
        }
      } else {
        ASSERT_EQ(real.Free(block.pfn, block.order), ref.Free(block.pfn, block.order))
            << "step " << step;
      }
    } else {
      // A free that is usually wrong: random frame, random order.
      const Pfn p = static_cast<Pfn>(rng.Below(m.system_pages + 8));
      const uint32_t order = static_cast<uint32_t>(rng.Below(m.max_order + 2));
      const FreeError want = ref.Free(p, order);
      ASSERT_EQ(real.Free(p, order), want) << "step " << step;
      if (want != FreeError::kNone) ++bad_frees;
      if (want == FreeError::kNone) {
        // The random free released frames some live block owned: forget
        // every live block overlapping it, their frames are free now.
        const uint64_t end = uint64_t{p} + (uint64_t{1} << order);
        std::vector<Live> kept;
        for (const Live& l : live) {
          const uint64_t l_end = uint64_t{l.pfn} + (uint64_t{1} << l.order);
          if (l_end <= p || l.pfn >= end) {
            kept.push_back(l);
          } else {
            // Re-register the parts outside [p, end) as order-0 pages.
            for (uint64_t f = l.pfn; f < l_end; ++f) {
              if (f < p || f >= end) kept.push_back({static_cast<Pfn>(f), 0});
            }
          }
        }
        live = kept;
      }
    }
    if (step % 16 == 0) {
      ASSERT_EQ(FreeBlocks(real), ref.FreeBlocks()) << "step " << step;
      ASSERT_EQ(AllocatedMap(real), ref.allocated()) << "step " << step;
    }
  }
  // The workload reached both plenty and exhaustion, and tried bad frees.
  EXPECT_GT(allocated, 500u);
  EXPECT_GT(refused, 10u);
  EXPECT_GT(bad_frees, 100u);
  // Free everything: both must be back at the initial layout.
  for (const Live& l : live) ASSERT_EQ(real.Free(l.pfn, l.order), FreeError::kNone);
  EXPECT_EQ(real.used_pages(), 0u);
  const PageAllocator fresh(m.system_pages, m.dma32_pages, m.max_order);
  EXPECT_EQ(FreeBlocks(real), FreeBlocks(fresh));
}

INSTANTIATE_TEST_SUITE_P(
    Machines, PageAllocatorRandomTest,
    ::testing::Values(Machine{1000, 333, 4, 1}, Machine{1000, 333, 4, 2},
                      Machine{2048, 0, 10, 3}, Machine{1536, 1536, 6, 4},
                      Machine{1021, 509, 3, 5}, Machine{300, 299, 0, 6},
                      Machine{777, 1, 12, 7}));

}  // namespace
}  // namespace ttm
