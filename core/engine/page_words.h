// Model bookkeeping, no kernel counterpart: the struct pages and slots of
// a block looked at and changed as 16-byte vectors, a few vector
// operations per page instead of a comparison or a store per field. For
// the loops over a block where nothing is decided per page (issue 11): the
// backup loop, the frees to the system and to a pool, the write-back
// reset. Every mask and value is built from Page and Slot values, so
// nothing is assumed of the layout of a Page; of a Slot, only that
// Slot::Page() and Slot::Handle() step by a constant from one frame or
// handle to the next (page.h).
#ifndef TTM_CORE_ENGINE_PAGE_WORDS_H_
#define TTM_CORE_ENGINE_PAGE_WORDS_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/engine/page.h"

namespace ttm {

// A struct page as one vector.
using PageBits = uint64_t __attribute__((vector_size(16)));
static_assert(sizeof(PageBits) == sizeof(Page));

inline PageBits BitsOf(const Page& p) {
  PageBits w;
  std::memcpy(&w, &p, sizeof w);
  return w;
}

// The page whose bits are w written to p.
inline void StoreBits(Page& p, PageBits w) { std::memcpy(static_cast<void*>(&p), &w, sizeof w); }

// A Page with every bit 0 (Page{} holds the poison token): where a value
// or a mask of fields starts.
inline Page ZeroPage() {
  Page p{};
  p.token = 0;
  return p;
}

// Slots four at a time.
using SlotBits = uint32_t __attribute__((vector_size(16)));
static_assert(sizeof(SlotBits) == 4 * sizeof(Slot));

// The fields of `mask` (its bits set) that every page of a stretch must
// have as in `want`, aux counting up by one from page to page.
class PageRunMatcher {
 public:
  PageRunMatcher(const Page& want, const Page& mask) {
    Page want_no_aux = want, one = ZeroPage();
    want_no_aux.aux = 0;
    one.aux = 1;
    want_ = BitsOf(want_no_aux) & BitsOf(mask);
    mask_ = BitsOf(mask);
    step_ = BitsOf(one);
    aux_unmasked_ = ~mask.aux;
  }
  // Model bookkeeping, no kernel counterpart: a test view of TakeHeldRun()
  // with nothing taken; no engine code calls it. How many of the pages
  // p[0], p[1], ... (at most n) have the fields, with aux `aux + k` for
  // p[k], where slot s[k] holds frame f + k too: four pages and slots per
  // step, a branch per four.
  uint64_t HeldRun(const Page* p, const Slot* s, Pfn f, uint64_t aux, uint64_t n) const {
    return TakeHeldRun(p, s, f, aux, n, [](uint64_t, const PageBits*) {}, [](uint64_t) {});
  }

  // Model bookkeeping, no kernel counterpart: finds and takes the run of
  // pages the kernel's per-page loops (ttm_pool_backup_tt(),
  // ttm_pool_type_give(), set_pages_array_wb()) would go through with
  // nothing to decide, four pages a step (the engine's fast paths; the
  // reference path takes them one by one).
  // HeldRun(p, s, f, aux, n), the run taken as it is found, in one pass:
  // each group of four pages found held is handed to take4(k, words) (the
  // pages p[k, k + 4) as loaded), each page after a group to take1(k),
  // before the next is looked at. What they change is not looked at again.
  template <typename Take4, typename Take1>
  uint64_t TakeHeldRun(const Page* p, const Slot* s, Pfn f, uint64_t aux, uint64_t n, Take4 take4,
                       Take1 take1) const {
    if (aux > ~uint32_t{0}) return 0;
    n = std::min(n, (uint64_t{1} << 32) - aux);  // aux + k never carries out of aux
    Page start = ZeroPage();
    start.aux = static_cast<uint32_t>(aux);
    PageBits want = want_ | BitsOf(start);
    uint64_t k = 0;
    if (n >= 4) {
      const PageBits step2 = step_ + step_, step3 = step2 + step_, step4 = step2 + step2;
      const Slot frames[4] = {Slot::Page(f), Slot::Page(f + 1), Slot::Page(f + 2), Slot::Page(f + 3)};
      SlotBits slots;
      std::memcpy(&slots, frames, sizeof slots);
      const SlotBits slot_step = (SlotBits{} + (slots[1] - slots[0])) * 4;  // four frames on
      for (; k + 4 <= n; k += 4, want += step4, slots += slot_step) {
        const SlotBits slot_diff = LoadSlots(s + k) ^ slots;
        const PageBits words[4] = {Load(p + k), Load(p + k + 1), Load(p + k + 2), Load(p + k + 3)};
        PageBits diff;
        std::memcpy(&diff, &slot_diff, sizeof diff);
        diff |= (((words[0] & mask_) ^ want) | ((words[1] & mask_) ^ (want + step_))) |
                (((words[2] & mask_) ^ (want + step2)) | ((words[3] & mask_) ^ (want + step3)));
        if ((diff[0] | diff[1]) != 0) break;
        take4(k, words);
      }
    }
    for (; k < n; ++k, want += step_) {
      const PageBits diff = (Load(p + k) & mask_) ^ want;
      if (((diff[0] | diff[1]) != 0) | !(s[k] == Slot::Page(f + static_cast<Pfn>(k)))) break;
      take1(k);
    }
    return k;
  }

