#include "core/timeline/timeline.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "core/prng.h"

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

// Every power of ten, one less and one more, and the ends of the 32- and
// 64-bit ranges: each digit count and the switch between the two widths.
std::vector<uint64_t> NumbersAtEveryDigitCount() {
  std::vector<uint64_t> v = {0, 1, UINT32_MAX - 1ull, UINT32_MAX, UINT32_MAX + 1ull, UINT64_MAX - 1, UINT64_MAX};
  for (uint64_t p = 10;; p *= 10) {
    v.insert(v.end(), {p - 1, p, p + 1});
    if (p > UINT64_MAX / 10) break;
  }
  return v;
}

TEST(TimelineLine, WritesEveryNumberAsToStringDoesAtEveryDigitCount) {
  for (uint64_t n : NumbersAtEveryDigitCount()) {
    TimelineEntry e;
    e.line = n;
    e.op = "write";
    e.tt = n / 3;
    e.object = TimelineObject{TtState::kPopulated, n, n / 7, n % 1000, true};
    e.system_used_pages = n / 11;
    e.pool_pages = n;
    e.backup_pages = n / 2;
    e.live_tts = n % 100000;
    const std::string want = "{\"line\":" + std::to_string(n) + ",\"op\":\"write\",\"tt\":" +
                             std::to_string(n / 3) + ",\"state\":\"populated\",\"resident\":" + std::to_string(n) +
                             ",\"backed_up\":" + std::to_string(n / 7) + ",\"empty\":" + std::to_string(n % 1000) +
                             ",\"restore_pending\":true,\"system_used_pages\":" + std::to_string(n / 11) +
                             ",\"pool_pages\":" + std::to_string(n) + ",\"backup_pages\":" + std::to_string(n / 2) +
                             ",\"live_tts\":" + std::to_string(n % 100000) + "}\n";
    EXPECT_EQ(Render(e), want) << n;
  }
}

TEST(TimelineLine, WritesEveryRetAsToStringDoesOnBothSidesOfZero) {
  std::vector<int64_t> rets = {INT64_MIN, INT64_MIN + 1, INT64_MAX, -1, 0};
  for (uint64_t n : NumbersAtEveryDigitCount()) {
    if (n > static_cast<uint64_t>(INT64_MAX)) continue;
    rets.push_back(static_cast<int64_t>(n));
    rets.push_back(-static_cast<int64_t>(n));
  }
  for (int64_t ret : rets) {
    TimelineEntry e;
    e.line = 5;
    e.op = "populate";
    e.ret = ret;
    EXPECT_EQ(Render(e), "{\"line\":5,\"op\":\"populate\",\"ret\":" + std::to_string(ret) +
                             ",\"system_used_pages\":0,\"pool_pages\":0,\"backup_pages\":0,\"live_tts\":0}\n")
        << ret;
  }
}

// The line as the format documents it, built the plain way (std::to_string
// and string concatenation): what every faster renderer must equal byte
// for byte.
std::string PlainLine(const TimelineEntry& e) {
  std::string s = "{\"line\":" + std::to_string(e.line) + ",\"op\":\"" + std::string(e.op) + "\"";
  if (e.tt) s += ",\"tt\":" + std::to_string(*e.tt);
  if (e.ret) s += ",\"ret\":" + std::to_string(*e.ret);
  if (e.object) {
    s += ",\"state\":\"" + std::string(TtStateName(e.object->state)) + "\"";
    s += ",\"resident\":" + std::to_string(e.object->resident);
    s += ",\"backed_up\":" + std::to_string(e.object->backed_up);
    s += ",\"empty\":" + std::to_string(e.object->empty);
    s += std::string(",\"restore_pending\":") + (e.object->restore_pending ? "true" : "false");
  }
  s += ",\"system_used_pages\":" + std::to_string(e.system_used_pages);
  s += ",\"pool_pages\":" + std::to_string(e.pool_pages);
  s += ",\"backup_pages\":" + std::to_string(e.backup_pages);
  s += ",\"live_tts\":" + std::to_string(e.live_tts);
  if (!e.violations.empty()) {
    s += ",\"violations\":[";
    for (size_t i = 0; i < e.violations.size(); ++i) s += (i ? ",\"" : "\"") + std::string(e.violations[i]) + "\"";
    s += "]";
  }
  return s + "}\n";
}

