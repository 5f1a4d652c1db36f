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
#include <bit>
#include <cassert>
#include <cstdint>
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
// SparseArray may be read from several threads at once. An array of one
// chunk (every tt up to 16 MiB) holds it directly, without a directory:
// one heap block, not three. Released chunks go to a small cache of this thread
// (ChunkCache) from which the next chunk of a like size is taken.
// T must be default-constructible, copyable and equality-comparable.
template <typename T>
class SparseArray {
 public:
  static constexpr unsigned kChunkShift = 12;
  static constexpr uint64_t kChunkEntries = uint64_t{1} << kChunkShift;
  // Chunks per directory leaf: a leaf covers 2^21 entries.
  static constexpr unsigned kLeafShift = 9;

  explicit SparseArray(uint64_t size = 0) : size_(size) { Forget(); }
  ~SparseArray() { Clear(); }

  SparseArray(const SparseArray& other) : size_(other.size_) {
    Forget();
    CopyFrom(other);
  }
  SparseArray& operator=(const SparseArray& other) {
    if (this != &other) {
      Clear();
      size_ = other.size_;
      Forget();
      CopyFrom(other);
    }
    return *this;
  }
  SparseArray(SparseArray&& other) noexcept : size_(other.size_), root_(other.root_) { other.Forget(); }
  SparseArray& operator=(SparseArray&& other) noexcept {
    if (this != &other) {
      Clear();
      size_ = other.size_;
      root_ = other.root_;
      other.Forget();
    }
    return *this;
  }

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
  void Clear() {
    ForEachChunk([&](uint64_t c, const T* chunk) { FreeChunk(const_cast<T*>(chunk), ChunkLength(c)); });
    delete dir();
    Forget();
  }

  // Chunks that size() spans, allocated or not.
  uint64_t chunks() const { return (size_ + kChunkEntries - 1) >> kChunkShift; }
  bool HasChunk(uint64_t c) const { return FindChunk(c) != nullptr; }
  // Releases chunk c: its entries read T{} again. The caller knows they
  // all hold T{} already (or wants them to). The last chunk released
  // releases the directory too, so an emptied array costs what a
  // never-written one does.
  void ReleaseChunk(uint64_t c) {
    if (OneChunk()) {
      if (c == 0 && root_.chunk != nullptr) FreeChunk(std::exchange(root_.chunk, nullptr), ChunkLength(0));
      return;
    }
    Dir* const dir = root_.dir;
    const uint64_t t = c >> kLeafShift, l = c & (kLeafChunks - 1);
    if (!dir || t >= dir->leaves() || l >= dir->leaf(t).size() || !dir->leaf(t)[l]) return;
    FreeChunk(std::exchange(dir->leaf(t)[l], nullptr), ChunkLength(c));
    if (--dir->live_chunks == 0) {
      delete dir;
      root_.dir = nullptr;
    }
  }

  uint64_t allocated_chunks() const {
    if (OneChunk()) return root_.chunk != nullptr ? 1 : 0;
    return root_.dir != nullptr ? root_.dir->live_chunks : 0;
  }

  // Heap bytes held: the capacity of allocated chunks plus the chunk
  // directory (not malloc's own overhead). Walks the directory.
  uint64_t memory_bytes() const {
    uint64_t bytes = 0;
    if (const Dir* d = dir()) {
      bytes += sizeof(Dir) + d->rest.capacity() * sizeof(Leaf);
      for (uint64_t t = 0; t < d->leaves(); ++t) bytes += d->leaf(t).capacity() * sizeof(T*);
    }
    ForEachChunk([&](uint64_t c, const T*) { bytes += ChunkCapacity(ChunkLength(c)) * sizeof(T); });
    return bytes;
  }

  // Calls f(index, value) for every entry of a touched chunk whose value is
  // not T{}, in increasing index order.
  template <typename F>
  void ForEachNonDefault(F f) const {
    const T kDefault{};
    ForEachChunk([&](uint64_t c, const T* chunk) {
      const uint64_t base = c << kChunkShift;
      const uint64_t len = ChunkLength(c);
      for (uint64_t j = 0; j < len; ++j) {
        if (!(chunk[j] == kDefault)) f(base + j, chunk[j]);
      }
    });
  }

  // Entries a chunk of len entries is allocated with: len rounded up to a
  // power of two, so that a chunk freed by one array fits the next array
  // of a like size (ChunkCache). Only the last chunk of an array can be
  // short, so this wastes less than one chunk per array.
  static uint64_t ChunkCapacity(uint64_t len) { return std::bit_ceil(len); }

 private:
  // One directory leaf: chunk pointers, grown to the highest chunk written.
  using Leaf = std::vector<T*>;
  static constexpr uint64_t kLeafChunks = uint64_t{1} << kLeafShift;

