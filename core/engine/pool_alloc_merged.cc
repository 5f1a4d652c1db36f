// ttm_pool_alloc() and ttm_pool_restore_and_alloc() as merged in Linux
// v6.15 (1d3160c7cba3 "Restructure the pool allocation code" and
// b63d715b8090 "Provide a helper to shrink pages"), and the fix of 4.8
// ("drm/ttm: Drop tt->restore after successful restore") under
// Semantics::kMergedFixed.
//
// What changed from V13: the cursors live in struct ttm_pool_alloc_state,
// which the restore snapshots after every committed block; a new block being
// restored is kept aside (restore->alloced_page) and written into the slots
// only once all of its pages are restored; consumed slots get the handle-0
// marker; the allocation loop stops consulting the pools after the first
// system allocation until one fails (5.3). Every function below is
// readable next to its v6.15 namesake; cursors are slot indices.
#include <algorithm>
#include <string>

#include "core/engine/model.h"

namespace ttm {

// Models ttm_pool_alloc_state_init(): cursors at slot 0, N pages to go.
AllocState TtmModel::AllocStateInit(const TtObject& tt) const {
  AllocState alloc;
  alloc.pages = 0;
  alloc.caching_divide = 0;
  alloc.dma_addr = 0;
  alloc.remaining_pages = tt.num_pages;
  alloc.tt_caching = tt.caching;
  return alloc;
}

// Models ttm_pool_apply_caching() (v6.15): convert the pending range
// [caching_divide, pages) to the tt caching. For WC/UC it returns what
// set_pages_array_wc/uc() returns and leaves caching_divide where it was
// (the caller advances it after committing; 5.3); for WB there is nothing to
// convert and the divide moves up.
int TtmModel::PoolApplyCachingMerged(TtObject& tt, AllocState& alloc) {
  const uint64_t num_pages = alloc.pages - alloc.caching_divide;
  if (!num_pages) return 0;
  switch (alloc.tt_caching) {
    case Caching::kCached:
      break;
    case Caching::kWriteCombined:
    case Caching::kUncached:
      return PoolApplyCaching(tt, alloc.caching_divide, alloc.pages, alloc.tt_caching);
  }
  alloc.caching_divide = alloc.pages;
  return 0;
}

// Models ttm_pool_allocated_page_commit(): write the block's pages into the
// next nr slots and, with a dma array, their bus addresses.
void TtmModel::PoolAllocatedPageCommit(TtObject& tt, Pfn allocated, uint64_t first_dma,
                                       AllocState& alloc, uint64_t nr) {
  if (alloc.pages + nr > tt.num_pages)
    Crash(Invariant::kKernelCrash, &tt, "a block is committed beyond the slot array");
  SetSlots(tt, alloc.pages, allocated, nr, /*kernel_block=*/false);
  alloc.pages += nr;
  alloc.remaining_pages -= nr;
  if (!tt.has_dma) return;
  if (alloc.dma_addr + nr > tt.num_pages)
    Crash(Invariant::kKernelCrash, &tt, "dma cursor walks off the dma_address array");
  for (uint64_t i = 0; i < nr; ++i) {
    tt.dma_address.Set(alloc.dma_addr++, first_dma);
    first_dma += kPageSize;
  }
}

// Models ttm_pool_restore_commit(): restore the staged block's pages from
// restored_pages on, reading each from the slot it will replace (a backup
// handle is copied and dropped, a retained page is split, copied and freed);
// each consumed slot gets the handle-0 marker. When the whole block is
// restored it is committed to the slots and the cursors are snapshotted.
// On an error with no page restored the staged block is freed and the chunk
// marked done, so that the next call allocates it afresh.
//
// Fault site copy_page: called for every handle entry, before the handle-0
// check (where v6.15 evaluates its EINTR fault injection); a firing fails
// that entry with the armed error, EINTR or the copy's ENOMEM.
int TtmModel::PoolRestoreCommit(TtObject& tt, const OperationCtx& ctx, AllocState& alloc) {
  RestoreState& restore = *tt.restore;
  const uint64_t nr = uint64_t{1} << restore.order;
  const uint64_t first_page = alloc.pages;
  int ret = 0;

  if (first_page + nr > tt.num_pages)
    Crash(Invariant::kKernelCrash, &tt, "the staged block reaches beyond the slot array");
  ExpectedRuns expected(*this, tt);
  // The staged block's pages are consecutive frames, the handles mostly
  // consecutive indices: both walked, not looked up one by one (the
  // reference path looks them up).
  SparseArray<Page>::Walker frames(pages_);
  BackupStore::Walker backup(store_, tt.backup);
  // The slots too (each entry's slot is written below in any case, so the
  // walker allocates no chunk the reference path would not).
  SparseArray<Slot>::Walker slots(tt.pages);
  for (uint64_t i = restore.restored_pages; i < nr; ++i) {
    const uint64_t slot = first_page + i;
    const Slot p = reference_ ? tt.pages.Get(slot) : slots.At(slot);
    const Pfn dst = restore.alloced_page + static_cast<Pfn>(i);
    if (p.is_handle()) {
      const uint64_t handle = p.handle();
      ret = faults_.Call(FaultSite::kCopyPage, 0, ctx.interruptible);
      if (ret) break;
      if (handle == 0) {
        ++restore.restored_pages;
        continue;
      }
      // Copy and drop find the entry once (the reference path calls both;
      // nothing between them reads the store).
      const std::optional<Token> token =
          reference_ ? store_.Peek(tt.backup, handle) : backup.Take(handle);
      if (!token) [[unlikely]]
        Report(Invariant::kHandleUse, &tt,
               "copy of handle " + std::to_string(handle) + ", which is not live");
      Page& to = reference_ ? P(dst) : frames.At(dst);
      to.token = token.value_or(kZeroToken);
      ++counters_.restore.pages_from_backup;
      Verify(tt, slot, to.token, expected);
      if ((reference_ || !token) &&
          !(reference_ ? store_.Drop(tt.backup, handle) : backup.Drop(handle))) [[unlikely]]
        Report(Invariant::kHandleUse, &tt, "drop of handle " + std::to_string(handle) +
                                               ", which is not live");
      ++restore.restored_pages;
      if (reference_) {
        StoreSlot(tt, slot, Slot::Handle(0));
      } else {
        // StoreSlot() with what it finds: a handle other than 0 replaced
        // by the handle-0 marker, one handle slot fewer.
        slots.At(slot) = Slot::Handle(0);
        --tt.handle_slots;
      }
      continue;
    } else if (p.is_page()) {
      const Pfn old = OwnedPage(tt, slot, p, "copy_highpage");
      PoolSplitForSwap(old);
      const uint64_t token = page(old).token;
      P(dst).token = token;
      ++counters_.restore.pages_from_retained;
      Verify(tt, slot, token, expected);
      FreeToSystem(old, 0, &tt);
    }
    ++restore.restored_pages;
    StoreSlot(tt, slot, Slot::Handle(0));
  }

  if (ret) {
    if (!restore.restored_pages) {
      PoolUnmapAndFree(true, tt, restore.alloced_page, tt.has_dma ? &restore.first_dma : nullptr,
                       restore.page_caching);
      restore.restored_pages = nr;
    }
    return ret;
  }

  PoolAllocatedPageCommit(tt, restore.alloced_page, restore.first_dma, alloc, nr);
  if (restore.page_caching == alloc.tt_caching) alloc.caching_divide = alloc.pages;
  restore.snapshot_alloc = alloc;
  restore.alloced_pages += nr;
  return 0;
}

// Models ttm_pool_page_allocated_restore(): stage the new block in the
// restore state instead of the slots, with the cursors as they are now.
void TtmModel::PoolPageAllocatedRestore(TtObject& tt, uint32_t order, Pfn p, Caching page_caching,
                                        uint64_t first_dma, RestoreState& restore,
                                        const AllocState& alloc) {
  // A staged block still owned here would be overwritten and leak; v6.15
  // never stages over one (the previous block is committed or freed first).
  if (restore.restored_pages < (uint64_t{1} << restore.order))
    for (uint64_t j = 0; j < (uint64_t{1} << restore.order); ++j)
      if (page(restore.alloced_page + j).owner == Owner::kRestoreStaged)
        SetOwner(restore.alloced_page + j, Owner::kOrphan);
  restore.order = order;
  restore.restored_pages = 0;
  restore.page_caching = page_caching;
  restore.first_dma = first_dma;
  restore.alloced_page = p;
  restore.snapshot_alloc = alloc;
  for (uint64_t j = 0; j < (uint64_t{1} << order); ++j)
    SetOwner(p + j, Owner::kRestoreStaged, tt.index, static_cast<uint32_t>(j));
}

// Models ttm_pool_page_allocated() (v6.15): when the block's caching is the
// tt's, first convert what is pending; map the block; then either stage it
// (restoring) or commit it to the slots.
int TtmModel::PoolPageAllocatedMerged(TtObject& tt, uint32_t order, Pfn p, Caching page_caching,
                                      AllocState& alloc, RestoreState* restore) {
  const bool caching_consistent = page_caching == alloc.tt_caching;
  int r = 0;
  if (caching_consistent) {
    r = PoolApplyCachingMerged(tt, alloc);
    if (r) return r;
  }
  uint64_t first_dma = 0;
  if (tt.has_dma) {
    r = PoolMapBlock(tt, order, p);
    if (r) return r;
    first_dma = BusAddress(p);
  }
  if (restore) {
    PoolPageAllocatedRestore(tt, order, p, page_caching, first_dma, *restore, alloc);
  } else {
    PoolAllocatedPageCommit(tt, p, first_dma, alloc, uint64_t{1} << order);
    if (caching_consistent) alloc.caching_divide = alloc.pages;
  }
  return 0;
}

// Models __ttm_pool_alloc() (v6.15): the restructured loop. A pool hit is
// tried only while allow_pools holds: after the first system allocation the
// pools are skipped, even at smaller orders, until a system allocation fails
// (5.3). When restoring, every block is restored and committed before the
// next one is allocated. The error path returns at once when the tt has a
// restore state (it tests tt->restore, not the backed-up flag: 4.8).
int TtmModel::PoolAllocInner(TtObject& tt, const OperationCtx& ctx, AllocState& alloc,
                             RestoreState* restore) {
  const bool zero = tt.page_flags & kTtFlagZeroAlloc;
  Caching page_caching = tt.caching;
  bool allow_pools = true;
  uint32_t order = 0;
  std::optional<Pfn> p;
  int r = 0;

  for (order = std::min(config_.max_order, Fls(alloc.remaining_pages)); alloc.remaining_pages;
       order = std::min(order, Fls(alloc.remaining_pages))) {
    p = std::nullopt;
    PoolType* pt = PoolSelectType(page_caching, order);
    if (pt && allow_pools) {
      p = PoolTypeTake(*pt);
      if (p) ++counters_.pool.hits;
    }
    if (!p) {
      page_caching = Caching::kCached;
      allow_pools = false;
      p = PoolAllocPage(order, zero);
    }
    if (!p) {
      if (order) {
        --order;
        ++counters_.pool.order_fallbacks;
        page_caching = tt.caching;
        allow_pools = true;
        continue;
      }
      r = kENOMEM;
      goto error_free_all;
    }
    r = PoolPageAllocatedMerged(tt, order, *p, page_caching, alloc, restore);
    if (r) goto error_free_page;
    if (RestoreValid(restore)) {
      r = PoolRestoreCommit(tt, ctx, alloc);
      if (r) goto error_free_all;
    }
  }

  r = PoolApplyCachingMerged(tt, alloc);
  if (r) goto error_free_all;
  if (tt.restore) FreeRestore(tt);
  return 0;

error_free_page:
  PoolFreePage(page_caching, order, *p, &tt);

error_free_all:
  if (tt.restore) return r;
  {
    const uint64_t caching_divide = alloc.caching_divide;
    PoolFreeRangeMerged(true, tt, tt.caching, 0, caching_divide);
    PoolFreeRangeMerged(true, tt, Caching::kCached, caching_divide,
                        tt.num_pages - alloc.remaining_pages);
  }
  return r;
}

// Models ttm_pool_alloc() (v6.15): a plain allocation; a backed-up tt is
// refused (WARN, -EINVAL): restoring is ttm_pool_restore_and_alloc()'s job.
int TtmModel::PoolAllocMerged(TtObject& tt, const OperationCtx& ctx) {
  if (tt.backed_up()) return kEINVAL;
  AllocState alloc = AllocStateInit(tt);
  return PoolAllocInner(tt, ctx, alloc, nullptr);
}

// Models ttm_pool_restore_and_alloc() (v6.15): the first call creates the
// restore state (not valid: restored_pages = 1) and allocates from slot 0;
// a later call resumes from the snapshot, first finishing a staged block.
// When the snapshot shows nothing left, v6.15 returns 0 at once: pending
// caching is never applied and tt->restore is never freed (4.8).
// kMergedFixed applies the pending caching and frees the restore state
// there ("drm/ttm: Drop tt->restore after successful restore").
int TtmModel::PoolRestoreAndAlloc(TtObject& tt, const OperationCtx& ctx) {
  if (!tt.backed_up()) return kEINVAL;
  AllocState alloc;
  if (!tt.restore) {
    alloc = AllocStateInit(tt);
    if (!AllocRestore(tt, 0)) return kENOMEM;
    RestoreState& restore = *tt.restore;
    restore.snapshot_alloc = alloc;
    restore.restored_pages = 1;
  } else {
    alloc = tt.restore->snapshot_alloc;
    if (RestoreValid(tt.restore.get())) {
      const int ret = PoolRestoreCommit(tt, ctx, alloc);
      if (ret) return ret;
    }
    if (!alloc.remaining_pages) {
      if (semantics_ == Semantics::kMergedFixed) {
        const int ret = PoolApplyCachingMerged(tt, alloc);
        if (ret) return ret;
        FreeRestore(tt);
      }
      return 0;
    }
  }
  return PoolAllocInner(tt, ctx, alloc, tt.restore.get());
}

}  // namespace ttm
