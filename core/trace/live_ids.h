// LiveIds: the set of live tt ids and their page counts, as the trace
// reader keeps it for the id rules, in a few bytes per id.
//
// Why not std::unordered_map: at about 40 bytes per entry, `validate` of a
// trace that keeps 10 million objects alive needed 411 MB for nothing but
// this set. Two compact layouts share the work:
//  - a window: a flat array of page counts (0: not live) over a range of
//    consecutive ids. Producers number objects from a counter, so live ids
//    are mostly dense, and there an id costs 4 to 8 bytes. The window only
//    grows while it stays at least a quarter full, and hands its ids over
//    to the table when frees leave it less than an eighth full;
//  - the hash table of core/id_map.h (12 bytes a slot, 1/4 to 3/4 full,
//    bounded probes whatever the ids) for every id the window does not
//    cover: 16 to 48 bytes an id, about 80 for ids chosen to hash alike.
// Memory follows the number of live ids, never the length of the trace or
// the size of the ids. An id lives in one of the two; a window slot of 0
// means "look in the table". Nothing here is iterated for output.
#ifndef TTM_CORE_TRACE_LIVE_IDS_H_
#define TTM_CORE_TRACE_LIVE_IDS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/id_map.h"

namespace ttm::trace {

class LiveIds {
 public:
  // Adds `id` with `pages` (1 .. 2^32-2). Return: false when `id` is live
  // already (nothing changes then).
  bool Insert(uint64_t id, uint32_t pages);
  // The page count of `id`, or 0 when it is not live.
  uint32_t Find(uint64_t id) const;
  // Removes `id`. Return: false when it was not live.
  bool Erase(uint64_t id);

  size_t size() const { return window_live_ + table_.size(); }
  // Bytes of heap memory held, for tests and benchmarks.
  size_t memory_bytes() const;

 private:
  // The window covers ids [base_, base_ + window_.size() - head_), its
  // first live slot at window_[head_] (slots before head_ are dead and
  // dropped in bulk).
  bool InWindow(uint64_t id) const { return id >= base_ && id - base_ < window_.size() - head_; }
  uint32_t& WindowSlot(uint64_t id) { return window_[head_ + (id - base_)]; }
  bool TryWindowInsert(uint64_t id, uint32_t pages);
  void TrimWindow();
  void WindowToTable();

  std::vector<uint32_t> window_;
  size_t head_ = 0;
  uint64_t base_ = 0;
  size_t window_live_ = 0;

  IdMap table_;  // id -> page count
};

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_LIVE_IDS_H_
