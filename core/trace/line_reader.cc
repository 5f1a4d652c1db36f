#include "core/trace/line_reader.h"

#include <zstd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "core/trace/format.h"

namespace ttm::trace {
namespace {

constexpr size_t kPlainChunk = 64 * 1024;

// The first '\n' in [p, end), or null. Sixteen bytes at a time in a
// vector register where there is SSE2, then eight at a time in a general
// one: trace lines are a few tens of bytes, where a call to memchr cost
// more in its set-up and exits than in its search (1.7% of a replay).
// Nothing is read outside [p, end).
const char* FindNewline(const char* p, const char* end) {
  static_assert(std::endian::native == std::endian::little);
#ifdef __SSE2__
  const __m128i newlines = _mm_set1_epi8('\n');
  for (; end - p >= 16; p += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int found = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newlines));
    if (found != 0) return p + std::countr_zero(static_cast<unsigned>(found));
  }
#endif
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  for (; end - p >= 8; p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    const uint64_t x = word ^ ('\n' * kOnes);
    // A byte of x that is zero (a '\n') sets its top bit here; bytes
    // above it may too, below it none: the lowest set bit is exact.
    const uint64_t zero = (x - kOnes) & ~x & (0x80 * kOnes);
    if (zero != 0) return p + std::countr_zero(zero) / 8;
  }
  for (; p != end; ++p)
    if (*p == '\n') return p;
  return nullptr;
}

bool IsBlank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t') return false;
  return true;
}

}  // namespace

struct LineReader::ZstdState {
  ZSTD_DCtx* dctx = nullptr;
  // The last ZSTD_decompressStream() result: 0 exactly when the stream so far
  // ends on a frame boundary, which is what tells a whole stream from a
  // truncated one.
  size_t last = 1;
  // The last call filled the output buffer before saying the frame was
  // done, so it may hold more output without reading more input. A call
  // that returns 0 has flushed everything: calling again with no input
  // would start a new frame and turn `last` into a header size hint, which
  // is how a trace of exactly N * 128 KiB was once taken for a truncated one.
  bool output_was_full = false;
  ~ZstdState() { ZSTD_freeDCtx(dctx); }
};

char* LineReader::TextBuffer::Extend(size_t n) {
  if (size_ + n > capacity_) {
    const size_t capacity = std::max(size_ + n, 2 * capacity_);
    std::unique_ptr<char[]> bytes = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(bytes.get(), bytes_.get(), size_);
    bytes_ = std::move(bytes);
    capacity_ = capacity;
  }
  char* start = bytes_.get() + size_;
  size_ += n;
  return start;
}

void LineReader::TextBuffer::Append(const char* data, size_t n) {
  if (n > 0) std::memcpy(Extend(n), data, n);
}

void LineReader::TextBuffer::EraseFront(size_t n) {
  if (n < size_) std::memmove(bytes_.get(), bytes_.get() + n, size_ - n);
  size_ -= n;
}

LineReader::LineReader(std::unique_ptr<ByteSource> source, bool hash_text)
    : source_(std::move(source)) {
  if (hash_text) sha256_.emplace();
}
LineReader::~LineReader() = default;

Result<size_t> LineReader::ReadSource(char* buf, size_t n) {
  Result<size_t> got = source_->Read(buf, n);
  if (got.ok()) bytes_consumed_ += *got;
  return got;
}

Status LineReader::Detect() {
  detected_ = true;
  // Read until the magic number can be compared or the input ends; the bytes
  // read stay in in_ and are used whatever the answer.
  in_.resize(std::max(ZSTD_DStreamInSize(), kPlainChunk));
  while (in_len_ < sizeof(kZstdMagic)) {
    Result<size_t> got = ReadSource(in_.data() + in_len_, in_.size() - in_len_);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    in_len_ += *got;
  }
  if (in_len_ >= sizeof(kZstdMagic) && std::memcmp(in_.data(), kZstdMagic, 4) == 0) {
    zstd_ = std::make_unique<ZstdState>();
    zstd_->dctx = ZSTD_createDCtx();
    if (zstd_->dctx == nullptr) return Status::IoError("cannot allocate a zstd context");
  } else {
    // Plain text: hand the probe bytes over as text.
    text_.Append(in_.data(), in_len_);
    Hash(in_.data(), in_len_);
    in_len_ = 0;
    std::vector<char>().swap(in_);
  }
  return Status::Ok();
}

