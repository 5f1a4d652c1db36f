#include "core/report/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ttm {
namespace {

// The example of docs/report-format.md, with one EINTR restore.
Report ExampleReport() {
  Report r;
  r.trace.sha256 =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  r.trace.events = 15;
  r.config.system_pages = 4096;
  r.config.dma32_pages = 0;
  r.config.swap_pages = 4096;
  r.config.max_order = 10;
  r.config.pool_limit_pages = 2048;
  r.events[0] = 1;  // allocate
  r.events[1] = 3;  // populate
  r.events[3] = 1;  // shrink
  r.events[5] = 1;  // free
  r.results.Count("populate", kEINTR);
  r.results.Count("populate", 0);
  r.results.Count("populate", 0);
  r.results.Count("shrink", 0);
  r.memory.backed_up_pages = 300;
  r.memory.peak_system_pages = 301;
  r.memory.peak_backup_pages = 300;
  r.restore = {1, 1, 1, 1, 300, 0};
  r.pool.misses = 3;
  r.pool.splits = 2;
  r.pool.caching_changes = 2;
  r.integrity.pages_verified = 300;
  r.checks.Pass();
  for (int i = 0; i < 6; ++i) r.expectations.Pass();
  r.run.tool = "ttm-replay 0.1.0";
  r.run.build = "git 1a2b3c4";
  r.run.wall_ms = 3;
  r.behaviour = Report::Behaviour{"9b03019fbb69c443ed65d08fb06035aa", 7};
  return r;
}

constexpr char kExampleJson[] = R"({
  "format": "ttm-replay-report",
  "version": 2,
  "trace": {
    "sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "events": 15
  },
  "config": {
    "system_pages": 4096,
    "dma32_pages": 0,
    "swap_pages": 4096,
    "max_order": 10,
    "pool_limit_pages": 2048,
    "use_dma_alloc": false,
    "use_dma32": false,
    "numa_node": false
  },
  "options": {
    "semantics": "v13",
    "check_every": 1
  },
  "events": {
    "allocate": 1,
    "populate": 3,
    "write": 0,
    "shrink": 1,
    "unpopulate": 0,
    "free": 1,
    "pool_shrink": 0,
    "fail": 0,
    "set": 0,
    "check": 0,
    "expect": 0
  },
  "results": {
    "populate": {
      "ok": 2,
      "EINTR": 1
    },
    "shrink": {
      "ok": 1
    }
  },
  "memory": {
    "freed_pages": 300,
    "freed_bytes": 1228800,
    "backed_up_pages": 300,
    "purged_pages": 0,
    "pool_shrunk_pages": 0,
    "peak_system_pages": 301,
    "peak_backup_pages": 300,
    "peak_pool_pages": 0,
    "writeback_pages": 0
  },
  "restore": {
    "started": 1,
    "completed": 1,
    "restarts": 1,
    "failed": 1,
    "pages_from_backup": 300,
    "pages_from_retained": 0
  },
  "backup": {
    "partial": 0,
    "ebusy": 0,
    "failed_pages": 0
  },
  "pool": {
    "hits": 0,
    "misses": 3,
    "order_fallbacks": 0,
    "splits": 2,
    "caching_changes": 2
  },
  "leaks": {
    "ok": true,
    "live_tts": 0,
    "pages": 0,
    "handles": 0,
    "restore_states": 0
  },
  "integrity": {
    "ok": true,
    "pages_verified": 300,
    "mismatches": 0
  },
  "violations": {
    "count": 0,
    "by_invariant": {},
    "first": []
  },
  "checks": {
    "passed": 1,
    "failed": 0,
    "failures": []
  },
  "expectations": {
    "passed": 6,
    "failed": 0,
    "failures": []
  },
  "behaviour": {
    "digest": "9b03019fbb69c443ed65d08fb06035aa",
    "events": 7
  },
  "run": {
    "tool": "ttm-replay 0.1.0",
    "build": "git 1a2b3c4",
    "wall_ms": 3
  }
}
)";

