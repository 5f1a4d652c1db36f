#include "core/engine/checker.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/engine/page_words.h"
#include "core/engine/populated_clean.h"

namespace ttm {
namespace {

std::string S(uint64_t v) { return std::to_string(v); }

// Checker, no kernel counterpart: collects at most one finding per
// (invariant, tt), dropping the rest. The set of keys seen is made with
// the first finding: the checker runs after every event and nearly always
// finds nothing.
class Findings {
 public:
  explicit Findings(std::vector<Violation>& out) : out_(out) {}

  void Add(Invariant inv, const TtObject* tt, const std::string& what) {
    const auto key = std::make_pair(static_cast<int>(inv), tt ? tt->id : ~uint64_t{0});
    if (!seen_) seen_.emplace();
    if (!seen_->insert(key).second) return;
    Violation v{inv, std::nullopt, what};
    if (tt) v.tt = tt->id;
    out_.push_back(std::move(v));
  }

 private:
  std::vector<Violation>& out_;
  std::optional<std::set<std::pair<int, uint64_t>>> seen_;
};

// Names a slot ("slot 5") or an old_pages entry ("old_pages[5]"); the string
// is built only when a finding needs it (the checker runs after every event).
struct Where {
  const char* kind;  // "slot" or "old_pages"
  uint64_t index;
  std::string str() const {
    return kind[0] == 's' ? "slot " + S(index) : std::string(kind) + "[" + S(index) + "]";
  }
};

std::string Describe(Slot s) {
  if (s.is_null()) return "NULL";
  if (s.is_handle()) return "handle " + S(s.handle());
  return "pfn " + S(s.pfn());
}

// Slots [first, end) must hold whole blocks of pages owned by their slots,
// head first (3.2.1 and the new pages of 3.2.4). Calls on_page(i, page) for
// every page found.
template <typename F>
void CheckTiling(const TtmModel& m, const TtObject& tt, uint64_t first, uint64_t end,
                 Invariant inv, Findings& f, F on_page) {
  uint64_t i = first;
  while (i < end) {
    const Slot s = tt.pages.Get(i);
    if (!s.is_page()) {
      f.Add(inv, &tt, "slot " + S(i) + " holds " + Describe(s) + ", not a page");
      ++i;
      continue;
    }
    const Page head = m.page(s.pfn());
    if (!OwnedBySlot(head, tt, i)) {
      f.Add(Invariant::kOwnership, &tt, "slot " + S(i) + " refers to a page it does not own");
      ++i;
      continue;
    }
    if (head.tail) f.Add(inv, &tt, "slot " + S(i) + " starts a block with a tail page");
    on_page(i, head);
    const uint64_t n = uint64_t{1} << head.private_order;
    // The usual block: its tail slots hold the block's next frames, in
    // order. Then the pages are read a chunk at a time, with the same
    // findings in the same order as the slot-by-slot walk below.
    const uint64_t tails = std::min(n, end - i) - 1;
    bool in_order = tails > 0 && !m.reference();
    tt.pages.ReadRange(i + 1, tails, [&](uint64_t k, const Slot& t) {
      in_order = in_order && t == Slot::Page(s.pfn() + static_cast<Pfn>(k - i));
    });
    if (in_order) {
      m.ForEachPage(s.pfn() + 1, tails, [&](uint64_t pfn, const Page& tail) {
        const uint64_t k = i + (pfn - s.pfn());
        if (!OwnedBySlot(tail, tt, k) || !tail.tail)
          f.Add(inv, &tt, "slot " + S(k) + " breaks the order-" + S(head.private_order) +
                              " block at slot " + S(i));
        else
          on_page(k, tail);
      });
    }
    for (uint64_t j = 1; !in_order && j < n && i + j < end; ++j) {
      const Slot t = tt.pages.Get(i + j);
      const Page tail = t.is_page() ? m.page(t.pfn()) : Page{};
      if (!(t == Slot::Page(s.pfn() + static_cast<Pfn>(j))) || !OwnedBySlot(tail, tt, i + j) ||
          !tail.tail) {
        f.Add(inv, &tt, "slot " + S(i + j) + " breaks the order-" + S(head.private_order) +
                            " block at slot " + S(i));
        continue;
      }
      on_page(i + j, tail);
    }
    if (i + n > end)
      f.Add(inv, &tt, "the order-" + S(head.private_order) + " block at slot " + S(i) +
                          " runs past slot " + S(end));
    i += n;
  }
}

void CheckDma(const TtmModel& m, const TtObject& tt, uint64_t i, const Page& p, Findings& f) {
  if (!tt.has_dma) return;
  const Slot s = tt.pages.Get(i);
  if (!m.config().use_dma_alloc && !p.mapped)
    f.Add(Invariant::kDmaMapping, &tt, "populated slot " + S(i) + " is not dma-mapped");
  if (tt.dma_address.Get(i) != BusAddress(s.pfn()))
    f.Add(Invariant::kDmaAddress, &tt,
          "dma_address[" + S(i) + "] is not the bus address of the page in slot " + S(i));
}

// A populated tt: its verdict as the write that just walked it recorded
// (TtmModel::PopulatedCleanRecorded()), or else PopulatedClean(); when
// neither says clean, the walk that says what and where.
void CheckPopulated(const TtmModel& m, const TtObject& tt, Findings& f) {
  if (!m.reference() &&
      (m.PopulatedCleanRecorded(tt) || PopulatedClean(m, tt, [](uint64_t, Pfn, uint64_t) {})))
    return;
  const PageCaching want = ToPageCaching(tt.caching);
  CheckTiling(m, tt, 0, tt.num_pages, Invariant::kPopulatedLayout, f,
              [&](uint64_t i, const Page& p) {
                if (p.caching != want) {
                  // 4.6 is the one known way to get here: report it as 3.4.4
                  // only, anything else as 3.4.2.
                  const bool after_backup = tt.wb_by_backup && p.caching == PageCaching::kWB;
                  f.Add(after_backup ? Invariant::kWbAfterFailedBackup : Invariant::kTtCaching, &tt,
                        "slot " + S(i) + " of a " + std::string(CachingName(tt.caching)) +
                            " tt is not " + std::string(CachingName(tt.caching)) +
                            (after_backup ? " (switched to write-back by a backup that failed)" : ""));
                }
                CheckDma(m, tt, i, p, f);
              });
  if (m.store().live_pages(tt.backup))
    f.Add(Invariant::kHandleReferences, &tt,
          S(m.store().live_pages(tt.backup)) + " backup page(s) held for a populated tt");
}

// The v6.15 reading of 3.2.4 and 3.4.3: committed pages [0, alloced_pages)
// tile into blocks and sit at the snapshot's cursor; the pending chunk's
// consumed slots hold the handle-0 marker; a staged block exists (owned by
// the restore state) exactly while the restore is valid. Pages before the
// snapshot's caching divide have the tt caching; pages after it may have it
// already (v6.15 converts before it moves the divide, 5.3), so only WB or
// the tt caching is accepted there. Returns the first slot not committed.
uint64_t CheckMergedRestore(const TtmModel& m, const TtObject& tt, const RestoreState& r,
                            Findings& f) {
  const uint64_t chunk = uint64_t{1} << r.order;
  const bool valid = r.restored_pages < chunk;
  const AllocState& snap = r.snapshot_alloc;
  if (r.alloced_pages > tt.num_pages)
    f.Add(Invariant::kRestoreState, &tt,
          "alloced_pages " + S(r.alloced_pages) + " exceeds num_pages " + S(tt.num_pages));
  if (snap.pages != r.alloced_pages || snap.remaining_pages != tt.num_pages - std::min(snap.pages, tt.num_pages))
    f.Add(Invariant::kRestoreState, &tt,
          "snapshot_alloc is at slot " + S(snap.pages) + " with " + S(snap.remaining_pages) +
              " page(s) remaining, but alloced_pages is " + S(r.alloced_pages));
  if (snap.caching_divide > snap.pages)
    f.Add(Invariant::kRestoreState, &tt, "the snapshot's caching divide lies beyond its slot cursor");
  if (valid) {
    for (uint64_t j = 0; j < chunk; ++j) {
      const Page p = m.page(r.alloced_page + static_cast<Pfn>(j));
      if (!OwnedByStaged(p, tt, j)) {
        f.Add(Invariant::kOwnership, &tt, "the staged block's page " + S(j) + " is not owned by the restore");
        break;
      }
    }
    for (uint64_t j = 0; j < r.restored_pages && r.alloced_pages + j < tt.num_pages; ++j) {
      const Slot s = tt.pages.Get(r.alloced_pages + j);
      if (!(s.is_handle() && s.handle() == 0))
        f.Add(Invariant::kRestoreState, &tt,
              "slot " + S(r.alloced_pages + j) + " was restored but holds " + Describe(s) +
                  ", not the handle-0 marker");
    }
  }
  const uint64_t end = std::min(r.alloced_pages, tt.num_pages);
  const PageCaching want = ToPageCaching(tt.caching);
  CheckTiling(m, tt, 0, end, Invariant::kRestoreState, f, [&](uint64_t i, const Page& p) {
    const bool ok = i < snap.caching_divide ? p.caching == want
                                            : p.caching == want || p.caching == PageCaching::kWB;
    if (!ok)
      f.Add(Invariant::kRestoreCaching, &tt,
            "new page in slot " + S(i) + " has neither the tt caching nor write-back (caching_divide " +
                S(snap.caching_divide) + ")");
  });
  return r.alloced_pages;
}

// The verdict of CheckBackedUp() for a tt without a restore state when it
// finds nothing: true only when no handle follows a retained page, every
// handle but 0 is its slot + 1, every retained page is owned by its slot,
// write-back and (with a dma array) unmapped, and the live backup pages
// are exactly the handles' indices. That last one without a lookup per
// handle: the handles are distinct (each is its slot + 1), every live
// index's slot holds its handle, and there are as many live pages as
// handles, so the two sets are one. As PopulatedClean() (populated_clean.h):
// when it says false, CheckBackedUp() walks again and says what and where.
bool BackedUpClean(const TtmModel& m, const TtObject& tt) {
  if (tt.restore) return false;
  const PageMatcher retained(Owner::kTt, tt.index, PageCaching::kWB, std::nullopt,
                             tt.has_dma ? std::optional<bool>(false) : std::nullopt);
  bool ok = true, seen_page = false;
  uint64_t handles = 0;
  tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
    if (s.is_handle()) {
      const uint64_t h = s.handle();
      ok &= (!seen_page) & ((h == 0) | (h == i + 1));
      handles += h != 0;
      return;
    }
    seen_page = true;
    ok &= retained.Matches(m.page(s.pfn()), i);
  });
  if (!ok || handles != m.store().live_pages(tt.backup)) return false;
  // The slots of one live word of the store lie in one chunk of slots.
  constexpr uint64_t kChunk = SparseArray<Slot>::kChunkEntries;
  const Slot* chunk = nullptr;
  uint64_t chunk_first = 0;
  m.store().ForEachLive(tt.backup, [&](uint64_t idx, Token) {
    if (!ok || idx >= tt.num_pages) {
      ok = false;
      return;
    }
    if (chunk == nullptr || idx - chunk_first >= kChunk) {
      chunk_first = idx & ~(kChunk - 1);
      chunk = tt.pages.Find(chunk_first);
    }
    ok = chunk != nullptr && chunk[idx - chunk_first] == Slot::Handle(idx + 1);
  });
  return ok;
}

