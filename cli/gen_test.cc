#include "cli/gen.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<int> Gen(const std::string& workload, const std::string& output, uint64_t seed = 1) {
  GenOptions o;
  o.workload = workload;
  o.output = output;
  o.workload_options.seed = seed;
  o.workload_options.events = 500;
  o.workload_options.system_pages = 16384;
  std::ostringstream out, err;
  return RunGen(o, Io{out, err});
}

TEST(Gen, TheSameOptionsWriteTheSameBytes) {
  const std::string a = TempPath("a.jsonl"), b = TempPath("b.jsonl");
  ASSERT_EQ(*Gen("pressure", a), kExitOk);
  ASSERT_EQ(*Gen("pressure", b), kExitOk);
  EXPECT_TRUE(ReadFile(a) == ReadFile(b));
  EXPECT_EQ(ReadFile(a).rfind("{\"format\":\"ttm-trace\",\"version\":1,", 0), 0u);
}

TEST(Gen, AZstSuffixCompresses) {
  const std::string path = TempPath("c.jsonl.zst");
  ASSERT_EQ(*Gen("steady", path), kExitOk);
  const std::string bytes = ReadFile(path);
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));
}

TEST(Gen, MetaRecordsWorkloadSeedAndOptions) {
  const std::string path = TempPath("m.jsonl");
  ASSERT_EQ(*Gen("faults", path, 7), kExitOk);
  const std::string text = ReadFile(path);
  const std::string header = text.substr(0, text.find('\n'));
  trace::Json j = trace::Json::parse(header);
  EXPECT_EQ(j["meta"]["workload"], "faults");
  EXPECT_EQ(j["meta"]["seed"], 7);
  EXPECT_EQ(j["meta"]["events"], 500);
  EXPECT_EQ(j["meta"]["generator_version"], workload::kGeneratorVersion);
  EXPECT_EQ(j["meta"]["options"]["system_pages"], 16384);
  EXPECT_TRUE(j["meta"]["options"].contains("fault_rate"));
  // What the workload shows at its defaults, in short machine-readable form.
  ASSERT_TRUE(j["meta"]["exercises"].is_array());
  EXPECT_EQ(j["meta"]["exercises"][0], "first_shrink_in_first_10pct");
  EXPECT_EQ(j["meta"]["exercises"].size(), workload::Workloads()[2].exercises.size());
}

TEST(Gen, AnUnknownWorkloadIsAUsageErrorAndWritesNothing) {
  const std::string path = TempPath("never.jsonl");
  Result<int> r = Gen("nope", path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUsage);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(Gen, AnUnwritableOutputIsAnIoError) {
  Result<int> r = Gen("steady", "/nonexistent-dir/x.jsonl");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIoError);
  EXPECT_EQ(r.status().message().rfind("/nonexistent-dir/x.jsonl: cannot write: ", 0), 0u);
}

TEST(Gen, ADiskThatIsFullIsAnErrorNamingTheFileAndTheReason) {
  // /dev/full is a device: written in place, and every write fails ENOSPC.
  GenOptions o;
  o.workload = "steady";
  o.output = "/dev/full";
  o.workload_options.events = 100000;
  std::ostringstream out, err;
  Result<int> r = RunGen(o, Io{out, err});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "/dev/full: cannot write: No space left on device");
}

// The message CLI11 gives for `gen ARGS...`, or "" when they parse.
std::string ParseError(std::vector<std::string> args) {
  CLI::App app;
  GenOptions options;
  SetupGen(&app, &options);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(Gen, AbsurdCountsAndSeedsAreRejectedNotWrapped) {
  // These used to be taken as 2^64-1: gen then wrote without end.
  EXPECT_EQ(ParseError({"--workload", "steady", "--events", "-1"}),
            "--events: must be a whole number in 0..9223372036854775807, not -1");
  EXPECT_EQ(ParseError({"--workload", "steady", "--events", "18446744073709551616"}),
            "--events: must be a whole number in 0..9223372036854775807, not "
            "18446744073709551616");
  EXPECT_EQ(ParseError({"--workload", "steady", "--events", "9223372036854775808"}),
            "--events: must be a whole number in 0..9223372036854775807, not "
            "9223372036854775808");
  EXPECT_EQ(ParseError({"--workload", "steady", "--events", "1e6"}),
            "--events: must be a whole number in 0..9223372036854775807, not 1e6");
  EXPECT_EQ(ParseError({"--workload", "steady", "--seed", "-5"}),
            "--seed: must be a whole number in 0..18446744073709551615, not -5");
  EXPECT_EQ(ParseError({"--workload", "steady", "--system-pages", "-1"}),
            "--system-pages: must be a whole number in 0..18446744073709551615, not -1");
  EXPECT_EQ(ParseError({"--workload", "steady", "--max-order", "4294967296"}),
            "--max-order: must be a whole number in 0..4294967295, not 4294967296");
}

TEST(Gen, TheLargestCountsAndSeedsAreAccepted) {
  EXPECT_EQ(ParseError({"--workload", "steady", "--seed", "18446744073709551615", "--events",
                        "9223372036854775807"}),
            "");
}

TEST(Gen, AnEmptyOutputPathIsAUsageError) {
  EXPECT_EQ(ParseError({"--workload", "steady", "-o", ""}),
            "--output: must not be empty (use - for standard output)");
}

}  // namespace
}  // namespace ttm::cli
