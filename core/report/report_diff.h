// Comparing two replay reports: what `ttm-replay diff OLD NEW` prints.
//
// Why field by field on the JSON and not on struct Report: a report is kept
// by CI and compared with one written by another build, possibly one that
// added fields. Reading both as JSON lets a field that exists in only one of
// them show up as a change instead of being silently dropped.
//
// Paths are dotted (`memory.freed_pages`); arrays are compared element by
// element (`violations.first[0].what`), so a changed violation text shows
// exactly where it changed. An empty object or array contributes no path, so
// `by_invariant: {}` against `by_invariant: {"x": 1}` is one change,
// `violations.by_invariant.x`, absent -> 1. `run` is ignored everywhere.
//
// Order: paths in the order they appear in the OLD report, then paths only
// in the NEW report in their order there. Nothing depends on hashing.
#ifndef TTM_CORE_REPORT_REPORT_DIFF_H_
#define TTM_CORE_REPORT_REPORT_DIFF_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ttm {

struct FieldChange {
  std::string path;                             // "memory.freed_pages"
  std::optional<nlohmann::ordered_json> old_value;  // nullopt: absent in OLD
  std::optional<nlohmann::ordered_json> new_value;  // nullopt: absent in NEW
  // new - old, when both are numbers (an absent count in one report is not
  // a number: no delta).
  std::optional<nlohmann::ordered_json> delta;
  // The change makes things worse by the table of directions in
  // report_diff.cc (more leaks, mismatches, violations, failed checks,
  // expectations or restores; fewer freed pages).
  bool regression = false;
};

struct DiffResult {
  // "ttm-replay 0.1.0, git 1a2b3c4d5e6f" from each report's `run`, or
  // "unknown build" when `run` does not say.
  std::string old_build;
  std::string new_build;
  std::vector<FieldChange> changes;

  bool same() const { return changes.empty(); }
  size_t regressions() const;
};

// Parses and compares two reports. An input that is not a report (see
// report_reader.h: wrong format or version, a field of the wrong type, a
// missing section) is an error whose message starts with the name given for
// it ("OLD.json: \"memory.freed_pages\" must be a non-negative integer, ...").
Result<DiffResult> DiffReports(std::string_view old_json,
                               std::string_view new_json,
                               std::string_view old_name = "old report",
                               std::string_view new_name = "new report");

// One line per change, "path: old -> new (delta)  REGRESSION", after a
// header naming both builds and before a one-line count.
std::string RenderDiffText(const DiffResult& diff);

// {"old": {"build"}, "new": {"build"}, "changes": [...], "changed": N,
// "regressions": M}, 2-space indent, trailing newline. In a change, "old" or
// "new" is left out when the field is absent from that report, and "delta"
// when there is none.
std::string RenderDiffJson(const DiffResult& diff);

}  // namespace ttm

#endif  // TTM_CORE_REPORT_REPORT_DIFF_H_
