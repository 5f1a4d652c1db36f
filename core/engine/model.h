// The kernel state the engine models, and the modelled kernel functions.
//
// TtmModel holds what the kernel holds: struct page for every frame, the
// buddy allocator, the global and per-pool ttm_pool_type lists with their
// shrinker list, the shmem backup store and the fault-injection attributes,
// and every live struct ttm_tt. Its member functions are the kernel
// functions of drivers/gpu/drm/ttm/ttm_pool.c and ttm_tt.c as they stand
// after "drm/ttm/pool: Provide a helper to shrink pages" (v13); each says
// in its first comment line which one it models. They are spread over
// pool.cc (primitives, free, shrink), pool_alloc.cc (allocation and the V13
// restore), pool_backup.cc (backup and release) and tt.cc (the ttm_tt_*
// wrappers).
//
// The same model also holds the code as merged in Linux v6.15 (chosen by
// Semantics): the functions that changed are modelled again, under their
// v6.15 names, in pool_alloc_merged.cc, pool_backup_merged.cc and
// tt_merged.cc; everything else (the machine, the pool primitives, the
// checker) is shared.
//
// Deliberate differences from the kernel, everywhere:
// - x86-64 only: caching transitions are real page attributes, no highmem.
// - Where the kernel would oops or walk off an array, the model records a
//   kKernelCrash (or kOwnership, for a use-after-free) violation and throws
//   KernelCrash, which Engine::Apply() catches: the operation is abandoned
//   in the state it had reached, and replay goes on.
// - tts are EXTERNAL (as xe's are), so the global ttm_pages_allocated
//   accounting is not modelled.
#ifndef TTM_CORE_ENGINE_MODEL_H_
#define TTM_CORE_ENGINE_MODEL_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/backup_store.h"
#include "core/engine/clone_ptr.h"
#include "core/engine/content_map.h"
#include "core/engine/engine.h"
#include "core/engine/fault_injector.h"
#include "core/engine/page.h"
#include "core/engine/page_allocator.h"
#include "core/engine/sparse_array.h"
#include "core/event.h"
#include "core/id_map.h"

namespace ttm {

class PageRunSetter;  // page_words.h

// ttm_tt::page_flags (V13 bit numbers).
inline constexpr uint32_t kTtFlagSwapped = 1u << 0;          // TTM_TT_FLAG_SWAPPED
inline constexpr uint32_t kTtFlagZeroAlloc = 1u << 1;        // TTM_TT_FLAG_ZERO_ALLOC
inline constexpr uint32_t kTtFlagExternal = 1u << 2;         // TTM_TT_FLAG_EXTERNAL
inline constexpr uint32_t kTtFlagExternalMappable = 1u << 3; // TTM_TT_FLAG_EXTERNAL_MAPPABLE
inline constexpr uint32_t kTtFlagPrivPopulated = 1u << 5;    // TTM_TT_FLAG_PRIV_POPULATED
inline constexpr uint32_t kTtFlagPrivBackedUp = 1u << 6;     // TTM_TT_FLAG_PRIV_BACKED_UP
// TTM_TT_FLAG_BACKED_UP of v6.15: the same fact under its merged name. The
// merged code swaps the bit numbers of POPULATED and BACKED_UP; nothing
// observable depends on them, so the model keeps one set.
inline constexpr uint32_t kTtFlagBackedUp = kTtFlagPrivBackedUp;

// struct ttm_pool_alloc_state (v6.15): the allocation cursors, which the
// merged restore snapshots. Pointers into tt->pages and tt->dma_address are
// slot indices here.
struct AllocState {
  uint64_t pages = 0;            // next slot to fill
  uint64_t caching_divide = 0;   // first slot whose caching change is still pending
  uint64_t dma_addr = 0;         // next dma_address entry (used when the tt has one)
  uint64_t remaining_pages = 0;  // pages still to allocate
  Caching tt_caching = Caching::kCached;
};

// struct ttm_pool_tt_restore, V13 and (below) v6.15 fields: one struct
// so that everything that only asks "is there a restore state" (flags,
// leaks, teardown) is shared. Cursors that are page pointers in the kernel
// are slot indices here.
struct RestoreState {
  // restore->pool is not kept: there is one device pool.
  uint64_t alloced_pages = 0;   // slots [0, alloced_pages) hold new pages
  uint64_t restored_pages = 0;  // progress inside the current chunk
  uint64_t first_page = 0;      // slot of old_pages[0]
  uint64_t caching_divide = 0;  // caching cursor saved on error
  uint32_t order = 0;           // order of the current chunk
  std::vector<Slot> old_pages;  // capacity 2^min(MAX_PAGE_ORDER, fls(N))
  // v6.15 only (alloced_pages, restored_pages and order above keep their
  // meaning; old_pages, first_page and caching_divide are unused):
  AllocState snapshot_alloc;    // the cursors as of the last commit or staging
  Pfn alloced_page = 0;         // the staged block, not yet in the slots
  uint64_t first_dma = 0;       // its bus address
  Caching page_caching = Caching::kCached;  // its caching (WB from the system)
  // The system pages the struct itself occupies (kvzalloc): it is counted
  // in system_used_pages and can fail to be allocated like any page.
  std::vector<Pfn> memory;
};

// struct ttm_tt, with the model's bookkeeping beside it.
struct TtObject {
  uint64_t id = 0;         // the trace's name for it
  uint64_t uid = 0;        // never reused: seeds content tokens
  uint64_t num_pages = 0;
  uint32_t index = 0;      // the model's dense index (Page::owner_id)
  BackupId backup = 0;
  // Pages whose owner is this tt: at most num_pages < 2^31, and 32 bits
  // here keep a live object within 200 bytes.
  uint32_t owned_pages = 0;
  // Bookkeeping for the slot counts (Engine::Counts(), 3.7.1), kept as
  // slots and owners change (TtmModel::StoreSlot(), SetOwner()): slots
  // holding a page they own, and slots holding a handle other than 0.
  uint32_t resident_slots = 0;
  uint32_t handle_slots = 0;
  // The kTtFlag* bits (all below bit 7); 16 bits and the one-bit flags
  // below keep a live object within 200 bytes.
  uint16_t page_flags = 0;
  Caching caching = Caching::kCached;
  bool has_dma : 1 = false;          // tt->dma_address != NULL
  bool has_backup : 1 = true;        // tt->backup != NULL
  // Set when ttm_pool_backup_tt() switched the pages to WB; cleared when
  // the tt is populated or unpopulated again. A populated non-WB tt with
  // WB pages and this flag is 4.6 (3.4.4), without it something else (3.4.2).
  bool wb_by_backup : 1 = false;
  // v6.15 + xe: the driver's xe_ttm_tt::purgeable, set by a purge. xe's
  // populate clears BACKED_UP and allocates afresh for such a tt instead of
  // restoring it.
  bool purgeable : 1 = false;
  SparseArray<Slot> pages;           // tt->pages[]
  BusAddressArray dma_address;       // tt->dma_address[] (size 0 without)
  ClonePtr<RestoreState> restore;    // tt->restore
  ContentMap expected;               // what was last written, per slot
  ClonePtr<CallCounts> fault_calls;  // calls its operations made at each fault site (from the first)

