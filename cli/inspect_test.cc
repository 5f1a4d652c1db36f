#include "cli/inspect.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/exit_codes.h"

namespace ttm::cli {
namespace {

struct Captured {
  Result<int> status;
  std::string out;
};

Captured Inspect(const std::string& trace, uint64_t at, std::optional<uint64_t> tt = std::nullopt,
                 const std::string& format = "text") {
  std::ostringstream out, err;
  InspectOptions options{trace, at, tt, format};
  Result<int> r = RunInspect(options, Io{out, err});
  return Captured{std::move(r), out.str()};
}

constexpr char kContract[] = "traces/examples/contract-example.jsonl";

TEST(Inspect, ShowsAnInterruptedRestoreWithItsSlotsAndRestoreState) {
  // Line 9: the populate that EINTR interrupted after 100 page copies.
  Captured c = Inspect(kContract, 9);
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  EXPECT_EQ(*c.status, kExitOk);
  EXPECT_EQ(c.out,
            "state after line 9 (last event: populate, tt 1)\n"
            "global: system_used_pages 257, pool_pages 0, backup_pages 200, live_tts 1, pool_limit_pages 2048\n"
            "tt 1: backed_up, 300 pages, wc; resident 256, backed_up 44, empty 0, restore pending\n"
            "  slots:\n"
            "    0-255: resident, order 8, cached\n"
            "    256-299: handle\n"
            "  restore: alloced_pages 256, restored_pages 100, order 8, first_page 0, caching_divide 0\n"
            "  dma: no dma_address array\n"
            "pools: empty\n"
            "faults: none armed\n");
}

TEST(Inspect, ShowsArmedFaultsWithTheirCallCounts) {
  // Line 6 is the shrink; the copy_page fault armed at line 5 waits for
  // the restore.
  Captured c = Inspect(kContract, 6);
  ASSERT_TRUE(c.status.ok());
  EXPECT_NE(c.out.find("faults:\n  copy_page: after 100, count 1, error EINTR; 0 counted calls passed, "
                       "1 failures to come, 0 fired so far\n"),
            std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("    0-299: handle\n"), std::string::npos) << c.out;
}

TEST(Inspect, ShowsPoolsPerCachingAndOrderAfterAFree) {
  Captured c = Inspect(kContract, 15);
  ASSERT_TRUE(c.status.ok());
  EXPECT_NE(c.out.find("pools:\n  wc order "), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("live_tts 0"), std::string::npos);
}

TEST(Inspect, JsonHasTheSameStateAsText) {
  Captured c = Inspect(kContract, 9, 1, "json");
  ASSERT_TRUE(c.status.ok());
  const nlohmann::json j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j["line"], 9);
  EXPECT_EQ(j["event"]["op"], "populate");
  EXPECT_EQ(j["global"]["backup_pages"], 200);
  ASSERT_EQ(j["tts"].size(), 1u);
  const nlohmann::json& tt = j["tts"][0];
  EXPECT_EQ(tt["state"], "backed_up");
  EXPECT_EQ(tt["slots"][0], nlohmann::json::parse(
                                R"({"first":0,"count":256,"kind":"resident","order":8,"caching":"cached"})"));
  EXPECT_EQ(tt["slots"][1], nlohmann::json::parse(R"({"first":256,"count":44,"kind":"handle"})"));
  EXPECT_EQ(tt["restore"]["alloced_pages"], 256);
  EXPECT_EQ(tt["restore"]["restored_pages"], 100);
  EXPECT_TRUE(tt["restore"]["dma_cursor"].is_null());
  EXPECT_TRUE(tt["dma"].is_null());
  EXPECT_EQ(j["faults"].size(), 0u);
}

TEST(Inspect, ShowsDmaMappingsAsRunsAndTheDmaCursorOfARestore) {
  Captured c = Inspect("traces/scenarios/4.07-eintr-resume-dma.jsonl", 6, 1, "json");
  ASSERT_TRUE(c.status.ok()) << c.status.status().message();
  const nlohmann::json j = nlohmann::json::parse(c.out);
  ASSERT_EQ(j["tts"][0]["dma"].size(), 1u);
  EXPECT_EQ(j["tts"][0]["dma"][0]["first"], 0);
  EXPECT_EQ(j["tts"][0]["dma"][0]["count"], 16);
  // Line 12: the restore interrupted by EINTR; V13 restarts the dma cursor
  // at 0 on resume.
  Captured r = Inspect("traces/scenarios/4.07-eintr-resume-dma.jsonl", 12, 1, "json");
  ASSERT_TRUE(r.status.ok());
  const nlohmann::json k = nlohmann::json::parse(r.out);
  EXPECT_EQ(k["tts"][0]["restore"]["dma_cursor"], 0);
  EXPECT_TRUE(k["tts"][0]["restore_pending"]);
}

TEST(Inspect, ALineBeyondTheTraceIsAnError) {
  Captured c = Inspect(kContract, 999);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(),
            std::string(kContract) + ": --at 999 is beyond the trace's last event (line 16)");
}

TEST(Inspect, AnObjectNotLiveIsAnError) {
  Captured c = Inspect(kContract, 9, 7);
  ASSERT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.status().message(), std::string(kContract) + ": --tt 7 is not live after line 9");
}

}  // namespace
}  // namespace ttm::cli
