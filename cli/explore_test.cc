#include "cli/explore.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

struct Captured {
  Result<int> status;
  std::string out, err;
};

Captured Explored(ExploreCommandOptions options) {
  std::ostringstream out, err;
  Result<int> r = RunExplore(options, Io{out, err});
  return Captured{std::move(r), out.str(), err.str()};
}

ExploreCommandOptions Options(const std::string& trace, const std::string& site) {
  ExploreCommandOptions o;
  o.trace = trace;
  o.site = site;
  return o;
}

std::string TempPath(const std::string& name) { return std::string(getenv("TEST_TMPDIR")) + "/" + name; }

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr char k47[] = "traces/explore/4.07-eintr-dma-where.jsonl";

TEST(ExploreCommand, ExitsOneWhenACallLeadsToANewFindingAndWritesTheJson) {
  ExploreCommandOptions o = Options(k47, "copy_page");
  o.error = "EINTR";
  o.output = TempPath("x.json");
  o.jobs = 2;
  Captured c = Explored(o);
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_EQ(*c.status, kExitFindings);
  EXPECT_NE(c.out.find("calls 1\u201312: 3.5.4 dma-address at line 8"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("calls 13\u201316: clean"), std::string::npos) << c.out;
  EXPECT_EQ(c.err, "");
  const std::string json = Read(o.output);
  EXPECT_EQ(json.rfind("{\n  \"site\": \"copy_page\",\n  \"error\": \"EINTR\",\n  \"calls\": 16,", 0), 0u) << json;
}

TEST(ExploreCommand, UnderTheMergedSemanticsAnEintrInTheLastChunkReaches4_8Instead) {
  // v6.15 keeps the DMA cursor in its allocation snapshot (no 4.7), but a
  // resume that finds nothing left to allocate keeps tt->restore (4.8).
  ExploreCommandOptions o = Options(k47, "copy_page");
  o.error = "EINTR";
  o.semantics = "merged";
  Captured c = Explored(o);
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_EQ(*c.status, kExitFindings);
  EXPECT_EQ(c.out.find("3.5.4"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("calls 1\u201313: clean"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("calls 14\u201316: 3.2.5 flags at line 8"), std::string::npos) << c.out;
  // With the fix of 4.8, no position breaks anything.
  o.semantics = "merged-fixed";
  c = Explored(o);
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitOk) << c.out;
  EXPECT_NE(c.out.find("calls 1\u201316: clean"), std::string::npos) << c.out;
}

TEST(ExploreCommand, ExitsZeroWhenNoCallLeadsToANewFinding) {
  Captured c = Explored(Options(k47, "alloc_restore"));
  ASSERT_TRUE(c.status.ok());
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_NE(c.out.find("call 1: clean (exit 0, returned ENOMEM, 0 restarts)"), std::string::npos) << c.out;
}

TEST(ExploreCommand, TheJsonToStandardOutputSendsTheTextToStandardError) {
  ExploreCommandOptions o = Options(k47, "alloc_restore");
  o.output = "-";
  std::ostringstream err;
  Captured c = Explored(o);
  EXPECT_NE(c.out.find("\"site\": \"alloc_restore\""), std::string::npos);
  EXPECT_NE(c.err.find("explore: site alloc_restore"), std::string::npos);
}

TEST(ExploreCommand, RefusesATraceThatArmsTheSiteNamingFileAndLine) {
  Captured c = Explored(Options("traces/scenarios/4.07-eintr-resume-dma.jsonl", "copy_page"));
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(),
            "traces/scenarios/4.07-eintr-resume-dma.jsonl:11: fail: the trace arms copy_page itself; "
            "explore arms it, one call at a time");
}

TEST(ExploreCommand, RefusesAnErrorTheSiteCannotRaiseAnUnknownSiteAndAnUnknownObject) {
  ExploreCommandOptions o = Options(k47, "dma_map");
  o.error = "ENOMEM";
  EXPECT_EQ(Explored(o).status.status().message(), "site dma_map cannot raise ENOMEM (it raises EFAULT)");
  o.error = "EWHAT";
  EXPECT_EQ(Explored(o).status.status().message(), "--error: unknown errno 'EWHAT'");
  EXPECT_EQ(Explored(Options(k47, "copy")).status.status().message(), "--site: unknown fault site 'copy'");
  o = Options(k47, "copy_page");
  o.tt = 9;
  EXPECT_EQ(Explored(o).status.status().message(), "--tt: tt 9 does not appear in " + std::string(k47));
}

TEST(ExploreCommand, AnInvalidTraceIsTheTraceLayersError) {
  const std::string trace = TempPath("bad.jsonl");
  std::ofstream(trace) << "{\"format\":\"ttm-trace\",\"version\":1}\n{\"op\":\"free\",\"tt\":3}\n";
  EXPECT_EQ(Explored(Options(trace, "copy_page")).status.status().message(), trace + ":2: free: tt 3 is not live");
}

}  // namespace
}  // namespace ttm::cli
