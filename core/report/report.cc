#include "core/report/report.h"

#include <algorithm>
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

// A counter section: `first` (its derived fields), then each counter of
// its table under the counter's name.
template <typename Section, size_t N>
Json CounterSection(const Section& section, const CounterField<Section> (&fields)[N],
                    Json first = Json::object()) {
  for (const CounterField<Section>& f : fields) first[std::string(f.name)] = section.*f.member;
  return first;
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
  j["memory"] = CounterSection(m, kMemoryCounterFields,
                               {{"freed_pages", m.freed_pages()}, {"freed_bytes", m.freed_bytes()}});
  j["restore"] = CounterSection(r.restore, kRestoreCounterFields);
  j["backup"] = CounterSection(r.backup, kBackupCounterFields);
  j["pool"] = CounterSection(r.pool, kPoolCounterFields);

  j["leaks"] = {{"ok", r.leaks.ok()},
                {"live_tts", r.leaks.live_tts},
                {"pages", r.leaks.pages},
                {"handles", r.leaks.handles},
                {"restore_states", r.leaks.restore_states}};

  j["integrity"] = CounterSection(r.integrity, kIntegrityCounterFields, {{"ok", r.integrity.ok()}});

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

// "1 restart", "2 restarts".
std::string Counted(uint64_t n, const char* one, const char* many) {
  return Format("%" PRIu64 " %s", n, n == 1 ? one : many);
}

// A value an `expect` assertion compared, as a trace would write it: a
// return value with an errno name is shown by that name ("ENOMEM", not -12).
std::string AssertedText(const std::string& assertion, const ReportValue& v) {
  if (assertion == "ret") {
    if (const int64_t* ret = std::get_if<int64_t>(&v); ret && *ret < 0) {
      const std::string name = ErrnoName(*ret);
      if (ErrnoFromName(name)) return name;
    }
  }
  return ValueText(v);
}

// Failure entries of consecutive equal lines joined into one summary line,
// "  line N: a; b", in list order: one line per failed event.
template <class Failure, class Describe>
std::vector<std::string> GroupByLine(const std::vector<Failure>& failures, Describe describe) {
  std::vector<std::string> out;
  for (size_t i = 0; i < failures.size(); ++i) {
    if (i > 0 && failures[i].line == failures[i - 1].line) {
      out.back() += "; " + describe(failures[i]);
    } else {
      out.push_back(Format("  line %" PRIu64 ": ", failures[i].line) + describe(failures[i]));
    }
  }
  return out;
}

}  // namespace

void Report::Results::Count(std::string_view op, int64_t ret) {
  ResultCounts* counts = op == "populate" ? &populate
                         : op == "shrink" ? &shrink
                                          : nullptr;
  // A positive return (pages backed up) is a success like 0.
  if (counts == nullptr) return;
  // Most returns are 0: "ok" needs no name looked up, nor a search (it
  // sorts first, ResultKeyLess: when counted before, it is the first key).
  if (ret >= 0 && !counts->empty() && counts->begin()->first == "ok") {
    ++counts->begin()->second;
    return;
  }
  ++(*counts)[ErrnoName(ret > 0 ? 0 : ret)];
}

void Report::Violations::Add(ViolationEntry v) {
  ++count;
  ++by_invariant[v.invariant];
  if (first.size() < kMaxFirstViolations) first.push_back(std::move(v));
}

void Report::Checks::Fail(CheckFailure f) { Fail(std::vector<CheckFailure>{std::move(f)}); }

void Report::Checks::Fail(std::vector<CheckFailure> findings) {
  ++failed;
  for (CheckFailure& f : findings) {
    if (failures.size() >= kMaxListedFailures) break;
    failures.push_back(std::move(f));
  }
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
  // After a list cut to kSummaryListed entries of `total`.
  auto more = [&line](uint64_t total, uint64_t shown) {
    if (total > shown) line(Format("  \u2026 %" PRIu64 " more", total - shown));
  };

  const Report::Memory& m = r.memory;
  line(Format("memory freed: %" PRIu64 " pages (%.1f MiB): %" PRIu64
              " backed up, %" PRIu64 " purged; pool shrinker gave back %" PRIu64
              " pages",
              m.freed_pages(),
              static_cast<double>(m.freed_bytes()) / (1024.0 * 1024.0),
              m.backed_up_pages, m.purged_pages, m.pool_shrunk_pages));

  const Report::Restore& rs = r.restore;
  line("restore: " + Counted(rs.started, "started", "started") + ", " +
       Counted(rs.completed, "completed", "completed") + ", " +
       Counted(rs.failed, "failed attempt", "failed attempts") + ", " +
       Counted(rs.restarts, "restart", "restarts"));

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

  // pages_verified counts comparisons, one each time a page is brought back
  // from a backup: a page restored twice counts twice.
  if (r.integrity.ok()) {
    line("integrity: ok (" +
         Counted(r.integrity.pages_verified, "page restore", "page restores") +
         " compared with the last write)");
  } else {
    line(Format("integrity: DATA LOSS: %" PRIu64 " of %s did not bring back the last write",
                r.integrity.mismatches,
                Counted(r.integrity.pages_verified, "page restore", "page restores").c_str()));
  }

  if (r.violations.count == 0) {
    line("violations: none");
  } else {
    line(Format("violations: %" PRIu64 " (%s)", r.violations.count,
                ByInvariantText(r.violations.by_invariant).c_str()));
    size_t shown = 0;
    for (; shown < r.violations.first.size() && shown < kSummaryListed; ++shown) {
      const Report::ViolationEntry& v = r.violations.first[shown];
      std::string tt = v.tt ? Format(" tt %" PRIu64, *v.tt) : "";
      line(Format("  line %" PRIu64 "%s: %s: %s", v.line, tt.c_str(),
                  v.invariant.c_str(), v.what.c_str()));
    }
    more(r.violations.count, shown);
  }

  if (r.options.check_every > 1)
    line(Format("  note: the checker ran once every %" PRIu64
                " events: a transient violation, one that came and went between two checks, may"
                " have been missed",
                r.options.check_every));

  // One line per failed check event: what it found.
  line(Format("checks: %" PRIu64 " passed, %" PRIu64 " failed", r.checks.passed,
              r.checks.failed));
  const std::vector<std::string> checks = GroupByLine(
      r.checks.failures, [](const Report::CheckFailure& f) { return f.invariant + ": " + f.what; });
  for (size_t i = 0; i < checks.size() && i < kSummaryListed; ++i) line(checks[i]);
  more(r.checks.failed, std::min<uint64_t>(checks.size(), kSummaryListed));

  // One line per failed expect event: each assertion that failed.
  line(Format("expectations: %" PRIu64 " passed, %" PRIu64 " failed",
              r.expectations.passed, r.expectations.failed));
  const std::vector<std::string> expectations =
      GroupByLine(r.expectations.failures, [](const Report::ExpectationFailure& f) {
        return f.assertion + ": expected " + AssertedText(f.assertion, f.expected) + ", found " +
               AssertedText(f.assertion, f.found);
      });
  for (size_t i = 0; i < expectations.size() && i < kSummaryListed; ++i) line(expectations[i]);
  more(r.expectations.failed, std::min<uint64_t>(expectations.size(), kSummaryListed));

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
