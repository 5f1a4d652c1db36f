#include "cli/ab.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured Ab(const std::string& trace, const std::string& a, const std::string& b, const std::string& output = "") {
  std::ostringstream out, err;
  AbCommandOptions options;
  options.trace = trace;
  options.a = a;
  options.b = b;
  options.output = output;
  Result<int> r = RunAb(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

std::string TempPath(const std::string& name) { return std::string(getenv("TEST_TMPDIR")) + "/" + name; }

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

const char kEinval[] = "traces/scenarios/merged-4.04-4.14-einval.jsonl";
const char kHappy[] = "traces/scenarios/4.01-happy-path.jsonl";

TEST(Ab, ATraceBothSemanticsReplayAlikeExitsZeroAndSaysSo) {
  Captured c = Ab(kHappy, "v13", "merged");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_NE(c.out.find("timelines are the same (6 events)"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("first divergent event"), std::string::npos) << c.out;
}

TEST(Ab, ATraceWhereTheSemanticsPartExitsOneAndNamesTheFirstDivergentEvent) {
  Captured c = Ab(kEinval, "v13", "merged");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitFindings);
  EXPECT_NE(c.out.find("first divergent event: line 7, shrink, tt 1\n  ret: -16 -> -22\n"), std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("backup.ebusy: 5 -> 0 (-5)"), std::string::npos) << c.out;
  EXPECT_EQ(c.err, "");
}

TEST(Ab, TheSameSemanticsOnBothSidesIsIdentical) {
  Captured c = Ab(kEinval, "merged", "merged");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitOk);
}

TEST(Ab, AnInvalidTraceIsAnErrorNamingFileAndLineAndWritesNothing) {
  const std::string trace = TempPath("bad.jsonl");
  std::ofstream(trace) << "{\"format\":\"ttm-trace\",\"version\":1}\n"
                          "{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"cached\"}\n"
                          "{\"op\":\"populate\",\"tt\":3}\n";
  const std::string output = TempPath("never.json");
  Captured c = Ab(trace, "v13", "merged", output);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(), trace + ":3: populate: tt 3 is not live");
  EXPECT_FALSE(Exists(output));
  EXPECT_EQ(c.out, "");
}

TEST(Ab, AMissingTraceIsAnError) {
  Captured c = Ab(TempPath("no-such.jsonl"), "v13", "merged");
  EXPECT_FALSE(c.status.ok());
}

TEST(Ab, AnUnknownSemanticsIsRefusedWhenParsed) {
  CLI::App app;
  AbCommandOptions options;
  SetupAb(&app, &options);
  const char* argv[] = {"ab", "t.jsonl", "--b", "v6.16"};
  EXPECT_THROW(app.parse(4, const_cast<char**>(argv)), CLI::ValidationError);
}

TEST(Ab, DefaultsCompareV13WithMerged) {
  CLI::App app;
  AbCommandOptions options;
  SetupAb(&app, &options);
  const char* argv[] = {"ab", "t.jsonl"};
  app.parse(2, const_cast<char**>(argv));
  EXPECT_EQ(options.a, "v13");
  EXPECT_EQ(options.b, "merged");
}

TEST(Ab, OutputJsonHasTheContractKeysAndBothWholeReports) {
  const std::string output = TempPath("ab.json");
  Captured c = Ab(kEinval, "v13", "merged", output);
  ASSERT_TRUE(c.status.ok());
  const nlohmann::json j = ReadJson(output);
  EXPECT_EQ(j["a"], "v13");
  EXPECT_EQ(j["b"], "merged");
  EXPECT_EQ(j["diverged"], true);
  EXPECT_EQ(j["first_divergence"]["line"], 7);
  EXPECT_EQ(j["first_divergence"]["op"], "shrink");
  EXPECT_EQ(j["first_divergence"]["tt"], 1);
  EXPECT_EQ(j["first_divergence"]["fields"]["ret"], nlohmann::json::array({-16, -22}));
  EXPECT_EQ(j["differing_events"], 6);
  for (const char* side : {"a", "b"}) {
    const nlohmann::json& r = j["reports"][side];
    EXPECT_EQ(r["format"], "ttm-replay-report") << side;
    EXPECT_EQ(r["trace"]["events"], j["reports"]["a"]["trace"]["events"]) << side;
    EXPECT_EQ(r["trace"]["sha256"].get<std::string>().size(), 64u) << side;
  }
  EXPECT_EQ(j["reports"]["a"]["trace"]["sha256"], j["reports"]["b"]["trace"]["sha256"]);
  EXPECT_EQ(j["reports"]["a"]["options"]["semantics"], "v13");
  EXPECT_EQ(j["reports"]["b"]["options"]["semantics"], "merged");
}

TEST(Ab, OutputJsonOfIdenticalSidesHasNoDivergence) {
  const std::string output = TempPath("same.json");
  Captured c = Ab(kHappy, "v13", "merged-fixed", output);
  ASSERT_TRUE(c.status.ok());
  const nlohmann::json j = ReadJson(output);
  EXPECT_EQ(j["diverged"], false);
  EXPECT_TRUE(j["first_divergence"].is_null());
  EXPECT_EQ(j["differing_events"], 0);
}

// The JSON itself goes to the process's standard output (as replay -o -
// writes it), not to Io; what is checked here is that the text leaves it.
TEST(Ab, OutputToStandardOutputMovesTheTextToStandardError) {
  Captured c = Ab(kEinval, "v13", "merged", "-");
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(c.out, "");
  EXPECT_NE(c.err.find("first divergent event"), std::string::npos);
}

}  // namespace
}  // namespace ttm::cli
