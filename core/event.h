// Typed trace events: the vocabulary shared by the trace layer (which reads
// and writes them), the engine (which applies them) and the workload
// generators (which produce them).
//
// The format is docs/trace-format.md, version 1. This header depends on the
// standard library only, so that the engine can take events without knowing
// anything about JSON.
#ifndef TTM_CORE_EVENT_H_
#define TTM_CORE_EVENT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ttm {

inline constexpr uint64_t kPageSize = 4096;

// Negative errno values as the kernel returns them.
enum Errno : int {
  kOk = 0,
  kEINTR = -4,
  kENOMEM = -12,
  kEFAULT = -14,
  kEBUSY = -16,
  kEINVAL = -22,
  kENOSPC = -28,
};
// "ENOMEM" for -12, "ok" for 0, the decimal value for anything else.
std::string ErrnoName(int64_t ret);
// Parses "ENOMEM" etc.; nullopt for an unknown name.
std::optional<Errno> ErrnoFromName(std::string_view name);

// enum ttm_caching.
enum class Caching : uint8_t { kCached, kWriteCombined, kUncached };
std::string_view CachingName(Caching c);  // "cached", "wc", "uncached"
std::optional<Caching> CachingFromName(std::string_view name);

// The simulated machine, from the trace header's "config". Defaults are
// those of the trace format; Resolve() fills the ones that depend on
// system_pages.
struct Config {
  uint64_t system_pages = 262144;
  std::optional<uint64_t> dma32_pages;       // default min(system_pages, 2^20)
  std::optional<uint64_t> swap_pages;        // default system_pages
  uint32_t max_order = 10;
  std::optional<uint64_t> pool_limit_pages;  // default system_pages / 2
  bool use_dma_alloc = false;
  bool use_dma32 = false;
  bool numa_node = false;
};

// Config with every default applied.
struct MachineConfig {
  uint64_t system_pages = 262144;
  uint64_t dma32_pages = 262144;
  uint64_t swap_pages = 262144;
  uint32_t max_order = 10;
  uint64_t pool_limit_pages = 131072;
  bool use_dma_alloc = false;
  bool use_dma32 = false;
  bool numa_node = false;
};
MachineConfig Resolve(const Config& c);

// Limits of the format, kept in one place.
inline constexpr uint64_t kMaxSystemPages = uint64_t{1} << 28;
inline constexpr uint32_t kMaxMaxOrder = 20;
inline constexpr uint64_t kMaxTtPages = (uint64_t{1} << 31) - 1;

// ---- events -------------------------------------------------------------

// allocate: ttm_tt_init / ttm_sg_tt_init + ttm_tt_setup_backup.
struct AllocateEvent {
  uint64_t tt = 0;
  uint64_t pages = 0;  // 1 .. kMaxTtPages
  Caching caching = Caching::kCached;
  bool zero_alloc = false;  // TTM_TT_FLAG_ZERO_ALLOC
  bool dma = false;         // the tt has a dma_address array
  bool operator==(const AllocateEvent&) const = default;
};

// populate: ttm_tt_populate.
struct PopulateEvent {
  uint64_t tt = 0;
  bool interruptible = true;
  bool operator==(const PopulateEvent&) const = default;
};

// write: the GPU writes new content into [first, first + count).
struct WriteEvent {
  uint64_t tt = 0;
  std::optional<uint64_t> first;  // default 0
  std::optional<uint64_t> count;  // default: to the end of the object
  bool operator==(const WriteEvent&) const = default;
};

// shrink: ttm_tt_backup with struct ttm_backup_flags.
struct ShrinkEvent {
  uint64_t tt = 0;
  bool purge = false;
  bool writeback = false;
  bool operator==(const ShrinkEvent&) const = default;
};

// unpopulate: ttm_tt_unpopulate.
struct UnpopulateEvent {
  uint64_t tt = 0;
  bool operator==(const UnpopulateEvent&) const = default;
};

// free: ttm_tt_unpopulate if populated, then ttm_tt_fini.
struct FreeEvent {
  uint64_t tt = 0;
  bool operator==(const FreeEvent&) const = default;
};

// pool_shrink: the pool shrinker's scan with nr_to_scan = pages.
struct PoolShrinkEvent {
  uint64_t pages = 0;
  bool operator==(const PoolShrinkEvent&) const = default;
};

