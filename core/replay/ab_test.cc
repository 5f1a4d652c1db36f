#include "core/replay/ab.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/workload/workload.h"

namespace ttm {
namespace {

MachineConfig SmallMachine() {
  Config config;
  config.system_pages = 64;
  config.swap_pages = 64;
  return Resolve(config);
}

Event Ev(uint64_t line, EventBody body) {
  Event e;
  e.line = line;
  e.body = std::move(body);
  return e;
}

// allocate 4 pages, populate, shrink twice: V13 returns EBUSY for the second
// shrink of a backed-up tt (4.4), the merged code EINVAL.
std::vector<Event> BackupTwice() {
  return {Ev(2, AllocateEvent{.tt = 1, .pages = 4}), Ev(3, PopulateEvent{.tt = 1}),
          Ev(4, ShrinkEvent{.tt = 1}), Ev(5, ShrinkEvent{.tt = 1}), Ev(6, FreeEvent{.tt = 1})};
}

AbResult RunAb(const std::vector<Event>& events, const std::string& a, const std::string& b) {
  AbOptions options;
  options.a = a;
  options.b = b;
  Result<std::unique_ptr<AbReplayer>> ab = AbReplayer::Make(SmallMachine(), options);
  EXPECT_TRUE(ab.ok());
  for (const Event& e : events) EXPECT_TRUE((*ab)->Apply(e).ok());
  return (*ab)->Finish();
}

TEST(AbReplayer, OneSemanticsOnBothSidesNeverDiverges) {
  const AbResult r = RunAb(BackupTwice(), "merged", "merged");
  EXPECT_FALSE(r.diverged());
  EXPECT_EQ(r.timeline.old_events, 5u);
  EXPECT_EQ(r.timeline.differing_events, 0u);
  EXPECT_FALSE(r.timeline.first.has_value());
}

TEST(AbReplayer, NamesTheSecondShrinkWhereV13AndMergedReturnDifferentErrors) {
  const AbResult r = RunAb(BackupTwice(), "v13", "merged");
  ASSERT_TRUE(r.diverged());
  ASSERT_TRUE(r.timeline.first.has_value());
  EXPECT_EQ(r.timeline.first->line, 5u);
  EXPECT_EQ(r.timeline.first->op, "shrink");
  EXPECT_EQ(r.timeline.first->tt, 1u);
  ASSERT_FALSE(r.timeline.first->fields.empty());
  EXPECT_EQ(r.timeline.first->fields[0].first, "ret");
  EXPECT_EQ(r.timeline.first->fields[0].second.first, -16);
  EXPECT_EQ(r.timeline.first->fields[0].second.second, -22);
}

TEST(AbReplayer, BothReportsCoverTheWholeTraceAfterTheDivergence) {
  const AbResult r = RunAb(BackupTwice(), "v13", "merged");
  EXPECT_EQ(r.report_a.trace.events, 5u);
  EXPECT_EQ(r.report_b.trace.events, 5u);
  EXPECT_EQ(r.report_a.options.semantics, "v13");
  EXPECT_EQ(r.report_b.options.semantics, "merged");
  EXPECT_EQ(r.report_a.results.shrink.count("EBUSY"), 1u);
  EXPECT_EQ(r.report_b.results.shrink.count("EINVAL"), 1u);
}

TEST(AbReplayer, RefusesAnUnknownSemantics) {
  AbOptions options;
  options.b = "v14";
  Result<std::unique_ptr<AbReplayer>> ab = AbReplayer::Make(SmallMachine(), options);
  ASSERT_FALSE(ab.ok());
  EXPECT_NE(ab.status().message().find("v14"), std::string::npos);
}

TEST(AbReplayer, TextIsTheTimelineDiffFollowedByTheHeadlineWithoutTheSemanticsOrDigest) {
  const AbResult r = RunAb(BackupTwice(), "v13", "merged");
  const std::string a = RenderReportJson(r.report_a), b = RenderReportJson(r.report_b);
  Result<DiffResult> headline = AbHeadlineDiff(r, a, b);
  ASSERT_TRUE(headline.ok());
  for (const FieldChange& c : headline->changes) {
    EXPECT_NE(c.path, "options.semantics");
    EXPECT_NE(c.path, "behaviour.digest");
    EXPECT_EQ(c.path.find('['), std::string::npos) << c.path;
  }
  const std::string text = RenderAbText(r, *headline);
  EXPECT_EQ(text.rfind(RenderTimelineDiffText(r.timeline), 0), 0u) << text;
  EXPECT_NE(text.find("old: a (v13)"), std::string::npos) << text;
  EXPECT_NE(text.find("new: b (merged)"), std::string::npos) << text;
  EXPECT_NE(text.find("first divergent event: line 5, shrink, tt 1\n  ret: -16 -> -22\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("results.shrink.EBUSY: 1 -> (absent)"), std::string::npos) << text;
  EXPECT_EQ(text.find("DIFFERENT OPTIONS"), std::string::npos) << text;
}

TEST(AbReplayer, IdenticalSidesPrintOnlyThatTheTimelinesAreTheSame) {
  const AbResult r = RunAb(BackupTwice(), "v13", "v13");
  const std::string a = RenderReportJson(r.report_a), b = RenderReportJson(r.report_b);
  Result<DiffResult> headline = AbHeadlineDiff(r, a, b);
  ASSERT_TRUE(headline.ok());
  EXPECT_TRUE(headline->same());
  EXPECT_EQ(RenderAbText(r, *headline), RenderTimelineDiffText(r.timeline));
}

TEST(AbReplayer, JsonHasTheContractKeysAndTheTimelineDiffsFirstDivergence) {
  const AbResult r = RunAb(BackupTwice(), "v13", "merged");
  const std::string a = RenderReportJson(r.report_a), b = RenderReportJson(r.report_b);
  Result<DiffResult> headline = AbHeadlineDiff(r, a, b);
  ASSERT_TRUE(headline.ok());
  const nlohmann::json j = nlohmann::json::parse(RenderAbJson(r, *headline, a, b));
  EXPECT_EQ(j["a"], "v13");
  EXPECT_EQ(j["b"], "merged");
  EXPECT_EQ(j["diverged"], true);
  EXPECT_EQ(j["first_divergence"], nlohmann::json::parse(RenderTimelineDiffJson(r.timeline))["first_divergence"]);
  EXPECT_EQ(j["first_divergence"]["fields"]["ret"], nlohmann::json::array({-16, -22}));
  EXPECT_EQ(j["differing_events"], r.timeline.differing_events);
  EXPECT_EQ(j["reports"]["a"], nlohmann::json::parse(a));
  EXPECT_EQ(j["reports"]["b"], nlohmann::json::parse(b));
  EXPECT_EQ(j["reports"]["b"]["options"]["semantics"], "merged");
}

// The 4.8 regression, found by ab: a generated xe-kunit trace (the one
// merged_regression_test shows leaks under merged) first parts between
// merged and merged-fixed at a populate, the retried restore.
TEST(AbReplayer, FindsWhereMergedAndMergedFixedPartOnAGeneratedXeKunitTrace) {
  workload::WorkloadOptions o;
  o.seed = 1;
  o.events = 1500;
  o.system_pages = 8192;
  o.max_object_pages = 256;
  Result<std::unique_ptr<workload::Workload>> w = workload::Make("xe-kunit", o);
  ASSERT_TRUE(w.ok());
  AbOptions options;
  options.a = "merged";
  options.b = "merged-fixed";
  Result<std::unique_ptr<AbReplayer>> ab = AbReplayer::Make(Resolve((*w)->config()), options);
  ASSERT_TRUE(ab.ok());
  Event e;
  uint64_t line = 1;
  while ((*w)->Next(&e)) {
    e.line = ++line;
    ASSERT_TRUE((*ab)->Apply(e).ok());
  }
  const AbResult r = (*ab)->Finish();
  ASSERT_TRUE(r.diverged());
  ASSERT_TRUE(r.timeline.first.has_value());
  EXPECT_EQ(r.timeline.first->op, "populate");
  bool restore_pending_differs = false;
  for (const auto& [key, values] : r.timeline.first->fields) restore_pending_differs |= key == "restore_pending";
  EXPECT_TRUE(restore_pending_differs);
  EXPECT_GT(r.report_a.leaks.restore_states, 0u);
  EXPECT_EQ(r.report_b.leaks.restore_states, 0u);
}

}  // namespace
}  // namespace ttm
