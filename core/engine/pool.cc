// Pool types, page primitives, freeing and shrinking: the parts of
// drivers/gpu/drm/ttm/ttm_pool.c that the backup engine builds on.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <string>

#include "core/engine/model.h"
#include "core/engine/page_words.h"

namespace ttm {
namespace {

std::string Hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

// Models ttm_pool_mgr_init() and ttm_pool_init() for the one device pool,
// in the order they add pool types to the shrinker list (list_add_tail(),
// so ttm_pool_shrink() meets them in this order):
// - ttm_pool_mgr_init(): for each order 0..MAX_PAGE_ORDER the global WC,
//   UC, DMA32-WC and DMA32-UC types;
// - ttm_pool_init(): for each caching in the order of enum ttm_caching
//   (uncached, write-combined, cached), for each order, the pool's own type
//   if ttm_pool_select_type() returns it (every caching for a coherent-DMA
//   pool, WC and UC for a pool with a NUMA node).
// Our Caching enum is ordered differently (cached first), so the kernel's
// order is spelled out here.
TtmModel::TtmModel(const MachineConfig& config, Semantics semantics)
    : config_(config),
      semantics_(semantics),
      allocator_(config.system_pages, config.dma32_pages, config.max_order),
      store_(config.swap_pages),
      pages_(config.system_pages),
      page_pool_size_(config.pool_limit_pages) {
  const uint32_t orders = config.max_order + 1;
  global_index_.assign(4 * orders, -1);
  per_pool_index_.assign(3 * orders, -1);
  for (uint32_t k = 0; k < orders; ++k) {
    const Caching kinds[4] = {Caching::kWriteCombined, Caching::kUncached,
                              Caching::kWriteCombined, Caching::kUncached};
    for (int kind = 0; kind < 4; ++kind) {
      global_index_[kind * orders + k] = static_cast<int>(types_.size());
      types_.push_back(PoolType{kinds[kind], k, kind >= 2, false, {}});
    }
  }
  for (Caching caching : kKernelCachingOrder) {
    const bool used = config.use_dma_alloc ||
                      (config.numa_node && caching != Caching::kCached);
    if (!used) continue;
    const int c = static_cast<int>(caching);
    for (uint32_t k = 0; k < orders; ++k) {
      per_pool_index_[c * orders + k] = static_cast<int>(types_.size());
      types_.push_back(PoolType{caching, k, false, true, {}});
    }
  }
}

// Model bookkeeping, no kernel counterpart: the tt at a model index.
TtObject* TtmModel::tt(uint32_t index) const {
  return index < tts_.size() ? tts_[index].get() : nullptr;
}

// Model bookkeeping, no kernel counterpart: the live tt a trace id names.
TtObject* TtmModel::FindTt(uint64_t id) const {
  const uint32_t index = ids_.Find(id);
  return index == IdMap::kAbsent ? nullptr : tts_[index].get();
}

// The checker's side channel, no kernel counterpart: records a violation
// found while an operation runs.
void TtmModel::Report(Invariant inv, const TtObject* tt, std::string what) {
  if (sink_ == nullptr) return;
  Violation v{inv, std::nullopt, std::move(what)};
  if (tt != nullptr) v.tt = tt->id;
  sink_->push_back(std::move(v));
}

// Where the kernel would oops: records the violation and abandons the
// operation (Engine::Apply catches KernelCrash).
void TtmModel::Crash(Invariant inv, const TtObject* tt, std::string what) {
  Report(inv, tt, std::move(what) + "; operation abandoned");
  throw KernelCrash{};
}

// Report bookkeeping, no kernel counterpart: high-water marks.
void TtmModel::UpdatePeaks() {
  counters_.memory.peak_system_pages = std::max(counters_.memory.peak_system_pages, allocator_.used_pages());
  counters_.memory.peak_pool_pages = std::max(counters_.memory.peak_pool_pages, allocated_pages_);
  counters_.memory.peak_backup_pages = std::max(counters_.memory.peak_backup_pages, store_.held_pages());
}

namespace {

// Owners that are a tt's (owner_id is the tt index): they count in
// TtObject::owned_pages.
constexpr uint32_t kTtOwners = 1u << static_cast<int>(Owner::kTt) |
                               1u << static_cast<int>(Owner::kRestoreOld) |
                               1u << static_cast<int>(Owner::kRestoreState) |
                               1u << static_cast<int>(Owner::kRestoreStaged);
// One bit test, not four comparisons: asked for every page that changes hands.
constexpr bool TtOwned(Owner o) { return (kTtOwners >> static_cast<int>(o)) & 1; }

}  // namespace

// Model bookkeeping, no kernel counterpart: who holds a page (spec 3.1),
// with the per-owner counts the conservation check uses.
void TtmModel::SetOwner(Pfn pfn, Owner owner, uint32_t id, uint32_t aux) {
  SetOwnerOf(P(pfn), pfn, owner, id, aux);
}

// Model bookkeeping, no kernel counterpart: SetOwner() on the struct page
// of frame pfn, already at hand. A page owned by a slot that holds it
// counts as resident for that tt (TtObject::resident_slots), before and
// after.
inline void TtmModel::SetOwnerOf(Page& p, Pfn pfn, Owner owner, uint32_t id, uint32_t aux,
                                  SparseArray<Slot>::ReadCursor* slots) {
  Disown(p, pfn, slots);
  p.owner = owner;
  p.owner_id = id;
  p.aux = aux;
  ++owner_count_[static_cast<int>(owner)];
  if (TtOwned(owner)) {
    TtObject& t = *tts_[id];
    ++t.owned_pages;
    if (owner == Owner::kTt && aux < t.num_pages && t.pages.Get(aux) == Slot::Page(pfn))
      ++t.resident_slots;
  }
}

// Model bookkeeping, no kernel counterpart: SetOwnerOf(owner, id) of the
// struct pages of frames [pfn, pfn + n), each passed to reset(page) first,
// for an owner that is not a tt's (the system, a pool). A block freed from
// a tt is usually held by the consecutive slots that own its pages: when
// those slots hold it, each page its slot owns stops counting for the tt
// with a look at the page alone, and the counts move once. Anything else
// goes through SetOwnerOf() (the reference path always does).
template <typename F>
void TtmModel::SetOwnerOfBlock(Pfn pfn, uint64_t n, Owner owner, uint32_t id, F reset) {
  SparseArray<Slot>::ReadCursor slots;
  const Page head = page(pfn);
  TtObject* t = head.owner == Owner::kTt ? tt(head.owner_id) : nullptr;
  bool held = !reference_ && t != nullptr && head.aux < t->num_pages && n <= t->num_pages - head.aux;
  if (held) {
    // Branch-free: one test for the block.
    t->pages.ReadRange(head.aux, n, [&](uint64_t k, const Slot& s) {
      held &= s == Slot::Page(pfn + static_cast<Pfn>(k - head.aux));
    });
  }
  if (!held) {
    pages_.MutateRange(pfn, n, [&](uint64_t f, Page& p) {
      reset(p);
      SetOwnerOf(p, static_cast<Pfn>(f), owner, id, 0, reference_ ? nullptr : &slots);
    });
    return;
  }
  const uint32_t index = head.owner_id;
  uint32_t moved = 0;
  pages_.MutateRange(pfn, n, [&](uint64_t f, Page& p) {
    reset(p);
    // Owned by its slot, which holds it: Disown() counts it out as
    // resident.
    if (p.owner == Owner::kTt && p.owner_id == index && p.aux == head.aux + (f - pfn)) [[likely]] {
      ++moved;
      p.owner = owner;
      p.owner_id = id;
      p.aux = 0;
    } else {
      SetOwnerOf(p, static_cast<Pfn>(f), owner, id, 0, &slots);
    }
  });
  owner_count_[static_cast<int>(Owner::kTt)] -= moved;
  owner_count_[static_cast<int>(owner)] += moved;
  t->owned_pages -= moved;
  t->resident_slots -= moved;
}

// Model bookkeeping, no kernel counterpart: the first half of
// SetOwnerOf(), page p (frame pfn) stops counting for its owner.
inline void TtmModel::Disown(const Page& p, Pfn pfn, SparseArray<Slot>::ReadCursor* slots) {
  --owner_count_[static_cast<int>(p.owner)];
  if (TtOwned(p.owner)) {
    if (TtObject* t = tt(p.owner_id)) {
      --t->owned_pages;
      if (p.owner == Owner::kTt && p.aux < t->num_pages &&
          (slots ? slots->Get(t->pages, p.aux) : t->pages.Get(p.aux)) == Slot::Page(pfn))
        --t->resident_slots;
    }
  }
}

// Model bookkeeping, no kernel counterpart: stores a slot value (the
// kernel's plain pointer store). A page that was owned by this very slot
// and is overwritten becomes an orphan: nothing refers to it any more (a
// leak).
void TtmModel::SetSlot(TtObject& tt, uint64_t i, Slot value) {
  SetSlotAt(tt, i, tt.pages.Mutable(i), value);  // chunks never move
}

// Model bookkeeping, no kernel counterpart: SetSlot() with the slot at hand
// (and, when the caller has it, the struct page of the value's frame).
// Always inlined: SetSlots() runs it for every page placed in a tt, and a
// call cost a fifth of it.
[[gnu::always_inline]] inline void TtmModel::SetSlotAt(TtObject& tt, uint64_t i, Slot& slot, Slot value, Page* value_page) {
  const Slot old = slot;
  if (old.is_page()) {
    Page& p = P(old.pfn());
    // Orphaned while the slot still holds it, it stops counting as
    // resident; re-stored, it is counted out here and back in below.
    if (OwnedBySlot(p, tt, i) && !(value == old))
      SetOwnerOf(p, old.pfn(), Owner::kOrphan);
    else if (OwnedBySlot(p, tt, i))
      --tt.resident_slots;
  } else {
    CountSlot(tt, i, old, -1);
  }
  slot = value;
  if (value.is_page()) {
    Page& p = value_page != nullptr ? *value_page : P(value.pfn());
    // The counts follow the slot first (a page it already owns is now
    // held by it), then the page moves to its new owner: this slot, which
    // holds it.
    if (OwnedBySlot(p, tt, i)) ++tt.resident_slots;
    Disown(p, value.pfn());
    p.owner = Owner::kTt;
    p.owner_id = tt.index;
    p.aux = static_cast<uint32_t>(i);
    ++owner_count_[static_cast<int>(Owner::kTt)];
    ++tt.owned_pages;
    ++tt.resident_slots;
  } else {
    CountSlot(tt, i, value, +1);
  }
}

// Model bookkeeping, no kernel counterpart (model.h): the owners of a run
// of struct pages OR-ed and AND-ed together, a load-and-operate each.
bool AllHeldBy(const Page* frames, uint64_t n, Owner owner) {
  const uint8_t want = static_cast<uint8_t>(owner);
  uint8_t any = want, all = want;
#pragma GCC unroll 4
  for (uint64_t k = 0; k < n; ++k) {
    const uint8_t o = static_cast<uint8_t>(frames[k].owner);
    any |= o;
    all &= o;
  }
  return any == want && all == want;
}

// Model bookkeeping, no kernel counterpart (model.h): sixteen slots a
// test while they ascend, then slot by slot.
uint64_t SlotsAscendingRun(const Slot* s, uint64_t n, Slot from) {
  uint32_t bits;
  std::memcpy(&bits, &from, sizeof bits);
  auto at = [bits](uint64_t k) {  // the slot k after `from` (both encodings go up by 2)
    const uint32_t b = bits + 2 * static_cast<uint32_t>(k);
    Slot x;
    std::memcpy(static_cast<void*>(&x), &b, sizeof b);
    return x;
  };
  using V4 = uint32_t __attribute__((vector_size(16)));
  const V4 step = {8, 8, 8, 8};
  V4 want = {bits, bits + 2, bits + 4, bits + 6};
  uint64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    V4 diff = {0, 0, 0, 0};
    for (uint64_t q = 0; q < 16; q += 4, want += step) {
      V4 v;
      std::memcpy(&v, s + k + q, sizeof v);
      diff |= v ^ want;
    }
    if ((diff[0] | diff[1] | diff[2] | diff[3]) != 0) break;
  }
  while (k < n && s[k] == at(k)) ++k;
  return k;
}

// Model bookkeeping, no kernel counterpart (model.h): four slots OR-ed at
// a time.
bool AllNullSlots(const Slot* s, uint64_t n) {
  static_assert(sizeof(Slot) == sizeof(uint32_t));
  using V4 = uint32_t __attribute__((vector_size(16)));
  V4 any = {0, 0, 0, 0};
  uint64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    V4 v;
    std::memcpy(&v, s + k, sizeof v);
    any |= v;
  }
  uint32_t rest = any[0] | any[1] | any[2] | any[3];
  for (; k < n; ++k) {
    uint32_t v;
    std::memcpy(&v, s + k, sizeof v);
    rest |= v;
  }
  return rest == 0;
}

