// The backup store: ttm_backup over shmem (v13 2/8, ttm_backup.c) and the
// free swap space behind it.
//
// Why it is shaped like this: in the kernel each tt gets its own shmem
// file sized to the tt, and ttm_pool_backup_tt() stores slot i at shmem
// index i, handing back the handle i + 1 (0 is the failure value). Dropping
// a handle truncates that one shmem page; releasing the file frees
// everything still in it. What limits backups is free swap space
// (ttm_backup_bytes_avail()), not the file size. The model keeps one sparse
// object per tt and a single global count of held pages, compared with a
// swap capacity that a trace can change at any time.
//
// Page content is a Token (content_map.h, 32 bits); the store only keeps
// and returns it.
//
// Memory: a stored page costs its token (4 bytes) and a live bit, held in
// chunks of 4096 indices that are released as soon as no index of the
// chunk is live (the shmem pages of a truncated range are freed). A
// dropped or restored range, or a finished object, therefore holds
// nothing; an object costs what it holds, never its size.
#ifndef TTM_CORE_ENGINE_BACKUP_STORE_H_
#define TTM_CORE_ENGINE_BACKUP_STORE_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/engine/clone_ptr.h"
#include "core/engine/content_map.h"
#include "core/engine/sparse_array.h"

namespace ttm {

// shmem index + 1, as ttm_backup_shmem_idx_to_handle(); 0 is never live.
using Handle = uint64_t;
// One backup object (shmem file) per tt.
using BackupId = uint32_t;

// Models ttm_backup (one shmem file per tt) plus the system's free swap.
//
// Misuse by the caller (an unknown id, an index beyond the object) is
// answered with the failure value of the call (0, nullopt, false) rather
// than a crash, so that a model bug surfaces in the checker.
class BackupStore {
 public:
  explicit BackupStore(uint64_t swap_pages) : swap_pages_(swap_pages) {}

  // The `set` op. May go below held_pages(); nothing is evicted, the store
  // just has no room left.
  void set_swap_pages(uint64_t swap_pages) { swap_pages_ = swap_pages; }
  uint64_t swap_pages() const { return swap_pages_; }
  // Pages currently stored, over all objects.
  uint64_t held_pages() const { return held_pages_; }
  // Models ttm_backup_bytes_avail(): (swap_pages - held) * 4096, 0 when the
  // store is full or over-full.
  uint64_t bytes_avail() const;

  // Models ttm_backup_shmem_create(num_pages * PAGE_SIZE).
  // Return: the lowest id not in use (ids are reused after Fini()).
  BackupId Create(uint64_t num_pages);

  // Models ttm_backup_backup_page(): stores `token` at shmem index idx.
  // Storing at a live index replaces its content without growing the store
  // (the shmem page is reused). `writeback` only counts (4.23).
  // Return: the handle idx + 1, or 0 when the store holds swap_pages pages
  // already (or id/idx is invalid).
  Handle BackupPage(BackupId id, uint64_t idx, Token token, bool writeback);

  // The content side of ttm_backup_copy_page().
  // Return: the stored token; nullopt if the handle is not live (0, beyond
  // the object, or dropped).
  std::optional<Token> Peek(BackupId id, Handle h) const;

  // Models ttm_backup_drop(): truncates the shmem page of the handle.
  // Return: false if the handle was not live (e.g. a double drop).
  bool Drop(BackupId id, Handle h);

  // Models the restore's ttm_backup_copy_page() followed by
  // ttm_backup_drop() of the same handle: Peek() then Drop(), finding the
  // entry once.
  // Return: the stored token, the handle then dropped; nullopt, with
  // nothing changed, if the handle is not live (both calls would fail).
  std::optional<Token> Take(BackupId id, Handle h);

  // Models ttm_backup_fini(): releases the object and every page it still
  // holds; the id becomes free.
  // Return: how many pages it held (0 for an unknown id).
  uint64_t Fini(BackupId id);

  bool IsLive(BackupId id, uint64_t idx) const {
    const Object* object = Find(id);
    return object != nullptr && idx < object->num_pages() && LiveBit(*object, idx);
  }
  uint64_t live_pages(BackupId id) const;
  // The size the object was created with (0 for an unknown id).
  uint64_t num_pages(BackupId id) const;
  // Pages ever stored with writeback = true (a counter; 4.23).
  uint64_t writeback_pages() const { return writeback_pages_; }
  // Backup objects created and not yet Fini'd.
  uint64_t objects() const { return objects_.size() - free_ids_.size(); }
  // Heap bytes of the stored pages and the object table (the engine's
  // memory accounting).
  uint64_t memory_bytes() const;

  class Walker;

