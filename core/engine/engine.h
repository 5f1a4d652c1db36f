// The engine: a model of the Linux TTM page pool and its V13 backup/restore
// code ("drm/ttm/pool: Provide a helper to shrink pages", v13), driven one
// typed trace event at a time.
//
// Why a model and not the kernel: the interesting failures of the backup
// engine (a restore interrupted half way, a backup that ran out of swap on
// page 5 of 8, a dma cursor that forgot where it was) depend on an exact
// sequence of allocations, faults and calls. The engine replays such a
// sequence deterministically on a simulated machine and lets the checker
// (checker.h) say the moment an invariant breaks.
//
// The engine performs no I/O, reads no clock and depends on the standard
// library only. Kernel failures (ENOMEM, EINTR, EBUSY) are return values;
// kernel crashes (walking off the slot array, dereferencing an empty slot)
// are reported as violations and the operation is abandoned.
#ifndef TTM_CORE_ENGINE_ENGINE_H_
#define TTM_CORE_ENGINE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/engine/inspection.h"
#include "core/event.h"

namespace ttm {

// Invariants of the checker, numbered as in docs/invariants.md,
// plus the crash-class findings of operations (kernel oops equivalents).
enum class Invariant : uint8_t {
  kOwnership,            // 3.1.1 each page has exactly one owner
  kPoolAccounting,       // 3.1.2 pool counts, block orders and cachings
  kConservation,         // 3.1.3 taken - returned == pooled + owned
  kSplit,                // 3.1.4 blocks split only by split_for_swap
  kPopulatedLayout,      // 3.2.1 populated slots tile into blocks
  kUnpopulatedOwnsNothing,  // 3.2.2
  kBackedUpLayout,       // 3.2.3 handles prefix, retained pages WB, unmapped
  kRestoreState,         // 3.2.4 restore struct consistent with slots
  kFlags,                // 3.2.5 flag combinations
  kHandleReferences,     // 3.3.1 live shmem index <-> exactly one handle
  kHandleValue,          // 3.3.2 handle in slot i is i + 1
  kHandleUse,            // 3.3.3 copy/drop only of live handles, once
  kBackupReleased,       // 3.3.4 store empty after fini
  kPoolCaching,          // 3.4.1 pooled pages have the pool's caching, system pages WB
  kTtCaching,            // 3.4.2 populated pages have the tt caching
  kRestoreCaching,       // 3.4.3 caching divide during restore
  kWbAfterFailedBackup,  // 3.4.4 a non-WB tt left populated with WB pages (4.6)
  kDmaMapping,           // 3.5.1 populated blocks mapped once at the right address
  kDmaUnmapped,          // 3.5.2 unmapped after backup/purge
  kDmaUnmapOnce,         // 3.5.3 unmap exactly once, never reach system mapped
  kDmaAddress,           // 3.5.4 dma_address[i] corresponds to slot i
  kRestoredContent,      // 3.6.1 restored pages hold what was last written
  kSingleCopy,           // 3.6.2 every written page's content exists, in one place
  kFreshContent,         // 3.6.3 fresh pages are zero (pool, ZERO_ALLOC) or poison
  kBackupReturn,         // 3.7.1 backup return value matches slot changes
  kRestoreProgress,      // 3.7.2 restore progress is monotone
  kKernelCrash,          // an operation the kernel would oops on (abandoned)
};
inline constexpr int kNumInvariants = 27;
std::string_view InvariantName(Invariant inv);  // e.g. "3.5.3 dma-unmap-once"

// Which kernel code the engine models: the V13 patch (the default), the code
// as merged in Linux v6.15, or v6.15 plus "drm/ttm: Drop tt->restore after
// successful restore" (the fix of 4.8).
enum class Semantics : uint8_t { kV13, kMerged, kMergedFixed };
std::string_view SemanticsName(Semantics s);  // "v13", "merged", "merged-fixed"
std::optional<Semantics> SemanticsFromName(std::string_view name);

struct Violation {
  Invariant invariant;
  std::optional<uint64_t> tt;  // trace id of the object, when one is concerned
  std::string what;            // one line, no trailing newline
};

// What `expect` can ask about one object.
struct TtStatus {
  TtState state = TtState::kUnpopulated;
  uint64_t resident = 0;   // slots holding a page owned by the tt
  uint64_t backed_up = 0;  // slots holding a backup handle
  uint64_t empty = 0;      // num_pages - resident - backed_up
  bool restore_pending = false;
  bool intact = true;
};

// The global quantities `expect` can ask about.
struct GlobalStatus {
  uint64_t system_used_pages = 0;
  uint64_t pool_pages = 0;
  uint64_t backup_pages = 0;
  uint64_t live_tts = 0;
};

// The result of applying one event.
struct Outcome {
  // The kernel return value, for populate and shrink (and 0 for the rest).
  int64_t ret = 0;
  bool has_ret = false;  // true for populate and shrink
  // Violations found while the operation ran (crash-class findings, double
  // unmaps, copies of dead handles, data mismatches on restore ...).
  std::vector<Violation> violations;
  // What Engine::Counts() of the event's id and Engine::Global() give
  // right after it, read once as the event ends (the timeline's line needs
  // both after every event). `object` is absent when the event has no id,
  // frees its object or names an id that is not live (refused, EINVAL).
  std::optional<TtStatus> object;
  GlobalStatus global;
};

// After teardown: what never came back (report "leaks").
struct LeakReport {
  uint64_t live_tts = 0;        // objects the trace left alive (not a leak)
  uint64_t pages = 0;           // system pages still taken after teardown
  uint64_t handles = 0;         // backup store entries still held
  uint64_t restore_states = 0;  // restore structs never freed
  // What tearing down found (crashes of the release paths, leaks at fini).
  std::vector<Violation> violations;
  bool ok() const { return pages == 0 && handles == 0 && restore_states == 0; }
};

// Variants of the engine for tests only; the CLI never sets them.
struct EngineOptions {
  // An off-by-one in the pool_shrink event's loop: it stops one page
  // short of the pages asked for (so `"pages":1` frees nothing). One
  // deliberate difference in behaviour whose effect a later pool_shrink can
  // even out in every total, to prove that the behaviour digest and the
  // timeline diff see what totals cannot.
  bool pool_shrink_off_by_one = false;
  // Test-only: the slow, obviously correct paths instead of the fast ones
  // (slot counts recounted from the slots instead of kept as they change,
  // the checker's full walks). Behaviour is the same either way; the
  // fast-vs-reference test holds the fast paths to that.
  bool reference = false;
};

// What a Check() looks at.
enum class CheckScope {
  // The objects touched since the previous check and the global invariants:
  // cheap enough for every event.
  kTouched,
  // Every object and every pool list.
  kFull,
};

class EngineImpl;
class EngineTestPeer;
class TtmModel;

class Engine {
 public:
  explicit Engine(const MachineConfig& config, Semantics semantics = Semantics::kV13,
                  EngineOptions options = {});
  ~Engine();
  // A copy is a snapshot: applying the same events to it and to the
  // original gives the same results (the engine is deterministic).
  Engine(const Engine& other);
  Engine& operator=(const Engine& other);

