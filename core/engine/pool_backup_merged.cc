// ttm_pool_backup(), ttm_pool_drop_backed_up() and ttm_pool_free_range() as
// merged in Linux v6.15 (b63d715b8090), with their helper
// ttm_pool_unmap_and_free().
//
// What changed from V13: backing up a tt that is already backed up is a
// WARN and -EINVAL (4.4, 4.14); the backend returns a negative errno rather
// than a zero handle, and the pool returns that errno when no page was
// backed up; the flags are set by the caller, ttm_tt_backup(). Release
// frees the staged block of an interrupted restore and the committed pages
// split at the snapshot's caching divide.
#include <algorithm>
#include <optional>
#include <string>

#include "core/engine/model.h"

namespace ttm {

// Models ttm_pool_unmap_and_free(): with the pool, unmap the block (when a
// dma address is given) and give it to its pool type or free it; without
// ("shrunken" pages), free it to the system by its recorded order. Returns
// the pages it covered.
uint64_t TtmModel::PoolUnmapAndFree(bool with_pool, TtObject& tt, Pfn p, const uint64_t* dma_addr,
                                    Caching caching) {
  const uint32_t order = page(p).private_order;
  const uint64_t nr = uint64_t{1} << order;
  PoolType* pt = nullptr;
  if (with_pool) {
    if (dma_addr) PoolUnmap(tt, *dma_addr, nr);
    pt = PoolSelectType(caching, order);
  }
  if (pt)
    PoolTypeGive(*pt, p, &tt);
  else
    PoolFreePage(caching, order, p, &tt);
  return nr;
}

// Models ttm_pool_free_range() (v6.15): like V13's, but a NULL slot is
// skipped (a purged tt is backed up and released through here).
void TtmModel::PoolFreeRangeMerged(bool with_pool, TtObject& tt, Caching caching,
                                   uint64_t start_page, uint64_t end_page) {
  uint64_t nr = 1;
  BackupStore::Walker backup(store_, tt.backup);
  for (uint64_t i = start_page; i < end_page; i += nr) {
    if (i >= tt.num_pages) FreeRangeWalkedOff(tt, i, end_page);
    const Slot s = tt.pages.Get(i);
    nr = 1;
    if (s.is_handle()) {
      FreeRangeDropHandle(tt, i, s.handle(), backup);
    } else if (s.is_page()) {
      const Pfn p = OwnedPage(tt, i, s, "ttm_pool_free_range");
      const uint64_t dma = tt.has_dma ? tt.dma_address.Get(i) : 0;
      nr = PoolUnmapAndFree(with_pool, tt, p, tt.has_dma ? &dma : nullptr, caching);
    }
  }
}

// Models ttm_pool_backup() (v6.15). Returns the pages backed up or purged,
// or a negative errno: -EINVAL (WARN) for a tt already backed up, which
// makes the -EBUSY test of that case dead code; -EBUSY without side effects
// when there is no swap space (and no purge) or the pool is coherent-DMA;
// the backend's errno when the very first page failed.
//
// Fault site backup_page: called where V13 calls it; its armed error
// (ENOMEM or ENOSPC) is what ttm_backup_backup_page() returns. A full
// backup store fails the page with -ENOMEM.
int64_t TtmModel::PoolBackup(TtObject& tt, const BackupFlags& flags) {
  if (tt.backed_up()) return kEINVAL;  // WARN_ON(ttm_tt_is_backed_up(tt))
  uint64_t num_pages = 0;
  if (const std::optional<int64_t> done = PoolBackupStart(tt, flags, num_pages)) return *done;

  uint64_t shrunken = 0;
  int64_t ret = 0;
  if (reference_) {
    for (uint64_t i = 0; i < num_pages; ++i) {
      const Slot s = tt.pages.Get(i);
      if (s.is_null()) continue;
      const auto [pg, p] = OwnedPageRef(tt, i, s, "ttm_pool_split_for_swap");
      PoolSplitForSwap(p);
      // ttm_backup_backup_page(): a handle, or a negative errno.
      int64_t shandle = faults_.Call(FaultSite::kBackupPage);
      if (shandle == 0) {
        const Handle handle = store_.BackupPage(tt.backup, i, pg->token, flags.writeback);
        shandle = handle ? static_cast<int64_t>(handle) : int64_t{kENOMEM};
      }
      if (shandle < 0) {
        // A partially backed-up tt is allowed.
        ++counters_.backup.failed_pages;
        ret = shandle;
        break;
      }
      StoreSlot(tt, i, Slot::Handle(static_cast<Handle>(shandle)));
      FreeToSystem(p, 0, &tt);  // put_page()
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
        Page& pg = OwnedPageAt(tt, i, s, frames, "ttm_pool_split_for_swap");
        if (pg.private_order != 0) PoolSplitForSwap(s.pfn());
        int64_t shandle = faults_.Call(FaultSite::kBackupPage);
        if (shandle == 0) {
          const Handle handle = backup.BackupPage(i, pg.token, flags.writeback);
          shandle = handle ? static_cast<int64_t>(handle) : int64_t{kENOMEM};
        }
        if (shandle < 0) {
          ++counters_.backup.failed_pages;
          ret = shandle;
          break;
        }
        // StoreSlot() with what it finds: the slot's own page counted out
        // (a resident slot fewer), a handle other than 0 counted in.
        *slot = Slot::Handle(static_cast<Handle>(shandle));
        --tt.resident_slots;
        ++tt.handle_slots;
        FreeToSystem(s.pfn(), 0, &tt);  // put_page()
        ++shrunken;
        UpdatePeaks();
      }
    }
  }
  return shrunken ? static_cast<int64_t>(shrunken) : ret;
}

// Models ttm_pool_drop_backed_up() (v6.15): free the staged block of an
// interrupted restore, the committed new pages (through the pool, split at
// the snapshot's caching divide), the restore state, and then every
// remaining handle or retained page (without the pool). Consumed slots hold
// the handle-0 marker and are skipped. Does not touch the flags.
void TtmModel::PoolDropBackedUp(TtObject& tt) {
  RestoreState* restore = tt.restore.get();
  uint64_t start_page = 0;

  if (RestoreValid(restore)) {
    PoolUnmapAndFree(true, tt, restore->alloced_page, tt.has_dma ? &restore->first_dma : nullptr,
                     restore->page_caching);
    restore->restored_pages = uint64_t{1} << restore->order;
  }

  if (restore) {
    const uint64_t mid = restore->snapshot_alloc.caching_divide;
    start_page = restore->alloced_pages;
    // Pages that may be dma-mapped and non-cached.
    PoolFreeRangeMerged(true, tt, tt.caching, 0, mid);
    // Pages that may be dma-mapped but are cached.
    PoolFreeRangeMerged(true, tt, Caching::kCached, mid, restore->alloced_pages);
    FreeRestore(tt);
  }

  PoolFreeRangeMerged(false, tt, Caching::kCached, start_page, tt.num_pages);
}

}  // namespace ttm
