#include "core/explore/reduce.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "core/trace/byte_source.h"
#include "core/trace/trace_reader.h"
#include "core/trace/whole_trace.h"

namespace ttm {
namespace {

using Events = std::vector<Event>;
using Indices = std::vector<size_t>;

std::string ValueText(const ReportValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "null";
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return x;
        else return std::to_string(x);
      },
      v);
}

std::string FailureText(const Report::ExpectationFailure& f) {
  auto text = [&](const ReportValue& v) {
    // A return value reads as its errno name.
    if (const auto* ret = std::get_if<int64_t>(&v); ret && f.assertion == "ret") return ErrnoName(*ret);
    return ValueText(v);
  };
  return f.assertion + " expected " + text(f.expected) + ", found " + text(f.found);
}

// What a replay of `events` shows of the property (compared as text), or
// nullopt when it shows nothing of it. Stops at the first violation or
// failed assertion when that decides.
std::optional<std::string> Signature(const MachineConfig& config, const Events& events,
                                     KeepProperty keep, const ReplayOptions& replay) {
  Replayer r(config, replay);
  for (const Event& e : events) {
    r.Apply(e);
    const Report& so_far = r.report();
    if (keep == KeepProperty::kFirstViolation && !so_far.violations.first.empty())
      return so_far.violations.first.front().invariant;
    if (keep == KeepProperty::kExpectFailure && !so_far.expectations.failures.empty())
      return FailureText(so_far.expectations.failures.front());
  }
  const Report report = r.Finish();
  switch (keep) {
    case KeepProperty::kFirstViolation:
      if (report.violations.first.empty()) return std::nullopt;
      return report.violations.first.front().invariant;
    case KeepProperty::kExit:
      return std::to_string(ReportExitStatus(report));
    case KeepProperty::kExpectFailure:
      return std::nullopt;
  }
  return std::nullopt;
}

// Whether the trace layer accepts the events (the id rules, write bounds).
bool Valid(const trace::TraceHeader& header, const Events& events) {
  std::istringstream text(trace::TraceText(header, events));
  Result<std::unique_ptr<trace::TraceReader>> reader =
      trace::TraceReader::FromSource(trace::IstreamSource(text), "candidate");
  if (!reader.ok()) return false;
  for (Event e;;) {
    Result<bool> more = (*reader)->Next(&e);
    if (!more.ok()) return false;
    if (!*more) return true;
  }
}

Events Pick(const Events& base, const Indices& picked) {
  Events out;
  out.reserve(picked.size());
  for (size_t i : picked) out.push_back(base[i]);
  return out;
}

// The groups of events that go or stay together, over the original trace.
struct Unit {
  Indices events;
  bool assertion = false;       // an expect or check event
  std::optional<size_t> needs;  // an expect naming a tt: the unit of that object
};

std::vector<Unit> Units(const Events& events) {
  std::vector<Unit> units;
  std::map<uint64_t, size_t> live;  // tt id -> its unit
  for (size_t i = 0; i < events.size(); ++i) {
    const EventBody& body = events[i].body;
    if (const auto* a = std::get_if<AllocateEvent>(&body)) {
      live[a->tt] = units.size();
      units.push_back(Unit{{i}, false, std::nullopt});
    } else if (std::optional<uint64_t> tt = EventTt(body)) {
      auto it = live.find(*tt);  // the trace layer made sure it is live
      units[it->second].events.push_back(i);
      if (std::holds_alternative<FreeEvent>(body)) live.erase(it);
    } else if (const auto* x = std::get_if<ExpectEvent>(&body)) {
      Unit u{{i}, true, std::nullopt};
      if (x->tt) u.needs = live.at(*x->tt);
      units.push_back(u);
    } else {
      units.push_back(Unit{{i}, std::holds_alternative<CheckEvent>(body), std::nullopt});
    }
  }
  return units;
}

class Reducer {
 public:
  Reducer(const MachineConfig& config, trace::TraceHeader header, const ReduceOptions& options,
          std::string target)
      : config_(config), header_(std::move(header)), options_(options), target_(std::move(target)) {}

