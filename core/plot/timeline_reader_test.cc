#include "core/plot/timeline_reader.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <sstream>
#include <string>
#include <vector>

namespace ttm::plot {
namespace {

const std::string kHeader =
    "{\"format\":\"ttm-replay-timeline\",\"version\":1,\"trace_sha256\":\"" +
    std::string(64, 'c') + "\",\"semantics\":\"v13\"}\n";
const std::string kShrink =
    "{\"line\":12,\"op\":\"shrink\",\"tt\":3,\"ret\":-16,\"state\":\"backed_up\","
    "\"resident\":4,\"backed_up\":4,\"empty\":1,\"restore_pending\":true,"
    "\"system_used_pages\":40,\"pool_pages\":8,\"backup_pages\":4,\"live_tts\":2,"
    "\"violations\":[\"3.5.3 dma-unmap-once\"]}\n";
const std::string kFree =
    "{\"line\":13,\"op\":\"free\",\"tt\":3,\"system_used_pages\":30,\"pool_pages\":12,"
    "\"backup_pages\":0,\"live_tts\":1}\n";
const std::string kPoolShrink =
    "{\"line\":15,\"op\":\"pool_shrink\",\"system_used_pages\":20,\"pool_pages\":2,"
    "\"backup_pages\":0,\"live_tts\":1}\n";

// Everything a reader of `text` yields: the records, then the error (or
// "" at a clean end).
struct ReadAll {
  std::vector<TimelineRecord> records;
  std::string error;
};

ReadAll Read(const std::string& text) {
  ReadAll all;
  std::istringstream in(text);  // outlives the reader
  Result<std::unique_ptr<TimelineReader>> reader =
      TimelineReader::FromSource(trace::IstreamSource(in), "t.jsonl");
  if (!reader.ok()) {
    all.error = reader.status().message();
    return all;
  }
  TimelineRecord r;
  for (;;) {
    Result<bool> got = (*reader)->Next(&r);
    if (!got.ok()) {
      all.error = got.status().message();
      Result<bool> again = (*reader)->Next(&r);
      EXPECT_FALSE(again.ok());
      if (!again.ok()) {
        EXPECT_EQ(again.status().message(), all.error);
      }
      break;
    }
    if (!*got) break;
    all.records.push_back(r);
  }
  return all;
}

TEST(TimelineReader, ReadsEveryKeyOfAnEventLine) {
  ReadAll all = Read(kHeader + kShrink);
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.records.size(), 1u);
  const TimelineRecord& r = all.records[0];
  EXPECT_EQ(r.line, 12u);
  EXPECT_EQ(r.op, "shrink");
  EXPECT_EQ(r.tt, 3u);
  EXPECT_EQ(r.ret, -16);
  ASSERT_TRUE(r.object.has_value());
  EXPECT_EQ(r.object->state, TtState::kBackedUp);
  EXPECT_EQ(r.object->resident, 4u);
  EXPECT_EQ(r.object->backed_up, 4u);
  EXPECT_EQ(r.object->empty, 1u);
  EXPECT_TRUE(r.object->restore_pending);
  EXPECT_EQ(r.system_used_pages, 40u);
  EXPECT_EQ(r.pool_pages, 8u);
  EXPECT_EQ(r.backup_pages, 4u);
  EXPECT_EQ(r.live_tts, 2u);
  EXPECT_EQ(r.violations, std::vector<std::string>{"3.5.3 dma-unmap-once"});
}

TEST(TimelineReader, ReadsTheHeader) {
  auto in = std::istringstream(kHeader);
  auto reader = TimelineReader::FromSource(trace::IstreamSource(in), "t");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->header().version, 1);
  EXPECT_EQ((*reader)->header().semantics, "v13");
  EXPECT_EQ((*reader)->header().trace_sha256, std::string(64, 'c'));
}

TEST(TimelineReader, FreeAndPoolShrinkHaveNoObjectAndPoolShrinkNoTt) {
  ReadAll all = Read(kHeader + kShrink + kFree + kPoolShrink);
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_EQ(all.records[1].tt, 3u);
  EXPECT_FALSE(all.records[1].object.has_value());
  EXPECT_FALSE(all.records[1].ret.has_value());
  EXPECT_TRUE(all.records[1].violations.empty()) << "a reused record keeps nothing";
  EXPECT_FALSE(all.records[2].tt.has_value());
  EXPECT_FALSE(all.records[2].object.has_value());
}

TEST(TimelineReader, IgnoresKeysItDoesNotKnowAndBlankLines) {
  std::string line = kFree;
  line.insert(1, "\"later\":{\"x\":1},");
  ReadAll all = Read(kHeader + "\n" + line + "  \n");
  EXPECT_EQ(all.error, "");
  EXPECT_EQ(all.records.size(), 1u);
}

TEST(TimelineReader, ReadsAZstdTimelineLikeAPlainOne) {
  const std::string text = kHeader + kShrink + kFree;
  std::string packed(ZSTD_compressBound(text.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3));
  ReadAll plain = Read(text), zstd = Read(packed);
  ASSERT_EQ(zstd.error, "");
  ASSERT_EQ(zstd.records.size(), plain.records.size());
  EXPECT_EQ(zstd.records[0].violations, plain.records[0].violations);
  EXPECT_EQ(zstd.records[1].system_used_pages, 30u);
}

