#include "core/explore/explore.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/trace/event_json.h"

namespace ttm {
namespace {

ExploreOutcome OutcomeOf(const Report& r, std::optional<int64_t> ret) {
  ExploreOutcome o;
  o.exit = ReportExitStatus(r);
  o.ret = ret;
  if (!r.violations.first.empty())
    o.first_violation = ExploreOutcome::FirstViolation{r.violations.first.front().invariant,
                                                       r.violations.first.front().line};
  o.leaks_ok = r.leaks.ok();
  o.mismatches = r.integrity.mismatches;
  o.restarts = r.restore.restarts;
  for (const auto& [name, count] : r.violations.by_invariant) o.invariants.push_back(name);
  return o;
}

bool NewFinding(const ExploreOutcome& plain, const ExploreOutcome& o) {
  const std::set<std::string> before(plain.invariants.begin(), plain.invariants.end());
  for (const std::string& inv : o.invariants)
    if (!before.count(inv)) return true;
  return (plain.leaks_ok && !o.leaks_ok) || (plain.mismatches == 0 && o.mismatches > 0);
}

bool HasRet(const EventBody& body) {
  return std::holds_alternative<PopulateEvent>(body) || std::holds_alternative<ShrinkEvent>(body);
}

// The plain replay, numbering the calls to fail.
struct PlainRun {
  ExploreOutcome outcome;
  std::vector<uint64_t> site_calls;  // numbers among all calls of the site, increasing
  size_t first_event = 0;            // the event during which site_calls[0] is made
  // The plain replay as it stood before event `checkpoint_event`, the last
  // of every 32nd of the trace at or before first_event (nullopt: the start).
  std::optional<Replayer> checkpoint;
  size_t checkpoint_event = 0;
};

Result<PlainRun> RunPlain(const MachineConfig& config, const std::vector<Event>& events,
                          const ExploreOptions& o, Errno error) {
  PlainRun plain;
  Replayer r(config, o.replay);
  const size_t every = std::max<size_t>(1024, events.size() / 32);
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    if (o.snapshot && plain.site_calls.empty() && i > 0 && i % every == 0) {
      plain.checkpoint = r;
      plain.checkpoint_event = i;
    }
    const Engine& engine = r.engine();
    const uint64_t g0 = engine.FaultCalls(o.site, error);
    const bool mine = o.tt && EventTt(ev.body) == o.tt;
    const uint64_t t0 = mine ? engine.FaultCalls(o.site, error, *o.tt).value_or(0) : 0;
    r.Apply(ev);
    const uint64_t g1 = engine.FaultCalls(o.site, error);
    if (g1 == g0) continue;
    uint64_t own = g1 - g0;
    if (o.tt) {
      if (!mine) continue;
      // A freed object's count is gone with it; its free made no calls.
      own = engine.FaultCalls(o.site, error, *o.tt).value_or(t0 + (g1 - g0)) - t0;
      if (own != g1 - g0 && own != 0)
        return Status::InvalidInput(std::to_string(ev.line) + ": " + std::string(OpName(ev.body)) +
                                    ": calls of several objects in one event cannot be numbered");
      if (own == 0) continue;
    }
    if (plain.site_calls.empty()) plain.first_event = i;
    for (uint64_t n = g0 + 1; n <= g1; ++n) plain.site_calls.push_back(n);
  }
  plain.outcome = OutcomeOf(r.Finish(), std::nullopt);
  return plain;
}

// One faulted replay: `from` is the replay before event `start`, which has
// made `calls_before` calls of the site.
ExploreOutcome RunFaulted(Replayer r, const std::vector<Event>& events, size_t start,
                          uint64_t calls_before, uint64_t site_call, const ExploreOptions& o) {
  FailEvent fail;
  fail.site = o.site;
  fail.after = site_call - 1 - calls_before;
  fail.count = 1;
  fail.error = o.error;
  r.Apply(Event{1, std::nullopt, fail});
  std::optional<int64_t> ret;
  for (size_t i = start; i < events.size(); ++i) {
    const uint64_t fired = r.engine().FaultsFired(o.site);
    r.Apply(events[i]);
    if (!ret && r.engine().FaultsFired(o.site) != fired && HasRet(events[i].body)) ret = r.last_ret();
  }
  return OutcomeOf(r.Finish(), ret);
}

}  // namespace

