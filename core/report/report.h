// The replay report: what one replay of one trace found, in the nesting of
// docs/report-format.md (version 2: version 1 plus `options` and
// `behaviour`).
//
// Plain structs, no engine types: the report is a contract that CI keeps and
// `diff` compares across builds, so its shape must not move when the
// engine's internals do. Its counters are the structs of core/counters.h,
// which the engine keeps and the replayer copies in whole; this library
// only renders and judges. It performs no I/O and reads no clock:
// `run.wall_ms` is whatever the caller measured.
//
// Determinism: every container that is printed is either a vector (caller's
// order, which is trace order) or a std::map with an explicit ordering, so
// two equal reports render to the same bytes.
#ifndef TTM_CORE_REPORT_REPORT_H_
#define TTM_CORE_REPORT_REPORT_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/counters.h"
#include "core/event.h"

namespace ttm {

// The format is versioned inside the data; readers (diff) accept
// kOldestReportVersion .. kReportVersion and reject the rest with one line.
inline constexpr std::string_view kReportFormatName = "ttm-replay-report";
inline constexpr int kReportVersion = 2;
inline constexpr int kOldestReportVersion = 1;

// Lists are capped so that a trace that trips the same bug a million times
// still gives a readable report; the counts next to them stay exact.
inline constexpr size_t kMaxFirstViolations = 20;
inline constexpr size_t kMaxListedFailures = 100;

// A value an expectation compared, or an extra of `run`. monostate is JSON
// null.
using ReportValue =
    std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

// Orders the keys of a return-value histogram: "ok" first, then errno names
// (and the decimal values of unnamed errnos) in byte order. Spelled out so
// that the report does not depend on how the errno table happens to be
// sorted.
// Transparent: a count is found by a name without a std::string made.
struct ResultKeyLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    const bool a_ok = a == "ok", b_ok = b == "ok";
    if (a_ok != b_ok) return a_ok;
    return a < b;
  }
};
// Return value name ("ok", "ENOMEM", ...) -> number of calls that returned it.
using ResultCounts = std::map<std::string, uint64_t, ResultKeyLess>;

struct Report {
  struct Trace {
    std::string sha256;  // lowercase hex of the decompressed trace text
    uint64_t events = 0;
  };
  // The replay options that change results (version 2). check_every > 1
  // can miss a violation that comes and goes between two checks.
  struct Options {
    std::string semantics = "v13";
    uint64_t check_every = 1;
  };
  // Return values of the ops that have one, in the order they are printed.
  struct Results {
    ResultCounts populate;
    ResultCounts shrink;
    // Counts one return value; `ret` is 0 or a negative errno.
    void Count(std::string_view op, int64_t ret);
  };
  // The counters (core/counters.h, their one definition), by the names
  // of their report sections.
  using Memory = MemoryCounters;
  using Restore = RestoreCounters;
  using Backup = BackupCounters;
  using Pool = PoolCounters;
  // After teardown. Objects the trace left alive are reported but are not a
  // leak; ok() looks only at what never came back.
  struct Leaks {
    uint64_t live_tts = 0;
    uint64_t pages = 0;
    uint64_t handles = 0;
    uint64_t restore_states = 0;
    bool ok() const { return pages == 0 && handles == 0 && restore_states == 0; }
  };
  using Integrity = IntegrityCounters;
  struct ViolationEntry {
    uint64_t line = 0;            // trace line of the event that found it
    std::optional<uint64_t> tt;   // null when no single object is concerned
    std::string invariant;        // the checker's invariant name
    std::string what;             // one line
  };
  struct Violations {
    uint64_t count = 0;
    std::map<std::string, uint64_t> by_invariant;  // sorted by name
    std::vector<ViolationEntry> first;             // at most kMaxFirstViolations
    // Counts one violation and keeps it if the list has room.
    void Add(ViolationEntry v);
  };
  struct CheckFailure {
    uint64_t line = 0;
    std::string invariant;  // what failed: an invariant name or "leaks"
    std::string what;       // one line
  };
  // Counted per `check` event, as expectations are: a check that finds three
  // broken invariants is one failed check with three failure entries.
  struct Checks {
    uint64_t passed = 0;
    uint64_t failed = 0;                 // check events that found something
    std::vector<CheckFailure> failures;  // at most kMaxListedFailures
    void Pass() { ++passed; }
    // Counts one failed `check` event with what it found.
    void Fail(std::vector<CheckFailure> findings);
    void Fail(CheckFailure f);  // a failed check with one finding
  };
  // One failed assertion of an `expect` event. An event with several failed
  // assertions adds several entries but counts as one failed expectation.
  struct ExpectationFailure {
    uint64_t line = 0;
    std::string assertion;  // the field name of the expect event, e.g. "ret"
    ReportValue expected;
    ReportValue found;
  };
  struct Expectations {
    uint64_t passed = 0;
    uint64_t failed = 0;
    std::vector<ExpectationFailure> failures;  // at most kMaxListedFailures
    void Pass() { ++passed; }
    // Counts one failed `expect` event with the assertions that failed.
    void Fail(std::vector<ExpectationFailure> assertions);
  };
  // Version 2: the behaviour digest, a hash over the replay's timeline lines
  // (core/timeline/timeline.h), and how many lines it covers.
  struct Behaviour {
    std::string digest;  // 32 lowercase hex digits (XXH3-128)
    uint64_t events = 0;
  };
  // Everything here is ignored by determinism checks and by diff.
  struct Run {
    std::string tool;   // "ttm-replay 0.1.0"
    std::string build;  // "git 1a2b3c4d5e6f"
    uint64_t wall_ms = 0;
    // Further measurements (e.g. "events_per_second"), printed in this order.
    std::vector<std::pair<std::string, ReportValue>> extras;
  };

  Trace trace;
  MachineConfig config;
  Options options;
  std::array<uint64_t, kNumOps> events{};  // indexed as OpNameByIndex()
  Results results;
  Memory memory;
  Restore restore;
  Backup backup;
  Pool pool;
  Leaks leaks;
  Integrity integrity;
  Violations violations;
  Checks checks;
  Expectations expectations;
  std::optional<Behaviour> behaviour;  // absent only when not computed
  Run run;
};

// The JSON report: 2-space indent, keys in the documented order, one
// trailing newline. Identical reports give identical bytes.
std::string RenderReportJson(const Report& report);

// A few lines for a human: memory freed, restores, leaks, integrity,
// violations (with a warning when the checker was thinned), checks and
// expectations, then a one-line verdict. Lists are cut after three entries
// and then say how many more there are; a failed check or expect event is
// one line (docs/report-format.md, "The summary").
std::string RenderSummary(const Report& report);

// Exit status of `replay` for a trace that ran: 0 clean; 1 when a leak, an
// integrity mismatch, an invariant violation, a failed check or a failed
// expectation was found.
int ReportExitStatus(const Report& report);

}  // namespace ttm

#endif  // TTM_CORE_REPORT_REPORT_H_