  // Model bookkeeping, no kernel counterpart: a test view of
  // HeldAllVisiting() with nothing visited; no engine code calls it.
  // HeldRun(p, s, f, aux, n) == n, but with p[0] wanted with the bits of
  // `first` flipped (a block's head, whose tail flag differs): one answer
  // for the stretch, four pages and slots a step, no branch but the loop's
  // (for the checker's clean verdict, where the stretch nearly always
  // holds).
  bool HeldAll(const Page* p, const Slot* s, Pfn f, uint64_t aux, uint64_t n, const Page& first) const {
    return HeldAllVisiting(p, s, f, aux, n, first, [](uint64_t) {}, [](uint64_t) {});
  }

  // Checker, no kernel counterpart: whether a block still holds as a
  // fresh populate left it (populated_clean.h), one answer for the stretch.
  // HeldAll(), with each page shown to the caller in the same pass,
  // whether it holds or not: each group of four p[k, k + 4) to visit4(k),
  // each page after the groups to visit1(k), as it is read (still no
  // branch but the loops'). When the answer is true, every page of the
  // stretch was shown. The pages' differences from the wanted words are
  // ORed unmasked and masked once at the end: the wanted words have no
  // bit outside the mask but those of aux + k the mask leaves out (none
  // when it covers aux, as for the checker), and a page wanted with such
  // bits never holds.
  template <typename Visit4, typename Visit1>
  bool HeldAllVisiting(const Page* p, const Slot* s, Pfn f, uint64_t aux, uint64_t n, const Page& first,
                       Visit4 visit4, Visit1 visit1) const {
    if (n == 0) return true;
    if (aux > ~uint32_t{0} || n - 1 > ~uint32_t{0} - aux) return false;  // aux + k fits
    uint64_t aux_off = 0;  // an aux + k with bits the mask leaves out
    for (uint64_t k = 0; aux_unmasked_ != 0 && k < n; ++k) aux_off |= (aux + k) & aux_unmasked_;
    Page start = ZeroPage();
    start.aux = static_cast<uint32_t>(aux);
    const PageBits step2 = step_ + step_, step4 = step2 + step2;
    // The wanted words of pages k, k + 1, k + 2 and k + 3.
    const PageBits flip = BitsOf(first) & mask_;
    PageBits w0 = want_ | BitsOf(start), w1 = w0 + step_, w2 = w0 + step2, w3 = w1 + step2, diff = {0, 0};
    uint64_t k = 0;
    if (n >= 4) {
      const Slot frames[4] = {Slot::Page(f), Slot::Page(f + 1), Slot::Page(f + 2), Slot::Page(f + 3)};
      SlotBits slots;
      std::memcpy(&slots, frames, sizeof slots);
      const SlotBits slot_step = (SlotBits{} + (slots[1] - slots[0])) * 4;  // four frames on
      // The first step apart, the only one with bits flipped.
      SlotBits slot_diff = LoadSlots(s) ^ slots;
      diff = Differ4(p, w0 ^ flip, w1, w2, w3);
      visit4(uint64_t{0});
      for (k = 4; k + 4 <= n; k += 4) {
        w0 += step4, w1 += step4, w2 += step4, w3 += step4, slots += slot_step;
        slot_diff |= LoadSlots(s + k) ^ slots;
        diff |= Differ4(p + k, w0, w1, w2, w3);
        visit4(k);
      }
      w0 += step4, w1 += step4;
      diff &= mask_;
      PageBits slot_words;
      std::memcpy(&slot_words, &slot_diff, sizeof slot_words);
      diff |= slot_words;
    } else {
      w0 ^= flip;
    }
    uint64_t rest = aux_off;  // nonzero: some page cannot hold
    for (; k < n; ++k, w0 = w1, w1 += step_) {  // w0 has bits flipped only for k == 0
      const PageBits d = (Load(p + k) & mask_) ^ w0;
      rest |= d[0] | d[1] | !(s[k] == Slot::Page(f + static_cast<Pfn>(k)));
      visit1(k);
    }
    return (diff[0] | diff[1] | rest) == 0;
  }