  // Chunks released on this thread, kept for the next NewChunk() of the
  // same capacity: tts come and go by the thousand, and each one's arrays
  // would otherwise cost a malloc and a free per chunk. Bounded (kPerClass
  // chunks of each power-of-two capacity, at most about 8 chunks' worth of
  // entries), so memory still follows the live arrays. Per thread because
  // engines run on several threads (explore, replay-many), each array only
  // ever touching its own entries.
  class ChunkCache {
   public:
    static constexpr unsigned kPerClass = 4;
    ~ChunkCache() {
      for (unsigned k = 0; k <= kChunkShift; ++k)
        for (unsigned i = 0; i < count_[k]; ++i) delete[] free_[k][i];
      gone_ = true;
    }
    // A chunk of capacity 2^k, or nullptr.
    T* Take(unsigned k) { return count_[k] > 0 ? free_[k][--count_[k]] : nullptr; }
    // False when the class is full (the caller frees the chunk).
    bool Keep(unsigned k, T* chunk) {
      if (count_[k] == kPerClass) return false;
      free_[k][count_[k]++] = chunk;
      return true;
    }
    // True once this thread's cache is destroyed (an array destroyed later
    // in thread exit frees its chunks directly).
    static bool gone() { return gone_; }

   private:
    T* free_[kChunkShift + 1][kPerClass] = {};
    unsigned count_[kChunkShift + 1] = {};
    static inline thread_local bool gone_ = false;
  };
  static ChunkCache& Cache() {
    static thread_local ChunkCache cache;
    return cache;
  }

  // A chunk for len entries, every one T{}.
  static T* NewChunk(uint64_t len) {
    const uint64_t capacity = ChunkCapacity(len);
    if (!ChunkCache::gone()) {
      if (T* chunk = Cache().Take(static_cast<unsigned>(std::countr_zero(capacity)))) {
        std::fill_n(chunk, len, T{});
        return chunk;
      }
    }
    return new T[capacity]();
  }
  static void FreeChunk(T* chunk, uint64_t len) {
    if (ChunkCache::gone() || !Cache().Keep(static_cast<unsigned>(std::countr_zero(ChunkCapacity(len))), chunk))
      delete[] chunk;
  }

  // Calls f(chunk index, chunk) for every allocated chunk, in increasing
  // order.
  template <typename F>
  void ForEachChunk(F f) const {
    if (OneChunk()) {
      if (root_.chunk != nullptr) f(0, static_cast<const T*>(root_.chunk));
      return;
    }
    const Dir* d = root_.dir;
    if (d == nullptr) return;
    for (uint64_t t = 0; t < d->leaves(); ++t) {
      const Leaf& leaf = d->leaf(t);
      for (uint64_t l = 0; l < leaf.size(); ++l) {
        if (leaf[l] != nullptr) f((t << kLeafShift) + l, static_cast<const T*>(leaf[l]));
      }
    }
  }

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
    if (OneChunk()) return c == 0 ? root_.chunk : nullptr;
    const Dir* d = root_.dir;
    if (d == nullptr) return nullptr;
    const Leaf* leaf = &d->first;
    if (c >= kLeafChunks) [[unlikely]] {
      const uint64_t t = c >> kLeafShift;
      if (t >= d->leaves()) return nullptr;
      leaf = &d->rest[t - 1];
    }
    const uint64_t l = c & (kLeafChunks - 1);
    return l < leaf->size() ? (*leaf)[l] : nullptr;
  }

  T* EnsureChunk(uint64_t c) {
    // The directory grows to the highest chunk written, never to size(): an
    // object of 2^31 slots written at its start costs one pointer, written
    // at its end a few kilobytes.
    if (OneChunk()) {
      assert(c == 0);
      if (root_.chunk == nullptr) root_.chunk = NewChunk(ChunkLength(0));
      return root_.chunk;
    }
    const uint64_t t = c >> kLeafShift, l = c & (kLeafChunks - 1);
    if (root_.dir == nullptr) root_.dir = new Dir;
    Dir& d = *root_.dir;
    d.Grow(t + 1);
    Leaf& leaf = d.leaf(t);
    if (l >= leaf.size()) leaf.resize(l + 1);
    T*& slot = leaf[l];
    if (slot == nullptr) {
      slot = NewChunk(ChunkLength(c));
      ++d.live_chunks;
    }
    return slot;
  }

  // For an array holding no chunk. The directory is sized as other's.
  void CopyFrom(const SparseArray& other) {
    if (const Dir* from = other.dir()) {
      root_.dir = new Dir;
      root_.dir->Grow(from->leaves());
      for (uint64_t t = 0; t < from->leaves(); ++t) root_.dir->leaf(t).resize(from->leaf(t).size());
    }
    other.ForEachChunk([&](uint64_t c, const T* from) {
      const uint64_t len = ChunkLength(c);
      std::copy(from, from + len, EnsureChunk(c));
    });
  }

  // Arrays of one chunk hold it in root_.chunk, others a directory in
  // root_.dir; size() tells which.
  bool OneChunk() const { return size_ <= kChunkEntries; }
  // The directory, or null (none yet, or an array of one chunk).
  Dir* dir() const { return OneChunk() ? nullptr : root_.dir; }
  // Drops root_ without freeing it: an empty array of the current size.
  void Forget() {
    if (OneChunk())
      root_.chunk = nullptr;
    else
      root_.dir = nullptr;
  }

  uint64_t size_ = 0;
  // The one chunk, or a two-level chunk directory, O(1) per access (a
  // std::map of chunks cost a tree walk on every page access); null until
  // the first write, so that a never-written array costs 16 bytes.
  union Root {
    T* chunk;
    Dir* dir;
  } root_{nullptr};
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_SPARSE_ARRAY_H_
