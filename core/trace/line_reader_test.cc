#include "core/trace/line_reader.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/trace/format.h"

namespace ttm::trace {
namespace {

// A source that hands out at most `chunk` bytes per read, to move buffer
// boundaries through lines, frames and the magic number.
class ChunkedSource : public ByteSource {
 public:
  ChunkedSource(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    data_.copy(buf, k, pos_);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> total_bytes() const override { return data_.size(); }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

std::string Zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  out.resize(n);
  return out;
}

struct Lines {
  std::vector<std::pair<uint64_t, std::string>> lines;  // (number, text)
  std::optional<std::pair<uint64_t, std::string>> error;
};

Lines ReadAll(const std::string& data, size_t chunk = 1 << 16) {
  LineReader reader(std::make_unique<ChunkedSource>(data, chunk));
  Lines out;
  std::string_view line;
  for (;;) {
    Result<bool> got = reader.Next(&line);
    if (!got.ok()) {
      out.error.emplace(reader.line_number(), got.status().message());
      break;
    }
    if (!*got) break;
    out.lines.emplace_back(reader.line_number(), std::string(line));
  }
  return out;
}

using LineList = std::vector<std::pair<uint64_t, std::string>>;

TEST(LineReader, BlankLinesAreSkippedButStillCounted) {
  Lines r = ReadAll("a\n\n  \t\nb\n");
  EXPECT_EQ(r.lines, (LineList{{1, "a"}, {4, "b"}}));
  EXPECT_FALSE(r.error);
}

TEST(LineReader, ATrailingCarriageReturnIsRemoved) {
  EXPECT_EQ(ReadAll("a\r\nb\r\n").lines, (LineList{{1, "a"}, {2, "b"}}));
}

TEST(LineReader, ALastLineWithoutNewlineIsReturned) {
  EXPECT_EQ(ReadAll("a\nb").lines, (LineList{{1, "a"}, {2, "b"}}));
}

TEST(LineReader, EmptyInputHasNoLines) {
  Lines r = ReadAll("");
  EXPECT_TRUE(r.lines.empty());
  EXPECT_FALSE(r.error);
}

TEST(LineReader, LinesSplitAcrossEveryReadBoundaryComeOutWhole) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "line " + std::to_string(i) + "\n";
  for (size_t chunk : {1, 2, 3, 7}) {
    Lines r = ReadAll(text, chunk);
    ASSERT_EQ(r.lines.size(), 50u) << "chunk " << chunk;
    EXPECT_EQ(r.lines[49], (std::pair<uint64_t, std::string>{50, "line 49"}));
  }
}

TEST(LineReader, ZstdInputIsRecognisedByItsMagicNumber) {
  for (size_t chunk : {1, 3, 4096}) {
    LineReader reader(std::make_unique<ChunkedSource>(Zstd("x\ny\n"), chunk));
    std::string_view line;
    ASSERT_TRUE(*reader.Next(&line));
    EXPECT_TRUE(reader.compressed());
    EXPECT_EQ(line, "x");
  }
}

TEST(LineReader, AMultiFrameZstdStreamReadsAsOneText) {
  Lines r = ReadAll(Zstd("a\nb") + Zstd("c\n") + Zstd("d\n"), 5);
  EXPECT_EQ(r.lines, (LineList{{1, "a"}, {2, "bc"}, {3, "d"}}));
  EXPECT_FALSE(r.error);
}

// A text of `size` bytes: lines of 'x' ending in '\n'.
std::string TextOfSize(size_t size) {
  std::string text;
  while (text.size() < size) {
    size_t line = std::min<size_t>(size - text.size(), 1000);
    text.append(line - 1, 'x');
    text += '\n';
  }
  return text;
}

TEST(LineReader, AZstdStreamWhoseTextIsAnExactMultipleOfTheBlockSizeIsWhole) {
  // ZSTD_DStreamOutSize() is one block, 128 KiB: a frame whose text ends
  // exactly when the output buffer is full must not be taken as truncated.
  const size_t block = ZSTD_DStreamOutSize();
  for (size_t size : {block, 2 * block, 8 * block, block - 1, block + 1}) {
    for (size_t chunk : {size_t{7}, size_t{1} << 16, size_t{1} << 20}) {
      Lines r = ReadAll(Zstd(TextOfSize(size)), chunk);
      EXPECT_FALSE(r.error) << size << " bytes, chunk " << chunk << ": " << r.error->second;
      EXPECT_EQ(r.lines.size(), (size + 999) / 1000) << size << " bytes";
    }
  }
  // And as one frame of a multi-frame stream.
  Lines r = ReadAll(Zstd(TextOfSize(block)) + Zstd("last\n"));
  EXPECT_FALSE(r.error);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_EQ(r.lines.back().second, "last");
}

TEST(LineReader, TruncatedZstdFrameIsAnErrorOnTheLineAfterTheLastCompleteOne) {
  std::string first = Zstd("one\ntwo\n");
  std::string second = Zstd("three\nfour\n");
  // Cut inside the second frame's header, so that none of it decodes.
  Lines r = ReadAll(first + second.substr(0, 6));
  EXPECT_EQ(r.lines, (LineList{{1, "one"}, {2, "two"}}));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, (std::pair<uint64_t, std::string>{3, "truncated zstd stream"}));
}

TEST(LineReader, AZstdStreamCutInsideALineDropsThatPartialLine) {
  std::string first = Zstd("one\ntw");
  std::string second = Zstd("o\nthree\n");
  Lines r = ReadAll(first + second.substr(0, 6));
  EXPECT_EQ(r.lines, (LineList{{1, "one"}}));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->first, 2u);
}

