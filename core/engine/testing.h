// Test-only helpers for the engine's scenario tests: a small machine, the
// model under an Engine, fault and event builders, and one-line pictures of
// a tt's slots so that a test can state a whole layout at once.
#ifndef TTM_CORE_ENGINE_TESTING_H_
#define TTM_CORE_ENGINE_TESTING_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/event.h"

namespace ttm {

// The engine's tests only (the :testing target is testonly): the modelled
// kernel state under an Engine.
class EngineTestPeer {
 public:
  static TtmModel& Model(Engine& engine) {
    // The model is not const inside the engine; the accessor merely is.
    TtmModel& m = const_cast<TtmModel&>(engine.model_for_inspection());
    m.NoteChange();  // the test may change it: no recorded verdict stands
    return m;
  }
  // The model to read only: a verdict a write recorded still stands.
  static const TtmModel& View(const Engine& engine) { return engine.model_for_inspection(); }
};

}  // namespace ttm

namespace ttm::testing {

// 4096 pages (16 MiB), all in ZONE_DMA32, swap for all of it, MAX_ORDER 10,
// pool limit 2048: big enough that nothing fails unless a test says so.
// The other fields of `c` are kept; its system size too, unless it is
// Config's default (a test wanting the default machine calls Resolve()).
inline MachineConfig SmallMachine(Config c = {}) {
  if (c.system_pages == Config{}.system_pages) c.system_pages = 4096;
  return Resolve(c);
}

// Every counter the report shows, field by field (Counters is all
// uint64_t), so that a failing EXPECT_EQ prints the ones that differ.
inline std::vector<uint64_t> CounterValues(const Counters& c) {
  static_assert(sizeof(Counters) % sizeof(uint64_t) == 0);
  std::vector<uint64_t> v(sizeof(Counters) / sizeof(uint64_t));
  std::memcpy(v.data(), &c, sizeof(Counters));
  return v;
}

// Adds every counter of c to sum: the totals of several runs.
inline void AddCounters(Counters& sum, const Counters& c) {
  std::vector<uint64_t> v = CounterValues(sum);
  const std::vector<uint64_t> w = CounterValues(c);
  for (size_t i = 0; i < v.size(); ++i) v[i] += w[i];
  static_assert(std::is_trivially_copyable_v<Counters>);
  std::memcpy(static_cast<void*>(&sum), v.data(), sizeof(Counters));
}

// How many pages each owner holds, in the order of enum Owner.
inline std::vector<uint64_t> OwnerCounts(const TtmModel& m) {
  std::vector<uint64_t> v;
  for (int o = 0; o < kNumOwners; ++o) v.push_back(m.owner_count(static_cast<Owner>(o)));
  return v;
}

inline AllocateEvent Allocate(uint64_t tt, uint64_t pages, Caching caching = Caching::kCached,
                              bool dma = false, bool zero_alloc = false) {
  return AllocateEvent{tt, pages, caching, zero_alloc, dma};
}

inline FailEvent Fail(FaultSite site, uint64_t after = 0, uint64_t count = 1) {
  FailEvent e;
  e.site = site;
  e.after = after;
  e.count = count;
  return e;
}

// Every system allocation of `min_order` or higher fails from here on: the
// way to force a populate into smaller blocks (`count` such allocations
// fail, when a test says how many).
inline FailEvent FailOrdersFrom(uint32_t min_order, uint64_t count = 1000000) {
  FailEvent e = Fail(FaultSite::kAllocPage, 0, count);
  e.min_order = min_order;
  return e;
}

// The copy into the page after the first `after` of a restore is
// interrupted (EINTR): the restore stops there, to be resumed.
inline FailEvent EintrAtCopy(uint64_t after) {
  FailEvent e = Fail(FaultSite::kCopyPage, after);
  e.error = kEINTR;
  return e;
}

inline SetEvent SetSwapPages(uint64_t pages) {
  SetEvent e;
  e.swap_pages = pages;
  return e;
}

inline SetEvent SetPoolLimit(uint64_t pages) {
  SetEvent e;
  e.pool_limit_pages = pages;
  return e;
}

inline TtObject& Tt(Engine& engine, uint64_t id) { return *EngineTestPeer::Model(engine).FindTt(id); }

// One word per slot: "P<k>" a page heading an order-k block (k = its
// page->private), "t" a tail page, "H<h>" a backup handle, "-" NULL, and
// "S" a page the slot does not own (stale).
inline std::string SlotLayout(const TtmModel& m, const TtObject& tt) {
  std::string out;
  for (uint64_t i = 0; i < tt.num_pages; ++i) {
    if (i) out += ' ';
    const Slot s = tt.pages.Get(i);
    if (s.is_null()) {
      out += '-';
    } else if (s.is_handle()) {
      out += 'H' + std::to_string(s.handle());
    } else {
      const Page p = m.page(s.pfn());
      if (!OwnedBySlot(p, tt, i))
        out += 'S';
      else if (p.tail)
        out += 't';
      else
        out += 'P' + std::to_string(p.private_order);
    }
  }
  return out;
}

inline std::string SlotLayout(Engine& engine, uint64_t id) {
  return SlotLayout(EngineTestPeer::Model(engine), Tt(engine, id));
}

// One letter per slot holding a page: 'b' write-back, 'w' write-combined,
// 'u' uncached; '.' for anything else.
inline std::string CachingLayout(const TtmModel& m, const TtObject& tt) {
  std::string out;
  for (uint64_t i = 0; i < tt.num_pages; ++i) {
    const Slot s = tt.pages.Get(i);
    if (!s.is_page()) {
      out += '.';
      continue;
    }
    switch (m.page(s.pfn()).caching) {
      case PageCaching::kWB: out += 'b'; break;
      case PageCaching::kWC: out += 'w'; break;
      case PageCaching::kUC: out += 'u'; break;
    }
  }
  return out;
}

inline std::string CachingLayout(Engine& engine, uint64_t id) {
  return CachingLayout(EngineTestPeer::Model(engine), Tt(engine, id));
}

// How many of the tt's slots hold a page that is dma-mapped.
inline uint64_t MappedSlots(const TtmModel& m, const TtObject& tt) {
  uint64_t n = 0;
  for (uint64_t i = 0; i < tt.num_pages; ++i) {
    const Slot s = tt.pages.Get(i);
    n += s.is_page() && m.page(s.pfn()).mapped;
  }
  return n;
}

// The invariants among the violations, each once, as readable names, so
// that a failing EXPECT_EQ prints something a person can read.
inline std::vector<std::string> Invariants(const std::vector<Violation>& vs) {
  std::set<int> seen;
  for (const Violation& v : vs) seen.insert(static_cast<int>(v.invariant));
  std::vector<std::string> out;
  for (int i : seen) out.emplace_back(InvariantName(static_cast<Invariant>(i)));
  return out;
}

inline std::vector<std::string> Names(std::initializer_list<Invariant> invs) {
  std::vector<Violation> vs;
  for (Invariant inv : invs) vs.push_back(Violation{inv, std::nullopt, ""});
  return Invariants(vs);
}

// One machine twice (the small one unless a test asks for another), one
// engine on its fast paths and one on its reference paths
// (EngineOptions::reference), for tests that run the same events on both
// and compare what they leave.
struct FastAndReference {
  explicit FastAndReference(Config c = {}, Semantics semantics = Semantics::kV13)
      : fast(SmallMachine(c), semantics), slow(SmallMachine(c), semantics, ReferenceOptions()) {}
  static EngineOptions ReferenceOptions() {
    EngineOptions o;
    o.reference = true;
    return o;
  }