// Model bookkeeping, no kernel counterpart (model.h): the slots written
// four at a time, each struct page's owner_id and aux (adjacent) as one
// 8-byte word.
void PlaceRun(Slot* s, Page* frames, uint64_t first, Pfn f, uint32_t index, uint64_t n) {
  StoreFrameSlots(s, f, n);
  static_assert(offsetof(Page, aux) == offsetof(Page, owner_id) + sizeof(uint32_t));
  uint64_t ids = uint64_t{index} | (first << 32);  // little-endian: owner_id, then aux
  constexpr uint64_t kNext = uint64_t{1} << 32;     // the next slot's aux
  auto place = [](Page& pg, uint64_t words) {
    std::memcpy(reinterpret_cast<char*>(&pg) + offsetof(Page, owner_id), &words, sizeof words);
    pg.owner = Owner::kTt;
  };
  // Through a moving pointer, four at a time: indexed, the compiler
  // scaled the index for each page.
  Page* pg = frames;
  uint64_t k = n;
  for (; k >= 4; k -= 4, pg += 4, ids += 4 * kNext) {
    place(pg[0], ids);
    place(pg[1], ids + kNext);
    place(pg[2], ids + 2 * kNext);
    place(pg[3], ids + 3 * kNext);
  }
  for (; k > 0; --k, ++pg, ids += kNext) place(*pg, ids);
}

