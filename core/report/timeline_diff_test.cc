#include "core/report/timeline_diff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ttm {
namespace {

const std::string kHeader =
    R"({"format":"ttm-replay-timeline","version":1,"trace_sha256":"aa","semantics":"v13"})";

std::string Line(uint64_t line, const std::string& op, const std::string& rest) {
  return R"({"line":)" + std::to_string(line) + R"(,"op":")" + op + "\"" + rest + "}";
}

const std::vector<std::string> kOld = {
    Line(2, "allocate", R"(,"tt":1,"state":"unpopulated","system_used_pages":0)"),
    Line(3, "populate", R"(,"tt":1,"ret":0,"state":"populated","system_used_pages":16)"),
    Line(5, "shrink", R"(,"tt":1,"ret":16,"state":"backed_up","system_used_pages":0)"),
    Line(6, "pool_shrink", R"(,"system_used_pages":0)"),
};

TimelineDiff Compare(const std::vector<std::string>& a, const std::vector<std::string>& b,
                     const std::string& header_b = kHeader) {
  TimelineComparer c;
  EXPECT_TRUE(c.Start(kHeader, header_b, "old.jsonl", "new.jsonl").ok());
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::optional<std::string_view> x, y;
    if (i < a.size()) x = a[i];
    if (i < b.size()) y = b[i];
    Status s = c.Add(x, y, i + 2, i + 2);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return c.result();
}

TEST(IsTimelineHeader, RecognisesTheHeaderAndNothingElse) {
  EXPECT_TRUE(IsTimelineHeader(kHeader));
  EXPECT_FALSE(IsTimelineHeader("{"));
  EXPECT_FALSE(IsTimelineHeader(R"({"format":"ttm-replay-report","version":2})"));
  EXPECT_FALSE(IsTimelineHeader(R"(["ttm-replay-timeline"])"));
  EXPECT_FALSE(IsTimelineHeader(""));
}

TEST(TimelineDiff, IdenticalTimelinesAreTheSame) {
  const TimelineDiff d = Compare(kOld, kOld);
  EXPECT_TRUE(d.same());
  EXPECT_FALSE(d.first);
  EXPECT_EQ(d.differing_events, 0u);
  EXPECT_EQ(d.old_events, 4u);
}

TEST(TimelineDiff, NamesTheFirstDivergentEventWithEachDifferingField) {
  std::vector<std::string> b = kOld;
  b[2] = Line(5, "shrink", R"(,"tt":1,"ret":-16,"state":"populated","system_used_pages":0)");
  b[3] = Line(6, "pool_shrink", R"(,"system_used_pages":16)");
  const TimelineDiff d = Compare(kOld, b);
  EXPECT_FALSE(d.same());
  ASSERT_TRUE(d.first);
  EXPECT_EQ(d.first->line, 5u);
  EXPECT_EQ(d.first->op, "shrink");
  EXPECT_EQ(d.first->tt, 1u);
  ASSERT_EQ(d.first->fields.size(), 2u);
  EXPECT_EQ(d.first->fields[0].first, "ret");
  EXPECT_EQ(d.first->fields[0].second.first, 16);
  EXPECT_EQ(d.first->fields[0].second.second, -16);
  EXPECT_EQ(d.first->fields[1].first, "state");
  EXPECT_EQ(d.differing_events, 2u);
}

TEST(TimelineDiff, AKeyInOnlyOneLineIsADifferenceWithNullForTheOtherSide) {
  std::vector<std::string> b = kOld;
  b[3] = Line(6, "pool_shrink", R"(,"system_used_pages":0,"violations":["3.1.3 conservation"])");
  const TimelineDiff d = Compare(kOld, b);
  ASSERT_TRUE(d.first);
  EXPECT_FALSE(d.first->tt);
  ASSERT_EQ(d.first->fields.size(), 1u);
  EXPECT_EQ(d.first->fields[0].first, "violations");
  EXPECT_TRUE(d.first->fields[0].second.first.is_null());
}

