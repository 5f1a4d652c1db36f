#include "cli/diff.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/exit_codes.h"
#include "core/report/report.h"

namespace ttm::cli {
namespace {

std::string TempPath(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  return std::string(root ? root : "/tmp") + "/" + name;
}

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string WriteReport(const std::string& name, const Report& r) { return WriteFile(name, RenderReportJson(r)); }

Report Base() {
  Report r;
  r.memory.backed_up_pages = 10;
  r.run.tool = "ttm-replay 0.1.0";
  r.run.build = "git aaaa";
  return r;
}

struct DiffRun {
  Result<int> status;
  std::string out;
  std::string err;
};

DiffRun Diff(DiffOptions options) {
  std::ostringstream out, err;
  Result<int> status = RunDiff(options, Io{out, err});
  return DiffRun{std::move(status), out.str(), err.str()};
}

// Base() (as NAME_a.json) against `changed` (NAME_b.json).
DiffRun DiffFromBase(const std::string& name, const Report& changed, const std::string& fail_on = "any",
                     const std::string& format = "text") {
  return Diff({.old_report = WriteReport(name + "_a.json", Base()),
               .new_report = WriteReport(name + "_b.json", changed),
               .fail_on = fail_on,
               .format = format});
}

TEST(DiffCommand, SameReportsExitZero) {
  Report other = Base();
  other.run.wall_ms = 1234;  // run is ignored
  DiffRun r = DiffFromBase("same", other);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(*r.status, kExitOk);
  EXPECT_NE(r.out.find("no differences"), std::string::npos);
}

TEST(DiffCommand, AnyDifferenceExitsOneByDefault) {
  Report changed = Base();
  changed.pool.hits = 3;
  DiffRun r = DiffFromBase("any", changed);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(*r.status, kExitFindings);
  EXPECT_NE(r.out.find("pool.hits: 0 -> 3 (+3)\n"), std::string::npos) << r.out;
}

TEST(DiffCommand, FailOnRegressionIgnoresHarmlessChanges) {
  Report changed = Base();
  changed.pool.hits = 3;
  changed.memory.backed_up_pages = 20;  // more freed: an improvement
  DiffRun r = DiffFromBase("harmless", changed, "regression");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(*r.status, kExitOk);
}

TEST(DiffCommand, FailOnRegressionExitsOneOnARegression) {
  Report changed = Base();
  changed.leaks.handles = 1;
  DiffRun r = DiffFromBase("reg", changed, "regression");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(*r.status, kExitFindings);
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos);
}

TEST(DiffCommand, JsonFormatPrintsTheMachineReadableForm) {
  Report changed = Base();
  changed.pool.hits = 3;
  DiffRun r = DiffFromBase("json", changed, "any", "json");
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.out.starts_with("{\n  \"old\": {\n    \"build\": "
                                "\"ttm-replay 0.1.0, git aaaa\"")) << r.out;
  EXPECT_NE(r.out.find("\"path\": \"pool.hits\""), std::string::npos);
}

TEST(DiffCommand, MissingFileIsAnErrorNamingIt) {
  std::string missing = TempPath("does-not-exist.json");
  DiffRun r = Diff({.old_report = missing,
                .new_report = WriteReport("missing_b.json", Base())});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.status().message(),
            missing + ": cannot open: No such file or directory");
  EXPECT_TRUE(r.out.empty());
}

TEST(DiffCommand, InvalidReportIsAnErrorNamingTheFile) {
  std::string bad = TempPath("bad.json");
  std::ofstream(bad) << "{\"format\": \"ttm-replay-report\", \"version\": 1,";
  DiffRun r = Diff({.old_report = WriteReport("invalid_a.json", Base()),
                .new_report = bad});
  ASSERT_FALSE(r.status.ok());
  EXPECT_TRUE(r.status.status().message().starts_with(bad + ": not a JSON report: "))
      << r.status.status().message();
}

const std::string kTimelineHeader =
    "{\"format\":\"ttm-replay-timeline\",\"version\":1,\"trace_sha256\":\"aa\",\"semantics\":\"v13\"}\n";
