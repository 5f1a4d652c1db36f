// A deliberately naive reference model of what the engine promises, and a
// randomized comparison of the two.
//
// The reference knows nothing of orders, pools, DMA or the restore state
// machine: an object is unpopulated, populated or backed up, and each of its
// slots either holds known content or nothing vouched for. Its content
// tokens are computed independently (its own object and write counters,
// the public ContentToken()). After every operation the engine must agree
// with it on the state, on every vouched page's content, on backup return
// values, and on page conservation; and the checker must find nothing.
//
// Which faults are allowed, and why (docs/bugs.md): the
// sequences avoid every known V13 bug trigger, so that any violation is an
// engine bug.
// - copy_page EINTR: an interrupted restore resumes correctly (4.7, 4.8),
//   except for the dma cursor (4.7), so it is armed only for objects
//   without a DMA address array, and disarmed after that populate.
// - backup_page: a partial backup is correct (4.5); only a zero-progress
//   failure has side effects (4.6), so the fault is armed just before a
//   shrink with after >= 1 and disarmed after it, and the store always has
//   room for a page when a non-purge shrink runs (else it is -EBUSY, no
//   side effect).
// - No alloc_page, dma_map, set_caching or alloc_restore faults: a
//   non-copy failure during a restore restarts it from slot 0 (4.9), and a
//   first call that fails entirely leaves a "valid" fresh struct (4.12).
//   For the same reason a backed-up object is populated only when the
//   system has room for all of it, so a restore never runs out of memory;
//   a first population may fail with ENOMEM (that path is correct).
// - Only populated objects are shrunk: ttm_bo_shrink_suitable() never
//   offers anything else, and an unpopulated WC object would make the
//   whole-array WB conversion touch stale slots (4.13).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/prng.h"
#include "core/engine/content_map.h"
#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {


// The reference: state and vouched content per object.
struct RefObject {
  uint64_t uid = 0;
  uint64_t num_pages = 0;
  bool dma = false;
  TtState state = TtState::kUnpopulated;
  std::map<uint64_t, uint64_t> content;  // slot -> token; absent: nothing vouched
};

class ReferenceModel {
 public:
  RefObject& Allocate(uint64_t id, uint64_t pages, bool dma) {
    RefObject& o = objects_[id];
    o = RefObject{};
    o.uid = next_uid_++;
    o.num_pages = pages;
    o.dma = dma;
    return o;
  }
  void Write(uint64_t id, uint64_t first, uint64_t count) {
    RefObject& o = objects_.at(id);
    if (o.state != TtState::kPopulated || count == 0) return;
    const uint64_t gen = ++generation_;
    for (uint64_t i = first; i < first + count; ++i) o.content[i] = ContentToken(o.uid, i, gen);
  }
  std::map<uint64_t, RefObject>& objects() { return objects_; }

 private:
  std::map<uint64_t, RefObject> objects_;
  uint64_t next_uid_ = 1;
  uint64_t generation_ = 0;
};

class Comparison {
 public:
  Comparison(uint64_t seed, const Config& config)
      : rng_(seed), engine_(Resolve(config)), swap_pages_(engine_.config().swap_pages) {}

  // Runs `ops` random steps and returns the engine's counters, so that the
  // caller can check that the sequences reached the interesting paths.
  Counters Run(int ops) {
    for (int step = 0; step < ops && !::testing::Test::HasFailure(); ++step) {
      Step();
      Compare(step);
    }
    const Counters counters = engine_.counters();
    for (auto& [id, o] : ref_.objects()) Apply(FreeEvent{id});
    ref_.objects().clear();
    EXPECT_EQ(engine_.Global().backup_pages, 0u);
    LeakReport leaks = engine_.Teardown();
    EXPECT_TRUE(leaks.ok());
    EXPECT_TRUE(leaks.violations.empty());
    return counters;
  }

 private:
  Outcome Apply(const EventBody& e) {
    Outcome out = engine_.Apply(e);
    for (const Violation& v : out.violations)
      ADD_FAILURE() << "op violation " << InvariantName(v.invariant) << ": " << v.what;
    return out;
  }

