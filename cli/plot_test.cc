#include "cli/plot.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

const std::string kSample = "core/plot/testdata/sample.timeline.jsonl";

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured Plot(const std::string& timeline, const std::string& output) {
  std::ostringstream out, err;
  PlotOptions options;
  options.timeline = timeline;
  options.output = output;
  Result<int> r = RunPlot(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The golden picture of the hand-written sample timeline. After a change
// to the picture, rewrite it on purpose and look at it:
//   d=$PWD/core/plot/testdata
//   bazel run //cli:ttm-replay -- plot $d/sample.timeline.jsonl -o $d/sample.svg
TEST(Plot, TheSampleTimelineGivesTheCheckedInPictureByteForByte) {
  const std::string svg = TempPath("sample.svg");
  Captured c = Plot(kSample, svg);
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_EQ(c.out, "");
  EXPECT_EQ(c.err, "");
  EXPECT_EQ(Contents(svg), Contents("core/plot/testdata/sample.svg"));
}

TEST(Plot, AZstdTimelineGivesTheSamePictureAsThePlainOne) {
  Captured plain = Plot(kSample, "-");
  Captured zstd = Plot(kSample + ".zst", "-");
  ASSERT_TRUE(zstd.status.ok()) << zstd.status.status().message();
  EXPECT_EQ(zstd.out, plain.out);
  EXPECT_EQ(plain.out.rfind("<?xml", 0), 0u);
}

TEST(Plot, AnInvalidTimelineIsAnErrorNamingFileAndLineAndWritesNothing) {
  const std::string timeline = TempPath("bad.timeline.jsonl");
  std::ofstream(timeline) << Contents(kSample).substr(0, 400) << "\n{\"line\":1,\"op\":\"free\"}\n";
  const std::string svg = TempPath("kept.svg");
  std::ofstream(svg) << "old";
  Captured c = Plot(timeline, svg);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(c.status.status().message().rfind(timeline + ":", 0), 0u)
      << c.status.status().message();
  EXPECT_EQ(Contents(svg), "old");
  EXPECT_EQ(c.out, "");
}

TEST(Plot, ATraceGivenInsteadOfATimelineIsRefusedWithAHint) {
  Captured c = Plot("traces/examples/contract-example.jsonl", TempPath("never.svg"));
  ASSERT_FALSE(c.status.ok());
  EXPECT_NE(c.status.status().message().find(
                "contract-example.jsonl:1: not a timeline: \"format\" is \"ttm-trace\""),
            std::string::npos)
      << c.status.status().message();
  EXPECT_FALSE(std::ifstream(TempPath("never.svg")).good());
}

TEST(Plot, AMissingTimelineCannotBeOpened) {
  Captured c = Plot(TempPath("absent.jsonl"), TempPath("never.svg"));
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(),
            TempPath("absent.jsonl") + ": cannot open: No such file or directory");
}

TEST(Plot, AnOutputThatCannotBeWrittenIsAnError) {
  Captured c = Plot(kSample, TempPath("no/such/dir/out.svg"));
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().code(), Status::Code::kIoError);
}

TEST(Plot, AHeaderOnlyTimelineGivesAPictureThatSaysThereAreNoEvents) {
  const std::string timeline = TempPath("empty.timeline.jsonl");
  std::ofstream(timeline) << Contents(kSample).substr(0, Contents(kSample).find('\n') + 1);
  Captured c = Plot(timeline, "-");
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_NE(c.out.find("no events in this timeline"), std::string::npos);
}

}  // namespace
}  // namespace ttm::cli