// What the single-copy check (3.6.2) asks of each copy held, for a walk
// whose positions ascend: a copy either holds fresh content (zero or
// poison, which no written content equals) or exactly what was last
// written to its own position; a copy of the latter kind is a match. The
// content map is looked up when a position leaves the last run of equal
// generations, not per position.
class HeldInPlace {
 public:
  explicit HeldInPlace(const TtObject& tt) : tt_(tt) {}
  // The copy at `pos` holds `token`: false when that breaks the rule.
  bool Hold(uint64_t pos, Token token) {
    if (pos < run_.first || pos >= run_.end) [[unlikely]] {
      run_ = tt_.expected.RunAt(pos);
      tokens_ = ContentTokens(tt_.uid, run_.gen);
    }
    // ~0 (no 32-bit token) where nothing vouches for the position.
    const uint64_t want = run_.gen == 0 ? ~uint64_t{0} : tokens_.At(pos);
    matches_ += token == want;
    return (token == want) | (token == kZeroToken) | (token == kPoisonToken);
  }
  // Hold(first + j, tokens[j]) for every j < n, in tight loops: a piece
  // of [first, first + n) per run of the content map, tokens made for
  // consecutive positions. A vouched position must hold exactly its
  // content here (fresh content there would be a match short, so the
  // verdict would be "not clean" anyway).
  bool HoldRun(uint64_t first, const Token* tokens, uint64_t n) {
    bool ok = true;
    for (uint64_t at = first, end = first + n; at < end;) {
      if (at < run_.first || at >= run_.end) {
        run_ = tt_.expected.RunAt(at);
        tokens_ = ContentTokens(tt_.uid, run_.gen);
      }
      const uint64_t stop = std::min(end, run_.end);
      const Token* t = tokens + (at - first);
      uint32_t bad = 0;
      if (run_.gen == 0) {
        for (uint64_t j = 0; j < stop - at; ++j) bad |= (t[j] != kZeroToken) & (t[j] != kPoisonToken);
      } else {
        bad = tokens_.Mismatch(at, t, stop - at);
        matches_ += stop - at;
      }
      ok &= bad == 0;
      at = stop;
    }
    return ok;
  }
  uint64_t matches() const { return matches_; }

