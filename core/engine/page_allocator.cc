#include "core/engine/page_allocator.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace ttm {

namespace {

constexpr uint64_t kWordBits = 64;

uint64_t WordsFor(uint64_t bits) { return (bits + kWordBits - 1) / kWordBits; }

// Model bookkeeping, no kernel counterpart: calls f(word index, mask)
// for the words of a bitmap holding bits [first, first + count), the mask
// selecting those bits: the words between the first and the last whole.
template <typename F>
void ForEachWord(uint64_t first, uint64_t count, F f) {
  if (count == 0) return;
  const uint64_t last = first + count - 1;
  const uint64_t w0 = first / kWordBits, w1 = last / kWordBits;
  const uint64_t head = ~uint64_t{0} << (first % kWordBits);
  const uint64_t tail = ~uint64_t{0} >> (kWordBits - 1 - last % kWordBits);
  if (w0 == w1) return f(w0, head & tail);
  f(w0, head);
  for (uint64_t w = w0 + 1; w < w1; ++w) f(w, ~uint64_t{0});
  f(w1, tail);
}

}  // namespace

// ---- SummaryBitmap -------------------------------------------------------

SummaryBitmap::SummaryBitmap(uint64_t n) : n_(n) {
  uint64_t bits = n;
  do {
    const uint64_t words = WordsFor(bits);
    levels_.emplace_back(words == 0 ? 1 : words, 0);
    bits = levels_.back().size();
  } while (bits > 1);
}

uint64_t SummaryBitmap::FindFirstFrom(uint64_t from) const {
  if (from >= n_) return kNone;
  // Up: the first level whose word at or after the index holds a set bit
  // there (each level up indexes the words of the one below).
  size_t level = 0;
  uint64_t i = from;
  for (;; ++level) {
    if (level >= levels_.size()) return kNone;
    const std::vector<uint64_t>& words = levels_[level];
    const uint64_t w = i / kBits;
    if (w >= words.size()) return kNone;
    const uint64_t here = words[w] & (~uint64_t{0} << (i % kBits));
    if (here != 0) {
      i = w * kBits + static_cast<uint64_t>(std::countr_zero(here));
      break;
    }
    i = w + 1;  // the next word of this level, looked for one level up
  }
  // Down: the lowest set bit of each non-empty word found.
  while (level > 0) {
    --level;
    i = i * kBits + static_cast<uint64_t>(std::countr_zero(levels_[level][i]));
  }
  return i;
}

uint64_t SummaryBitmap::memory_bytes() const {
  uint64_t bytes = 0;
  for (const auto& level : levels_) bytes += level.capacity() * sizeof(uint64_t);
  return bytes;
}

// ---- PageAllocator -------------------------------------------------------

PageAllocator::PageAllocator(uint64_t system_pages, uint64_t dma32_pages,
                             uint32_t max_order)
    : system_pages_(system_pages), dma32_pages_(dma32_pages), max_order_(max_order) {
  assert(dma32_pages <= system_pages);
  assert(system_pages <= (uint64_t{1} << 28));
  assert(max_order <= 20);
  for (uint32_t k = 0; k <= max_order_; ++k) {
    free_.emplace_back((system_pages_ >> k) + 1);
  }
  free_count_.assign(max_order_ + 1, 0);
  allocated_.assign(WordsFor(system_pages_), 0);

  // The canonical layout: greedily the largest aligned block that fits,
  // zone by zone, which is also what freeing every frame would merge into.
  const uint64_t zones[2][2] = {{0, dma32_pages_}, {dma32_pages_, system_pages_}};
  for (const auto& zone : zones) {
    uint64_t pfn = zone[0];
    while (pfn < zone[1]) {
      uint32_t k = max_order_;
      while (k > 0 && ((pfn & ((uint64_t{1} << k) - 1)) != 0 ||
                       pfn + (uint64_t{1} << k) > zone[1])) {
        --k;
      }
      AddFree(pfn, k);
      pfn += uint64_t{1} << k;
    }
  }
}

