// PopulatedClean() (populated_clean.h): the checker's clean verdict of a
// populated tt, which a write of the whole tt takes as it writes, and a
// fresh populate's content check as it reads, and records for the check
// right after it. A recorded verdict must never
// stand for a state it was not taken on: a tt damaged before its write, or
// after it by a later event and found by a delayed check, is found at the
// same check, with the same findings, as by the reference engine (which
// always walks).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/prng.h"
#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/populated_clean.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::FastAndReference;
using testing::Tt;

constexpr Caching kWC = Caching::kWriteCombined;

std::vector<std::string> Findings(Engine& engine, CheckScope scope) {
  std::vector<std::string> out;
  for (const Violation& v : engine.Check(scope))
    out.push_back(std::string(InvariantName(v.invariant)) + " tt " + std::to_string(v.tt.value_or(0)) + ": " +
                  v.what);
  return out;
}

bool Recorded(const Engine& engine, uint64_t id) {
  const TtmModel& m = EngineTestPeer::View(engine);
  return m.PopulatedCleanRecorded(*m.FindTt(id));
}

TEST(PopulatedClean, VisitsEveryBlockOfACleanTtInSlotOrderAndSaysClean) {
  Engine engine(testing::SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 300, kWC, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  const TtmModel& m = EngineTestPeer::View(engine);
  const TtObject& tt = *m.FindTt(1);
  uint64_t next = 0;
  const bool clean = PopulatedClean(m, tt, [&](uint64_t i, Pfn first, uint64_t n) {
    EXPECT_EQ(i, next);
    EXPECT_EQ(tt.pages.Get(i).pfn(), first);
    EXPECT_EQ(uint64_t{1} << m.page(first).private_order, n);
    next = i + n;
  });
  EXPECT_TRUE(clean);
  EXPECT_EQ(next, 300u);
}

TEST(PopulatedClean, StopsBeforeTheFirstBlockThatIsNotClean) {
  Engine engine(testing::SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 300));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  ASSERT_EQ(testing::SlotLayout(engine, 1).substr(0, 3), "P8 ");
  TtmModel& m = EngineTestPeer::Model(engine);
  m.PageForTest(Tt(engine, 1).pages.Get(260).pfn()).caching = PageCaching::kUC;  // in the order-5 block at 256
  uint64_t next = 0;
  EXPECT_FALSE(PopulatedClean(m, Tt(engine, 1), [&](uint64_t i, Pfn, uint64_t n) { next = i + n; }));
  EXPECT_EQ(next, 256u);
}

TEST(PopulatedClean, AWholeWriteOfACleanTtRecordsTheVerdictForTheNextCheckOnly) {
  Engine engine(testing::SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 40, kWC, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  engine.Check(CheckScope::kTouched);
  EXPECT_FALSE(Recorded(engine, 1));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  EXPECT_TRUE(Recorded(engine, 1));
  EXPECT_EQ(Findings(engine, CheckScope::kTouched), std::vector<std::string>{});
  EXPECT_FALSE(Recorded(engine, 1));  // a check uses it up
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Allocate(2, 4));
  EXPECT_FALSE(Recorded(engine, 1));  // any event puts it out of date
}

// A fresh populate takes the verdict with its fresh content check (3.6.3),
// which walks the same blocks.
TEST(PopulatedClean, AFreshPopulateOfACleanTtRecordsTheVerdictForTheNextCheckOnly) {
  Engine engine(testing::SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 300, kWC, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  EXPECT_TRUE(Recorded(engine, 1));
  EXPECT_EQ(Findings(engine, CheckScope::kTouched), std::vector<std::string>{});
  EXPECT_FALSE(Recorded(engine, 1));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));  // already populated: not fresh
  EXPECT_FALSE(Recorded(engine, 1));
}

TEST(PopulatedClean, ARestoringPopulateRecordsNothing) {
  Engine engine(testing::SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 40));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, (ShrinkEvent{1, false, false}));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  EXPECT_FALSE(Recorded(engine, 1));
  EXPECT_EQ(Findings(engine, CheckScope::kTouched), std::vector<std::string>{});
}

