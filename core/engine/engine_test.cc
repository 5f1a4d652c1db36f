// The engine's public API, end to end, on the happy path (4.1 of
// docs/bugs.md) and the example trace of docs/trace-format.md.
#include "core/engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::SmallMachine;

// Every invariant of docs/invariants.md, section 3, under its own number
// and name (3.4.4 apart from 3.4.2, 3.6.1 to 3.6.3 apart), each reported
// by exactly one enumerator, plus the crash class.
TEST(Engine, EveryInvariantOfSectionThreeHasItsOwnNumberAndName) {
  std::vector<std::string> numbers, names;
  for (int i = 0; i < kNumInvariants; ++i) {
    const std::string name(InvariantName(static_cast<Invariant>(i)));
    names.push_back(name);
    numbers.push_back(name.substr(0, name.find(' ')));
  }
  EXPECT_EQ(numbers, (std::vector<std::string>{
                         "3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.2.1", "3.2.2", "3.2.3",
                         "3.2.4", "3.2.5", "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.4.1",
                         "3.4.2", "3.4.3", "3.4.4", "3.5.1", "3.5.2", "3.5.3", "3.5.4",
                         "3.6.1", "3.6.2", "3.6.3", "3.7.1", "3.7.2", "kernel-crash"}));
  // The names that existed before keep their spelling.
  EXPECT_EQ(InvariantName(Invariant::kTtCaching), "3.4.2 tt-caching");
  EXPECT_EQ(InvariantName(Invariant::kRestoreProgress), "3.7.2 restore-progress");
  EXPECT_EQ(InvariantName(Invariant::kDmaUnmapOnce), "3.5.3 dma-unmap-once");
  EXPECT_EQ(InvariantName(Invariant::kWbAfterFailedBackup), "3.4.4 wb-after-failed-backup");
  EXPECT_EQ(InvariantName(Invariant::kSingleCopy), "3.6.2 single-copy");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

TEST(Engine, HappyPathBacksUpAndRestoresEveryPageIntact) {
  Engine engine(SmallMachine());
  engine.Apply(AllocateEvent{1, 8, Caching::kCached, false, false});
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, 0);
  engine.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  EXPECT_EQ(engine.Global().system_used_pages, 8u);

  Outcome shrink = engine.Apply(ShrinkEvent{1, false, false});
  EXPECT_EQ(shrink.ret, 8);
  EXPECT_TRUE(shrink.violations.empty());
  TtStatus st = *engine.Inspect(1);
  EXPECT_EQ(st.state, TtState::kBackedUp);
  EXPECT_EQ(st.backed_up, 8u);
  EXPECT_EQ(st.resident, 0u);
  EXPECT_EQ(engine.Global().system_used_pages, 0u);
  EXPECT_EQ(engine.Global().backup_pages, 8u);

  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, 0);
  st = *engine.Inspect(1);
  EXPECT_EQ(st.state, TtState::kPopulated);
  EXPECT_EQ(st.resident, 8u);
  EXPECT_TRUE(st.intact);
  EXPECT_FALSE(st.restore_pending);
  EXPECT_EQ(engine.Global().backup_pages, 0u);
  EXPECT_EQ(engine.counters().restore.restarts, 0u);
  EXPECT_EQ(engine.counters().restore.pages_from_backup, 8u);
  EXPECT_EQ(engine.counters().integrity.pages_verified, 8u);
  EXPECT_TRUE(engine.Check(CheckScope::kFull).empty());

  engine.Apply(FreeEvent{1});
  LeakReport leaks = engine.Teardown();
  EXPECT_TRUE(leaks.ok());
  EXPECT_TRUE(leaks.violations.empty());
}

