// ttm_pool_alloc() with the V13 restore folded into it.
//
// V13 restores a backed-up tt inside the ordinary allocation loop: each new
// block is placed into the slots as usual, but the slots' previous contents
// (backup handles, pages retained by a partial backup) are first moved to
// restore->old_pages, and ttm_pool_restore_tt() then copies them into the
// new block. A failure leaves the restore struct attached to the tt so that
// the next call can resume, which it does correctly only when the failure
// happened while copying (spec 4.7 and 4.9 say where it does not).
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/model.h"
#include "core/engine/page_words.h"

namespace ttm {
namespace {

// Reads tt->pages[] at slots that mostly go up one at a time (a restore
// chunk's), finding each chunk of slots once; a never-written chunk reads
// NULL slots. Valid while nothing writes the array.
class SlotReader {
 public:
  explicit SlotReader(const SparseArray<Slot>& pages) : pages_(pages) {}
  Slot At(uint64_t i) {
    if ((i >> kShift) != chunk_) [[unlikely]] {
      chunk_ = i >> kShift;
      slots_ = pages_.Find(chunk_ << kShift);
    }
    return slots_ == nullptr ? Slot() : slots_[i & (SparseArray<Slot>::kChunkEntries - 1)];
  }
  // The entries of slots [i, *end) (to the end of i's chunk), or nullptr
  // when that chunk was never written (NULL slots).
  const Slot* Chunk(uint64_t i, uint64_t* end) {
    At(i);
    *end = ((i >> kShift) + 1) << kShift;
    return slots_ == nullptr ? nullptr : &slots_[i & (SparseArray<Slot>::kChunkEntries - 1)];
  }

 private:
  static constexpr unsigned kShift = SparseArray<Slot>::kChunkShift;
  const SparseArray<Slot>& pages_;
  uint64_t chunk_ = ~uint64_t{0};
  const Slot* slots_ = nullptr;
};

// Integrity bookkeeping with the copy of ttm_backup_copy_page(), no kernel
// counterpart of its own: the fast restore's inner loop over len entries k
// of a run, old_pages entry k holding handle h + k, slot first + k holding
// frame f + k (struct page frames[k]) and owning it, the backup holding
// tokens[k], which is what was last written there (when want vouches for
// the slots). Copies each such entry's token and stops at the first entry
// that is anything else. kPlaced: the slots are known to hold those frames
// and own them (the block just placed), so they are not read. Kept apart
// from PoolRestoreTt() so that its few values stay in registers.
// Return: entries copied.
template <bool kVerify, bool kPlaced>
[[gnu::noinline]] uint64_t CopyHandleRun(const Slot* old, Handle h, const Slot* slots, Pfn f,
                                         Page* frames, const Token* tokens, ContentTokens want,
                                         uint64_t first, uint32_t tt_index, uint64_t len) {
  // The run of handles in order is found first, sixteen entries a test.
  len = SlotsAscendingRun(old, len, Slot::Handle(h));
  // Placed slots: when every token is the one wanted (checked four at a
  // time), all len are copied without a test each; else the loop below
  // finds the first that is not.
  if (kPlaced && (!kVerify || want.Mismatch(first, tokens, len) == 0)) {
    // Through moving pointers, four at a time: indexed, the compiler
    // scaled the index for each page.
    const Token* t = tokens;
    Page* pg = frames;
    uint64_t left = len;
    for (; left >= 4; left -= 4, t += 4, pg += 4) {
      pg[0].token = t[0];
      pg[1].token = t[1];
      pg[2].token = t[2];
      pg[3].token = t[3];
    }
    for (; left > 0; --left) (pg++)->token = *t++;
    return len;
  }
  uint64_t k = 0;
#pragma GCC unroll 4
  for (; k < len; ++k) {
    Page& p = frames[k];
    if (!kPlaced) {
      if (slots[k] != Slot::Page(f + static_cast<Pfn>(k))) break;
      if (p.owner != Owner::kTt || p.owner_id != tt_index || p.aux != first + k) break;
    }
    if (kVerify && tokens[k] != want.At(first + k)) break;
    p.token = tokens[k];
  }
  return k;
}

// Model bookkeeping, no kernel counterpart: whether each slots[k] holds a
// handle other than 0 and each old[k] is NULL, k < n (the usual move of a
// restore chunk's slot to old_pages; an old entry holding anything, which
// the slot-by-slot path handles, fails it), four entries at a time.
bool HandlesOverFreeEntries(const Slot* slots, const Slot* old, uint64_t n) {
  static_assert(sizeof(Slot) == sizeof(uint32_t));
  using V4 = uint32_t __attribute__((vector_size(16)));
  const V4 one = {1, 1, 1, 1};
  V4 bad = {0, 0, 0, 0};
  uint64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    V4 s, o;
    std::memcpy(&s, slots + k, sizeof s);
    std::memcpy(&o, old + k, sizeof o);
    // Slot bits (page.h): the handle bit clear, or handle 0 (bits 1).
    bad |= o | (~s & one) | reinterpret_cast<V4>(s == one);
  }
  bool ok = (bad[0] | bad[1] | bad[2] | bad[3]) == 0;
  for (; k < n; ++k) ok &= slots[k].is_handle() && slots[k].handle() != 0 && old[k].is_null();
  return ok;
}

// Copies n slots four at a time.
void CopySlots(Slot* to, const Slot* from, uint64_t n) {
  using V4 = uint32_t __attribute__((vector_size(16)));
  uint64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    V4 v;
    std::memcpy(&v, from + k, sizeof v);
    std::memcpy(static_cast<void*>(to + k), &v, sizeof v);
  }
  for (; k < n; ++k) to[k] = from[k];
}

