// The 4.8 regression of v6.15, found by the tool itself: generated xe-kunit
// workloads (restores interrupted by EINTR and retried) replayed under each
// semantics. As merged, a restore whose last chunk was interrupted returns
// early on the retry and leaves its restore state behind (leaked at fini,
// flagged 3.2.5 while the tt is populated); with "drm/ttm: Drop tt->restore
// after successful restore" the same traces are clean, as they are in V13.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/replay/replayer.h"
#include "core/workload/workload.h"

namespace ttm {
namespace {

Report ReplayGenerated(std::string_view workload, uint64_t seed, Semantics semantics) {
  workload::WorkloadOptions o;
  o.seed = seed;
  o.events = 1500;
  o.system_pages = 8192;
  o.max_object_pages = 256;
  Result<std::unique_ptr<workload::Workload>> w = workload::Make(workload, o);
  EXPECT_TRUE(w.ok());
  if (!w.ok()) return Report{};
  ReplayOptions options;
  options.semantics = std::string(SemanticsName(semantics));
  Replayer replayer(Resolve((*w)->config()), options);
  Event e;
  uint64_t line = 1;
  while ((*w)->Next(&e)) {
    e.line = ++line;
    replayer.Apply(e);
  }
  return replayer.Finish();
}

TEST(MergedRegression, GeneratedXeKunitRunsLeakRestoreStatesAsMergedAndAreCleanWithTheFix) {
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("xe-kunit seed " + std::to_string(seed));
    const Report merged = ReplayGenerated("xe-kunit", seed, Semantics::kMerged);
    EXPECT_GT(merged.leaks.restore_states, 0u);
    EXPECT_GT(merged.violations.by_invariant.count("3.2.5 flags"), 0u);

    const Report fixed = ReplayGenerated("xe-kunit", seed, Semantics::kMergedFixed);
    EXPECT_TRUE(fixed.leaks.ok());
    EXPECT_EQ(fixed.violations.count, 0u);
    EXPECT_EQ(fixed.integrity.mismatches, 0u);

    const Report v13 = ReplayGenerated("xe-kunit", seed, Semantics::kV13);
    EXPECT_TRUE(v13.leaks.ok());
    EXPECT_EQ(v13.violations.count, 0u);
  }
}

}  // namespace
}  // namespace ttm
