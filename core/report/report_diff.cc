#include "core/report/report_diff.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/report/report.h"
#include "core/report/report_reader.h"

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

// Which way is worse, for the fields where a change can be a regression.
enum class Worse {
  kHigher,       // a count of bad things
  kLower,        // a count of good things
  kTrueToFalse,  // an "ok" flag
};

struct Direction {
  std::string_view path;  // exact path, or a prefix when it ends with '.'
  Worse worse;
};

// The one table of directions. Everything not listed is reported as a change
// but never as a regression. leaks.live_tts is deliberately absent: objects
// the trace leaves alive are not a leak (docs/report-format.md, "leaks").
constexpr Direction kDirections[] = {
    {"leaks.ok", Worse::kTrueToFalse},
    {"leaks.pages", Worse::kHigher},
    {"leaks.handles", Worse::kHigher},
    {"leaks.restore_states", Worse::kHigher},
    {"integrity.ok", Worse::kTrueToFalse},
    {"integrity.mismatches", Worse::kHigher},
    {"violations.count", Worse::kHigher},
    {"violations.by_invariant.", Worse::kHigher},
    {"checks.failed", Worse::kHigher},
    {"expectations.failed", Worse::kHigher},
    {"restore.failed", Worse::kHigher},
    {"memory.freed_pages", Worse::kLower},
    {"memory.freed_bytes", Worse::kLower},
};

const Direction* FindDirection(std::string_view path) {
  for (const Direction& d : kDirections) {
    if (!d.path.empty() && d.path.back() == '.') {
      if (path.size() > d.path.size() && path.starts_with(d.path)) return &d;
    } else if (path == d.path) {
      return &d;
    }
  }
  return nullptr;
}

// A count for the direction rules: an absent count is zero (a new invariant
// name appearing with 2 violations went from 0 to 2).
std::optional<long double> CountOf(const std::optional<Json>& v) {
  if (!v) return 0.0L;
  if (v->is_number()) return v->get<long double>();
  return std::nullopt;
}

bool IsRegression(std::string_view path, const std::optional<Json>& old_value,
                  const std::optional<Json>& new_value) {
  const Direction* d = FindDirection(path);
  if (d == nullptr) return false;
  if (d->worse == Worse::kTrueToFalse) {
    return old_value && new_value && old_value->is_boolean() &&
           new_value->is_boolean() && old_value->get<bool>() &&
           !new_value->get<bool>();
  }
  std::optional<long double> before = CountOf(old_value);
  std::optional<long double> after = CountOf(new_value);
  if (!before || !after) return false;
  return d->worse == Worse::kHigher ? *after > *before : *after < *before;
}

std::optional<Json> Delta(const Json& a, const Json& b) {
  if (!a.is_number() || !b.is_number()) return std::nullopt;
  if (a.is_number_integer() && b.is_number_integer()) {
    auto wide = [](const Json& v) -> __int128 {
      return v.is_number_unsigned() ? __int128{v.get<uint64_t>()}
                                    : __int128{v.get<int64_t>()};
    };
    const __int128 d = wide(b) - wide(a);
    if (d >= INT64_MIN && d <= INT64_MAX) return Json(static_cast<int64_t>(d));
    return Json(static_cast<double>(d));
  }
  return Json(b.get<double>() - a.get<double>());
}

// The sections of report version 2, optional when reading.
constexpr std::string_view kOptionalSections[] = {"options", "behaviour"};

// A backup or restore counter that moved this much is a behaviour change:
// by more than kBehaviourMinDelta and by more than 1/kBehaviourFraction of
// the old value.
constexpr long double kBehaviourMinDelta = 10;
constexpr long double kBehaviourFraction = 10;

bool IsBehaviourChange(std::string_view path, const std::optional<Json>& old_value,
                       const std::optional<Json>& new_value) {
  if (path == "behaviour.digest") return true;
  if (!path.starts_with("backup.") && !path.starts_with("restore.")) return false;
  const std::optional<long double> before = CountOf(old_value), after = CountOf(new_value);
  if (!before || !after) return false;
  const long double delta = *after > *before ? *after - *before : *before - *after;
  return delta > kBehaviourMinDelta && delta * kBehaviourFraction > *before;
}

bool IsContext(std::string_view path) {
  return path == "trace.sha256" || path.starts_with("options.");
}

using Leaves = std::vector<std::pair<std::string, Json>>;

