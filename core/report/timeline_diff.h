// Comparing two timelines (`ttm-replay diff OLD.jsonl NEW.jsonl`): the first
// divergent event, with each field that differs, and how many events differ.
//
// Why line by line: the timelines of one trace have one line per event in
// trace order, so the k-th lines of both describe the same event. Equal
// lines are compared as bytes (cheap, and the format makes equal state
// render to equal bytes); only the first differing pair is parsed to name
// its fields. The comparison holds two lines at a time, so timelines of any
// length compare in constant memory. It performs no I/O: the caller feeds
// the lines.
#ifndef TTM_CORE_REPORT_TIMELINE_DIFF_H_
#define TTM_CORE_REPORT_TIMELINE_DIFF_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ttm {

// Whether a file's first line is a timeline header (and not the start of a
// report): a JSON object whose "format" is "ttm-replay-timeline".
bool IsTimelineHeader(std::string_view first_line);

// A field's two values; null stands for "absent in that timeline".
using FieldValues = std::pair<nlohmann::ordered_json, nlohmann::ordered_json>;

struct TimelineDivergence {
  uint64_t line = 0;           // the OLD timeline's trace line (NEW's when OLD ended)
  std::string op;
  std::optional<uint64_t> tt;
  // Differing keys, in the OLD line's key order, then keys only in NEW.
  std::vector<std::pair<std::string, FieldValues>> fields;
};

struct TimelineDiff {
  std::string old_name, new_name;
  // Header fields that differ (trace_sha256, semantics, ...).
  std::vector<std::pair<std::string, FieldValues>> header;
  std::optional<TimelineDivergence> first;
  uint64_t differing_events = 0;
  uint64_t old_events = 0, new_events = 0;

  bool same() const { return header.empty() && differing_events == 0; }
};

// Feeds two timelines to a TimelineDiff. Call order: Start with both header
// lines, Add for each position (nullopt once a timeline has ended), then
// take result().
class TimelineComparer {
 public:
  // Errors: a header that is not a supported timeline header
  // ("NAME: not a timeline ...").
  Status Start(std::string_view old_header, std::string_view new_header, std::string_view old_name,
               std::string_view new_name);
  // The k-th event line of each (without its newline), or nullopt past the
  // end. `old_line_number`/`new_line_number` are file line numbers for
  // errors. Errors: the first divergent pair is not valid timeline JSON.
  Status Add(std::optional<std::string_view> old_line, std::optional<std::string_view> new_line,
             uint64_t old_line_number, uint64_t new_line_number);
  const TimelineDiff& result() const { return diff_; }

 private:
  TimelineDiff diff_;
};

// "first divergent event: line 57, shrink, tt 4" with one line per field
// ("  ret: 8 -> -16"), then "12 of 1000 events differ"; different headers
// first. "timelines are the same (N events)" when they are.
std::string RenderTimelineDiffText(const TimelineDiff& diff);

// {"same": b, "first_divergence": {"line", "op", "tt", "fields": {k: [old,
// new]}} or null, "differing_events": N, "events": {"old": N, "new": M},
// "header": {k: [old, new]}}, 2-space indent, trailing newline.
std::string RenderTimelineDiffJson(const TimelineDiff& diff);

}  // namespace ttm

#endif  // TTM_CORE_REPORT_TIMELINE_DIFF_H_