// Model bookkeeping, no kernel counterpart: SetSlot() of slots
// [first, first + n) to frames p, p + 1, ...: a block placed in the slots,
// a chunk of slots at a time. kernel_block: the caller knows every page of
// the block is the kernel's (the allocation loop's block), so the fast
// path does not test them.
void TtmModel::SetSlots(TtObject& tt, uint64_t first, Pfn p, uint64_t n, bool kernel_block) {
  if (reference_) {
    tt.pages.MutateRange(first, n, [&](uint64_t i, Slot& slot) {
      SetSlotAt(tt, i, slot, Slot::Page(p + static_cast<Pfn>(i - first)));
    });
    return;
  }
  // The slots and the frames' struct pages are walked through pointers, a
  // stretch inside one chunk of each at a time (the reference path looks
  // the pages up). The common slot, empty, a handle or a page it does not
  // own, taking a page the kernel holds (the allocation loop's block), is
  // SetSlotAt() with its counts gathered here and added once: the page
  // leaves the kernel and is owned, and held, by the slot. Any other slot
  // goes through SetSlotAt().
  uint64_t placed = 0, handles_out = 0;
  const uint32_t index = tt.index;
  SparseArray<Page>::Walker stale(pages_);  // the struct pages stale slots point at
  for (uint64_t done = 0; done < n;) {
    const uint64_t i = first + done;
    const Pfn f = p + static_cast<Pfn>(done);
    Slot* slots = &tt.pages.Mutable(i);  // chunks never move
    Page* frames = &pages_.Mutable(f);
    const uint64_t len =
        std::min({n - done, SparseArray<Slot>::kChunkEntries - (i & (SparseArray<Slot>::kChunkEntries - 1)),
                  SparseArray<Page>::kChunkEntries - (f & (SparseArray<Page>::kChunkEntries - 1))});
    // The usual stretch, every slot empty and every page the kernel's,
    // is placed whole.
    if (AllNullSlots(slots, len) && (kernel_block || AllHeldBy(frames, len, Owner::kKernel))) {
      PlaceRun(slots, frames, i, f, index, len);
      placed += len;
      done += len;
      continue;
    }
    uint64_t others = 0;  // slots placed through SetSlotAt()
    for (uint64_t k = 0; k < len; ++k) {
      Page& pg = frames[k];
      const Slot old = slots[k];
      // The usual slot, empty, tested first: one test. A stale page
      // pointer (a slot keeps it after an unpopulate) that its slot no
      // longer owns is overwritten as an empty slot is.
      if (!old.is_null() || pg.owner != Owner::kKernel) [[unlikely]] {
        if (pg.owner != Owner::kKernel ||
            (old.is_page() && OwnedBySlot(stale.At(old.pfn()), tt, i + k))) {
          SetSlotAt(tt, i + k, slots[k], Slot::Page(f + static_cast<Pfn>(k)), &pg);
          ++others;
          continue;
        }
        handles_out += old.is_handle() && old.handle() != 0;
      }
      slots[k] = Slot::Page(f + static_cast<Pfn>(k));
      pg.owner = Owner::kTt;
      pg.owner_id = index;
      pg.aux = static_cast<uint32_t>(i + k);
    }
    placed += len - others;
    done += len;
  }
  owner_count_[static_cast<int>(Owner::kKernel)] -= placed;
  owner_count_[static_cast<int>(Owner::kTt)] += placed;
  tt.owned_pages += static_cast<uint32_t>(placed);
  tt.resident_slots += static_cast<uint32_t>(placed);
  tt.handle_slots -= static_cast<uint32_t>(handles_out);
}

// Model bookkeeping, no kernel counterpart: every other write to
// tt->pages[] goes through here, so that tt.resident_slots and
// tt.handle_slots follow the slots.
void TtmModel::StoreSlot(TtObject& tt, uint64_t i, Slot value) {
  StoreSlotAt(tt, i, tt.pages.Mutable(i), value);  // chunks never move
}

// Model bookkeeping, no kernel counterpart: StoreSlot() with the slot at
// hand, for a caller walking the slots.
void TtmModel::StoreSlotAt(TtObject& tt, uint64_t i, Slot& slot, Slot value) {
  CountSlot(tt, i, slot, -1);
  slot = value;
  CountSlot(tt, i, value, +1);
}

// Model bookkeeping, no kernel counterpart: what slot i holding s adds to
// the slot counts (a page it owns: resident; a handle but 0: backed up).
inline void TtmModel::CountSlot(TtObject& tt, uint64_t i, Slot s, int delta) {
  if (s.is_handle()) {
    if (s.handle() != 0) tt.handle_slots += delta;
  } else if (s.is_page() && OwnedBySlot(page(s.pfn()), tt, i)) {
    tt.resident_slots += delta;
  }
}

// The crash behind OwnedPage(): what the kernel does with an empty slot, a
// handle or a stale pointer where it expects its page.
void TtmModel::NotOwnedPage(const TtObject& tt, uint64_t i, Slot s, const char* who) {
  if (s.is_null())
    Crash(Invariant::kKernelCrash, &tt,
          std::string(who) + " dereferences the empty slot " + std::to_string(i));
  if (s.is_handle())
    Crash(Invariant::kKernelCrash, &tt,
          std::string(who) + " treats the backup handle in slot " + std::to_string(i) +
              " as a page");
  Crash(Invariant::kOwnership, &tt,
        std::string(who) + " uses the stale page in slot " + std::to_string(i) + " (use after free)");
}

// Models ttm_pool_alloc_page() (and, for coherent-DMA pools, the
// dma_alloc_attrs() path): one attempt at a block of 2^order pages. The
// head's page->private records the order.
std::optional<Pfn> TtmModel::PoolAllocPage(uint32_t order, bool zero) {
  if (faults_.Call(FaultSite::kAllocPage, order) != 0) return std::nullopt;
  std::optional<Pfn> pfn = allocator_.Alloc(order, config_.use_dma32);
  if (!pfn) return std::nullopt;
  const Pfn head = *pfn;
  const uint64_t n = uint64_t{1} << order;
  if (reference_) {
    pages_.MutateRange(head, n, [&](uint64_t f, Page& p) {
      p.token = zero ? kZeroToken : kPoisonToken;
      p.private_order = f == head ? order : 0;
      p.caching = PageCaching::kWB;
      p.mapped = false;
      p.tail = f != head;
      SetOwnerOf(p, static_cast<Pfn>(f), Owner::kKernel);
    });
  } else {
    // Every struct page of the block is written whole, as a tail, then
    // the head's order and tail bit. A page the system holds (every page,
    // unless the books are broken) leaves it with its count taken once
    // for the block; any other goes through SetOwnerOf().
    Page tail;
    tail.token = zero ? kZeroToken : kPoisonToken;
    tail.owner = Owner::kKernel;
    tail.tail = true;
    std::array<uint64_t, 2> tail_bytes;
    static_assert(sizeof tail_bytes == sizeof tail);
    std::memcpy(&tail_bytes, &tail, sizeof tail);
    uint64_t others = 0;  // pages taken through SetOwnerOf()
    // A chunk of struct pages at a time: one all held by the system is
    // written without a test per page.
    constexpr uint64_t kPageMask = SparseArray<Page>::kChunkEntries - 1;
    for (uint64_t done = 0; done < n;) {
      const Pfn f = head + static_cast<Pfn>(done);
      Page* frames = &pages_.Mutable(f);  // chunks never move
      const uint64_t len = std::min(n - done, kPageMask + 1 - (f & kPageMask));
      done += len;
      if (AllHeldBy(frames, len, Owner::kSystem)) [[likely]] {
#pragma GCC unroll 4
        for (uint64_t k = 0; k < len; ++k)
          std::memcpy(static_cast<void*>(&frames[k]), &tail_bytes, sizeof(Page));  // one 16-byte store
        continue;
      }
      for (uint64_t k = 0; k < len; ++k) {
        Page& p = frames[k];
        if (p.owner != Owner::kSystem) [[unlikely]] {
          p.token = tail.token;
          p.private_order = 0;
          p.caching = PageCaching::kWB;
          p.mapped = false;
          p.tail = true;
          SetOwnerOf(p, f + static_cast<Pfn>(k), Owner::kKernel);
          ++others;
          continue;
        }
        std::memcpy(static_cast<void*>(&p), &tail_bytes, sizeof p);
      }
    }
    const uint64_t from_system = n - others;
    Page& first = P(head);
    first.private_order = static_cast<uint8_t>(order);
    first.tail = false;
    owner_count_[static_cast<int>(Owner::kSystem)] -= from_system;
    owner_count_[static_cast<int>(Owner::kKernel)] += from_system;
  }
  ++counters_.pool.misses;
  UpdatePeaks();
  return pfn;
}

