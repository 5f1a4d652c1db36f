// Comparing two replay reports: what `ttm-replay diff OLD NEW` prints.
//
// Why field by field on the JSON and not on struct Report: a report is kept
// by CI and compared with one written by another build, possibly one that
// added fields. Reading both as JSON lets a field that exists in only one of
// them show up as a change instead of being silently dropped.
//
// Paths are dotted (`memory.freed_pages`); arrays are compared element by
// element, and an element that is an object (a violation entry, a check or
// expectation failure) is compared whole: a changed violation entry is one
// change, `violations.first[0]`, whatever fields of it changed. An empty
// object or array contributes no path, so `by_invariant: {}` against
// `by_invariant: {"x": 1}` is one change, `violations.by_invariant.x`,
// absent -> 1. `run` is ignored everywhere, and so is `version`.
//
// Sections added in report version 2 (`options`, `behaviour`) are optional:
// when only one report has one (a report of an older build), its fields are
// not compared and the diff says so in a note.
//
// Each change has a kind:
// - context: the reports are not of the same thing (`trace.sha256`, any
//   `options` field); stated first, never compared silently;
// - regression: worse by the table of directions in report_diff.cc (more
//   leaks, mismatches, violations, failed checks, expectations or
//   restores; fewer freed pages), whatever else improved;
// - behaviour change: the behaviour digest, or a `backup` or `restore`
//   counter that moved by more than 10 % and by more than 10;
// - anything else.
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
  // The behaviour digest, or a backup/restore counter that moved by more
  // than 10 % and more than 10.
  bool behaviour_change = false;
  // trace.sha256 or an options field: the two reports are of different
  // traces or were made with different options.
  bool context = false;
};

struct DiffResult {
  // "ttm-replay 0.1.0, git 1a2b3c4d5e6f" from each report's `run`, or
  // "unknown build" when `run` does not say.
  std::string old_build;
  std::string new_build;
  std::vector<FieldChange> changes;
  // Things not compared, one sentence each ("OLD has no behaviour section
  // (a report of an older build): behaviour not compared").
  std::vector<std::string> notes;

  bool same() const { return changes.empty(); }
  size_t regressions() const;
  size_t behaviour_changes() const;
  bool different_traces() const;
  bool different_options() const;
  bool digest_changed() const;
  // The exit status of `diff` (cli.md): 0 same; with fail_on_regression,
  // 1 only for different traces or options or a regression; otherwise 1 on
  // any change.
  int ExitStatus(bool fail_on_regression) const;
};

// Parses and compares two reports. An input that is not a report (see
// report_reader.h: wrong format or version, a field of the wrong type, a
// missing section) is an error whose message starts with the name given for
// it ("OLD.json: \"memory.freed_pages\" must be a non-negative integer, ...").
Result<DiffResult> DiffReports(std::string_view old_json,
                               std::string_view new_json,
                               std::string_view old_name = "old report",
                               std::string_view new_name = "new report");

// Different traces or options first, then both builds, then the behaviour
// changes (with the advice to rerun with --timeline when the digest
// changed), then one line per other change, "path: old -> new (delta)
// REGRESSION" (a violation or failure entry on one line), then a one-line
// count.
std::string RenderDiffText(const DiffResult& diff);

// {"old": {"build"}, "new": {"build"}, "different_traces": b,
// "different_options": b, "behaviour_changed": b, "changes": [...],
// "changed": N, "regressions": M, "behaviour_changes": K, "notes": [...]},
// 2-space indent, trailing newline. In a change, "old" or "new" is left out
// when the field is absent from that report, and "delta" when there is
// none; "regression", "behaviour_change" and "context" are always there.
std::string RenderDiffJson(const DiffResult& diff);

}  // namespace ttm

#endif  // TTM_CORE_REPORT_REPORT_DIFF_H_
