// IdMap: trace id -> 32-bit value, the one hash table behind the engine's
// object table (trace id -> tt index, core/engine/model.h) and the trace
// reader's live-id set (trace id -> page count, core/trace/live_ids.h).
// Bookkeeping of the tool, no kernel counterpart: the kernel hands pointers
// around, a trace names objects by number.
//
// Why not std::unordered_map: it is asked two or three times per event,
// and each lookup there divided by a prime bucket count and followed a node
// pointer (about 2% of a replay), at about 40 bytes an entry. Here a
// lookup is a multiply, a shift and, nearly always, one slot of two flat
// arrays (12 bytes a slot): open addressing with linear probing, a
// power-of-two size doubled before it is 3/4 full and halved (down to 16
// slots) when an erasure leaves it less than 1/4 full, and erasure by
// shifting later entries back, so that lookups never slow down with age.
// An entry of the ordered map below costs about 64 bytes more.
//
// Hostile ids: the trace chooses its ids (any integer up to 2^63-1), so it
// can choose thousands whose hashes are equal; plain linear probing then
// costs a scan of all of them per lookup, and the cost grows with the
// square of their number (40 000 such objects: 7.90 s to replay, 0.09 s
// with the bound below). So an entry lives at most kMaxProbe slots from
// its home, and an id that finds no free slot that near goes to a small
// ordered map instead: every lookup is bounded by kMaxProbe slots and a
// tree search, whatever the ids. Of ids not chosen to collide, about one in 40 000
// reaches the map (id_map_test).
//
// Nothing here is iterated in its own order for output: ForEach() callers
// that print sort first.
#ifndef TTM_CORE_ID_MAP_H_
#define TTM_CORE_ID_MAP_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace ttm {

class IdMap {
 public:
  // The value Find() returns for an id that is not there; never stored.
  static constexpr uint32_t kAbsent = ~uint32_t{0};
  // The hash: Fibonacci hashing keeps the top bits of id times 2^64 divided
  // by the golden ratio, so that consecutive ids spread over the array.
  static constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;
  // How far from its home slot an entry may live in the array.
  static constexpr size_t kMaxProbe = 128;

  // The value stored for `id`, or kAbsent.
  uint32_t Find(uint64_t id) const {
    if (const size_t i = SlotOf(id); i != kNowhere) return values_[i];
    if (overflow_.empty()) [[likely]] return kAbsent;
    const auto it = overflow_.find(id);
    return it == overflow_.end() ? kAbsent : it->second;
  }

  // Sets the value of `id` (value != kAbsent), replacing any before.
  void Set(uint64_t id, uint32_t value) {
    assert(value != kAbsent);
    if (const size_t i = SlotOf(id); i != kNowhere) {
      values_[i] = value;
      return;
    }
    if (const auto it = overflow_.find(id); it != overflow_.end()) {
      it->second = value;
      return;
    }
    if (4 * (in_array_ + 1) > 3 * keys_.size()) Rehash(keys_.empty() ? kMinSlots : 2 * keys_.size());
    Place(id, value);
  }

  // Removes `id`. Return: false when it was not there.
  bool Erase(uint64_t id) {
    size_t hole = SlotOf(id);
    if (hole == kNowhere) return overflow_.erase(id) == 1;
    // Linear probing's deletion: move back every later entry of the run
    // whose home does not lie cyclically in (hole, j], so that no search
    // meets an empty slot before its entry. Entries only move nearer their
    // home, so none moves past kMaxProbe.
    for (size_t j = Next(hole); values_[j] != kAbsent; j = Next(j)) {
      const size_t home = Home(keys_[j]);
      const bool stays = hole < j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      keys_[hole] = keys_[j];
      values_[hole] = values_[j];
      hole = j;
    }
    values_[hole] = kAbsent;
    --in_array_;
    if (keys_.size() > kMinSlots && 4 * in_array_ < keys_.size()) Rehash(keys_.size() / 2);
    return true;
  }

  size_t size() const { return in_array_ + overflow_.size(); }
  // Heap bytes held (a map node counted as kOverflowNodeBytes).
  size_t memory_bytes() const {
    return keys_.capacity() * sizeof(uint64_t) + values_.capacity() * sizeof(uint32_t) +
           overflow_.size() * kOverflowNodeBytes;
  }
  // For tests: how many entries live in the ordered map.
  size_t overflowed() const { return overflow_.size(); }

  // f(id, value) for every entry, unordered: callers that print sort.
  template <typename F>
  void ForEach(F f) const {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (values_[i] != kAbsent) f(keys_[i], values_[i]);
    for (const auto& [id, value] : overflow_) f(id, value);
  }

 private:
  static constexpr size_t kMinSlots = 16;
  static constexpr size_t kNowhere = ~size_t{0};
  // A std::map<uint64_t, uint32_t> node as glibc's malloc hands it out.
  static constexpr size_t kOverflowNodeBytes = 64;

  size_t Home(uint64_t id) const { return static_cast<size_t>((id * kMultiplier) >> shift_); }
  size_t Next(size_t i) const { return (i + 1) & (keys_.size() - 1); }

  // The array slot that holds `id`, or kNowhere.
  size_t SlotOf(uint64_t id) const {
    if (keys_.empty()) return kNowhere;
    size_t i = Home(id);
    for (size_t d = 0; d < kMaxProbe && values_[i] != kAbsent; ++d, i = Next(i))
      if (keys_[i] == id) return i;
    return kNowhere;
  }

  // Puts an id that is not there in the first free slot near its home, or
  // in the ordered map when there is none. Set() grows the array before it
  // is 3/4 full and a rebuild leaves it at most half full, so the array
  // always keeps a free slot, where every probe run ends; the test of the
  // load here keeps that true whoever calls.
  void Place(uint64_t id, uint32_t value) {
    size_t i = Home(id);
    const size_t probes = 4 * (in_array_ + 1) > 3 * keys_.size() ? 0 : kMaxProbe;
    for (size_t d = 0; d < probes; ++d, i = Next(i)) {
      if (values_[i] != kAbsent) continue;
      keys_[i] = id;
      values_[i] = value;
      ++in_array_;
      return;
    }
    overflow_.emplace(id, value);
  }

  // An array of `slots` (a power of two) with the array's entries placed
  // again. The ordered map's entries stay where they are: moving them back
  // would make every rebuild cost as much as the map is big, and hostile
  // ids keep the array small and rebuilt often.
  void Rehash(size_t slots) {
    std::vector<uint64_t> keys(slots);
    std::vector<uint32_t> values(slots, kAbsent);
    keys.swap(keys_);
    values.swap(values_);
    shift_ = 64;
    for (size_t s = slots; s > 1; s >>= 1) --shift_;
    in_array_ = 0;
    for (size_t i = 0; i < keys.size(); ++i)
      if (values[i] != kAbsent) Place(keys[i], values[i]);
  }

  std::vector<uint64_t> keys_;   // size 0 or a power of two
  std::vector<uint32_t> values_;  // kAbsent: a free slot
  size_t in_array_ = 0;          // entries in keys_/values_
  int shift_ = 64;
  std::map<uint64_t, uint32_t> overflow_;  // ids with no free slot near their home
};

}  // namespace ttm

#endif  // TTM_CORE_ID_MAP_H_
