#include "cli/replay_many.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli/plot.h"
#include "cli/replay.h"

namespace ttm::cli {
namespace {

namespace fs = std::filesystem;

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured ReplayWith(const ReplayCommandOptions& options) {
  std::ostringstream out, err;
  Result<int> r = RunReplay(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

std::string TempDir(const std::string& name) {
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  fs::remove_all(dir);
  return dir;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The report without its `run` section, the part that must not vary.
std::string WithoutRun(const std::string& path) {
  nlohmann::ordered_json report = nlohmann::ordered_json::parse(Read(path));
  report.erase("run");
  return report.dump(2);
}

const std::vector<std::string> kCorpus = {
    "traces/examples/contract-example.jsonl.zst",
    "traces/examples/backup-restore.jsonl",
    "traces/examples/partial-backup.jsonl",
    "traces/examples/pool-reuse.jsonl",
    "traces/scenarios/4.06-zero-progress-backup-failure.jsonl",
};

ReplayCommandOptions Many(std::vector<std::string> traces, const std::string& dir, unsigned jobs) {
  ReplayCommandOptions options;
  options.traces = std::move(traces);
  options.out_dir = dir;
  options.jobs = jobs;
  return options;
}

TEST(ReplayMany, ReportsAreByteIdenticalOutsideRunToSingleReplaysWhateverTheNumberOfJobs) {
  for (unsigned jobs : {1u, 2u, 5u, 16u}) {
    const std::string dir = TempDir("jobs" + std::to_string(jobs));
    Captured c = ReplayWith(Many(kCorpus, dir, jobs));
    ASSERT_TRUE(c.status.ok()) << c.status.status().message();
    for (const std::string& trace : kCorpus) {
      ReplayCommandOptions single;
      single.trace = trace;
      single.report = TempDir("single.json");
      single.quiet = true;
      ASSERT_TRUE(ReplayWith(single).status.ok());
      EXPECT_EQ(WithoutRun(dir + "/" + TraceOutputName(trace) + ".report.json"), WithoutRun(single.report))
          << trace << " with -j " << jobs;
    }
  }
}

TEST(ReplayMany, SummaryJsonListsEachTraceInCommandLineOrderWithItsExitAndReport) {
  const std::string dir = TempDir("summary");
  Captured c = ReplayWith(Many(kCorpus, dir, 3));
  ASSERT_TRUE(c.status.ok());
  nlohmann::json summary = nlohmann::json::parse(Read(dir + "/summary.json"));
  ASSERT_EQ(summary["traces"].size(), kCorpus.size());
  for (size_t i = 0; i < kCorpus.size(); ++i) {
    const nlohmann::json& t = summary["traces"][i];
    const std::string name = TraceOutputName(kCorpus[i]);
    EXPECT_EQ(t["trace"], name);
    EXPECT_EQ(t["report"], name + ".report.json");
    EXPECT_TRUE(fs::exists(dir + "/" + name + ".report.json"));
  }
  // 4.06 finds a violation: exit 1, the highest.
  EXPECT_EQ(summary["traces"][4]["exit"], 1);
  EXPECT_EQ(summary["traces"][0]["exit"], 0);
  EXPECT_EQ(summary["exit"], 1);
  EXPECT_EQ(*c.status, kExitFindings);
}

TEST(ReplayMany, TheTableHasARowPerTraceAndTotals) {
  const std::string dir = TempDir("table");
  Captured c = ReplayWith(Many({"traces/examples/contract-example.jsonl", "traces/examples/backup-restore.jsonl"}, dir, 2));
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(c.out,
            "trace             verdict  freed  restarts  violations  failed expectations\n"
            "contract-example  clean      300         1           0                    0\n"
            "backup-restore    clean       64         0           0                    0\n"
            "total (2 traces)  2 clean    364         1           0                    0\n");
  EXPECT_EQ(*c.status, kExitOk);
}

TEST(ReplayMany, AnInvalidTraceGetsItsRowAndExitTwoWhileTheOthersStillRun) {
  const std::string dir = TempDir("invalid");
  Captured c = ReplayWith(Many({"traces/bad/free-twice.jsonl", "traces/examples/pool-reuse.jsonl"}, dir, 2));
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitInvalidInput);
  EXPECT_EQ(c.err, "ttm-replay: traces/bad/free-twice.jsonl:4: free: tt 3 is not live\n");
  EXPECT_NE(c.out.find("free-twice        INVALID"), std::string::npos) << c.out;
  EXPECT_FALSE(fs::exists(dir + "/free-twice.report.json"));
  EXPECT_TRUE(fs::exists(dir + "/pool-reuse.report.json"));
  nlohmann::json summary = nlohmann::json::parse(Read(dir + "/summary.json"));
  EXPECT_EQ(summary["traces"][0]["exit"], 2);
  EXPECT_TRUE(summary["traces"][0]["report"].is_null());
  EXPECT_EQ(summary["traces"][0]["error"], "traces/bad/free-twice.jsonl:4: free: tt 3 is not live");
  EXPECT_EQ(summary["traces"][1]["exit"], 0);
}

TEST(ReplayMany, TwoTracesWithTheSameNameAreRefusedBeforeAnythingRuns) {
  const std::string dir = TempDir("same-name");
  Captured c = ReplayWith(Many({"traces/examples/pool-reuse.jsonl", "traces/examples/contract-example.jsonl",
                         "traces/examples/contract-example.jsonl.zst"},
                        dir, 2));
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().code(), Status::Code::kUsage);
  EXPECT_NE(c.status.status().message().find("two traces named contract-example"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir));
}

TEST(ReplayMany, TimelinesAndPlotsAreWrittenBesideTheReportsWhenAsked) {
  const std::string dir = TempDir("timelines");
  ReplayCommandOptions options = Many({"traces/examples/contract-example.jsonl"}, dir, 1);
  options.timelines = true;
  options.plots = true;
  ASSERT_TRUE(ReplayWith(options).status.ok());
  EXPECT_EQ(Read(dir + "/contract-example.timeline.jsonl").rfind("{\"format\":\"ttm-replay-timeline\"", 0), 0u);
  EXPECT_NE(Read(dir + "/contract-example.svg").find("<svg"), std::string::npos);
}

TEST(ReplayMany, SeveralTracesWithoutOutDirAreAUsageError) {
  ReplayCommandOptions options;
  options.traces = {"traces/examples/contract-example.jsonl", "traces/examples/pool-reuse.jsonl"};
  Captured c = ReplayWith(options);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(), "replay: several traces need --out-dir DIR (each report goes there)");
}

TEST(ReplayMany, SingleTraceOutputsAreRefusedWithOutDir) {
  ReplayCommandOptions options = Many({"traces/examples/pool-reuse.jsonl"}, TempDir("refused"), 1);
  options.report = "x.json";
  ASSERT_FALSE(ReplayWith(options).status.ok());
}

TEST(TraceOutputName, DropsTheDirectoryAndTheTraceExtensions) {
  EXPECT_EQ(TraceOutputName("a/b/foo.jsonl.zst"), "foo");
  EXPECT_EQ(TraceOutputName("foo.jsonl"), "foo");
  EXPECT_EQ(TraceOutputName("foo.zst"), "foo");
  EXPECT_EQ(TraceOutputName("foo.txt"), "foo.txt");
  EXPECT_EQ(TraceOutputName(".jsonl"), ".jsonl");
}

TEST(ReplayPlot, PlottingWhileReplayingDrawsTheSamePictureAsPlottingTheTimeline) {
  const std::string dir = TempDir("plot");
  fs::create_directories(dir);
  for (const char* trace : {"traces/examples/contract-example.jsonl", "traces/scenarios/4.06-zero-progress-backup-failure.jsonl"}) {
    ReplayCommandOptions replay;
    replay.trace = trace;
    replay.timeline = dir + "/t.jsonl";
    replay.quiet = true;
    ASSERT_TRUE(ReplayWith(replay).status.ok());
    PlotOptions plot;
    plot.timeline = replay.timeline;
    plot.output = dir + "/from-timeline.svg";
    std::ostringstream out, err;
    ASSERT_TRUE(RunPlot(plot, Io{out, err}).ok());

    ReplayCommandOptions direct;
    direct.trace = trace;
    direct.plot = dir + "/direct.svg";
    direct.quiet = true;
    ASSERT_TRUE(ReplayWith(direct).status.ok());
    EXPECT_EQ(Read(direct.plot), Read(plot.output)) << trace;
    EXPECT_FALSE(Read(direct.plot).empty());
  }
}

TEST(ReplayPlot, AnInvalidTraceLeavesNoPicture) {
  const std::string dir = TempDir("plot-invalid");
  fs::create_directories(dir);
  ReplayCommandOptions options;
  options.trace = "traces/bad/free-twice.jsonl";
  options.plot = dir + "/never.svg";
  ASSERT_FALSE(ReplayWith(options).status.ok());
  EXPECT_FALSE(fs::exists(options.plot));
}

TEST(ReplayPlot, OnlyOneOutputMayGoToStandardOutput) {
  ReplayCommandOptions options;
  options.trace = "traces/examples/pool-reuse.jsonl";
  options.plot = "-";
  options.report = "-";
  Captured c = ReplayWith(options);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().code(), Status::Code::kUsage);
}

}  // namespace
}  // namespace ttm::cli