// xorshift64: a fixed sequence of numbers, the same on every run.
struct Numbers {
  uint64_t x = 88172645463325252u;
  uint64_t Next() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; }
  // Every magnitude alike: a random number cut to a random bit width,
  // sometimes moved onto a power of ten or two, or one off it.
  uint64_t Any() {
    const uint64_t r = Next();
    const unsigned width = static_cast<unsigned>(Next() % 65);
    uint64_t v = width == 64 ? r : r & ((uint64_t{1} << width) - 1);
    switch (Next() % 6) {
      case 0: {
        uint64_t p = 1;
        for (uint64_t k = Next() % 20; k > 0; --k) p *= 10;
        v = p - 1 + Next() % 3;
        break;
      }
      case 1:
        v = (uint64_t{1} << (Next() % 64)) - 1 + Next() % 3;
        break;
      default:
        break;
    }
    return v;
  }
};

TimelineEntry RandomEntry(Numbers& n) {
  static constexpr std::string_view kOps[] = {"allocate", "populate", "write", "shrink",
                                              "unpopulate", "free", "pool_shrink"};
  static constexpr std::string_view kInvariants[] = {"3.5.3 dma-unmap-once", "x", "4.1 a-rather-long-invariant-name"};
  TimelineEntry e;
  e.line = n.Any();
  e.op = kOps[n.Next() % 7];
  if (n.Next() % 4 != 0) e.tt = n.Any();
  if (n.Next() % 2 == 0) e.ret = static_cast<int64_t>(n.Any());
  if (n.Next() % 3 != 0)
    e.object = TimelineObject{static_cast<TtState>(n.Next() % 3), n.Any(), n.Any(), n.Any(), n.Next() % 2 == 0};
  e.system_used_pages = n.Any();
  e.pool_pages = n.Any();
  e.backup_pages = n.Any();
  e.live_tts = n.Any();
  if (n.Next() % 5 == 0) {
    for (uint64_t k = 1 + n.Next() % 4; k > 0; --k) e.violations.push_back(kInvariants[n.Next() % 3]);
  }
  return e;
}

TEST(TimelineLine, EqualsThePlainRenderingByteForByteOnManyRandomEntries) {
  Numbers n;
  for (int i = 0; i < 200000; ++i) {
    const TimelineEntry e = RandomEntry(n);
    const std::string want = PlainLine(e);
    ASSERT_EQ(Render(e), want) << i;
    std::string room(TimelineLineMaxSize(e), '?');
    const char* end = PutTimelineLine(e, room.data());
    ASSERT_LE(static_cast<size_t>(end - room.data()), room.size());
    ASSERT_EQ(std::string_view(room.data(), static_cast<size_t>(end - room.data())), want) << i;
  }
}

// Every digit count of every field, each side of every power of ten, and
// a million random numbers spread over the 32- and 64-bit ranges (each
// group of four and two digits, zeros inside included), written as
// std::to_string writes it.
TEST(TimelineLine, EveryNumberBelowTwoMillionAroundEachPowerOfTenAndAtRandomIsWrittenAsThePlainRendering) {
  std::vector<uint64_t> values;
  for (uint64_t v = 0; v < 2000000; ++v) values.push_back(v);
  for (uint64_t p = 1, k = 0; k < 20; ++k, p *= 10) {
    for (uint64_t d = 0; d < 3; ++d) values.push_back(p - 1 + d);
  }
  for (unsigned b = 0; b < 64; ++b) values.push_back(uint64_t{1} << b);
  values.push_back(UINT32_MAX);
  values.push_back(uint64_t{UINT32_MAX} + 1);
  values.push_back(UINT64_MAX);
  Prng rng(0x9e3779b97f4a7c15ull);
  for (int i = 0; i < 1000000; ++i) {
    const uint64_t x = rng.Next();
    values.push_back(i % 2 ? x : x >> (x % 64));
  }
  std::string room;
  for (uint64_t v : values) {
    TimelineEntry e;
    e.line = e.system_used_pages = e.pool_pages = e.backup_pages = e.live_tts = v;
    e.op = "shrink";
    e.tt = v;
    e.ret = -static_cast<int64_t>(v >> 1);
    e.object = TimelineObject{TtState::kPopulated, v, v, v, true};
    room.assign(TimelineLineMaxSize(e), '?');
    const char* end = PutTimelineLine(e, room.data());
    ASSERT_EQ(std::string_view(room.data(), static_cast<size_t>(end - room.data())), PlainLine(e)) << v;
  }
}

