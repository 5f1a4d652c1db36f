// Model bookkeeping, no kernel counterpart: the checker's "clean" verdict
// of a populated tt, a block at a time, for the checker, for a GPU write
// of the whole tt (TtmModel::Write()) and for the fresh content check
// after a populate (Engine), which walk the same slots and struct pages
// anyway.
#ifndef TTM_CORE_ENGINE_POPULATED_CLEAN_H_
#define TTM_CORE_ENGINE_POPULATED_CLEAN_H_

#include <cstdint>

#include "core/engine/model.h"
#include "core/engine/page_words.h"

namespace ttm {

// Checker, no kernel counterpart (also read by TtmModel::Write() and the
// fresh content check): the verdict of the checker's walk over a
// populated tt when that walk finds nothing, in one tight pass: true only
// when every block of [0, num_pages) is whole, in order and owned (its
// head not a tail, its tails tails, none past the end), every page has the
// tt caching (and, with a dma array, is mapped at its bus address), and no
// backup page is held. An "all ok" flag per block, no finding built: when it says false,
// the checker walks again and says what and where. Conservative: a block
// it cannot read safely (frames beyond the machine) is "not clean".
// Blocks' slots and struct pages are read together, four of each a step
// (PageRunMatcher::HeldAllVisiting()), from one lookup of each where the
// block lies in one chunk of each array (nearly always: blocks are
// buddy-aligned and populated largest first).
//
// on_block(i, first, n) is called for each block found clean, in slot
// order, before the next is read: slots [i, i + n) hold frames
// [first, first + n), each owned by its slot. The walk stops at the first
// block that is not clean (on_block is not called for it).
//
// PopulatedCleanVisiting() shows the caller, in the same pass, the
// struct page of every slot the walk reads, in slot order, whether it
// turns out clean or not: visit4(p) the pages of four slots at a time,
// visit1(p) one page. When the verdict is "clean", every slot's page was
// shown.
template <typename Visit4, typename Visit1, typename F>
bool PopulatedCleanVisiting(const TtmModel& m, const TtObject& tt, Visit4 visit4, Visit1 visit1, F on_block) {
  if (m.store().live_pages(tt.backup)) return false;
  const PageCaching caching = ToPageCaching(tt.caching);
  const bool dma = tt.has_dma;
  const bool mapped = tt.has_dma && !m.config().use_dma_alloc;
  // A block's pages: its tails as `want`, its head with the tail flag clear.
  Page want = ZeroPage(), mask = ZeroPage(), head = ZeroPage();
  want.owner = Owner::kTt;
  want.owner_id = tt.index;
  want.caching = caching;
  want.tail = mask.tail = head.tail = true;
  want.mapped = mask.mapped = mapped;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = ~uint32_t{0};
  mask.caching = static_cast<PageCaching>(0xff);
  const PageRunMatcher block(want, mask);
  const uint64_t frames = m.frames();
  constexpr uint64_t kSlotMask = SparseArray<Slot>::kChunkEntries - 1;
  constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
  for (uint64_t i = 0; i < tt.num_pages;) {
    const Slot* slots = tt.pages.Find(i);
    if (slots == nullptr || !slots->is_page() || slots->pfn() >= frames) return false;
    const Pfn first = slots->pfn();
    const Page* pages = m.FindPage(first);
    if (pages == nullptr) return false;  // a struct page never written is the system's
    const uint32_t order = pages->private_order;
    if (order >= 64) return false;
    const uint64_t n = uint64_t{1} << order;
    if (n > tt.num_pages - i || n > frames - first) return false;
    bool ok = true;
    if ((i & kSlotMask) + n <= kSlotMask + 1 && (first & kFrameMask) + n <= kFrameMask + 1) [[likely]] {
      // Slots and pages each in one chunk.
      ok = block.HeldAllVisiting(
          pages, slots, first, i, n, head, [&](uint64_t k) { visit4(pages + k); },
          [&](uint64_t k) { visit1(pages + k); });
    } else {
      // Branch-free: each test is folded into ok, read once per block.
      tt.pages.ReadSpans(i, n, [&](uint64_t j, const Slot* run, uint64_t len) {
        const Pfn f = first + static_cast<Pfn>(j - i);
        ok = ok && run != nullptr;
        m.ForEachPageSpan(f, ok ? len : 0, [&](uint64_t pfn, const Page* p, uint64_t plen) {
          const uint64_t at = pfn - f;
          ok = ok && p != nullptr &&
               block.HeldAllVisiting(
                   p, run + at, static_cast<Pfn>(pfn), j + at, plen, pfn == first ? head : ZeroPage(),
                   [&](uint64_t k) { visit4(p + k); }, [&](uint64_t k) { visit1(p + k); });
        });
      });
    }
    for (uint64_t k = 0; dma && k < n; ++k)
      ok &= tt.dma_address.Get(i + k) == BusAddress(first + static_cast<Pfn>(k));
    if (!ok) return false;
    on_block(i, first, n);
    i += n;
  }
  return true;
}

// Checker, no kernel counterpart: PopulatedCleanVisiting() with nothing
// shown.
template <typename F>
bool PopulatedClean(const TtmModel& m, const TtObject& tt, F on_block) {
  return PopulatedCleanVisiting(m, tt, [](const Page*) {}, [](const Page*) {}, on_block);
}

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_POPULATED_CLEAN_H_