enum class FaultSite : uint8_t {
  kAllocPage,     // ttm_pool_alloc_page(), one call per block attempt
  kDmaMap,        // ttm_pool_map() of a new block
  kSetCaching,    // ttm_pool_apply_caching() of a non-empty range
  kBackupPage,    // ttm_backup_backup_page()
  kBackupHalf,    // the kernel's backup_fault_inject: back up ceil(N/2) slots
  kCopyPage,      // ttm_backup_copy_page() during a restore
  kAllocRestore,  // allocation of struct ttm_pool_tt_restore
};
inline constexpr int kNumFaultSites = 7;
std::string_view FaultSiteName(FaultSite s);
std::optional<FaultSite> FaultSiteFromName(std::string_view name);

// fail: arm (or, with count 0, disarm) a fault at a site.
struct FailEvent {
  FaultSite site = FaultSite::kAllocPage;
  uint64_t after = 0;
  uint64_t count = 1;
  std::optional<Errno> error;  // default: the site's first error (none for backup_half)
  std::optional<uint32_t> order;      // alloc_page only: exactly this order
  std::optional<uint32_t> min_order;  // alloc_page only: this order or higher
  bool operator==(const FailEvent&) const = default;
};

// set: change limits from here on.
struct SetEvent {
  std::optional<uint64_t> swap_pages;
  std::optional<uint64_t> pool_limit_pages;
  bool operator==(const SetEvent&) const = default;
};

// check: run every invariant and the leak accounting now.
struct CheckEvent {
  bool operator==(const CheckEvent&) const = default;
};

enum class TtState : uint8_t { kUnpopulated, kPopulated, kBackedUp };
inline constexpr int kNumTtStates = 3;
std::string_view TtStateName(TtState s);
std::optional<TtState> TtStateFromName(std::string_view name);

// expect: assertions about the state; all must hold.
struct ExpectEvent {
  std::optional<int64_t> ret;  // of the most recent populate or shrink
  std::optional<uint64_t> tt;  // the object the per-object fields refer to
  std::optional<TtState> state;
  std::optional<uint64_t> resident;
  std::optional<uint64_t> backed_up;
  std::optional<uint64_t> empty;
  std::optional<bool> restore_pending;
  std::optional<bool> intact;
  std::optional<uint64_t> system_used_pages;
  std::optional<uint64_t> pool_pages;
  std::optional<uint64_t> backup_pages;
  std::optional<uint64_t> live_tts;
  std::optional<uint64_t> violations;
  bool operator==(const ExpectEvent&) const = default;
};

using EventBody =
    std::variant<AllocateEvent, PopulateEvent, WriteEvent, ShrinkEvent,
                 UnpopulateEvent, FreeEvent, PoolShrinkEvent, FailEvent,
                 SetEvent, CheckEvent, ExpectEvent>;

// The op name of each alternative, in EventBody's order.
inline constexpr int kNumOps = 11;
std::string_view OpName(const EventBody& body);
std::string_view OpNameByIndex(int index);

struct Event {
  uint64_t line = 0;           // line of the decompressed trace text, from 1
  std::optional<int64_t> t;    // informational timestamp, nanoseconds
  EventBody body;
  bool operator==(const Event&) const = default;
};

// The index of alternative E in EventBody.
template <class E>
inline constexpr size_t kEventIndex = EventBody(std::in_place_type<E>).index();

// The tt an event names, if it names one (allocate .. free; expect's tt is
// optional and names no id to check). Inline, one switch: it runs twice
// per event, and an out-of-line std::visit cost a call and a stall on
// reading back the optional it returned through memory.
inline std::optional<uint64_t> EventTt(const EventBody& body) {
  switch (body.index()) {
    case kEventIndex<AllocateEvent>: return std::get_if<AllocateEvent>(&body)->tt;
    case kEventIndex<PopulateEvent>: return std::get_if<PopulateEvent>(&body)->tt;
    case kEventIndex<WriteEvent>: return std::get_if<WriteEvent>(&body)->tt;
    case kEventIndex<ShrinkEvent>: return std::get_if<ShrinkEvent>(&body)->tt;
    case kEventIndex<UnpopulateEvent>: return std::get_if<UnpopulateEvent>(&body)->tt;
    case kEventIndex<FreeEvent>: return std::get_if<FreeEvent>(&body)->tt;
    default: return std::nullopt;
  }
}

}  // namespace ttm

#endif  // TTM_CORE_EVENT_H_
