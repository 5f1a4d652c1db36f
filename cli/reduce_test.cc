#include "cli/file_source.h"
#include "cli/reduce.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "core/trace/whole_trace.h"

namespace ttm::cli {
namespace {

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured Reduced(ReduceCommandOptions options) {
  std::ostringstream out, err;
  Result<int> r = RunReduce(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

std::string TempPath(const std::string& name) { return std::string(getenv("TEST_TMPDIR")) + "/" + name; }

TEST(ReduceCommand, WritesAValidReducedTraceAndSaysWhatItKept) {
  ReduceCommandOptions o;
  o.trace = "traces/explore/faults-with-4.06.jsonl.zst";
  o.output = TempPath("min.jsonl");
  Captured c = Reduced(o);
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_EQ(c.out.rfind("reduced 1006 events to ", 0), 0u) << c.out;
  EXPECT_NE(c.out.find(" keeping the first violation 3.4.4 wb-after-failed-backup ("), std::string::npos) << c.out;
  Result<trace::WholeTrace> back = ReadWholeTraceFile(o.output);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_LE(back->events.size(), 20u);
  EXPECT_EQ(back->header.meta["reduced_from"]["events"], 1006);
}

TEST(ReduceCommand, ACompressedOutputNameGivesAZstdTrace) {
  ReduceCommandOptions o;
  o.trace = "traces/scenarios/4.06-zero-progress-backup-failure.jsonl";
  o.output = TempPath("min.jsonl.zst");
  ASSERT_TRUE(Reduced(o).status.ok());
  std::ifstream in(o.output, std::ios::binary);
  unsigned char magic[4] = {};
  in.read(reinterpret_cast<char*>(magic), 4);
  EXPECT_EQ(magic[0], 0x28);
  EXPECT_EQ(magic[3], 0xfd);
  Result<trace::WholeTrace> back = ReadWholeTraceFile(o.output);
  ASSERT_TRUE(back.ok());
  EXPECT_GT(back->events.size(), 0u);
}

TEST(ReduceCommand, ATraceWithoutThePropertyIsAnErrorAndWritesNothing) {
  ReduceCommandOptions o;
  o.trace = "traces/examples/contract-example.jsonl";
  o.output = TempPath("never.jsonl");
  Captured c = Reduced(o);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(),
            "traces/examples/contract-example.jsonl: the trace violates no invariant: there is nothing to keep "
            "(see --keep)");
  EXPECT_FALSE(std::ifstream(o.output).good());
}

}  // namespace
}  // namespace ttm::cli
