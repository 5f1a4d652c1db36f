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

#include <cstdint>

#include "core/engine/backup_store.h"
#include "core/engine/content_map.h"
#include "core/event.h"
#include "core/engine/page_allocator.h"

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

// One entry of ttm_tt::pages[]: NULL, a page, or a backup handle.
class Slot {
 public:
  Slot() = default;
  static Slot Page(Pfn pfn) { return Slot((uint64_t{pfn} + 1) << 1); }
  static Slot Handle(uint64_t handle) { return Slot((handle << 1) | 1); }

  bool is_null() const { return bits_ == 0; }
  bool is_handle() const { return (bits_ & 1) != 0; }
  bool is_page() const { return bits_ != 0 && !is_handle(); }
  Pfn pfn() const { return static_cast<Pfn>((bits_ >> 1) - 1); }
  uint64_t handle() const { return bits_ >> 1; }

  bool operator==(const Slot&) const = default;

 private:
  explicit Slot(uint64_t bits) : bits_(bits) {}
  uint64_t bits_ = 0;
};

// The bus address the simulated IOMMU gives a frame.
inline constexpr uint64_t kDmaBase = uint64_t{1} << 40;
inline uint64_t BusAddress(Pfn pfn) { return kDmaBase + uint64_t{pfn} * kPageSize; }

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_PAGE_H_