 private:
  const TtObject& tt_;
  ContentMap::Run run_;  // empty: the first Hold() looks up
  ContentTokens tokens_{0, 0};
  uint64_t matches_ = 0;
};

// The verdicts of CheckBackedUp() and of the single-copy check (3.6.2)
// when both find nothing, in one pass over the slots and one over the
// store, for the layout a backup leaves: no restore state, slots [0, k)
// holding the handles 1 .. k, slots [k, N) retained pages (owned by their
// slots, write-back, and unmapped with a dma array), and the store
// holding exactly k live pages, none at index k or beyond (so they are
// [0, k), one per handle). Then every copy of the tt's content is at its
// own position, and the content is held once when each copy passes
// HeldInPlace and every vouched slot is matched. Any other layout, or any
// doubt, is "not clean": the two checks then walk as they always did,
// and the findings and their order are theirs alone.
bool BackedUpAndHeldInPlace(const TtmModel& m, const TtObject& tt) {
  if (tt.restore) return false;
  const bool content = !tt.expected.empty();  // else 3.6.2 asks nothing
  // The handle prefix, a chunk of slots at a time.
  uint64_t k = 0;
  bool prefix = true;
  tt.pages.ReadSpans(0, tt.num_pages, [&](uint64_t first, const Slot* s, uint64_t len) {
    if (!prefix || s == nullptr) {
      prefix = false;
      return;
    }
    if (SlotsAscendFrom(s, len, Slot::Handle(first + 1))) {
      k = first + len;
      return;
    }
    for (uint64_t j = 0; j < len && s[j] == Slot::Handle(first + j + 1); ++j) k = first + j + 1;
    prefix = false;
  });
  const PageMatcher retained(Owner::kTt, tt.index, PageCaching::kWB, std::nullopt,
                             tt.has_dma ? std::optional<bool>(false) : std::nullopt);
  HeldInPlace held(tt);
  bool ok = true;
  tt.pages.ReadRange(k, tt.num_pages - k, [&](uint64_t i, const Slot& s) {
    if (!ok || !s.is_page()) {
      ok = false;
      return;
    }
    const Page p = m.page(s.pfn());
    ok = retained.Matches(p, i) && (!content || held.Hold(i, p.token));
  });
  if (!ok || m.store().live_pages(tt.backup) != k) return false;
  // The live indices must be exactly [0, k): live words from the first,
  // each all ones below its top live bit, all full but the last. Their
  // tokens are compared where the store keeps them, a word at a time (a
  // word whose tokens were never stored is left to the walks).
  uint64_t live_end = 0;  // the live indices seen so far are [0, live_end)
  m.store().ForEachLiveWord(tt.backup, [&](uint64_t first, uint64_t word, const Token* tokens) {
    const uint64_t n = static_cast<uint64_t>(std::popcount(word));
    ok = ok && first == live_end && (word & (word + 1)) == 0 &&
         (!content || (tokens != nullptr && held.HoldRun(first, tokens, n)));
    live_end = first + n;
  });
  if (!ok || live_end != k) return false;
  if (!content) return true;
  uint64_t vouched = 0;
  tt.expected.ForEachVouched(tt.num_pages,
                             [&](uint64_t first, uint64_t end, uint64_t) { vouched += end - first; });
  return held.matches() == vouched;
}