// Models __free_pages(): hands 2^order frames back to the buddy allocator,
// reporting what the kernel would not notice until much later: a page that
// is still DMA-mapped or not write-back, a tail of an unsplit block freed
// on its own. A double free is a crash.
void TtmModel::FreeToSystem(Pfn pfn, uint32_t order, const TtObject* tt) {
  // One clean page (put_page() in the backup and restore loops): its
  // struct page found once, nothing to report. Anything else, or a free
  // the allocator refuses (which changes nothing), takes the block path,
  // which reports and crashes as it must. The reference path always does.
  if (order == 0 && !reference_) {
    if (Page* p = pfn < pages_.size() ? pages_.Find(pfn) : nullptr) {
      if (!p->tail && !p->mapped && p->caching == PageCaching::kWB &&
          allocator_.Free(pfn, 0) == PageAllocator::FreeError::kNone) [[likely]] {
        ResetFreedPage(*p, pfn);
        return;
      }
    }
  }
  FreeBlockToSystem(pfn, order, tt);
}

// Models __free_pages() as FreeToSystem() does, for any block: its struct
// pages walked, what they show reported, then freed. Off the reference
// path the allocator is asked first: a free it refuses changes nothing and
// is asked again, and reported, on the page-by-page path; a free it takes
// reports nothing, so the reports on the pages may follow it.
void TtmModel::FreeBlockToSystem(Pfn pfn, uint32_t order, const TtObject* tt) {
  const uint64_t n = uint64_t{1} << order;
  const bool freed = !reference_ && allocator_.Free(pfn, order) == PageAllocator::FreeError::kNone;
  if (freed) {
    // A block its tt's slots hold, unmapped and write-back throughout (and
    // not a lone tail page): nothing to report, its pages cleared as they
    // are found (ResetFreedPage(): ClearFreedPage(), SetOwnerOf(kSystem)).
    Page want = ZeroPage(), mask = ZeroPage();
    want.caching = PageCaching::kWB;
    mask.mapped = true;
    mask.caching = static_cast<PageCaching>(0xff);
    mask.tail = order == 0;
    const PageRunSetter to_system = PageRunSetter::Of(ClearFreedSystemPage);
    const uint64_t moved = MoveHeldBlock(pfn, n, want, mask, to_system);
    if (moved == n) return;
    // The same for a block the kernel holds (a pool's block taken back by
    // ttm_pool_shrink(), ttm_pool_fini()): the counts move from the kernel.
    constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
    if (moved == 0 && pfn < pages_.size() && (pfn & kFrameMask) + n <= kFrameMask + 1 &&
        n <= pages_.size() - pfn) {
      want.owner = Owner::kKernel;
      mask.owner = static_cast<Owner>(0xff);
      mask.owner_id = mask.aux = ~uint32_t{0};
      Page* block = pages_.Find(pfn);
      if (block != nullptr && PageRunMatcher(want, mask).AllWithAuxZero(block, n)) {
        to_system.Apply(block, n);
        owner_count_[static_cast<int>(Owner::kKernel)] -= n;
        owner_count_[static_cast<int>(Owner::kSystem)] += n;
        return;
      }
    }
    // Otherwise page by page below, the pages already cleared (unmapped,
    // write-back, the system's) counting and moving as nothing.
  }
  uint64_t mapped = 0, uncached = 0;
  Page head;
  pages_.ReadRange(pfn, n, [&](uint64_t f, const Page& p) {
    if (f == pfn) head = p;
    mapped += p.mapped;
    uncached += p.caching != PageCaching::kWB;
  });
  ReportFreedPages(pfn, order, head.tail, mapped, uncached, tt);
  if (!freed) {
    const PageAllocator::FreeError error = allocator_.Free(pfn, order);
    if (error != PageAllocator::FreeError::kNone) FreeFailed(error, pfn, order, tt);
  }
  // ResetFreedPage() of each page, the block's owner counts moved at once
  // where they can be.
  SetOwnerOfBlock(pfn, n, Owner::kSystem, 0, [](Page& p) { ClearFreedPage(p); });
}

// Report bookkeeping, no kernel counterpart: FreeToSystem()'s reports on
// the 2^order frames at pfn reaching the system (head_tail: the first is a
// tail page; mapped, uncached: how many are still dma-mapped, not
// write-back).
void TtmModel::ReportFreedPages(Pfn pfn, uint32_t order, bool head_tail, uint64_t mapped,
                                uint64_t uncached, const TtObject* tt) {
  if (order == 0 && head_tail)
    Report(Invariant::kSplit, tt,
           "tail page pfn " + std::to_string(pfn) + " of an unsplit block freed on its own");
  if (mapped)
    Report(Invariant::kDmaUnmapOnce, tt,
           std::to_string(mapped) + " page(s) at pfn " + std::to_string(pfn) +
               " reach the system still dma-mapped");
  if (uncached)
    Report(Invariant::kPoolCaching, tt,
           std::to_string(uncached) + " page(s) at pfn " + std::to_string(pfn) +
               " reach the system without a write-back reset");
}

// Models the oops of a bad __free_pages() in FreeToSystem(): a double free
// or a block the allocator cannot take back.
void TtmModel::FreeFailed(PageAllocator::FreeError error, Pfn pfn, uint32_t order,
                          const TtObject* tt) {
  if (error == PageAllocator::FreeError::kNotAllocated)
    Crash(Invariant::kOwnership, tt, "double free of pfn " + std::to_string(pfn));
  Crash(Invariant::kKernelCrash, tt,
        "bad free of pfn " + std::to_string(pfn) + " order " + std::to_string(order));
}