  // Calls f(idx, token) for every live index of the object, increasing.
  template <typename F>
  void ForEachLive(BackupId id, F f) const {
    ForEachLiveWord(id, [&](uint64_t first, uint64_t word, const Token* tokens) {
      while (word != 0) {
        const uint64_t bit = static_cast<uint64_t>(std::countr_zero(word));
        f(first + bit, tokens != nullptr ? tokens[bit] : Token{});
        word &= word - 1;
      }
    });
  }
  // The same, 64 indices at a time: f(first, word, tokens) for every
  // nonzero live word, increasing, where bit b of word says whether index
  // first + b is live and tokens[b] is its token (tokens nullptr: every
  // token of the word is 0).
  template <typename F>
  void ForEachLiveWord(BackupId id, F f) const {
    const Object* object = Find(id);
    if (object == nullptr) return;
    object->live.ForEachNonDefault([&](uint64_t word_index, uint64_t word) {
      // A live word's 64 indices lie in one chunk of tokens: found once.
      f(word_index * 64, word, object->tokens.Find(word_index * 64));
    });
  }

 private:
  // One shmem file: the tokens, and a bit per index saying which are live
  // (a token may legitimately be any value, including 0). A chunk of
  // tokens and the live words covering it are released together when the
  // last live index in them is dropped.
  struct Object {
    explicit Object(uint64_t n) : tokens(n), live((n + 63) / 64) {}
    uint64_t num_pages() const { return tokens.size(); }
    uint64_t live_pages = 0;
    SparseArray<Token> tokens;
    SparseArray<uint64_t> live;
  };
  // Live words per token chunk.
  static constexpr uint64_t kWordsPerChunk = SparseArray<Token>::kChunkEntries / 64;
  static_assert(SparseArray<Token>::kChunkEntries % 64 == 0);
  // Releases the chunk of idx once none of its indices is live.
  static void ReleaseIfEmpty(Object& object, uint64_t idx);
  // The live word holding handle h's bit, or nullptr if h is not live.
  static uint64_t* LiveWord(Object* object, Handle h);
  // Drop() of the live index idx whose bit is in *word.
  void DropLive(Object& object, uint64_t idx, uint64_t* word);

  const Object* Find(BackupId id) const {
    return id < objects_.size() ? objects_[id].get() : nullptr;
  }
  Object* Find(BackupId id) { return id < objects_.size() ? objects_[id].get() : nullptr; }
  static bool LiveBit(const Object& object, uint64_t idx) {
    return (object.live.Get(idx / 64) >> (idx % 64)) & 1;
  }

  uint64_t swap_pages_;
  uint64_t held_pages_ = 0;
  uint64_t writeback_pages_ = 0;
  // Indexed by BackupId; null for ids free for reuse.
  std::vector<ClonePtr<Object>> objects_;
  std::set<BackupId> free_ids_;  // ordered: Create() takes the lowest
};

// The store calls of one loop over one object (a backup walking its
// slots, a restore walking a chunk's handles, a release walking what is
// left): BackupPage(), Take() and Drop() with the results and effects of
// the store's own calls, but the live words and tokens of an index's
// chunk are found once per chunk of 4096 indices, not once per call.
// Indices may come in any order; ascending runs are what it is fast for.
//
// Valid while the object exists and nothing but this walker changes it
// (reads through the store are fine).
class BackupStore::Walker {
 public:
  Walker(BackupStore& store, BackupId id) : store_(store), object_(store.Find(id)) {}

  // BackupStore::BackupPage() of this object.
  Handle BackupPage(uint64_t idx, Token token, bool writeback) {
    if (object_ == nullptr || idx >= object_->num_pages()) [[unlikely]] return 0;
    Seek(idx);
    const uint64_t w = WordOf(idx), bit = BitOf(idx);
    if (words_ == nullptr || (words_[w] & bit) == 0) {
      // A new shmem page: this is where swap space runs out.
      if (store_.held_pages_ >= store_.swap_pages_) return 0;
      if (words_ == nullptr) [[unlikely]] AllocateWords();
      words_[w] |= bit;
      ++object_->live_pages;
      ++store_.held_pages_;
    }
    if (tokens_ == nullptr) [[unlikely]] AllocateTokens();
    tokens_[idx & kChunkMask] = token;
    if (writeback) ++store_.writeback_pages_;
    return idx + 1;
  }

  // How many BackupPage() calls from idx on, idx + 1, ..., are sure to
  // succeed in a row: inside idx's chunk and the object, and no more than
  // the store has room for even if every index is new. 0 when the first
  // might fail.
  uint64_t Room(uint64_t idx) const {
    if (object_ == nullptr || idx >= object_->num_pages() ||
        store_.held_pages_ >= store_.swap_pages_)
      return 0;
    return std::min({store_.swap_pages_ - store_.held_pages_, object_->num_pages() - idx,
                     kChunkMask + 1 - (idx & kChunkMask)});
  }

