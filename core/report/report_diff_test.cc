#include "core/report/report_diff.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/report/report.h"

namespace ttm {
namespace {

Report Base() {
  Report r;
  r.trace.sha256 = "ab";
  r.trace.events = 5;
  r.memory.backed_up_pages = 100;
  r.restore.started = 1;
  r.restore.completed = 1;
  r.integrity.pages_verified = 100;
  r.checks.Pass();
  r.expectations.Pass();
  r.run.tool = "ttm-replay 0.1.0";
  r.run.build = "git aaaaaaaaaaaa";
  r.run.wall_ms = 10;
  return r;
}

// A complete report (every version 1 section, as an empty replay writes
// it, without `run`) with the fields of `json` added or replaced, so that a
// test can state only what it compares.
std::string Complete(std::string_view json) {
  nlohmann::ordered_json base = nlohmann::ordered_json::parse(RenderReportJson(Report{}));
  base.erase("run");
  const nlohmann::ordered_json fields = nlohmann::ordered_json::parse(json);
  for (const auto& [key, value] : fields.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object())
      base[key].update(value);
    else
      base[key] = value;
  }
  return base.dump();
}

DiffResult Diff(const Report& a, const Report& b) {
  Result<DiffResult> d = DiffReports(RenderReportJson(a), RenderReportJson(b));
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? *d : DiffResult{};
}

const FieldChange* Find(const DiffResult& d, std::string_view path) {
  for (const FieldChange& c : d.changes)
    if (c.path == path) return &c;
  return nullptr;
}

// Applies `mutate` to a copy of Base() as the NEW report.
DiffResult DiffAfter(const std::function<void(Report&)>& mutate) {
  Report after = Base();
  mutate(after);
  return Diff(Base(), after);
}

TEST(ReportDiff, IdenticalReportsHaveNoChanges) {
  DiffResult d = Diff(Base(), Base());
  EXPECT_TRUE(d.same());
  EXPECT_EQ(d.regressions(), 0u);
}

TEST(ReportDiff, RunIsIgnored) {
  Report b = Base();
  b.run.tool = "ttm-replay 9.9";
  b.run.build = "git bbbbbbbbbbbb";
  b.run.wall_ms = 99999;
  b.run.extras.push_back({"events_per_second", 2.5});
  DiffResult d = Diff(Base(), b);
  EXPECT_TRUE(d.same());
}

TEST(ReportDiff, BothBuildsAreNamedFromRun) {
  Report b = Base();
  b.run.build = "git bbbbbbbbbbbb";
  DiffResult d = Diff(Base(), b);
  EXPECT_EQ(d.old_build, "ttm-replay 0.1.0, git aaaaaaaaaaaa");
  EXPECT_EQ(d.new_build, "ttm-replay 0.1.0, git bbbbbbbbbbbb");
}

TEST(ReportDiff, ReportWithoutRunNamesAnUnknownBuild) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 1})"),
      Complete(R"({"format": "ttm-replay-report", "version": 1, "run": {"build": "git x"}})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->old_build, "unknown build");
  EXPECT_EQ(d->new_build, "git x");
}

TEST(ReportDiff, ChangedCountCarriesBothValuesAndTheDelta) {
  DiffResult d = DiffAfter([](Report& r) { r.pool.splits = 7; });
  ASSERT_EQ(d.changes.size(), 1u);
  const FieldChange& c = d.changes[0];
  EXPECT_EQ(c.path, "pool.splits");
  EXPECT_EQ(*c.old_value, 0);
  EXPECT_EQ(*c.new_value, 7);
  EXPECT_EQ(*c.delta, 7);
  EXPECT_FALSE(c.regression);
}

