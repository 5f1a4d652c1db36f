// A lazily allocated array, the storage behind tt slot arrays and backup
// objects.
//
// Why sparse: a tt may have up to 2^31-1 pages (the trace format's limit)
// while the simulated machine has at most 2^28 frames, and a backup object
// is sized like its tt although it usually holds a fraction of it. The
// kernel gets away with a kvmalloc'ed page array because real objects are
// backed by real memory; the model must not pay for slots nobody touched.
// Memory therefore grows with the chunks written, never with size().
#ifndef TTM_CORE_ENGINE_SPARSE_ARRAY_H_
#define TTM_CORE_ENGINE_SPARSE_ARRAY_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace ttm {

// Models a kvmalloc'ed array of T (e.g. ttm_tt::pages), allocated a chunk
// at a time on first write.
//
// Indices [0, size()) are valid. Chunks hold 2^kChunkShift entries (the
// last one only what remains of size(), so a one-page tt costs one entry,
// not 4096). Reads of never-written indices return T{} without allocating.
//
// Chunks are found through a flat directory, O(1) per access; a const
// SparseArray may be read from several threads at once.
// T must be default-constructible, copyable and equality-comparable.
template <typename T>
class SparseArray {
 public:
  static constexpr unsigned kChunkShift = 12;
  static constexpr uint64_t kChunkEntries = uint64_t{1} << kChunkShift;
  // Chunks per directory leaf: a leaf covers 2^21 entries.
  static constexpr unsigned kLeafShift = 9;

  explicit SparseArray(uint64_t size = 0) : size_(size) {}
  ~SparseArray() = default;

  SparseArray(const SparseArray& other) : size_(other.size_) { CopyFrom(other); }
  SparseArray& operator=(const SparseArray& other) {
    if (this != &other) {
      size_ = other.size_;
      CopyFrom(other);
    }
    return *this;
  }
  SparseArray(SparseArray&& other) noexcept = default;
  SparseArray& operator=(SparseArray&& other) noexcept = default;

  uint64_t size() const { return size_; }

  // T{} when the index was never written.
  T Get(uint64_t i) const {
    assert(i < size_);
    const T* chunk = FindChunk(i >> kChunkShift);
    return chunk == nullptr ? T{} : chunk[i & (kChunkEntries - 1)];
  }

  void Set(uint64_t i, const T& v) { Mutable(i) = v; }

  // The entry at i if its chunk was written, else nullptr (nothing is
  // allocated): one lookup for a caller that reads and then may change it.
  T* Find(uint64_t i) {
    assert(i < size_);
    T* chunk = const_cast<T*>(FindChunk(i >> kChunkShift));
    return chunk == nullptr ? nullptr : chunk + (i & (kChunkEntries - 1));
  }
  const T* Find(uint64_t i) const { return const_cast<SparseArray*>(this)->Find(i); }

  // Allocates the chunk holding i if needed; the reference stays valid
  // until Clear() or the array is destroyed (chunks never move).
  T& Mutable(uint64_t i) {
    assert(i < size_);
    const uint64_t c = i >> kChunkShift;
    T* chunk = const_cast<T*>(FindChunk(c));
    if (chunk == nullptr) [[unlikely]]
      chunk = EnsureChunk(c);
    return chunk[i & (kChunkEntries - 1)];
  }

  // Mutable() for indices that mostly go up one at a time (the frames of
  // a block, slot after slot): the next index of the same chunk is reached
  // without a directory lookup. Valid while the array's chunks are not
  // released.
  class Walker {
   public:
    explicit Walker(SparseArray& array) : array_(array) {}
    T& At(uint64_t i) {
      if (at_ != nullptr && i == last_ + 1 && (i & (kChunkEntries - 1)) != 0) {
        ++at_;
      } else if (at_ == nullptr || i != last_) {
        at_ = &array_.Mutable(i);
      }
      last_ = i;
      return *at_;
    }

   private:
    SparseArray& array_;
    T* at_ = nullptr;
    uint64_t last_ = 0;
  };

  // Get() for a walk that mostly stays inside one chunk of one array (the
  // slots that own a block's frames, one after another): a chunk is looked
  // up when the walk leaves it. Only allocated chunks are remembered, so a
  // cursor stays valid while entries are written and chunks allocated, not
  // once a chunk it visited is released or its array destroyed.
  class ReadCursor {
   public:
    T Get(const SparseArray& array, uint64_t i) {
      assert(i < array.size_);
      const uint64_t c = i >> kChunkShift;
      if (&array != array_ || c != chunk_index_ || chunk_ == nullptr) {
        const T* chunk = array.FindChunk(c);
        if (chunk == nullptr) return T{};
        array_ = &array;
        chunk_index_ = c;
        chunk_ = chunk;
      }
      return chunk_[i & (kChunkEntries - 1)];
    }