TEST(Engine, ContractExampleResumesAnInterruptedRestore) {
  Engine engine(SmallMachine());
  engine.Apply(AllocateEvent{1, 300, Caching::kWriteCombined, false, false});
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, 0);
  engine.Apply(WriteEvent{1, std::nullopt, std::nullopt});
  FailEvent fail;
  fail.site = FaultSite::kCopyPage;
  fail.after = 100;
  fail.error = kEINTR;
  engine.Apply(fail);
  EXPECT_EQ(engine.Apply(ShrinkEvent{1, false, false}).ret, 300);
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, kEINTR);
  EXPECT_TRUE(engine.Inspect(1)->restore_pending);
  EXPECT_TRUE(engine.Check(CheckScope::kFull).empty());
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, 0);
  TtStatus st = *engine.Inspect(1);
  EXPECT_EQ(st.state, TtState::kPopulated);
  EXPECT_TRUE(st.intact);
  EXPECT_EQ(engine.counters().restore.restarts, 1u);
  EXPECT_TRUE(engine.Check(CheckScope::kFull).empty());
  engine.Apply(FreeEvent{1});
  EXPECT_TRUE(engine.Teardown().ok());
}

// Outcome::object and Outcome::global say what Counts() of the event's id
// and Global() say right after the event, for every op but expect (which
// the replayer, not the engine, answers) and every ending but a kernel
// crash (an allocate of a live id and a free of an unknown one, refused
// with EINVAL, included), on the fast engine and the reference alike: the
// timeline takes them from the outcome instead of asking.
TEST(Engine, TheOutcomeCarriesTheCountsAndTheGlobalsTheEventLeft) {
  for (const bool reference : {false, true}) {
    SCOPED_TRACE(reference ? "reference" : "fast");
    EngineOptions options;
    options.reference = reference;
    Engine engine(SmallMachine(), Semantics::kV13, options);
    FailEvent half;
    half.site = FaultSite::kBackupHalf;
    const std::vector<EventBody> events = {
        AllocateEvent{1, 40, Caching::kWriteCombined, false, false},
        AllocateEvent{2, 9, Caching::kCached, false, false},
        PopulateEvent{1, true},
        WriteEvent{1, std::nullopt, std::nullopt},
        PopulateEvent{2, true},
        WriteEvent{2, 3, 4},
        half,
        ShrinkEvent{1, false, false},
        AllocateEvent{1, 5, Caching::kCached, false, false},  // a live id: EINVAL
        FreeEvent{7},                                          // an unknown id: EINVAL
        PopulateEvent{1, true},
        ShrinkEvent{2, true, false},
        UnpopulateEvent{1},
        PoolShrinkEvent{16},
        SetEvent{std::nullopt, 64},
        CheckEvent{},
        FreeEvent{2},
        ShrinkEvent{2, false, false},  // freed: EINVAL
    };
    for (size_t k = 0; k < events.size(); ++k) {
      SCOPED_TRACE("event " + std::to_string(k));
      const Outcome out = engine.Apply(events[k]);
      const std::optional<uint64_t> id = EventTt(events[k]);
      const std::optional<TtStatus> want =
          id && !std::holds_alternative<FreeEvent>(events[k]) ? engine.Counts(*id) : std::nullopt;
      ASSERT_EQ(out.object.has_value(), want.has_value());
      if (want) {
        EXPECT_EQ(out.object->state, want->state);
        EXPECT_EQ(out.object->resident, want->resident);
        EXPECT_EQ(out.object->backed_up, want->backed_up);
        EXPECT_EQ(out.object->empty, want->empty);
        EXPECT_EQ(out.object->restore_pending, want->restore_pending);
      }
      const GlobalStatus g = engine.Global();
      EXPECT_EQ(out.global.system_used_pages, g.system_used_pages);
      EXPECT_EQ(out.global.pool_pages, g.pool_pages);
      EXPECT_EQ(out.global.backup_pages, g.backup_pages);
      EXPECT_EQ(out.global.live_tts, g.live_tts);
    }
    // The events above reached the backup and the pool shrinker.
    EXPECT_GT(engine.counters().memory.backed_up_pages, 0u);
    EXPECT_GT(engine.counters().memory.pool_shrunk_pages, 0u);
  }
}

}  // namespace
}  // namespace ttm
