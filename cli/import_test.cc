#include "cli/import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/replay.h"

namespace ttm::cli {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(getenv("TEST_TMPDIR")) + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured Import(const std::string& raw, const std::string& output) {
  std::ostringstream out, err;
  ImportCommandOptions options;
  options.raw = raw;
  options.output = output;
  Result<int> r = RunImport(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

Captured Replay(const std::string& trace, const std::string& report) {
  std::ostringstream out, err;
  ReplayCommandOptions options;
  options.trace = trace;
  options.report = report;
  Result<int> r = RunReplay(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

TEST(Import, ARecordingBecomesTheTraceAndTheSummaryGoesToStdout) {
  const std::string trace = TempPath("xe.jsonl");
  Captured c = Import("traces/recorded/xe-shrink-merged.txt", trace);
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_EQ(ReadFile(trace), ReadFile("traces/recorded/xe-shrink-merged.jsonl"));
  EXPECT_EQ(c.out, ReadFile("traces/recorded/xe-shrink-merged.import.out"));
  EXPECT_EQ(c.err, "");
}

TEST(Import, AMalformedRecordingIsAFileLineErrorAndWritesNothing) {
  const std::string raw = TempPath("bad.txt");
  WriteFile(raw, "ttm-record 1\nmachine kernel=6.15.0 total_pages=1 swap_free_pages=1 max_order=1\n"
                 "1 1 ttm_tt_init tt=0x1 pages=1 caching=2 flags=0 depth=0 ret=0\n"
                 "2 1 ttm_tt_populate tt=0x1 intr=maybe depth=0 ret=0\n");
  const std::string trace = TempPath("bad.jsonl");
  Captured c = Import(raw, trace);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(), raw + ":4: ttm_tt_populate: intr=maybe must be 0 or 1");
  EXPECT_FALSE(std::ifstream(trace).good());
  EXPECT_EQ(c.out, "");
}

TEST(Import, AMissingRecordingIsAnIoError) {
  Captured c = Import(TempPath("no-such.txt"), TempPath("x.jsonl"));
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().code(), Status::Code::kIoError);
}

TEST(Import, TheSummaryCountsWhatWasCoveredAndWhatCouldNotBeExpressed) {
  import::ImportStats s;
  s.calls = 5;
  s.events = 7;
  s.objects = 1;
  s.faults_armed = 2;
  s.writes_inferred = 1;
  s.covered["ttm_pool_alloc"] = 3;
  s.not_expressible["b"] = 1;
  s.not_expressible["a"] = 2;
  EXPECT_EQ(RenderImportSummary(s),
            "imported 5 calls into 7 events: 1 objects, 2 faults armed, 1 writes inferred\n"
            "covered by their outer call: 3 (ttm_pool_alloc: 3)\n"
            "not expressible: 3 (a: 2, b: 1)\n"
            "failures replayed without a fault: 0\n");
}

TEST(SemanticsNote, NamesTheTracesSemanticsAndKernelWhenTheyDiffer) {
  trace::Json meta = {{"semantics", "merged"}, {"kernel", "6.15.2"}};
  EXPECT_EQ(SemanticsNote(meta, "v13"),
            "note: the trace was recorded under merged semantics (kernel 6.15.2); replayed "
            "under v13\n");
  EXPECT_EQ(SemanticsNote(meta, "merged"), "");
}

TEST(SemanticsNote, SaysNothingForTracesThatNameNoSemantics) {
  EXPECT_EQ(SemanticsNote(trace::Json(), "v13"), "");
  EXPECT_EQ(SemanticsNote(trace::Json{{"source", "synthetic"}}, "v13"), "");
  EXPECT_EQ(SemanticsNote(trace::Json{{"semantics", 13}}, "v13"), "");
}

TEST(SemanticsNote, ReplayPrintsItBeforeTheSummaryOnTheSummaryStream) {
  Captured c = Replay("traces/recorded/xe-shrink-merged.jsonl", "");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(c.out.rfind("note: the trace was recorded under merged semantics", 0), 0u) << c.out;
  Captured to_stdout = Replay("traces/recorded/xe-shrink-merged.jsonl", "-");
  ASSERT_TRUE(to_stdout.status.ok());
  EXPECT_EQ(to_stdout.err.rfind("note: ", 0), 0u) << to_stdout.err;
}

TEST(SemanticsNote, ReplayPrintsNoneForATraceRecordedUnderTheSameSemantics) {
  Captured c = Replay("traces/recorded/pool-reuse-v13.jsonl", "");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(c.out.find("note:"), std::string::npos) << c.out;
}

}  // namespace
}  // namespace ttm::cli