// Models the struct page of frame pfn after __free_pages(): the system's,
// write-back, unmapped, no order, no tail.
inline void TtmModel::ResetFreedPage(Page& p, Pfn pfn, SparseArray<Slot>::ReadCursor* slots) {
  ClearFreedPage(p);
  SetOwnerOf(p, pfn, Owner::kSystem, 0, 0, slots);
}

// Models set_pages_wb() on a block.
void TtmModel::SetPagesWb(Pfn p, uint64_t num_pages) {
  pages_.MutateRange(p, num_pages, [&](uint64_t, Page& pg) {
    if (pg.caching != PageCaching::kWB) {
      pg.caching = PageCaching::kWB;
      ++counters_.pool.caching_changes;
    }
  });
}

// Models ttm_pool_free_page(): reset non-WB pages to WB (x86), then free to
// the system. The reset follows the caching argument, not the page.
void TtmModel::PoolFreePage(Caching caching, uint32_t order, Pfn p, const TtObject* tt) {
  if (caching != Caching::kCached) SetPagesWb(p, uint64_t{1} << order);
  FreeToSystem(p, order, tt);
}

// Models ttm_pool_type_give(): clear every subpage and push the block on
// the head of the list.
void TtmModel::PoolTypeGive(PoolType& pt, Pfn p, const TtObject* tt) {
  const uint64_t n = uint64_t{1} << pt.order;
  const int type_index = static_cast<int>(&pt - types_.data());
  const Page head = page(p);
  if (head.private_order != pt.order || head.tail)
    Report(Invariant::kPoolAccounting, tt,
           "a block of order " + std::to_string(head.private_order) + (head.tail ? " (a tail)" : "") +
               " is pooled in an order-" + std::to_string(pt.order) + " pool type");
  const PageCaching want = ToPageCaching(pt.caching);
  Page clean = ZeroPage(), mask = ZeroPage();
  clean.caching = want;
  mask.mapped = true;
  mask.caching = static_cast<PageCaching>(0xff);
  // A block its tt's slots hold, of the pool's caching and unmapped
  // throughout: nothing to report, its pages cleared and pooled as they
  // are found. Any other page, and those after it, go page by page (the
  // pages already pooled counting and moving as nothing).
  // Each page cleared, and SetOwnerOf(kPool, type_index)'s fields.
  const PageRunSetter to_pool = PageRunSetter::Of([&](Page& pg) {
    pg.token = kZeroToken;
    pg.owner = Owner::kPool;
    pg.owner_id = static_cast<uint32_t>(type_index);
    pg.aux = 0;
  });
  if (MoveHeldBlock(p, n, clean, mask, to_pool) != n) PoolTypeGiveSlow(pt, p, tt);
  pt.pages.push_back(p);
  listed_pages_ += n;
  allocated_pages_ += n;
  UpdatePeaks();
}

// Models ttm_pool_type_give()'s page clearing, page by page: the path of
// PoolTypeGive() for a block its fast path does not take, with what it
// reports, and the end of a block MoveHeldBlock() moved only in part (the
// pages already pooled counting and moving as nothing).
void TtmModel::PoolTypeGiveSlow(PoolType& pt, Pfn p, const TtObject* tt) {
  const uint64_t n = uint64_t{1} << pt.order;
  const int type_index = static_cast<int>(&pt - types_.data());
  uint64_t wrong_caching = 0, mapped = 0;
  const PageCaching want = ToPageCaching(pt.caching);
  SetOwnerOfBlock(p, n, Owner::kPool, static_cast<uint32_t>(type_index), [&](Page& pg) {
    wrong_caching += pg.caching != want;
    mapped += pg.mapped;
    pg.token = kZeroToken;
  });
  if (wrong_caching) {
    // A pool entry of the wrong caching breaks both the pool's contract
    // (3.1.2) and the caching rule for pooled pages (3.4.1).
    const std::string what = std::to_string(wrong_caching) + " page(s) at pfn " + std::to_string(p) +
                             " given to the " + std::string(CachingName(pt.caching)) +
                             " pool with another caching";
    Report(Invariant::kPoolAccounting, tt, what);
    Report(Invariant::kPoolCaching, tt, what);
  }
  if (mapped)
    Report(Invariant::kDmaUnmapOnce, tt,
           std::to_string(mapped) + " page(s) at pfn " + std::to_string(p) +
               " reach a pool still dma-mapped");
}

// Model bookkeeping, no kernel counterpart: SetOwnerOfBlock() of the
// struct pages of frames [pfn, pfn + n) to an owner not a tt, each page
// set by `leave` (which gives it that owner, with owner_id and aux, and
// any other fields the caller changes by the way), as far as they are held
// as a block: in one chunk, owned by consecutive slots of one tt that hold
// them, in one chunk of slots, with the fields of `mask` as in `want`.
// Each page is moved as it is found so, in one pass; each stops counting
// for its tt, and as resident, the counts moved once. Returns how many
// pages, from the first, were moved: n for a block held throughout, 0 on
// the reference path.
uint64_t TtmModel::MoveHeldBlock(Pfn pfn, uint64_t n, Page want, Page mask, const PageRunSetter& leave) {
  constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
  constexpr uint64_t kSlotMask = SparseArray<Slot>::kChunkEntries - 1;
  if (reference_ || pfn >= pages_.size() || (pfn & kFrameMask) + n > kFrameMask + 1 || n > pages_.size() - pfn)
    return 0;
  Page* p = pages_.Find(pfn);
  if (p == nullptr || p->owner != Owner::kTt) return 0;
  TtObject* t = tt(p->owner_id);
  const uint64_t aux = p->aux;
  if (t == nullptr || aux >= t->num_pages || n > t->num_pages - aux || (aux & kSlotMask) + n > kSlotMask + 1)
    return 0;
  const Slot* slots = t->pages.Find(aux);
  if (slots == nullptr) return 0;
  want.owner = Owner::kTt;
  want.owner_id = t->index;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = ~uint32_t{0};
  const uint64_t moved = PageRunMatcher(want, mask).TakeHeldRun(
      p, slots, pfn, aux, n, [&](uint64_t k, const PageBits* words) { leave.Apply4(p + k, words); },
      [&](uint64_t k) { leave.Apply(p + k, 1); });
  // The owner the pages were given, for its count: read off the setter.
  Page given;
  StoreBits(given, leave.Set(BitsOf(ZeroPage())));
  owner_count_[static_cast<int>(Owner::kTt)] -= moved;
  owner_count_[static_cast<int>(given.owner)] += moved;
  t->owned_pages -= static_cast<uint32_t>(moved);
  t->resident_slots -= static_cast<uint32_t>(moved);
  return moved;
}

// Models the list half of ttm_pool_type_take(): the head block of pt (a
// nonempty list) unlinked, the pages of all pool types counted down.
Pfn TtmModel::PoolTypeUnlink(PoolType& pt) {
  const Pfn p = pt.pages.back();
  pt.pages.pop_back();
  const uint64_t n = uint64_t{1} << pt.order;
  listed_pages_ -= n;
  allocated_pages_ -= n;
  return p;
}

