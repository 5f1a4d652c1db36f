// The simulated system page allocator: a buddy allocator over frames
// [0, system_pages) in two zones, ZONE_DMA32 [0, dma32_pages) and
// ZONE_NORMAL [dma32_pages, system_pages).
//
// Why the model needs one: whether ttm_pool_alloc() falls back to lower
// orders, whether a restore finds memory, and how a split block comes back
// together all depend on which blocks the system can hand out. The trace
// format pins the allocation policy (zone order, smallest order, lowest
// address, keep the lower half on a split) so that every implementation
// makes the same allocations succeed and fail; the real kernel's policy
// (per-cpu lists, migrate types, watermarks) is deliberately not modelled.
//
// Memory: the model simulates up to 2^28 frames, so the free lists are
// bitmaps (one per order, with summary levels for find-first-set) and the
// allocated state is one bit per frame; about half a byte per frame in all.
#ifndef TTM_CORE_ENGINE_PAGE_ALLOCATOR_H_
#define TTM_CORE_ENGINE_PAGE_ALLOCATOR_H_

#include <cassert>
#include <cstdint>
#include <optional>
#include <vector>

namespace ttm {

// A page frame number; system_pages <= 2^28 so 32 bits suffice.
using Pfn = uint32_t;

// Models one order's free list (the kernel's free_area[order]) as a set of
// block indices in [0, n) with find-first-set-at-or-after in O(log64 n):
// level 0 holds the bits, and bit w of level l+1 says whether word w of
// level l is non-zero. Lowest-address selection falls out of the search.
class SummaryBitmap {
 public:
  static constexpr uint64_t kNone = ~uint64_t{0};

  explicit SummaryBitmap(uint64_t n = 0);
  uint64_t size() const { return n_; }
  // Test, Set and Clear run once or twice per frame freed or allocated,
  // hence inline.
  bool Test(uint64_t i) const {
    assert(i < n_);
    return (levels_[0][i / kBits] >> (i % kBits)) & 1;
  }
  void Set(uint64_t i) {
    assert(i < n_);
    for (auto& level : levels_) {
      uint64_t& word = level[i / kBits];
      const bool was_empty = word == 0;
      word |= uint64_t{1} << (i % kBits);
      if (!was_empty) return;
      i /= kBits;
    }
  }
  void Clear(uint64_t i) {
    assert(i < n_);
    for (auto& level : levels_) {
      uint64_t& word = level[i / kBits];
      word &= ~(uint64_t{1} << (i % kBits));
      if (word != 0) return;
      i /= kBits;
    }
  }
  // Models the pick of a block from free_area[order] (the search half of
  // __rmqueue_smallest()); differs: the lowest set index >= from, or
  // kNone, the trace format's pinned policy, where the kernel takes the
  // list's head.
  uint64_t FindFirstFrom(uint64_t from) const;
  uint64_t memory_bytes() const;

 private:
  static constexpr uint64_t kBits = 64;
  uint64_t n_ = 0;
  std::vector<std::vector<uint64_t>> levels_;
};

// Models the buddy allocator behind __alloc_pages()/__free_pages().
//
// The allocator tracks which frames are allocated, not the order they were
// allocated at, so the kernel's split_page() needs no call here: a block
// allocated at order k may be freed as 2^k order-0 pages (or any aligned
// pieces), and the pieces merge back with their free buddies.
//
// Order-0 frees of consecutive frames (a split block put page by page, as
// the backup and restore loops do) are merged as one run. With maximal
// merging the free lists are a function of the set of free frames alone,
// so nothing can tell the run from the page-by-page merges: the allocated
// bits and used_pages() follow every Free() at once, and the run is merged
// into the free lists (as the largest aligned pieces it holds, each merged
// like a Free() of that order) before anything reads or changes them.
class PageAllocator {
 public:
  // Every frame starts free, in the largest naturally aligned blocks
  // (order <= max_order) that fit inside their zone. Requires
  // dma32_pages <= system_pages <= 2^28 and max_order <= 20 (asserted;
  // the trace layer validates configs).
  PageAllocator(uint64_t system_pages, uint64_t dma32_pages, uint32_t max_order);

  // Models __alloc_pages(gfp, order). Takes, from ZONE_NORMAL first and
  // then ZONE_DMA32 (dma32_only, i.e. GFP_DMA32: ZONE_DMA32 only), the
  // lowest-address free block among those of the smallest order >= `order`
  // and splits it down to `order`, keeping the lower half and freeing the
  // upper halves.
  // Return: the first frame of the block, or nullopt when no block can be
  // had in the allowed zones or order > max_order.
  std::optional<Pfn> Alloc(uint32_t order, bool dma32_only);