TEST(ReportJson, KeysComeOutInTheDocumentedOrder) {
  EXPECT_EQ(RenderReportJson(ExampleReport()), kExampleJson);
}

TEST(ReportJson, EqualReportsRenderToIdenticalBytes) {
  Report a = ExampleReport(), b = ExampleReport();
  // Insert in a different order: the output must not care.
  a.violations.Add({7, 1, "3.6.1 restored-content", "page 3 differs"});
  a.violations.Add({8, std::nullopt, "3.1.3 conservation", "off by one"});
  b.violations.Add({7, 1, "3.6.1 restored-content", "page 3 differs"});
  b.violations.Add({8, std::nullopt, "3.1.3 conservation", "off by one"});
  a.results.Count("shrink", kEBUSY);
  a.results.Count("shrink", kENOMEM);
  b.results.Count("shrink", kENOMEM);
  b.results.Count("shrink", kEBUSY);
  EXPECT_EQ(RenderReportJson(a), RenderReportJson(b));
  EXPECT_EQ(RenderReportJson(a), RenderReportJson(a));
}

TEST(ReportResults, CountZeroAndPositiveReturnsAsOkAndEveryOtherByItsName) {
  Report r;
  for (int64_t ret : std::vector<int64_t>{0, 5, 0, -1000, kEBUSY, 1, kENOMEM, 0, kEBUSY, -1000}) r.results.Count("shrink", ret);
  r.results.Count("populate", 7);
  r.results.Count("write", 0);  // not an op with a result
  EXPECT_EQ(r.results.shrink, (ResultCounts{{"ok", 5}, {"-1000", 2}, {"EBUSY", 2}, {"ENOMEM", 1}}));
  EXPECT_EQ(r.results.populate, (ResultCounts{{"ok", 1}}));
  std::vector<std::string> order;
  for (const auto& [name, n] : r.results.shrink) order.push_back(name);
  EXPECT_EQ(order, (std::vector<std::string>{"ok", "-1000", "EBUSY", "ENOMEM"}));
}

TEST(ReportJson, ResultsListOkFirstThenErrnoNamesAlphabetically) {
  Report r;
  r.results.Count("shrink", kENOMEM);
  r.results.Count("shrink", kEBUSY);
  r.results.Count("shrink", -5);
  r.results.Count("shrink", 0);
  r.results.Count("populate", kEINTR);
  std::string json = RenderReportJson(r);
  EXPECT_NE(json.find(R"("shrink": {
      "ok": 1,
      "-5": 1,
      "EBUSY": 1,
      "ENOMEM": 1
    })"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("populate": {
      "EINTR": 1
    })"),
            std::string::npos)
      << json;
}

TEST(ReportJson, OpsWithoutAReturnValueAreNotCounted) {
  Report r;
  r.results.Count("free", 0);
  EXPECT_TRUE(r.results.populate.empty());
  EXPECT_TRUE(r.results.shrink.empty());
}

TEST(ReportJson, ViolationsKeepExactCountsButListOnlyTheFirstTwenty) {
  Report r;
  for (uint64_t i = 0; i < 25; ++i)
    r.violations.Add({i + 1, i, i % 2 ? "b-inv" : "a-inv", "bad"});
  EXPECT_EQ(r.violations.count, 25u);
  EXPECT_EQ(r.violations.first.size(), kMaxFirstViolations);
  EXPECT_EQ(r.violations.by_invariant.at("a-inv"), 13u);
  EXPECT_EQ(r.violations.by_invariant.at("b-inv"), 12u);
  std::string json = RenderReportJson(r);
  EXPECT_NE(json.find(R"("by_invariant": {
      "a-inv": 13,
      "b-inv": 12
    })"),
            std::string::npos);
  EXPECT_NE(json.find(R"("line": 20,)"), std::string::npos);
  EXPECT_EQ(json.find(R"("line": 21,)"), std::string::npos);
}