TEST(ReportDiff, MoreLeakedPagesHandlesOrRestoreStatesAreRegressions) {
  for (auto mutate : std::vector<std::function<void(Report&)>>{
           [](Report& r) { r.leaks.pages = 1; },
           [](Report& r) { r.leaks.handles = 1; },
           [](Report& r) { r.leaks.restore_states = 1; }}) {
    DiffResult d = DiffAfter(mutate);
    const FieldChange* ok = Find(d, "leaks.ok");
    ASSERT_NE(ok, nullptr);
    EXPECT_TRUE(ok->regression);
    EXPECT_FALSE(ok->delta.has_value());
    EXPECT_EQ(d.regressions(), 2u) << RenderDiffText(d);
  }
}

TEST(ReportDiff, MoreObjectsLeftAliveIsNotARegression) {
  DiffResult d = DiffAfter([](Report& r) { r.leaks.live_tts = 3; });
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_FALSE(d.changes[0].regression);
}

TEST(ReportDiff, IntegrityMismatchesAreRegressions) {
  DiffResult d = DiffAfter([](Report& r) { r.integrity.mismatches = 2; });
  EXPECT_TRUE(Find(d, "integrity.ok")->regression);
  EXPECT_TRUE(Find(d, "integrity.mismatches")->regression);
}

TEST(ReportDiff, NewViolationsAreRegressionsIncludingANewInvariantName) {
  DiffResult d = DiffAfter([](Report& r) {
    r.violations.Add({3, 1, "3.6.1 restored-content", "page 0 differs"});
  });
  EXPECT_TRUE(Find(d, "violations.count")->regression);
  const FieldChange* inv = Find(d, "violations.by_invariant.3.6.1 restored-content");
  ASSERT_NE(inv, nullptr) << RenderDiffText(d);
  EXPECT_FALSE(inv->old_value.has_value());
  EXPECT_EQ(*inv->new_value, 1);
  EXPECT_TRUE(inv->regression);
  const FieldChange* entry = Find(d, "violations.first[0]");
  ASSERT_NE(entry, nullptr);
  EXPECT_FALSE(entry->regression);
}

TEST(ReportDiff, FailedChecksExpectationsAndRestoresAreRegressions) {
  EXPECT_TRUE(Find(DiffAfter([](Report& r) { r.checks.Fail({1, "i", "w"}); }),
                   "checks.failed")
                  ->regression);
  EXPECT_TRUE(Find(DiffAfter([](Report& r) { r.expectations.Fail({}); }),
                   "expectations.failed")
                  ->regression);
  EXPECT_TRUE(
      Find(DiffAfter([](Report& r) { r.restore.failed = 1; }), "restore.failed")
          ->regression);
}

TEST(ReportDiff, FewerFreedPagesIsARegression) {
  DiffResult d = DiffAfter([](Report& r) { r.memory.backed_up_pages = 90; });
  EXPECT_TRUE(Find(d, "memory.freed_pages")->regression);
  EXPECT_TRUE(Find(d, "memory.freed_bytes")->regression);
  EXPECT_FALSE(Find(d, "memory.backed_up_pages")->regression);
  EXPECT_EQ(*Find(d, "memory.freed_pages")->delta, -10);
}

TEST(ReportDiff, ImprovementsAreNotRegressions) {
  Report worse = Base();
  worse.leaks.pages = 4;
  worse.integrity.mismatches = 1;
  worse.violations.Add({3, 1, "x", "y"});
  worse.checks.Fail({1, "i", "w"});
  worse.expectations.Fail({});
  worse.restore.failed = 2;
  worse.memory.backed_up_pages = 50;
  DiffResult d = Diff(worse, Base());
  EXPECT_FALSE(d.same());
  EXPECT_EQ(d.regressions(), 0u) << RenderDiffText(d);
}

TEST(ReportDiff, FieldsInOnlyOneReportAreChanges) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 1, "a": 1, "gone": true})"),
      Complete(R"({"format": "ttm-replay-report", "version": 1, "a": 1, "added": {"x": 2}})"));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->changes.size(), 2u);
  EXPECT_EQ(d->changes[0].path, "gone");
  EXPECT_FALSE(d->changes[0].new_value.has_value());
  EXPECT_EQ(d->changes[1].path, "added.x");
  EXPECT_FALSE(d->changes[1].old_value.has_value());
  EXPECT_FALSE(d->changes[1].delta.has_value());
}