// Model bookkeeping, no kernel counterpart: clears n slots to NULL (all
// bits 0, page.h) four at a time, where std::fill_n() stored them one by one.
void ClearSlots(Slot* to, uint64_t n) {
  using V4 = uint32_t __attribute__((vector_size(16)));
  const V4 null = {0, 0, 0, 0};
  uint64_t k = 0;
  for (; k + 4 <= n; k += 4) std::memcpy(static_cast<void*>(to + k), &null, sizeof null);
  for (; k < n; ++k) to[k] = Slot();
}

// Model bookkeeping, no kernel counterpart: PlaceRun() (model.h) with
// each struct page also given its restored content, tokens[k], in the
// same pass: slots[0, n) take frames f, f + 1, ... (frames[0, n)), each
// page owned by its slot, first + k, of tt `index`.
void PlaceRestoredRun(Slot* s, Page* frames, uint64_t first, Pfn f, uint32_t index,
                      const Token* tokens, uint64_t n) {
  StoreFrameSlots(s, f, n);
  // token and owner_id as one 8-byte word, little-endian.
  static_assert(offsetof(Page, owner_id) == offsetof(Page, token) + sizeof(Token));
  const uint64_t id = uint64_t{index} << 32;
  Page* pg = frames;
  const Token* t = tokens;
  uint32_t aux = static_cast<uint32_t>(first);
  auto place = [id](Page& p, Token token, uint32_t slot) {
    const uint64_t word = id | token;
    std::memcpy(reinterpret_cast<char*>(&p) + offsetof(Page, token), &word, sizeof word);
    p.aux = slot;
    p.owner = Owner::kTt;
  };
  uint64_t k = n;
  for (; k >= 4; k -= 4, pg += 4, t += 4, aux += 4) {
    place(pg[0], t[0], aux);
    place(pg[1], t[1], aux + 1);
    place(pg[2], t[2], aux + 2);
    place(pg[3], t[3], aux + 3);
  }
  for (; k > 0; --k) place(*pg++, *t++, aux++);
}

}  // namespace

// Models ttm_pool_restore_valid(): the current chunk is not fully restored.
// A freshly zeroed struct (order 0, restored 0) passes (4.12).
bool TtmModel::RestoreValid(const RestoreState* restore) {
  return restore != nullptr && restore->restored_pages < (uint64_t{1} << restore->order);
}

// Models the kvzalloc() of struct ttm_pool_tt_restore with room for
// 2^order old_pages pointers: 48 bytes of fields plus 8 per pointer, taken
// from the system as order-0 pages (a model of kmalloc/vmalloc backing).
// v6.15 kzalloc()s a fixed-size struct: one page. Fails when the fault site
// fires or the system has no page left.
bool TtmModel::AllocRestore(TtObject& tt, uint32_t order) {
  if (faults_.Call(FaultSite::kAllocRestore) != 0) return false;
  const uint64_t bytes = 48 + 8 * (uint64_t{1} << order);
  const uint64_t num = merged() ? 1 : (bytes + kPageSize - 1) / kPageSize;
  ClonePtr<RestoreState> restore = NewRestoreState();
  for (uint64_t i = 0; i < num; ++i) {
    std::optional<Pfn> pfn = allocator_.Alloc(0, false);
    if (!pfn) {
      for (Pfn p : restore->memory) FreeToSystem(p, 0, &tt);
      spare_restore_ = std::move(restore);
      return false;
    }
    Page& pg = P(*pfn);
    pg = Page{};
    pg.token = kZeroToken;
    SetOwner(*pfn, Owner::kRestoreState, tt.index);
    restore->memory.push_back(*pfn);
  }
  if (!merged()) restore->old_pages.resize(uint64_t{1} << order);  // NULL entries
  tt.restore = std::move(restore);
  UpdatePeaks();
  return true;
}

// Models kvfree() of the restore struct. The struct itself is kept for
// the next NewRestoreState() (its pages go back to the system).
void TtmModel::FreeRestore(TtObject& tt) {
  for (Pfn p : tt.restore->memory) FreeToSystem(p, 0, &tt);
  spare_restore_ = std::move(tt.restore);
}

// Bookkeeping, no kernel counterpart: a zeroed RestoreState (what kzalloc
// gives), made on the storage of the last one freed when there is one, so
// that restores coming and going cost no malloc for the struct and its two
// vectors.
ClonePtr<RestoreState> TtmModel::NewRestoreState() {
  ClonePtr<RestoreState> r = std::move(spare_restore_);
  if (!r) return std::make_unique<RestoreState>();
  std::vector<Slot> old_pages = std::move(r->old_pages);
  std::vector<Pfn> memory = std::move(r->memory);
  *r = RestoreState{};
  old_pages.clear();
  memory.clear();
  r->old_pages = std::move(old_pages);
  r->memory = std::move(memory);
  return r;
}

// Integrity, no kernel counterpart: Verify() found content copied back
// into slot `slot` that was not last written there.
void TtmModel::ReportMismatch(const TtObject& tt, uint64_t slot) {
  ++counters_.integrity.mismatches;
  Report(Invariant::kRestoredContent, &tt,
         "slot " + std::to_string(slot) + " restored with content that was not last written there");
}

