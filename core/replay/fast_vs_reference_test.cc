// The engine's fast paths against its reference paths
// (EngineOptions::reference: slot counts recounted from the slots, the
// checker's full walks): thousands of small generated traces, every
// workload (fault arming included) under every semantics, must give the
// same report and the same timeline, line for line, either way.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/replay/replayer.h"
#include "core/workload/workload.h"

namespace ttm {
namespace {

struct Replayed {
  std::string report;
  std::vector<std::string> timeline;
  uint64_t violations = 0;
};

Replayed ReplayWith(const std::vector<Event>& events, const MachineConfig& config, Semantics semantics,
           uint64_t check_every, bool reference) {
  Replayed run;
  ReplayOptions options;
  options.semantics = std::string(SemanticsName(semantics));
  options.check_every = check_every;
  options.engine.reference = reference;
  options.timeline = [&run](std::string_view line) { run.timeline.emplace_back(line); };
  Replayer replayer(config, options);
  for (const Event& e : events) replayer.Apply(e);
  const Report report = replayer.Finish();
  run.violations = report.violations.count;
  run.report = RenderReportJson(report);
  return run;
}

// The first timeline line where the two runs differ, for the message.
std::string FirstDifference(const Replayed& fast, const Replayed& ref) {
  for (size_t i = 0; i < std::max(fast.timeline.size(), ref.timeline.size()); ++i) {
    const std::string a = i < fast.timeline.size() ? fast.timeline[i] : "(none)";
    const std::string b = i < ref.timeline.size() ? ref.timeline[i] : "(none)";
    if (a != b) return "timeline line " + std::to_string(i + 1) + "\n fast:      " + a + " reference: " + b;
  }
  return "reports differ:\n fast:      " + fast.report + "\n reference: " + ref.report;
}

// Deterministic small variations per seed, so that the traces cover small
// and odd machines, orders and object sizes.
workload::WorkloadOptions SmallOptions(uint64_t seed) {
  workload::WorkloadOptions o;
  o.seed = seed;
  o.events = 200 + seed % 5 * 100;
  o.system_pages = uint64_t{6144} << (seed % 2);
  o.max_order = static_cast<uint32_t>(seed % 3 == 0 ? 3 : 10);
  o.max_object_pages = uint64_t{1} << (5 + seed % 5);
  return o;
}

TEST(FastVsReference, EveryWorkloadUnderEverySemanticsGivesTheSameReportAndTimeline) {
  constexpr uint64_t kSeeds = 120;
  uint64_t traces = 0, violations = 0;
  for (const workload::WorkloadInfo& info : workload::Workloads()) {
    for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
      workload::WorkloadOptions o = SmallOptions(seed);
      // Faults armed often, so that failures hit every fast path.
      if (seed % 2 == 0) o.fault_rate = 0.3;
      Result<std::unique_ptr<workload::Workload>> w = workload::Make(info.name, o);
      if (!w.ok()) {
        // Some workloads reject the smallest machines; the defaults do.
        o.system_pages.reset();
        o.max_object_pages.reset();
        w = workload::Make(info.name, o);
      }
      ASSERT_TRUE(w.ok()) << info.name << ": " << w.status().message();
      const MachineConfig config = Resolve((*w)->config());
      std::vector<Event> events;
      Event e;
      uint64_t line = 1;
      while ((*w)->Next(&e)) {
        e.line = ++line;
        events.push_back(e);
      }
      for (Semantics s : {Semantics::kV13, Semantics::kMerged, Semantics::kMergedFixed}) {
        SCOPED_TRACE(std::string(info.name) + " seed " + std::to_string(seed) + " " +
                     std::string(SemanticsName(s)));
        const uint64_t check_every = seed % 7 == 3 ? 3 : 1;
        const Replayed fast = ReplayWith(events, config, s, check_every, false);
        const Replayed ref = ReplayWith(events, config, s, check_every, true);
        ASSERT_TRUE(fast.report == ref.report && fast.timeline == ref.timeline)
            << FirstDifference(fast, ref);
        ++traces;
        violations += fast.violations > 0;
      }
    }
  }
  EXPECT_GE(traces, 6 * kSeeds * 3);
  // The traces reach the paths where the model finds faults, not only the
  // clean ones.
  EXPECT_GT(violations, 0u);
}

}  // namespace
}  // namespace ttm