  bool populated() const { return page_flags & kTtFlagPrivPopulated; }
  bool backed_up() const { return page_flags & kTtFlagPrivBackedUp; }
};

// Model bookkeeping, no kernel counterpart: the one definition of "page p
// is held by tt in role `owner` at position `at`" (a slot for kTt, an
// old_pages index for kRestoreOld, an index into the staged block for
// kRestoreStaged). A page pointer in a slot that fails this is stale.
inline bool HeldBy(const Page& p, Owner owner, const TtObject& tt, uint64_t at) {
  return p.owner == owner && p.owner_id == tt.index && p.aux == at;
}
// The page in slot i of tt is owned by that slot.
inline bool OwnedBySlot(const Page& p, const TtObject& tt, uint64_t slot) {
  return HeldBy(p, Owner::kTt, tt, slot);
}
// The page in restore->old_pages[j] of tt is owned by that entry (V13).
inline bool OwnedByOldPage(const Page& p, const TtObject& tt, uint64_t j) {
  return HeldBy(p, Owner::kRestoreOld, tt, j);
}
// Page j of tt's staged block is owned by the restore (v6.15).
inline bool OwnedByStaged(const Page& p, const TtObject& tt, uint64_t j) {
  return HeldBy(p, Owner::kRestoreStaged, tt, j);
}

// enum ttm_caching in the kernel's order (ttm_uncached = 0,
// ttm_write_combined = 1, ttm_cached = 2): the order in which
// ttm_pool_init() walks the cachings.
inline constexpr Caching kKernelCachingOrder[3] = {Caching::kUncached, Caching::kWriteCombined,
                                                   Caching::kCached};

// struct ttm_pool_type.
struct PoolType {
  Caching caching = Caching::kCached;
  uint32_t order = 0;
  bool dma32 = false;      // a global_dma32_* type
  bool per_pool = false;   // the device pool's own type (pool->caching[].orders[])
  std::vector<Pfn> pages;  // the list; back() is its head (LIFO)
};

// struct ttm_operation_ctx, the parts that matter here.
struct OperationCtx {
  bool interruptible = true;
};

// struct ttm_backup_flags.
struct BackupFlags {
  bool purge = false;
  bool writeback = false;
};

// Thrown at the point where the kernel would crash; caught by Engine.
struct KernelCrash {};

// Model bookkeeping, no kernel counterpart: a block of n frames from pfn
// that an allocation placed in slots [first, first + n).
struct PlacedBlock {
  uint64_t first = 0;
  Pfn pfn = 0;
  uint64_t n = 0;
};

// Model bookkeeping, no kernel counterpart: the blocks an allocation placed
// since its caching cursor, the first kMax of them (no heap allocation);
// `all` is false once more were added.
struct PlacedBlocks {
  static constexpr uint32_t kMax = 16;
  std::array<PlacedBlock, kMax> block;
  uint32_t count = 0;
  bool all = true;
  void Add(const PlacedBlock& b) {
    if (count < kMax)
      block[count++] = b;
    else
      all = false;
  }
  void Clear() { count = 0, all = true; }
};

class TtmModel {
 public:
  explicit TtmModel(const MachineConfig& config, Semantics semantics = Semantics::kV13);

