// ClonePtr<T>: a std::unique_ptr<T> that copies what it points to when it is
// copied (bookkeeping, no kernel counterpart).
//
// Why: the engine is deterministic, so a copy of it is a snapshot from which
// a replay can go on as if it had run from the start (explore replays the
// tail of a trace once per fault position from one such snapshot). The
// kernel structures the model allocates one by one (struct ttm_tt, its
// restore struct, a shmem file of the backup store) are held through this
// pointer, so that every class above them keeps its defaulted copy and a
// member added later is copied without anyone having to remember it.
#ifndef TTM_CORE_ENGINE_CLONE_PTR_H_
#define TTM_CORE_ENGINE_CLONE_PTR_H_

#include <cstddef>
#include <memory>
#include <utility>

namespace ttm {

template <typename T>
class ClonePtr {
 public:
  ClonePtr() = default;
  ClonePtr(std::nullptr_t) {}  // NOLINT: as unique_ptr
  ClonePtr(std::unique_ptr<T> p) : p_(std::move(p)) {}  // NOLINT: as unique_ptr
  ClonePtr(const ClonePtr& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
  ClonePtr& operator=(const ClonePtr& other) {
    if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
    return *this;
  }
  ClonePtr(ClonePtr&&) noexcept = default;
  ClonePtr& operator=(ClonePtr&&) noexcept = default;
  ClonePtr& operator=(std::unique_ptr<T> p) {
    p_ = std::move(p);
    return *this;
  }
  ClonePtr& operator=(std::nullptr_t) {
    p_.reset();
    return *this;
  }

  T* get() const { return p_.get(); }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_.get(); }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() { p_.reset(); }
  friend bool operator==(const ClonePtr& a, std::nullptr_t) { return a.p_ == nullptr; }

 private:
  std::unique_ptr<T> p_;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_CLONE_PTR_H_