// Integrity bookkeeping, no kernel counterpart.
std::optional<uint64_t> TtmModel::ExpectedToken(const TtObject& tt, uint64_t slot) const {
  const uint64_t gen = tt.expected.Get(slot);
  if (gen == 0) return std::nullopt;
  return ContentToken(tt.uid, slot, gen);
}

// Integrity bookkeeping, no kernel counterpart (spec 3.6.2): only written
// ranges are visited, so a huge object costs what was written.
std::optional<uint64_t> TtmModel::FirstLostSlot(const TtObject& tt) const {
  const RestoreState* r = tt.restore.get();
  const uint64_t chunk = r ? uint64_t{1} << r->order : 0;
  const bool pending = r && r->restored_pages < chunk;
  // Where the pending chunk's content is: V13 keeps the old entries in
  // old_pages from restored_pages on; v6.15 has the restored part in the
  // staged block and the rest still in the slots.
  const uint64_t chunk_start = !pending ? 0 : merged() ? r->snapshot_alloc.pages : r->first_page;
  const uint64_t lo = chunk_start + (merged() || !pending ? 0 : r->restored_pages);
  const uint64_t hi = chunk_start + (!pending ? 0 : merged() ? r->restored_pages : chunk);
  std::optional<uint64_t> lost;
  tt.expected.ForEachVouched(tt.num_pages, [&](uint64_t first, uint64_t end, uint64_t gen) {
    if (lost) return;
    // The range's slots a chunk at a time, not looked up one by one.
    tt.pages.ReadRange(first, end - first, [&](uint64_t i, Slot holder) {
      if (lost) return;
      if (pending && i >= lo && i < hi)
        holder = merged() ? Slot::Page(r->alloced_page + static_cast<Pfn>(i - chunk_start))
                          : r->old_pages[i - chunk_start];
      std::optional<uint64_t> have;
      if (holder.is_page()) have = page(holder.pfn()).token;
      if (holder.is_handle()) have = store_.Peek(tt.backup, holder.handle());
      if (have != ContentToken(tt.uid, i, gen)) lost = i;
    });
  });
  return lost;
}

// Integrity bookkeeping, no kernel counterpart (spec 3.6.2). Where each
// copy is does not matter here (handle values are 3.3.2's business), only
// that it exists once: a copy lost or duplicated is data lost or forked.
std::optional<std::pair<uint64_t, uint64_t>> TtmModel::FirstContentNotHeldOnce(
    const TtObject& tt) const {
  if (tt.expected.empty() || (!reference_ && EveryContentHeldInPlace(tt))) return std::nullopt;
  return FirstContentNotHeldOnceByCounting(tt);
}

// Integrity bookkeeping, no kernel counterpart: the exact multiset
// comparison behind FirstContentNotHeldOnce(), O(n log n).
std::optional<std::pair<uint64_t, uint64_t>> TtmModel::FirstContentNotHeldOnceByCounting(
    const TtObject& tt) const {
  if (tt.expected.empty()) return std::nullopt;
  std::vector<uint64_t> held;
  store_.ForEachLive(tt.backup, [&](uint64_t, uint64_t token) { held.push_back(token); });
  tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
    if (!s.is_page()) return;
    const Page p = page(s.pfn());
    if (OwnedBySlot(p, tt, i)) held.push_back(p.token);
  });
  if (tt.restore) {
    for (uint64_t j = 0; j < tt.restore->old_pages.size(); ++j) {
      const Slot s = tt.restore->old_pages[j];
      if (!s.is_page()) continue;
      const Page p = page(s.pfn());
      if (OwnedByOldPage(p, tt, j)) held.push_back(p.token);
    }
    // v6.15: the restored part of a staged block.
    const RestoreState& r = *tt.restore;
    if (merged() && r.restored_pages < (uint64_t{1} << r.order))
      for (uint64_t j = 0; j < r.restored_pages; ++j) held.push_back(page(r.alloced_page + j).token);
  }
  std::sort(held.begin(), held.end());
  // Tokens are 32-bit hashes, so two slots of a big object may share one
  // value by chance: compare multisets, not single values. A value that k
  // vouched slots expect must be held exactly k times.
  std::vector<uint64_t> wanted;
  tt.expected.ForEachVouched(tt.num_pages, [&](uint64_t first, uint64_t end, uint64_t gen) {
    for (uint64_t i = first; i < end; ++i) wanted.push_back(ContentToken(tt.uid, i, gen));
  });
  std::vector<uint64_t> sorted_wanted = wanted;
  std::sort(sorted_wanted.begin(), sorted_wanted.end());
  auto count = [](const std::vector<uint64_t>& v, uint64_t token) {
    const auto [lo, hi] = std::equal_range(v.begin(), v.end(), token);
    return static_cast<uint64_t>(hi - lo);
  };
  std::optional<std::pair<uint64_t, uint64_t>> bad;
  uint64_t k = 0;
  tt.expected.ForEachVouched(tt.num_pages, [&](uint64_t first, uint64_t end, uint64_t) {
    for (uint64_t i = first; i < end; ++i, ++k) {
      if (bad) continue;
      const uint64_t want = count(sorted_wanted, wanted[k]), have = count(held, wanted[k]);
      // Report the copies of this slot's content, sharing the surplus or
      // the shortfall with the other slots that expect the same value.
      if (have != want) bad = std::make_pair(i, have + 1 >= want ? have + 1 - want : 0);
    }
  });
  return bad;
}