  // ---- ttm_tt.c -------------------------------------------------------
  TtObject& TtInit(uint64_t id, const AllocateEvent& e);
  int TtPopulate(TtObject& tt, const OperationCtx& ctx);
  void TtUnpopulate(TtObject& tt);
  int64_t TtBackup(TtObject& tt, const BackupFlags& flags);
  void TtFini(TtObject& tt);     // destroys tt
  void TtDestroy(TtObject& tt);  // destroys tt

  // ---- ttm_pool.c -----------------------------------------------------
  int PoolAlloc(TtObject& tt, const OperationCtx& ctx);
  void PoolFree(TtObject& tt);
  void PoolFreeRange(bool with_pool, TtObject& tt, Caching caching,
                     uint64_t start_page, uint64_t end_page);
  int64_t PoolBackupTt(TtObject& tt, const BackupFlags& flags);
  void PoolReleaseBackedUp(TtObject& tt);
  uint64_t PoolShrink();
  PoolType* PoolSelectType(Caching caching, uint32_t order);
  void PoolFini();  // ttm_pool_fini + ttm_pool_mgr_fini: drain every type

  // ---- v6.15 (pool_alloc_merged.cc, pool_backup_merged.cc, tt_merged.cc) --
  int PoolAllocMerged(TtObject& tt, const OperationCtx& ctx);        // ttm_pool_alloc
  int PoolRestoreAndAlloc(TtObject& tt, const OperationCtx& ctx);    // ttm_pool_restore_and_alloc
  int64_t PoolBackup(TtObject& tt, const BackupFlags& flags);        // ttm_pool_backup
  void PoolDropBackedUp(TtObject& tt);                               // ttm_pool_drop_backed_up
  void PoolFreeRangeMerged(bool with_pool, TtObject& tt, Caching caching,
                           uint64_t start_page, uint64_t end_page);  // ttm_pool_free_range
  int TtPopulateMerged(TtObject& tt, const OperationCtx& ctx);
  int TtRestore(TtObject& tt, const OperationCtx& ctx);
  int64_t TtBackupMerged(TtObject& tt, const BackupFlags& flags);
  void TtFiniMerged(TtObject& tt);

  // ---- the GPU and the harness -----------------------------------------
  void Write(TtObject& tt, uint64_t first, uint64_t count);
  void ArmFault(const FailEvent& e);
  void SetSwapPages(uint64_t pages);
  void SetPoolLimit(uint64_t pages) { page_pool_size_ = pages; }

