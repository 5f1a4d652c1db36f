#include "core/trace/trace_writer.h"

#include <zstd.h>

#include <vector>

namespace ttm::trace {

struct TraceWriter::Zstd {
  ZSTD_CCtx* cctx = nullptr;
  std::vector<char> out;
  ~Zstd() { ZSTD_freeCCtx(cctx); }
};

TraceWriter::TraceWriter(std::ostream& out, bool compress) : out_(out) {
  if (compress) {
    zstd_ = std::make_unique<Zstd>();
    zstd_->cctx = ZSTD_createCCtx();
    zstd_->out.resize(ZSTD_CStreamOutSize());
  }
}

TraceWriter::~TraceWriter() = default;

Status TraceWriter::Compress(const char* data, size_t n, bool end) {
  if (zstd_->cctx == nullptr) return Status::IoError("cannot allocate a zstd context");
  ZSTD_inBuffer in{data, n, 0};
  for (;;) {
    ZSTD_outBuffer out{zstd_->out.data(), zstd_->out.size(), 0};
    size_t left = ZSTD_compressStream2(zstd_->cctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left))
      return Status::IoError(std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
    out_.write(zstd_->out.data(), static_cast<std::streamsize>(out.pos));
    bool done = end ? left == 0 : in.pos == in.size;
    if (done) return Status::Ok();
  }
}

Status TraceWriter::WriteLine(const std::string& line) {
  if (zstd_) {
    Status s = Compress(line.data(), line.size(), false);
    if (s.ok()) s = Compress("\n", 1, false);
    if (!s.ok()) return s;
  } else {
    out_ << line << '\n';
  }
  if (!out_) return Status::IoError("write error");
  return Status::Ok();
}

Status TraceWriter::WriteHeader(const TraceHeader& header) {
  if (stage_ != Stage::kHeader) return Status::Usage("trace header written twice");
  stage_ = Stage::kEvents;
  return WriteLine(HeaderToJson(header).dump());
}

Status TraceWriter::Write(const Event& event) {
  if (stage_ != Stage::kEvents)
    return Status::Usage(stage_ == Stage::kHeader ? "trace event written before the header"
                                                  : "trace event written after Finish()");
  return WriteLine(EventToJsonLine(event));
}

Status TraceWriter::Finish() {
  if (stage_ == Stage::kHeader) return Status::Usage("trace finished without a header");
  if (stage_ == Stage::kFinished) return Status::Usage("trace finished twice");
  stage_ = Stage::kFinished;
  if (zstd_) {
    Status s = Compress(nullptr, 0, true);
    if (!s.ok()) return s;
  }
  out_.flush();
  if (!out_) return Status::IoError("write error");
  return Status::Ok();
}

}  // namespace ttm::trace