// Flattens a report into (path, leaf value) in document order, skipping the
// top-level `run` and `version` and the top-level sections in `skip`. An
// object inside an array (a violation entry, a failure) is one leaf.
void Flatten(const Json& j, const std::string& path, const std::vector<std::string>& skip,
             Leaves* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (path.empty() && (it.key() == "run" || it.key() == "version" ||
                           std::find(skip.begin(), skip.end(), it.key()) != skip.end()))
        continue;
      Flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), skip, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string element = path + "[" + std::to_string(i) + "]";
      if (j[i].is_object())
        out->emplace_back(element, j[i]);
      else
        Flatten(j[i], element, skip, out);
    }
  } else {
    out->emplace_back(path, j);
  }
}

// "line 12, tt 3: 3.5.3 dma-unmap-once: unmapped twice" for a violation or
// check failure; "line 7: ret: expected 0, found -4" for an expectation
// failure; compact JSON for anything else.
std::string EntryText(const Json& j) {
  auto text = [](const Json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  if (!j.is_object() || !j.contains("line")) return j.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out = "line " + text(j["line"]);
  if (j.contains("tt") && !j["tt"].is_null()) out += ", tt " + text(j["tt"]);
  if (j.contains("invariant")) out += ": " + text(j["invariant"]);
  if (j.contains("what")) out += ": " + text(j["what"]);
  if (j.contains("assertion")) {
    out += ": " + text(j["assertion"]);
    if (j.contains("expected")) out += ": expected " + j["expected"].dump(-1, ' ', false, Json::error_handler_t::replace);
    if (j.contains("found")) out += ", found " + j["found"].dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return out;
}

std::string BuildName(const Json& report) {
  auto run = report.find("run");
  if (run == report.end() || !run->is_object()) return "unknown build";
  std::string out;
  for (const char* key : {"tool", "build"}) {
    auto it = run->find(key);
    if (it == run->end() || !it->is_string() || it->get<std::string>().empty())
      continue;
    out += out.empty() ? "" : ", ";
    out += it->get<std::string>();
  }
  return out.empty() ? "unknown build" : out;
}

std::string Dump(const Json& j, int indent = -1) {
  // Replace rather than throw on invalid UTF-8: rendering never fails.
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

size_t DiffResult::regressions() const {
  return static_cast<size_t>(
      std::count_if(changes.begin(), changes.end(),
                    [](const FieldChange& c) { return c.regression; }));
}

size_t DiffResult::behaviour_changes() const {
  return static_cast<size_t>(std::count_if(changes.begin(), changes.end(),
                                           [](const FieldChange& c) { return c.behaviour_change; }));
}

bool DiffResult::different_traces() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const FieldChange& c) { return c.path == "trace.sha256"; });
}

bool DiffResult::different_options() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const FieldChange& c) { return c.context && c.path != "trace.sha256"; });
}

bool DiffResult::digest_changed() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const FieldChange& c) { return c.path == "behaviour.digest"; });
}

int DiffResult::ExitStatus(bool fail_on_regression) const {
  if (same()) return 0;
  if (!fail_on_regression) return 1;
  return different_traces() || different_options() || regressions() > 0 ? 1 : 0;
}

Result<DiffResult> DiffReports(std::string_view old_json,
                               std::string_view new_json,
                               std::string_view old_name,
                               std::string_view new_name) {
  Result<Json> old_report = ReadReportJson(old_json, old_name);
  if (!old_report.ok()) return old_report.status();
  Result<Json> new_report = ReadReportJson(new_json, new_name);
  if (!new_report.ok()) return new_report.status();

  DiffResult diff;
  // A version 2 section that only one report has is not compared.
  std::vector<std::string> skip;
  for (std::string_view section : kOptionalSections) {
    const bool in_old = old_report->contains(section), in_new = new_report->contains(section);
    if (in_old == in_new) continue;
    skip.emplace_back(section);
    diff.notes.push_back(std::string(in_old ? "NEW" : "OLD") + " has no " + std::string(section) +
                         " section (a report of an older build): " + std::string(section) +
                         " not compared");
  }
  Leaves old_leaves, new_leaves;
  Flatten(*old_report, "", skip, &old_leaves);
  Flatten(*new_report, "", skip, &new_leaves);
  // Only looked up, never iterated for output.
  std::map<std::string, size_t> new_index;
  for (size_t i = 0; i < new_leaves.size(); ++i)
    new_index.emplace(new_leaves[i].first, i);
  std::vector<bool> new_matched(new_leaves.size(), false);

  diff.old_build = BuildName(*old_report);
  diff.new_build = BuildName(*new_report);

  auto add = [&diff](const std::string& path, std::optional<Json> before,
                     std::optional<Json> after) {
    FieldChange c;
    c.path = path;
    if (before && after) c.delta = Delta(*before, *after);
    c.regression = IsRegression(path, before, after);
    c.behaviour_change = IsBehaviourChange(path, before, after);
    c.context = IsContext(path);
    c.old_value = std::move(before);
    c.new_value = std::move(after);
    diff.changes.push_back(std::move(c));
  };

  for (const auto& [path, value] : old_leaves) {
    auto it = new_index.find(path);
    if (it == new_index.end()) {
      add(path, value, std::nullopt);
      continue;
    }
    new_matched[it->second] = true;
    const Json& other = new_leaves[it->second].second;
    // Same type class and value; 1 and 1.0 count as equal, true and 1 not.
    const bool equal = value.is_boolean() == other.is_boolean() &&
                       value.is_number() == other.is_number() && value == other;
    if (!equal) add(path, value, other);
  }
  for (size_t i = 0; i < new_leaves.size(); ++i)
    if (!new_matched[i]) add(new_leaves[i].first, std::nullopt, new_leaves[i].second);
  return diff;
}

