// The ttm_tt_* wrappers of drivers/gpu/drm/ttm/ttm_tt.c (V13), and the
// harness's own operations on a tt: GPU writes and fault arming.
#include <algorithm>
#include <functional>
#include <string>

#include "core/engine/model.h"
#include "core/engine/populated_clean.h"

namespace ttm {

// Models ttm_tt_init() (ttm_sg_tt_init() with a dma array) followed by
// ttm_tt_setup_backup(): a tt of N pages with a shmem backup of N pages,
// EXTERNAL | EXTERNAL_MAPPABLE as xe creates them. No pages yet. The slot
// arrays are sparse: they cost memory only where pages are placed.
TtObject& TtmModel::TtInit(uint64_t id, const AllocateEvent& e) {
  // The lowest free index, in O(log n): a linear scan made a million live
  // objects quadratic.
  uint32_t index = static_cast<uint32_t>(tts_.size());
  if (!free_indices_.empty()) {
    std::pop_heap(free_indices_.begin(), free_indices_.end(), std::greater<>());
    index = free_indices_.back();
    free_indices_.pop_back();
  } else {
    tts_.emplace_back();
  }
  auto tt = std::make_unique<TtObject>();
  tt->id = id;
  tt->index = index;
  tt->uid = next_uid_++;
  tt->num_pages = e.pages;
  tt->caching = e.caching;
  tt->page_flags = kTtFlagExternal | kTtFlagExternalMappable |
                   (e.zero_alloc ? kTtFlagZeroAlloc : 0);
  tt->has_dma = e.dma;
  tt->pages = SparseArray<Slot>(e.pages);
  tt->dma_address = BusAddressArray(e.dma ? e.pages : 0);
  tt->backup = store_.Create(e.pages);
  tts_[index] = std::move(tt);
  ids_.Set(id, index);
  return *tts_[index];
}

// Models ttm_tt_populate(): nothing when populated, else ttm_pool_alloc()
// (which restores a backed-up tt in V13) and PRIV_POPULATED on success.
int TtmModel::TtPopulate(TtObject& tt, const OperationCtx& ctx) {
  if (merged()) return TtPopulateMerged(tt, ctx);
  if (tt.populated()) return 0;
  const int ret = PoolAlloc(tt, ctx);
  if (ret) return ret;
  tt.page_flags |= kTtFlagPrivPopulated;
  tt.wb_by_backup = false;
  return 0;
}

// Models ttm_tt_unpopulate(): nothing unless populated, else
// ttm_pool_free(). The content is gone: nothing vouches for it any more.
void TtmModel::TtUnpopulate(TtObject& tt) {
  if (!tt.populated()) return;
  PoolFree(tt);
  tt.page_flags &= ~kTtFlagPrivPopulated;
  tt.wb_by_backup = false;
  tt.expected.Reset();
}

// Models ttm_tt_backup() (V13): ttm_pool_backup_tt(), and PRIV_POPULATED
// cleared whenever it returns > 0 (purge and partial backup included).
int64_t TtmModel::TtBackup(TtObject& tt, const BackupFlags& flags) {
  if (merged()) return TtBackupMerged(tt, flags);
  if (!tt.has_backup) return 0;  // WARN_ON(IS_ERR_OR_NULL(tt->backup))
  const int64_t ret = PoolBackupTt(tt, flags);
  if (ret > 0) {
    tt.page_flags &= ~kTtFlagPrivPopulated;
    if (flags.purge) tt.expected.Reset();  // purged content is exempt
  }
  return ret;
}

// Models ttm_tt_fini() (V13): ttm_pool_release_backed_up() (gated inside
// by PRIV_BACKED_UP), then the rest of the teardown (TtDestroy()).
void TtmModel::TtFini(TtObject& tt) {
  if (merged()) return TtFiniMerged(tt);
  PoolReleaseBackedUp(tt);
  TtDestroy(tt);
}

// Models the end of ttm_tt_fini(): ttm_backup_fini() and freeing the slot
// arrays. Also where a tt goes whose free crashed half way: the driver has
// let go of it either way. Backup pages still held here are released with
// the shmem file but were referenced by nothing (leaked handles, 3.3.4);
// pages and a restore state it still holds are leaked (3.1.3).
void TtmModel::TtDestroy(TtObject& tt) {
  if (tt.has_backup) {
    const uint64_t held = store_.Fini(tt.backup);
    if (held) {
      leaked_handles_ += held;
      Report(Invariant::kBackupReleased, &tt,
             std::to_string(held) + " backup page(s) still held at fini, referenced by nothing");
    }
    tt.has_backup = false;
  }
  if (tt.restore) {
    ++leaked_restore_states_;
    Report(Invariant::kRestoreState, &tt, "restore state never freed");
  }
  // Pages the tt still owns are referenced by nothing once it is gone.
  if (tt.owned_pages) {
    Report(Invariant::kConservation, &tt,
           std::to_string(tt.owned_pages) + " page(s) still owned by the tt at fini");
    tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
      if (!s.is_page()) return;
      const Page pg = page(s.pfn());
      if (OwnedBySlot(pg, tt, i))
        SetOwner(s.pfn(), Owner::kOrphan);
    });
    if (tt.restore) {
      for (Pfn p : tt.restore->memory) SetOwner(p, Owner::kOrphan);
      for (const Slot& s : tt.restore->old_pages)
        if (s.is_page() && page(s.pfn()).owner == Owner::kRestoreOld &&
            page(s.pfn()).owner_id == tt.index)
          SetOwner(s.pfn(), Owner::kOrphan);
      // v6.15: a staged block that was never committed.
      const RestoreState& r = *tt.restore;
      if (merged() && r.restored_pages < (uint64_t{1} << r.order))
        for (uint64_t j = 0; j < (uint64_t{1} << r.order); ++j)
          if (page(r.alloced_page + j).owner == Owner::kRestoreStaged &&
              page(r.alloced_page + j).owner_id == tt.index)
            SetOwner(r.alloced_page + j, Owner::kOrphan);
    }
  }
  ids_.Erase(tt.id);
  const uint32_t index = tt.index;
  tts_[index].reset();  // destroys tt
  free_indices_.push_back(index);
  std::push_heap(free_indices_.begin(), free_indices_.end(), std::greater<>());
}