  // BackupPage() of the indices idx .. idx + n - 1 (1 <= n <= Room(idx)),
  // in two halves: Tokens(idx) says where their n tokens go (the caller
  // writes them), MarkLive() sets their live bits a word at a time, with
  // the same counts and writeback count. The handles are idx + 1, idx + 2,
  // ... The tokens pointer is valid until the walker changes the object.
  Token* Tokens(uint64_t idx) {
    Seek(idx);
    if (tokens_ == nullptr) [[unlikely]] AllocateTokens();
    return &tokens_[idx & kChunkMask];
  }
  void MarkLive(uint64_t idx, uint64_t n, bool writeback) {
    Seek(idx);
    if (words_ == nullptr) [[unlikely]] AllocateWords();
    uint64_t added = 0;
    for (uint64_t at = idx, end = idx + n; at < end;) {
      const uint64_t k = std::min(64 - at % 64, end - at);
      const uint64_t bits = (k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1) << (at % 64);
      uint64_t& word = words_[WordOf(at)];
      added += static_cast<uint64_t>(std::popcount(bits & ~word));
      word |= bits;
      at += k;
    }
    object_->live_pages += added;
    store_.held_pages_ += added;
    if (writeback) store_.writeback_pages_ += n;
  }

  // BackupStore::Take() of this object.
  std::optional<Token> Take(Handle h) {
    if (!Live(h)) [[unlikely]] return std::nullopt;
    const Token token = tokens_[(h - 1) & kChunkMask];
    DropLive(h - 1);
    return token;
  }

  // BackupStore::Drop() of this object.
  bool Drop(Handle h) {
    if (!Live(h)) [[unlikely]] return false;
    DropLive(h - 1);
    return true;
  }

  // The live run from handle h: how many of the handles h, h + 1, ...
  // (at most `max`, all inside h's chunk) are live, and *tokens pointed at
  // h's token, the others following it. 0 if h is not live.
  // Valid until the walker changes the object.
  uint64_t LiveRun(Handle h, uint64_t max, const Token** tokens) {
    if (max == 0 || !Live(h)) return 0;
    const uint64_t idx = h - 1;
    const uint64_t limit =
        std::min({max, kChunkMask + 1 - (idx & kChunkMask), object_->num_pages() - idx});
    // A live word at a time: its set bits from idx's on.
    uint64_t n = 0;
    while (n < limit) {
      const uint64_t at = idx + n, left = 64 - at % 64;  // bits of at's word from at on
      const uint64_t ones = static_cast<uint64_t>(std::countr_one(words_[WordOf(at)] >> (at % 64)));
      n += std::min(ones, left);
      if (ones < left) break;
    }
    *tokens = &tokens_[idx & kChunkMask];
    return std::min(n, limit);
  }

  // Take() of the handles h .. h + n - 1, every one live (a LiveRun() of at
  // least n): the same effects, the chunk released (if it empties) once.
  void DropRun(Handle h, uint64_t n) {
    const uint64_t first = h - 1;
    bool emptied = false;
    for (uint64_t at = first, end = first + n; at < end;) {  // a live word at a time
      const uint64_t k = std::min(64 - at % 64, end - at);
      const uint64_t bits = (k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1) << (at % 64);
      uint64_t& word = words_[WordOf(at)];
      word &= ~bits;
      emptied |= word == 0;
      at += k;
    }
    std::fill_n(&tokens_[first & kChunkMask], n, Token{0});
    object_->live_pages -= n;
    store_.held_pages_ -= n;
    // Only the last drop can leave the chunk empty (the run's later
    // handles were live until then): one check for the whole run.
    if (emptied) WordEmptied(first + n - 1);
  }

 private:
  static constexpr unsigned kChunkShift = SparseArray<Token>::kChunkShift;
  static constexpr uint64_t kChunkMask = SparseArray<Token>::kChunkEntries - 1;
  static uint64_t WordOf(uint64_t idx) { return (idx & kChunkMask) / 64; }
  static uint64_t BitOf(uint64_t idx) { return uint64_t{1} << (idx % 64); }

  // Points words_ and tokens_ at idx's chunk (null where nothing of it is
  // allocated).
  void Seek(uint64_t idx) {
    if ((idx >> kChunkShift) != chunk_) [[unlikely]] SeekChunk(idx >> kChunkShift);
  }
  void SeekChunk(uint64_t chunk);
  // Allocate the sought chunk's live words, tokens.
  void AllocateWords();
  void AllocateTokens();
  // Handle h is live in this object (and its chunk is sought).
  bool Live(Handle h) {
    if (object_ == nullptr || h == 0 || h > object_->num_pages()) return false;
    Seek(h - 1);
    return words_ != nullptr && (words_[WordOf(h - 1)] & BitOf(h - 1)) != 0;
  }
  // BackupStore::DropLive() of the live index idx of the sought chunk.
  void DropLive(uint64_t idx) {
    uint64_t& word = words_[WordOf(idx)];
    word &= ~BitOf(idx);
    tokens_[idx & kChunkMask] = 0;
    --object_->live_pages;
    --store_.held_pages_;
    if (word == 0) [[unlikely]] WordEmptied(idx);
  }
  // The live word of idx emptied: the chunk may be released, and is
  // sought again.
  void WordEmptied(uint64_t idx);

  BackupStore& store_;
  Object* object_;
  uint64_t chunk_ = ~uint64_t{0};  // the chunk words_ and tokens_ are of
  uint64_t* words_ = nullptr;      // its kWordsPerChunk live words
  Token* tokens_ = nullptr;        // its tokens
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_BACKUP_STORE_H_