  // The first of `candidates` (in order) that is a valid trace when
  // `validate` and keeps the property; up to `jobs` are replayed at once.
  std::optional<size_t> FirstHolding(const std::vector<Events>& candidates, bool validate) {
    const size_t jobs = std::max(options_.jobs, 1u);
    for (size_t begin = 0; begin < candidates.size(); begin += jobs) {
      const size_t end = std::min(candidates.size(), begin + jobs);
      std::vector<char> holds(end - begin, 0);
      std::atomic<size_t> next{begin};
      std::exception_ptr failure;
      std::mutex mu;
      auto work = [&] {
        try {
          for (size_t i; (i = next++) < end;) {
            const Events& c = candidates[i];
            holds[i - begin] = (!validate || Valid(header_, c)) &&
                               Signature(config_, c, options_.keep, options_.replay) == target_;
          }
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failure) failure = std::current_exception();
        }
      };
      std::vector<std::thread> pool;
      for (size_t t = begin + 1; t < end; ++t) pool.emplace_back(work);
      work();
      for (std::thread& t : pool) t.join();
      if (failure) std::rethrow_exception(failure);
      tests_ += end - begin;
      for (size_t i = begin; i < end; ++i) {
        if (options_.progress) options_.progress(stage_, best_, tests_);
        if (holds[i - begin]) return i;
      }
    }
    return std::nullopt;
  }

  // ddmin over `items` (each a set of indices into `base`); `build` turns
  // the kept items into the sorted event indices of a candidate.
  template <typename Build>
  std::vector<size_t> DdMin(const Events& base, size_t items, Build build, bool validate) {
    std::vector<size_t> cur(items);
    for (size_t i = 0; i < items; ++i) cur[i] = i;
    std::map<Indices, bool> tried;
    // Candidates in order; each is the list of kept items.
    auto first = [&](const std::vector<std::vector<size_t>>& sets) -> std::optional<size_t> {
      std::vector<Events> candidates;
      std::vector<size_t> which;
      std::vector<Indices> keys;
      for (size_t s = 0; s < sets.size(); ++s) {
        Indices key = build(sets[s]);
        if (tried.count(key)) continue;
        tried[key] = false;
        candidates.push_back(Pick(base, key));
        which.push_back(s);
        keys.push_back(std::move(key));
      }
      std::optional<size_t> hit = FirstHolding(candidates, validate);
      if (!hit) return std::nullopt;
      best_ = candidates[*hit].size();
      return which[*hit];
    };
    if (first({{}})) return {};
    size_t n = 2;
    while (cur.size() >= 2) {
      n = std::min(n, cur.size());
      std::vector<std::vector<size_t>> chunks(n), sets;
      for (size_t i = 0; i < cur.size(); ++i) chunks[i * n / cur.size()].push_back(cur[i]);
      for (const auto& c : chunks) sets.push_back(c);
      for (size_t k = 0; k < n && n > 2; ++k) {
        std::vector<size_t> rest;
        for (size_t j = 0; j < n; ++j)
          if (j != k) rest.insert(rest.end(), chunks[j].begin(), chunks[j].end());
        sets.push_back(std::move(rest));
      }
      std::optional<size_t> hit = first(sets);
      if (hit && *hit < n) {
        cur = chunks[*hit];
        n = 2;
      } else if (hit) {
        cur = sets[*hit];
        n = std::max<size_t>(n - 1, 2);
      } else if (n < cur.size()) {
        n = std::min(2 * n, cur.size());
      } else {
        break;
      }
    }
    return cur;
  }

  void set_stage(std::string_view stage, uint64_t events) {
    stage_ = stage;
    best_ = events;
  }
  uint64_t tests() const { return tests_; }

 private:
  const MachineConfig& config_;
  trace::TraceHeader header_;
  const ReduceOptions& options_;
  std::string target_;
  std::string_view stage_;
  uint64_t best_ = 0;
  uint64_t tests_ = 0;
};

// Values to try for a number that may shrink to `least`, nearest first:
// least, then halfway, a quarter of the way ..., then value - 1.
std::vector<uint64_t> Smaller(uint64_t value, uint64_t least) {
  std::vector<uint64_t> v;
  if (value <= least) return v;
  v.push_back(least);
  for (uint64_t gap = (value - least) / 2; gap > 0; gap /= 2)
    if (value - gap != v.back()) v.push_back(value - gap);
  if (v.back() != value - 1) v.push_back(value - 1);
  return v;
}

// An allocate of `pages` at `at`: the object's writes that would reach
// beyond it are clipped.
Events WithPages(Events events, size_t at, uint64_t pages) {
  auto& a = std::get<AllocateEvent>(events[at].body);
  a.pages = pages;
  for (size_t i = at + 1; i < events.size(); ++i) {
    if (EventTt(events[i].body) != a.tt) continue;
    if (std::holds_alternative<FreeEvent>(events[i].body)) break;
    if (auto* w = std::get_if<WriteEvent>(&events[i].body); w && w->count) {
      const uint64_t first = w->first.value_or(0);
      if (first < pages && first + *w->count > pages) w->count = pages - first;
    }
  }
  return events;
}

// One pass of shrinking inside events. Return: whether anything shrank.
bool ShrinkInside(Reducer& reducer, Events& events) {
  bool changed = false;
  for (size_t at = 0; at < events.size(); ++at) {
    // Each field: its candidates, made from the current events.
    std::vector<std::function<std::vector<Events>()>> fields;
    if (std::holds_alternative<AllocateEvent>(events[at].body)) {
      fields.push_back([&] {
        std::vector<Events> c;
        for (uint64_t p : Smaller(std::get<AllocateEvent>(events[at].body).pages, 1))
          c.push_back(WithPages(events, at, p));
        return c;
      });
    } else if (std::holds_alternative<FailEvent>(events[at].body)) {
      for (bool after : {true, false})
        fields.push_back([&, after] {
          std::vector<Events> c;
          const FailEvent& f = std::get<FailEvent>(events[at].body);
          for (uint64_t v : Smaller(after ? f.after : f.count, after ? 0 : 1)) {
            c.push_back(events);
            (after ? std::get<FailEvent>(c.back()[at].body).after
                   : std::get<FailEvent>(c.back()[at].body).count) = v;
          }
          return c;
        });
    } else if (std::holds_alternative<PoolShrinkEvent>(events[at].body)) {
      fields.push_back([&] {
        std::vector<Events> c;
        for (uint64_t v : Smaller(std::get<PoolShrinkEvent>(events[at].body).pages, 1)) {
          c.push_back(events);
          std::get<PoolShrinkEvent>(c.back()[at].body).pages = v;
        }
        return c;
      });
    }
    for (auto& candidates_of : fields) {
      for (;;) {
        std::vector<Events> c = candidates_of();
        std::optional<size_t> hit = reducer.FirstHolding(c, true);
        if (!hit) break;
        events = std::move(c[*hit]);
        changed = true;
      }
    }
  }
  return changed;
}