TEST(ReportDiff, ChangesFollowTheOldReportsOrderThenNewOnlyFields) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 1, "z": 1, "a": 1, "m": 1})"),
      Complete(R"({"format": "ttm-replay-report", "version": 1, "n": 2, "m": 2, "a": 2, "z": 2})"));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->changes.size(), 4u);
  EXPECT_EQ(d->changes[0].path, "z");
  EXPECT_EQ(d->changes[1].path, "a");
  EXPECT_EQ(d->changes[2].path, "m");
  EXPECT_EQ(d->changes[3].path, "n");
}

TEST(ReportDiff, ABooleanIsNotEqualToANumber) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 1, "a": true})"),
      Complete(R"({"format": "ttm-replay-report", "version": 1, "a": 1})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->changes.size(), 1u);
}

TEST(ReportDiff, InvalidJsonIsAnErrorNamingTheFile) {
  Result<DiffResult> d =
      DiffReports(RenderReportJson(Base()), "{\"format\": ", "a.json", "b.json");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kInvalidInput);
  EXPECT_TRUE(d.status().message().starts_with("b.json: not a JSON report: "))
      << d.status().message();
  EXPECT_EQ(d.status().message().find('\n'), std::string::npos);
}

TEST(ReportDiff, JsonThatIsNotAReportIsAnError) {
  for (const char* text : {"[1, 2]", "{}", R"({"format": "other", "version": 1})",
                           "\"ttm-replay-report\""}) {
    Result<DiffResult> d = DiffReports(text, RenderReportJson(Base()), "old.json");
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_TRUE(d.status().message().starts_with("old.json: not a ttm-replay report"))
        << d.status().message();
  }
}

TEST(ReportDiff, UnsupportedVersionIsAnError) {
  Result<DiffResult> d = DiffReports(
      RenderReportJson(Base()),
      R"({"format": "ttm-replay-report", "version": 3})", "old", "new.json");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "new.json: unsupported report version 3 (this build reads 1 to 2)");
}

TEST(ReportDiff, EmptyInputIsAnError) {
  EXPECT_FALSE(DiffReports("", RenderReportJson(Base())).ok());
}

TEST(ReportDiffText, NamesBuildsChangesDeltasAndRegressions) {
  Report b = Base();
  b.run.build = "git bbbbbbbbbbbb";
  b.leaks.handles = 2;
  b.pool.hits = 5;
  EXPECT_EQ(RenderDiffText(Diff(Base(), b)),
            "old: ttm-replay 0.1.0, git aaaaaaaaaaaa\n"
            "new: ttm-replay 0.1.0, git bbbbbbbbbbbb\n"
            "pool.hits: 0 -> 5 (+5)\n"
            "leaks.ok: true -> false  REGRESSION\n"
            "leaks.handles: 0 -> 2 (+2)  REGRESSION\n"
            "3 changes, 2 regressions, 0 behaviour changes\n");
}

TEST(ReportDiffText, SaysSoWhenThereIsNoDifference) {
  EXPECT_EQ(RenderDiffText(Diff(Base(), Base())),
            "old: ttm-replay 0.1.0, git aaaaaaaaaaaa\n"
            "new: ttm-replay 0.1.0, git aaaaaaaaaaaa\n"
            "no differences\n");
}

TEST(ReportDiffText, AbsentFieldsAreMarked) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 1, "a": "x"})"),
      Complete(R"({"format": "ttm-replay-report", "version": 1, "b": 1.5})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(RenderDiffText(*d),
            "old: unknown build\n"
            "new: unknown build\n"
            "a: \"x\" -> (absent)\n"
            "b: (absent) -> 1.5\n"
            "2 changes, 0 regressions, 0 behaviour changes\n");
}