// A pooled block that kept old content: the populate reports it (3.6.3)
// and records nothing; a tt left damaged in a way the checker sees is
// found by the check right after, as by the reference engine.
TEST(PopulatedClean, AFreshPopulateWithOldContentOrALayoutThatIsNotCleanRecordsNothing) {
  std::vector<std::string> op[2], found[2];
  for (bool reference : {false, true}) {
    Engine engine(testing::SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
    TTM_APPLY_CLEAN(engine, Allocate(1, 4, kWC));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
    TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});
    TtmModel& m = EngineTestPeer::Model(engine);
    const Pfn pooled = testing::FindPoolType(m, kWC, 2)->pages.back();
    m.PageForTest(pooled + 2).token = 12345;
    m.PageForTest(pooled + 3).caching = PageCaching::kWB;
    TTM_APPLY_CLEAN(engine, Allocate(2, 4, kWC));
    for (const Violation& v : engine.Apply(PopulateEvent{2, true}).violations)
      op[reference].push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
    EXPECT_FALSE(Recorded(engine, 2));
    found[reference] = Findings(engine, CheckScope::kTouched);
  }
  EXPECT_EQ(op[0], std::vector<std::string>{
                       "3.6.3 fresh-content: freshly populated slot 2 holds old content, not zero or poison"});
  EXPECT_EQ(op[0], op[1]);
  ASSERT_EQ(found[0].size(), 1u);
  EXPECT_NE(found[0][0].find("slot 3"), std::string::npos) << found[0][0];
  EXPECT_EQ(found[0], found[1]);
}

// Damage through a test hook after a fresh populate puts its verdict out
// of date: the check right after walks and finds it.
TEST(PopulatedClean, DamageAfterAFreshPopulateIsFoundByTheCheckRightAfterAsByTheReference) {
  std::vector<std::string> found[2];
  for (bool reference : {false, true}) {
    Engine engine(testing::SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
    TTM_APPLY_CLEAN(engine, Allocate(1, 16, kWC, /*dma=*/true));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
    EngineTestPeer::Model(engine).PageForTest(Tt(engine, 1).pages.Get(9).pfn()).mapped = false;
    found[reference] = Findings(engine, CheckScope::kTouched);
  }
  ASSERT_EQ(found[0].size(), 1u);
  EXPECT_NE(found[0][0].find("slot 9"), std::string::npos) << found[0][0];
  EXPECT_EQ(found[0], found[1]);
}

// The fresh content check reads tokens in the verdict's own pass: a page
// holding old content at any slot of a tt of any size, or poison in a
// ZERO_ALLOC tt, is reported as by the reference engine (which walks
// slot by slot), and the verdict is recorded only when nothing is.
TEST(PopulatedClean, AFreshPopulateOverPooledPagesWithOldContentAtAnySlotOfOddSizesReportsAsTheReference) {
  uint64_t reported = 0, recorded = 0;
  for (uint64_t pages : {1, 2, 3, 5, 7, 9, 13, 17, 31, 33, 40}) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool zero_alloc = variant & 1, dma = variant & 2;
      for (uint64_t at = 0; at <= pages; ++at) {  // at == pages: nothing planted
        SCOPED_TRACE(std::to_string(pages) + " " + std::to_string(variant) + " " + std::to_string(at));
        std::vector<std::string> op[2];
        bool recorded_by[2] = {false, false};
        for (bool reference : {false, true}) {
          Engine engine(testing::SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
          TTM_APPLY_CLEAN(engine, Allocate(1, pages, kWC, dma, zero_alloc));
          TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
          const std::vector<Slot> slots = [&] {
            std::vector<Slot> out;
            for (uint64_t i = 0; i < pages; ++i) out.push_back(Tt(engine, 1).pages.Get(i));
            return out;
          }();
          TTM_APPLY_CLEAN(engine, UnpopulateEvent{1});  // the pages go to the pools, tokens kept
          TtmModel& m = EngineTestPeer::Model(engine);
          for (uint64_t i = 0; i < pages; ++i)
            m.PageForTest(slots[i].pfn()).token = i == at ? (zero_alloc && i % 2 ? kPoisonToken : 777 + i)
                                                          : (i % 3 == 0 || zero_alloc ? kZeroToken : kPoisonToken);
          TTM_APPLY_CLEAN(engine, Allocate(2, pages, kWC, dma, zero_alloc));
          for (const Violation& v : engine.Apply(PopulateEvent{2, true}).violations)
            op[reference].push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
          recorded_by[reference] = Recorded(engine, 2);
        }
        EXPECT_EQ(op[0], op[1]);
        EXPECT_EQ(op[0].empty(), at == pages);
        EXPECT_EQ(recorded_by[0], op[0].empty());
        EXPECT_FALSE(recorded_by[1]);
        reported += !op[0].empty();
        recorded += recorded_by[0];
      }
    }
  }
  EXPECT_GT(reported, 0u);
  EXPECT_GT(recorded, 0u);
}