   private:
    const SparseArray* array_ = nullptr;
    uint64_t chunk_index_ = 0;
    const T* chunk_ = nullptr;
  };

  // Calls f(index, T&) for entries [first, first + n) in increasing
  // order, finding each chunk once (and allocating it): the tight loop
  // over a block of entries.
  template <typename F>
  void MutateRange(uint64_t first, uint64_t n, F f) {
    assert(first + n <= size_);
    while (n > 0) {
      const uint64_t c = first >> kChunkShift, off = first & (kChunkEntries - 1);
      T* chunk = const_cast<T*>(FindChunk(c));
      if (chunk == nullptr) [[unlikely]]
        chunk = EnsureChunk(c);
      const uint64_t len = std::min(n, kChunkEntries - off);
      for (uint64_t j = 0; j < len; ++j) f(first + j, chunk[off + j]);
      first += len;
      n -= len;
    }
  }

  // Calls f(index, value) for entries [first, first + n) in increasing
  // order (T{} where never written), finding each chunk once.
  template <typename F>
  void ReadRange(uint64_t first, uint64_t n, F f) const {
    assert(first + n <= size_);
    const T kDefault{};
    while (n > 0) {
      const uint64_t c = first >> kChunkShift, off = first & (kChunkEntries - 1);
      const T* chunk = FindChunk(c);
      const uint64_t len = std::min(n, kChunkEntries - off);
      // Two loops, so that the usual one is a plain walk over the chunk.
      if (chunk != nullptr) {
        for (uint64_t j = 0; j < len; ++j) f(first + j, chunk[off + j]);
      } else {
        for (uint64_t j = 0; j < len; ++j) f(first + j, kDefault);
      }
      first += len;
      n -= len;
    }
  }

  // ReadRange() a chunk's piece at a time: calls f(index, entries, len)
  // for the pieces of [first, first + n) that lie in one chunk each, in
  // increasing order; entries points at the piece's len entries, or is
  // nullptr where the chunk was never written (every entry T{}). For a
  // loop the compiler can keep tight over plain memory.
  template <typename F>
  void ReadSpans(uint64_t first, uint64_t n, F f) const {
    assert(first + n <= size_);
    while (n > 0) {
      const uint64_t off = first & (kChunkEntries - 1);
      const T* chunk = FindChunk(first >> kChunkShift);
      const uint64_t len = std::min(n, kChunkEntries - off);
      f(first, chunk == nullptr ? nullptr : chunk + off, len);
      first += len;
      n -= len;
    }
  }

  // Releases every chunk; size() is unchanged and every entry reads T{}.
  void Clear() { dir_.reset(); }

  // Chunks that size() spans, allocated or not.
  uint64_t chunks() const { return (size_ + kChunkEntries - 1) >> kChunkShift; }
  bool HasChunk(uint64_t c) const { return FindChunk(c) != nullptr; }
  // Releases chunk c: its entries read T{} again. The caller knows they
  // all hold T{} already (or wants them to). The last chunk released
  // releases the directory too, so an emptied array costs what a
  // never-written one does.
  void ReleaseChunk(uint64_t c) {
    const uint64_t t = c >> kLeafShift, l = c & (kLeafChunks - 1);
    if (!dir_ || t >= dir_->leaves() || l >= dir_->leaf(t).size() || !dir_->leaf(t)[l]) return;
    dir_->leaf(t)[l].reset();
    if (--dir_->live_chunks == 0) dir_.reset();
  }

  uint64_t allocated_chunks() const { return dir_ ? dir_->live_chunks : 0; }

  // Heap bytes held: the entries of allocated chunks plus the chunk
  // directory (not malloc's own overhead). Walks the directory.
  uint64_t memory_bytes() const {
    if (!dir_) return 0;
    uint64_t bytes = sizeof(Dir) + dir_->rest.capacity() * sizeof(Leaf);
    for (uint64_t t = 0; t < dir_->leaves(); ++t) {
      const Leaf& leaf = dir_->leaf(t);
      bytes += leaf.capacity() * sizeof(leaf[0]);
      for (uint64_t l = 0; l < leaf.size(); ++l) {
        if (leaf[l]) bytes += ChunkLength((t << kLeafShift) + l) * sizeof(T);
      }
    }
    return bytes;
  }