TEST(ReportDiffJson, ListsChangesWithOptionalOldNewAndDelta) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 1,
          "memory": {"freed_pages": 10}, "gone": 1})"),
      Complete(R"({"format": "ttm-replay-report", "version": 1,
          "memory": {"freed_pages": 4}, "run": {"build": "git b"}})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(RenderDiffJson(*d), R"({
  "old": {
    "build": "unknown build"
  },
  "new": {
    "build": "git b"
  },
  "different_traces": false,
  "different_options": false,
  "behaviour_changed": false,
  "changes": [
    {
      "path": "memory.freed_pages",
      "old": 10,
      "new": 4,
      "delta": -6,
      "regression": true,
      "behaviour_change": false,
      "context": false
    },
    {
      "path": "gone",
      "old": 1,
      "regression": false,
      "behaviour_change": false,
      "context": false
    }
  ],
  "changed": 2,
  "regressions": 1,
  "behaviour_changes": 0,
  "notes": []
}
)");
}

// ---- version 2: behaviour, traces and options, exit statuses ------------

Report WithBehaviour(const std::string& digest) {
  Report r = Base();
  r.behaviour = Report::Behaviour{digest, 7};
  return r;
}

TEST(ReportDiff, AChangedDigestIsABehaviourChangeEvenWhenEveryTotalIsEqual) {
  DiffResult d = Diff(WithBehaviour("00aa"), WithBehaviour("00bb"));
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_TRUE(d.changes[0].behaviour_change);
  EXPECT_FALSE(d.changes[0].regression);
  EXPECT_TRUE(d.digest_changed());
  EXPECT_EQ(d.ExitStatus(false), 1);
  EXPECT_EQ(d.ExitStatus(true), 0);
  const std::string text = RenderDiffText(d);
  EXPECT_NE(text.find("BEHAVIOUR CHANGED"), std::string::npos) << text;
  EXPECT_NE(text.find("rerun both builds with --timeline"), std::string::npos) << text;
}

TEST(ReportDiff, ABackupOrRestoreCounterMovingByMoreThanTenPercentAndTenIsABehaviourChange) {
  DiffResult big = DiffAfter([](Report& r) { r.backup.failed_pages = 12711; });
  EXPECT_TRUE(Find(big, "backup.failed_pages")->behaviour_change);
  EXPECT_NE(RenderDiffText(big).find("  behaviour change: backup.failed_pages: 0 -> 12711 (+12711)\n"),
            std::string::npos)
      << RenderDiffText(big);
  // +11 on 0 is both more than 10 and more than 10 %.
  EXPECT_TRUE(Find(DiffAfter([](Report& r) { r.restore.restarts = 11; }), "restore.restarts")->behaviour_change);
  // +10 is not more than 10.
  EXPECT_FALSE(Find(DiffAfter([](Report& r) { r.backup.ebusy = 10; }), "backup.ebusy")->behaviour_change);
  // +20 on 1000 is 2 %.
  Report old_report = Base(), new_report = Base();
  old_report.backup.partial = 1000;
  new_report.backup.partial = 1020;
  EXPECT_FALSE(Find(Diff(old_report, new_report), "backup.partial")->behaviour_change);
  // A pool counter is not a backup/restore counter.
  EXPECT_FALSE(Find(DiffAfter([](Report& r) { r.pool.hits = 500; }), "pool.hits")->behaviour_change);
}

TEST(ReportDiff, MoreViolationsAreARegressionWhateverElseImproved) {
  Report old_report = Base(), new_report = Base();
  old_report.backup.failed_pages = 13;
  new_report.backup.failed_pages = 12711;
  new_report.memory.backed_up_pages = 100000;  // "more memory freed"
  new_report.violations.Add({9, 1, "3.3.3 handle-use", "copy of handle 5, which is not live"});
  DiffResult d = Diff(old_report, new_report);
  EXPECT_GT(d.regressions(), 0u);
  EXPECT_EQ(d.ExitStatus(true), 1);
  EXPECT_NE(RenderDiffText(d).find("violations.count: 0 -> 1 (+1)  REGRESSION"), std::string::npos);
}

