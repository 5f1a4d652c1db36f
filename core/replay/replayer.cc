#include "core/replay/replayer.h"

#include <algorithm>

#include <utility>
#include <vector>

namespace ttm {
namespace {

constexpr uint64_t kNoTt = ~uint64_t{0};

}  // namespace

Replayer::Replayer(const MachineConfig& config, ReplayOptions options)
    : engine_(config, SemanticsFromName(options.semantics).value_or(Semantics::kV13),
              options.engine),
      options_(std::move(options)) {
  if (options_.check_every == 0) options_.check_every = 1;
  report_.config = config;
  report_.options = Report::Options{.semantics = options_.semantics, .check_every = options_.check_every};
}

void Replayer::AddViolation(uint64_t line, const Violation& v) {
  entry_.violations.push_back(InvariantName(v.invariant));
  report_.violations.Add(Report::ViolationEntry{line, v.tt, std::string(InvariantName(v.invariant)), v.what});
}

// Runs the checker. Findings for the objects checked (touched since the
// last run, or all with CheckScope::kFull) and the global ones replace what stood
// before for them; new ones are reported.
void Replayer::RunChecker(uint64_t line, CheckScope scope, bool from_check_event) {
  const std::vector<Violation> found = engine_.Check(scope);
  std::vector<std::pair<int, uint64_t>>& now = now_;
  now.clear();
  std::vector<Report::CheckFailure> findings;
  for (const Violation& v : found) {
    const auto key = std::make_pair(static_cast<int>(v.invariant), v.tt.value_or(kNoTt));
    now.push_back(key);
    if (!standing_.count(key)) AddViolation(line, v);
    if (from_check_event)
      findings.push_back(Report::CheckFailure{line, std::string(InvariantName(v.invariant)), v.what});
  }
  if (!findings.empty()) report_.checks.Fail(std::move(findings));
  // Nothing standing and nothing found (the usual case): nothing to settle.
  if (!standing_.empty() || !now.empty()) {
    std::sort(now.begin(), now.end());
    now.erase(std::unique(now.begin(), now.end()), now.end());
    if (touched_.size() > 1) {
      std::sort(touched_.begin(), touched_.end());
      touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
    }
    for (auto it = standing_.begin(); it != standing_.end();) {
      const bool checked = scope == CheckScope::kFull || it->second == kNoTt ||
                           std::binary_search(touched_.begin(), touched_.end(), it->second);
      it = checked && !std::binary_search(now.begin(), now.end(), *it) ? standing_.erase(it) : std::next(it);
    }
    standing_.insert(now.begin(), now.end());
  }
  touched_.clear();
  since_check_ = 0;
  if (from_check_event && found.empty()) report_.checks.Pass();
}

void Replayer::Apply(const Event& event) {
  ++events_;
  last_line_ = event.line;
  ++report_.events[event.body.index()];
  if (const auto* e = std::get_if<ExpectEvent>(&event.body)) {
    Expect(event.line, *e);
    return;
  }
  if (std::holds_alternative<CheckEvent>(event.body)) {
    RunChecker(event.line, CheckScope::kFull, /*from_check_event=*/true);
    return;
  }
  const std::optional<uint64_t> tt = EventTt(event.body);
  if (tt) touched_.push_back(*tt);
  const Outcome out = engine_.Apply(event.body);
  if (out.has_ret) {
    last_ret_ = out.ret;
    report_.results.Count(OpName(event.body), out.ret);
  }
  entry_.violations.clear();
  for (const Violation& v : out.violations) AddViolation(event.line, v);
  if (++since_check_ >= options_.check_every) RunChecker(event.line, CheckScope::kTouched, /*from_check_event=*/false);
  if (HasTimelineLine(event.body)) Timeline(event, tt, out);
}

// The event's timeline line: what an `expect` right after it would see,
// and the violations it brought. `tt`: EventTt(event.body), found once.
void Replayer::Timeline(const Event& event, std::optional<uint64_t> tt, const Outcome& out) {
  if (!options_.behaviour_digest && !options_.timeline) return;
  // entry_ is filled in place, field by field: a fresh TimelineEntry was
  // zeroed whole first (a `rep stos`, half of this function's time).
  TimelineEntry& e = entry_;
  e.line = event.line;
  e.op = OpName(event.body);
  e.tt = tt;
  e.ret = out.has_ret ? std::optional<int64_t>(out.ret) : std::nullopt;
  // The object and the globals as the engine read them when the event
  // ended (the checker in between changes neither).
  if (out.object) {
    const TtStatus& st = *out.object;
    e.object = TimelineObject{st.state, st.resident, st.backed_up, st.empty, st.restore_pending};
  } else {
    e.object.reset();
  }
  e.system_used_pages = out.global.system_used_pages;
  e.pool_pages = out.global.pool_pages;
  e.backup_pages = out.global.backup_pages;
  e.live_tts = out.global.live_tts;
  // Rendered straight into the digest's buffer when there is a digest.
  const size_t max_size = TimelineLineMaxSize(e);
  char* start;
  if (options_.behaviour_digest) {
    start = digest_.LineSpace(max_size);
  } else {
    if (line_.size() < max_size) line_.resize(max_size);
    start = line_.data();
  }
  const size_t size = static_cast<size_t>(PutTimelineLine(e, start) - start);
  if (options_.behaviour_digest) digest_.CommitLine(start, size);
  if (options_.timeline) options_.timeline(std::string_view(start, size));
}

void Replayer::Expect(uint64_t line, const ExpectEvent& e) {
  std::vector<Report::ExpectationFailure> failed;
  auto check = [&](const char* name, const auto& want, const auto& have) {
    if (want && !(have && *have == *want))
      failed.push_back(Report::ExpectationFailure{line, name, ReportValue(*want),
                                                  have ? ReportValue(*have) : ReportValue()});
  };
  check("ret", e.ret, last_ret_);
  if (e.tt) {
    const std::optional<TtStatus> st = engine_.Inspect(*e.tt);
    auto field = [&](auto member) {
      using T = std::decay_t<decltype((*st).*member)>;
      return st ? std::optional<T>((*st).*member) : std::nullopt;
    };
    if (e.state) {
      const std::optional<TtState> have = field(&TtStatus::state);
      if (!(have && *have == *e.state))
        failed.push_back(Report::ExpectationFailure{
            line, "state", ReportValue(std::string(TtStateName(*e.state))),
            have ? ReportValue(std::string(TtStateName(*have))) : ReportValue()});
    }
    check("resident", e.resident, field(&TtStatus::resident));
    check("backed_up", e.backed_up, field(&TtStatus::backed_up));
    check("empty", e.empty, field(&TtStatus::empty));
    check("restore_pending", e.restore_pending, field(&TtStatus::restore_pending));
    check("intact", e.intact, field(&TtStatus::intact));
  }
  const GlobalStatus g = engine_.Global();
  check("system_used_pages", e.system_used_pages, std::optional<uint64_t>(g.system_used_pages));
  check("pool_pages", e.pool_pages, std::optional<uint64_t>(g.pool_pages));
  check("backup_pages", e.backup_pages, std::optional<uint64_t>(g.backup_pages));
  check("live_tts", e.live_tts, std::optional<uint64_t>(g.live_tts));
  check("violations", e.violations, std::optional<uint64_t>(report_.violations.count));
  if (failed.empty())
    report_.expectations.Pass();
  else
    report_.expectations.Fail(std::move(failed));
}

void FillCounters(const Counters& c, Report& r) {
  r.memory = c.memory;
  r.restore = c.restore;
  r.backup = c.backup;
  r.pool = c.pool;
  r.integrity = c.integrity;
}

Report Replayer::Finish() {
  if (since_check_ > 0) RunChecker(last_line_, CheckScope::kTouched, /*from_check_event=*/false);
  LeakReport leaks = engine_.Teardown();
  for (const Violation& v : leaks.violations) AddViolation(last_line_, v);
  report_.leaks = Report::Leaks{leaks.live_tts, leaks.pages, leaks.handles, leaks.restore_states};

  report_.trace.events = events_;
  FillCounters(engine_.counters(), report_);
  if (options_.behaviour_digest) report_.behaviour = Report::Behaviour{digest_.Hex(), digest_.lines()};
  return std::move(report_);
}

}  // namespace ttm
