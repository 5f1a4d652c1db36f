#include "core/trace/trace_reader.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <sstream>
#include <string>
#include <vector>

namespace ttm::trace {
namespace {

const char kHeader[] = "{\"format\":\"ttm-trace\",\"version\":1}\n";

// Reads `text` whole (as if from a file named t.jsonl); returns the first
// error message, or "" when the trace is valid.
std::string ErrorOf(const std::string& text, bool strict = false, uint64_t* events = nullptr) {
  std::istringstream in(text);
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl", {.strict = strict});
  if (!reader.ok()) return reader.status().message();
  Event e;
  for (;;) {
    Result<bool> more = (*reader)->Next(&e);
    if (!more.ok()) return more.status().message();
    if (!*more) break;
  }
  if (events) *events = (*reader)->event_count();
  return "";
}

std::string EventError(const std::string& lines, bool strict = false) {
  return ErrorOf(kHeader + lines, strict);
}

std::string Zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
  return out;
}

TEST(TraceReader, AValidTraceYieldsTypedEventsWithTheirLineNumbers) {
  std::istringstream in(std::string(kHeader) +
                        "\n{\"op\":\"allocate\",\"tt\":3,\"pages\":8,\"caching\":\"wc\","
                        "\"flags\":[\"dma\"],\"t\":5}\n{\"op\":\"free\",\"tt\":3}\n");
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl");
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Event e;
  ASSERT_TRUE(*(*reader)->Next(&e));
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.t, 5);
  const auto& a = std::get<AllocateEvent>(e.body);
  EXPECT_EQ(a.tt, 3u);
  EXPECT_EQ(a.pages, 8u);
  EXPECT_EQ(a.caching, Caching::kWriteCombined);
  EXPECT_TRUE(a.dma);
  EXPECT_FALSE(a.zero_alloc);
  ASSERT_TRUE(*(*reader)->Next(&e));
  EXPECT_TRUE(std::holds_alternative<FreeEvent>(e.body));
  EXPECT_FALSE(*(*reader)->Next(&e));
  EXPECT_FALSE(*(*reader)->Next(&e));  // the end is sticky
}

TEST(TraceReader, TheHeaderConfigKeepsWhichOptionalFieldsWereGiven) {
  std::istringstream in(
      "{\"format\":\"ttm-trace\",\"version\":1,\"config\":{\"system_pages\":4096,"
      "\"swap_pages\":100,\"use_dma32\":true},\"meta\":{\"seed\":42}}\n");
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl");
  ASSERT_TRUE(reader.ok());
  const TraceHeader& h = (*reader)->header();
  EXPECT_EQ(h.config.system_pages, 4096u);
  EXPECT_EQ(h.config.swap_pages, 100u);
  EXPECT_FALSE(h.config.dma32_pages);
  EXPECT_TRUE(h.config.use_dma32);
  EXPECT_EQ(h.meta["seed"], 42);
}

TEST(TraceReader, MalformedJsonIsAnErrorWithTheByteOffset) {
  EXPECT_EQ(EventError("{\"op\":\"check\"\n"), "t.jsonl:2: malformed JSON at byte 14");
}

TEST(TraceReader, ALineThatIsNotAnObjectIsAnError) {
  EXPECT_EQ(EventError("[1]\n"), "t.jsonl:2: not a JSON object");
}

TEST(TraceReader, AWrongTypeIsAnErrorNamingTheField) {
  EXPECT_EQ(EventError("{\"op\":\"populate\",\"tt\":1,\"interruptible\":1}\n"),
            "t.jsonl:2: populate: \"interruptible\" must be true or false, not a number");
  EXPECT_EQ(EventError("{\"op\":\"shrink\",\"tt\":[1]}\n"),
            "t.jsonl:2: shrink: \"tt\" must be an integer, not an array");
}

TEST(TraceReader, AMissingFieldIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":2}\n"),
            "t.jsonl:2: allocate: missing field \"caching\"");
  EXPECT_EQ(EventError("{\"tt\":1}\n"), "t.jsonl:2: missing field \"op\"");
}

