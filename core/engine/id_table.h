// IdTable: the model's map from trace id to tt index. Model bookkeeping,
// no kernel counterpart (the kernel hands pointers around, a trace names
// objects by number).
//
// Why not std::unordered_map: it is asked about two or three times per
// event (the event itself, the timeline's counts, the checker), and each
// lookup there divided by a prime bucket count and then followed a node
// pointer, about 2% of a replay. Here a lookup is a multiply, a shift and,
// nearly always, one slot of a flat array: open addressing with linear
// probing, a power-of-two size at most 3/4 full, and erasure by shifting
// later entries back (no tombstones, so lookups never slow down with age).
// Nothing here is iterated in its own order for output: ForEach() callers
// that print sort first (TtmModel::ForEachTt).
#ifndef TTM_CORE_ENGINE_ID_TABLE_H_
#define TTM_CORE_ENGINE_ID_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ttm {

class IdTable {
 public:
  static constexpr uint32_t kAbsent = ~uint32_t{0};

  // Model bookkeeping, no kernel counterpart: the index stored for `id`,
  // or kAbsent.
  uint32_t Find(uint64_t id) const {
    if (slots_.empty()) return kAbsent;
    for (size_t i = Home(id);; i = Next(i)) {
      const Slot& s = slots_[i];
      if (s.index == kAbsent || s.id == id) return s.index;
    }
  }

  // Model bookkeeping, no kernel counterpart: sets the index of `id`
  // (index != kAbsent), replacing any before.
  void Set(uint64_t id, uint32_t index) {
    if (4 * (live_ + 1) > 3 * slots_.size()) Rehash(slots_.empty() ? 16 : 2 * slots_.size());
    size_t i = Home(id);
    while (slots_[i].index != kAbsent && slots_[i].id != id) i = Next(i);
    if (slots_[i].index == kAbsent) ++live_;
    slots_[i] = Slot{id, index};
  }

  // Model bookkeeping, no kernel counterpart: removes `id`; nothing when
  // it is absent.
  void Erase(uint64_t id) {
    if (slots_.empty()) return;
    size_t hole = Home(id);
    for (;; hole = Next(hole)) {
      if (slots_[hole].index == kAbsent) return;
      if (slots_[hole].id == id) break;
    }
    // Linear probing's deletion: move back every later entry of the run
    // whose home does not lie cyclically in (hole, j], so that no search
    // meets an empty slot before its entry.
    for (size_t j = Next(hole); slots_[j].index != kAbsent; j = Next(j)) {
      const size_t home = Home(slots_[j].id);
      const bool stays = hole < j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole].index = kAbsent;
    --live_;
  }

  size_t size() const { return live_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

  // Model bookkeeping, no kernel counterpart: f(id, index) for every
  // entry, unordered; only TtmModel::ForEachTt(), which sorts, may use it.
  template <typename F>
  void ForEach(F f) const {
    for (const Slot& s : slots_)
      if (s.index != kAbsent) f(s.id, s.index);
  }

 private:
  struct Slot {
    uint64_t id = 0;
    uint32_t index = kAbsent;
  };

  // Fibonacci hashing: the top bits of id times 2^64 / golden ratio, so
  // that consecutive ids spread over the table.
  size_t Home(uint64_t id) const { return static_cast<size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_); }
  size_t Next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

  // Model bookkeeping, no kernel counterpart: a table of `capacity` slots
  // (a power of two) with every entry set again.
  void Rehash(size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;
    live_ = 0;
    for (const Slot& s : old)
      if (s.index != kAbsent) Set(s.id, s.index);
  }

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t live_ = 0;
  int shift_ = 64;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_ID_TABLE_H_