  enum class FreeError {
    kNone,
    kOutOfRange,     // the range leaves [0, system_pages), or order > max_order
    kMisaligned,     // pfn not aligned to 2^order, or the range spans the zone boundary
    kNotAllocated,   // some frame of the range is free: a double free
  };
  // Models __free_pages(page, order). Frees 2^order frames at pfn, which
  // must all be allocated, and merges the block with free buddies of the
  // same order inside its zone, up to max_order.
  // Return: kNone, or why nothing was changed.
  FreeError Free(Pfn pfn, uint32_t order) {
    // The next page of the pending run (the backup loop's put_page() of a
    // split block), inline: its allocated bit alone.
    if (order == 0 && pfn == run_end_ && run_end_ != run_first_ && pfn < system_pages_) {
      uint64_t& word = allocated_[pfn / 64];
      const uint64_t bit = uint64_t{1} << (pfn % 64);
      if ((word & bit) != 0) [[likely]] {
        word &= ~bit;
        --used_pages_;
        ++run_end_;
        return FreeError::kNone;
      }
    }
    return FreeAt(pfn, order);
  }

  // How many of the frames pfn, pfn + 1, ... are allocated, in a row: at
  // most max, none at or past system_pages.
  uint64_t AllocatedRun(Pfn pfn, uint64_t max) const;
  // Free(pfn + k, 0) for k = 0 .. n - 1, in that order, every frame
  // allocated (an AllocatedRun() of at least n): the same allocated bits,
  // used_pages() and free lists, a word of allocated bits at a time.
  void FreeRun(Pfn pfn, uint64_t n);

  // Test-only (EngineOptions::reference): false merges every order-0
  // Free() on the spot, as the kernel does, instead of as a run.
  void set_merge_runs(bool merge_runs) {
    Settle();
    merge_runs_ = merge_runs;
  }

  bool IsAllocated(Pfn pfn) const;  // false for pfn >= system_pages
  uint64_t used_pages() const { return used_pages_; }
  uint64_t free_pages() const { return system_pages_ - used_pages_; }
  uint64_t system_pages() const { return system_pages_; }
  uint64_t dma32_pages() const { return dma32_pages_; }
  uint32_t max_order() const { return max_order_; }

  // Number of free blocks of exactly this order (0 above max_order). A
  // pending run is merged first: the free lists are a cache of the free
  // frames, so a const allocator may change them (and is not to be read
  // from several threads at once while a run is pending).
  uint64_t free_blocks(uint32_t order) const;
  // Heap bytes held by the allocator's bitmaps, for benchmarks.
  uint64_t memory_bytes() const;

 private:
  // The zone holding frame pfn: [0, dma32) or [dma32, system).
  bool InDma32(uint64_t pfn) const { return pfn < dma32_pages_; }
  // Free() of anything but the next page of the pending run.
  FreeError FreeAt(Pfn pfn, uint32_t order);
  bool SpansZoneBoundary(uint64_t pfn, uint32_t order) const;
  // The lowest free block of exactly `order` in the zone, if any.
  std::optional<uint64_t> LowestFree(uint32_t order, bool dma32_zone) const;
  void AddFree(uint64_t pfn, uint32_t order) const {
    free_[order].Set(pfn >> order);
    ++free_count_[order];
  }
  void RemoveFree(uint64_t pfn, uint32_t order) const {
    free_[order].Clear(pfn >> order);
    --free_count_[order];
  }
  // Puts the free block of 2^order frames at pfn (allocated bits already
  // clear) on the free lists, merged with its free buddies: __free_one_page().
  void MergeFree(uint64_t pfn, uint32_t order) const;
  // Merges the pending run, if any, into the free lists.
  void Settle() const {
    if (run_end_ != run_first_) SettleRun();
  }
  void SettleRun() const;
  // Model bookkeeping, no kernel counterpart: whether every frame of
  // [pfn, pfn + count) is marked allocated (a free of any other is refused).
  bool AllAllocated(uint64_t pfn, uint64_t count) const;
  // Model bookkeeping, no kernel counterpart: the allocated marks of
  // [pfn, pfn + count) set or cleared, a word at a time (where the kernel
  // has page reference counts).
  void MarkAllocated(uint64_t pfn, uint64_t count, bool allocated);

  uint64_t system_pages_;
  uint64_t dma32_pages_;
  uint32_t max_order_;
  uint64_t used_pages_ = 0;
  // free_[k] holds pfn >> k of every free block of order k. Mutable: the
  // free lists follow from the free frames, and Settle() brings them up
  // to date in const calls too.
  mutable std::vector<SummaryBitmap> free_;
  mutable std::vector<uint64_t> free_count_;
  // One bit per frame: set while the frame is allocated.
  std::vector<uint64_t> allocated_;
  // Frames [run_first_, run_end_) were freed at order 0, one after
  // another, and are not yet on the free lists (Settle()).
  mutable uint64_t run_first_ = 0;
  mutable uint64_t run_end_ = 0;
  bool merge_runs_ = true;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_PAGE_ALLOCATOR_H_