// Backed up: [start, N) holds handles (value i + 1, live) and retained
// pages (owned, WB, unmapped); without a restore the handles form a prefix.
void CheckBackedUp(const TtmModel& m, const TtObject& tt, Findings& f) {
  if (!m.reference() && BackedUpClean(m, tt)) return;
  const RestoreState* r = tt.restore.get();
  // Live handles referenced, one bit each (a live handle is at most
  // num_pages): duplicates and the count are read at the end. A bitmap,
  // not a list of handles: this runs after every event on every touched
  // backed-up tt, and a list cost 8-16 bytes per backed-up page at peak.
  SparseArray<uint64_t> handle_bits((tt.num_pages + 64) / 64);
  uint64_t distinct_handles = 0;
  std::optional<uint64_t> lowest_duplicate;
  auto note_live = [&](uint64_t handle) {
    uint64_t& word = handle_bits.Mutable(handle / 64);
    const uint64_t bit = uint64_t{1} << (handle % 64);
    if (word & bit) {
      if (!lowest_duplicate || handle < *lowest_duplicate) lowest_duplicate = handle;
      return;
    }
    word |= bit;
    ++distinct_handles;
  };
  auto note_handle = [&](uint64_t handle, uint64_t want, const Where& where) {
    if (handle == 0) return;  // 4.11: the kernel skips handle 0
    if (handle != want)
      f.Add(Invariant::kHandleValue, &tt, where.str() + " holds handle " + S(handle) + ", expected " + S(want));
    if (!m.store().IsLive(tt.backup, handle - 1))
      f.Add(Invariant::kHandleReferences, &tt, where.str() + " holds handle " + S(handle) + ", which is not live");
    else
      note_live(handle);
  };
  auto check_retained = [&](const Page& p, const Where& where) {
    if (p.caching != PageCaching::kWB)
      f.Add(Invariant::kBackedUpLayout, &tt, where.str() + " holds a retained page that is not write-back");
    if (tt.has_dma && p.mapped)
      f.Add(Invariant::kDmaUnmapped, &tt, where.str() + " holds a retained page that is still dma-mapped");
  };

  uint64_t start = 0;
  if (r && m.merged()) {
    start = CheckMergedRestore(m, tt, *r, f);
  } else if (r) {
    const uint64_t chunk = uint64_t{1} << r->order;
    start = r->alloced_pages;
    if (r->alloced_pages > tt.num_pages)
      f.Add(Invariant::kRestoreState, &tt,
            "alloced_pages " + S(r->alloced_pages) + " exceeds num_pages " + S(tt.num_pages));
    if (r->restored_pages > chunk)
      f.Add(Invariant::kRestoreState, &tt, "restored_pages exceeds the chunk size");
    if (r->caching_divide > r->alloced_pages)
      f.Add(Invariant::kRestoreState, &tt, "caching_divide lies beyond alloced_pages");
    const bool valid = r->restored_pages < chunk;
    if (valid && r->alloced_pages > 0 && r->first_page + chunk != r->alloced_pages)
      f.Add(Invariant::kRestoreState, &tt,
            "the pending chunk starts at slot " + S(r->first_page) + " but alloced_pages is " +
                S(r->alloced_pages));
    for (uint64_t j = 0; j < r->old_pages.size(); ++j) {
      const Slot e = r->old_pages[j];
      if (e.is_null()) continue;
      if (j < r->restored_pages || !valid || j >= chunk) {
        if (!(e.is_handle() && e.handle() == 0))
          f.Add(Invariant::kRestoreState, &tt, "old_pages[" + S(j) + "] is handled but not NULL");
        continue;
      }
      const Where where{"old_pages", j};
      if (e.is_handle()) {
        note_handle(e.handle(), r->first_page + j + 1, where);
      } else {
        const Page p = m.page(e.pfn());
        if (!OwnedByOldPage(p, tt, j))
          f.Add(Invariant::kOwnership, &tt, where.str() + " refers to a page it does not own");
        check_retained(p, where);
      }
    }
    const uint64_t end = std::min(r->alloced_pages, tt.num_pages);
    const PageCaching want = ToPageCaching(tt.caching);
    CheckTiling(m, tt, 0, end, Invariant::kRestoreState, f, [&](uint64_t i, const Page& p) {
      const PageCaching expect = i < r->caching_divide ? want : PageCaching::kWB;
      if (p.caching != expect)
        f.Add(Invariant::kRestoreCaching, &tt,
              "new page in slot " + S(i) + " is not " +
                  (expect == PageCaching::kWB ? std::string("write-back") : std::string(CachingName(tt.caching))) +
                  " (caching_divide " + S(r->caching_divide) + ")");
    });
  }

  bool seen_page = false;
  tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
    if (i < start) {
      // New pages are checked by the tiling above; a handle here (4.9's
      // restart counts slots twice) is still a reference to a live page.
      if (s.is_handle()) note_handle(s.handle(), i + 1, Where{"slot", i});
      return;
    }
    const Where where{"slot", i};
    if (s.is_handle()) {
      if (seen_page && !r)
        f.Add(Invariant::kBackedUpLayout, &tt, "handle in slot " + S(i) + " after a retained page");
      note_handle(s.handle(), i + 1, where);
      return;
    }
    seen_page = true;
    const Page p = m.page(s.pfn());
    if (!OwnedBySlot(p, tt, i)) {
      f.Add(Invariant::kOwnership, &tt, where.str() + " refers to a page it does not own");
      return;
    }
    check_retained(p, where);
  });

  if (lowest_duplicate)
    f.Add(Invariant::kHandleReferences, &tt, "handle " + S(*lowest_duplicate) + " is referenced twice");
  const uint64_t live = m.store().live_pages(tt.backup);
  if (live != distinct_handles)
    f.Add(Invariant::kHandleReferences, &tt,
          S(live) + " backup page(s) held but " + S(distinct_handles) + " referenced by handles");
}

