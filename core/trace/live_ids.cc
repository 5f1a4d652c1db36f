#include "core/trace/live_ids.h"

#include <cassert>

namespace ttm::trace {
namespace {

constexpr size_t kMinTable = 16;
// The window may grow past its live ids by this many slots plus 4 per id.
constexpr uint64_t kWindowSlack = 64;

}  // namespace

bool LiveIds::TryWindowInsert(uint64_t id, uint32_t pages) {
  if (InWindow(id)) {  // Insert() made sure the id is not live
    WindowSlot(id) = pages;
    ++window_live_;
    return true;
  }
  if (window_live_ == 0) {
    window_.clear();
    head_ = 0;
    base_ = id;
  }
  if (id < base_) return false;
  const uint64_t end = base_ + (window_.size() - head_);
  const uint64_t needed = id - base_ + 1;
  if (needed > 4 * (window_live_ + 1) + kWindowSlack) return false;
  window_.resize(window_.size() + (id - end) + 1, 0);
  WindowSlot(id) = pages;
  ++window_live_;
  return true;
}

bool LiveIds::Insert(uint64_t id, uint32_t pages) {
  assert(pages > 0);
  if (Find(id) != 0) return false;
  if (TryWindowInsert(id, pages)) return true;
  TableInsert(id, pages);
  return true;
}

uint32_t LiveIds::Find(uint64_t id) const {
  // An id inside the window may still live in the table: it was added
  // before the window grew over it.
  if (InWindow(id) && window_[head_ + (id - base_)] != 0) return window_[head_ + (id - base_)];
  if (table_live_ == 0) return 0;
  const size_t mask = keys_.size() - 1;
  for (size_t i = Home(id);; i = (i + 1) & mask) {
    if (pages_[i] == 0) return 0;
    if (keys_[i] == id) return pages_[i];
  }
}

bool LiveIds::Erase(uint64_t id) {
  if (InWindow(id) && WindowSlot(id) != 0) {
    WindowSlot(id) = 0;
    --window_live_;
    TrimWindow();
    return true;
  }
  if (table_live_ == 0) return false;
  const size_t mask = keys_.size() - 1;
  size_t i = Home(id);
  while (pages_[i] != 0 && keys_[i] != id) i = (i + 1) & mask;
  if (pages_[i] == 0) return false;
  // Backward-shift deletion: move later entries of the run into the hole
  // when their home allows, so that lookups need no tombstones.
  for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    if (pages_[j] == 0) break;
    const size_t home = Home(keys_[j]);
    // Whether home lies cyclically in (i, j]: then the entry stays.
    const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    keys_[i] = keys_[j];
    pages_[i] = pages_[j];
    i = j;
  }
  pages_[i] = 0;
  --table_live_;
  if (keys_.size() > kMinTable && table_live_ * 4 < keys_.size()) Rehash(keys_.size() / 2);
  return true;
}

void LiveIds::TrimWindow() {
  if (window_live_ == 0) {
    std::vector<uint32_t>().swap(window_);
    head_ = 0;
    return;
  }
  while (window_[head_] == 0) {
    ++head_;
    ++base_;
  }
  while (window_.back() == 0) window_.pop_back();
  const size_t span = window_.size() - head_;
  if (span > 8 * window_live_ + kWindowSlack) return WindowToTable();
  // Dead slots in front are dropped once they are half of the array, and
  // the array is shrunk when it is mostly spare capacity.
  if (head_ > 0 && head_ >= window_.size() / 2) {
    window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  if (window_.capacity() > 2 * window_.size() + kWindowSlack) window_.shrink_to_fit();
}

void LiveIds::WindowToTable() {
  std::vector<uint32_t> window;
  window.swap(window_);
  const uint64_t base = base_;
  const size_t head = head_;
  head_ = 0;
  window_live_ = 0;
  for (size_t i = head; i < window.size(); ++i)
    if (window[i] != 0) TableInsert(base + (i - head), window[i]);
}

size_t LiveIds::Home(uint64_t id) const {
  // Fibonacci hashing: the top bits of the product spread consecutive ids.
  return static_cast<size_t>((id * 0x9E3779B97F4A7C15ull) >> (64 - bits_));
}

void LiveIds::TableInsert(uint64_t id, uint32_t pages) {
  if ((table_live_ + 1) * 4 > keys_.size() * 3)
    Rehash(keys_.empty() ? kMinTable : keys_.size() * 2);
  const size_t mask = keys_.size() - 1;
  size_t i = Home(id);
  while (pages_[i] != 0) i = (i + 1) & mask;
  keys_[i] = id;
  pages_[i] = pages;
  ++table_live_;
}

void LiveIds::Rehash(size_t capacity) {
  std::vector<uint64_t> keys(capacity);
  std::vector<uint32_t> pages(capacity, 0);
  keys.swap(keys_);
  pages.swap(pages_);
  bits_ = 0;
  while ((size_t{1} << bits_) < capacity) ++bits_;
  table_live_ = 0;
  for (size_t i = 0; i < keys.size(); ++i)
    if (pages[i] != 0) TableInsert(keys[i], pages[i]);
}

size_t LiveIds::memory_bytes() const {
  return window_.capacity() * sizeof(uint32_t) + keys_.capacity() * sizeof(uint64_t) +
         pages_.capacity() * sizeof(uint32_t);
}

}  // namespace ttm::trace
