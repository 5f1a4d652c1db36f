// LineReader: the container layer of a trace. It pulls bytes from a
// ByteSource, recognises a zstd stream by its magic number (not by a file
// name), decompresses it as a stream, and hands out one text line at a time.
//
// Why a stream with bounded buffers: traces recorded from a long-running
// desktop session reach millions of events, and the replayer must handle them
// with memory that does not grow with the trace. The reader holds one input
// chunk, one decompression window and the current line, never more; a line
// longer than kMaxLineBytes is an error rather than an unbounded buffer.
#ifndef TTM_CORE_TRACE_LINE_READER_H_
#define TTM_CORE_TRACE_LINE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/trace/byte_source.h"
#include "core/trace/sha256.h"

namespace ttm::trace {

class LineReader {
 public:
  // hash_text: keep the SHA-256 of the text (TextSha256()). Without it the
  // reader never creates a digest: `validate` does not need one, and
  // hashing was about a sixth of its CPU time.
  explicit LineReader(std::unique_ptr<ByteSource> source, bool hash_text = true);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Advances to the next non-blank line. A trailing "\r" is removed; blank
  // lines (empty or only spaces and tabs) are skipped but still counted; a
  // last line without "\n" is returned like any other.
  // Return: true with *line set (valid until the next call), false at the
  // end of the input, or an error whose message has no "FILE:LINE:" prefix
  // ("truncated zstd stream", "corrupt zstd stream", "read error: ...",
  // "line is longer than ..."). After an error, line_number() is the line the
  // error belongs to: the one after the last complete line. Calling Next()
  // again after false or an error is not allowed.
  Result<bool> Next(std::string_view* line);

  // Line number (from 1) of the line last returned, or of the error.
  uint64_t line_number() const { return line_number_; }
  // Bytes taken from the source so far (compressed bytes for zstd input).
  uint64_t bytes_consumed() const { return bytes_consumed_; }
  // The source's size when known (a regular file).
  std::optional<uint64_t> total_bytes() const { return source_->total_bytes(); }
  // Whether the input is a zstd stream; known after the first Next().
  bool compressed() const { return zstd_ != nullptr; }
  // SHA-256 of all the text decompressed so far, as lowercase hex; once
  // Next() has returned false, that of the whole trace. Consumes the digest:
  // call it once, at the end. Empty for a reader made without hash_text.
  std::string TextSha256() { return sha256_ ? sha256_->HexDigest() : std::string(); }

 private:
  struct ZstdState;

  // A growable byte buffer whose new bytes are left uninitialised: each
  // chunk is written by read() or zstd right away, and std::string's
  // resize() zero-filled every one first (3% of validate's instructions).
  class TextBuffer {
   public:
    const char* data() const { return bytes_.get(); }
    size_t size() const { return size_; }
    // n more bytes at the end, uninitialised; returns their start.
    char* Extend(size_t n);
    // Keeps the first n bytes (n <= size()).
    void Truncate(size_t n) { size_ = n; }
    void Append(const char* data, size_t n);
    // Drops the first n bytes (n <= size()), moving the rest to the front.
    void EraseFront(size_t n);

   private:
    std::unique_ptr<char[]> bytes_;
    size_t size_ = 0;
    size_t capacity_ = 0;
  };

  Status Detect();
  // Appends some decompressed text to text_; sets eof_ at the end of input.
  Status Fill();
  Status FillPlain();
  Status FillZstd();
  Result<size_t> ReadSource(char* buf, size_t n);

  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<ZstdState> zstd_;
  bool detected_ = false;
  bool eof_ = false;
  Status pending_error_;

  // Raw input chunk (zstd only) and the decompressed text not yet consumed.
  std::vector<char> in_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  TextBuffer text_;
  size_t text_start_ = 0;  // first byte of text_ not yet returned
  size_t scan_pos_ = 0;    // bytes before this, from text_start_, hold no '\n'

  uint64_t line_number_ = 0;
  uint64_t bytes_consumed_ = 0;
  std::optional<Sha256> sha256_;  // only with hash_text
  // Adds text to the digest, if there is one.
  void Hash(const char* data, size_t n) {
    if (sha256_) sha256_->Update(data, n);
  }
};

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_LINE_READER_H_