// Integrity bookkeeping, no kernel counterpart: the linear fast path of
// FirstContentNotHeldOnce(). True when every copy held (backup entry idx,
// page owned by slot i, old_pages[j] of the pending chunk) either holds a
// fresh token (zero or poison, which no written content equals) or holds
// exactly the content last written to its own position, and every vouched
// slot is matched so once. Then every written value is held exactly as
// many times as it is expected, which is what the multiset comparison
// would find; when this says false, that comparison decides.
bool TtmModel::EveryContentHeldInPlace(const TtObject& tt) const {
  uint64_t lo = ~uint64_t{0}, hi = 0, vouched = 0;
  // The vouched ranges, increasing: what tt.expected.Get() answers inside
  // [lo, hi), without a tree walk per page.
  struct Range {
    uint64_t first, end, gen;
  };
  std::vector<Range> ranges;
  tt.expected.ForEachVouched(tt.num_pages, [&](uint64_t first, uint64_t end, uint64_t gen) {
    lo = std::min(lo, first);
    hi = end;
    vouched += end - first;
    ranges.push_back(Range{first, end, gen});
  });
  if (vouched == 0) return true;
  // Read once, kept in registers: hold() runs once per page held.
  const uint64_t span = hi - lo, uid = tt.uid;
  const Range* range = ranges.data();  // the previous lookup's: positions mostly ascend
  const Range* const ranges_end = ranges.data() + ranges.size();
  auto generation = [&](uint64_t pos) -> uint64_t {
    if (range->first <= pos && pos < range->end) return range->gen;
    const Range* it = std::upper_bound(static_cast<const Range*>(ranges.data()), ranges_end, pos,
                                       [](uint64_t p, const Range& r) { return p < r.first; });
    if (it == ranges.data()) return 0;
    range = it - 1;
    return pos < range->end ? range->gen : 0;
  };
  // The usual case, one write over the whole object: one range is [lo, hi).
  const uint64_t only_gen = ranges.size() == 1 ? ranges[0].gen : 0;
  std::vector<uint64_t> matched((span + 63) / 64);
  uint64_t* const words = matched.data();
  uint64_t matches = 0;
  bool ok = true;
  // Inlined into each walk below: it runs once per page held.
  auto hold = [&](uint64_t pos, uint64_t token) __attribute__((always_inline)) {
    if (token == kZeroToken || token == kPoisonToken) return;
    const uint64_t at = pos - lo;  // wraps below lo: then at >= span
    const uint64_t gen = at >= span ? 0 : only_gen != 0 ? only_gen : generation(pos);
    const uint64_t bit = uint64_t{1} << (at & 63);
    if (gen == 0 || token != ContentToken(uid, pos, gen) || (words[at >> 6] & bit) != 0) {
      ok = false;
      return;
    }
    words[at >> 6] |= bit;
    ++matches;
  };
  store_.ForEachLive(tt.backup, [&](uint64_t idx, uint64_t token) { hold(idx, token); });
  ForEachSlotPage(tt, [&](uint64_t i, const Page& p) {
    if (OwnedBySlot(p, tt, i)) hold(i, p.token);
  });
  if (tt.restore) {
    const RestoreState& r = *tt.restore;
    for (uint64_t j = 0; ok && j < r.old_pages.size(); ++j) {
      const Slot s = r.old_pages[j];
      if (!s.is_page()) continue;
      const Page p = page(s.pfn());
      if (OwnedByOldPage(p, tt, j))
        hold(r.first_page + j, p.token);
    }
  }
  return ok && matches == vouched;
}

