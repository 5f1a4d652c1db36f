// TimelineReader: a timeline (`replay --timeline`, format version 1) read
// back one record at a time, for `plot` and other tools that consume it.
//
// Why streaming: a timeline has one line per event, so a 10 M event trace
// gives a multi-gigabyte timeline. The reader holds the current line only
// (core/trace's LineReader, which also undoes zstd), so memory does not
// grow with the timeline. It checks what a consumer relies on: the header,
// each line's keys and types, and trace lines in increasing order; it
// ignores keys it does not know, so later versions' additions do not break
// it. Errors read "FILE:LINE: message" (with "OP: " once the op is known).
#ifndef TTM_CORE_PLOT_TIMELINE_READER_H_
#define TTM_CORE_PLOT_TIMELINE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/plot/timeline_record.h"
#include "core/status.h"
#include "core/trace/byte_source.h"
#include "core/trace/line_reader.h"

namespace ttm::plot {

inline constexpr std::string_view kTimelineFormat = "ttm-replay-timeline";
inline constexpr int kTimelineVersion = 1;

class TimelineReader {
 public:
  // Reads the header from `source`; `name` is the file name in messages.
  // Errors: "NAME:LINE: message", e.g. "NAME:1: not a timeline: ...".
  static Result<std::unique_ptr<TimelineReader>> FromSource(
      std::unique_ptr<trace::ByteSource> source, std::string name);

  const TimelineHeader& header() const { return header_; }

  // The next record. Return: true, false at the end, or the first error.
  // After false or an error, further calls repeat that answer.
  Result<bool> Next(TimelineRecord* out);

  const std::string& name() const { return name_; }
  // Records returned so far.
  uint64_t record_count() const { return records_; }

 private:
  TimelineReader(std::unique_ptr<trace::ByteSource> source, std::string name);
  Status ReadHeader();
  Status Error(uint64_t line, const std::string& message) const;

  std::string name_;
  trace::LineReader lines_;
  TimelineHeader header_;
  uint64_t records_ = 0;
  uint64_t last_trace_line_ = 0;
  std::optional<Status> done_;
};

// Parses one event line's text (no "FILE:LINE: " prefix in errors). Exposed
// for tests; `out` is fully overwritten on success.
Status TimelineRecordFromText(std::string_view text, TimelineRecord* out);

}  // namespace ttm::plot

#endif  // TTM_CORE_PLOT_TIMELINE_READER_H_
