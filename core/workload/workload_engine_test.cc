// Each workload, applied to the engine, shows the behaviour it exists for.
// The events go straight from the generator to ttm::Engine; `expect`
// events are evaluated here the way the replayer does.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/workload/workload.h"

namespace ttm::workload {
namespace {

struct Replayed {
  Counters counters;
  std::vector<Violation> violations;
  uint64_t expects = 0;
  uint64_t failed_expects = 0;
  LeakReport leaks;
};

Replayed Replay(std::string_view name, uint64_t seed, uint64_t events, WorkloadOptions o = {}) {
  o.seed = seed;
  o.events = events;
  if (!o.system_pages) o.system_pages = 16384;
  Result<std::unique_ptr<Workload>> w = Make(name, o);
  EXPECT_TRUE(w.ok()) << w.status().message();
  Replayed run;
  if (!w.ok()) return run;
  Engine engine(Resolve((*w)->config()));
  Event e;
  while ((*w)->Next(&e)) {
    Outcome out = engine.Apply(e.body);
    for (Violation& v : out.violations) run.violations.push_back(std::move(v));
    if (auto* x = std::get_if<ExpectEvent>(&e.body)) {
      ++run.expects;
      std::optional<TtStatus> st = engine.Inspect(x->tt.value_or(0));
      const bool ok = st && (!x->state || st->state == *x->state) &&
                      (!x->intact || st->intact == *x->intact);
      run.failed_expects += !ok;
    }
  }
  for (Violation& v : engine.Check(CheckScope::kFull)) run.violations.push_back(std::move(v));
  run.counters = engine.counters();
  run.leaks = engine.Teardown();
  return run;
}

std::string First(const Replayed& run) {
  if (run.violations.empty()) return "";
  const Violation& v = run.violations.front();
  return std::string(InvariantName(v.invariant)) + ": " + v.what;
}

TEST(WorkloadOnEngine, SteadyReusesPoolsAndNeverBacksUp) {
  for (uint64_t seed : {1, 2}) {
    const Replayed run = Replay("steady", seed, 4000);
    EXPECT_GT(run.counters.pool.hits, 0u);
    EXPECT_EQ(run.counters.memory.backed_up_pages, 0u);
    EXPECT_EQ(run.counters.memory.purged_pages, 0u);
    EXPECT_TRUE(run.violations.empty()) << First(run);
    EXPECT_TRUE(run.leaks.ok());
  }
}

TEST(WorkloadOnEngine, PressureBacksUpAndRestoresWithContentIntact) {
  for (uint64_t seed : {1, 2}) {
    const Replayed run = Replay("pressure", seed, 4000);
    EXPECT_GT(run.counters.memory.backed_up_pages, 0u);
    EXPECT_GT(run.counters.restore.completed, 0u);
    EXPECT_EQ(run.counters.restore.failed, 0u);
    EXPECT_GT(run.counters.integrity.pages_verified, 0u);
    EXPECT_EQ(run.counters.integrity.mismatches, 0u);
    EXPECT_TRUE(run.violations.empty()) << First(run);
    EXPECT_TRUE(run.leaks.ok());
  }
}

TEST(WorkloadOnEngine, FaultsHaveRestoreRestartsPartialBackupsAndOrderFallbacks) {
  for (uint64_t seed : {1, 2}) {
    const Replayed run = Replay("faults", seed, 4000);
    EXPECT_GT(run.counters.restore.restarts, 0u);
    EXPECT_GT(run.counters.backup.partial, 0u);
    EXPECT_GT(run.counters.pool.order_fallbacks, 0u);
    EXPECT_GT(run.counters.restore.failed, 0u);
    EXPECT_EQ(run.counters.integrity.mismatches, 0u);
  }
}

TEST(WorkloadOnEngine, SwapExhaustionHasPartialAndEbusyBackupsAndPurges) {
  for (uint64_t seed : {1, 2}) {
    const Replayed run = Replay("swap-exhaustion", seed, 4000);
    EXPECT_GT(run.counters.backup.partial, 0u);
    EXPECT_GT(run.counters.backup.ebusy, 0u);
    EXPECT_GT(run.counters.memory.purged_pages, 0u);
    EXPECT_EQ(run.counters.integrity.mismatches, 0u);
  }
}

TEST(WorkloadOnEngine, FragmentedFallsBackToLowerOrders) {
  for (uint64_t seed : {1, 2}) {
    const Replayed run = Replay("fragmented", seed, 4000);
    EXPECT_GT(run.counters.pool.order_fallbacks, 0u);
    EXPECT_TRUE(run.violations.empty()) << First(run);
    EXPECT_TRUE(run.leaks.ok());
  }
}

TEST(WorkloadOnEngine, XeKunitPurgesBacksUpAndRestoresEverythingIntact) {
  for (uint64_t seed : {1, 2}) {
    WorkloadOptions o;
    o.max_object_pages = 4096;  // 8 objects per round on 64 MiB
    const Replayed run = Replay("xe-kunit", seed, 600, o);
    EXPECT_GT(run.counters.memory.purged_pages, 0u);
    EXPECT_GT(run.counters.memory.backed_up_pages, 0u);
    EXPECT_GT(run.counters.restore.completed, 0u);
    EXPECT_GT(run.counters.restore.restarts, 0u);
    EXPECT_EQ(run.counters.integrity.mismatches, 0u);
    EXPECT_GT(run.expects, 0u);
    EXPECT_EQ(run.failed_expects, 0u);
    EXPECT_TRUE(run.violations.empty()) << First(run);
    EXPECT_TRUE(run.leaks.ok());
  }
}

}  // namespace
}  // namespace ttm::workload