// Models ttm_pool_restore_tt(): copy the pending chunk's old entries, from
// restored_pages on, into the new pages at first_page. A handle is copied
// and dropped; a retained page is split, copied and freed to the system;
// handle 0 is skipped without counting (4.11). Stops at the first copy
// error, keeping restored_pages at the failed entry.
int TtmModel::PoolRestoreTt(TtObject& tt, const OperationCtx& ctx, std::optional<Pfn> placed) {
  RestoreState* restore = tt.restore.get();
  if (!RestoreValid(restore)) return 0;
  const uint64_t nr = uint64_t{1} << restore->order;
  int ret = 0;
  ExpectedRuns expected(*this, tt);
  // The chunk's new pages are consecutive frames, its handles mostly
  // consecutive indices: both walked, not looked up one by one (the
  // reference path looks them up).
  SparseArray<Page>::Walker frames(pages_);
  BackupStore::Walker backup(store_, tt.backup);
  SlotReader slots(tt.pages);
  // (The usual chunk of a block just placed was restored with it, by
  // PoolAllocation::MovePlaceAndRestore(), unless that declined: a copy
  // fault armed, slots or frames across a chunk, an old_pages entry in
  // use, handles not consecutive or not live, content the map disagrees
  // with.)
  // The usual chunk: handles h, h + 1, ... of live backup entries, copied
  // into pages their slots own, each the content last written there, and
  // no fault armed at the copy. Such a run (inside one chunk of the store)
  // is copied as it is checked and taken and counted at once, with the
  // effects of the entry-by-entry loop below, which takes the first entry
  // that is anything else (a report, a crash, a fault).
  // Return: entries copied.
  auto copy_run = [&](uint64_t i) -> uint64_t {
    const Token* tokens = nullptr;
    const Handle h = restore->old_pages[i].handle();
    const uint64_t live = backup.LiveRun(h, nr - i, &tokens);
    const uint64_t first = restore->first_page + i;
    const Slot* old = restore->old_pages.data() + i;
    uint64_t n = 0, verified = 0;
    // A segment at a time: slots of one chunk holding consecutive frames
    // of one chunk of struct pages, whose content one run of the content
    // map vouches for (or none does).
    constexpr uint64_t kPageMask = SparseArray<Page>::kChunkEntries - 1;
    while (n < live) {
      uint64_t slots_end = ~uint64_t{0}, run_end = 0;
      const ContentTokens* want = expected.Run(first + n, &run_end);
      const Slot* slot = nullptr;
      Pfn f = 0;
      if (placed) {
        f = *placed + static_cast<Pfn>(i + n);
      } else {
        slot = slots.Chunk(first + n, &slots_end);
        if (slot == nullptr || !slot->is_page()) break;  // NULL slots, or not a page
        f = slot->pfn();
      }
      const uint64_t len = std::min({live, slots_end - first, run_end - first}) - n;
      const uint64_t seg = std::min(len, kPageMask + 1 - (f & kPageMask));
      Page* run_pages = &pages_.Mutable(f);
      const ContentTokens tokens_wanted = want != nullptr ? *want : ContentTokens(0, 0);
      const auto copy = want != nullptr ? (placed ? CopyHandleRun<true, true> : CopyHandleRun<true, false>)
                                        : (placed ? CopyHandleRun<false, true> : CopyHandleRun<false, false>);
      const uint64_t k = copy(old + n, h + n, slot, f, run_pages, tokens + n, tokens_wanted, first + n,
                              tt.index, seg);
      if (want != nullptr) verified += k;
      n += k;
      if (k == seg) continue;
      // Stopped inside the segment: at a slot holding another frame, a new
      // segment starts there; at anything else the run ends.
      if (placed || !(slot[k].is_page() && slot[k].pfn() != f + static_cast<Pfn>(k) &&
                      old[n] == Slot::Handle(h + n)))
        break;
    }
    if (n == 0) return 0;
    faults_.CallsUnarmed(FaultSite::kCopyPage, n, ctx.interruptible);
    backup.DropRun(h, n);
    counters_.restore.pages_from_backup += n;
    counters_.integrity.pages_verified += verified;
    restore->restored_pages += n;
    ClearSlots(restore->old_pages.data() + i, n);
    return n;
  };
  for (uint64_t i = restore->restored_pages; i < nr; ++i) {
    const Slot e = restore->old_pages[i];
    const uint64_t slot = restore->first_page + i;
    if (e.is_handle()) {
      const uint64_t handle = e.handle();
      if (handle == 0) continue;
      if (!reference_ && !faults_.armed(FaultSite::kCopyPage)) {
        if (const uint64_t n = copy_run(i); n != 0) {
          i += n - 1;
          continue;
        }
      }
      ret = faults_.Call(FaultSite::kCopyPage, 0, ctx.interruptible);
      if (ret != 0) break;
      const Slot s = reference_ ? tt.pages.Get(slot) : slots.At(slot);
      Page& dst = reference_ ? *OwnedPageRef(tt, slot, s, "ttm_backup_copy_page").first
                             : OwnedPageAt(tt, slot, s, frames, "ttm_backup_copy_page");
      // Copy and drop find the entry once (the reference path calls both;
      // nothing between them reads the store).
      const std::optional<Token> token =
          reference_ ? store_.Peek(tt.backup, handle) : backup.Take(handle);
      if (!token) [[unlikely]]
        Report(Invariant::kHandleUse, &tt,
               "copy of handle " + std::to_string(handle) + ", which is not live");
      dst.token = token.value_or(kZeroToken);
      ++counters_.restore.pages_from_backup;
      Verify(tt, slot, dst.token, expected);
      if ((reference_ || !token) &&
          !(reference_ ? store_.Drop(tt.backup, handle) : backup.Drop(handle))) [[unlikely]]
        Report(Invariant::kHandleUse, &tt, "drop of handle " + std::to_string(handle) +
                                               ", which is not live");
    } else if (e.is_page()) {
      const Pfn p = e.pfn();
      const Page old = page(p);
      if (!OwnedByOldPage(old, tt, i))
        Crash(Invariant::kOwnership, &tt,
              "old_pages[" + std::to_string(i) + "] refers to a page it does not own");
      const Pfn dst = OwnedPage(tt, slot, tt.pages.Get(slot), "copy_highpage");
      PoolSplitForSwap(p);
      P(dst).token = old.token;
      ++counters_.restore.pages_from_retained;
      Verify(tt, slot, old.token, expected);
      FreeToSystem(p, 0, &tt);
    }
    ++restore->restored_pages;
    restore->old_pages[i] = Slot();
  }
  return ret;
}

// The cursors of ttm_pool_alloc(), as slot indices.
struct Cursor {
  uint64_t pages = 0;      // next slot
  uint64_t dma = 0;        // next dma_address entry
  uint64_t remaining = 0;  // num_pages still to allocate
};