  // Applies the event to both: their returns and the invariants they
  // violated must agree. Return: the fast engine's outcome.
  Outcome Apply(const EventBody& e) {
    Outcome a = fast.Apply(e);
    const Outcome b = slow.Apply(e);
    EXPECT_EQ(a.ret, b.ret);
    EXPECT_EQ(Invariants(a.violations), Invariants(b.violations));
    return a;
  }
  // The same change to both models, to set up an odd state by hand.
  template <typename F>
  void OnBoth(F f) {
    f(EngineTestPeer::Model(fast));
    f(EngineTestPeer::Model(slow));
  }

  Engine fast, slow;
};

// Both engines' machines agree: every struct page and whether the
// allocator holds it (stopping at the first that differs), the
// allocator's free lists, the owner counts, every counter and the pool
// lists.
inline void ExpectSameMachine(FastAndReference& p) {
  const TtmModel& a = EngineTestPeer::View(p.fast);
  const TtmModel& b = EngineTestPeer::View(p.slow);
  ASSERT_EQ(a.allocator().system_pages(), b.allocator().system_pages());
  for (Pfn f = 0; f < a.allocator().system_pages(); ++f) {
    ASSERT_TRUE(a.page(f) == b.page(f)) << "pfn " << f;
    ASSERT_EQ(a.allocator().IsAllocated(f), b.allocator().IsAllocated(f)) << "pfn " << f;
  }
  for (uint32_t k = 0; k <= a.allocator().max_order(); ++k)
    EXPECT_EQ(a.allocator().free_blocks(k), b.allocator().free_blocks(k)) << "order " << k;
  EXPECT_EQ(a.allocator().used_pages(), b.allocator().used_pages());
  EXPECT_EQ(OwnerCounts(a), OwnerCounts(b));
  EXPECT_EQ(CounterValues(a.counters()), CounterValues(b.counters()));
  EXPECT_EQ(a.allocated_pages(), b.allocated_pages());
  ASSERT_EQ(a.pool_types().size(), b.pool_types().size());
  for (size_t t = 0; t < a.pool_types().size(); ++t)
    EXPECT_EQ(a.pool_types()[t].pages, b.pool_types()[t].pages) << "pool type " << t;
}

// The pool type ttm_pool_select_type() would not tell us about: the global
// (non-DMA32) type, or the pool's own type, of a caching and order.
inline const PoolType* FindPoolType(const TtmModel& m, Caching caching, uint32_t order,
                                    bool per_pool = false) {
  for (const PoolType& pt : m.pool_types())
    if (pt.caching == caching && pt.order == order && !pt.dma32 && pt.per_pool == per_pool) return &pt;
  return nullptr;
}

// Entries on that pool type's list (0 when the type does not exist).
inline size_t PoolEntries(Engine& engine, Caching caching, uint32_t order, bool per_pool = false) {
  const PoolType* pt = FindPoolType(EngineTestPeer::Model(engine), caching, order, per_pool);
  return pt ? pt->pages.size() : 0;
}

// The page `offset` pages into the block last put on the list of the pool
// type FindPoolType() finds: a test failure, and a page no test reads,
// when there is none.
inline Page& PooledPage(TtmModel& m, Caching caching, uint32_t order, uint64_t offset = 0,
                        bool per_pool = false) {
  const PoolType* pt = FindPoolType(m, caching, order, per_pool);
  if (pt == nullptr || pt->pages.empty()) {
    ADD_FAILURE() << "no pooled block of order " << order;
    static Page nowhere;
    return nowhere;
  }
  return m.PageForTest(pt->pages.back() + static_cast<Pfn>(offset));
}

// Applies an event that must not report any violation; returns its ret.
// A macro so that a failure names the test's line and event.
#define TTM_APPLY_CLEAN(engine, ...)                                          \
  ([&]() {                                                                    \
    ::ttm::Outcome o_ = (engine).Apply(__VA_ARGS__);                          \
    EXPECT_EQ(::ttm::testing::Invariants(o_.violations), std::vector<std::string>{}) \
        << "while applying " #__VA_ARGS__;                                    \
    return o_.ret;                                                            \
  }())

// A replay in miniature under one semantics: applies events, collects
// every violation the operations and a full check after each event found.
class SemanticsRun {
 public:
  explicit SemanticsRun(Semantics semantics, Config config = {})
      : engine_(SmallMachine(config), semantics) {}