// Models ttm_pool_type_take(): pop the head of the list.
std::optional<Pfn> TtmModel::PoolTypeTake(PoolType& pt) {
  if (pt.pages.empty()) return std::nullopt;
  const Pfn p = PoolTypeUnlink(pt);
  const uint64_t n = uint64_t{1} << pt.order;
  if (reference_) {
    pages_.MutateRange(p, n, [&](uint64_t f, Page& pg) { SetOwnerOf(pg, static_cast<Pfn>(f), Owner::kKernel); });
    return p;
  }
  // The block's pages leave the pool with their count taken once; a page
  // the pool does not hold (broken books) goes through SetOwnerOf().
  uint64_t others = 0;  // pages taken through SetOwnerOf()
  constexpr uint64_t kPageMask = SparseArray<Page>::kChunkEntries - 1;
  for (uint64_t done = 0; done < n;) {
    const Pfn f = p + static_cast<Pfn>(done);
    Page* frames = &pages_.Mutable(f);  // chunks never move
    const uint64_t len = std::min(n - done, kPageMask + 1 - (f & kPageMask));
    done += len;
    // A chunk's piece held by the pool (the usual) leaves it four pages a
    // test, in one pass.
    others += TakeHeldBy(
        frames, len, Owner::kPool,
        [&](uint64_t k) {
          frames[k].owner = Owner::kKernel;
          frames[k].owner_id = 0;
          frames[k].aux = 0;
        },
        [&](uint64_t k) { SetOwnerOf(frames[k], f + static_cast<Pfn>(k), Owner::kKernel); });
  }
  const uint64_t from_pool = n - others;
  owner_count_[static_cast<int>(Owner::kPool)] -= from_pool;
  owner_count_[static_cast<int>(Owner::kKernel)] += from_pool;
  return p;
}

// Models ttm_pool_select_type() (BASE/V13, x86): coherent-DMA pools use
// their own type for every caching; otherwise WC/UC go to the pool's own
// type when it has a NUMA node, else to the global (DMA32) types; WB pages
// are not pooled.
PoolType* TtmModel::PoolSelectType(Caching caching, uint32_t order) {
  const uint32_t orders = config_.max_order + 1;
  if (order >= orders) return nullptr;
  const int c = static_cast<int>(caching);
  if (config_.use_dma_alloc) return &types_[per_pool_index_[c * orders + order]];
  if (caching == Caching::kCached) return nullptr;
  if (config_.numa_node) return &types_[per_pool_index_[c * orders + order]];
  const int kind = (caching == Caching::kWriteCombined ? 0 : 1) + (config_.use_dma32 ? 2 : 0);
  return &types_[global_index_[kind * orders + order]];
}

// Models ttm_pool_map(): coherent-DMA pools already know the bus address;
// other pools map the whole block (dma_map_page()), which may fail.
// dma_address[] entries are written from the caller's dma cursor.
int TtmModel::PoolMap(TtObject& tt, uint32_t order, Pfn p, uint64_t& dma_cursor) {
  const uint64_t n = uint64_t{1} << order;
  if (const int r = PoolMapBlock(tt, order, p)) return r;
  if (dma_cursor + n > tt.num_pages)
    Crash(Invariant::kKernelCrash, &tt, "dma cursor walks off the dma_address array");
  for (uint64_t j = 0; j < n; ++j) tt.dma_address.Set(dma_cursor++, BusAddress(p) + j * kPageSize);
  return 0;
}

// Models the mapping half of ttm_pool_map(): dma_map_page() of the whole
// block for pools that are not coherent-DMA (the bus address is then
// BusAddress(p)); v6.15's ttm_pool_map() is exactly this, its caller
// writes dma_address[] at commit.
int TtmModel::PoolMapBlock(TtObject& tt, uint32_t order, Pfn p) {
  if (config_.use_dma_alloc) return 0;
  if (faults_.Call(FaultSite::kDmaMap, order) != 0) return kEFAULT;
  pages_.MutateRange(p, uint64_t{1} << order, [&](uint64_t f, Page& pg) {
    if (pg.mapped) Report(Invariant::kDmaUnmapOnce, &tt, "pfn " + std::to_string(f) + " mapped twice");
    pg.mapped = true;
  });
  return 0;
}

// Models ttm_pool_unmap(): a no-op for coherent-DMA pools, else
// dma_unmap_page() of num_pages at that bus address. Unmapping something
// that is not mapped is reported (a double unmap in the kernel).
void TtmModel::PoolUnmap(const TtObject& tt, uint64_t dma_addr, uint64_t num_pages) {
  if (config_.use_dma_alloc) return;
  const uint64_t limit = BusAddress(static_cast<Pfn>(config_.system_pages));
  if (dma_addr < kDmaBase || dma_addr >= limit || (dma_addr - kDmaBase) % kPageSize != 0) {
    Report(Invariant::kDmaUnmapOnce, &tt, "unmap of bus address " + Hex(dma_addr) +
                                              ", which was never mapped");
    return;
  }
  const Pfn first = static_cast<Pfn>((dma_addr - kDmaBase) / kPageSize);
  uint64_t unmapped = 0;
  pages_.MutateRange(first, std::min<uint64_t>(num_pages, config_.system_pages - first), [&](uint64_t, Page& pg) {
    if (!pg.mapped) ++unmapped;
    pg.mapped = false;
  });
  if (unmapped)
    Report(Invariant::kDmaUnmapOnce, &tt,
           "unmap of " + std::to_string(num_pages) + " page(s) at " + Hex(dma_addr) + ": " +
               std::to_string(unmapped) + " not mapped (double unmap)");
}

// Model bookkeeping, no kernel counterpart: whether `blocks` are all the
// blocks placed and lie one after another in the slots from first to last
// exactly.
static bool TilesRange(const PlacedBlocks& blocks, uint64_t first, uint64_t last) {
  if (!blocks.all) return false;
  uint64_t at = first;
  for (uint32_t j = 0; j < blocks.count; ++j) {
    const PlacedBlock& b = blocks.block[j];
    if (b.first != at) return false;
    at += b.n;
  }
  return at == last;
}

// Model bookkeeping, no kernel counterpart: whether four struct pages in
// a row are all write-back (its value is 0: their cachings ORed are 0).
static_assert(static_cast<unsigned>(PageCaching::kWB) == 0);
static bool AllWb4(const Page* p) {
  return (static_cast<unsigned>(p[0].caching) | static_cast<unsigned>(p[1].caching) |
          static_cast<unsigned>(p[2].caching) | static_cast<unsigned>(p[3].caching)) == 0;
}