TEST(TimelineDiff, ATimelineThatEndsEarlyDiffersInEveryMissingEvent) {
  std::vector<std::string> b(kOld.begin(), kOld.begin() + 2);
  const TimelineDiff d = Compare(kOld, b);
  ASSERT_TRUE(d.first);
  EXPECT_EQ(d.first->line, 5u);
  EXPECT_EQ(d.differing_events, 2u);
  EXPECT_EQ(d.new_events, 2u);
}

TEST(TimelineDiff, DifferentHeadersAreADifferenceEvenWithEqualEvents) {
  const std::string other =
      R"({"format":"ttm-replay-timeline","version":1,"trace_sha256":"bb","semantics":"v13"})";
  const TimelineDiff d = Compare(kOld, kOld, other);
  EXPECT_FALSE(d.same());
  ASSERT_EQ(d.header.size(), 1u);
  EXPECT_EQ(d.header[0].first, "trace_sha256");
  const std::string text = RenderTimelineDiffText(d);
  EXPECT_TRUE(text.starts_with("DIFFERENT TIMELINE HEADERS")) << text;
}

TEST(TimelineDiff, AnUnsupportedVersionOrANonTimelineIsAnErrorNamingTheFile) {
  TimelineComparer c;
  Status s = c.Start(kHeader, R"({"format":"ttm-replay-timeline","version":7})", "a", "b.jsonl");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.message().starts_with("b.jsonl: unsupported timeline version 7")) << s.message();
  s = c.Start("{}", kHeader, "a.jsonl", "b");
  EXPECT_EQ(s.message(), "a.jsonl: not a ttm-replay timeline");
}

TEST(TimelineDiff, AnUnreadableDivergentLineIsAnErrorWithItsLineNumber) {
  TimelineComparer c;
  ASSERT_TRUE(c.Start(kHeader, kHeader, "a.jsonl", "b.jsonl").ok());
  Status s = c.Add(std::string_view(kOld[0]), std::string_view("{not json"), 2, 2);
  EXPECT_EQ(s.message(), "b.jsonl:2: not a timeline event line");
}

TEST(TimelineDiffText, NamesTheEventTheFieldsAndTheCount) {
  std::vector<std::string> b = kOld;
  b[1] = Line(3, "populate", R"(,"tt":1,"ret":-12,"state":"populated","system_used_pages":16)");
  EXPECT_EQ(RenderTimelineDiffText(Compare(kOld, b)),
            "old: old.jsonl (4 events)\n"
            "new: new.jsonl (4 events)\n"
            "first divergent event: line 3, populate, tt 1\n"
            "  ret: 0 -> -12\n"
            "1 of 4 events differ\n");
}

TEST(TimelineDiffText, SaysSoWhenTheSame) {
  EXPECT_NE(RenderTimelineDiffText(Compare(kOld, kOld)).find("timelines are the same (4 events)\n"),
            std::string::npos);
}

TEST(TimelineDiffJson, HasTheKeysOfTheCommandLineContract) {
  std::vector<std::string> b = kOld;
  b[2] = Line(5, "shrink", R"(,"tt":1,"ret":-16,"state":"backed_up","system_used_pages":0)");
  const nlohmann::json j = nlohmann::json::parse(RenderTimelineDiffJson(Compare(kOld, b)));
  EXPECT_EQ(j["same"], false);
  EXPECT_EQ(j["first_divergence"]["line"], 5);
  EXPECT_EQ(j["first_divergence"]["op"], "shrink");
  EXPECT_EQ(j["first_divergence"]["tt"], 1);
  EXPECT_EQ(j["first_divergence"]["fields"]["ret"], nlohmann::json::array({16, -16}));
  EXPECT_EQ(j["differing_events"], 1);

  const nlohmann::json same = nlohmann::json::parse(RenderTimelineDiffJson(Compare(kOld, kOld)));
  EXPECT_EQ(same["same"], true);
  EXPECT_TRUE(same["first_divergence"].is_null());
  EXPECT_EQ(same["differing_events"], 0);
}

}  // namespace
}  // namespace ttm