// Each op with and without an object id and a return value, each state,
// both restore_pending values, no object (after free, for pool_shrink), and
// violations or none: the plain rendering byte for byte.
TEST(TimelineLine, EachOpStateAndOutcomeIsWrittenAsThePlainRendering) {
  static constexpr std::string_view kOps[] = {"allocate", "populate", "write", "shrink",
                                              "unpopulate", "free", "pool_shrink"};
  const std::optional<int64_t> rets[] = {std::nullopt, 0, -4, -12, -14, -16, 5};
  for (std::string_view op : kOps) {
    for (int with_tt = 0; with_tt < 2; ++with_tt) {
      for (const std::optional<int64_t>& ret : rets) {
        for (int object = 0; object < 7; ++object) {
          for (int violations = 0; violations < 3; ++violations) {
            TimelineEntry e;
            e.line = 1234567;
            e.op = op;
            if (with_tt) e.tt = 77;
            e.ret = ret;
            if (object < 6)
              e.object = TimelineObject{static_cast<TtState>(object / 2), 1, 23, 4567, object % 2 == 1};
            e.system_used_pages = 98765;
            e.pool_pages = 100;
            e.backup_pages = 10000;
            e.live_tts = 9;
            for (int k = 0; k < violations; ++k) e.violations.push_back("3.5.3 dma-unmap-once");
            std::string room(TimelineLineMaxSize(e), '?');
            const char* end = PutTimelineLine(e, room.data());
            ASSERT_EQ(std::string_view(room.data(), static_cast<size_t>(end - room.data())), PlainLine(e));
            ASSERT_EQ(Render(e), PlainLine(e));
          }
        }
      }
    }
  }
}

// The op name is copied in pieces whose sizes depend on its length: every
// length a name may have is written whole and nothing around it changes.
TEST(TimelineLine, OpNamesOfEveryLengthUpToThirtyTwoAreWrittenWhole) {
  const std::string letters = "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJ";
  for (size_t n = 0; n <= 32; ++n) {
    const std::string op = letters.substr(0, n);
    TimelineEntry e = ShrinkEntry();
    e.op = op;
    std::string room(TimelineLineMaxSize(e), '?');
    const char* end = PutTimelineLine(e, room.data());
    ASSERT_EQ(std::string_view(room.data(), static_cast<size_t>(end - room.data())), PlainLine(e)) << n;
  }
}

TEST(TimelineLine, HasRoomForTheLongestPossibleLineAndManyViolations) {
  TimelineEntry e;
  e.line = e.system_used_pages = e.pool_pages = e.backup_pages = e.live_tts = UINT64_MAX;
  e.op = "pool_shrink";
  e.tt = UINT64_MAX;
  e.ret = INT64_MIN;
  e.object = TimelineObject{TtState::kUnpopulated, UINT64_MAX, UINT64_MAX, UINT64_MAX, false};
  EXPECT_LE(PlainLine(e).size(), TimelineLineMaxSize(e));
  for (int k = 0; k < 1000; ++k) e.violations.push_back("4.1 a-rather-long-invariant-name");
  EXPECT_LE(PlainLine(e).size(), TimelineLineMaxSize(e));
  EXPECT_EQ(Render(e), PlainLine(e));
}