Result<Exploration> Explore(const MachineConfig& config, const std::vector<Event>& events,
                            const ExploreOptions& options) {
  ExploreOptions o = options;
  // The results need no timeline and no behaviour digest.
  o.replay.timeline = nullptr;
  o.replay.behaviour_digest = false;
  const std::string site_name(FaultSiteName(o.site));
  const std::span<const Errno> allowed = trace::FaultSiteErrors(o.site);
  if (o.error && std::find(allowed.begin(), allowed.end(), *o.error) == allowed.end()) {
    std::string can;
    for (Errno e : allowed) can += (can.empty() ? "" : ", ") + ErrnoName(e);
    return Status::Usage("site " + site_name + " cannot raise " + ErrnoName(*o.error) +
                         (allowed.empty() ? " (it raises no error)" : " (it raises " + can + ")"));
  }
  for (const Event& ev : events)
    if (const auto* f = std::get_if<FailEvent>(&ev.body); f && f->site == o.site)
      return Status::InvalidInput(std::to_string(ev.line) + ": fail: the trace arms " + site_name +
                                  " itself; explore arms it, one call at a time");

  Exploration x;
  x.site = o.site;
  x.error = o.error.value_or(allowed.empty() ? kENOMEM : allowed.front());
  x.tt = o.tt;
  Result<PlainRun> plain = RunPlain(config, events, o, x.error);
  if (!plain.ok()) return plain.status();
  x.plain = plain->outcome;
  const std::vector<uint64_t>& calls = plain->site_calls;

  // The snapshot: the plain replay just before the first call to fail,
  // from the last checkpoint before it.
  Replayer from = plain->checkpoint ? *plain->checkpoint : Replayer(config, o.replay);
  size_t start = 0;
  uint64_t calls_before = 0;
  if (o.snapshot && !calls.empty()) {
    start = plain->first_event;
    for (size_t i = plain->checkpoint_event; i < start; ++i) from.Apply(events[i]);
    calls_before = from.engine().FaultCalls(o.site, x.error);
  }

  x.results.resize(calls.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  uint64_t done = 0;
  std::exception_ptr failure;
  auto work = [&] {
    try {
      for (size_t i; (i = next++) < calls.size();) {
        ExploreResult& res = x.results[i];
        res.call = i + 1;
        res.site_call = calls[i];
        res.outcome = RunFaulted(from, events, start, calls_before, calls[i], o);
        res.new_finding = NewFinding(x.plain, res.outcome);
        std::lock_guard<std::mutex> lock(mu);
        if (o.progress) o.progress(++done, calls.size());
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!failure) failure = std::current_exception();
      next = calls.size();
    }
  };
  const size_t threads = std::min<size_t>(std::max(o.jobs, 1u), calls.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return x;
}

int ExploreExitStatus(const Exploration& x) {
  for (const ExploreResult& r : x.results)
    if (r.new_finding) return 1;
  return 0;
}

std::string RenderExploreJson(const Exploration& x) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["site"] = std::string(FaultSiteName(x.site));
  j["error"] = trace::FaultSiteErrors(x.site).empty() ? Json() : Json(ErrnoName(x.error));
  if (x.tt) j["tt"] = *x.tt;
  j["calls"] = x.results.size();
  Json results = Json::array();
  for (const ExploreResult& r : x.results) {
    const ExploreOutcome& o = r.outcome;
    Json e;
    e["call"] = r.call;
    if (x.tt) e["site_call"] = r.site_call;
    e["exit"] = o.exit;
    e["ret"] = o.ret ? Json(*o.ret) : Json();
    e["first_violation"] = o.first_violation ? Json{{"invariant", o.first_violation->invariant},
                                                    {"line", o.first_violation->line}}
                                             : Json();
    e["leaks_ok"] = o.leaks_ok;
    e["mismatches"] = o.mismatches;
    e["restarts"] = o.restarts;
    e["new_finding"] = r.new_finding;
    results.push_back(std::move(e));
  }
  j["results"] = std::move(results);
  return j.dump(2) + "\n";
}

namespace {

// "3.5.4 dma-address at line 9", "leaks", "2 mismatches", "clean", ...
std::string Headline(const ExploreOutcome& o) {
  if (o.first_violation)
    return o.first_violation->invariant + " at line " + std::to_string(o.first_violation->line);
  if (!o.leaks_ok) return "leaks";
  if (o.mismatches > 0) return std::to_string(o.mismatches) + " mismatches";
  if (o.exit != 0) return "failed checks or expectations";
  return "clean";
}

std::string Details(const ExploreOutcome& o) {
  std::string s = "exit " + std::to_string(o.exit);
  if (o.ret) s += ", returned " + ErrnoName(*o.ret);
  if (o.first_violation && !o.leaks_ok) s += ", leaks";
  if (o.first_violation && o.mismatches > 0) s += ", " + std::to_string(o.mismatches) + " mismatches";
  s += ", " + std::to_string(o.restarts) + (o.restarts == 1 ? " restart" : " restarts");
  return s;
}

std::string Calls(uint64_t first, uint64_t last) {
  return first == last ? "call " + std::to_string(first)
                       : "calls " + std::to_string(first) + "\u2013" + std::to_string(last);
}

}  // namespace

std::string RenderExploreText(const Exploration& x) {
  std::string s = "explore: site " + std::string(FaultSiteName(x.site));
  if (!trace::FaultSiteErrors(x.site).empty()) s += ", error " + ErrnoName(x.error);
  s += ", " + std::to_string(x.results.size()) + (x.results.size() == 1 ? " call" : " calls");
  if (x.tt) s += " of tt " + std::to_string(*x.tt);
  s += "\nplain run: " + Headline(x.plain) + " (" + Details(x.plain) + ")\n";
  uint64_t fresh = 0;
  for (size_t i = 0; i < x.results.size();) {
    size_t j = i;
    auto same = [&](const ExploreResult& a, const ExploreResult& b) {
      return Headline(a.outcome) == Headline(b.outcome) && Details(a.outcome) == Details(b.outcome) &&
             a.new_finding == b.new_finding;
    };
    while (j + 1 < x.results.size() && same(x.results[i], x.results[j + 1])) ++j;
    const ExploreResult& r = x.results[i];
    s += Calls(x.results[i].call, x.results[j].call) + ": " + Headline(r.outcome) + " (" +
         Details(r.outcome) + ")" + (r.new_finding ? " [new]" : "") + "\n";
    if (r.new_finding) fresh += j - i + 1;
    i = j + 1;
  }
  s += std::to_string(fresh) + " of " + std::to_string(x.results.size()) +
       " calls lead to a finding the plain run does not have\n";
  return s;
}

}  // namespace ttm