TEST(TraceReader, AnOutOfRangeNumberIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":0,\"caching\":\"wc\"}\n"),
            "t.jsonl:2: allocate: \"pages\" is 0, must be in 1..2147483647");
  EXPECT_EQ(EventError("{\"op\":\"pool_shrink\",\"pages\":-5}\n"),
            "t.jsonl:2: pool_shrink: \"pages\" is -5, must be in 0..9223372036854775807");
}

TEST(TraceReader, NumbersBeyondSixtyFourBitsAreOutOfRangeWithoutOverflow) {
  EXPECT_EQ(EventError("{\"op\":\"shrink\",\"tt\":18446744073709551615}\n"),
            "t.jsonl:2: shrink: \"tt\" is 18446744073709551615, must be in "
            "0..9223372036854775807");
  EXPECT_EQ(EventError("{\"op\":\"shrink\",\"tt\":1e30}\n"),
            "t.jsonl:2: shrink: \"tt\" is 1e+30, must be in 0..9223372036854775807");
}

TEST(TraceReader, AFractionWhereAnIntegerIsExpectedIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"pool_shrink\",\"pages\":1.5}\n"),
            "t.jsonl:2: pool_shrink: \"pages\" must be an integer, not 1.5");
}

TEST(TraceReader, AnUnknownOpIsAnErrorWithoutAnOpPrefix) {
  EXPECT_EQ(EventError("{\"op\":\"mmap\"}\n").substr(0, 28), "t.jsonl:2: unknown op \"mmap\"");
}

TEST(TraceReader, AnUnknownEnumValueIsAnErrorListingTheAcceptedOnes) {
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wb\"}\n"),
            "t.jsonl:2: allocate: unknown caching \"wb\" (expected cached, wc or uncached)");
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wc\","
                       "\"flags\":[\"huge\"]}\n"),
            "t.jsonl:2: allocate: unknown flag \"huge\" (expected zero_alloc or dma)");
}

TEST(TraceReader, AWrongFormatNameIsAHeaderError) {
  EXPECT_EQ(ErrorOf("{\"format\":\"ttm\",\"version\":1}\n"),
            "t.jsonl:1: format is \"ttm\", not \"ttm-trace\"");
  EXPECT_EQ(ErrorOf("{\"op\":\"check\"}\n"),
            "t.jsonl:1: missing field \"format\": a trace starts with a ttm-trace header");
}

TEST(TraceReader, AnUnsupportedVersionIsAHeaderError) {
  EXPECT_EQ(ErrorOf("{\"format\":\"ttm-trace\",\"version\":0}\n"),
            "t.jsonl:1: unsupported version 0 (this reader supports 1..1)");
  EXPECT_EQ(ErrorOf("{\"format\":\"ttm-trace\",\"version\":\"1\"}\n"),
            "t.jsonl:1: unsupported version \"1\" (this reader supports 1..1)");
}

TEST(TraceReader, ConfigOutOfRangeIsAnErrorOnTheHeaderLine) {
  EXPECT_EQ(ErrorOf("\n{\"format\":\"ttm-trace\",\"version\":1,\"config\":{\"max_order\":21}}\n"),
            "t.jsonl:2: \"config.max_order\" is 21, must be in 0..20");
  EXPECT_EQ(ErrorOf("{\"format\":\"ttm-trace\",\"version\":1,\"config\":{\"system_pages\":0}}\n"),
            "t.jsonl:1: \"config.system_pages\" is 0, must be in 1..268435456");
}

TEST(TraceReader, EmptyInputIsAnError) {
  EXPECT_EQ(ErrorOf(""), "t.jsonl:1: empty trace: no header");
}

TEST(TraceReader, TruncatedZstdIsAnErrorOnTheLineAfterTheLastCompleteOne) {
  std::string second = Zstd("{\"op\":\"check\"}\n");
  EXPECT_EQ(ErrorOf(Zstd(std::string(kHeader) + "{\"op\":\"check\"}\n") + second.substr(0, 7)),
            "t.jsonl:3: truncated zstd stream");
}

TEST(TraceReader, CorruptZstdIsAnError) {
  std::string data = Zstd(std::string(kHeader));
  data[5] ^= 0x7f;
  EXPECT_EQ(ErrorOf(data), "t.jsonl:1: corrupt zstd stream");
}

