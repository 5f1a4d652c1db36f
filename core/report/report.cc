#include "core/report/report.h"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

Json ValueToJson(const ReportValue& v) {
  return std::visit(
      [](const auto& x) -> Json {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>)
          return nullptr;
        else
          return Json(x);
      },
      v);
}

Json ResultCountsToJson(const ResultCounts& counts) {
  Json out = Json::object();
  for (const auto& [name, n] : counts) out[name] = n;
  return out;
}

Json ToJson(const Report& r) {
  Json j = Json::object();
  j["format"] = kReportFormatName;
  j["version"] = kReportVersion;

  j["trace"] = {{"sha256", r.trace.sha256}, {"events", r.trace.events}};

  const MachineConfig& c = r.config;
  j["config"] = {{"system_pages", c.system_pages},
                 {"dma32_pages", c.dma32_pages},
                 {"swap_pages", c.swap_pages},
                 {"max_order", c.max_order},
                 {"pool_limit_pages", c.pool_limit_pages},
                 {"use_dma_alloc", c.use_dma_alloc},
                 {"use_dma32", c.use_dma32},
                 {"numa_node", c.numa_node}};

  j["options"] = {{"semantics", r.options.semantics}, {"check_every", r.options.check_every}};

  Json events = Json::object();
  for (int i = 0; i < kNumOps; ++i)
    events[std::string(OpNameByIndex(i))] = r.events[i];
  j["events"] = std::move(events);

  j["results"] = {{"populate", ResultCountsToJson(r.results.populate)},
                  {"shrink", ResultCountsToJson(r.results.shrink)}};

  const Report::Memory& m = r.memory;
  j["memory"] = {{"freed_pages", m.freed_pages()},
                 {"freed_bytes", m.freed_bytes()},
                 {"backed_up_pages", m.backed_up_pages},
                 {"purged_pages", m.purged_pages},
                 {"pool_shrunk_pages", m.pool_shrunk_pages},
                 {"peak_system_pages", m.peak_system_pages},
                 {"peak_backup_pages", m.peak_backup_pages},
                 {"peak_pool_pages", m.peak_pool_pages},
                 {"writeback_pages", m.writeback_pages}};

  const Report::Restore& rs = r.restore;
  j["restore"] = {{"started", rs.started},
                  {"completed", rs.completed},
                  {"restarts", rs.restarts},
                  {"failed", rs.failed},
                  {"pages_from_backup", rs.pages_from_backup},
                  {"pages_from_retained", rs.pages_from_retained}};

  j["backup"] = {{"partial", r.backup.partial},
                 {"ebusy", r.backup.ebusy},
                 {"failed_pages", r.backup.failed_pages}};

  j["pool"] = {{"hits", r.pool.hits},
               {"misses", r.pool.misses},
               {"order_fallbacks", r.pool.order_fallbacks},
               {"splits", r.pool.splits},
               {"caching_changes", r.pool.caching_changes}};

  j["leaks"] = {{"ok", r.leaks.ok()},
                {"live_tts", r.leaks.live_tts},
                {"pages", r.leaks.pages},
                {"handles", r.leaks.handles},
                {"restore_states", r.leaks.restore_states}};

  j["integrity"] = {{"ok", r.integrity.ok()},
                    {"pages_verified", r.integrity.pages_verified},
                    {"mismatches", r.integrity.mismatches}};

  Json by_invariant = Json::object();
  for (const auto& [name, n] : r.violations.by_invariant) by_invariant[name] = n;
  Json first = Json::array();
  for (size_t i = 0; i < r.violations.first.size() && i < kMaxFirstViolations;
       ++i) {
    const Report::ViolationEntry& v = r.violations.first[i];
    Json tt = v.tt ? Json(*v.tt) : Json(nullptr);
    first.push_back({{"line", v.line},
                     {"tt", tt},
                     {"invariant", v.invariant},
                     {"what", v.what}});
  }
  j["violations"] = {{"count", r.violations.count},
                     {"by_invariant", std::move(by_invariant)},
                     {"first", std::move(first)}};

  Json check_failures = Json::array();
  for (size_t i = 0; i < r.checks.failures.size() && i < kMaxListedFailures;
       ++i) {
    const Report::CheckFailure& f = r.checks.failures[i];
    check_failures.push_back(
        {{"line", f.line}, {"invariant", f.invariant}, {"what", f.what}});
  }
  j["checks"] = {{"passed", r.checks.passed},
                 {"failed", r.checks.failed},
                 {"failures", std::move(check_failures)}};

  Json expect_failures = Json::array();
  for (size_t i = 0;
       i < r.expectations.failures.size() && i < kMaxListedFailures; ++i) {
    const Report::ExpectationFailure& f = r.expectations.failures[i];
    expect_failures.push_back({{"line", f.line},
                               {"assertion", f.assertion},
                               {"expected", ValueToJson(f.expected)},
                               {"found", ValueToJson(f.found)}});
  }
  j["expectations"] = {{"passed", r.expectations.passed},
                       {"failed", r.expectations.failed},
                       {"failures", std::move(expect_failures)}};

  if (r.behaviour)
    j["behaviour"] = {{"digest", r.behaviour->digest}, {"events", r.behaviour->events}};

  Json run = {{"tool", r.run.tool},
              {"build", r.run.build},
              {"wall_ms", r.run.wall_ms}};
  for (const auto& [key, value] : r.run.extras) run[key] = ValueToJson(value);
  j["run"] = std::move(run);
  return j;
}