TEST(ReportJson, ViolationWithoutAnObjectHasNullTt) {
  Report r;
  r.violations.Add({4, std::nullopt, "3.1.3 conservation", "x"});
  EXPECT_NE(RenderReportJson(r).find(R"("tt": null,)"), std::string::npos);
}

TEST(ReportJson, FailureListsAreCappedButCountsStayExact) {
  Report r;
  for (uint64_t i = 0; i < 150; ++i) {
    r.checks.Fail({i, "leaks", "1 page missing"});
    r.expectations.Fail({{i, "ret", int64_t{0}, std::string("ENOMEM")},
                         {i, "resident", uint64_t{4}, uint64_t{3}}});
  }
  EXPECT_EQ(r.checks.failed, 150u);
  EXPECT_EQ(r.checks.failures.size(), kMaxListedFailures);
  EXPECT_EQ(r.expectations.failed, 150u);
  EXPECT_EQ(r.expectations.failures.size(), kMaxListedFailures);
}

TEST(ReportJson, ExpectationFailuresKeepTheTypesOfTheirValues) {
  Report r;
  r.expectations.Fail({{9, "ret", int64_t{0}, std::string("ENOMEM")},
                       {9, "intact", true, false}});
  std::string json = RenderReportJson(r);
  EXPECT_NE(json.find(R"({
        "line": 9,
        "assertion": "ret",
        "expected": 0,
        "found": "ENOMEM"
      })"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("expected": true,
        "found": false)"),
            std::string::npos);
}

TEST(ReportJson, RunExtrasFollowTheFixedRunFields) {
  Report r;
  r.run.tool = "t";
  r.run.extras.push_back({"events_per_second", 1.5});
  EXPECT_NE(RenderReportJson(r).find(R"("wall_ms": 0,
    "events_per_second": 1.5
  })"),
            std::string::npos);
}

TEST(ReportJson, InvalidUtf8InAMessageDoesNotThrow) {
  Report r;
  r.violations.Add({1, 1, "x", std::string("bad \xff byte")});
  EXPECT_NO_THROW(RenderReportJson(r));
  EXPECT_NO_THROW(RenderSummary(r));
}

TEST(ReportJson, BehaviourIsLeftOutWhenNotComputed) {
  Report r = ExampleReport();
  r.behaviour.reset();
  EXPECT_EQ(RenderReportJson(r).find("behaviour"), std::string::npos);
}

TEST(ReportJson, EndsWithExactlyOneNewline) {
  std::string json = RenderReportJson(Report{});
  ASSERT_GE(json.size(), 2u);
  EXPECT_EQ(json.back(), '\n');
  EXPECT_NE(json[json.size() - 2], '\n');
}