  Outcome Do(const EventBody& event) {
    Outcome out = engine_.Apply(event);
    for (const Violation& v : out.violations) seen_.push_back(v);
    for (const Violation& v : engine_.Check(CheckScope::kFull)) seen_.push_back(v);
    return out;
  }
  int64_t Populate(uint64_t tt, bool interruptible = true) { return Do(PopulateEvent{tt, interruptible}).ret; }
  int64_t Shrink(uint64_t tt, bool purge = false) { return Do(ShrinkEvent{tt, purge, false}).ret; }
  void Allocate(uint64_t tt, uint64_t pages, Caching caching = Caching::kCached, bool dma = false) {
    Do(::ttm::testing::Allocate(tt, pages, caching, dma));
  }
  void Write(uint64_t tt) { Do(WriteEvent{tt, std::nullopt, std::nullopt}); }
  void Free(uint64_t tt) { Do(FreeEvent{tt}); }
  void Unpopulate(uint64_t tt) { Do(UnpopulateEvent{tt}); }
  void Fail(FaultSite site, uint64_t after = 0, uint64_t count = 1,
            std::optional<Errno> error = std::nullopt) {
    FailEvent e = ::ttm::testing::Fail(site, after, count);
    e.error = error;
    Do(e);
  }
  void Eintr(uint64_t after) { Fail(FaultSite::kCopyPage, after, 1, kEINTR); }

  // The violated invariants so far, each once, and forgets them.
  std::vector<std::string> TakeInvariants() {
    std::vector<std::string> out = Invariants(seen_);
    seen_.clear();
    return out;
  }
  LeakReport Teardown() { return engine_.Teardown(); }

  Engine& engine() { return engine_; }
  TtmModel& model() { return EngineTestPeer::Model(engine_); }
  TtObject& tt(uint64_t id) { return Tt(engine_, id); }
  std::string Layout(uint64_t id) { return SlotLayout(engine_, id); }
  TtStatus Status(uint64_t id) { return *engine_.Inspect(id); }
  GlobalStatus Global() { return engine_.Global(); }

 private:
  Engine engine_;
  std::vector<Violation> seen_;
};

inline const std::vector<std::string> kNone{};

}  // namespace ttm::testing

#endif  // TTM_CORE_ENGINE_TESTING_H_