bool PageAllocator::SpansZoneBoundary(uint64_t pfn, uint32_t order) const {
  return pfn < dma32_pages_ && pfn + (uint64_t{1} << order) > dma32_pages_;
}

std::optional<uint64_t> PageAllocator::LowestFree(uint32_t order,
                                                   bool dma32_zone) const {
  // Free blocks never span the zone boundary, so a block's zone is the zone
  // of its first frame: NORMAL blocks are those starting at or after
  // dma32_pages, DMA32 blocks those starting before it.
  const uint64_t first_normal =
      (dma32_pages_ + (uint64_t{1} << order) - 1) >> order;
  const uint64_t index = free_[order].FindFirstFrom(dma32_zone ? 0 : first_normal);
  if (index == SummaryBitmap::kNone) return std::nullopt;
  if (dma32_zone && index >= first_normal) return std::nullopt;
  return index << order;
}

std::optional<Pfn> PageAllocator::Alloc(uint32_t order, bool dma32_only) {
  if (order > max_order_) return std::nullopt;
  Settle();
  const bool zone_order[2] = {false, true};  // NORMAL, then DMA32
  for (bool dma32_zone : zone_order) {
    if (dma32_only && !dma32_zone) continue;
    // A zone without frames (NORMAL on a machine that is all DMA32) has no
    // free block, an order without free blocks in either zone neither:
    // not searched.
    if (dma32_zone ? dma32_pages_ == 0 : dma32_pages_ == system_pages_) continue;
    for (uint32_t k = order; k <= max_order_; ++k) {
      if (free_count_[k] == 0) continue;
      const std::optional<uint64_t> found = LowestFree(k, dma32_zone);
      if (!found) continue;
      const uint64_t pfn = *found;
      RemoveFree(pfn, k);
      for (uint32_t j = k; j > order; --j) {
        AddFree(pfn + (uint64_t{1} << (j - 1)), j - 1);
      }
      MarkAllocated(pfn, uint64_t{1} << order, true);
      used_pages_ += uint64_t{1} << order;
      return static_cast<Pfn>(pfn);
    }
  }
  return std::nullopt;
}

PageAllocator::FreeError PageAllocator::FreeAt(Pfn pfn_in, uint32_t order) {
  const uint64_t pfn = pfn_in;
  if (order > max_order_) return FreeError::kOutOfRange;
  const uint64_t count = uint64_t{1} << order;
  if (pfn >= system_pages_ || count > system_pages_ - pfn) {
    return FreeError::kOutOfRange;
  }
  if ((pfn & (count - 1)) != 0 || SpansZoneBoundary(pfn, order)) {
    return FreeError::kMisaligned;
  }
  if (order == 0) {
    // One frame (a split block freed page by page): its bit alone.
    uint64_t& word = allocated_[pfn / kWordBits];
    const uint64_t bit = uint64_t{1} << (pfn % kWordBits);
    if ((word & bit) == 0) return FreeError::kNotAllocated;
    word &= ~bit;
    used_pages_ -= 1;
    if (merge_runs_) {
      // The next frame of the run, or the first of a new one.
      if (pfn != run_end_) {
        Settle();
        run_first_ = pfn;
      }
      run_end_ = pfn + 1;
    } else {
      MergeFree(pfn, 0);
    }
    return FreeError::kNone;
  }
  if (!AllAllocated(pfn, count)) return FreeError::kNotAllocated;
  MarkAllocated(pfn, count, false);
  used_pages_ -= count;
  Settle();
  MergeFree(pfn, order);
  return FreeError::kNone;
}

