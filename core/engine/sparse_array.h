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

#include <cassert>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

namespace ttm {

// Models a kvmalloc'ed array of T (e.g. ttm_tt::pages), allocated a chunk
// at a time on first write.
//
// Indices [0, size()) are valid. Chunks hold 2^kChunkShift entries (the
// last one only what remains of size(), so a one-page tt costs one entry,
// not 4096). Reads of never-written indices return T{} without allocating.
//
// Lookups remember the last chunk they touched, which makes the engine's
// slot-by-slot walks O(1) per step; that cache makes a const SparseArray
// unsafe to read from two threads at once (the engine is single-threaded).
// T must be default-constructible, copyable and equality-comparable.
template <typename T>
class SparseArray {
 public:
  static constexpr unsigned kChunkShift = 12;
  static constexpr uint64_t kChunkEntries = uint64_t{1} << kChunkShift;

  explicit SparseArray(uint64_t size = 0) : size_(size) {}

  SparseArray(const SparseArray& other) : size_(other.size_) { CopyFrom(other); }
  SparseArray& operator=(const SparseArray& other) {
    if (this != &other) {
      chunks_.clear();
      size_ = other.size_;
      CopyFrom(other);
    }
    return *this;
  }
  SparseArray(SparseArray&& other) noexcept { *this = std::move(other); }
  SparseArray& operator=(SparseArray&& other) noexcept {
    if (this != &other) {
      size_ = other.size_;
      chunks_ = std::move(other.chunks_);
      other.chunks_.clear();
      other.ForgetCache();
      ForgetCache();
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

  // Allocates the chunk holding i if needed; the reference stays valid
  // until Clear() or the array is destroyed (chunks never move).
  T& Mutable(uint64_t i) {
    assert(i < size_);
    return EnsureChunk(i >> kChunkShift)[i & (kChunkEntries - 1)];
  }

  // Releases every chunk; size() is unchanged and every entry reads T{}.
  void Clear() {
    chunks_.clear();
    ForgetCache();
  }

  uint64_t allocated_chunks() const { return chunks_.size(); }

  // Approximate heap bytes held (entries plus map nodes), for benchmarks.
  uint64_t memory_bytes() const {
    constexpr uint64_t kNodeOverhead = 48;  // rb-tree node of libstdc++
    uint64_t bytes = 0;
    for (const auto& [index, chunk] : chunks_) {
      bytes += ChunkLength(index) * sizeof(T) + kNodeOverhead;
    }
    return bytes;
  }

  // Calls f(index, value) for every entry of a touched chunk whose value is
  // not T{}, in increasing index order.
  template <typename F>
  void ForEachNonDefault(F f) const {
    const T kDefault{};
    for (const auto& [index, chunk] : chunks_) {
      const uint64_t base = index << kChunkShift;
      const uint64_t len = ChunkLength(index);
      for (uint64_t j = 0; j < len; ++j) {
        if (!(chunk[j] == kDefault)) f(base + j, chunk[j]);
      }
    }
  }

 private:
  uint64_t ChunkLength(uint64_t chunk_index) const {
    const uint64_t base = chunk_index << kChunkShift;
    const uint64_t rest = size_ - base;
    return rest < kChunkEntries ? rest : kChunkEntries;
  }

  const T* FindChunk(uint64_t chunk_index) const {
    if (cache_valid_ && cache_index_ == chunk_index) return cache_chunk_;
    auto it = chunks_.find(chunk_index);
    cache_valid_ = true;
    cache_index_ = chunk_index;
    cache_chunk_ = it == chunks_.end() ? nullptr : it->second.get();
    return cache_chunk_;
  }

  T* EnsureChunk(uint64_t chunk_index) {
    if (cache_valid_ && cache_index_ == chunk_index && cache_chunk_ != nullptr) {
      return cache_chunk_;
    }
    std::unique_ptr<T[]>& slot = chunks_[chunk_index];
    if (!slot) slot = std::make_unique<T[]>(ChunkLength(chunk_index));
    cache_valid_ = true;
    cache_index_ = chunk_index;
    cache_chunk_ = slot.get();
    return cache_chunk_;
  }

  void CopyFrom(const SparseArray& other) {
    ForgetCache();
    for (const auto& [index, chunk] : other.chunks_) {
      const uint64_t len = other.ChunkLength(index);
      auto copy = std::make_unique<T[]>(len);
      for (uint64_t j = 0; j < len; ++j) copy[j] = chunk[j];
      chunks_.emplace(index, std::move(copy));
    }
  }

  void ForgetCache() const {
    cache_valid_ = false;
    cache_chunk_ = nullptr;
  }

  uint64_t size_ = 0;
  // Ordered, so that ForEachNonDefault walks indices in increasing order.
  std::map<uint64_t, std::unique_ptr<T[]>> chunks_;
  // The last chunk looked up; cache_chunk_ is nullptr when that chunk was
  // absent. Every chunk insertion goes through EnsureChunk, which refreshes
  // it, so a cached "absent" can never hide a chunk.
  mutable bool cache_valid_ = false;
  mutable uint64_t cache_index_ = 0;
  mutable T* cache_chunk_ = nullptr;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_SPARSE_ARRAY_H_