  uint64_t FreePages() const {
    return engine_.config().system_pages - engine_.Global().system_used_pages;
  }

  // Picks a live object, or nullopt.
  std::optional<uint64_t> Pick() {
    auto& objs = ref_.objects();
    if (objs.empty()) return std::nullopt;
    auto it = objs.begin();
    std::advance(it, static_cast<long>(rng_.Below(objs.size())));
    return it->first;
  }

  void Step() {
    const uint64_t what = rng_.Below(100);
    std::optional<uint64_t> id = Pick();
    if (what < 10 || !id) {
      if (ref_.objects().size() >= 10) return;
      const uint64_t new_id = next_id_++;
      const uint64_t pages = 1 + rng_.Below(rng_.OneIn(4) ? 96 : 24);
      const Caching caching = static_cast<Caching>(rng_.Below(3));
      const bool dma = rng_.OneIn(3);
      const bool zero = rng_.OneIn(4);
      Apply(AllocateEvent{new_id, pages, caching, zero, dma});
      ref_.Allocate(new_id, pages, dma);
      return;
    }
    RefObject& o = ref_.objects().at(*id);
    if (what < 35) {
      Populate(*id, o);
    } else if (what < 50) {
      const uint64_t first = rng_.Below(o.num_pages);
      const uint64_t count = rng_.Below(o.num_pages - first + 1);
      Apply(WriteEvent{*id, first, count});
      ref_.Write(*id, first, count);
    } else if (what < 72) {
      Shrink(*id, o);
    } else if (what < 80) {
      Apply(UnpopulateEvent{*id});
      if (o.state == TtState::kPopulated) {
        o.state = TtState::kUnpopulated;
        o.content.clear();
      }
    } else if (what < 88) {
      Apply(FreeEvent{*id});
      ref_.objects().erase(*id);
    } else if (what < 93) {
      Apply(PoolShrinkEvent{1 + rng_.Below(16)});
    } else {
      SetEvent set;
      if (rng_.OneIn(2)) {
        set.swap_pages = rng_.Below(engine_.config().system_pages);
        swap_pages_ = *set.swap_pages;
      } else {
        set.pool_limit_pages = rng_.Below(64);
      }
      Apply(set);
    }
  }

  void Populate(uint64_t id, RefObject& o) {
    const bool restoring = o.state == TtState::kBackedUp;
    // A restore must not run out of memory (4.9); a first population may.
    // The restore struct itself takes up to 3 pages (2^10 pointers).
    if (restoring && FreePages() < o.num_pages + 3) return;
    const bool interruptible = !rng_.OneIn(4);
    const bool eintr = restoring && !o.dma && rng_.OneIn(3);
    if (eintr) Arm(FaultSite::kCopyPage, rng_.Below(o.num_pages), kEINTR);
    const uint64_t free_before = FreePages();
    const int64_t ret = Apply(PopulateEvent{id, interruptible}).ret;
    if (eintr) Disarm(FaultSite::kCopyPage);
    if (o.state == TtState::kPopulated) {
      EXPECT_EQ(ret, 0);
      return;
    }
    if (ret == 0) {
      if (!restoring) o.content.clear();
      o.state = TtState::kPopulated;
      return;
    }
    if (ret == kEINTR) {
      EXPECT_TRUE(eintr && interruptible) << "EINTR without an armed interruptible fault";
    } else {
      EXPECT_EQ(ret, kENOMEM);
      EXPECT_FALSE(restoring) << "a restore with room for every page failed";
      EXPECT_LT(free_before, o.num_pages) << "a population with room for every page failed";
    }
  }