  // Calls f(index, value) for every entry of a touched chunk whose value is
  // not T{}, in increasing index order.
  template <typename F>
  void ForEachNonDefault(F f) const {
    if (!dir_) return;
    const T kDefault{};
    for (uint64_t t = 0; t < dir_->leaves(); ++t) {
      const Leaf& leaf = dir_->leaf(t);
      for (uint64_t l = 0; l < leaf.size(); ++l) {
        const T* chunk = leaf[l].get();
        if (chunk == nullptr) continue;
        const uint64_t c = (t << kLeafShift) + l;
        const uint64_t base = c << kChunkShift;
        const uint64_t len = ChunkLength(c);
        for (uint64_t j = 0; j < len; ++j) {
          if (!(chunk[j] == kDefault)) f(base + j, chunk[j]);
        }
      }
    }
  }

 private:
  // One directory leaf: chunk pointers, grown to the highest chunk written.
  using Leaf = std::vector<std::unique_ptr<T[]>>;
  static constexpr uint64_t kLeafChunks = uint64_t{1} << kLeafShift;
  // Leaf t covers chunks [t << kLeafShift, (t + 1) << kLeafShift). Leaf 0
  // is held in place: an array under 2^21 entries (every tt a machine can
  // populate, the struct pages of a machine up to 8 GiB) finds a chunk
  // through one vector, not two.
  struct Dir {
    Leaf first;
    std::vector<Leaf> rest;  // leaves 1, 2, ...
    uint64_t live_chunks = 0;

    uint64_t leaves() const { return 1 + rest.size(); }
    Leaf& leaf(uint64_t t) { return t == 0 ? first : rest[t - 1]; }
    const Leaf& leaf(uint64_t t) const { return t == 0 ? first : rest[t - 1]; }
    void Grow(uint64_t leaves) {
      if (leaves > 1 + rest.size()) rest.resize(leaves - 1);
    }
  };

  uint64_t ChunkLength(uint64_t chunk_index) const {
    const uint64_t base = chunk_index << kChunkShift;
    const uint64_t rest = size_ - base;
    return rest < kChunkEntries ? rest : kChunkEntries;
  }

  const T* FindChunk(uint64_t c) const {
    if (!dir_) return nullptr;
    const Leaf* leaf = &dir_->first;
    if (c >= kLeafChunks) [[unlikely]] {
      const uint64_t t = c >> kLeafShift;
      if (t >= dir_->leaves()) return nullptr;
      leaf = &dir_->rest[t - 1];
    }
    const uint64_t l = c & (kLeafChunks - 1);
    return l < leaf->size() ? (*leaf)[l].get() : nullptr;
  }

  T* EnsureChunk(uint64_t c) {
    // The directory grows to the highest chunk written, never to size(): an
    // object of 2^31 slots written at its start costs one pointer, written
    // at its end a few kilobytes.
    const uint64_t t = c >> kLeafShift, l = c & (kLeafChunks - 1);
    if (!dir_) dir_ = std::make_unique<Dir>();
    dir_->Grow(t + 1);
    Leaf& leaf = dir_->leaf(t);
    if (l >= leaf.size()) leaf.resize(l + 1);
    std::unique_ptr<T[]>& slot = leaf[l];
    if (!slot) {
      slot = std::make_unique<T[]>(ChunkLength(c));
      ++dir_->live_chunks;
    }
    return slot.get();
  }

  void CopyFrom(const SparseArray& other) {
    dir_.reset();
    if (!other.dir_) return;
    dir_ = std::make_unique<Dir>();
    dir_->live_chunks = other.dir_->live_chunks;
    dir_->Grow(other.dir_->leaves());
    for (uint64_t t = 0; t < other.dir_->leaves(); ++t) {
      const Leaf& from_leaf = other.dir_->leaf(t);
      dir_->leaf(t).resize(from_leaf.size());
      for (uint64_t l = 0; l < from_leaf.size(); ++l) {
        const T* from = from_leaf[l].get();
        if (from == nullptr) continue;
        const uint64_t len = other.ChunkLength((t << kLeafShift) + l);
        dir_->leaf(t)[l] = std::make_unique<T[]>(len);
        std::copy(from, from + len, dir_->leaf(t)[l].get());
      }
    }
  }

  uint64_t size_ = 0;
  // A two-level chunk directory, O(1) per access (a std::map of chunks
  // cost a tree walk on every page access); null until the first write,
  // so that a never-written array costs 16 bytes.
  std::unique_ptr<Dir> dir_;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_SPARSE_ARRAY_H_
