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
// the trace leaves alive are not a leak (report-format.md, "leaks").
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

using Leaves = std::vector<std::pair<std::string, Json>>;

// Flattens a report into (path, leaf value) in document order, skipping the
// top-level `run`.
void Flatten(const Json& j, const std::string& path, Leaves* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (path.empty() && it.key() == "run") continue;
      Flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i)
      Flatten(j[i], path + "[" + std::to_string(i) + "]", out);
  } else {
    out->emplace_back(path, j);
  }
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

Result<DiffResult> DiffReports(std::string_view old_json,
                               std::string_view new_json,
                               std::string_view old_name,
                               std::string_view new_name) {
  Result<Json> old_report = ReadReportJson(old_json, old_name);
  if (!old_report.ok()) return old_report.status();
  Result<Json> new_report = ReadReportJson(new_json, new_name);
  if (!new_report.ok()) return new_report.status();

  Leaves old_leaves, new_leaves;
  Flatten(*old_report, "", &old_leaves);
  Flatten(*new_report, "", &new_leaves);
  // Only looked up, never iterated for output.
  std::map<std::string, size_t> new_index;
  for (size_t i = 0; i < new_leaves.size(); ++i)
    new_index.emplace(new_leaves[i].first, i);
  std::vector<bool> new_matched(new_leaves.size(), false);

  DiffResult diff;
  diff.old_build = BuildName(*old_report);
  diff.new_build = BuildName(*new_report);

  auto add = [&diff](const std::string& path, std::optional<Json> before,
                     std::optional<Json> after) {
    FieldChange c;
    c.path = path;
    if (before && after) c.delta = Delta(*before, *after);
    c.regression = IsRegression(path, before, after);
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

std::string RenderDiffText(const DiffResult& diff) {
  std::string out;
  out += "old: " + diff.old_build + "\n";
  out += "new: " + diff.new_build + "\n";
  for (const FieldChange& c : diff.changes) {
    out += c.path + ": ";
    out += c.old_value ? Dump(*c.old_value) : "(absent)";
    out += " -> ";
    out += c.new_value ? Dump(*c.new_value) : "(absent)";
    if (c.delta) {
      const bool positive = c.delta->is_number_unsigned() ||
                            (c.delta->is_number_integer() &&
                             c.delta->get<int64_t>() > 0) ||
                            (c.delta->is_number_float() &&
                             c.delta->get<double>() > 0);
      out += " (" + std::string(positive ? "+" : "") + Dump(*c.delta) + ")";
    }
    if (c.regression) out += "  REGRESSION";
    out += "\n";
  }
  if (diff.same()) {
    out += "no differences\n";
  } else {
    const size_t n = diff.changes.size(), r = diff.regressions();
    out += std::to_string(n) + (n == 1 ? " change, " : " changes, ") +
           std::to_string(r) + (r == 1 ? " regression\n" : " regressions\n");
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
    changes.push_back(std::move(change));
  }
  Json j = {{"old", {{"build", diff.old_build}}},
            {"new", {{"build", diff.new_build}}},
            {"changes", std::move(changes)},
            {"changed", diff.changes.size()},
            {"regressions", diff.regressions()}};
  return Dump(j, 2) + "\n";
}

}  // namespace ttm