namespace {

std::string ValueText(const std::optional<Json>& v) {
  if (!v) return "(absent)";
  return v->is_object() ? EntryText(*v) : Dump(*v);
}

std::string ChangeLine(const FieldChange& c) {
  std::string out = c.path + ": " + ValueText(c.old_value) + " -> " + ValueText(c.new_value);
  if (c.delta) {
    const bool positive = c.delta->is_number_unsigned() ||
                          (c.delta->is_number_integer() && c.delta->get<int64_t>() > 0) ||
                          (c.delta->is_number_float() && c.delta->get<double>() > 0);
    out += " (" + std::string(positive ? "+" : "") + Dump(*c.delta) + ")";
  }
  if (c.regression) out += "  REGRESSION";
  return out + "\n";
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string RenderDiffText(const DiffResult& diff) {
  std::string out;
  // What makes the comparison questionable comes first.
  if (diff.different_traces())
    out += "DIFFERENT TRACES: these reports are of different traces (trace.sha256 differs); "
           "their totals are not comparable\n";
  if (diff.different_options()) out += "DIFFERENT OPTIONS: these reports were made with different options\n";
  for (const FieldChange& c : diff.changes)
    if (c.context) out += "  " + ChangeLine(c);
  out += "old: " + diff.old_build + "\n";
  out += "new: " + diff.new_build + "\n";
  for (const std::string& note : diff.notes) out += "note: " + note + "\n";
  if (diff.behaviour_changes() > 0) {
    out += "BEHAVIOUR CHANGED";
    if (diff.digest_changed())
      out += ": some event's return value or state differs (the behaviour digest changed); rerun both "
             "builds with --timeline FILE and diff the two timelines to find the first divergent event";
    out += "\n";
    for (const FieldChange& c : diff.changes)
      if (c.behaviour_change && !c.context && c.path != "behaviour.digest")
        out += "  behaviour change: " + ChangeLine(c);
  }
  for (const FieldChange& c : diff.changes)
    if (!c.context && !(c.behaviour_change && c.path != "behaviour.digest") && c.path != "behaviour.digest")
      out += ChangeLine(c);
  if (diff.same()) {
    out += "no differences\n";
  } else {
    out += Plural(diff.changes.size(), "change", "changes") + ", " +
           Plural(diff.regressions(), "regression", "regressions") + ", " +
           Plural(diff.behaviour_changes(), "behaviour change", "behaviour changes") + "\n";
  }
  return out;
}

std::string RenderDiffJson(const DiffResult& diff) {
  Json changes = Json::array();
  for (const FieldChange& c : diff.changes) {
    Json change = {{"path", c.path}};
    if (c.old_value) change["old"] = *c.old_value;
    if (c.new_value) change["new"] = *c.new_value;
    if (c.delta) change["delta"] = *c.delta;
    change["regression"] = c.regression;
    change["behaviour_change"] = c.behaviour_change;
    change["context"] = c.context;
    changes.push_back(std::move(change));
  }
  Json j = {{"old", {{"build", diff.old_build}}},
            {"new", {{"build", diff.new_build}}},
            {"different_traces", diff.different_traces()},
            {"different_options", diff.different_options()},
            {"behaviour_changed", diff.behaviour_changes() > 0},
            {"changes", std::move(changes)},
            {"changed", diff.changes.size()},
            {"regressions", diff.regressions()},
            {"behaviour_changes", diff.behaviour_changes()},
            {"notes", diff.notes}};
  return Dump(j, 2) + "\n";
}

}  // namespace ttm