const std::string kEvents =
    "{\"line\":2,\"op\":\"allocate\",\"tt\":1,\"live_tts\":1}\n"
    "{\"line\":3,\"op\":\"shrink\",\"tt\":1,\"ret\":8,\"live_tts\":1}\n";

TEST(DiffCommand, IdenticalTimelinesExitZero) {
  std::string a = WriteFile("same_a.jsonl", kTimelineHeader + kEvents);
  std::string b = WriteFile("same_b.jsonl", kTimelineHeader + kEvents);
  DiffRun r = Diff({.old_report = a, .new_report = b, .fail_on = "regression"});
  ASSERT_TRUE(r.status.ok()) << r.status.status().message();
  EXPECT_EQ(*r.status, kExitOk);
  EXPECT_NE(r.out.find("timelines are the same (2 events)"), std::string::npos) << r.out;
}

TEST(DiffCommand, DifferingTimelinesNameTheFirstDivergentEventAndExitOneEvenOnRegressionOnly) {
  std::string a = WriteFile("tl_a.jsonl", kTimelineHeader + kEvents);
  std::string changed = kEvents;
  changed.replace(changed.find("\"ret\":8"), 7, "\"ret\":-16");
  std::string b = WriteFile("tl_b.jsonl", kTimelineHeader + changed);
  DiffRun r = Diff({.old_report = a, .new_report = b, .fail_on = "regression"});
  ASSERT_TRUE(r.status.ok()) << r.status.status().message();
  EXPECT_EQ(*r.status, kExitFindings);
  EXPECT_NE(r.out.find("first divergent event: line 3, shrink, tt 1\n  ret: 8 -> -16\n1 of 2 events differ\n"),
            std::string::npos)
      << r.out;

  DiffRun j = Diff({.old_report = a, .new_report = b, .format = "json"});
  ASSERT_TRUE(j.status.ok());
  EXPECT_NE(j.out.find("\"first_divergence\": {\n    \"line\": 3,"), std::string::npos) << j.out;
}

TEST(DiffCommand, AReportAndATimelineAreNotCompared) {
  std::string t = WriteFile("mixed.jsonl", kTimelineHeader + kEvents);
  std::string rep = WriteReport("mixed.json", Base());
  DiffRun r = Diff({.old_report = rep, .new_report = t});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.status().message(),
            "diff: " + t + " is a timeline but " + rep + " is not; compare two reports or two timelines");
}

TEST(DiffCommand, ABehaviourOnlyChangeExitsZeroOnRegressionOnlyButIsPrintedProminently) {
  Report a = Base(), b = Base();
  a.behaviour = Report::Behaviour{"00aa", 3};
  b.behaviour = Report::Behaviour{"00bb", 3};
  std::string pa = WriteReport("beh_a.json", a), pb = WriteReport("beh_b.json", b);
  DiffRun r = Diff({.old_report = pa, .new_report = pb, .fail_on = "regression"});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(*r.status, kExitOk);
  EXPECT_NE(r.out.find("BEHAVIOUR CHANGED"), std::string::npos);
  DiffRun any = Diff({.old_report = pa, .new_report = pb});
  EXPECT_EQ(*any.status, kExitFindings);
}

TEST(DiffCommand, ReportsOfDifferentTracesExitOneEvenOnRegressionOnly) {
  Report a = Base(), b = Base();
  a.trace.sha256 = "aa";
  b.trace.sha256 = "bb";
  DiffRun r = Diff({.old_report = WriteReport("tr_a.json", a), .new_report = WriteReport("tr_b.json", b),
                    .fail_on = "regression"});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(*r.status, kExitFindings);
  EXPECT_TRUE(r.out.starts_with("DIFFERENT TRACES")) << r.out;
}

TEST(DiffCommand, BothReportsFromStandardInputIsAUsageError) {
  DiffRun r = Diff({.old_report = "-", .new_report = "-"});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.status().code(), Status::Code::kUsage);
}

}  // namespace
}  // namespace ttm::cli