  // Applies one event. check and expect are not the engine's business (the
  // replayer evaluates them with the queries below) and return an empty
  // Outcome. Ids are assumed valid (the trace layer enforces the id rules);
  // an unknown id gives a kKernelCrash-free empty Outcome with ret EINVAL.
  Outcome Apply(const EventBody& event);

  // The invariants of checker.h, evaluated now, over `scope`.
  std::vector<Violation> Check(CheckScope scope);

  std::optional<TtStatus> Inspect(uint64_t tt) const;
  // Inspect() without `intact` (left true): the slot counts only (what
  // Outcome::object holds for the event's own object).
  std::optional<TtStatus> Counts(uint64_t tt) const;
  GlobalStatus Global() const;
  const Counters& counters() const;
  const MachineConfig& config() const;
  Semantics semantics() const;

  // Calls made at a fault site so far, counted as an armed fault raising
  // `error` without an order filter counts them (an EINTR only the calls in
  // an interruptible populate): by the whole replay, or by the live object
  // `tt` since its allocate (nullopt when it is not live).
  uint64_t FaultCalls(FaultSite site, Errno error) const;
  std::optional<uint64_t> FaultCalls(FaultSite site, Errno error, uint64_t tt) const;
  // How many times the faults armed at a site have fired so far.
  uint64_t FaultsFired(FaultSite site) const;
  // For `inspect` (inspection.h): the live objects' ids in increasing
  // order, one object in full, the non-empty pool types in shrinker-list
  // order, and the armed faults in site order.
  std::vector<uint64_t> LiveTts() const;
  std::optional<TtView> ViewTt(uint64_t tt) const;
  std::vector<PoolView> Pools() const;
  std::vector<FaultView> ArmedFaults() const;
  uint64_t pool_limit_pages() const;

  // Frees every live object (unpopulate + fini), drains the pools, and
  // counts what never came back. The engine is empty afterwards.
  LeakReport Teardown();

 private:
  // The engine's tests reach the model underneath through the test-only
  // EngineTestPeer (testing.h), to inspect slot layouts and poke slots.
  friend class EngineTestPeer;
  const TtmModel& model_for_inspection() const;
  std::unique_ptr<EngineImpl> impl_;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_ENGINE_H_