TEST(TraceReader, AllocatingALiveIdIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wc\"}\n"
                       "{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wc\"}\n"),
            "t.jsonl:3: allocate: tt 1 is already live");
}

TEST(TraceReader, UsingAnIdThatIsNotLiveIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"populate\",\"tt\":4}\n"), "t.jsonl:2: populate: tt 4 is not live");
}

TEST(TraceReader, FreeingTwiceIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wc\"}\n"
                       "{\"op\":\"free\",\"tt\":1}\n{\"op\":\"free\",\"tt\":1}\n"),
            "t.jsonl:4: free: tt 1 is not live");
}

TEST(TraceReader, AFreedIdMayBeAllocatedAgain) {
  EXPECT_EQ(EventError("{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wc\"}\n"
                       "{\"op\":\"free\",\"tt\":1}\n"
                       "{\"op\":\"allocate\",\"tt\":1,\"pages\":2,\"caching\":\"wc\"}\n"),
            "");
}

TEST(TraceReader, ExpectNamingATtThatIsNotLiveIsAnError) {
  EXPECT_EQ(EventError("{\"op\":\"expect\",\"tt\":2,\"intact\":true}\n"),
            "t.jsonl:2: expect: tt 2 is not live");
}

TEST(TraceReader, WriteBeyondTheObjectIsAnError) {
  std::string alloc = "{\"op\":\"allocate\",\"tt\":1,\"pages\":10,\"caching\":\"wc\"}\n";
  EXPECT_EQ(EventError(alloc + "{\"op\":\"write\",\"tt\":1,\"first\":4,\"count\":6}\n"), "");
  EXPECT_EQ(EventError(alloc + "{\"op\":\"write\",\"tt\":1,\"first\":10}\n"), "");
  EXPECT_EQ(EventError(alloc + "{\"op\":\"write\",\"tt\":1,\"first\":4,\"count\":7}\n"),
            "t.jsonl:3: write: first 4 + count 7 goes beyond the end of tt 1 (10 pages)");
  EXPECT_EQ(EventError(alloc + "{\"op\":\"write\",\"tt\":1,\"first\":11}\n"),
            "t.jsonl:3: write: first 11 + count 0 goes beyond the end of tt 1 (10 pages)");
}

TEST(TraceReader, FailRulesAreChecked) {
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"copy_page\",\"error\":\"EINTR\"}\n"), "");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"copy_page\",\"error\":\"EFAULT\"}\n"),
            "t.jsonl:2: fail: site copy_page raises ENOMEM or EINTR, not EFAULT");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"backup_page\",\"error\":\"ENOSPC\"}\n"), "");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"backup_page\",\"error\":-28}\n"), "");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"alloc_page\",\"error\":\"ENOSPC\"}\n"),
            "t.jsonl:2: fail: site alloc_page raises ENOMEM, not ENOSPC");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"backup_half\",\"error\":\"ENOMEM\"}\n"),
            "t.jsonl:2: fail: site backup_half raises no error, not ENOMEM");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"dma_map\",\"min_order\":1}\n"),
            "t.jsonl:2: fail: \"min_order\" applies only to site alloc_page");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"alloc_page\",\"order\":11}\n"),
            "t.jsonl:2: fail: \"order\" is 11, must be in 0..10");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"alloc_page\",\"order\":1,\"min_order\":2}\n"),
            "t.jsonl:2: fail: give \"order\" or \"min_order\", not both");
  EXPECT_EQ(EventError("{\"op\":\"fail\",\"site\":\"oom\"}\n").substr(0, 35),
            "t.jsonl:2: fail: unknown site \"oom\"");
}