void CheckTt(const TtmModel& m, const TtObject& tt, Findings& f) {
  const bool populated = tt.populated(), backed_up = tt.backed_up();
  if (populated && backed_up) f.Add(Invariant::kFlags, &tt, "both PRIV_POPULATED and PRIV_BACKED_UP");
  if (tt.restore && !backed_up) f.Add(Invariant::kFlags, &tt, "a restore state without PRIV_BACKED_UP");
  // V13 sets and clears SWAPPED with PRIV_BACKED_UP; v6.15 never touches it.
  if (!m.merged() && ((tt.page_flags & kTtFlagSwapped) != 0) != backed_up)
    f.Add(Invariant::kFlags, &tt, "SWAPPED and PRIV_BACKED_UP disagree");

  if (backed_up) {
    if (!m.reference() && BackedUpAndHeldInPlace(m, tt)) return;
    CheckBackedUp(m, tt, f);
    if (const auto bad = m.FirstContentNotHeldOnce(tt))
      f.Add(Invariant::kSingleCopy, &tt,
            "the content last written to slot " + S(bad->first) + " exists " + S(bad->second) +
                " times among the tt's pages and backup copies, not once");
  } else if (populated) {
    CheckPopulated(m, tt, f);
  } else {
    if (tt.owned_pages)
      f.Add(Invariant::kUnpopulatedOwnsNothing, &tt, "an unpopulated tt owns " + S(tt.owned_pages) + " page(s)");
    if (m.store().live_pages(tt.backup))
      f.Add(Invariant::kUnpopulatedOwnsNothing, &tt,
            "an unpopulated tt has " + S(m.store().live_pages(tt.backup)) + " backup page(s)");
  }
}

}  // namespace