TEST(LineReader, CorruptZstdDataIsAnError) {
  std::string data = Zstd("one\n") + Zstd("two\n");
  data[Zstd("one\n").size() + 5] ^= 0x5a;
  Lines r = ReadAll(data);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, (std::pair<uint64_t, std::string>{2, "corrupt zstd stream"}));
}

TEST(LineReader, ALineLongerThanTheLimitIsAnErrorNotAnUnboundedBuffer) {
  std::string text = "ok\n" + std::string(kMaxLineBytes + 10, 'x') + "\n";
  Lines r = ReadAll(text);
  EXPECT_EQ(r.lines, (LineList{{1, "ok"}}));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->first, 2u);
  EXPECT_EQ(r.error->second, "line is longer than 1048576 bytes");
}

TEST(LineReader, BytesConsumedCountsCompressedInputAndReachesTheTotal) {
  std::string data = Zstd(std::string(1000, 'a') + "\n");
  LineReader reader(std::make_unique<ChunkedSource>(data, 16));
  std::string_view line;
  while (*reader.Next(&line)) {
  }
  EXPECT_EQ(reader.bytes_consumed(), data.size());
  EXPECT_EQ(reader.total_bytes(), data.size());
}

TEST(LineReader, AnIstreamSourceReadsLikeAFile) {
  std::istringstream in("a\nb\n");
  LineReader reader(IstreamSource(in));
  std::string_view line;
  ASSERT_TRUE(*reader.Next(&line));
  EXPECT_EQ(line, "a");
  ASSERT_TRUE(*reader.Next(&line));
  EXPECT_EQ(line, "b");
  EXPECT_FALSE(*reader.Next(&line));
  EXPECT_EQ(reader.total_bytes(), std::nullopt);
}

// The digest of all the text, through a reader, for plain and zstd input.
std::string DigestThroughReader(const std::string& data, bool hash_text) {
  LineReader reader(std::make_unique<ChunkedSource>(data, 1000), hash_text);
  std::string_view line;
  while (*reader.Next(&line)) {
  }
  return reader.TextSha256();
}

TEST(LineReader, HashesTheWholeTextPlainOrCompressedByDefault) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "{\"op\":\"check\",\"t\":" + std::to_string(i) + "}\r\n\n";
  Sha256 direct;
  direct.Update(text);
  const std::string expected = direct.HexDigest();
  EXPECT_EQ(DigestThroughReader(text, true), expected);
  EXPECT_EQ(DigestThroughReader(Zstd(text), true), expected);
}

TEST(LineReader, AReaderNotAskedToHashHasNoDigestButTheSameLines) {
  const std::string text = "a\nb\n";
  EXPECT_EQ(DigestThroughReader(text, false), "");
  EXPECT_EQ(DigestThroughReader(Zstd(text), false), "");
  LineReader reader(std::make_unique<ChunkedSource>(Zstd(text), 3), false);
  std::string_view line;
  ASSERT_TRUE(*reader.Next(&line));
  EXPECT_EQ(line, "a");
  ASSERT_TRUE(*reader.Next(&line));
  EXPECT_EQ(line, "b");
  EXPECT_FALSE(*reader.Next(&line));
}

// Lines of every length from 1 to 70 bytes, so that each newline falls at
// every place in an eight-byte word and a sixteen-byte vector, made of bytes near '\n' or with the
// top bit set (0x09, 0x0b, 0x8a, 0x8b, 0xff: where a word-at-a-time search
// could see a newline that is not there), each cut at several read sizes:
// every line must come out exactly as a byte-by-byte split gives it.
TEST(LineReader, FindsEveryNewlineWhateverTheBytesAroundItAndItsPlaceInAWord) {
  const std::string fillers[] = {"x", "\x0b", "\x8a", "\t\x0b", "\x0b\x8a\x09", "\x8b\xff"};
  std::string text;
  std::vector<std::string> want;
  for (size_t len = 1; len <= 70; ++len) {
    for (const std::string& filler : fillers) {
      std::string line = "{";
      while (line.size() < len) line += filler[line.size() % filler.size()];
      want.push_back(line);
      text += line + "\n";
    }
  }
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{7}, size_t{8}, size_t{9}, size_t{17}, size_t{33}, size_t{1} << 16}) {
    const Lines got = ReadAll(text, chunk);
    ASSERT_FALSE(got.error) << chunk;
    ASSERT_EQ(got.lines.size(), want.size()) << chunk;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got.lines[i].second, want[i]) << chunk << " " << i;
      EXPECT_EQ(got.lines[i].first, i + 1) << chunk << " " << i;
    }
  }
}

}  // namespace
}  // namespace ttm::trace