TEST(TraceReader, ExpectNeedsAnAssertionAndPerObjectFieldsNeedTt) {
  EXPECT_EQ(EventError("{\"op\":\"expect\"}\n"), "t.jsonl:2: expect: no assertion");
  EXPECT_EQ(EventError("{\"op\":\"expect\",\"intact\":true}\n"),
            "t.jsonl:2: expect: \"intact\" needs \"tt\"");
  EXPECT_EQ(EventError("{\"op\":\"expect\",\"ret\":-12}\n"), "");
  EXPECT_EQ(EventError("{\"op\":\"expect\",\"ret\":\"EBUSY\",\"live_tts\":0}\n"), "");
  EXPECT_EQ(EventError("{\"op\":\"expect\",\"ret\":true}\n"),
            "t.jsonl:2: expect: \"ret\" must be an integer or an errno name, not a boolean");
}

TEST(TraceReader, SetNeedsALimit) {
  EXPECT_EQ(EventError("{\"op\":\"set\"}\n"),
            "t.jsonl:2: set: needs \"swap_pages\" or \"pool_limit_pages\"");
}

TEST(TraceReader, UnknownFieldsAreIgnoredUnlessStrict) {
  std::string header =
      "{\"format\":\"ttm-trace\",\"version\":1,\"x\":1,\"config\":{\"y\":2},\"meta\":{\"z\":3}}\n";
  std::string event = "{\"op\":\"set\",\"swap_pages\":1,\"w\":4}\n";
  EXPECT_EQ(ErrorOf(header + event), "");
  EXPECT_EQ(ErrorOf(header, true), "t.jsonl:1: unknown field \"x\"");
  EXPECT_EQ(ErrorOf("{\"format\":\"ttm-trace\",\"version\":1,\"config\":{\"y\":2}}\n", true),
            "t.jsonl:1: unknown field \"config.y\"");
  EXPECT_EQ(EventError(event, true), "t.jsonl:2: set: unknown field \"w\"");
}

TEST(TraceReader, PlainCompressedAndStreamInputReadTheSame) {
  std::string text = std::string(kHeader) + "{\"op\":\"check\"}\r\n\n{\"op\":\"check\"}";
  uint64_t plain = 0, compressed = 0;
  EXPECT_EQ(ErrorOf(text, false, &plain), "");
  EXPECT_EQ(ErrorOf(Zstd(text), false, &compressed), "");
  EXPECT_EQ(plain, 2u);
  EXPECT_EQ(compressed, 2u);
}

// The digest a whole read of `data` leaves, with or without hash_text.
std::string TextSha256Of(const std::string& data, bool hash_text) {
  std::istringstream in(data);
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl", {.hash_text = hash_text});
  EXPECT_TRUE(reader.ok());
  Event e;
  while (*(*reader)->Next(&e)) {
  }
  return (*reader)->text_sha256();
}

TEST(TraceReader, TheTextDigestIsThatOfTheDecompressedTextUnlessHashingIsOff) {
  const std::string text = std::string(kHeader) + "{\"op\":\"check\"}\n";
  Sha256 direct;
  direct.Update(text);
  const std::string expected = direct.HexDigest();
  EXPECT_EQ(TextSha256Of(text, true), expected);
  EXPECT_EQ(TextSha256Of(Zstd(text), true), expected);
  EXPECT_EQ(TextSha256Of(text, false), "");
  EXPECT_EQ(TextSha256Of(Zstd(text), false), "");
}

TEST(TraceReader, AnErrorIsStickyAndReportedAgain) {
  std::istringstream in(std::string(kHeader) + "{\"op\":\"free\",\"tt\":1}\n{\"op\":\"check\"}\n");
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl");
  Event e;
  EXPECT_FALSE((*reader)->Next(&e).ok());
  Result<bool> again = (*reader)->Next(&e);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "t.jsonl:2: free: tt 1 is not live");
}

}  // namespace
}  // namespace ttm::trace