uint64_t PageAllocator::AllocatedRun(Pfn pfn_in, uint64_t max) const {
  const uint64_t pfn = pfn_in;
  if (pfn >= system_pages_) return 0;
  const uint64_t end = pfn + std::min(max, system_pages_ - pfn);
  uint64_t i = pfn;
  while (i < end) {
    const uint64_t bit = i % kWordBits;
    const uint64_t ones = static_cast<uint64_t>(std::countr_one(allocated_[i / kWordBits] >> bit));
    const uint64_t left = kWordBits - bit;  // bits of i's word from i on
    i += std::min(ones, left);
    if (ones < left) break;
  }
  return std::min(i, end) - pfn;
}

void PageAllocator::FreeRun(Pfn pfn_in, uint64_t n) {
  const uint64_t pfn = pfn_in;
  assert(n > 0 && AllocatedRun(pfn_in, n) == n);
  if (!merge_runs_) {
    for (uint64_t k = 0; k < n; ++k) FreeAt(static_cast<Pfn>(pfn + k), 0);
    return;
  }
  MarkAllocated(pfn, n, false);
  used_pages_ -= n;
  // The frames extend the pending run, or start a new one (FreeAt() of
  // the first, then the inline Free() of the others).
  if (pfn != run_end_) {
    Settle();
    run_first_ = pfn;
  }
  run_end_ = pfn + n;
}

void PageAllocator::MergeFree(uint64_t pfn, uint32_t order) const {
  uint64_t block = pfn;
  uint32_t k = order;
  while (k < max_order_) {
    const uint64_t buddy = block ^ (uint64_t{1} << k);
    const uint64_t merged = block & ~(uint64_t{1} << k);
    // A free buddy lies inside one zone; the merged block must too.
    if (SpansZoneBoundary(merged, k + 1)) break;
    if ((buddy >> k) >= free_[k].size() || !free_[k].Test(buddy >> k)) break;
    RemoveFree(buddy, k);
    block = merged;
    ++k;
  }
  AddFree(block, k);
}

// The run's frames were allocated, so no free block overlaps them, and the
// free lists are maximally merged. Freeing the run as its largest aligned
// pieces (inside one zone, order <= max_order), each merged with its free
// buddies, keeps them maximally merged, which is the one state that has
// exactly these frames free: the state the page-by-page merges reach.
void PageAllocator::SettleRun() const {
  uint64_t pfn = run_first_;
  const uint64_t end = run_end_;
  run_first_ = run_end_ = 0;
  while (pfn < end) {
    uint32_t k = std::min<uint32_t>(max_order_, static_cast<uint32_t>(std::countr_zero(pfn)));
    while (k > 0 && (pfn + (uint64_t{1} << k) > end || SpansZoneBoundary(pfn, k))) --k;
    MergeFree(pfn, k);
    pfn += uint64_t{1} << k;
  }
}

bool PageAllocator::IsAllocated(Pfn pfn) const {
  if (pfn >= system_pages_) return false;
  return (allocated_[pfn / kWordBits] >> (pfn % kWordBits)) & 1;
}

uint64_t PageAllocator::free_blocks(uint32_t order) const {
  if (order > max_order_) return 0;
  Settle();
  return free_count_[order];
}

uint64_t PageAllocator::memory_bytes() const {
  uint64_t bytes = allocated_.capacity() * sizeof(uint64_t) +
                   free_count_.capacity() * sizeof(uint64_t) +
                   free_.capacity() * sizeof(SummaryBitmap);
  for (const auto& bitmap : free_) bytes += bitmap.memory_bytes();
  return bytes;
}

bool PageAllocator::AllAllocated(uint64_t pfn, uint64_t count) const {
  bool all = true;
  ForEachWord(pfn, count, [&](uint64_t w, uint64_t mask) { all &= (allocated_[w] & mask) == mask; });
  return all;
}

void PageAllocator::MarkAllocated(uint64_t pfn, uint64_t count, bool allocated) {
  if (allocated) {
    ForEachWord(pfn, count, [&](uint64_t w, uint64_t mask) { allocated_[w] |= mask; });
  } else {
    ForEachWord(pfn, count, [&](uint64_t w, uint64_t mask) { allocated_[w] &= ~mask; });
  }
}

}  // namespace ttm
