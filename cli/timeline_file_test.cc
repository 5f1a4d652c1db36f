// `replay --timeline`: the file written, its header, atomicity, and the
// digest in the report agreeing with the file.
#include "cli/timeline_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/replay.h"
#include "core/timeline/timeline.h"

namespace ttm::cli {
namespace {

std::string TempPath(const std::string& name) { return std::string(getenv("TEST_TMPDIR")) + "/" + name; }

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

Result<int> Replay(const std::string& trace, const std::string& report, const std::string& timeline,
                   std::string* out = nullptr) {
  std::ostringstream o, e;
  ReplayCommandOptions options;
  options.trace = trace;
  options.report = report;
  options.timeline = timeline;
  Result<int> r = RunReplay(options, Io{o, e});
  if (out) *out = o.str();
  return r;
}

constexpr char kSha[] = "8c3d6b2396b441fca0e9fae9c70a87cd11eeac7893f2abe8d3b20ad0dffe2824";

TEST(TimelineFile, RegularFileGetsTheRealHeaderOverThePlaceholder) {
  const std::string path = TempPath("plain.jsonl");
  TimelineFile f;
  ASSERT_TRUE(f.Open(path, "v13").ok());
  f.Write("{\"line\":2}\n");
  f.Write("{\"line\":3}\n");
  ASSERT_TRUE(f.Finish(kSha).ok());
  EXPECT_EQ(Read(path), TimelineHeader(kSha, "v13") + "{\"line\":2}\n{\"line\":3}\n");
}

TEST(TimelineFile, ADeviceGetsTheHeaderThenTheSpooledLines) {
  // /dev/null is not seekable as a temporary: the spool path runs.
  TimelineFile f;
  ASSERT_TRUE(f.Open("/dev/null", "v13").ok());
  f.Write("{\"line\":2}\n");
  EXPECT_TRUE(f.Finish(kSha).ok());
}

TEST(TimelineFile, NothingAppearsUntilFinishAndNothingStaysWithoutIt) {
  const std::string path = TempPath("abandoned.jsonl");
  {
    TimelineFile f;
    ASSERT_TRUE(f.Open(path, "v13").ok());
    f.Write("{\"line\":2}\n");
    EXPECT_FALSE(Exists(path));
  }
  EXPECT_FALSE(Exists(path));
}

TEST(ReplayTimeline, WritesTheHeaderAndOneLinePerStateChangingEvent) {
  const std::string timeline = TempPath("contract.timeline.jsonl");
  const std::string report = TempPath("contract.report.json");
  Result<int> r = Replay("traces/examples/contract-example.jsonl", report, timeline);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, kExitOk);
  const std::string text = Read(timeline);
  EXPECT_TRUE(text.starts_with(TimelineHeader(kSha, "v13"))) << text;
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, 1u + 7u);  // header + allocate, populate, write, shrink, 2 populates, free
  EXPECT_NE(text.find("{\"line\":9,\"op\":\"populate\",\"tt\":1,\"ret\":-4,\"state\":\"backed_up\""),
            std::string::npos);

  // The report's digest is that of the event lines.
  BehaviourDigest d;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) d.AddLine(line + "\n");
  EXPECT_NE(Read(report).find("\"digest\": \"" + d.Hex() + "\""), std::string::npos);
  EXPECT_NE(Read(report).find("\"events\": 7\n"), std::string::npos);
}

TEST(ReplayTimeline, IsTheSameForPlainAndZstdInput) {
  const std::string a = TempPath("plain.timeline.jsonl"), b = TempPath("zstd.timeline.jsonl");
  ASSERT_TRUE(Replay("traces/examples/contract-example.jsonl", "", a).ok());
  ASSERT_TRUE(Replay("traces/examples/contract-example.jsonl.zst", "", b).ok());
  EXPECT_EQ(Read(a), Read(b));
}

TEST(ReplayTimeline, AnInvalidTraceWritesNoTimelineAndKeepsAnOldOne) {
  const std::string timeline = TempPath("kept.timeline.jsonl");
  std::ofstream(timeline) << "old";
  Result<int> r = Replay("traces/bad/free-twice.jsonl", "", timeline);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Read(timeline), "old");
  const std::string fresh = TempPath("never.timeline.jsonl");
  EXPECT_FALSE(Replay("traces/bad/free-twice.jsonl", "", fresh).ok());
  EXPECT_FALSE(Exists(fresh));
}

TEST(ReplayTimeline, ReportAndTimelineCannotBothGoToStandardOutput) {
  Result<int> r = Replay("traces/examples/contract-example.jsonl", "-", "-");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUsage);
}

TEST(ReplayTimeline, TheSummaryMovesToStandardErrorWhenTheTimelineTakesStandardOutput) {
  std::string out;
  // The timeline goes to the process's standard output, not to Io.out.
  Result<int> r = Replay("traces/examples/contract-example.jsonl", "", "-", &out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace ttm::cli
