// struct page and the ttm_tt page slot, as the model sees them.
//
// The kernel hides two encodings in plain pointers: a page pointer with the
// low bit set is a backup handle (ttm_backup_handle_to_page_ptr()), and the
// block order of a multi-page allocation lives in page->private of its head
// page. The model spells both out: a Slot is empty, a page or a handle, and
// a Page record carries its order marker, caching attribute, DMA mapping,
// owner and content.
#ifndef TTM_CORE_ENGINE_PAGE_H_
#define TTM_CORE_ENGINE_PAGE_H_

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "core/engine/backup_store.h"
#include "core/engine/content_map.h"
#include "core/event.h"
#include "core/engine/page_allocator.h"
#include "core/engine/sparse_array.h"

namespace ttm {

// The x86 page attribute (set_pages_array_wc() and friends).
enum class PageCaching : uint8_t { kWB, kWC, kUC };

inline PageCaching ToPageCaching(Caching c) {
  switch (c) {
    case Caching::kCached: return PageCaching::kWB;
    case Caching::kWriteCombined: return PageCaching::kWC;
    case Caching::kUncached: return PageCaching::kUC;
  }
  return PageCaching::kWB;
}

// Who holds a page (docs/invariants.md: the model of a page).
enum class Owner : uint8_t {
  kSystem,      // free in the page allocator
  kKernel,      // allocated, held by a local variable of the running function
  kPool,        // on a pool type's list (id = pool type index)
  kTt,          // in a ttm_tt slot (id = tt index, aux = slot)
  kRestoreOld,  // in ttm_pool_tt_restore::old_pages (id = tt index, aux = j)
  kRestoreState,  // memory of a tt's struct ttm_pool_tt_restore (id = tt index)
  kOrphan,      // allocated but referenced by nothing any more: a leak
  kRestoreStaged,  // v6.15 restore->alloced_page, not yet committed (id = tt index, aux = j)
};
inline constexpr int kNumOwners = 8;

// struct page, for one frame of the simulated machine. 16 bytes.
struct Page {
  Token token = kPoisonToken;
  uint32_t owner_id = 0;
  uint32_t aux = 0;
  uint8_t private_order = 0;  // page->private: block order on a head, 0 on tails
  Owner owner = Owner::kSystem;
  PageCaching caching = PageCaching::kWB;
  bool mapped : 1 = false;    // has a live dma mapping
  bool tail : 1 = false;      // tail of a block that has not been split

  bool operator==(const Page&) const = default;
};
static_assert(sizeof(Page) == 16, "struct page is the engine's cost per simulated page");

// Model bookkeeping, no kernel counterpart: the fields of a struct page
// that the checker's clean verdicts and the GPU write read (owner,
// owner_id, aux, and caching, tail and mapped where they matter) compared
// with what they should be as two masked 64-bit words, instead of one
// comparison per field: their step per page. The masks and the
// expected words are built from Page values, so nothing is assumed of the
// layout but that aux lies in the second word.
class PageMatcher {
 public:
  PageMatcher(Owner owner, uint32_t owner_id, std::optional<PageCaching> caching,
              std::optional<bool> tail, std::optional<bool> mapped) {
    static_assert(offsetof(Page, aux) >= sizeof(uint64_t) && sizeof(Page) == 2 * sizeof(uint64_t));
    Page want{}, mask{};  // value-initialized: padding bits are 0 in both
    want.owner = owner;
    want.owner_id = owner_id;
    mask.owner = static_cast<Owner>(0xff);
    mask.owner_id = ~uint32_t{0};
    mask.aux = ~uint32_t{0};
    if (caching) want.caching = *caching, mask.caching = static_cast<PageCaching>(0xff);
    if (tail) want.tail = *tail, mask.tail = true;
    if (mapped) want.mapped = *mapped, mask.mapped = true;
    want.token = mask.token = 0;
    std::memcpy(want_, &want, sizeof want_);
    std::memcpy(mask_, &mask, sizeof mask_);
    Page one{};
    one.aux = 1;
    one.token = 0;
    uint64_t words[2];
    std::memcpy(words, &one, sizeof words);
    aux_shift_ = std::countr_zero(words[1]);
  }
  // p has the expected fields, and aux `aux`.
  bool Matches(const Page& p, uint64_t aux) const {
    uint64_t w[2];
    std::memcpy(w, &p, sizeof w);
    return ((w[0] & mask_[0]) == want_[0]) & ((w[1] & mask_[1]) == (want_[1] | (aux << aux_shift_))) &
           (aux <= ~uint32_t{0});
  }
  // Matches(p[k], aux + k) for every k < n, a page (two words) per step
  // and branch-free; nullptr (struct pages never written) matches nothing.
  bool MatchesRun(const Page* p, uint64_t n, uint64_t aux) const {
    if (n == 0) return true;
    if (p == nullptr || aux + (n - 1) > ~uint32_t{0} || aux + (n - 1) < aux) return false;
    using V2 = uint64_t __attribute__((vector_size(16)));
    const V2 mask = {mask_[0], mask_[1]}, step = {0, uint64_t{1} << aux_shift_};
    // aux + k stays within 32 bits: adding step never carries out of aux.
    V2 want = {want_[0], want_[1] | (aux << aux_shift_)}, diff = {0, 0};
    uint64_t k = 0;
    for (; k + 2 <= n; k += 2, want += step + step) {  // two pages a step
      V2 w0, w1;
      std::memcpy(&w0, p + k, sizeof w0);
      std::memcpy(&w1, p + k + 1, sizeof w1);
      diff |= ((w0 & mask) ^ want) | ((w1 & mask) ^ (want + step));
    }
    if (k < n) {
      V2 w;
      std::memcpy(&w, p + k, sizeof w);
      diff |= (w & mask) ^ want;
    }
    return (diff[0] | diff[1]) == 0;
  }