  // ---- state for the checker and the queries ---------------------------
  const MachineConfig& config() const { return config_; }
  Semantics semantics() const { return semantics_; }
  bool merged() const { return semantics_ != Semantics::kV13; }
  // Test-only (EngineOptions::reference): the checker and the engine take
  // their slow, obviously correct paths.
  bool reference() const { return reference_; }
  void set_reference(bool reference) {
    reference_ = reference;
    allocator_.set_merge_runs(!reference);
  }
  const PageAllocator& allocator() const { return allocator_; }
  const BackupStore& store() const { return store_; }
  const FaultInjector& faults() const { return faults_; }
  // Bookkeeping: the fault-site calls from now on are `tt`'s (nullptr: no
  // object's); Engine sets it around each operation.
  void CountCallsOf(TtObject* tt) { faults_.set_object_calls(tt ? &tt->fault_calls : nullptr); }
  // Frames of the simulated machine: its pfns are [0, frames()).
  uint64_t frames() const { return pages_.size(); }
  Page page(Pfn pfn) const { return pages_.Get(pfn); }
  // The struct page of frame pfn, and after it those of the frames up to
  // the end of its chunk (SparseArray<Page>::kChunkEntries frames aligned);
  // nullptr where none of them was ever written.
  const Page* FindPage(Pfn pfn) const { return pages_.Find(pfn); }
  // Calls f(pfn, page) for frames [first, first + n), finding each chunk
  // of struct pages once.
  template <typename F>
  void ForEachPage(Pfn first, uint64_t n, F f) const { pages_.ReadRange(first, n, f); }
  // The same frames a chunk's piece at a time: f(pfn, pages, len), pages
  // nullptr where no struct page of the piece was ever written.
  template <typename F>
  void ForEachPageSpan(Pfn first, uint64_t n, F f) const { pages_.ReadSpans(first, n, f); }
  // Calls f(slot, page) for every slot of tt that holds a page pointer
  // (owned or not), in increasing slot order, reading the struct pages of
  // consecutive frames in consecutive slots (a block) a run at a time.
  template <typename F>
  void ForEachSlotPage(const TtObject& tt, F f) const;
  // The layout a populate leaves: slots [0, num_pages) hold whole blocks of
  // consecutive frames, each the size its first frame's private_order
  // says. Calls f(slot, pfn, n) for each block in slot order while f
  // returns true; false (nothing owned or cached is looked at) as soon as
  // a slot breaks that layout: not a page, out of order, a block past the
  // end of the tt or of the machine.
  template <typename F>
  bool ForEachInOrderBlock(const TtObject& tt, F f) const;
  const std::vector<PoolType>& pool_types() const { return types_; }
  uint64_t allocated_pages() const { return allocated_pages_; }
  // Model bookkeeping, no kernel counterpart: the pages on the pool lists,
  // counted at the three places a list is pushed or popped (PoolTypeGive(),
  // PoolTypeTake(), PoolTypeReleaseClean()), apart from the kernel's
  // allocated_pages. The checker compares it with allocated_pages and with
  // owner_count(kPool); the reference checker sums the lists instead.
  uint64_t listed_pages() const { return listed_pages_; }
  uint64_t page_pool_size() const { return page_pool_size_; }
  uint64_t owner_count(Owner o) const { return owner_count_[static_cast<int>(o)]; }
  TtObject* tt(uint32_t index) const;
  TtObject* FindTt(uint64_t id) const;
  // Model bookkeeping, no kernel counterpart: calls f(tt) for every live
  // tt, in increasing trace id order (the only user of the unordered
  // IdMap::ForEach(), which it sorts).
  template <typename F>
  void ForEachTt(F f) const {
    std::vector<std::pair<uint64_t, uint32_t>> live;
    live.reserve(ids_.size());
    ids_.ForEach([&](uint64_t id, uint32_t index) { live.emplace_back(id, index); });
    std::sort(live.begin(), live.end());
    for (const auto& [id, index] : live) f(*tts_[index]);
  }
  uint64_t live_tts() const { return ids_.size(); }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  // The content a slot should hold, or nullopt when nothing vouches for it.
  std::optional<uint64_t> ExpectedToken(const TtObject& tt, uint64_t slot) const;
  // The first slot whose last written content is not where the tt's state
  // says it is (its page, its handle, or the pending chunk's old_pages
  // entry), or nullopt when every written page's content is in place.
  std::optional<uint64_t> FirstLostSlot(const TtObject& tt) const;
  // Spec 3.6.2: the first written slot whose last written content does not
  // exist exactly once among the tt's pages (slots, old_pages) and its
  // backup copies, with the number of copies found; nullopt when none.
  std::optional<std::pair<uint64_t, uint64_t>> FirstContentNotHeldOnce(const TtObject& tt) const;
  // The linear fast path of FirstContentNotHeldOnce(): true when every
  // written page's content is held once, at its own position.
  bool EveryContentHeldInPlace(const TtObject& tt) const;
  // The exact comparison FirstContentNotHeldOnce() falls back on (public
  // for the test that holds the fast path to it).
  std::optional<std::pair<uint64_t, uint64_t>> FirstContentNotHeldOnceByCounting(
      const TtObject& tt) const;
  // The engine's own accounting of the heap bytes it holds (memory.cc):
  // struct pages, the allocator, the backup store, every live tt with its
  // arrays, restore state and content ranges, the pool lists and the id
  // tables. Deterministic (no malloc overhead, no RSS), so that bounds on
  // it can be tested; docs/limits.md states them.
  uint64_t memory_bytes() const;
  uint64_t leaked_handles() const { return leaked_handles_; }
  uint64_t leaked_restore_states() const { return leaked_restore_states_; }

  // Where op-time violations go; set by Engine around each operation.
  void set_sink(std::vector<Violation>* sink) { sink_ = sink; }
  void Report(Invariant inv, const TtObject* tt, std::string what);
  [[noreturn]] void Crash(Invariant inv, const TtObject* tt, std::string what);

  // Model bookkeeping: a write of a whole populated tt, and the fresh
  // content check after a populate (Engine), walk the pages the checker's
  // clean verdict reads (PopulatedClean(), populated_clean.h), and record
  // the verdict when it is "clean", with the change serial of the moment.
  // The verdict stands while the serial does: every way in that can
  // change the model moves it on (Engine::Apply(), Engine::Check(), the
  // engine's test peer and the test hooks below), so a recorded verdict
  // serves at most the one check right after its event.
  void NoteChange() { ++change_serial_; }
  bool PopulatedCleanRecorded(const TtObject& tt) const {
    return clean_serial_ == change_serial_ && clean_uid_ == tt.uid;
  }
  // Model bookkeeping, no kernel counterpart: records the verdict; call it
  // only right after PopulatedClean() of tt said "clean", with nothing
  // changed since (a whole-tt write, the fresh content check after a
  // populate).
  void RecordPopulatedClean(const TtObject& tt) {
    clean_uid_ = tt.uid;
    clean_serial_ = change_serial_;
  }

