// TraceWriter: typed events out as a canonical trace, plain or zstd.
//
// Canonical means one spelling per trace: keys in the format's order ("op",
// then "t", then the op's fields as docs/trace-format.md lists them), optional
// fields omitted when absent or equal to their defaults, compact JSON. So
// read -> write -> read -> write gives the same bytes, and two producers of
// the same events produce the same file.
#ifndef TTM_CORE_TRACE_TRACE_WRITER_H_
#define TTM_CORE_TRACE_TRACE_WRITER_H_

#include <memory>
#include <ostream>
#include <string>

#include "core/event.h"
#include "core/status.h"
#include "core/trace/event_json.h"

namespace ttm::trace {

class TraceWriter {
 public:
  // `out` must outlive the writer. With `compress`, the output is one zstd
  // frame, produced as a stream with bounded buffers.
  TraceWriter(std::ostream& out, bool compress);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Call order: WriteHeader once, Write any number of times, Finish once.
  // Errors: a call out of that order (Usage), a failed stream (IoError).
  Status WriteHeader(const TraceHeader& header);
  Status Write(const Event& event);
  // Ends the zstd frame and flushes `out`. A writer not finished leaves a
  // truncated trace behind, which a reader reports as such.
  Status Finish();

 private:
  Status WriteLine(const std::string& line);
  Status Compress(const char* data, size_t n, bool end);

  struct Zstd;
  std::ostream& out_;
  std::unique_ptr<Zstd> zstd_;
  enum class Stage { kHeader, kEvents, kFinished } stage_ = Stage::kHeader;
};

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_TRACE_WRITER_H_