// PopulatedCleanVisiting() shows the struct page of every slot, in slot
// order, when it says clean.
TEST(PopulatedClean, VisitingShowsThePageOfEverySlotInSlotOrderOfACleanTt) {
  for (uint64_t pages : {1, 3, 6, 37, 300}) {
    Engine engine(testing::SmallMachine());
    TTM_APPLY_CLEAN(engine, Allocate(1, pages, kWC, /*dma=*/true));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
    const TtmModel& m = EngineTestPeer::View(engine);
    const TtObject& tt = *m.FindTt(1);
    std::vector<const Page*> shown;
    const bool clean = PopulatedCleanVisiting(
        m, tt,
        [&](const Page* p) {
          for (int k = 0; k < 4; ++k) shown.push_back(p + k);
        },
        [&](const Page* p) { shown.push_back(p); }, [](uint64_t, Pfn, uint64_t) {});
    EXPECT_TRUE(clean);
    ASSERT_EQ(shown.size(), pages);
    for (uint64_t i = 0; i < pages; ++i) EXPECT_EQ(shown[i], m.FindPage(tt.pages.Get(i).pfn())) << i;
  }
}

TEST(PopulatedClean, APartialWriteOrAWriteOfATtThatIsNotCleanRecordsNothing) {
  Engine engine(testing::SmallMachine());
  TTM_APPLY_CLEAN(engine, Allocate(1, 40));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, 0, 39}));
  EXPECT_FALSE(Recorded(engine, 1));
  EngineTestPeer::Model(engine).PageForTest(Tt(engine, 1).pages.Get(39).pfn()).tail = false;
  engine.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  EXPECT_FALSE(Recorded(engine, 1));
  EXPECT_FALSE(Findings(engine, CheckScope::kTouched).empty());
}

// Tt 1 holds a stale pointer to a page of tt 2, which tt 2's free then
// gives back: tt 1's write right after must not call it clean.
TEST(PopulatedClean, ATtLeftAStalePageByAnotherTtsFreeIsFoundAtItsWritesCheckAsByTheReference) {
  std::vector<std::string> found[2];
  for (bool reference : {false, true}) {
    Engine engine(testing::SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
    TTM_APPLY_CLEAN(engine, Allocate(1, 16));
    TTM_APPLY_CLEAN(engine, Allocate(2, 16));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{2, true}));
    TtmModel& m = EngineTestPeer::Model(engine);
    m.PokeSlotForTest(Tt(engine, 1), 5, Tt(engine, 2).pages.Get(5));
    engine.Apply(FreeEvent{2});
    engine.Check(CheckScope::kTouched);
    engine.Apply(WriteEvent{1, std::nullopt, std::nullopt});
    found[reference] = Findings(engine, CheckScope::kTouched);
  }
  EXPECT_FALSE(found[0].empty());
  EXPECT_EQ(found[0], found[1]);
}