  // Test hook for 4.11: overwrite a slot without any ownership bookkeeping.
  void PokeSlotForTest(TtObject& tt, uint64_t slot, Slot value) {
    NoteChange();
    StoreSlot(tt, slot, value);
  }
  // Test hook for the checker's tests: a struct page to corrupt by hand.
  Page& PageForTest(Pfn pfn) {
    NoteChange();
    return P(pfn);
  }
  // Test hook for the fast-vs-reference tests of ttm_pool_apply_caching():
  // PoolApplyCaching() of slots [first, last), which must own their pages,
  // as the allocation that placed them calls it when `placed`.
  int ApplyCachingForTest(TtObject& tt, uint64_t first, uint64_t last, Caching caching, bool placed) {
    NoteChange();
    return PoolApplyCaching(tt, first, last, caching, placed);
  }
  // Test hook for the checker's tests: the backup store, to lose a copy.
  BackupStore& StoreForTest() {
    NoteChange();
    return store_;
  }

 private:
  friend class PoolAllocation;

  // ---- page-level primitives (pool.cc) ---------------------------------
  Page& P(Pfn pfn) { return pages_.Mutable(pfn); }
  void SetOwner(Pfn pfn, Owner owner, uint32_t id = 0, uint32_t aux = 0);
  // `slots`, for a caller walking a block of frames: finds the owning
  // slots' chunks once (nullptr: looked up one by one).
  void SetOwnerOf(Page& p, Pfn pfn, Owner owner, uint32_t id = 0, uint32_t aux = 0,
                  SparseArray<Slot>::ReadCursor* slots = nullptr);
  template <typename F>
  void SetOwnerOfBlock(Pfn pfn, uint64_t n, Owner owner, uint32_t id, F reset);
  void SetSlot(TtObject& tt, uint64_t i, Slot value);
  void SetSlots(TtObject& tt, uint64_t first, Pfn p, uint64_t n, bool kernel_block);
  void SetSlotAt(TtObject& tt, uint64_t i, Slot& slot, Slot value, Page* value_page = nullptr);
  void Disown(const Page& p, Pfn pfn, SparseArray<Slot>::ReadCursor* slots = nullptr);
  void StoreSlot(TtObject& tt, uint64_t i, Slot value);
  void StoreSlotAt(TtObject& tt, uint64_t i, Slot& slot, Slot value);
  void CountSlot(TtObject& tt, uint64_t i, Slot s, int delta);
  // Dereferences slot i, which must hold a page this slot owns. Anything
  // else is what the kernel would do with a stale or bogus pointer: a crash.
  Pfn OwnedPage(const TtObject& tt, uint64_t i, Slot s, const char* who) {
    if (!s.is_page() || !OwnedBySlot(page(s.pfn()), tt, i)) [[unlikely]]
      NotOwnedPage(tt, i, s, who);
    return s.pfn();
  }
  // OwnedPage() with the struct page itself, for a caller that changes it.
  std::pair<Page*, Pfn> OwnedPageRef(const TtObject& tt, uint64_t i, Slot s, const char* who) {
    if (s.is_page()) [[likely]] {
      Page& p = P(s.pfn());
      if (OwnedBySlot(p, tt, i)) [[likely]] return {&p, s.pfn()};
    }
    NotOwnedPage(tt, i, s, who);
  }
  // OwnedPageRef() with the struct page reached through a walker over
  // consecutive frames.
  Page& OwnedPageAt(const TtObject& tt, uint64_t i, Slot s, SparseArray<Page>::Walker& frames,
                    const char* who) {
    if (s.is_page()) [[likely]] {
      Page& p = frames.At(s.pfn());
      if (OwnedBySlot(p, tt, i)) [[likely]] return p;
    }
    NotOwnedPage(tt, i, s, who);
  }
  [[noreturn]] void NotOwnedPage(const TtObject& tt, uint64_t i, Slot s, const char* who);
  std::optional<Pfn> PoolAllocPage(uint32_t order, bool zero);
  void FreeToSystem(Pfn pfn, uint32_t order, const TtObject* tt);
  void FreeBlockToSystem(Pfn pfn, uint32_t order, const TtObject* tt);
  uint64_t MoveHeldBlock(Pfn pfn, uint64_t n, Page want, Page mask, const PageRunSetter& leave);
  void FreeSlotPageToSystem(TtObject& tt, Page& p, Pfn pfn);
  void ReportFreedPages(Pfn pfn, uint32_t order, bool head_tail, uint64_t mapped, uint64_t uncached,
                        const TtObject* tt);
  [[noreturn]] void FreeFailed(PageAllocator::FreeError error, Pfn pfn, uint32_t order,
                               const TtObject* tt);
  void ResetFreedPage(Page& p, Pfn pfn, SparseArray<Slot>::ReadCursor* slots = nullptr);
  void PoolFreePage(Caching caching, uint32_t order, Pfn p, const TtObject* tt);
  void PoolTypeGive(PoolType& pt, Pfn p, const TtObject* tt);
  void PoolTypeGiveSlow(PoolType& pt, Pfn p, const TtObject* tt);
  Pfn PoolTypeUnlink(PoolType& pt);
  std::optional<Pfn> PoolTypeTake(PoolType& pt);
  bool PoolTypeRelease(PoolType& pt);
  bool PoolTypeReleaseClean(PoolType& pt);
  int PoolMap(TtObject& tt, uint32_t order, Pfn p, uint64_t& dma_cursor);
  int PoolMapBlock(TtObject& tt, uint32_t order, Pfn p);
  void PoolUnmap(const TtObject& tt, uint64_t dma_addr, uint64_t num_pages);
  // `placed`: slots [first, last) were placed by the running allocation
  // and not touched since, so each owns the page it holds. `blocks`, when
  // given with `placed`: the blocks the allocation placed in those slots,
  // in slot order (a list that is not all of them or does not tile
  // [first, last) is ignored).
  int PoolApplyCaching(TtObject& tt, uint64_t first, uint64_t last, Caching caching,
                       bool placed = false, const PlacedBlocks* blocks = nullptr);
  void SetPagesWb(Pfn p, uint64_t num_pages);
  void SetPagesArrayWb(TtObject& tt);
  void PoolSplitForSwap(Pfn p);
  [[noreturn]] void FreeRangeWalkedOff(const TtObject& tt, uint64_t i, uint64_t end_page);
  void FreeRangeDropHandle(const TtObject& tt, uint64_t i, Handle handle, BackupStore::Walker& backup);
  std::optional<int64_t> PoolBackupStart(TtObject& tt, const BackupFlags& flags, uint64_t& num_pages);
  uint64_t PoolBackupUnmapOrPurge(TtObject& tt, const BackupFlags& flags);
  uint64_t PoolBackupRun(TtObject& tt, uint64_t i, uint64_t max, Slot* slot,
                         BackupStore::Walker& backup, bool writeback, bool first_page);
  void UpdatePeaks();