  void Shrink(uint64_t id, RefObject& o) {
    if (o.state != TtState::kPopulated) return;  // see the file comment
    const bool purge = rng_.OneIn(5);
    const uint64_t room = swap_pages_ > engine_.Global().backup_pages
                              ? swap_pages_ - engine_.Global().backup_pages
                              : 0;
    std::optional<uint64_t> fault_after;
    if (!purge && rng_.OneIn(3)) {
      fault_after = 1 + rng_.Below(o.num_pages);
      Arm(FaultSite::kBackupPage, *fault_after, kENOMEM);
    }
    const int64_t ret = Apply(ShrinkEvent{id, purge, rng_.OneIn(2)}).ret;
    if (fault_after) Disarm(FaultSite::kBackupPage);
    if (purge) {
      EXPECT_EQ(ret, static_cast<int64_t>(o.num_pages));
      o.state = TtState::kUnpopulated;
      o.content.clear();
      return;
    }
    if (room == 0) {
      EXPECT_EQ(ret, kEBUSY);
      return;
    }
    uint64_t expected = std::min(o.num_pages, room);
    if (fault_after) expected = std::min(expected, *fault_after);
    EXPECT_EQ(ret, static_cast<int64_t>(expected));
    o.state = TtState::kBackedUp;
  }

  void Arm(FaultSite site, uint64_t after, Errno error) {
    FailEvent f;
    f.site = site;
    f.after = after;
    f.count = 1;
    f.error = error;
    Apply(f);
  }
  void Disarm(FaultSite site) {
    FailEvent f;
    f.site = site;
    f.count = 0;
    Apply(f);
  }

  void Compare(int step) {
    for (const Violation& v : engine_.Check(CheckScope::kFull))
      ADD_FAILURE() << "step " << step << ": " << InvariantName(v.invariant) << ": " << v.what;
    TtmModel& m = EngineTestPeer::Model(engine_);
    uint64_t held = 0;
    for (auto& [id, o] : ref_.objects()) {
      const std::optional<TtStatus> st = engine_.Inspect(id);
      ASSERT_TRUE(st.has_value());
      EXPECT_EQ(st->state, o.state) << "step " << step << " tt " << id;
      EXPECT_TRUE(st->intact) << "step " << step << " tt " << id;
      const TtObject& t = *m.FindTt(id);
      if (o.state == TtState::kPopulated) {
        EXPECT_EQ(st->resident, o.num_pages);
        for (const auto& [slot, token] : o.content)
          EXPECT_EQ(m.page(t.pages.Get(slot).pfn()).token, token)
              << "step " << step << " tt " << id << " slot " << slot;
      }
      held += st->resident;
      if (const RestoreState* r = t.restore.get()) {
        for (const Slot& s : r->old_pages) held += s.is_page();
        held += r->memory.size();
      }
    }
    const GlobalStatus g = engine_.Global();
    EXPECT_EQ(g.system_used_pages, held + g.pool_pages) << "step " << step;
  }

  Prng rng_;
  Engine engine_;
  ReferenceModel ref_;
  uint64_t swap_pages_;  // the store's capacity, as the last `set` left it
  uint64_t next_id_ = 1;
};

Config SmallMachine() {
  Config c;
  c.system_pages = 256;
  c.swap_pages = 160;
  c.max_order = 4;
  return c;
}

TEST(ReferenceModel, TheEngineAgreesWithTheNaiveModelOnRandomBugFreeSequences) {
  Counters sum;
  for (uint64_t seed : {1u, 2u, 3u, 42u, 1234567u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Comparison c(seed, SmallMachine());
    testing::AddCounters(sum, c.Run(3000));
  }
  // Together, the sequences must have reached the interesting paths.
  EXPECT_GT(sum.restore.completed, 0u);
  EXPECT_GT(sum.restore.restarts, 0u);
  EXPECT_GT(sum.backup.partial, 0u);
  EXPECT_GT(sum.memory.purged_pages, 0u);
  EXPECT_GT(sum.restore.pages_from_retained, 0u);
  EXPECT_GT(sum.pool.order_fallbacks, 0u);
  EXPECT_GT(sum.pool.hits, 0u);
  EXPECT_GT(sum.backup.ebusy, 0u);
  EXPECT_GT(sum.integrity.pages_verified, 0u);
}

}  // namespace
}  // namespace ttm
