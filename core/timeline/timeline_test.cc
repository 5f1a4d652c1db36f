#include "core/timeline/timeline.h"

#include <gtest/gtest.h>

#include <string>

namespace ttm {
namespace {

TimelineEntry ShrinkEntry() {
  TimelineEntry e;
  e.line = 12;
  e.op = "shrink";
  e.tt = 3;
  e.ret = -16;
  e.object = TimelineObject{TtState::kBackedUp, 4, 4, 0, false};
  e.system_used_pages = 40;
  e.pool_pages = 8;
  e.backup_pages = 4;
  e.live_tts = 2;
  e.violations = {"3.5.3 dma-unmap-once"};
  return e;
}

std::string Render(const TimelineEntry& e) {
  std::string out;
  AppendTimelineLine(e, &out);
  return out;
}

TEST(TimelineLine, HasEveryKeyInTheFormatsOrder) {
  EXPECT_EQ(Render(ShrinkEntry()),
            "{\"line\":12,\"op\":\"shrink\",\"tt\":3,\"ret\":-16,\"state\":\"backed_up\",\"resident\":4,"
            "\"backed_up\":4,\"empty\":0,\"restore_pending\":false,\"system_used_pages\":40,"
            "\"pool_pages\":8,\"backup_pages\":4,\"live_tts\":2,\"violations\":[\"3.5.3 dma-unmap-once\"]}\n");
}

TEST(TimelineLine, LeavesOutRetObjectAndViolationsWhenAbsent) {
  TimelineEntry e;
  e.line = 7;
  e.op = "pool_shrink";
  e.system_used_pages = 1;
  e.pool_pages = 2;
  e.backup_pages = 3;
  e.live_tts = 4;
  EXPECT_EQ(Render(e),
            "{\"line\":7,\"op\":\"pool_shrink\",\"system_used_pages\":1,\"pool_pages\":2,"
            "\"backup_pages\":3,\"live_tts\":4}\n");
}

TEST(TimelineLine, ListsEveryViolationReportedAtTheEventInOrder) {
  TimelineEntry e = ShrinkEntry();
  e.violations = {"3.5.3 dma-unmap-once", "3.5.3 dma-unmap-once", "3.6 data-preserved"};
  EXPECT_NE(Render(e).find("\"violations\":[\"3.5.3 dma-unmap-once\",\"3.5.3 dma-unmap-once\","
                           "\"3.6 data-preserved\"]}"),
            std::string::npos);
}

TEST(TimelineLine, AppendsToWhatIsThere) {
  std::string out = "x";
  AppendTimelineLine(ShrinkEntry(), &out);
  EXPECT_EQ(out, "x" + Render(ShrinkEntry()));
}

TEST(TimelineLine, PrintsTheWholeRangeOfNumbers) {
  TimelineEntry e = ShrinkEntry();
  e.line = UINT64_MAX;
  e.ret = INT64_MIN;
  const std::string line = Render(e);
  EXPECT_NE(line.find("\"line\":18446744073709551615,"), std::string::npos);
  EXPECT_NE(line.find("\"ret\":-9223372036854775808,"), std::string::npos);
}

TEST(TimelineHeader, NamesFormatVersionTraceAndSemantics) {
  EXPECT_EQ(TimelineHeader("ab12", "v13"),
            "{\"format\":\"ttm-replay-timeline\",\"version\":1,\"trace_sha256\":\"ab12\","
            "\"semantics\":\"v13\"}\n");
}

TEST(TimelineOps, TheSevenStateChangingOpsHaveALineAndTheOthersNot) {
  EXPECT_TRUE(HasTimelineLine(AllocateEvent{}));
  EXPECT_TRUE(HasTimelineLine(PopulateEvent{}));
  EXPECT_TRUE(HasTimelineLine(WriteEvent{}));
  EXPECT_TRUE(HasTimelineLine(ShrinkEvent{}));
  EXPECT_TRUE(HasTimelineLine(UnpopulateEvent{}));
  EXPECT_TRUE(HasTimelineLine(FreeEvent{}));
  EXPECT_TRUE(HasTimelineLine(PoolShrinkEvent{}));
  EXPECT_FALSE(HasTimelineLine(FailEvent{}));
  EXPECT_FALSE(HasTimelineLine(SetEvent{}));
  EXPECT_FALSE(HasTimelineLine(CheckEvent{}));
  EXPECT_FALSE(HasTimelineLine(ExpectEvent{}));
}

TEST(BehaviourDigest, IsThirtyTwoHexDigitsAndCountsLines) {
  BehaviourDigest d;
  d.AddLine("a\n");
  d.AddLine("b\n");
  EXPECT_EQ(d.lines(), 2u);
  const std::string hex = d.Hex();
  ASSERT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(BehaviourDigest, EqualLinesGiveEqualDigests) {
  BehaviourDigest a, b;
  for (BehaviourDigest* d : {&a, &b}) {
    d->AddLine(Render(ShrinkEntry()));
    d->AddLine("{\"line\":13}\n");
  }
  EXPECT_EQ(a.Hex(), b.Hex());
}

TEST(BehaviourDigest, OneChangedValueChangesTheDigest) {
  BehaviourDigest a, b;
  TimelineEntry changed = ShrinkEntry();
  changed.pool_pages = 9;
  a.AddLine(Render(ShrinkEntry()));
  b.AddLine(Render(changed));
  EXPECT_NE(a.Hex(), b.Hex());
}

TEST(BehaviourDigest, IsXxh3Of128BitsOverTheLinesAsOneText) {
  // The empty input's XXH3-128, as published by xxHash.
  BehaviourDigest empty;
  EXPECT_EQ(empty.Hex(), "99aa06d3014798d86001c324468d497f");
  // Line boundaries do not matter, only the bytes.
  BehaviourDigest split, whole;
  split.AddLine("ab");
  split.AddLine("c\n");
  whole.AddLine("abc\n");
  EXPECT_EQ(split.Hex(), whole.Hex());
}

}  // namespace
}  // namespace ttm