// printf into a std::string, however long the invariant text is.
template <typename... Args>
std::string Format(const char* fmt, Args... args) {
  const int n = std::snprintf(nullptr, 0, fmt, args...);
  if (n <= 0) return "";
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), fmt, args...);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string ValueText(const ReportValue& v) {
  return ValueToJson(v).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// "3 (2 x 3.5.3 dma-unmap-once, 1 x 3.6.1 restored-content)"
std::string ByInvariantText(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [name, n] : counts) {
    out += out.empty() ? "" : ", ";
    out += Format("%" PRIu64 " x %s", n, name.c_str());
  }
  return out;
}

// How many entries of a failure list the summary shows; the JSON has them
// all (up to its own cap).
constexpr size_t kSummaryListed = 3;

}  // namespace

bool ResultKeyLess::operator()(const std::string& a,
                               const std::string& b) const {
  const bool a_ok = a == "ok", b_ok = b == "ok";
  if (a_ok != b_ok) return a_ok;
  return a < b;
}

void Report::Results::Count(std::string_view op, int64_t ret) {
  ResultCounts* counts = op == "populate" ? &populate
                         : op == "shrink" ? &shrink
                                          : nullptr;
  // A positive return (pages backed up) is a success like 0.
  if (counts != nullptr) ++(*counts)[ErrnoName(ret > 0 ? 0 : ret)];
}

void Report::Violations::Add(ViolationEntry v) {
  ++count;
  ++by_invariant[v.invariant];
  if (first.size() < kMaxFirstViolations) first.push_back(std::move(v));
}

void Report::Checks::Fail(CheckFailure f) {
  ++failed;
  if (failures.size() < kMaxListedFailures) failures.push_back(std::move(f));
}

void Report::Expectations::Fail(std::vector<ExpectationFailure> assertions) {
  ++failed;
  for (ExpectationFailure& f : assertions) {
    if (failures.size() >= kMaxListedFailures) break;
    failures.push_back(std::move(f));
  }
}

std::string RenderReportJson(const Report& report) {
  // Replace rather than throw on invalid UTF-8 in a message: rendering a
  // report never fails.
  return ToJson(report).dump(2, ' ', false, Json::error_handler_t::replace) +
         "\n";
}