// The allocation loop needs ttm_pool_page_allocated(), which V13 extends
// with the restore hook; it lives here as a helper class so that its cursor
// handling reads like the kernel's pointer arithmetic.
class PoolAllocation {
 public:
  PoolAllocation(TtmModel& m, TtObject& tt, const OperationCtx& ctx)
      : m_(m), tt_(tt), interruptible_(ctx.interruptible) {}

  // Models ttm_pool_page_allocated() (V13): map the block, then, when
  // restoring, move the target slots' contents to old_pages and start a new
  // chunk; then place the block's pages in the slots. The block comes
  // straight from PoolTypeTake() or PoolAllocPage(), which leave each of
  // its pages the kernel's, and nothing here changes the owner of a page
  // the kernel holds before placing it: the fast path does not test them.
  int PageAllocated(uint32_t order, Pfn p, Cursor& c) {
    if (tt_.has_dma) {
      const int r = m_.PoolMap(tt_, order, p, c.dma);
      if (r) return r;
    }
    const uint64_t n = uint64_t{1} << order;
    uint64_t placed = 0;  // slots already holding their new page
    if (c.pages + n > tt_.num_pages)
      m_.Crash(Invariant::kKernelCrash, &tt_, "a new block is placed beyond the slot array");
    if (RestoreState* restore = tt_.restore.get()) {
      if (n > restore->old_pages.size())
        m_.Crash(Invariant::kKernelCrash, &tt_, "old_pages overflows its allocation");
      // 3.7.2 is a property of the state: progress goes back at the moment
      // slots below alloced_pages, already restored, are taken back into
      // old_pages (4.9), not when a populate merely finds an invalid
      // restore state. Reported once per call.
      if (c.pages < restore->alloced_pages && !progress_reported_) {
        progress_reported_ = true;
        m_.Report(Invariant::kRestoreProgress, &tt_,
                  "the restore starts again from slot " + std::to_string(c.pages) + " although " +
                      std::to_string(restore->alloced_pages) + " page(s) were already restored (4.9)");
      }
      // The fast path first tries the usual block of a restore: moved,
      // placed and restored in one pass (MovePlaceAndRestore()).
      // Otherwise it moves and places together, slot by slot, while each
      // slot is the usual one (a handle over a free old_pages entry, its
      // new page the kernel's): moving slot i and placing a page in slot
      // i' != i touch nothing of each other, so this is the kernel's all
      // moves, then all placements. The rest of the block goes the
      // kernel's way: its slots are walked through a pointer, the usual
      // entry handled inline, its count taken once, any other through
      // MoveToOldPages(); SetSlots() then places its pages. The reference
      // path takes every entry through MoveToOldPages().
      if (m_.reference()) {
        for (uint64_t j = 0; j < n; ++j) MoveToOldPages(*restore, j, c.pages + j);
      } else if (MovePlaceAndRestore(*restore, order, p, n, c)) {
        return 0;
      } else {
        placed = MoveAndPlace(*restore, c.pages, p, n);
        Slot* old_pages = restore->old_pages.data();
        constexpr uint64_t kMask = SparseArray<Slot>::kChunkEntries - 1;
        uint64_t handles_out = 0;
        for (uint64_t j = placed; j < n;) {
          Slot* slots = &tt_.pages.Mutable(c.pages + j);  // chunks never move
          const uint64_t len = std::min(n - j, kMask + 1 - ((c.pages + j) & kMask));
          for (uint64_t k = 0; k < len; ++k, ++j) {
            const Slot s = slots[k];
            if (!s.is_handle() || old_pages[j].is_page()) [[unlikely]] {
              MoveToOldPages(*restore, j, c.pages + j);
              continue;
            }
            old_pages[j] = s;
            // StoreSlot() of NULL over a handle: one handle slot fewer
            // unless it is handle 0.
            handles_out += s.handle() != 0;
            slots[k] = Slot();
          }
        }
        tt_.handle_slots -= static_cast<uint32_t>(handles_out);
      }
      restore->order = order;
      restore->restored_pages = 0;
      restore->first_page = c.pages;
      restore->alloced_pages += n;
    }
    c.remaining -= n;
    m_.SetSlots(tt_, c.pages + placed, p + static_cast<Pfn>(placed), n - placed, /*kernel_block=*/true);
    c.pages += n;
    return 0;
  }

