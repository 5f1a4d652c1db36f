#include "core/trace/live_ids.h"

#include <cassert>

namespace ttm::trace {
namespace {

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
  table_.Set(id, pages);
  return true;
}

uint32_t LiveIds::Find(uint64_t id) const {
  // An id inside the window may still live in the table: it was added
  // before the window grew over it.
  if (InWindow(id) && window_[head_ + (id - base_)] != 0) return window_[head_ + (id - base_)];
  const uint32_t pages = table_.Find(id);
  return pages == IdMap::kAbsent ? 0 : pages;
}

bool LiveIds::Erase(uint64_t id) {
  if (InWindow(id) && WindowSlot(id) != 0) {
    WindowSlot(id) = 0;
    --window_live_;
    TrimWindow();
    return true;
  }
  return table_.Erase(id);
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
    if (window[i] != 0) table_.Set(base + (i - head), window[i]);
}

size_t LiveIds::memory_bytes() const {
  return window_.capacity() * sizeof(uint32_t) + table_.memory_bytes();
}

}  // namespace ttm::trace