TEST(TimelineReader, AnEmptyFileHasNoHeader) {
  EXPECT_EQ(Read("").error, "t.jsonl:1: empty timeline: no header");
}

TEST(TimelineReader, ATraceIsNotATimelineAndTheMessageSaysHowToGetOne) {
  ReadAll all = Read("{\"format\":\"ttm-trace\",\"version\":1}\n");
  EXPECT_EQ(all.error,
            "t.jsonl:1: not a timeline: \"format\" is \"ttm-trace\", a timeline starts with "
            "{\"format\":\"ttm-replay-timeline\",...} (write one with replay --timeline)");
  EXPECT_EQ(Read(kShrink).error.rfind("t.jsonl:1: not a timeline: it has no \"format\"", 0), 0u);
}

TEST(TimelineReader, AnotherVersionIsRefusedNamingTheOneItReads) {
  std::string header = kHeader;
  header.replace(header.find("\"version\":1"), 11, "\"version\":2");
  EXPECT_EQ(Read(header).error,
            "t.jsonl:1: timeline version 2 is not supported (this build reads version 1)");
}

TEST(TimelineReader, AHeaderWithoutSemanticsIsRefused) {
  EXPECT_EQ(Read("{\"format\":\"ttm-replay-timeline\",\"version\":1,\"trace_sha256\":\"x\"}").error,
            "t.jsonl:1: missing field \"semantics\"");
}

TEST(TimelineReader, MalformedJsonNamesItsLine) {
  ReadAll all = Read(kHeader + kShrink + "{\"line\":13,\n");
  EXPECT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.error.rfind("t.jsonl:3: malformed JSON", 0), 0u) << all.error;
}

TEST(TimelineReader, AMissingKeyIsNamedWithTheOp) {
  std::string line = kShrink;
  line.replace(line.find("\"ret\":-16,"), 10, "");
  EXPECT_EQ(Read(kHeader + line).error, "t.jsonl:2: shrink: missing field \"ret\"");
  line = kFree;
  line.replace(line.find("\"live_tts\":1"), 12, "\"x\":1");
  EXPECT_EQ(Read(kHeader + line).error, "t.jsonl:2: free: missing field \"live_tts\"");
}

TEST(TimelineReader, WrongTypesAndRangesAreErrors) {
  auto with = [](std::string from, std::string to) {
    std::string line = kShrink;
    line.replace(line.find(from), from.size(), to);
    return Read(kHeader + line).error;
  };
  EXPECT_EQ(with("\"resident\":4", "\"resident\":-4"),
            "t.jsonl:2: shrink: \"resident\" is -4, must be >= 0");
  EXPECT_EQ(with("\"resident\":4", "\"resident\":4.5"),
            "t.jsonl:2: shrink: \"resident\" must be an integer, not a fraction");
  EXPECT_EQ(with("\"state\":\"backed_up\"", "\"state\":\"swapped\""),
            "t.jsonl:2: shrink: \"state\" is \"swapped\", must be unpopulated, populated or "
            "backed_up");
  EXPECT_EQ(with("\"restore_pending\":true", "\"restore_pending\":1"),
            "t.jsonl:2: shrink: \"restore_pending\" must be true or false, not a number");
  EXPECT_EQ(with("[\"3.5.3 dma-unmap-once\"]", "\"3.5.3\""),
            "t.jsonl:2: shrink: \"violations\" must be a list, not a string");
  EXPECT_EQ(with("[\"3.5.3 dma-unmap-once\"]", "[3]"),
            "t.jsonl:2: shrink: \"violations\" must hold strings, not a number");
  EXPECT_EQ(with("\"line\":12", "\"line\":0"), "t.jsonl:2: shrink: \"line\" is 0, must be >= 1");
  EXPECT_EQ(with("\"ret\":-16", "\"ret\":18446744073709551615"),
            "t.jsonl:2: shrink: \"ret\" is 18446744073709551615, out of range");
}

TEST(TimelineReader, AnUnknownOpIsAnError) {
  std::string line = kFree;
  line.replace(line.find("\"free\""), 6, "\"fail\"");
  EXPECT_EQ(Read(kHeader + line).error,
            "t.jsonl:2: \"op\" is \"fail\", must be one of allocate, populate, write, shrink, "
            "unpopulate, free, pool_shrink");
}

TEST(TimelineReader, TraceLinesMustIncrease) {
  ReadAll all = Read(kHeader + kFree + kShrink);
  EXPECT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.error, "t.jsonl:3: shrink: trace line 12 does not come after trace line 13");
}

TEST(TimelineReader, ASecondHeaderIsAnError) {
  EXPECT_EQ(Read(kHeader + kShrink + kHeader).error,
            "t.jsonl:3: a second header: only the first line may have \"format\"");
}

TEST(TimelineReader, ATruncatedZstdTimelineIsAnError) {
  const std::string text = kHeader + kShrink + kFree;
  std::string packed(ZSTD_compressBound(text.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3));
  packed.resize(packed.size() - 4);
  ReadAll all = Read(packed);
  EXPECT_NE(all.error.find("zstd"), std::string::npos) << all.error;
  EXPECT_EQ(all.error.rfind("t.jsonl:", 0), 0u) << all.error;
}

}  // namespace
}  // namespace ttm::plot
