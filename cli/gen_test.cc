#include "cli/gen.h"

#include <unistd.h>

#include <cstdio>
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

}  // namespace
}  // namespace ttm::cli