// LineSpace() and CommitLine() hash what AddLine() hashes, lines longer
// than a chunk included, and leave each line readable until the next call.
TEST(BehaviourDigest, LinesWrittenInPlaceGiveTheDigestOfLinesAdded) {
  Numbers n;
  BehaviourDigest in_place, added;
  for (int i = 0; i < 20000; ++i) {
    TimelineEntry e = RandomEntry(n);
    if (i % 997 == 0) {
      for (int k = 0; k < 400; ++k) e.violations.push_back("4.1 a-rather-long-invariant-name");
    }
    const std::string line = PlainLine(e);
    char* start = in_place.LineSpace(TimelineLineMaxSize(e));
    const size_t size = static_cast<size_t>(PutTimelineLine(e, start) - start);
    in_place.CommitLine(start, size);
    ASSERT_EQ(std::string_view(start, size), line);
    added.AddLine(line);
    if (i % 5000 == 0) {
      ASSERT_EQ(in_place.Hex(), added.Hex()) << i;
    }
  }
  EXPECT_EQ(in_place.lines(), added.lines());
  EXPECT_EQ(in_place.Hex(), added.Hex());
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

TEST(BehaviourDigest, ACopyGoesOnFromTheSamePointAndIsIndependent) {
  BehaviourDigest a;
  a.AddLine("one\n");
  BehaviourDigest b(a);
  BehaviourDigest c;
  c = a;
  for (BehaviourDigest* d : {&a, &b, &c}) d->AddLine("two\n");
  EXPECT_EQ(b.Hex(), a.Hex());
  EXPECT_EQ(c.Hex(), a.Hex());
  EXPECT_EQ(b.lines(), 2u);
  b.AddLine("three\n");
  EXPECT_NE(b.Hex(), a.Hex());
  EXPECT_EQ(a.lines(), 2u);
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

// The digest as it was computed before lines were gathered into chunks:
// one streaming XXH3-128 update per line.
std::string DigestLineByLine(const std::vector<std::string>& lines) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  for (const std::string& line : lines) XXH3_128bits_update(state, line.data(), line.size());
  const XXH128_hash_t h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

// Lines of the given lengths, their bytes from a fixed sequence.
std::vector<std::string> LinesOfLengths(const std::vector<size_t>& lengths) {
  std::vector<std::string> lines;
  uint64_t x = 88172645463325252u;
  for (size_t n : lengths) {
    std::string line;
    for (size_t i = 0; i < n; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      line.push_back(static_cast<char>('a' + x % 26));
    }
    lines.push_back(line);
  }
  return lines;
}

std::string Digest(const std::vector<std::string>& lines) {
  BehaviourDigest d;
  for (const std::string& line : lines) d.AddLine(line);
  EXPECT_EQ(d.lines(), lines.size());
  return d.Hex();
}

TEST(BehaviourDigest, OverManyRealLinesEqualsOneXxh3UpdatePerLine) {
  std::vector<std::string> lines;
  for (uint64_t i = 0; i < 5000; ++i) {
    TimelineEntry e = ShrinkEntry();
    e.line = i;
    e.system_used_pages = i * 7919;
    lines.push_back(Render(e));
  }
  EXPECT_EQ(Digest(lines), DigestLineByLine(lines));
}

TEST(BehaviourDigest, LinesFillingTheChunkExactlyOrByOneByteMoreOrLessGiveTheSameDigest) {
  const size_t k = BehaviourDigest::kChunk;
  for (const std::vector<size_t>& lengths : std::vector<std::vector<size_t>>{
           {k}, {k - 1}, {k + 1}, {k - 1, 1}, {k - 1, 2}, {k, 1}, {1, k}, {1, k - 1, 1},
           {k / 2, k / 2, k / 2}, {3 * k + 5}, {0, k, 0, 0, k - 1}, {k + 1, k - 1, k}, {}}) {
    const std::vector<std::string> lines = LinesOfLengths(lengths);
    EXPECT_EQ(Digest(lines), DigestLineByLine(lines)) << "lines: " << lengths.size();
  }
}

TEST(BehaviourDigest, LinesOfOddLengthsAcrossManyChunksGiveTheSameDigest) {
  std::vector<size_t> lengths;
  uint64_t x = 12345;
  size_t total = 0;
  while (total < 20 * BehaviourDigest::kChunk) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    const size_t n = (x >> 33) % 700;  // now and then a line of 0 bytes
    lengths.push_back(n);
    total += n;
  }
  const std::vector<std::string> lines = LinesOfLengths(lengths);
  EXPECT_EQ(Digest(lines), DigestLineByLine(lines));
}

TEST(BehaviourDigest, ReadingTheDigestMidwayChangesNeitherItNorWhatFollows) {
  const std::vector<std::string> lines = LinesOfLengths({300, 5000, 4000, 1, 9000, 250});
  BehaviourDigest d;
  std::vector<std::string> so_far;
  for (const std::string& line : lines) {
    d.AddLine(line);
    so_far.push_back(line);
    EXPECT_EQ(d.Hex(), DigestLineByLine(so_far));
    EXPECT_EQ(d.Hex(), DigestLineByLine(so_far));
  }
}

TEST(BehaviourDigest, ACopyTakenWithBytesPendingGoesOnLikeTheOriginal) {
  const std::vector<std::string> lines = LinesOfLengths({100, 200, 8000, 300});
  BehaviourDigest a;
  a.AddLine(lines[0]);
  a.AddLine(lines[1]);
  BehaviourDigest b(a);
  BehaviourDigest c;
  c.AddLine("something else\n");
  c = a;
  for (BehaviourDigest* d : {&a, &b, &c}) {
    d->AddLine(lines[2]);
    d->AddLine(lines[3]);
    EXPECT_EQ(d->Hex(), DigestLineByLine(lines));
  }
}

TEST(BehaviourDigest, OfNoLinesIsTheDigestOfTheEmptyText) {
  EXPECT_EQ(Digest({}), DigestLineByLine({}));
  EXPECT_EQ(Digest({""}), "99aa06d3014798d86001c324468d497f");
}

}  // namespace
}  // namespace ttm
