// Test-only helpers for the engine's scenario tests: a small machine, the
// model under an Engine, fault and event builders, and one-line pictures of
// a tt's slots so that a test can state a whole layout at once.
#ifndef TTM_CORE_ENGINE_TESTING_H_
#define TTM_CORE_ENGINE_TESTING_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
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
inline MachineConfig SmallMachine(Config c = {}) {
  if (c.system_pages == Config{}.system_pages) c.system_pages = 4096;
  return Resolve(c);
}

// The same small machine twice, one engine on its fast paths and one on
// its reference paths (EngineOptions::reference), for tests that run the
// same events on both and compare what they leave.
struct FastAndReference {
  FastAndReference() : fast(SmallMachine()), slow(SmallMachine(), Semantics::kV13, ReferenceOptions()) {}
  static EngineOptions ReferenceOptions() {
    EngineOptions o;
    o.reference = true;
    return o;
  }
  Engine fast, slow;
};

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
// way to force a populate into smaller blocks.
inline FailEvent FailOrdersFrom(uint32_t min_order) {
  FailEvent e = Fail(FaultSite::kAllocPage, 0, 1000000);
  e.min_order = min_order;
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
