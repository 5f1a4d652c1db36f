// The engine's accounting of its own memory (docs/limits.md): what each
// part of the model holds on the heap, summed. No kernel counterpart.
#include <cstdint>
#include <map>

#include "core/engine/model.h"

namespace ttm {
namespace {

// A std::map / std::set node: the value and three pointers and a colour
// word (libstdc++'s _Rb_tree_node_base), rounded as malloc rounds.
template <typename Value>
constexpr uint64_t kTreeNodeBytes = (sizeof(Value) + 4 * sizeof(void*) + 15) / 16 * 16;

// Model bookkeeping, no kernel counterpart: the heap bytes of a restore
// struct and the storage its vectors keep.
uint64_t RestoreBytes(const RestoreState& r) {
  return sizeof(RestoreState) + r.old_pages.capacity() * sizeof(Slot) + r.memory.capacity() * sizeof(Pfn);
}

uint64_t TtBytes(const TtObject& tt) {
  uint64_t bytes = sizeof(TtObject) + tt.pages.memory_bytes() + tt.dma_address.memory_bytes() +
                   tt.expected.ranges() * kTreeNodeBytes<std::pair<const uint64_t, uint64_t>>;
  if (tt.fault_calls) bytes += sizeof(CallCounts);
  if (const RestoreState* r = tt.restore.get()) bytes += RestoreBytes(*r);
  return bytes;
}

}  // namespace

// Bookkeeping, no kernel counterpart.
uint64_t TtmModel::memory_bytes() const {
  uint64_t bytes = pages_.memory_bytes() + allocator_.memory_bytes() + store_.memory_bytes();
  for (const PoolType& pt : types_) bytes += sizeof(PoolType) + pt.pages.capacity() * sizeof(Pfn);
  bytes += global_index_.capacity() * sizeof(int) + per_pool_index_.capacity() * sizeof(int);
  bytes += tts_.capacity() * sizeof(tts_[0]);
  for (const auto& tt : tts_) {
    if (tt) bytes += TtBytes(*tt);
  }
  bytes += ids_.memory_bytes();
  bytes += free_indices_.capacity() * sizeof(uint32_t);
  if (spare_restore_) bytes += RestoreBytes(*spare_restore_);
  return bytes;
}

}  // namespace ttm