// Models ttm_pool_apply_caching() on x86: converts slots [first, last)
// from WB to WC/UC in one batch (set_pages_array_wc/uc), which may fail.
int TtmModel::PoolApplyCaching(TtObject& tt, uint64_t first, uint64_t last, Caching caching,
                               bool placed, const PlacedBlocks* blocks) {
  if (first >= last || caching == Caching::kCached) return 0;
  if (faults_.Call(FaultSite::kSetCaching) != 0) return kENOMEM;
  const PageCaching want = ToPageCaching(caching);
  static constexpr char kWho[] = "set_pages_array_wc/uc";
  if (reference_) {
    tt.pages.ReadRange(first, last - first, [&](uint64_t i, const Slot& s) {
      Page& pg = *OwnedPageRef(tt, i, s, kWho).first;
      if (pg.caching != want) {
        pg.caching = want;
        ++counters_.pool.caching_changes;
      }
    });
    return 0;
  }
  // Blocks from the system handed over by the allocation (PoolAlloc()),
  // tiling the range: PoolAllocPage() left every page write-back and
  // nothing has changed a caching since, so each page changes (want is
  // not WB) and is counted without being read; the slots are not read
  // either (they hold these frames: the allocation just put them there).
  if (placed && blocks != nullptr && TilesRange(*blocks, first, last)) {
    constexpr uint64_t kMask = SparseArray<Page>::kChunkEntries - 1;
    for (uint32_t j = 0; j < blocks->count; ++j) {
      const PlacedBlock& b = blocks->block[j];
      for (uint64_t done = 0; done < b.n;) {
        const Pfn f = b.pfn + static_cast<Pfn>(done);
        Page* frames = &pages_.Mutable(f);  // chunks never move
        const uint64_t len = std::min(b.n - done, kMask + 1 - (f & kMask));
#pragma GCC unroll 4
        for (uint64_t k = 0; k < len; ++k) frames[k].caching = want;
        done += len;
      }
      counters_.pool.caching_changes += b.n;
    }
    return 0;
  }
  // A block's slots hold consecutive frames: a stretch of slots inside one
  // chunk holding frames f, f + 1, ... inside one chunk of struct pages is
  // walked through two pointers, its changes counted once (before a crash
  // too: the pages before the bad slot were changed). Slots the running
  // allocation placed own their pages: not checked.
  constexpr uint64_t kSlotMask = SparseArray<Slot>::kChunkEntries - 1;
  constexpr uint64_t kPageMask = SparseArray<Page>::kChunkEntries - 1;
  const uint32_t index = tt.index;
  uint64_t changes = 0;
  for (uint64_t i = first; i < last;) {
    const Slot* slots = tt.pages.Find(i);
    const Slot head = slots != nullptr ? *slots : Slot();
    if (!head.is_page()) [[unlikely]] {
      counters_.pool.caching_changes += changes;
      NotOwnedPage(tt, i, head, kWho);
    }
    const Pfn f = head.pfn();
    Page* frames = &pages_.Mutable(f);
    const uint64_t len = std::min({last - i, kSlotMask + 1 - (i & kSlotMask), kPageMask + 1 - (f & kPageMask)});
    uint64_t k = 0;
    // Placed slots holding the frames in order (the usual): their run is
    // found four slots at a time and its pages changed four at a time; four
    // still write-back (the usual: fresh from the system) all change (want
    // is never write-back here) and are counted by one test, others page
    // by page.
    if (placed) {
      const uint64_t run = SlotsAscendingRun(slots, len, head);
      for (; k + 4 <= run; k += 4) {
        Page* const q = frames + k;
        if (AllWb4(q)) {
          changes += 4;
        } else {
#pragma GCC unroll 4
          for (int j = 0; j < 4; ++j) changes += q[j].caching != want;
        }
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) q[j].caching = want;
      }
      for (; k < run; ++k) {
        changes += frames[k].caching != want;
        frames[k].caching = want;
      }
      i += k;
      continue;
    }
    for (; k < len && slots[k] == Slot::Page(f + static_cast<Pfn>(k)); ++k) {
      Page& pg = frames[k];
      if (!placed && (pg.owner != Owner::kTt || pg.owner_id != index || pg.aux != i + k)) [[unlikely]] {
        counters_.pool.caching_changes += changes;
        NotOwnedPage(tt, i + k, slots[k], kWho);
      }
      changes += pg.caching != want;
      pg.caching = want;
    }
    i += k;
  }
  counters_.pool.caching_changes += changes;
  return 0;
}

// Models set_pages_array_wb() over all N slots, as ttm_pool_backup_tt()
// calls it: every slot must hold a page (4.13: a NULL or handle slot is a
// crash in the kernel).
void TtmModel::SetPagesArrayWb(TtObject& tt) {
  auto set_wb = [&](Page& pg) {  // set_pages_wb() of one page
    if (pg.caching != PageCaching::kWB) {
      pg.caching = PageCaching::kWB;
      ++counters_.pool.caching_changes;
    }
  };
  if (reference_) {
    tt.pages.ReadRange(0, tt.num_pages, [&](uint64_t i, const Slot& s) {
      set_wb(*OwnedPageRef(tt, i, s, "set_pages_array_wb").first);
    });
    return;
  }
  // A slot chunk at a time; inside it, a run of slots holding consecutive
  // frames their slots own (found four at a time, PageRunMatcher) is
  // reset as it is found, in the same pass, its changes counted once. Any
  // other slot is looked up and checked on its own, which crashes where
  // the reference path does, with the changes before it counted.
  constexpr uint64_t kChunk = SparseArray<Slot>::kChunkEntries;
  constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
  SparseArray<Page>::Walker frames(pages_);
  const uint64_t frames_end = pages_.size();
  Page want = ZeroPage(), mask = ZeroPage();
  want.owner = Owner::kTt;
  want.owner_id = tt.index;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = ~uint32_t{0};
  const PageRunMatcher owned(want, mask);
  uint64_t changes = 0;
  auto set_wb_counted = [&](Page& pg) {  // set_wb() with its change counted at the end
    changes += pg.caching != PageCaching::kWB;
    pg.caching = PageCaching::kWB;
  };
  for (uint64_t i = 0; i < tt.num_pages;) {
    const uint64_t end = std::min(tt.num_pages, (i / kChunk + 1) * kChunk);
    const Slot* slot = tt.pages.Find(i);
    if (slot == nullptr) {  // NULL slots
      counters_.pool.caching_changes += changes;
      NotOwnedPage(tt, i, Slot(), "set_pages_array_wb");
    }
    while (i < end) {
      if (!slot->is_page() || !OwnedBySlot(frames.At(slot->pfn()), tt, i)) [[unlikely]] {
        counters_.pool.caching_changes += changes;
        NotOwnedPage(tt, i, *slot, "set_pages_array_wb");
      }
      Page* pg = &frames.At(slot->pfn());
      const Pfn f = slot->pfn();
      // The struct pages of f's chunk of frames that exist.
      const uint64_t stop = std::min<uint64_t>((uint64_t{f} | kFrameMask) + 1, frames_end);
      // Page i, then the run after it, each reset as it is found.
      set_wb_counted(*pg);
      Page* const q = pg + 1;
      const uint64_t len =
          1 + owned.TakeHeldRun(
                  q, slot + 1, f + 1, i + 1, std::min(end - i, stop - f) - 1,
                  [&](uint64_t k, const PageBits*) {
#pragma GCC unroll 4
                    for (int j = 0; j < 4; ++j) set_wb_counted(q[k + j]);
                  },
                  [&](uint64_t k) { set_wb_counted(q[k]); });
      i += len;
      slot += len;
    }
  }
  counters_.pool.caching_changes += changes;
}

