#include "replay_tests/report_check.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

std::optional<Json> Parse(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::string Text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

std::optional<std::string> StripRun(const std::string& report_json) {
  std::optional<Json> j = Parse(report_json);
  if (!j) return std::nullopt;
  j->erase("run");
  return j->dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::vector<std::string> SelfCheckFailures(const std::string& report_json,
                                           const std::optional<std::vector<std::string>>& violations) {
  std::optional<Json> j = Parse(report_json);
  if (!j) return {"not a JSON report"};
  std::vector<std::string> out;
  const Json checks = j->value("checks", Json::object());
  for (const Json& f : checks.value("failures", Json::array()))
    out.push_back("line " + Text(f.value("line", Json())) + ": check failed: " +
                  Text(f.value("invariant", Json())) + ": " + Text(f.value("what", Json())));
  if (checks.value("failed", 0) > 0 && checks.value("failures", Json::array()).empty())
    out.push_back(Text(checks["failed"]) + " check(s) failed");
  const Json expectations = j->value("expectations", Json::object());
  for (const Json& f : expectations.value("failures", Json::array()))
    out.push_back("line " + Text(f.value("line", Json())) + ": expect failed: " +
                  Text(f.value("assertion", Json())) + ": expected " + f.value("expected", Json()).dump() +
                  ", found " + f.value("found", Json()).dump());
  if (expectations.value("failed", 0) > 0 && expectations.value("failures", Json::array()).empty())
    out.push_back(Text(expectations["failed"]) + " expectation(s) failed");
  if (violations) {
    std::vector<std::string> found;
    const Json by = j->value("violations", Json::object()).value("by_invariant", Json::object());
    for (const auto& [name, count] : by.items()) found.push_back(name);
    std::vector<std::string> want = *violations;
    std::sort(want.begin(), want.end());
    std::sort(found.begin(), found.end());
    if (found != want)
      out.push_back("violated invariants are " + Join(found) + ", the trace states " + Join(want));
  }
  return out;
}

}  // namespace ttm