std::string RenderSummary(const Report& r) {
  std::string out;
  auto line = [&out](const std::string& s) { out += s + "\n"; };

  const Report::Memory& m = r.memory;
  line(Format("memory freed: %" PRIu64 " pages (%.1f MiB): %" PRIu64
              " backed up, %" PRIu64 " purged; pool shrinker gave back %" PRIu64
              " pages",
              m.freed_pages(),
              static_cast<double>(m.freed_bytes()) / (1024.0 * 1024.0),
              m.backed_up_pages, m.purged_pages, m.pool_shrunk_pages));

  const Report::Restore& rs = r.restore;
  line(Format("restore: %" PRIu64 " started, %" PRIu64 " completed, %" PRIu64
              " restarts, %" PRIu64 " failed",
              rs.started, rs.completed, rs.restarts, rs.failed));

  const Report::Leaks& lk = r.leaks;
  if (lk.ok()) {
    line(Format("leaks: ok (%" PRIu64 " objects left alive by the trace)",
                lk.live_tts));
  } else {
    line(Format("leaks: LEAK: %" PRIu64 " pages, %" PRIu64
                " backup handles, %" PRIu64
                " restore states never came back after teardown",
                lk.pages, lk.handles, lk.restore_states));
  }

  if (r.integrity.ok()) {
    line(Format("integrity: ok (%" PRIu64 " pages verified)",
                r.integrity.pages_verified));
  } else {
    line(Format("integrity: DATA LOSS: %" PRIu64 " of %" PRIu64
                " verified pages differ",
                r.integrity.mismatches, r.integrity.pages_verified));
  }

  if (r.violations.count == 0) {
    line("violations: none");
  } else {
    line(Format("violations: %" PRIu64 " (%s)", r.violations.count,
                ByInvariantText(r.violations.by_invariant).c_str()));
    for (size_t i = 0; i < r.violations.first.size() && i < kSummaryListed;
         ++i) {
      const Report::ViolationEntry& v = r.violations.first[i];
      std::string tt = v.tt ? Format(" tt %" PRIu64, *v.tt) : "";
      line(Format("  line %" PRIu64 "%s: %s: %s", v.line, tt.c_str(),
                  v.invariant.c_str(), v.what.c_str()));
    }
  }

  if (r.options.check_every > 1)
    line(Format("  note: the checker ran once every %" PRIu64
                " events: a transient violation, one that came and went between two checks, may"
                " have been missed",
                r.options.check_every));

  line(Format("checks: %" PRIu64 " passed, %" PRIu64 " failed",
              r.checks.passed, r.checks.failed));
  for (size_t i = 0; i < r.checks.failures.size() && i < kSummaryListed; ++i) {
    const Report::CheckFailure& f = r.checks.failures[i];
    line(Format("  line %" PRIu64 ": %s: %s", f.line, f.invariant.c_str(),
                f.what.c_str()));
  }

  line(Format("expectations: %" PRIu64 " passed, %" PRIu64 " failed",
              r.expectations.passed, r.expectations.failed));
  for (size_t i = 0; i < r.expectations.failures.size() && i < kSummaryListed;
       ++i) {
    const Report::ExpectationFailure& f = r.expectations.failures[i];
    line(Format("  line %" PRIu64 ": %s: expected %s, found %s", f.line,
                f.assertion.c_str(), ValueText(f.expected).c_str(),
                ValueText(f.found).c_str()));
  }

  if (ReportExitStatus(r) == 0) {
    line("verdict: clean");
  } else {
    std::string what;
    auto add = [&what](bool bad, const char* name) {
      if (bad) what += what.empty() ? name : std::string(", ") + name;
    };
    add(!lk.ok(), "leak");
    add(!r.integrity.ok(), "integrity mismatch");
    add(r.violations.count > 0, "invariant violations");
    add(r.checks.failed > 0, "failed checks");
    add(r.expectations.failed > 0, "failed expectations");
    line("verdict: FINDINGS: " + what);
  }
  return out;
}

int ReportExitStatus(const Report& r) {
  const bool findings = !r.leaks.ok() || !r.integrity.ok() ||
                        r.violations.count > 0 || r.checks.failed > 0 ||
                        r.expectations.failed > 0;
  return findings ? 1 : 0;
}

}  // namespace ttm
