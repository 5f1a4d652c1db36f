// Every workload at its CLI defaults (only the workload and the seed given,
// as `ttm-replay gen --workload NAME --seed S` makes it), replayed by the
// replayer as `ttm-replay replay` does, shows what it is named for, for
// several seeds. The small-machine tests (workload_engine_test) come on top.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/replay/replayer.h"
#include "core/workload/workload.h"

namespace ttm::workload {
namespace {

constexpr uint64_t kSeeds[] = {1, 2, 3, 42, 1234567};

struct Replayed {
  Report full;    // the whole trace
  Report first;   // its first 10% of events
  uint64_t events = 0;
  std::optional<uint64_t> first_shrink;  // index of the first shrink event
  Meta meta;
};

Replayed Replay(std::string_view name, uint64_t seed) {
  WorkloadOptions o;  // the defaults, as the CLI passes them
  o.seed = seed;
  Replayed run;
  Result<std::unique_ptr<Workload>> w = Make(name, o);
  EXPECT_TRUE(w.ok()) << w.status().message();
  if (!w.ok()) return run;
  run.meta = (*w)->meta();
  const MachineConfig config = Resolve((*w)->config());
  Replayer full(config, ReplayOptions{});
  Replayer first(config, ReplayOptions{});
  const uint64_t tenth = run.meta.events / 10;
  Event e;
  while ((*w)->Next(&e)) {
    e.line = run.events + 2;  // the header is line 1
    if (!run.first_shrink && std::holds_alternative<ShrinkEvent>(e.body))
      run.first_shrink = run.events;
    full.Apply(e);
    if (run.events < tenth) first.Apply(e);
    ++run.events;
  }
  run.full = full.Finish();
  run.first = first.Finish();
  return run;
}

uint64_t Count(const ResultCounts& c, const std::string& key) {
  auto it = c.find(key);
  return it == c.end() ? 0 : it->second;
}

// What every default trace shows whatever the workload: a clean replay.
void ExpectClean(const Report& r, const std::string& what) {
  EXPECT_EQ(r.violations.count, 0u) << what << ": "
                                    << (r.violations.first.empty()
                                            ? ""
                                            : r.violations.first[0].invariant + " at line " +
                                                  std::to_string(r.violations.first[0].line));
  EXPECT_EQ(r.integrity.mismatches, 0u) << what;
  EXPECT_TRUE(r.leaks.ok()) << what;
  EXPECT_EQ(r.expectations.failed, 0u) << what;
  EXPECT_EQ(r.checks.failed, 0u) << what;
}

std::string What(std::string_view name, uint64_t seed) {
  return std::string(name) + " --seed " + std::to_string(seed);
}

TEST(WorkloadDefaults, TheDefaultEventCountIsTenThousandAndMetaListsWhatEachShows) {
  for (const WorkloadInfo& info : Workloads()) {
    Result<std::unique_ptr<Workload>> w = Make(info.name, WorkloadOptions{});
    ASSERT_TRUE(w.ok());
    const Meta m = (*w)->meta();
    EXPECT_EQ(m.events, 10000u);
    EXPECT_EQ(m.exercises.size(), info.exercises.size()) << info.name;
    EXPECT_FALSE(m.exercises.empty()) << info.name;
  }
}

TEST(WorkloadDefaults, HelpTextDescribesEveryWorkloadWithItsDefaults) {
  const std::string help = HelpText();
  for (const WorkloadInfo& info : Workloads()) {
    EXPECT_NE(help.find("\n  " + std::string(info.name) + ": "), std::string::npos) << info.name;
    for (std::string_view x : info.exercises)
      EXPECT_NE(help.find(std::string(x)), std::string::npos) << x;
  }
  EXPECT_NE(help.find("defaults: events=10000 system_pages=32768 swap_pages=65536"),
            std::string::npos);
}

TEST(WorkloadDefaults, SteadyReusesPoolsAndNeverBacksUp) {
  for (uint64_t seed : kSeeds) {
    const Replayed run = Replay("steady", seed);
    const std::string what = What("steady", seed);
    EXPECT_GT(run.full.pool.hits, 0u) << what;
    EXPECT_EQ(run.full.memory.backed_up_pages, 0u) << what;
    EXPECT_EQ(run.full.memory.purged_pages, 0u) << what;
    EXPECT_FALSE(run.first_shrink) << what;
    ExpectClean(run.full, what);
  }
}

TEST(WorkloadDefaults, PressureShrinksEarlyThenBacksUpPurgesAndRestores) {
  for (uint64_t seed : kSeeds) {
    const Replayed run = Replay("pressure", seed);
    const std::string what = What("pressure", seed);
    ASSERT_TRUE(run.first_shrink) << what;
    EXPECT_LT(*run.first_shrink, run.events / 10) << what;
    EXPECT_GT(run.first.memory.freed_pages(), 0u) << what;
    EXPECT_GT(run.full.memory.backed_up_pages, 0u) << what;
    EXPECT_GT(run.full.memory.purged_pages, 0u) << what;
    EXPECT_GT(run.full.restore.completed, 0u) << what;
    EXPECT_EQ(run.full.restore.failed, 0u) << what;
    EXPECT_GT(run.full.integrity.pages_verified, 0u) << what;
    ExpectClean(run.full, what);
  }
}

TEST(WorkloadDefaults, FaultsShowEveryFaultKindWithinTheFirstTenthOfEvents) {
  for (uint64_t seed : kSeeds) {
    const Replayed run = Replay("faults", seed);
    const std::string what = What("faults", seed);
    ASSERT_TRUE(run.first_shrink) << what;
    EXPECT_LT(*run.first_shrink, run.events / 10) << what;
    const Report& r = run.first;
    EXPECT_GT(r.memory.backed_up_pages, 0u) << what;
    EXPECT_GT(r.memory.purged_pages, 0u) << what;
    EXPECT_GT(r.backup.partial, 0u) << what;
    EXPECT_GT(r.restore.failed, 0u) << what;
    EXPECT_GT(r.restore.restarts, 0u) << what;  // interrupted restores resumed
    EXPECT_GT(r.restore.completed, 0u) << what;
    EXPECT_GT(r.pool.order_fallbacks, 0u) << what;
    EXPECT_GT(Count(r.results.populate, "EINTR"), 0u) << what;
    // alloc_page, set_caching, copy_page and alloc_restore each fail one
    // populate with ENOMEM in the tour; backup_page fails a shrink.
    EXPECT_GE(Count(r.results.populate, "ENOMEM"), 4u) << what;
    EXPECT_GT(Count(r.results.shrink, "ENOMEM"), 0u) << what;
    EXPECT_GT(Count(r.results.populate, "EFAULT"), 0u) << what;
    // Every failed populate was retried and the content came back intact.
    EXPECT_GT(r.integrity.pages_verified, 0u) << what;
    ExpectClean(run.full, what);
    EXPECT_GT(run.full.restore.restarts, run.first.restore.restarts) << what;
  }
}

TEST(WorkloadDefaults, SwapExhaustionFillsTheStoreThenRefusesThenPurges) {
  for (uint64_t seed : kSeeds) {
    const Replayed run = Replay("swap-exhaustion", seed);
    const std::string what = What("swap-exhaustion", seed);
    const Report& r = run.full;
    EXPECT_GT(r.backup.partial, 0u) << what;
    EXPECT_GT(r.backup.ebusy, 0u) << what;
    EXPECT_GT(Count(r.results.shrink, "EBUSY"), 0u) << what;
    EXPECT_GT(r.memory.purged_pages, 0u) << what;
    EXPECT_EQ(r.memory.peak_backup_pages, r.config.swap_pages) << what;
    EXPECT_GT(r.restore.completed, 0u) << what;
    // The store is full early: within the first tenth already.
    EXPECT_GT(run.first.backup.partial, 0u) << what;
    EXPECT_GT(run.first.backup.ebusy, 0u) << what;
    ExpectClean(r, what);
  }
}

TEST(WorkloadDefaults, FragmentedFallsBackToLowerOrders) {
  for (uint64_t seed : kSeeds) {
    const Replayed run = Replay("fragmented", seed);
    const std::string what = What("fragmented", seed);
    EXPECT_GT(run.full.pool.order_fallbacks, 0u) << what;
    EXPECT_EQ(run.full.memory.backed_up_pages, 0u) << what;
    ExpectClean(run.full, what);
  }
}

TEST(WorkloadDefaults, XeKunitPurgesBacksUpAndRestoresEverythingIntact) {
  for (uint64_t seed : kSeeds) {
    const Replayed run = Replay("xe-kunit", seed);
    const std::string what = What("xe-kunit", seed);
    const Report& r = run.full;
    EXPECT_GT(r.memory.purged_pages, 0u) << what;
    EXPECT_GT(r.memory.backed_up_pages, 0u) << what;
    EXPECT_GT(r.restore.restarts, 0u) << what;
    EXPECT_EQ(r.restore.completed, r.restore.started) << what;
    EXPECT_GT(r.expectations.passed, 0u) << what;
    EXPECT_GT(r.integrity.pages_verified, 0u) << what;
    ExpectClean(r, what);
  }
}

}  // namespace
}  // namespace ttm::workload
