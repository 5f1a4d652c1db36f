// A copy of the engine is a snapshot (explore's), and the engine counts the
// calls at each fault site, by the whole run and by object.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::SmallMachine;

FailEvent Fail(FaultSite site, uint64_t after, Errno error) {
  FailEvent f;
  f.site = site;
  f.after = after;
  f.error = error;
  return f;
}

// Allocates, populates, writes and backs up `id` (WC, 16 pages, DMA).
void BackedUp(Engine& engine, uint64_t id) {
  engine.Apply(AllocateEvent{id, 16, Caching::kWriteCombined, false, true});
  engine.Apply(PopulateEvent{id, true});
  engine.Apply(WriteEvent{id, std::nullopt, std::nullopt});
  engine.Apply(ShrinkEvent{id, false, false});
}

TEST(EngineSnapshot, ACopyGoesOnExactlyAsTheOriginalDoes) {
  Engine original(SmallMachine());
  BackedUp(original, 1);
  original.Apply(Fail(FaultSite::kCopyPage, 5, kEINTR));
  Engine copy(original);

  for (Engine* e : {&original, &copy}) {
    EXPECT_EQ(e->Apply(PopulateEvent{1, true}).ret, kEINTR);
    EXPECT_EQ(e->Apply(PopulateEvent{1, true}).ret, 0);
  }
  EXPECT_EQ(original.counters().restore.restarts, copy.counters().restore.restarts);
  EXPECT_EQ(original.Global().system_used_pages, copy.Global().system_used_pages);
  EXPECT_TRUE(copy.Inspect(1)->intact);
  EXPECT_EQ(original.Check(CheckScope::kFull).size(), copy.Check(CheckScope::kFull).size());
}

TEST(EngineSnapshot, ChangingTheCopyLeavesTheOriginalAlone) {
  Engine original(SmallMachine());
  BackedUp(original, 1);
  Engine copy(original);
  EXPECT_EQ(copy.Apply(PopulateEvent{1, true}).ret, 0);
  copy.Apply(FreeEvent{1});

  EXPECT_EQ(original.Inspect(1)->state, TtState::kBackedUp);
  EXPECT_EQ(original.Global().backup_pages, 16u);
  EXPECT_EQ(copy.Global().backup_pages, 0u);
  EXPECT_FALSE(copy.Inspect(1).has_value());
  // The original restores on its own, from its own backup.
  EXPECT_EQ(original.Apply(PopulateEvent{1, true}).ret, 0);
  EXPECT_TRUE(original.Inspect(1)->intact);
  EXPECT_TRUE(original.Teardown().ok());
}

TEST(EngineSnapshot, AnAssignedEngineTakesTheOthersState) {
  Engine a(SmallMachine());
  Engine b(SmallMachine());
  BackedUp(a, 7);
  b = a;
  EXPECT_EQ(b.Inspect(7)->backed_up, 16u);
  EXPECT_EQ(b.Apply(PopulateEvent{7, true}).ret, 0);
  EXPECT_EQ(a.Inspect(7)->state, TtState::kBackedUp);
}

TEST(EngineFaultCalls, CountsCallsOfEachSiteArmedOrNotByRunAndByObject) {
  Engine engine(SmallMachine());
  BackedUp(engine, 1);
  engine.Apply(AllocateEvent{2, 4, Caching::kCached, false, false});
  engine.Apply(PopulateEvent{2, true});
  engine.Apply(WriteEvent{2, std::nullopt, std::nullopt});
  engine.Apply(ShrinkEvent{2, false, false});
  // Every backed-up page was one backup_page call.
  EXPECT_EQ(engine.FaultCalls(FaultSite::kBackupPage, kENOMEM), 20u);
  EXPECT_EQ(engine.FaultCalls(FaultSite::kBackupPage, kENOMEM, 1), 16u);
  EXPECT_EQ(engine.FaultCalls(FaultSite::kBackupPage, kENOMEM, 2), 4u);

  engine.Apply(PopulateEvent{1, false});  // not interruptible: no EINTR calls
  EXPECT_EQ(engine.FaultCalls(FaultSite::kCopyPage, kENOMEM, 1), 16u);
  EXPECT_EQ(engine.FaultCalls(FaultSite::kCopyPage, kEINTR, 1), 0u);
  engine.Apply(PopulateEvent{2, true});
  EXPECT_EQ(engine.FaultCalls(FaultSite::kCopyPage, kEINTR), 4u);
  EXPECT_EQ(engine.FaultCalls(FaultSite::kCopyPage, kENOMEM), 20u);

  engine.Apply(FreeEvent{2});
  EXPECT_FALSE(engine.FaultCalls(FaultSite::kCopyPage, kENOMEM, 2).has_value());
  EXPECT_EQ(engine.FaultCalls(FaultSite::kCopyPage, kENOMEM), 20u);
  // A new object under a reused id starts from zero.
  engine.Apply(AllocateEvent{2, 4, Caching::kCached, false, false});
  EXPECT_EQ(engine.FaultCalls(FaultSite::kAllocPage, kENOMEM, 2), 0u);
}

TEST(EngineFaultCalls, FiredCountsTheFailuresOfTheArmedFault) {
  Engine engine(SmallMachine());
  BackedUp(engine, 1);
  engine.Apply(Fail(FaultSite::kCopyPage, 3, kEINTR));
  EXPECT_EQ(engine.FaultsFired(FaultSite::kCopyPage), 0u);
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, kEINTR);
  EXPECT_EQ(engine.FaultsFired(FaultSite::kCopyPage), 1u);
  // The fourth counted call was the one that failed.
  EXPECT_EQ(engine.FaultCalls(FaultSite::kCopyPage, kEINTR), 4u);
}

}  // namespace
}  // namespace ttm