TEST(ReportDiff, DifferentTracesAreStatedFirstAndFailEvenOnRegressionOnly) {
  DiffResult d = DiffAfter([](Report& r) { r.trace.sha256 = "cd"; });
  EXPECT_TRUE(d.different_traces());
  EXPECT_TRUE(Find(d, "trace.sha256")->context);
  EXPECT_EQ(d.ExitStatus(true), 1);
  const std::string text = RenderDiffText(d);
  EXPECT_TRUE(text.starts_with("DIFFERENT TRACES: ")) << text;
  EXPECT_NE(text.find("  trace.sha256: \"ab\" -> \"cd\"\n"), std::string::npos) << text;
}

TEST(ReportDiff, DifferentOptionsAreStatedFirstAndFailEvenOnRegressionOnly) {
  Result<DiffResult> d = DiffReports(
      Complete(R"({"format": "ttm-replay-report", "version": 2, "options": {"semantics": "v13", "check_every": 1}})"),
      Complete(R"({"format": "ttm-replay-report", "version": 2, "options": {"semantics": "v13", "check_every": 1000}})"));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->different_options());
  EXPECT_FALSE(d->different_traces());
  EXPECT_EQ(d->ExitStatus(true), 1);
  EXPECT_TRUE(RenderDiffText(*d).starts_with(
      "DIFFERENT OPTIONS: these reports were made with different options\n"
      "  options.check_every: 1 -> 1000 (+999)\n"))
      << RenderDiffText(*d);
}

TEST(ReportDiff, OtherChangesFailOnlyWithFailOnAny) {
  DiffResult d = DiffAfter([](Report& r) { r.pool.hits = 3; });
  EXPECT_EQ(d.ExitStatus(false), 1);
  EXPECT_EQ(d.ExitStatus(true), 0);
  EXPECT_EQ(Diff(Base(), Base()).ExitStatus(false), 0);
}

TEST(ReportDiff, AReportOfAnOlderBuildWithoutVersionTwoSectionsStaysComparable) {
  std::string old_json = RenderReportJson(Base());
  const size_t version = old_json.find("\"version\": 2");
  ASSERT_NE(version, std::string::npos);
  old_json.replace(version, 12, "\"version\": 1");
  Result<DiffResult> d = DiffReports(old_json, RenderReportJson(WithBehaviour("00aa")));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_TRUE(d->same()) << RenderDiffText(*d);
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0], "OLD has no behaviour section (a report of an older build): behaviour not compared");
  EXPECT_NE(RenderDiffText(*d).find("note: OLD has no behaviour section"), std::string::npos);
}

TEST(ReportDiffText, AChangedViolationEntryIsOneLine) {
  Report old_report = Base(), new_report = Base();
  old_report.violations.Add({5, 1, "3.5.3 dma-unmap-once", "slot 3 unmapped twice"});
  new_report.violations.Add({7, 1, "3.5.3 dma-unmap-once", "slot 4 unmapped twice"});
  const std::string text = RenderDiffText(Diff(old_report, new_report));
  EXPECT_NE(text.find("violations.first[0]: line 5, tt 1: 3.5.3 dma-unmap-once: slot 3 unmapped twice -> "
                      "line 7, tt 1: 3.5.3 dma-unmap-once: slot 4 unmapped twice\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("violations.first[0].line"), std::string::npos);
}

TEST(ReportDiffText, AnExpectationFailureEntryIsOneLine) {
  DiffResult d = DiffAfter([](Report& r) {
    r.expectations.Fail({Report::ExpectationFailure{9, "ret", int64_t{0}, int64_t{-4}}});
  });
  EXPECT_NE(RenderDiffText(d).find("expectations.failures[0]: (absent) -> line 9: ret: expected 0, found -4\n"),
            std::string::npos)
      << RenderDiffText(d);
}

TEST(ReportDiffJson, IsDeterministic) {
  Report b = Base();
  b.violations.Add({1, 2, "inv", "what"});
  DiffResult d = Diff(Base(), b);
  EXPECT_EQ(RenderDiffJson(d), RenderDiffJson(Diff(Base(), b)));
}

}  // namespace
}  // namespace ttm