  // ---- restore (pool_alloc.cc) -------------------------------------------
  static bool RestoreValid(const RestoreState* restore);
  ClonePtr<RestoreState> NewRestoreState();
  // `placed`: the frame that ttm_pool_page_allocated() has just placed at
  // the chunk's first slot, the chunk's slots and pages untouched since
  // (each slot holds frame placed + j and owns it); nullopt when not known.
  int PoolRestoreTt(TtObject& tt, const OperationCtx& ctx, std::optional<Pfn> placed = std::nullopt);
  // Integrity bookkeeping: ExpectedToken() for the slots of one restore
  // call, a ContentMap run at a time (the content map does not change
  // while a restore copies).
  class ExpectedRuns {
   public:
    explicit ExpectedRuns(const TtmModel& m, const TtObject& tt) : m_(m), tt_(tt) {}
    // The content slot should hold, or kZeroToken (which no written
    // content is) when nothing vouches for it.
    Token At(uint64_t slot) {
      if (m_.reference())
        return static_cast<Token>(m_.ExpectedToken(tt_, slot).value_or(kZeroToken));
      if (slot < run_.first || slot >= run_.end) [[unlikely]] {
        run_ = tt_.expected.RunAt(slot);
        tokens_ = ContentTokens(tt_.uid, run_.gen);
      }
      return run_.gen == 0 ? kZeroToken : tokens_.At(slot);
    }
    // The fast path's At() for the slots [slot, *end) of one run: their
    // tokens, or nullptr when nothing vouches for them.
    const ContentTokens* Run(uint64_t slot, uint64_t* end) {
      if (slot < run_.first || slot >= run_.end) [[unlikely]] {
        run_ = tt_.expected.RunAt(slot);
        tokens_ = ContentTokens(tt_.uid, run_.gen);
      }
      *end = run_.end;
      return run_.gen == 0 ? nullptr : &tokens_;
    }

   private:
    const TtmModel& m_;
    const TtObject& tt_;
    ContentMap::Run run_;  // empty: the first At() looks up
    ContentTokens tokens_{0, 0};  // of run_
  };
  // Integrity: content copied back into slot `slot` must be what was last
  // written there. Inline: the restore loops call it for every page.
  void Verify(const TtObject& tt, uint64_t slot, uint64_t token, ExpectedRuns& expected) {
    const Token want = expected.At(slot);
    if (want == kZeroToken) return;
    ++counters_.integrity.pages_verified;
    if (token != want) [[unlikely]] ReportMismatch(tt, slot);
  }
  void ReportMismatch(const TtObject& tt, uint64_t slot);
  bool AllocRestore(TtObject& tt, uint32_t order);
  void FreeRestore(TtObject& tt);

