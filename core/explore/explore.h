// explore: systematic fault injection over one fault site, in the manner of
// the kernel's fail-nth.
//
// Why: whether a fault breaks the code often depends on exactly where it
// lands (an EINTR in the last chunk of a restore is harmless, one chunk
// earlier it corrupts the DMA addresses). Instead of guessing `after`, a
// user names the site and gets the outcome of failing each of its calls in
// turn. The trace is replayed once as it is to count the calls of the site;
// then, for each call k, it is replayed with exactly that call failing,
// which is the same as inserting {"op":"fail","site":SITE,"after":k-1,
// "count":1,"error":ERR} right after the header. Lines in the results are
// the original trace's lines.
//
// Each faulted replay starts from a copy of the plain replay taken at the
// event of the first call to fail (nothing before it can differ), not from
// the start. No I/O: the trace is given as parsed events.
#ifndef TTM_CORE_EXPLORE_EXPLORE_H_
#define TTM_CORE_EXPLORE_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/replay/replayer.h"
#include "core/status.h"

namespace ttm {

struct ExploreOptions {
  FaultSite site = FaultSite::kCopyPage;
  std::optional<Errno> error;  // default: the site's default error
  // Only this object's calls are numbered and failed (each at its number
  // among all calls of the site).
  std::optional<uint64_t> tt;
  unsigned jobs = 1;  // faulted replays run at once (threads)
  // false: every faulted replay starts from the beginning of the trace
  // (the same results, slower; for the benchmark and the tests).
  bool snapshot = true;
  ReplayOptions replay;
  // Called after each faulted replay with (done, total), from one thread
  // at a time.
  std::function<void(uint64_t, uint64_t)> progress;
};

// What one replay came to.
struct ExploreOutcome {
  int exit = 0;  // as `replay` would exit: 0 clean, 1 findings
  // The return value of the operation during which the fault fired (a
  // populate or a shrink); nullopt for the plain run or when it never fired.
  std::optional<int64_t> ret;
  struct FirstViolation {
    std::string invariant;
    uint64_t line = 0;
  };
  std::optional<FirstViolation> first_violation;
  bool leaks_ok = true;
  uint64_t mismatches = 0;
  uint64_t restarts = 0;
  std::vector<std::string> invariants;  // every invariant violated, sorted
};

struct ExploreResult {
  uint64_t call = 0;       // k, from 1 (among the object's calls with --tt)
  uint64_t site_call = 0;  // its number among all calls of the site
  ExploreOutcome outcome;
  bool new_finding = false;  // a finding the plain run does not have
};

struct Exploration {
  FaultSite site = FaultSite::kCopyPage;
  Errno error = kENOMEM;
  std::optional<uint64_t> tt;
  ExploreOutcome plain;
  std::vector<ExploreResult> results;  // one per call, in call order
};

// Errors: InvalidInput "LINE: fail: ..." when the trace arms the site
// itself; Usage when the site cannot raise the error.
Result<Exploration> Explore(const MachineConfig& config, const std::vector<Event>& events,
                            const ExploreOptions& options);

// The JSON of `explore -o` (cli.md), one trailing newline.
std::string RenderExploreJson(const Exploration& x);
// For a human: the site, the plain run, then the calls grouped by outcome,
// one group a line ("calls 1–12: 3.5.4 dma-address at line 9 (...)").
std::string RenderExploreText(const Exploration& x);
// 1 when some call leads to a finding the plain run does not have, else 0.
int ExploreExitStatus(const Exploration& x);

}  // namespace ttm

#endif  // TTM_CORE_EXPLORE_EXPLORE_H_