std::vector<Violation> CheckInvariants(const TtmModel& m, const std::vector<const TtObject*>& tts,
                                       CheckScope scope) {
  std::vector<Violation> out;
  Findings f(out);

  // The pages on the pool lists: counted as blocks come and go, or (the
  // reference) list by list.
  uint64_t pooled = m.listed_pages();
  if (m.reference()) {
    pooled = 0;
    for (const PoolType& pt : m.pool_types()) pooled += pt.pages.size() << pt.order;
  }
  if (pooled != m.allocated_pages() || m.owner_count(Owner::kPool) != pooled)
    f.Add(Invariant::kPoolAccounting, nullptr,
          "allocated_pages " + S(m.allocated_pages()) + " but " + S(pooled) + " pages on the pool lists");

  const uint64_t used = m.allocator().used_pages();
  const uint64_t referenced = m.owner_count(Owner::kPool) + m.owner_count(Owner::kTt) +
                              m.owner_count(Owner::kRestoreOld) + m.owner_count(Owner::kRestoreState) +
                              m.owner_count(Owner::kRestoreStaged);
  const uint64_t unreferenced = m.owner_count(Owner::kOrphan) + m.owner_count(Owner::kKernel);
  if (used != referenced + unreferenced)
    f.Add(Invariant::kConservation, nullptr,
          S(used) + " pages taken from the system but " + S(referenced + unreferenced) + " accounted for");
  else if (unreferenced)
    f.Add(Invariant::kConservation, nullptr,
          S(unreferenced) + " page(s) taken from the system are referenced by nothing (leaked)");

  if (scope == CheckScope::kFull) {
    for (size_t t = 0; t < m.pool_types().size(); ++t) {
      const PoolType& pt = m.pool_types()[t];
      for (Pfn p : pt.pages) {
        const Page head = m.page(p);
        if (head.owner != Owner::kPool || head.owner_id != t)
          f.Add(Invariant::kOwnership, nullptr, "pool entry pfn " + S(p) + " is owned elsewhere");
        if (head.private_order != pt.order || head.tail)
          f.Add(Invariant::kPoolAccounting, nullptr,
                "pool entry pfn " + S(p) + " is not a whole order-" + S(pt.order) + " block");
        if (head.caching != ToPageCaching(pt.caching)) {
          // Spec 3.1.2 requires a pool entry to have the type's caching as
          // well as its order; 3.4.1 says the same from the caching side.
          const std::string what = "pool entry pfn " + S(p) + " does not have the pool's caching";
          f.Add(Invariant::kPoolAccounting, nullptr, what);
          f.Add(Invariant::kPoolCaching, nullptr, what);
        }
      }
    }
  }

  for (const TtObject* tt : tts) CheckTt(m, *tt, f);
  return out;
}

}  // namespace ttm