namespace ttm::trace {
namespace {

TEST(TraceReader, AFaultErrorMayBeANumberLikeAReturnValue) {
  std::istringstream in(std::string(kHeader) +
                        "\n{\"op\":\"fail\",\"site\":\"copy_page\",\"error\":-4}"
                        "\n{\"op\":\"fail\",\"site\":\"copy_page\",\"error\":-14}\n");
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl");
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Event e;
  ASSERT_TRUE(*(*reader)->Next(&e));
  EXPECT_EQ(std::get<FailEvent>(e.body).error, kEINTR);
  Result<bool> second = (*reader)->Next(&e);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            "t.jsonl:4: fail: site copy_page raises ENOMEM or EINTR, not EFAULT");
}

// Every message a reader with `options` produces for `text`: warnings as
// "warning: ...", errors as they are; reading goes on while it can.
std::vector<std::string> Messages(const std::string& text, ReaderOptions options) {
  std::vector<std::string> out;
  options.warn = [&out](const std::string& m) { out.push_back("warning: " + m); };
  std::istringstream in(text);
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl", options);
  if (!reader.ok()) return {reader.status().message()};
  Event e;
  for (int guard = 0; guard < 1000; ++guard) {
    Result<bool> more = (*reader)->Next(&e);
    if (!more.ok()) {
      out.push_back(more.status().message());
      if ((*reader)->ended()) break;
      continue;
    }
    if (!*more) break;
  }
  return out;
}

TEST(TraceReader, AnUnknownFieldNameIsReportedOnceAtItsFirstLine) {
  const std::vector<std::string> got =
      Messages(std::string(kHeader) + "{\"op\":\"check\",\"why\":1}\n{\"op\":\"check\",\"why\":2}\n",
               ReaderOptions{});
  EXPECT_EQ(got, std::vector<std::string>{"warning: t.jsonl:2: check: unknown field \"why\" ignored"});
}

TEST(TraceReader, UnknownFieldNamesReportedAreCapped) {
  std::string text = kHeader;
  for (size_t i = 0; i < kMaxUnknownFieldNames + 20; ++i)
    text += "{\"op\":\"check\",\"k" + std::to_string(i) + "\":1}\n";
  EXPECT_EQ(Messages(text, ReaderOptions{}).size(), kMaxUnknownFieldNames);
}

TEST(TraceReader, StrictRejectsWhatTheDefaultModeWarnsAbout) {
  const std::string text = std::string(kHeader) + "{\"op\":\"check\",\"why\":1}\n";
  EXPECT_EQ(Messages(text, ReaderOptions{.strict = true}),
            std::vector<std::string>{"t.jsonl:2: check: unknown field \"why\""});
}

TEST(TraceReader, KeepGoingReadsOnAfterAnErrorConfinedToOneLine) {
  const std::string text = std::string(kHeader) + "{\"op\":\"free\",\"tt\":1}\n" +
                           "nonsense\n" + "{\"op\":\"check\"}\n" + "{\"op\":\"free\",\"tt\":2}\n";
  EXPECT_EQ(Messages(text, ReaderOptions{.keep_going = true}),
            (std::vector<std::string>{"t.jsonl:2: free: tt 1 is not live",
                                      "t.jsonl:3: malformed JSON at byte 2",
                                      "t.jsonl:5: free: tt 2 is not live"}));
  EXPECT_EQ(Messages(text, ReaderOptions{}),
            std::vector<std::string>{"t.jsonl:2: free: tt 1 is not live"});
}

TEST(TraceReader, ALineInErrorChangesNoId) {
  // The bad allocate does not make tt 1 live; the good one then can.
  const std::string text = std::string(kHeader) +
                           "{\"op\":\"allocate\",\"tt\":1,\"pages\":0,\"caching\":\"wc\"}\n" +
                           "{\"op\":\"allocate\",\"tt\":1,\"pages\":4,\"caching\":\"wc\"}\n" +
                           "{\"op\":\"free\",\"tt\":1}\n";
  const std::vector<std::string> got = Messages(text, ReaderOptions{.keep_going = true});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("t.jsonl:2: allocate: \"pages\""), std::string::npos) << got[0];
}

TEST(TraceReader, KeepGoingStillStopsAtAnErrorOfTheStream) {
  std::string z = Zstd(std::string(kHeader) + "{\"op\":\"check\"}\n");
  z.resize(z.size() - 3);
  const std::vector<std::string> got = Messages(z, ReaderOptions{.keep_going = true});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("zstd"), std::string::npos) << got[0];
}

}  // namespace
}  // namespace ttm::trace

