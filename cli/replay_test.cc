#include "cli/replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <vector>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured Replay(const std::string& trace, const std::string& report,
                const std::string& semantics = "v13", bool strict = false) {
  std::ostringstream out, err;
  ReplayCommandOptions options;
  options.trace = trace;
  options.report = report;
  options.semantics = semantics;
  options.strict = strict;
  Result<int> r = RunReplay(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

std::string TempPath(const std::string& name) { return std::string(getenv("TEST_TMPDIR")) + "/" + name; }

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

TEST(Replay, ACleanTraceExitsZeroWritesTheReportAndPrintsTheSummaryOnStdout) {
  const std::string report = TempPath("clean.json");
  Captured c = Replay("traces/examples/contract-example.jsonl", report);
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_NE(c.out.find("verdict: clean"), std::string::npos);
  EXPECT_EQ(c.err, "");
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"format\": \"ttm-replay-report\""), std::string::npos);
  EXPECT_NE(text.str().find("\"build\": \"git "), std::string::npos);
  // The trace's digest (`sha256sum traces/examples/contract-example.jsonl`):
  // replay asks its reader to hash, whatever validate does.
  EXPECT_NE(text.str().find(
                "\"sha256\": \"8c3d6b2396b441fca0e9fae9c70a87cd11eeac7893f2abe8d3b20ad0dffe2824\""),
            std::string::npos);
}

TEST(Replay, AnInvalidTraceIsAnErrorNamingFileAndLineAndWritesNoReport) {
  const std::string trace = TempPath("bad.jsonl");
  std::ofstream(trace) << "{\"format\":\"ttm-trace\",\"version\":1}\n"
                          "{\"op\":\"populate\",\"tt\":3}\n";
  const std::string report = TempPath("never.json");
  Captured c = Replay(trace, report);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(), trace + ":2: populate: tt 3 is not live");
  EXPECT_FALSE(Exists(report));
  EXPECT_EQ(c.out, "");
}

TEST(Replay, AnExistingReportIsLeftAloneWhenTheTraceIsInvalid) {
  const std::string report = TempPath("kept.json");
  std::ofstream(report) << "old";
  Captured c = Replay("traces/bad/free-twice.jsonl", report);
  ASSERT_FALSE(c.status.ok());
  std::ifstream in(report);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "old");
}

// A typo such as "cuont" silently armed a single fault.
const char kTypo[] =
    "{\"format\":\"ttm-trace\",\"version\":1}\n"
    "{\"op\":\"allocate\",\"tt\":1,\"pages\":4,\"caching\":\"cached\"}\n"
    "{\"op\":\"fail\",\"site\":\"alloc_page\",\"cuont\":3}\n"
    "{\"op\":\"fail\",\"site\":\"alloc_page\",\"cuont\":5}\n"
    "{\"op\":\"free\",\"tt\":1}\n";

TEST(Replay, StrictRejectsAnUnknownFieldWithFileAndLineAndWritesNoReport) {
  const std::string trace = TempPath("typo-strict.jsonl");
  std::ofstream(trace) << kTypo;
  const std::string report = TempPath("typo-strict.json");
  Captured c = Replay(trace, report, "v13", /*strict=*/true);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(), trace + ":3: fail: unknown field \"cuont\"");
  EXPECT_FALSE(Exists(report));
  EXPECT_EQ(c.out, "");
}

TEST(Replay, WithoutStrictAnUnknownFieldIsWarnedAboutOnceWithItsFirstLine) {
  const std::string trace = TempPath("typo.jsonl");
  std::ofstream(trace) << kTypo;
  Captured c = Replay(trace, "");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_EQ(c.err, "ttm-replay: warning: " + trace +
                       ":3: fail: unknown field \"cuont\" ignored (--strict rejects it)\n");
}

TEST(Replay, FindingsExitOne) {
  Captured c = Replay("traces/scenarios/4.06-zero-progress-backup-failure.jsonl", "");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitFindings);
  EXPECT_NE(c.out.find("3.5.3 dma-unmap-once"), std::string::npos);
}

TEST(Replay, AReportOnStandardOutputSendsTheSummaryToStandardError) {
  Captured c = Replay("traces/examples/contract-example.jsonl", "-");
  ASSERT_TRUE(c.status.ok());
  EXPECT_NE(c.err.find("verdict: clean"), std::string::npos);
}

TEST(Replay, SemanticsChoosesTheModelledKernelCode) {
  // Backing up a backed-up tt: EINVAL as merged, EBUSY in V13, so the
  // trace's own expectations hold only under the semantics it names.
  const std::string trace = "traces/scenarios/merged-4.04-4.14-einval.jsonl";
  Captured merged = Replay(trace, "", "merged");
  ASSERT_TRUE(merged.status.ok());
  EXPECT_EQ(*merged.status, kExitOk) << merged.out;
  Captured v13 = Replay(trace, "", "v13");
  ASSERT_TRUE(v13.status.ok());
  EXPECT_EQ(*v13.status, kExitFindings);
  EXPECT_NE(v13.out.find("ret: expected EINVAL, found EBUSY"), std::string::npos) << v13.out;
}

TEST(Replay, SemanticsIsV13ByDefaultAndRefusesUnknownNames) {
  CLI::App app;
  ReplayCommandOptions options;
  SetupReplay(&app, &options);
  app.parse("t.jsonl", false);
  EXPECT_EQ(options.semantics, "v13");
  app.parse("t.jsonl --semantics merged-fixed", false);
  EXPECT_EQ(options.semantics, "merged-fixed");
  EXPECT_THROW(app.parse("t.jsonl --semantics v15", false), CLI::ValidationError);
}

TEST(ReplayCommand, AnEmptyReportPathIsAUsageError) {
  // -o "" used to exit 0 with neither a report nor a message.
  CLI::App app;
  ReplayCommandOptions options;
  SetupReplay(&app, &options);
  std::vector<std::string> args = {"t.jsonl", "-o", ""};
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
    ADD_FAILURE() << "-o \"\" parsed";
  } catch (const CLI::ParseError& e) {
    EXPECT_STREQ(e.what(), "--output: must not be empty (use - for standard output)");
  }
}

// --check-every reaches the report's options and, above 1, the summary
// says what thinned checking can miss.
TEST(Replay, ThinnedCheckingIsRecordedInTheReportAndWarnedAboutInTheSummary) {
  std::ostringstream out, err;
  ReplayCommandOptions options;
  options.trace = "traces/examples/contract-example.jsonl";
  options.report = TempPath("thinned.json");
  options.check_every = 7;
  Result<int> r = RunReplay(options, Io{out, err});
  ASSERT_TRUE(r.ok());
  std::ifstream in(options.report);
  std::stringstream report;
  report << in.rdbuf();
  EXPECT_NE(report.str().find("\"options\": {\n    \"semantics\": \"v13\",\n    \"check_every\": 7\n  }"),
            std::string::npos)
      << report.str();
  EXPECT_NE(out.str().find("note: the checker ran once every 7 events"), std::string::npos) << out.str();
  Captured every = Replay("traces/examples/contract-example.jsonl", "");
  EXPECT_EQ(every.out.find("note: the checker"), std::string::npos);
}

}  // namespace
}  // namespace ttm::cli