 private:
  // The restore part of ttm_pool_page_allocated() and SetSlots() together
  // for the block's first slots, first, first + 1, ..., while each holds a
  // handle other than 0, its old_pages entry holds no page and its new
  // page (frame p + j) is the kernel's: the handle moves to old_pages, the
  // page into the slot, owned by it; the counts are taken once. Every page
  // of the block is the kernel's (PageAllocated()), so a stretch is tested
  // on its slots alone. Return: the slots so placed.
  uint64_t MoveAndPlace(RestoreState& restore, uint64_t first, Pfn p, uint64_t n) {
    constexpr uint64_t kSlotMask = SparseArray<Slot>::kChunkEntries - 1;
    constexpr uint64_t kPageMask = SparseArray<Page>::kChunkEntries - 1;
    Slot* old_pages = restore.old_pages.data();
    const uint32_t index = tt_.index;
    uint64_t j = 0;
    while (j < n) {
      const uint64_t i = first + j;
      const Pfn f = p + static_cast<Pfn>(j);
      Slot* slots = &tt_.pages.Mutable(i);  // chunks never move
      Page* frames = &m_.pages_.Mutable(f);
      const uint64_t len = std::min({n - j, kSlotMask + 1 - (i & kSlotMask), kPageMask + 1 - (f & kPageMask)});
      // A stretch of usual slots over kernel pages moves and is placed
      // whole.
      if (HandlesOverFreeEntries(slots, old_pages + j, len)) {
        CopySlots(old_pages + j, slots, len);
        PlaceRun(slots, frames, i, f, index, len);
        j += len;
        continue;
      }
      uint64_t k = 0;
      for (; k < len; ++k) {
        const Slot s = slots[k];
        Page& pg = frames[k];
        if (!s.is_handle() || s.handle() == 0 || old_pages[j + k].is_page() ||
            pg.owner != Owner::kKernel) [[unlikely]]
          break;
        old_pages[j + k] = s;
        slots[k] = Slot::Page(f + static_cast<Pfn>(k));
        pg.owner = Owner::kTt;
        pg.owner_id = index;
        pg.aux = static_cast<uint32_t>(i + k);
      }
      j += k;
      if (k < len) break;
    }
    // The handles left the slots, the pages the kernel: owned, and held,
    // by the slots.
    tt_.handle_slots -= static_cast<uint32_t>(j);
    m_.owner_count_[static_cast<int>(Owner::kKernel)] -= j;
    m_.owner_count_[static_cast<int>(Owner::kTt)] += j;
    tt_.owned_pages += static_cast<uint32_t>(j);
    tt_.resident_slots += static_cast<uint32_t>(j);
    return j;
  }

  // Models ttm_pool_page_allocated()'s moves to old_pages (V13) and the
  // ttm_pool_restore_tt() that follows it, for a usual block, in one pass;
  // differs: old_pages left NULL (each entry the kernel sets it clears
  // again), each slot and page touched once. The usual block: no fault
  // armed at the copy; its slots, inside one chunk, hold handles h, h + 1,
  // ... of live backup entries (inside one chunk of the store) over NULL
  // old_pages entries; its frames lie inside one chunk of struct pages; one
  // run of the content map covers its slots and, when it vouches for them,
  // each backed-up token is the content last written there. Then the moves to
  // old_pages, the placement and the copies touch each slot and page once
  // here: each handle would go to old_pages, be copied into the page just
  // placed in its slot and dropped, and the entry cleared, so old_pages
  // stays NULL, the page takes its slot and its content in one pass, and
  // the chunk ends fully restored (PoolAlloc() then finds the restore
  // invalid and does not call PoolRestoreTt()), with the counts, the
  // fault site's calls and the drops of MoveAndPlace() and
  // PoolRestoreTt()'s run copy. Anything else: false, nothing changed.
  bool MovePlaceAndRestore(RestoreState& restore, uint32_t order, Pfn p, uint64_t n, Cursor& c) {
    constexpr uint64_t kSlotMask = SparseArray<Slot>::kChunkEntries - 1;
    constexpr uint64_t kPageMask = SparseArray<Page>::kChunkEntries - 1;
    const uint64_t first = c.pages;
    if (m_.faults_.armed(FaultSite::kCopyPage) || (first & kSlotMask) + n > kSlotMask + 1 ||
        (p & kPageMask) + n > kPageMask + 1)
      return false;
    Slot* slots = tt_.pages.Find(first);
    Page* frames = m_.pages_.Find(p);
    if (slots == nullptr || frames == nullptr || !slots->is_handle() || slots->handle() == 0) return false;
    const Handle h = slots->handle();
    if (SlotsAscendingRun(slots, n, Slot::Handle(h)) != n || !AllNullSlots(restore.old_pages.data(), n))
      return false;
    BackupStore::Walker backup(m_.store_, tt_.backup);
    const Token* tokens = nullptr;
    if (backup.LiveRun(h, n, &tokens) != n) return false;
    TtmModel::ExpectedRuns expected(m_, tt_);
    uint64_t run_end = 0;
    const ContentTokens* want = expected.Run(first, &run_end);
    if (run_end < first + n || (want != nullptr && want->Mismatch(first, tokens, n) != 0)) return false;
    PlaceRestoredRun(slots, frames, first, p, tt_.index, tokens, n);
    // MoveAndPlace()'s counts: the handles left the slots, the pages the
    // kernel, owned and held by the slots.
    tt_.handle_slots -= static_cast<uint32_t>(n);
    m_.owner_count_[static_cast<int>(Owner::kKernel)] -= n;
    m_.owner_count_[static_cast<int>(Owner::kTt)] += n;
    tt_.owned_pages += static_cast<uint32_t>(n);
    tt_.resident_slots += static_cast<uint32_t>(n);
    restore.order = order;
    restore.restored_pages = n;
    restore.first_page = first;
    restore.alloced_pages += n;
    // PoolRestoreTt()'s: n copies, each taking its entry from the backup.
    m_.faults_.CallsUnarmed(FaultSite::kCopyPage, n, interruptible_);
    backup.DropRun(h, n);
    m_.counters_.restore.pages_from_backup += n;
    if (want != nullptr) m_.counters_.integrity.pages_verified += n;
    c.remaining -= n;
    c.pages += n;
    return true;
  }