TEST(ReportSummary, CleanRunSaysWhatWasFreedAndEndsClean) {
  std::string s = RenderSummary(ExampleReport());
  EXPECT_NE(s.find("memory freed: 300 pages (1.2 MiB): 300 backed up, 0 purged"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("restore: 1 started, 1 completed, 1 failed attempt, 1 restart\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("leaks: ok"), std::string::npos);
  EXPECT_NE(s.find("integrity: ok (300 page restores compared with the last write)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("violations: none"), std::string::npos);
  EXPECT_NE(s.find("expectations: 6 passed, 0 failed"), std::string::npos);
  EXPECT_NE(s.find("checks: 1 passed, 0 failed"), std::string::npos);
  EXPECT_TRUE(s.ends_with("verdict: clean\n")) << s;
}

TEST(ReportSummary, FindingsAreNamedWithTheirTraceLines) {
  Report r = ExampleReport();
  r.leaks.handles = 2;
  r.integrity.mismatches = 1;
  r.violations.Add({12, 3, "3.5.3 dma-unmap-once", "page 0 unmapped twice"});
  r.violations.Add({14, std::nullopt, "3.5.3 dma-unmap-once", "again"});
  r.checks.Fail({20, "leaks", "2 handles held"});
  r.expectations.Fail({{31, "ret", int64_t{0}, std::string("EINTR")}});
  std::string s = RenderSummary(r);
  EXPECT_NE(s.find("leaks: LEAK: 0 pages, 2 backup handles, 0 restore states"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("integrity: DATA LOSS: 1 of 300 page restores did not bring back the last "
                   "write\n"),
            std::string::npos);
  EXPECT_NE(s.find("violations: 2 (2 x 3.5.3 dma-unmap-once)"),
            std::string::npos);
  EXPECT_NE(s.find("  line 12 tt 3: 3.5.3 dma-unmap-once: page 0 unmapped twice"),
            std::string::npos);
  EXPECT_NE(s.find("  line 14: 3.5.3 dma-unmap-once: again"), std::string::npos);
  EXPECT_NE(s.find("  line 20: leaks: 2 handles held"), std::string::npos);
  EXPECT_NE(s.find("  line 31: ret: expected 0, found \"EINTR\""),
            std::string::npos)
      << s;
  EXPECT_TRUE(s.ends_with(
      "verdict: FINDINGS: leak, integrity mismatch, invariant violations, "
      "failed checks, failed expectations\n"))
      << s;
}

TEST(ReportSummary, ACutViolationListSaysHowManyMoreThereAre) {
  Report r = ExampleReport();
  for (uint64_t i = 1; i <= 5; ++i) r.violations.Add({i, 1, "3.5.3 dma-unmap-once", "twice"});
  std::string s = RenderSummary(r);
  EXPECT_NE(s.find("  line 3 tt 1: 3.5.3 dma-unmap-once: twice\n  \u2026 2 more\nchecks:"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("  line 4 "), std::string::npos);
}

TEST(ReportSummary, MoreCountsViolationsBeyondTheReportsOwnList) {
  Report r = ExampleReport();
  for (uint64_t i = 1; i <= 50; ++i) r.violations.Add({i, 1, "inv", "w"});
  EXPECT_NE(RenderSummary(r).find("  \u2026 47 more\n"), std::string::npos);
}

TEST(ReportSummary, AnUncutListHasNoMoreLine) {
  Report r = ExampleReport();
  for (uint64_t i = 1; i <= 3; ++i) r.violations.Add({i, 1, "inv", "w"});
  EXPECT_EQ(RenderSummary(r).find("more"), std::string::npos);
}

TEST(ReportSummary, ExpectedErrnosAreShownByNameNotNumber) {
  Report r = ExampleReport();
  r.expectations.Fail({{31, "ret", int64_t{-12}, int64_t{-4}}});
  r.expectations.Fail({{32, "ret", int64_t{8}, int64_t{-99}}});
  std::string s = RenderSummary(r);
  EXPECT_NE(s.find("  line 31: ret: expected ENOMEM, found EINTR\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  line 32: ret: expected 8, found -99\n"), std::string::npos) << s;
  EXPECT_EQ(s.find("-12"), std::string::npos);
}

TEST(ReportSummary, TheExpectationsLineCountsTheLinesThatFollowIt) {
  // Two failed expect events, one with two failed assertions: two lines.
  Report r = ExampleReport();
  r.expectations.passed = 2;
  r.expectations.Fail({{12, "state", std::string("backed_up"), std::string("populated")},
                       {12, "resident", uint64_t{0}, uint64_t{8}}});
  r.expectations.Fail({{15, "intact", true, false}});
  std::string s = RenderSummary(r);
  EXPECT_NE(s.find("expectations: 2 passed, 2 failed\n"
                   "  line 12: state: expected \"backed_up\", found \"populated\"; resident: "
                   "expected 0, found 8\n"
                   "  line 15: intact: expected true, found false\n"
                   "verdict:"),
            std::string::npos)
      << s;
}

TEST(ReportSummary, FailedExpectationsBeyondThreeSayHowManyMore) {
  Report r = ExampleReport();
  for (uint64_t i = 1; i <= 5; ++i)
    r.expectations.Fail({{i, "live_tts", uint64_t{0}, uint64_t{1}},
                         {i, "pool_pages", uint64_t{0}, uint64_t{1}}});
  std::string s = RenderSummary(r);
  EXPECT_NE(s.find("  line 3: live_tts: expected 0, found 1; pool_pages: expected 0, found 1\n"
                   "  \u2026 2 more\nverdict:"),
            std::string::npos)
      << s;
}

TEST(ReportChecks, ACheckThatFindsSeveralThingsIsOneFailedCheck) {
  Report r;
  r.checks.Fail({{40, "3.5.3 dma-unmap-once", "a"}, {40, "3.4.1 pool-caching", "b"}});
  EXPECT_EQ(r.checks.failed, 1u);
  EXPECT_EQ(r.checks.failures.size(), 2u);
  std::string s = RenderSummary(r);
  EXPECT_NE(s.find("checks: 0 passed, 1 failed\n"
                   "  line 40: 3.5.3 dma-unmap-once: a; 3.4.1 pool-caching: b\n"
                   "expectations:"),
            std::string::npos)
      << s;
}

// report-format.md, version 2: the options that change results.
TEST(ReportJson, OptionsRecordTheSemanticsAndTheCheckInterval) {
  Report r = ExampleReport();
  r.options.semantics = "merged";
  r.options.check_every = 1000;
  const std::string json = RenderReportJson(r);
  EXPECT_NE(json.find("  \"options\": {\n    \"semantics\": \"merged\",\n    \"check_every\": 1000\n  },"),
            std::string::npos)
      << json;
}

TEST(ReportSummary, AThinnedCheckerSaysTransientViolationsMayBeMissed) {
  Report r = ExampleReport();
  EXPECT_EQ(RenderSummary(r).find("may have been missed"), std::string::npos);
  r.options.check_every = 1000;
  const std::string s = RenderSummary(r);
  EXPECT_NE(s.find("  note: the checker ran once every 1000 events: a transient violation, one that "
                   "came and went between two checks, may have been missed\n"),
            std::string::npos)
      << s;
  EXPECT_LT(s.find("violations: none"), s.find("note: the checker"));
}

TEST(ReportSummary, IsShort) {
  Report r = ExampleReport();
  for (uint64_t i = 0; i < 50; ++i) r.violations.Add({i, i, "inv", "what"});
  std::string s = RenderSummary(r);
  EXPECT_LE(std::count(s.begin(), s.end(), '\n'), 15);
}

TEST(ReportExitStatus, CleanReportIsZero) {
  EXPECT_EQ(ReportExitStatus(ExampleReport()), 0);
}

TEST(ReportExitStatus, ObjectsLeftAliveAreNotALeak) {
  Report r = ExampleReport();
  r.leaks.live_tts = 4;
  EXPECT_EQ(ReportExitStatus(r), 0);
}

TEST(ReportExitStatus, EachKindOfFindingIsOne) {
  auto with = [](auto mutate) {
    Report r = ExampleReport();
    mutate(r);
    return ReportExitStatus(r);
  };
  EXPECT_EQ(with([](Report& r) { r.leaks.pages = 1; }), 1);
  EXPECT_EQ(with([](Report& r) { r.leaks.handles = 1; }), 1);
  EXPECT_EQ(with([](Report& r) { r.leaks.restore_states = 1; }), 1);
  EXPECT_EQ(with([](Report& r) { r.integrity.mismatches = 1; }), 1);
  EXPECT_EQ(with([](Report& r) { r.violations.Add({1, 1, "i", "w"}); }), 1);
  EXPECT_EQ(with([](Report& r) { r.checks.Fail({1, "i", "w"}); }), 1);
  EXPECT_EQ(with([](Report& r) { r.expectations.Fail({}); }), 1);
}

TEST(ReportExitStatus, FailedRestoresAloneAreNotFindings) {
  Report r = ExampleReport();
  r.restore.failed = 3;  // an EINTR'd restore is replayed behaviour, not a bug
  EXPECT_EQ(ReportExitStatus(r), 0);
}

}  // namespace
}  // namespace ttm
