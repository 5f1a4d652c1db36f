// The engine's public API, end to end, on the happy path (4.1 of
// docs/bugs.md) and the example trace of docs/trace-format.md.
#include "core/engine/engine.h"

#include <gtest/gtest.h>

namespace ttm {
namespace {

MachineConfig SmallMachine() {
  Config c;
  c.system_pages = 4096;
  c.swap_pages = 4096;
  return Resolve(c);
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
  EXPECT_EQ(engine.counters().restore_restarts, 0u);
  EXPECT_EQ(engine.counters().pages_from_backup, 8u);
  EXPECT_EQ(engine.counters().pages_verified, 8u);
  EXPECT_TRUE(engine.Check(true).empty());

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
  EXPECT_TRUE(engine.Check(true).empty());
  EXPECT_EQ(engine.Apply(PopulateEvent{1, true}).ret, 0);
  TtStatus st = *engine.Inspect(1);
  EXPECT_EQ(st.state, TtState::kPopulated);
  EXPECT_TRUE(st.intact);
  EXPECT_EQ(engine.counters().restore_restarts, 1u);
  EXPECT_TRUE(engine.Check(true).empty());
  engine.Apply(FreeEvent{1});
  EXPECT_TRUE(engine.Teardown().ok());
}

}  // namespace
}  // namespace ttm
