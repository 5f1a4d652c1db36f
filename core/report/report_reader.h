// Reading a replay report back, as `diff` does: the one place that decides
// whether a text is a report (report-format.md) at all.
//
// Why a validating reader: diff compares field by field, and a value of the
// wrong type compared "successfully" is worse than no answer. A string
// "300" where a count belongs, -5, 1.5, null where a section belongs, or a
// list of numbers where a list of violations belongs would otherwise show
// up as ordinary changes, even as regressions. A report that does not match
// the format is unreadable input instead: one line naming the field.
//
// What it accepts: every section of version 1, each field of the type the
// format gives it (counts are non-negative integers); the sections added in
// version 2 (`options`, `behaviour`) are optional, so reports of older
// builds stay comparable; fields it does not know are kept as they are
// (a newer build may add some), within the nesting limit of
// core/json_text.h. `run` is checked only where diff reads it (tool,
// build). Keys given twice are an error: a report writer never does that.
#ifndef TTM_CORE_REPORT_REPORT_READER_H_
#define TTM_CORE_REPORT_REPORT_READER_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace ttm {

// Parses and checks one report. `name` starts every error message:
//   "NAME: not a JSON report: malformed JSON at byte 12"
//   "NAME: not a ttm-replay report: \"format\" is not \"ttm-replay-report\""
//   "NAME: unsupported report version 7 (this build reads 1 to 2)"
//   "NAME: \"memory.freed_pages\" must be a non-negative integer, not \"300\""
//   "NAME: missing field \"leaks.ok\""
Result<nlohmann::ordered_json> ReadReportJson(std::string_view text, std::string_view name);

}  // namespace ttm

#endif  // TTM_CORE_REPORT_REPORT_READER_H_