  // Every p[k] (k < n) has the fields, with aux 0: one answer, four pages
  // per step.
  bool AllWithAuxZero(const Page* p, uint64_t n) const {
    PageBits diff = {0, 0};
    uint64_t k = 0;
    for (; k + 4 <= n; k += 4)
      diff |= (((Load(p + k) & mask_) ^ want_) | ((Load(p + k + 1) & mask_) ^ want_)) |
              (((Load(p + k + 2) & mask_) ^ want_) | ((Load(p + k + 3) & mask_) ^ want_));
    for (; k < n; ++k) diff |= (Load(p + k) & mask_) ^ want_;
    return (diff[0] | diff[1]) == 0;
  }

 private:
  static PageBits Load(const Page* p) { return BitsOf(*p); }
  static SlotBits LoadSlots(const Slot* s) {
    SlotBits w;
    std::memcpy(&w, s, sizeof w);
    return w;
  }
  // Checker, no kernel counterpart: the bits in which p[0, 4) differ from
  // w0 to w3, ORed, unmasked (for HeldAllVisiting()).
  static PageBits Differ4(const Page* p, PageBits w0, PageBits w1, PageBits w2, PageBits w3) {
    return ((Load(p) ^ w0) | (Load(p + 1) ^ w1)) | ((Load(p + 2) ^ w2) | (Load(p + 3) ^ w3));
  }
  PageBits want_, mask_, step_;
  uint32_t aux_unmasked_;  // the bits of aux the mask leaves out
};

// Sets the fields of `mask` (its bits set) of every page of a stretch to
// those of `value`, the others kept; seen(k, page) is shown each page
// before (nothing, when not given).
class PageRunSetter {
 public:
  struct Unseen {
    void operator()(uint64_t, const Page&) const {}
  };
  PageRunSetter(const Page& value, const Page& mask)
      : keep_(~BitsOf(mask)), set_(BitsOf(value) & BitsOf(mask)) {}
  // Model bookkeeping, no kernel counterpart: the setter doing to a page
  // what set(page) does, for a `set` that gives fields constant values,
  // whatever the page held (every caller's: a field set from the page's
  // own would be taken as kept; page_words_test holds each caller's): found by
  // running it on a page of 0 bits and one of 1 bits (a bit that follows
  // the page is kept, any other set). Constant folded when `set` is.
  template <typename F>
  static PageRunSetter Of(F set) {
    Page zeros = ZeroPage(), ones;
    std::memset(static_cast<void*>(&ones), 0xff, sizeof ones);
    set(zeros);
    set(ones);
    Page mask;
    StoreBits(mask, ~(BitsOf(zeros) ^ BitsOf(ones)));
    return PageRunSetter(zeros, mask);
  }
  // The page whose bits are w, set.
  PageBits Set(PageBits w) const { return (w & keep_) | set_; }
  // Model bookkeeping, no kernel counterpart: the struct page stores of
  // pages whose per-page checks already passed (a whole block in
  // PoolTypeReleaseClean() and FreeBlockToSystem(); the single-page steps
  // of PoolBackupRun() and MoveHeldBlock()), Set() on each page in turn.
  template <typename F = Unseen>
  void Apply(Page* p, uint64_t n, F seen = {}) const {
#pragma GCC unroll 4
    for (uint64_t k = 0; k < n; ++k) {
      seen(k, p[k]);
      StoreBits(p[k], Set(BitsOf(p[k])));
    }
  }
  // Model bookkeeping, no kernel counterpart: Apply(p, 4, seen) where the
  // bits of p[0, 4) are at hand, as loaded (words[j]: p[j]'s, which are
  // what seen(j, page) is shown); the step of the loops whose run
  // PageRunMatcher::TakeHeldRun() finds (the backup loop, a block leaving
  // its tt).
  template <typename F = Unseen>
  void Apply4(Page* p, const PageBits* words, F seen = {}) const {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      Page loaded;
      StoreBits(loaded, words[j]);
      seen(j, static_cast<const Page&>(loaded));
      StoreBits(p[j], Set(words[j]));
    }
  }

 private:
  PageBits keep_, set_;
};

// Model bookkeeping, no kernel counterpart: s[k] = Slot::Page(f + k) for
// every k < n, four slots a store (a frame slot's bits step by 2 per frame).
inline void StoreFrameSlots(Slot* s, Pfn f, uint64_t n) {
  using V4 = uint32_t __attribute__((vector_size(16)));
  const Slot head = Slot::Page(f);
  uint32_t bits;
  std::memcpy(&bits, &head, sizeof bits);
  V4 want = {bits, bits + 2, bits + 4, bits + 6};
  const V4 step = {8, 8, 8, 8};
  uint64_t k = 0;
#pragma GCC unroll 4
  for (; k + 4 <= n; k += 4, want += step) std::memcpy(static_cast<void*>(s + k), &want, sizeof want);
  for (; k < n; ++k) s[k] = Slot::Page(f + static_cast<Pfn>(k));
}

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_PAGE_WORDS_H_