 private:
  uint64_t want_[2], mask_[2];
  int aux_shift_ = 0;
};

// Model bookkeeping, no kernel counterpart: the tokens of four struct
// pages, loaded as four vectors of four words, gathered into one (the
// token is a struct page's first word).
using TokenBits = uint32_t __attribute__((vector_size(16)));
inline TokenBits TokensOf4(const TokenBits w[4]) {
  static_assert(offsetof(Page, token) == 0 && sizeof(Token) == 4 && sizeof(Page) == 16);
  return __builtin_shufflevector(__builtin_shufflevector(w[0], w[1], 0, 4, 0, 4),
                                 __builtin_shufflevector(w[2], w[3], 0, 4, 0, 4), 0, 1, 4, 5);
}

// Model bookkeeping, no kernel counterpart: all ones in each lane of
// `tokens` that holds neither token a nor token b.
inline TokenBits TokensNotIn(TokenBits tokens, Token a, Token b) {
  const TokenBits va = {a, a, a, a}, vb = {b, b, b, b};
  return reinterpret_cast<TokenBits>((tokens != va) & (tokens != vb));
}

// Model bookkeeping, no kernel counterpart: whether every page of p[0, n)
// holds token a or token b, the tokens of four struct pages gathered into
// one vector a step.
inline bool TokensAllIn(const Page* p, uint64_t n, Token a, Token b) {
  TokenBits bad = {0, 0, 0, 0};
  uint64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    TokenBits w[4];
    std::memcpy(w, p + k, sizeof w);
    bad |= TokensNotIn(TokensOf4(w), a, b);
  }
  uint32_t rest = bad[0] | bad[1] | bad[2] | bad[3];
  for (; k < n; ++k) rest |= (p[k].token != a) & (p[k].token != b);
  return rest == 0;
}

// The bus address the simulated IOMMU gives a frame.
inline constexpr uint64_t kDmaBase = uint64_t{1} << 40;
inline uint64_t BusAddress(Pfn pfn) { return kDmaBase + uint64_t{pfn} * kPageSize; }

// One entry of ttm_tt::pages[]: NULL, a page, or a backup handle. 4 bytes:
// the kernel's page pointer becomes a tag bit and 31 bits of value, enough
// for a frame (pfn + 1 <= 2^28) and for a handle (shmem index + 1 <= 2^31 - 1,
// the trace format's largest object). The tt's slot array is the engine's
// second cost per populated page, after struct page.
class Slot {
 public:
  static constexpr uint64_t kMaxHandle = (uint64_t{1} << 31) - 1;

  Slot() = default;
  static Slot Page(Pfn pfn) {
    assert(uint64_t{pfn} < kMaxHandle);
    return Slot(static_cast<uint32_t>((uint64_t{pfn} + 1) << 1));
  }
  static Slot Handle(uint64_t handle) {
    assert(handle <= kMaxHandle);
    return Slot(static_cast<uint32_t>((handle << 1) | 1));
  }

  bool is_null() const { return bits_ == 0; }
  bool is_handle() const { return (bits_ & 1) != 0; }
  bool is_page() const { return bits_ != 0 && !is_handle(); }
  Pfn pfn() const { return static_cast<Pfn>((bits_ >> 1) - 1); }
  uint64_t handle() const { return bits_ >> 1; }

  bool operator==(const Slot&) const = default;

 private:
  explicit Slot(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};
static_assert(sizeof(Slot) == 4, "a tt slot is the engine's cost per populated page after struct page");

// tt->dma_address[]: a bus address per slot, 0 where nothing was written.
// Every address the model writes is BusAddress() of a frame, so an entry
// keeps the frame number + 1 (4 bytes, not the kernel's 8); Get() returns
// the same 64-bit address that was Set().
class BusAddressArray {
 public:
  explicit BusAddressArray(uint64_t size = 0) : frames_(size) {}
  uint64_t size() const { return frames_.size(); }
  uint64_t Get(uint64_t i) const { return Decode(frames_.Get(i)); }
  void Set(uint64_t i, uint64_t address) { frames_.Set(i, Encode(address)); }
  uint64_t memory_bytes() const { return frames_.memory_bytes(); }
  // Calls f(index, address) for every written entry, in increasing order.
  template <typename F>
  void ForEachNonDefault(F f) const {
    frames_.ForEachNonDefault([&](uint64_t i, uint32_t e) { f(i, Decode(e)); });
  }

 private:
  static uint32_t Encode(uint64_t address) {
    if (address == 0) return 0;
    assert(address >= kDmaBase && (address - kDmaBase) % kPageSize == 0 &&
           (address - kDmaBase) / kPageSize < 0xffffffffu);
    return static_cast<uint32_t>((address - kDmaBase) / kPageSize + 1);
  }
  static uint64_t Decode(uint32_t e) {
    return e == 0 ? 0 : kDmaBase + uint64_t{e - 1} * kPageSize;
  }
  SparseArray<uint32_t> frames_;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_PAGE_H_