Status LineReader::FillPlain() {
  size_t old = text_.size();
  char* chunk = text_.Extend(kPlainChunk);
  Result<size_t> got = ReadSource(chunk, kPlainChunk);
  text_.Truncate(old + (got.ok() ? *got : 0));
  Hash(chunk, text_.size() - old);
  if (!got.ok()) return got.status();
  if (*got == 0) eof_ = true;
  return Status::Ok();
}

Status LineReader::FillZstd() {
  const size_t out_chunk = ZSTD_DStreamOutSize();
  for (;;) {
    if (in_pos_ == in_len_ && !zstd_->output_was_full) {
      Result<size_t> got = ReadSource(in_.data(), in_.size());
      if (!got.ok()) return got.status();
      in_pos_ = 0;
      in_len_ = *got;
      if (in_len_ == 0) {
        if (zstd_->last != 0) return Status::InvalidInput("truncated zstd stream");
        eof_ = true;
        return Status::Ok();
      }
    }
    size_t old = text_.size();
    char* chunk = text_.Extend(out_chunk);
    ZSTD_inBuffer in{in_.data(), in_len_, in_pos_};
    ZSTD_outBuffer out{chunk, out_chunk, 0};
    size_t ret = ZSTD_decompressStream(zstd_->dctx, &out, &in);
    text_.Truncate(old + out.pos);
    Hash(chunk, out.pos);
    in_pos_ = in.pos;
    if (ZSTD_isError(ret)) return Status::InvalidInput("corrupt zstd stream");
    zstd_->last = ret;
    zstd_->output_was_full = out.pos == out.size && ret != 0;
    if (out.pos > 0) return Status::Ok();
  }
}

Status LineReader::Fill() {
  // Drop the text already handed out before growing the buffer, so that it
  // only ever holds the current partial line plus one chunk.
  if (text_start_ > 0) {
    text_.EraseFront(text_start_);
    text_start_ = 0;
  }
  return zstd_ ? FillZstd() : FillPlain();
}

Result<bool> LineReader::Next(std::string_view* line) {
  if (!detected_) {
    Status s = Detect();
    if (!s.ok()) pending_error_ = s;
  }
  for (;;) {
    const char* base = text_.data() + text_start_;
    size_t avail = text_.size() - text_start_;
    const char* nl = scan_pos_ < avail ? FindNewline(base + scan_pos_, base + avail) : nullptr;
    size_t len;
    if (nl != nullptr) {
      len = static_cast<size_t>(nl - base);
      text_start_ += len + 1;
    } else if (eof_ && avail > 0) {
      len = avail;
      text_start_ += len;
    } else if (eof_) {
      return false;
    } else if (!pending_error_.ok()) {
      // Complete lines were handed out first; the partial one is dropped.
      ++line_number_;
      return pending_error_;
    } else if (avail > kMaxLineBytes) {
      ++line_number_;
      return Status::InvalidInput("line is longer than " + std::to_string(kMaxLineBytes) +
                                  " bytes");
    } else {
      // scan_pos_ counts from text_start_, which Fill() moves to 0 together
      // with the text, so it stays right.
      scan_pos_ = avail;
      Status s = Fill();
      if (!s.ok()) pending_error_ = s;
      continue;
    }
    scan_pos_ = 0;
    ++line_number_;
    if (len > kMaxLineBytes)
      return Status::InvalidInput("line is longer than " + std::to_string(kMaxLineBytes) +
                                  " bytes");
    std::string_view l(base, len);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (IsBlank(l)) continue;
    *line = l;
    return true;
  }
}

}  // namespace ttm::trace
