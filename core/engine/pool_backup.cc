// ttm_pool_backup_tt() and ttm_pool_release_backed_up(): the V13 shrink
// helper and its counterpart for a tt destroyed while (partly) backed up.
//
// The backup goes page by page: a multi-order block is split first so that
// each page can be exchanged for a handle on its own, and a failure simply
// stops the walk, leaving a tt whose slots are handles up to the failure
// and retained pages after it. Such a tt is marked backed up and is never
// backed up a second time; a later ttm_pool_alloc() restores it.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>
#include <string>

#include "core/engine/model.h"
#include "core/engine/page_words.h"

namespace ttm {

// Models __free_pages() as FreeToSystem() does, for the page that slot i
// of tt owns and still holds (put_page() in the backup loop), its struct
// page at hand. A clean page's owner counts follow from that: it stops
// counting for the tt, and as resident, without looking the slot up.
// Anything else takes FreeBlockToSystem(), as FreeToSystem() would.
// Always inlined into the loop, its only caller: a call cost a quarter
// of it.
[[gnu::always_inline]] inline void TtmModel::FreeSlotPageToSystem(TtObject& tt, Page& p, Pfn pfn) {
  assert(OwnedBySlot(p, tt, p.aux) && tt.pages.Get(p.aux) == Slot::Page(pfn));
  if (!p.tail && !p.mapped && p.caching == PageCaching::kWB &&
      allocator_.Free(pfn, 0) == PageAllocator::FreeError::kNone) [[likely]] {
    // ResetFreedPage(): SetOwnerOf(kSystem), Disown() of a slot's page.
    p.private_order = 0;
    --owner_count_[static_cast<int>(Owner::kTt)];
    --tt.owned_pages;
    --tt.resident_slots;
    p.owner = Owner::kSystem;
    p.owner_id = 0;
    p.aux = 0;
    ++owner_count_[static_cast<int>(Owner::kSystem)];
    return;
  }
  FreeBlockToSystem(pfn, 0, &tt);
}

// Models ttm_pool_backup_tt() (V13). Returns the number of pages backed up
// or purged, or a negative errno: -EBUSY without side effects when there is
// no swap space (and no purge), the pool is coherent-DMA or the tt is
// already backed up; -ENOMEM when the very first page failed.
int64_t TtmModel::PoolBackupTt(TtObject& tt, const BackupFlags& flags) {
  uint64_t num_pages = 0;
  if (const std::optional<int64_t> done = PoolBackupStart(tt, flags, num_pages)) return *done;

  uint64_t shrunken = 0;
  int ret = 0;
  if (reference_) {
    for (uint64_t i = 0; i < num_pages; ++i) {
      const Slot s = tt.pages.Get(i);
      if (s.is_null()) continue;
      const Pfn p = OwnedPage(tt, i, s, "ttm_pool_split_for_swap");
      PoolSplitForSwap(p);
      Handle handle = 0;
      if (faults_.Call(FaultSite::kBackupPage) == 0)
        handle = store_.BackupPage(tt.backup, i, page(p).token, flags.writeback);
      if (!handle) {
        // A partially backed-up tt is allowed.
        ++counters_.backup.failed_pages;
        ret = kENOMEM;
        break;
      }
      FreeToSystem(p, 0, &tt);  // put_page()
      StoreSlot(tt, i, Slot::Handle(handle));
      ++shrunken;
      UpdatePeaks();
    }
  } else {
    // The same loop, a chunk of slots, of struct pages and of the backup
    // object found once rather than per page.
    BackupStore::Walker backup(store_, tt.backup);
    SparseArray<Page>::Walker frames(pages_);
    constexpr uint64_t kChunk = SparseArray<Slot>::kChunkEntries;
    for (uint64_t i = 0; i < num_pages && ret == 0;) {
      const uint64_t end = std::min(num_pages, (i / kChunk + 1) * kChunk);
      Slot* slot = tt.pages.Find(i);
      if (slot == nullptr) {  // never written: NULL slots only
        i = end;
        continue;
      }
      for (; i < end; ++i, ++slot) {
        const Slot s = *slot;
        if (s.is_null()) continue;
        // A run of pages the loop has nothing to decide for goes at once
        // (the loop's first page too); anything else takes the loop below.
        if (s.is_page() && !faults_.armed(FaultSite::kBackupPage)) {
          if (const uint64_t n = PoolBackupRun(tt, i, end - i, slot, backup, flags.writeback, shrunken == 0)) {
            shrunken += n;
            i += n - 1;
            slot += n - 1;
            continue;
          }
        }
        Page& pg = OwnedPageAt(tt, i, s, frames, "ttm_pool_split_for_swap");
        // Past a block's head the pages are split already: nothing to do,
        // seen on the page in hand.
        if (pg.private_order != 0) PoolSplitForSwap(s.pfn());
        Handle handle = 0;
        if (faults_.Call(FaultSite::kBackupPage) == 0)
          handle = backup.BackupPage(i, pg.token, flags.writeback);
        if (!handle) {
          ++counters_.backup.failed_pages;
          ret = kENOMEM;
          break;
        }
        FreeSlotPageToSystem(tt, pg, s.pfn());  // put_page()
        // StoreSlot() with what it would find: the old page belongs to the
        // system now (no resident slot to count out) and the handle is not
        // 0 (one more handle slot).
        *slot = Slot::Handle(handle);
        ++tt.handle_slots;
        ++shrunken;
        // UpdatePeaks(): past the loop's first page (shrunken starts at 0
        // without a purge) the system's pages only fall and the pool's
        // stay, so only the backup's peak can rise.
        if (shrunken == 1)
          UpdatePeaks();
        else
          counters_.memory.peak_backup_pages = std::max(counters_.memory.peak_backup_pages, store_.held_pages());
      }
    }
  }

  if (shrunken) tt.page_flags |= kTtFlagPrivBackedUp | kTtFlagSwapped;
  return shrunken ? static_cast<int64_t>(shrunken) : ret;
}

// Models pages [i, i + n) of ttm_pool_backup_tt()'s page loop (V13) at
// once, where the loop has nothing to decide: slots
// holding consecutive frames their slots own, each clean for put_page()
// (no tail of an unsplit block, unmapped, write-back, allocated), no fault
// armed at backup_page, and room in the store for all of them. The
// effects are the loop's: each block head met is split, the n pages are
// stored, freed to the system and replaced by their handles, the
// backup_page calls counted, and the backup's peak (the only one that can
// move past the loop's first page, and rising with every page) is taken at
// the end; with `first_page` (page i is the loop's first), the others are
// taken as UpdatePeaks() takes them after that page.
// At most `max` pages (the slots of *slot's chunk).
// Returns n; 0, with nothing changed, when page i is not such a page.
uint64_t TtmModel::PoolBackupRun(TtObject& tt, uint64_t i, uint64_t max, Slot* slot,
                                 BackupStore::Walker& backup, bool writeback, bool first_page) {
  const Pfn first = slot->pfn();
  if (first >= pages_.size()) return 0;
  max = std::min({max, backup.Room(i), pages_.size() - first});
  max = allocator_.AllocatedRun(first, max);
  constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
  // Page k qualifies (its slot holds frame first + k, checked before):
  // OwnedBySlot() and clean for put_page().
  const PageMatcher clean(Owner::kTt, tt.index, PageCaching::kWB, /*tail=*/false, /*mapped=*/false);
  // The same for the pages after the first, and no block head (no order);
  // and for the tails of a block whose head the walk split, before their
  // marks are cleared.
  Page want = ZeroPage(), mask = ZeroPage();
  want.owner = Owner::kTt;
  want.owner_id = tt.index;
  want.caching = PageCaching::kWB;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = ~uint32_t{0};
  mask.private_order = 0xff;
  mask.caching = static_cast<PageCaching>(0xff);
  mask.tail = mask.mapped = true;
  const PageRunMatcher plain(want, mask);
  want.tail = true;
  const PageRunMatcher tails(want, mask);
  // ResetFreedPage() of a clean page (its caching and mapping already as
  // freed): SetOwnerOf(kSystem); and for a block's head and tails, the
  // split's clearing of order and tail mark.
  const PageRunSetter to_system = PageRunSetter::Of(ClearFreedSystemPage);
  Page* pg = &pages_.Mutable(first);
  if (max == 0 || !clean.Matches(*pg, i)) return 0;
  Token* tokens = backup.Tokens(i);
  // A span at a time, from a qualifying page n: the pages after it in the
  // same chunk of frames that qualify, each stored, freed and replaced as
  // it is found (four at a time). A head ends a span and starts the next,
  // as a page of the next frame chunk does. A head whose whole block lies
  // in the chunk is split on the way: its span is the block, its tails
  // found with their marks, which are cleared as the pages are freed; if
  // the span stops inside the block, the marks of the block's rest are
  // cleared then. Any other head is split before its span.
  uint64_t n = 0;
  for (;;) {
    const uint64_t limit = std::min(max, n + kFrameMask + 1 - ((first + n) & kFrameMask));
    const uint32_t order = pg->private_order;
    uint64_t span_end = limit;
    bool block = false;  // the span is a block split on the way
    if (order != 0) {
      if (order < 32 && (uint64_t{1} << order) <= limit - n) {
        ++counters_.pool.splits;  // PoolSplitForSwap(), its clearing below
        span_end = n + (uint64_t{1} << order);
        block = true;
      } else {
        PoolSplitForSwap(first + static_cast<Pfn>(n));
      }
    }
    // Page n, then the span after it.
    to_system.Apply(pg, 1, [&](uint64_t, const Page& p) { tokens[n] = p.token; });
    slot[n] = Slot::Handle(i + n + 1);
    Page* const q = pg + 1;
    Slot* const qs = slot + n + 1;
    Token* const qt = tokens + n + 1;
    const uint64_t h = i + n + 2;  // the handle of q[0]
    SlotBits handles;
    const Slot first_handles[4] = {Slot::Handle(h), Slot::Handle(h + 1), Slot::Handle(h + 2), Slot::Handle(h + 3)};
    std::memcpy(&handles, first_handles, sizeof handles);
    const SlotBits handle_step = (SlotBits{} + (handles[1] - handles[0])) * 4;  // four handles on
    auto take4 = [&](uint64_t k, const PageBits* words) {
      to_system.Apply4(q + k, words, [&](uint64_t j, const Page& p) { qt[k + j] = p.token; });
      std::memcpy(static_cast<void*>(qs + k), &handles, sizeof handles);
      handles += handle_step;
    };
    auto take1 = [&](uint64_t k) {
      to_system.Apply(q + k, 1, [&](uint64_t, const Page& p) { qt[k] = p.token; });
      qs[k] = Slot::Handle(h + k);
    };
    const PageRunMatcher& run = block ? tails : plain;
    const uint64_t end = n + 1 + run.TakeHeldRun(q, qs, first + static_cast<Pfn>(n + 1), i + n + 1,
                                                 span_end - n - 1, take4, take1);
    // The split of a block the span left early: the rest's marks.
    for (Page* rest = pg + (end - n); block && rest < pg + (span_end - n); ++rest) ClearSplitMarks(*rest);
    const uint64_t len = end - n;
    n = end;
    if (n == max) break;
    const Pfn f = first + static_cast<Pfn>(n);
    if (slot[n] != Slot::Page(f)) break;
    pg = n == limit ? &pages_.Mutable(f) : pg + len;
    if (!clean.Matches(*pg, i + n)) break;
  }
  backup.MarkLive(i, n, writeback);
  allocator_.FreeRun(first, n);
  faults_.CallsUnarmed(FaultSite::kBackupPage, n, true);
  // Disown() of pages their slots held, StoreSlot() of handles other than 0.
  owner_count_[static_cast<int>(Owner::kTt)] -= n;
  owner_count_[static_cast<int>(Owner::kSystem)] += n;
  tt.owned_pages -= static_cast<uint32_t>(n);
  tt.resident_slots -= static_cast<uint32_t>(n);
  tt.handle_slots += static_cast<uint32_t>(n);
  if (first_page) {
    // UpdatePeaks() after page i: the system held the n - 1 pages after
    // it still, the pool what it holds now.
    counters_.memory.peak_system_pages = std::max(counters_.memory.peak_system_pages, allocator_.used_pages() + n - 1);
    counters_.memory.peak_pool_pages = std::max(counters_.memory.peak_pool_pages, allocated_pages_);
  }
  counters_.memory.peak_backup_pages = std::max(counters_.memory.peak_backup_pages, store_.held_pages());
  return n;
}

// Models the lines ttm_pool_backup_tt() (V13) and v6.15's
// ttm_pool_backup() share before their page loop: -EBUSY without side
// effects when there is no swap space (and no purge), the pool is
// coherent-DMA or the tt is already backed up; the write-back reset of
// every page, before anything can fail and never undone (4.6, 4.13); the
// unmap or purge walk; the backup_fault_inject halving. Returns what the
// caller returns then (-EBUSY, or the pages purged), or nothing with
// num_pages set to the pages its page loop goes through.
std::optional<int64_t> TtmModel::PoolBackupStart(TtObject& tt, const BackupFlags& flags,
                                                 uint64_t& num_pages) {
  if ((store_.bytes_avail() == 0 && !flags.purge) || config_.use_dma_alloc || tt.backed_up())
    return kEBUSY;

  // Anything returned to the system must be write-back.
  if (tt.caching != Caching::kCached) {
    SetPagesArrayWb(tt);
    tt.wb_by_backup = true;
  }

  const uint64_t purged = PoolBackupUnmapOrPurge(tt, flags);
  if (flags.purge) return static_cast<int64_t>(purged);

  num_pages = tt.num_pages;
  // The kernel's backup_fault_inject: pretend to fail half way.
  if (faults_.Call(FaultSite::kBackupHalf) != 0) num_pages = (num_pages + 1) / 2;
  return std::nullopt;
}

// Models the block walk of ttm_pool_backup_tt() (V13), the same in
// v6.15's ttm_pool_backup(): with a dma array or for a purge, unmap every
// block and, for a purge, free it whole to the system and clear its slots.
// Returns the pages purged.
uint64_t TtmModel::PoolBackupUnmapOrPurge(TtObject& tt, const BackupFlags& flags) {
  uint64_t shrunken = 0;
  if (!tt.has_dma && !flags.purge) return 0;
  uint64_t nr = 1;
  SparseArray<Page>::Walker frames(pages_);
  for (uint64_t i = 0; i < tt.num_pages; i += nr) {
    const Slot s = tt.pages.Get(i);
    if (s.is_null()) {
      nr = 1;
      continue;
    }
    const Pfn p = OwnedPage(tt, i, s, "ttm_pool_page_order");
    const uint32_t order = page(p).private_order;
    nr = uint64_t{1} << order;
    if (tt.has_dma) PoolUnmap(tt, tt.dma_address.Get(i), nr);
    if (flags.purge) {
      shrunken += nr;
      P(p).private_order = 0;
      FreeToSystem(p, order, &tt);
      const uint64_t n = std::min(nr, tt.num_pages - i);
      if (reference_) {
        for (uint64_t j = 0; j < n; ++j) StoreSlot(tt, i + j, Slot());
        continue;
      }
      // StoreSlot() of NULL over each slot, a chunk of slots at a time:
      // what it finds is counted out (a handle other than 0; a page the
      // slot still owns, which the block just freed normally is not).
      tt.pages.MutateRange(i, n, [&](uint64_t k, Slot& slot) {
        if (slot.is_handle()) {
          if (slot.handle() != 0) --tt.handle_slots;
        } else if (slot.is_page() && OwnedBySlot(frames.At(slot.pfn()), tt, k)) {
          --tt.resident_slots;
        }
        slot = Slot();
      });
    }
  }
  return shrunken;
}

// Models ttm_pool_release_backed_up() (V13): give back everything a
// backed-up or half-restored tt holds: the pending chunk's old entries, the
// new pages of the restore (through the pool, split at caching_divide), and
// every remaining handle or retained page (without the pool). The slot
// array is not cleared.
void TtmModel::PoolReleaseBackedUp(TtObject& tt) {
  if (!tt.backed_up()) return;
  RestoreState* restore = tt.restore.get();
  uint64_t start_page = 0;

  if (RestoreValid(restore)) {
    const uint64_t nr = uint64_t{1} << restore->order;
    for (uint64_t i = restore->restored_pages; i < nr; ++i) {
      const Slot e = restore->old_pages[i];
      if (e.is_handle()) {
        if (e.handle() == 0) continue;
        if (!store_.Drop(tt.backup, e.handle()))
          Report(Invariant::kHandleUse, &tt,
                 "drop of handle " + std::to_string(e.handle()) + ", which is not live");
      } else if (e.is_page()) {
        const Page old = page(e.pfn());
        if (!OwnedByOldPage(old, tt, i))
          Crash(Invariant::kOwnership, &tt,
                "old_pages[" + std::to_string(i) + "] refers to a page it does not own");
        PoolSplitForSwap(e.pfn());
        FreeToSystem(e.pfn(), 0, &tt);
      }
    }
  }

  if (restore) {
    const uint64_t mid = restore->caching_divide;
    start_page = restore->alloced_pages;
    // New pages that may be dma-mapped and non-cached.
    PoolFreeRange(true, tt, tt.caching, 0, mid);
    // New pages that may be dma-mapped but are still write-back.
    PoolFreeRange(true, tt, Caching::kCached, mid, restore->alloced_pages);
  }

  // What the backup left: handles and write-back, unmapped pages.
  PoolFreeRange(false, tt, Caching::kCached, start_page, tt.num_pages);

  if (restore) FreeRestore(tt);
  tt.page_flags &= ~(kTtFlagPrivBackedUp | kTtFlagSwapped);
}

}  // namespace ttm