namespace ttm::trace {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(TraceReader, AHeaderWithDeeplyNestedMetaIsAnErrorNotAStackOverflow) {
  // The issue's reproducer: 100 000 nested arrays in meta used to crash
  // validate and replay (exit 139) when the header was copied.
  std::string header = R"({"format":"ttm-trace","version":1,"meta":)" + Nested(100000) + "}\n";
  EXPECT_EQ(ErrorOf(header), "t.jsonl:1: nested deeper than 100 levels at byte 141");
  EXPECT_EQ(EventError(R"({"op":"check","x":)" + Nested(200) + "}\n"),
            "t.jsonl:2: nested deeper than 100 levels at byte 118");
}

TEST(TraceReader, MetaNestedWithinTheLimitIsKept) {
  std::string header =
      R"({"format":"ttm-trace","version":1,"meta":{"a":)" + Nested(90) + "}}\n";
  std::istringstream in(header);
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl");
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_TRUE((*reader)->header().meta["a"].is_array());
}

TEST(TraceReader, ANulByteOnALineIsAnErrorEvenInLenientMode) {
  // Everything after the NUL used to be ignored: this validated as one check.
  std::string line = std::string(R"({"op":"check"})") + '\0' + R"({"op":"free","tt":99} garbage)";
  EXPECT_EQ(EventError(line + "\n"), "t.jsonl:2: NUL byte at byte 15");
  EXPECT_EQ(EventError(line + "\n", /*strict=*/true), "t.jsonl:2: NUL byte at byte 15");
  EXPECT_EQ(ErrorOf(std::string("{\"format\":\"ttm-trace\",\"version\":1}") + '\0' + "\n"),
            "t.jsonl:1: NUL byte at byte 35");
}

TEST(TraceReader, ANumberBeyondADoubleIsARangeErrorWithItsPosition) {
  EXPECT_EQ(EventError("{\"op\":\"pool_shrink\",\"pages\":1e400}\n"),
            "t.jsonl:2: \"pages\" is 1e400, out of range (at byte 29)");
}

TEST(TraceReader, InvalidUtf8IsMalformedJson) {
  EXPECT_EQ(EventError("{\"op\":\"check\",\"why\":\"\xc3\x28\"}\n"),
            "t.jsonl:2: malformed JSON at byte 23");
}

TEST(TraceReader, DuplicateKeysAreRejectedInStrictModeOnly) {
  const std::string dup_header = R"({"format":"ttm-trace","version":2,"version":1})" "\n";
  EXPECT_EQ(ErrorOf(dup_header), "");
  EXPECT_EQ(ErrorOf(dup_header, /*strict=*/true), "t.jsonl:1: duplicate key \"version\"");
  const std::string dup_event = R"({"op":"pool_shrink","pages":1,"pages":2})" "\n";
  EXPECT_EQ(EventError(dup_event), "");
  EXPECT_EQ(EventError(dup_event, /*strict=*/true), "t.jsonl:2: duplicate key \"pages\"");
  EXPECT_EQ(ErrorOf(R"({"format":"ttm-trace","version":1,"config":{"max_order":3,"max_order":4}})"
                    "\n",
                    /*strict=*/true),
            "t.jsonl:1: duplicate key \"config.max_order\"");
}

TEST(TraceReader, ALiveIdCostsAFewBytes) {
  // Issue 12 measured 411 MB for 10 M live ids (about 41 bytes each); at
  // 100 000 ids allocated from a counter, the set now takes at most 8 bytes
  // an id.
  std::string text = kHeader;
  for (int id = 0; id < 100000; ++id)
    text += "{\"op\":\"allocate\",\"tt\":" + std::to_string(id) +
            ",\"pages\":1,\"caching\":\"wc\"}\n";
  std::istringstream in(text);
  auto reader = TraceReader::FromSource(IstreamSource(in), "t.jsonl");
  ASSERT_TRUE(reader.ok());
  Event e;
  while (true) {
    Result<bool> more = (*reader)->Next(&e);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
  }
  EXPECT_EQ((*reader)->live_ids(), 100000u);
  EXPECT_LE((*reader)->live_id_bytes(), 8u * 100000u) << (*reader)->live_id_bytes();
}

}  // namespace
}  // namespace ttm::trace