  // ---- v6.15 restore (pool_alloc_merged.cc) -------------------------------
  int PoolAllocInner(TtObject& tt, const OperationCtx& ctx, AllocState& alloc,
                     RestoreState* restore);                        // __ttm_pool_alloc
  int PoolRestoreCommit(TtObject& tt, const OperationCtx& ctx, AllocState& alloc);
  int PoolApplyCachingMerged(TtObject& tt, AllocState& alloc);
  void PoolAllocatedPageCommit(TtObject& tt, Pfn allocated, uint64_t first_dma,
                               AllocState& alloc, uint64_t nr);
  uint64_t PoolUnmapAndFree(bool with_pool, TtObject& tt, Pfn page,
                            const uint64_t* dma_addr, Caching caching);
  int PoolPageAllocatedMerged(TtObject& tt, uint32_t order, Pfn p, Caching page_caching,
                              AllocState& alloc, RestoreState* restore);
  void PoolPageAllocatedRestore(TtObject& tt, uint32_t order, Pfn p, Caching page_caching,
                                uint64_t first_dma, RestoreState& restore,
                                const AllocState& alloc);
  AllocState AllocStateInit(const TtObject& tt) const;

  MachineConfig config_;
  Semantics semantics_;
  bool reference_ = false;
  PageAllocator allocator_;
  BackupStore store_;
  FaultInjector faults_;
  SparseArray<Page> pages_;
  std::array<uint64_t, kNumOwners> owner_count_{};

  std::vector<PoolType> types_;           // in shrinker_list registration order
  std::vector<int> global_index_;         // [kind * (MAXO+1) + order] -> types_ index
  std::vector<int> per_pool_index_;       // [caching * (MAXO+1) + order] -> index or -1
  uint64_t shrinker_cursor_ = 0;          // list_first_entry(&shrinker_list)
  uint64_t allocated_pages_ = 0;          // pages in all pool types
  uint64_t listed_pages_ = 0;             // listed_pages()
  uint64_t page_pool_size_ = 0;

  std::vector<ClonePtr<TtObject>> tts_;  // by index; null when free
  // trace id -> index (core/id_map.h); ForEachTt() sorts when order matters.
  IdMap ids_;
  // Null entries of tts_, lowest reused first: a min-heap (std::greater),
  // one vector instead of a tree node per dead object.
  std::vector<uint32_t> free_indices_;
  uint64_t next_uid_ = 1;
  uint64_t write_generation_ = 0;
  uint64_t change_serial_ = 1;  // NoteChange()
  uint64_t clean_uid_ = 0;      // the tt (uid) of the recorded clean verdict
  uint64_t clean_serial_ = 0;   // and the serial it was recorded at
  uint64_t leaked_handles_ = 0;
  uint64_t leaked_restore_states_ = 0;
  // The last restore struct freed, its vectors' capacity kept for the next
  // one (NewRestoreState()); null when there is none.
  ClonePtr<RestoreState> spare_restore_;

  Counters counters_;
  std::vector<Violation>* sink_ = nullptr;
};

template <typename F>
void TtmModel::ForEachSlotPage(const TtObject& tt, F f) const {
  uint64_t run_slot = 0, run_len = 0;
  Pfn run_pfn = 0;
  auto flush = [&] {
    pages_.ReadRange(run_pfn, run_len, [&](uint64_t pfn, const Page& p) { f(run_slot + (pfn - run_pfn), p); });
  };
  tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
    if (!s.is_page()) return;
    if (run_len > 0 && i == run_slot + run_len && uint64_t{s.pfn()} == uint64_t{run_pfn} + run_len) {
      ++run_len;
      return;
    }
    flush();
    run_slot = i;
    run_pfn = s.pfn();
    run_len = 1;
  });
  flush();
}

// Whether s[0, n) hold `from` and the slots after it: Slot::Page(p),
// Slot::Page(p + 1), ... or Slot::Handle(h), Slot::Handle(h + 1), ...
// (both encodings go up by 2). Four slots compared at a time: the test
// per page of the walks over a block's slots.
inline bool SlotsAscendFrom(const Slot* s, uint64_t n, Slot from) {
  static_assert(sizeof(Slot) == sizeof(uint32_t));
  using V4 = uint32_t __attribute__((vector_size(16)));
  uint32_t bits;
  std::memcpy(&bits, &from, sizeof bits);
  V4 want = {bits, bits + 2, bits + 4, bits + 6}, diff = {0, 0, 0, 0};
  const V4 step = {8, 8, 8, 8};
  uint64_t j = 0;
  for (; j + 4 <= n; j += 4, want += step) {
    V4 v;
    std::memcpy(&v, s + j, sizeof v);
    diff |= v ^ want;
  }
  uint32_t rest = diff[0] | diff[1] | diff[2] | diff[3];
  for (; j < n; ++j) {
    uint32_t v;
    std::memcpy(&v, s + j, sizeof v);
    rest |= v ^ (bits + 2 * static_cast<uint32_t>(j));
  }
  return rest == 0;
}