// A struct page of tt 1 changed, through a reference a test took before,
// after tt 1's write and before the next event: the check delayed past
// that event (--check-every) must walk.
TEST(PopulatedClean, AVerdictPutOutOfDateByALaterEventIsNotUsedByADelayedCheck) {
  std::vector<std::string> found[2];
  for (bool reference : {false, true}) {
    Engine engine(testing::SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
    TTM_APPLY_CLEAN(engine, Allocate(1, 16, kWC));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
    engine.Check(CheckScope::kTouched);
    Page& page = EngineTestPeer::Model(engine).PageForTest(Tt(engine, 1).pages.Get(9).pfn());
    TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
    page.caching = PageCaching::kWB;
    TTM_APPLY_CLEAN(engine, Allocate(2, 4));
    found[reference] = Findings(engine, CheckScope::kTouched);
  }
  ASSERT_EQ(found[0].size(), 1u);
  EXPECT_NE(found[0][0].find("slot 9"), std::string::npos) << found[0][0];
  EXPECT_EQ(found[0], found[1]);
}

// Random events on a few tts, with faults armed, damage done by hand (at
// once through the test hooks, or through a reference taken earlier, just
// before the next event, as if that event had done it) and checks every
// one to four events: the fast engine finds what the reference engine
// finds at every check, and did use verdicts its writes and fresh
// populates recorded.
TEST(PopulatedClean, RandomEventsDamageAndDelayedChecksFindTheSameOnTheFastAndTheReferenceEngine) {
  uint64_t used = 0, used_by_populate = 0, fresh_content = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    Prng rng(seed);
    FastAndReference both;
    Engine* engines[2] = {&both.fast, &both.slow};
    constexpr uint64_t kTts = 4;
    std::vector<bool> live(kTts, false);
    std::vector<Page*> held[2];  // pages to damage before the next event
    int held_kind = 0;
    uint64_t until_check = 1;
    for (int step = 0; step < 400; ++step) {
      const uint64_t id = rng.Below(kTts);
      EventBody event = CheckEvent{};
      bool damage = false;
      if (!live[id]) {
        event = Allocate(id, 1 + rng.Below(40), static_cast<Caching>(rng.Below(3)), rng.Below(3) == 0);
        live[id] = true;
      } else {
        switch (rng.Below(12)) {
          case 0: case 1: event = PopulateEvent{id, rng.Below(2) == 0}; break;
          case 2: case 3: case 4: event = WriteEvent{id, std::nullopt, std::nullopt}; break;
          case 5: event = WriteEvent{id, 0, 1}; break;
          case 6: event = ShrinkEvent{id, rng.Below(4) == 0, false}; break;
          case 7: event = UnpopulateEvent{id}; break;
          case 8:
            if (rng.Below(3) == 0) {
              event = FreeEvent{id};
              live[id] = false;
            } else {
              event = testing::Fail(rng.Below(2) ? FaultSite::kAllocPage : FaultSite::kBackupPage, rng.Below(4));
            }
            break;
          default: damage = true; break;
        }
      }
      if (damage && rng.Below(4) == 0) {
        // Old content in a pooled page, for a fresh populate to find
        // (3.6.3): the same pool entry on both engines.
        const std::vector<PoolType>& types = EngineTestPeer::View(*engines[0]).pool_types();
        const size_t t = rng.Below(types.size());
        if (types[t].pages.empty()) continue;
        const uint64_t k = rng.Below(types[t].pages.size());
        const uint64_t j = rng.Below(uint64_t{1} << types[t].order);
        for (int e = 0; e < 2; ++e) {
          TtmModel& m = EngineTestPeer::Model(*engines[e]);
          m.PageForTest(m.pool_types()[t].pages[k] + static_cast<Pfn>(j)).token = 777;
        }
        continue;
      }
      if (damage) {
        const TtObject& tt = Tt(*engines[0], id);
        if (!tt.populated()) continue;
        const uint64_t i = rng.Below(tt.num_pages), kind = rng.Below(6), other = rng.Below(kTts);
        const bool later = rng.Below(2) == 0;
        for (int e = 0; e < 2; ++e) {
          TtmModel& m = EngineTestPeer::Model(*engines[e]);
          TtObject& t = Tt(*engines[e], id);
          const Slot s = t.pages.Get(i);
          if (kind == 4) {
            const TtObject* o = m.FindTt(other);
            if (o && o->num_pages > i) m.PokeSlotForTest(t, i, o->pages.Get(i));
            continue;
          }
          if (kind == 5) {
            if (t.has_dma) t.dma_address.Set(i, t.dma_address.Get(i) + kPageSize);
            continue;
          }
          if (!s.is_page()) continue;
          if (later) {
            held[e].push_back(&m.PageForTest(s.pfn()));
            held_kind = static_cast<int>(kind);
            continue;
          }
          Page& p = m.PageForTest(s.pfn());
          switch (kind) {
            case 0: p.caching = p.caching == PageCaching::kWB ? PageCaching::kUC : PageCaching::kWB; break;
            case 1: p.tail = !p.tail; break;
            case 2: p.aux += 1; break;
            default: p.mapped = !p.mapped; break;
          }
        }
        continue;
      }
      // Damage through references taken earlier lands now, just before
      // the event (as if done by it).
      for (int e = 0; e < 2; ++e) {
        for (Page* p : held[e]) {
          switch (held_kind) {
            case 0: p->caching = PageCaching::kUC; break;
            case 1: p->tail = !p->tail; break;
            case 2: p->aux += 1; break;
            default: p->mapped = !p->mapped; break;
          }
        }
        held[e].clear();
      }
      std::vector<std::string> op[2];
      for (int e = 0; e < 2; ++e)
        for (const Violation& v : engines[e]->Apply(event).violations)
          op[e].push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
      ASSERT_EQ(op[0], op[1]) << "step " << step << ": " << OpName(event);
      if (std::holds_alternative<WriteEvent>(event) && live[id] && Recorded(both.fast, id)) ++used;
      if (std::holds_alternative<PopulateEvent>(event) && Recorded(both.fast, id)) ++used_by_populate;
      fresh_content += !op[0].empty() && op[0][0].rfind("3.6.3", 0) == 0;
      if (--until_check == 0) {
        const CheckScope scope = rng.Below(8) == 0 ? CheckScope::kFull : CheckScope::kTouched;
        ASSERT_EQ(Findings(both.fast, scope), Findings(both.slow, scope)) << "step " << step;
        until_check = 1 + rng.Below(4);
      }
    }
  }
  EXPECT_GT(used, 100u);
  EXPECT_GT(used_by_populate, 50u);
  EXPECT_GT(fresh_content, 0u);
}

}  // namespace
}  // namespace ttm