  // The restore part of ttm_pool_page_allocated() for one slot: slot i's
  // content moves to old_pages[j] and the slot is cleared.
  void MoveToOldPages(RestoreState& restore, uint64_t j, uint64_t i) {
    // An old entry still owning a page is overwritten: that page leaks.
    const Slot previous = restore.old_pages[j];
    if (previous.is_page()) {
      const Page pg = m_.page(previous.pfn());
      if (OwnedByOldPage(pg, tt_, j))
        m_.SetOwner(previous.pfn(), Owner::kOrphan);
    }
    const Slot s = tt_.pages.Get(i);
    restore.old_pages[j] = s;
    if (s.is_page()) {
      const Page pg = m_.page(s.pfn());
      if (OwnedBySlot(pg, tt_, i))
        m_.SetOwner(s.pfn(), Owner::kRestoreOld, tt_.index, static_cast<uint32_t>(j));
    }
    m_.StoreSlot(tt_, i, Slot());
  }

  TtmModel& m_;
  TtObject& tt_;
  const bool interruptible_;  // the populate's OperationCtx
  bool progress_reported_ = false;  // 3.7.2 already reported by this call
};

// Models ttm_pool_alloc() (V13): fill the tt from the pools and the system,
// highest order first; when the tt is backed up, restore it on the way.
// Differs from the kernel only in cursor representation (slot indices).
int TtmModel::PoolAlloc(TtObject& tt, const OperationCtx& ctx) {
  PoolAllocation alloc(*this, tt, ctx);
  Cursor c{0, 0, tt.num_pages};
  uint64_t caching = 0;  // the caching cursor
  Caching page_caching = tt.caching;
  const bool zero = tt.page_flags & kTtFlagZeroAlloc;
  uint32_t order = std::min(config_.max_order, Fls(c.remaining));
  std::optional<Pfn> p;
  PoolType* pt = nullptr;
  int r = 0;

  if (tt.backed_up()) {
    if (!tt.restore) {
      if (!AllocRestore(tt, order)) return kENOMEM;
    } else if (RestoreValid(tt.restore.get())) {
      RestoreState& restore = *tt.restore;
      if (restore.alloced_pages > c.remaining)
        Crash(Invariant::kKernelCrash, &tt,
              "resume: num_pages - alloced_pages underflows (alloced_pages " +
                  std::to_string(restore.alloced_pages) + " > num_pages " +
                  std::to_string(c.remaining) + ")");
      c.remaining -= restore.alloced_pages;
      order = std::min(order, Fls(c.remaining));
      c.pages += restore.alloced_pages;
      // V13 bug (4.7): the dma cursor is not advanced.
      r = PoolRestoreTt(tt, ctx);
      if (r) return r;
      caching = restore.caching_divide;
    }
  }

  // Slots from here on are placed by this call: ttm_pool_page_allocated()
  // only ever writes at and past the cursor, so they keep their pages.
  const uint64_t placed_from = c.pages;
  // The blocks from the system placed since the caching cursor, handed to
  // PoolApplyCaching() so that it need not find them in the slots: kept
  // off the reference path and when there is no restore (a restore may
  // place a block otherwise).
  PlacedBlocks blocks;
  const PlacedBlocks* const hand_over = reference_ || tt.restore ? nullptr : &blocks;
  for (; c.remaining; order = std::min(order, Fls(c.remaining))) {
    page_caching = tt.caching;
    pt = PoolSelectType(tt.caching, order);
    p = pt ? PoolTypeTake(*pt) : std::nullopt;
    if (p) {
      ++counters_.pool.hits;
      r = PoolApplyCaching(tt, caching, c.pages, tt.caching, caching >= placed_from, hand_over);
      if (r) goto error_free_page;
      caching = c.pages;
      blocks.Clear();
      do {
        r = alloc.PageAllocated(order, *p, c);
        if (r) goto error_free_page;
        caching = c.pages;
        if (RestoreValid(tt.restore.get())) {
          r = PoolRestoreTt(tt, ctx, p);
          if (r) goto error_free_all;
        }
        if (c.remaining < (uint64_t{1} << order)) break;
        p = PoolTypeTake(*pt);
        if (p) ++counters_.pool.hits;
      } while (p);
    }

    page_caching = Caching::kCached;
    while (c.remaining >= (uint64_t{1} << order) && (p = PoolAllocPage(order, zero))) {
      const uint64_t at = c.pages;
      r = alloc.PageAllocated(order, *p, c);
      if (r) goto error_free_page;
      if (hand_over) blocks.Add(PlacedBlock{at, *p, c.pages - at});
      if (RestoreValid(tt.restore.get())) {
        r = PoolRestoreTt(tt, ctx, p);
        if (r) goto error_free_all;
      }
    }

    if (!p) {
      if (order) {
        --order;
        ++counters_.pool.order_fallbacks;
        continue;
      }
      r = kENOMEM;
      goto error_free_all;
    }
  }

  r = PoolApplyCaching(tt, caching, c.pages, tt.caching, caching >= placed_from, hand_over);
  if (r) goto error_free_all;

  if (tt.restore) FreeRestore(tt);
  if (tt.backed_up()) tt.page_flags &= ~(kTtFlagPrivBackedUp | kTtFlagSwapped);
  return 0;

error_free_page:
  PoolFreePage(page_caching, order, *p, &tt);

error_free_all:
  if (tt.backed_up()) {
    tt.restore->caching_divide = caching;
    return r;
  }
  {
    const uint64_t allocated = tt.num_pages - c.remaining;
    PoolFreeRange(true, tt, tt.caching, 0, caching);
    PoolFreeRange(true, tt, Caching::kCached, caching, allocated);
  }
  return r;
}

}  // namespace ttm