// The GPU writes new content into [first, first + count): every resident
// page of a populated tt gets a new token. Pages of a tt that is not
// populated are not resident and are left alone.
void TtmModel::Write(TtObject& tt, uint64_t first, uint64_t count) {
  if (!tt.populated() || count == 0) return;
  const uint64_t gen = ++write_generation_;
  const ContentTokens tokens(tt.uid, gen);
  bool all_resident = true;
  if (reference_) {
    tt.pages.ReadRange(first, count, [&](uint64_t i, const Slot& s) {
      Page* pg = !s.is_page() ? nullptr : &P(s.pfn());
      if (pg == nullptr || !OwnedBySlot(*pg, tt, i)) {
        all_resident = false;
        return;
      }
      pg->token = ContentToken(tt.uid, i, gen);
    });
  } else {
    // A write of the whole tt first takes the checker's clean verdict
    // (PopulatedClean()) a block at a time, writing each block found
    // clean (its slots own their frames, in order) as it goes; when every
    // block is, the verdict is recorded for the check after this event.
    // From the first block that is not, the walk below takes over.
    uint64_t done = first;
    if (first == 0 && count == tt.num_pages) {
      constexpr uint64_t kFrameMask = SparseArray<Page>::kChunkEntries - 1;
      const bool clean = PopulatedClean(*this, tt, [&](uint64_t i, Pfn pfn, uint64_t n) {
        if ((pfn & kFrameMask) + n <= kFrameMask + 1) [[likely]] {
          Page* pg = pages_.Find(pfn);
          tokens.ForEachAt(i, n, [&](uint64_t k, Token t) { pg[k].token = t; });
        } else {
          pages_.MutateRange(pfn, n, [&](uint64_t f, Page& p) { p.token = tokens.At(i + (f - pfn)); });
        }
        done = i + n;
      });
      if (clean) RecordPopulatedClean(tt);
    }
    // A chunk of slots at a time. A run of slots holding consecutive
    // frames (a block, in order) has its struct pages walked through a
    // pointer, and its tokens made in a loop with nothing else to decide.
    constexpr uint64_t kFrameChunk = SparseArray<Page>::kChunkEntries;
    // OwnedBySlot(), a run of pages at a time.
    const PageMatcher slot_owner(Owner::kTt, tt.index, std::nullopt, std::nullopt, std::nullopt);
    tt.pages.ReadSpans(done, first + count - done, [&](uint64_t at, const Slot* slot, uint64_t len) {
      if (slot == nullptr) {  // never written: NULL slots, nothing resident
        all_resident = false;
        return;
      }
      for (uint64_t j = 0; j < len;) {
        if (!slot[j].is_page()) [[unlikely]] {
          all_resident = false;
          ++j;
          continue;
        }
        const Pfn pfn = slot[j].pfn();
        Page* pg = pages_.Find(pfn);
        // The run, inside pfn's chunk of struct pages: the block its
        // head's order says when its slots are in order, else slot by slot.
        const uint64_t max = std::min(len - j, kFrameChunk - (pfn & (kFrameChunk - 1)));
        const uint64_t block = pg == nullptr || pg->private_order >= 64
                                   ? 1 : std::min(max, uint64_t{1} << pg->private_order);
        uint64_t run = SlotsAscendFrom(slot + j, block, slot[j]) ? block : 1;
        if (run == 1)
          while (run < max && slot[j + run] == Slot::Page(pfn + static_cast<Pfn>(run))) ++run;
        if (pg == nullptr) [[unlikely]] {  // struct pages never written: owned by no slot
          all_resident = false;
          j += run;
          continue;
        }
        // Ownership of the whole run read first (two words a page), then,
        // when every page of the run is its slot's, tokens written in a
        // loop of their own.
        const uint64_t i = at + j;
        if (slot_owner.MatchesRun(pg, run, i)) [[likely]] {
          tokens.ForEachAt(i, run, [&](uint64_t k, Token t) { pg[k].token = t; });
        } else {
          all_resident = false;
          for (uint64_t k = 0; k < run; ++k)
            if (OwnedBySlot(pg[k], tt, i + k)) pg[k].token = tokens.At(i + k);
        }
        j += run;
      }
    });
  }
  if (all_resident) {
    tt.expected.Assign(first, count, gen);
    return;
  }
  // The written slots vouch for their new content, the others do not
  // change. Runs of written slots are assigned at once (the map is the
  // same either way; the reference path assigns slot by slot).
  uint64_t run_first = first, run_count = 0;
  for (uint64_t i = first; i < first + count; ++i) {
    const Slot s = tt.pages.Get(i);
    const bool written = s.is_page() && page(s.pfn()).token == tokens.At(i);
    if (written && reference_) tt.expected.Assign(i, 1, gen);
    if (written && !reference_) {
      if (run_count == 0) run_first = i;
      ++run_count;
    } else if (run_count != 0) {
      tt.expected.Assign(run_first, run_count, gen);
      run_count = 0;
    }
  }
  if (run_count != 0) tt.expected.Assign(run_first, run_count, gen);
}

// Models writing the fault-injection attributes (debugfs), per site.
void TtmModel::ArmFault(const FailEvent& e) { faults_.Arm(FaultSpecFromEvent(e)); }

// Models a change of free swap space (what ttm_backup_bytes_avail() sees).
void TtmModel::SetSwapPages(uint64_t pages) { store_.set_swap_pages(pages); }

}  // namespace ttm