std::string Describe(KeepProperty keep, const std::string& signature) {
  switch (keep) {
    case KeepProperty::kFirstViolation: return "first violation " + signature;
    case KeepProperty::kExit: return "exit " + signature;
    case KeepProperty::kExpectFailure: return "first failed assertion: " + signature;
  }
  return signature;
}

}  // namespace

std::optional<KeepProperty> KeepPropertyFromName(std::string_view name) {
  if (name == "first-violation") return KeepProperty::kFirstViolation;
  if (name == "exit") return KeepProperty::kExit;
  if (name == "expect-failure") return KeepProperty::kExpectFailure;
  return std::nullopt;
}

Result<Reduction> Reduce(const MachineConfig& config, const std::vector<Event>& original,
                         const ReduceOptions& options_in) {
  ReduceOptions options = options_in;
  // The property needs no timeline and no behaviour digest.
  options.replay.timeline = nullptr;
  options.replay.behaviour_digest = false;
  std::optional<std::string> target = Signature(config, original, options.keep, options.replay);
  if (!target)
    return Status::Usage(options.keep == KeepProperty::kFirstViolation
                             ? "the trace violates no invariant: there is nothing to keep (see --keep)"
                             : "no expectation of the trace fails: there is nothing to keep (see --keep)");
  trace::TraceHeader header;
  // Validation needs the config's bounds only (a fail's order).
  header.config.system_pages = config.system_pages;
  header.config.max_order = config.max_order;
  Reducer reducer(config, header, options, *target);

  // 1 and 2: expect/check dropped first, then ddmin over units.
  const std::vector<Unit> units = Units(original);
  std::vector<size_t> kept;
  std::vector<size_t> assertions;
  for (size_t u = 0; u < units.size(); ++u) (units[u].assertion ? assertions : kept).push_back(u);
  auto build_units = [&](const std::vector<size_t>& chosen_units) {
    std::vector<char> in(units.size(), 0);
    for (size_t u : chosen_units) in[u] = 1;
    Indices picked;
    for (size_t u : chosen_units)
      if (!units[u].needs || in[*units[u].needs])
        picked.insert(picked.end(), units[u].events.begin(), units[u].events.end());
    std::sort(picked.begin(), picked.end());
    return picked;
  };
  reducer.set_stage("dropping expect and check events", original.size());
  if (!assertions.empty() && !reducer.FirstHolding({Pick(original, build_units(kept))}, false)) {
    kept.insert(kept.end(), assertions.begin(), assertions.end());
    std::sort(kept.begin(), kept.end());
  }
  reducer.set_stage("ddmin over objects and events", build_units(kept).size());
  std::vector<size_t> chosen = reducer.DdMin(
      original, kept.size(),
      [&](const std::vector<size_t>& items) {
        std::vector<size_t> us;
        for (size_t i : items) us.push_back(kept[i]);
        return build_units(us);
      },
      false);
  std::vector<size_t> chosen_units;
  for (size_t i : chosen) chosen_units.push_back(kept[i]);
  Events events = Pick(original, build_units(chosen_units));

  // 3 and 4: single events, then inside events, while that helps.
  for (bool changed = true; changed;) {
    reducer.set_stage("ddmin over single events", events.size());
    const Events base = events;
    std::vector<size_t> single = reducer.DdMin(
        base, base.size(), [](const std::vector<size_t>& items) { return Indices(items); }, true);
    events = Pick(base, single);
    changed = single.size() < base.size();
    reducer.set_stage("shrinking inside events", events.size());
    changed = ShrinkInside(reducer, events) || changed;
  }

  Reduction r;
  for (size_t i = 0; i < events.size(); ++i) events[i].line = i + 2;
  r.events = std::move(events);
  r.property = Describe(options.keep, *target);
  r.tests = reducer.tests();
  return r;
}

trace::TraceHeader ReducedHeader(const trace::TraceHeader& original, const std::string& sha256,
                                 uint64_t events) {
  trace::TraceHeader h = original;
  if (!h.meta.is_object()) h.meta = trace::Json::object();
  h.meta["reduced_from"] = trace::Json{{"sha256", sha256}, {"events", events}};
  return h;
}

}  // namespace ttm
