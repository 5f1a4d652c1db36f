#include "replay_tests/report_check.h"

#include <gtest/gtest.h>

namespace ttm {
namespace {

constexpr char kReport[] = R"({
  "format": "ttm-replay-report",
  "version": 2,
  "violations": {
    "count": 2,
    "by_invariant": {
      "3.4.4 wb-after-failed-backup": 1,
      "3.5.3 dma-unmap-once": 1
    },
    "first": []
  },
  "checks": {
    "passed": 1,
    "failed": 0,
    "failures": []
  },
  "expectations": {
    "passed": 3,
    "failed": 0,
    "failures": []
  },
  "run": {
    "tool": "ttm-replay 0.1.0",
    "wall_ms": 3
  }
}
)";

TEST(StripRun, RemovesTheRunSectionWhereverItIsAndKeepsTheRestByteForByte) {
  const std::string want = std::string(kReport).replace(
      std::string(kReport).find(",\n  \"run\""), std::string(",\n  \"run\": {\n    \"tool\": \"ttm-replay 0.1.0\",\n    \"wall_ms\": 3\n  }").size(), "");
  EXPECT_EQ(StripRun(kReport), want);
  // Not by line position: a run section first, or on one line, goes too.
  EXPECT_EQ(StripRun(R"({"run": {"a": [1, 2]}, "version": 2})"), "{\n  \"version\": 2\n}\n");
  EXPECT_EQ(StripRun("{\"version\": 2}"), "{\n  \"version\": 2\n}\n");
}

TEST(StripRun, RefusesWhatIsNotAJsonObject) {
  EXPECT_EQ(StripRun("[1]"), std::nullopt);
  EXPECT_EQ(StripRun("{\"run\": "), std::nullopt);
}

TEST(SelfCheck, AReportWhoseOwnEventsHoldPasses) {
  EXPECT_EQ(SelfCheckFailures(kReport, std::nullopt), std::vector<std::string>{});
  EXPECT_EQ(SelfCheckFailures(kReport, std::vector<std::string>{"3.5.3 dma-unmap-once",
                                                                "3.4.4 wb-after-failed-backup"}),
            std::vector<std::string>{});
}

TEST(SelfCheck, FailedChecksAndExpectationsAreNamedWithTheirLines) {
  std::string r = kReport;
  r.replace(r.find("\"failed\": 0,\n    \"failures\": []\n  },\n  \"expectations\""),
            std::string("\"failed\": 0,\n    \"failures\": []").size(),
            R"("failed": 1, "failures": [{"line": 7, "invariant": "3.4.4 wb-after-failed-backup", "what": "slot 0"}])");
  r.replace(r.rfind("\"failed\": 0,\n    \"failures\": []"),
            std::string("\"failed\": 0,\n    \"failures\": []").size(),
            R"("failed": 1, "failures": [{"line": 9, "assertion": "violations", "expected": 3, "found": 2}])");
  EXPECT_EQ(SelfCheckFailures(r, std::nullopt),
            (std::vector<std::string>{"line 7: check failed: 3.4.4 wb-after-failed-backup: slot 0",
                                      "line 9: expect failed: violations: expected 3, found 2"}));
}

TEST(SelfCheck, AViolationLostOrGainedAgainstTheStatedListFails) {
  EXPECT_EQ(SelfCheckFailures(kReport, std::vector<std::string>{"3.5.3 dma-unmap-once"}),
            std::vector<std::string>{
                "violated invariants are 3.4.4 wb-after-failed-backup, 3.5.3 dma-unmap-once, the "
                "trace states 3.5.3 dma-unmap-once"});
  EXPECT_EQ(SelfCheckFailures(kReport, std::vector<std::string>{}).size(), 1u);
}

TEST(SelfCheck, TextThatIsNotAReportIsOneProblem) {
  EXPECT_EQ(SelfCheckFailures("nope", std::nullopt), std::vector<std::string>{"not a JSON report"});
}

}  // namespace
}  // namespace ttm
