#include "core/engine/backup_store.h"

#include <algorithm>

#include "core/event.h"

namespace ttm {

uint64_t BackupStore::bytes_avail() const {
  if (held_pages_ >= swap_pages_) return 0;
  return (swap_pages_ - held_pages_) * kPageSize;
}

BackupId BackupStore::Create(uint64_t num_pages) {
  if (!free_ids_.empty()) {
    const BackupId id = *free_ids_.begin();
    free_ids_.erase(free_ids_.begin());
    objects_[id] = std::make_unique<Object>(num_pages);
    return id;
  }
  objects_.push_back(std::make_unique<Object>(num_pages));
  return static_cast<BackupId>(objects_.size() - 1);
}

Handle BackupStore::BackupPage(BackupId id, uint64_t idx, Token token,
                               bool writeback) {
  Object* object = Find(id);
  if (object == nullptr || idx >= object->num_pages()) return 0;
  const uint64_t bit = uint64_t{1} << (idx % 64);
  uint64_t* word = object->live.Find(idx / 64);
  if (word == nullptr || (*word & bit) == 0) {
    // A new shmem page: this is where swap space runs out.
    if (held_pages_ >= swap_pages_) return 0;
    if (word == nullptr) word = &object->live.Mutable(idx / 64);
    *word |= bit;
    ++object->live_pages;
    ++held_pages_;
  }
  object->tokens.Set(idx, token);
  if (writeback) ++writeback_pages_;
  return idx + 1;
}

std::optional<Token> BackupStore::Peek(BackupId id, Handle h) const {
  const Object* object = Find(id);
  if (object == nullptr || h == 0 || h > object->num_pages()) return std::nullopt;
  if (!LiveBit(*object, h - 1)) return std::nullopt;
  return object->tokens.Get(h - 1);
}

bool BackupStore::Drop(BackupId id, Handle h) {
  Object* object = Find(id);
  uint64_t* word = LiveWord(object, h);
  if (word == nullptr) return false;
  DropLive(*object, h - 1, word);
  return true;
}

std::optional<Token> BackupStore::Take(BackupId id, Handle h) {
  Object* object = Find(id);
  uint64_t* word = LiveWord(object, h);
  if (word == nullptr) return std::nullopt;
  const Token token = object->tokens.Get(h - 1);
  DropLive(*object, h - 1, word);
  return token;
}

uint64_t* BackupStore::LiveWord(Object* object, Handle h) {
  if (object == nullptr || h == 0 || h > object->num_pages()) return nullptr;
  const uint64_t idx = h - 1;
  uint64_t* word = object->live.Find(idx / 64);
  if (word == nullptr || (*word & (uint64_t{1} << (idx % 64))) == 0) return nullptr;
  return word;
}

void BackupStore::DropLive(Object& object, uint64_t idx, uint64_t* word) {
  *word &= ~(uint64_t{1} << (idx % 64));
  object.tokens.Set(idx, 0);
  --object.live_pages;
  --held_pages_;
  if (*word == 0) ReleaseIfEmpty(object, idx);
}

// Model bookkeeping (shmem frees a truncated page's memory): checked when
// a live word empties, so at most once per 64 drops.
void BackupStore::ReleaseIfEmpty(Object& object, uint64_t idx) {
  const uint64_t chunk = idx >> SparseArray<Token>::kChunkShift;
  const uint64_t first_word = chunk * kWordsPerChunk;
  const uint64_t end_word = std::min(first_word + kWordsPerChunk, object.live.size());
  // The chunk's live words lie in one chunk of `live`: found once.
  if (const uint64_t* words = object.live.Find(first_word)) {
    for (uint64_t w = 0; w < end_word - first_word; ++w) {
      if (words[w] != 0) return;
    }
  }
  object.tokens.ReleaseChunk(chunk);
  // The live words of this chunk lie in one chunk of `live`, which covers
  // 64 token chunks: release it too when none of those is left.
  const uint64_t live_chunk = first_word >> SparseArray<uint64_t>::kChunkShift;
  const uint64_t per_live_chunk = SparseArray<uint64_t>::kChunkEntries / kWordsPerChunk;
  const uint64_t token_chunks = object.tokens.chunks();
  for (uint64_t c = live_chunk * per_live_chunk;
       c < std::min((live_chunk + 1) * per_live_chunk, token_chunks); ++c) {
    if (object.tokens.HasChunk(c)) return;
  }
  object.live.ReleaseChunk(live_chunk);
}

uint64_t BackupStore::Fini(BackupId id) {
  Object* object = Find(id);
  if (object == nullptr) return 0;
  const uint64_t held = object->live_pages;
  held_pages_ -= held;
  objects_[id].reset();
  free_ids_.insert(id);
  // Keep objects_ short when the highest ids go away.
  while (!objects_.empty() && objects_.back() == nullptr) {
    free_ids_.erase(static_cast<BackupId>(objects_.size() - 1));
    objects_.pop_back();
  }
  return held;
}

uint64_t BackupStore::live_pages(BackupId id) const {
  const Object* object = Find(id);
  return object == nullptr ? 0 : object->live_pages;
}

uint64_t BackupStore::num_pages(BackupId id) const {
  const Object* object = Find(id);
  return object == nullptr ? 0 : object->num_pages();
}

uint64_t BackupStore::memory_bytes() const {
  uint64_t bytes = objects_.capacity() * sizeof(objects_[0]);
  for (const auto& object : objects_) {
    if (object == nullptr) continue;
    bytes += sizeof(Object) + object->tokens.memory_bytes() + object->live.memory_bytes();
  }
  return bytes;
}

void BackupStore::Walker::SeekChunk(uint64_t chunk) {
  chunk_ = chunk;
  words_ = object_->live.Find(chunk * kWordsPerChunk);
  tokens_ = object_->tokens.Find(chunk << kChunkShift);
}

void BackupStore::Walker::AllocateWords() {
  words_ = &object_->live.Mutable(chunk_ * kWordsPerChunk);
}

void BackupStore::Walker::AllocateTokens() {
  tokens_ = &object_->tokens.Mutable(chunk_ << kChunkShift);
}

void BackupStore::Walker::WordEmptied(uint64_t idx) {
  ReleaseIfEmpty(*object_, idx);
  chunk_ = ~uint64_t{0};
}

}  // namespace ttm