// Models ttm_pool_split_for_swap(): split_page() of a multi-order block
// into independent order-0 pages with page->private cleared.
void TtmModel::PoolSplitForSwap(Pfn p) {
  const uint32_t order = page(p).private_order;
  if (order == 0) return;
  pages_.MutateRange(p, uint64_t{1} << order, [](uint64_t, Page& pg) { ClearSplitMarks(pg); });
  ++counters_.pool.splits;
}

// Models the oops of ttm_pool_free_range() (V13 and v6.15) reading slot i
// past the end of tt->pages[], its walk to end_page run over the end.
void TtmModel::FreeRangeWalkedOff(const TtObject& tt, uint64_t i, uint64_t end_page) {
  Crash(Invariant::kKernelCrash, &tt,
        "ttm_pool_free_range walks off the slot array at slot " + std::to_string(i) + " (end " +
            std::to_string(end_page) + ", num_pages " + std::to_string(tt.num_pages) + ")");
}

// Models ttm_pool_free_range()'s ttm_backup_drop() of the handle in slot i
// (V13 and v6.15): handle 0 (a consumed slot) is skipped, a handle that is
// not live reported. The reference path asks the store itself.
void TtmModel::FreeRangeDropHandle(const TtObject& tt, uint64_t i, Handle handle,
                                   BackupStore::Walker& backup) {
  if (handle != 0 && !(reference_ ? store_.Drop(tt.backup, handle) : backup.Drop(handle)))
    Report(Invariant::kHandleUse, &tt,
           "drop of handle " + std::to_string(handle) + " in slot " + std::to_string(i) +
               ", which is not live");
}

// Models ttm_pool_free_range() (V13): walks [start_page, end_page) by what
// it finds. Handles are dropped; pages go to their pool type or the system.
// With the pool (with_pool), blocks are dma-unmapped and may be pooled;
// without it ("shrunken" pages) they are freed to the system by their
// recorded order. Slots keep their stale contents.
void TtmModel::PoolFreeRange(bool with_pool, TtObject& tt, Caching caching,
                             uint64_t start_page, uint64_t end_page) {
  if (merged()) return PoolFreeRangeMerged(with_pool, tt, caching, start_page, end_page);
  uint64_t nr = 1;
  BackupStore::Walker backup(store_, tt.backup);
  for (uint64_t i = start_page; i < end_page; i += nr) {
    if (i >= tt.num_pages) FreeRangeWalkedOff(tt, i, end_page);
    const Slot s = tt.pages.Get(i);
    if (s.is_handle()) {
      nr = 1;
      FreeRangeDropHandle(tt, i, s.handle(), backup);
      continue;
    }
    // OwnedPage(), its struct page found once for the order too.
    const Page* head = s.is_page() ? pages_.Find(s.pfn()) : nullptr;
    if (head == nullptr || !OwnedBySlot(*head, tt, i)) [[unlikely]]
      NotOwnedPage(tt, i, s, "ttm_pool_free_range");
    const Pfn p = s.pfn();
    const uint32_t order = head->private_order;
    nr = uint64_t{1} << order;
    PoolType* pt = nullptr;
    if (with_pool) {
      if (tt.has_dma) PoolUnmap(tt, tt.dma_address.Get(i), nr);
      pt = PoolSelectType(caching, order);
    }
    if (pt)
      PoolTypeGive(*pt, p, &tt);
    else
      PoolFreePage(caching, order, p, &tt);
  }
}

// Models ttm_pool_free(): free every slot, then trim the pools back to
// page_pool_size with ttm_pool_shrink().
void TtmModel::PoolFree(TtObject& tt) {
  PoolFreeRange(true, tt, tt.caching, 0, tt.num_pages);
  while (allocated_pages_ > page_pool_size_) PoolShrink();
}

// Models ttm_pool_shrink(): take the first type of the shrinker list,
// rotate it to the tail, free one block of it to the system.
uint64_t TtmModel::PoolShrink() {
  if (types_.empty()) return 0;
  PoolType& pt = types_[shrinker_cursor_];
  shrinker_cursor_ = (shrinker_cursor_ + 1) % types_.size();
  if (!PoolTypeRelease(pt)) return 0;
  const uint64_t n = uint64_t{1} << pt.order;
  counters_.memory.pool_shrunk_pages += n;
  return n;
}

// Models ttm_pool_fini() and ttm_pool_mgr_fini(): every pool type, per-pool
// and global, gives its pages back to the system.
void TtmModel::PoolFini() {
  for (PoolType& pt : types_) {
    while (PoolTypeRelease(pt)) {
    }
  }
}

// Models ttm_pool_type_take() and then ttm_pool_free_page() of the block
// taken, as ttm_pool_shrink() and ttm_pool_fini() run them: the head block
// of pt goes back to the system.
// Return: false when pt is empty.
bool TtmModel::PoolTypeRelease(PoolType& pt) {
  if (pt.pages.empty()) return false;
  if (!PoolTypeReleaseClean(pt)) {
    const std::optional<Pfn> p = PoolTypeTake(pt);
    PoolFreePage(pt.caching, pt.order, *p, nullptr);
  }
  return true;
}

// Models ttm_pool_type_take() and ttm_pool_free_page() (PoolTypeRelease())
// for a head block with nothing to report, in one pass over its struct
// pages where the take, the write-back reset and the free each walk them.
// The block must lie in one chunk of struct pages, be held by the pool
// throughout, be unmapped (write-back too, in a pool
// of cached pages, whose release resets nothing; not a tail, at order 0),
// and the allocator must take it back. Its pages end as those three steps
// leave them: the system's, write-back, unmapped, no order, no tail, the
// token kept. False, nothing changed, for any other block and on the
// reference path, which take the steps one by one.
bool TtmModel::PoolTypeReleaseClean(PoolType& pt) {
  constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
  const Pfn pfn = pt.pages.back();
  const uint64_t n = uint64_t{1} << pt.order;
  if (reference_ || pfn >= pages_.size() || (pfn & kFrameMask) + n > kFrameMask + 1 ||
      n > pages_.size() - pfn)
    return false;
  Page* block = pages_.Find(pfn);
  if (block == nullptr) return false;
  Page want = ZeroPage(), mask = ZeroPage();
  want.owner = Owner::kPool;
  mask.owner = static_cast<Owner>(0xff);
  mask.mapped = true;
  mask.tail = pt.order == 0;
  const bool reset_wb = pt.caching != Caching::kCached;  // ttm_pool_free_page()'s set_pages_wb()
  if (!reset_wb) mask.caching = static_cast<PageCaching>(0xff);  // want.caching is kWB
  // owner_id and aux are not asked for (the take clears them): no aux step.
  if (!PageRunMatcher(want, mask).AllWithAuxZero(block, n)) return false;
  if (allocator_.Free(pfn, pt.order) != PageAllocator::FreeError::kNone) return false;
  PoolTypeUnlink(pt);
  uint64_t changes = 0;
  PageRunSetter::Of(ClearFreedSystemPage).Apply(block, n, [&](uint64_t, const Page& p) {
    changes += p.caching != PageCaching::kWB;
  });
  counters_.pool.caching_changes += changes;  // 0 unless reset_wb
  owner_count_[static_cast<int>(Owner::kPool)] -= n;
  owner_count_[static_cast<int>(Owner::kSystem)] += n;
  return true;
}

}  // namespace ttm