// The populate path's steps a run at a time (pool.cc), model bookkeeping
// with no kernel counterpart. Whether frames[0, n) are all held by
// `owner`, one branch-free test for the run:
bool AllHeldBy(const Page* frames, uint64_t n, Owner owner);
// Model bookkeeping, no kernel counterpart: ttm_pool_type_take()'s pages
// leaving the pool in PoolTypeTake(), the kernel having nothing per page.
// frames[0, n) taken from `owner` in one pass, four a step: a group of
// four that `owner` holds throughout (their owners read before any is
// changed) goes to take(k) page by page with no test each; in any other
// group, and after the groups, a page `owner` holds goes to take(k) and
// any other to other(k), in order. Returns how many went to other().
template <typename Take, typename Other>
uint64_t TakeHeldBy(Page* frames, uint64_t n, Owner owner, Take take, Other other) {
  const uint8_t want = static_cast<uint8_t>(owner);
  auto one = [&](uint64_t k) -> uint64_t {
    if (frames[k].owner == owner) [[likely]] {
      take(k);
      return 0;
    }
    other(k);
    return 1;
  };
  uint64_t others = 0, k = 0;
  for (; k + 4 <= n; k += 4) {
    const uint8_t diff = ((static_cast<uint8_t>(frames[k].owner) ^ want) |
                          (static_cast<uint8_t>(frames[k + 1].owner) ^ want)) |
                         ((static_cast<uint8_t>(frames[k + 2].owner) ^ want) |
                          (static_cast<uint8_t>(frames[k + 3].owner) ^ want));
    if (diff == 0) [[likely]] {
      take(k);
      take(k + 1);
      take(k + 2);
      take(k + 3);
      continue;
    }
    for (uint64_t j = k; j < k + 4; ++j) others += one(j);
  }
  for (; k < n; ++k) others += one(k);
  return others;
}
// How many of s[0, n) hold `from` and the slots after it (as
// SlotsAscendFrom() tests), sixteen slots a test:
uint64_t SlotsAscendingRun(const Slot* s, uint64_t n, Slot from);
// Whether s[0, n) are all NULL, one test for the run:
bool AllNullSlots(const Slot* s, uint64_t n);
// The stores of SetSlotAt() (counts aside) for slots [first, first + n),
// s[0, n), taking frames f, f + 1, ... (struct pages frames[0, n)): each
// page owned by the slot of tt `index` that holds it.
void PlaceRun(Slot* s, Page* frames, uint64_t first, Pfn f, uint32_t index, uint64_t n);

template <typename F>
bool TtmModel::ForEachInOrderBlock(const TtObject& tt, F f) const {
  const uint64_t frames = pages_.size();
  for (uint64_t i = 0; i < tt.num_pages;) {
    const Slot s = tt.pages.Get(i);
    if (!s.is_page() || s.pfn() >= frames) return false;
    const Pfn first = s.pfn();
    const uint32_t order = page(first).private_order;
    if (order >= 64) return false;
    const uint64_t n = uint64_t{1} << order;
    if (n > tt.num_pages - i || n > frames - first) return false;
    bool in_order = true;
    tt.pages.ReadSpans(i, n, [&](uint64_t k, const Slot* run, uint64_t len) {
      in_order = in_order && run != nullptr &&
                 SlotsAscendFrom(run, len, Slot::Page(first + static_cast<Pfn>(k - i)));
    });
    if (!in_order || !f(i, first, n)) return false;
    i += n;
  }
  return true;
}

// Models the struct page fields __free_pages() leaves (ResetFreedPage()
// without the owner): write-back, unmapped, no order, no tail.
inline void ClearFreedPage(Page& p) {
  p.mapped = false;
  p.caching = PageCaching::kWB;
  p.tail = false;
  p.private_order = 0;
}

// Models the struct page __free_pages() leaves (ClearFreedPage()), plus
// model bookkeeping: the owner is the system, owner_id and aux 0.
inline void ClearFreedSystemPage(Page& p) {
  ClearFreedPage(p);
  p.owner = Owner::kSystem;
  p.owner_id = 0;
  p.aux = 0;
}

// Models what split_page() leaves on each struct page of the block
// ttm_pool_split_for_swap() splits: no order (page->private 0), no tail.
inline void ClearSplitMarks(Page& p) {
  p.private_order = 0;
  p.tail = false;
}

// __fls(), defined as 0 for 0: the kernel evaluates __fls(0) only where the
// result is never used (docs/scope.md).
inline uint32_t Fls(uint64_t x) { return x == 0 ? 0 : 63 - __builtin_clzll(x); }

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_MODEL_H_
