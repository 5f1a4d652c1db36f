// Read-only views of the engine's state at one moment, for `inspect`.
//
// Why plain structs: the CLI renders them as text and JSON, and the engine
// stays free of formatting and I/O. Each view is a copy taken by an Engine
// query (engine.h); nothing here refers back into the model.
#ifndef TTM_CORE_ENGINE_INSPECTION_H_
#define TTM_CORE_ENGINE_INSPECTION_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/event.h"

namespace ttm {

// A run of consecutive slots of a tt that hold the same kind of thing.
struct SlotRun {
  enum class Kind : uint8_t {
    kEmpty,     // NULL
    kResident,  // a page the tt owns
    kHandle,    // a backup handle
    kStale,     // a page pointer the tt does not own (a bug's leftover)
  };
  Kind kind = Kind::kEmpty;
  uint64_t first = 0;  // first slot
  uint64_t count = 0;  // slots in the run
  // kResident: the order of the blocks the pages belong to, and their
  // caching attribute (set_pages_*); consecutive blocks of the same order
  // and caching form one run.
  uint32_t order = 0;
  Caching caching = Caching::kCached;
};
std::string_view SlotRunKindName(SlotRun::Kind kind);  // "empty", "resident", "handle", "stale"

// struct ttm_pool_tt_restore of a tt.
struct RestoreView {
  uint64_t alloced_pages = 0;
  uint64_t restored_pages = 0;
  uint32_t order = 0;
  uint64_t first_page = 0;
  uint64_t caching_divide = 0;
  // The dma_address entry a resumed restore maps its next block at. V13
  // does not save the dma cursor: a resume starts it at 0 again (4.7).
  // Absent when the tt has no dma_address array.
  std::optional<uint64_t> dma_cursor;
};

// A run of consecutive dma_address entries mapped at consecutive bus
// addresses.
struct DmaRun {
  uint64_t first = 0;  // first slot
  uint64_t count = 0;
  uint64_t address = 0;  // bus address of the first slot
};

// One live object.
struct TtView {
  uint64_t id = 0;
  uint64_t num_pages = 0;
  Caching caching = Caching::kCached;
  TtState state = TtState::kUnpopulated;
  uint64_t resident = 0, backed_up = 0, empty = 0;
  bool restore_pending = false;
  bool intact = true;
  std::vector<SlotRun> slots;  // cover [0, num_pages) in order
  std::optional<RestoreView> restore;
  bool has_dma = false;
  std::vector<DmaRun> dma;  // non-zero entries only
};

// A non-empty pool type (struct ttm_pool_type).
struct PoolView {
  Caching caching = Caching::kCached;
  uint32_t order = 0;
  bool dma32 = false;     // a global dma32 type
  bool per_pool = false;  // the device pool's own type
  uint64_t pages = 0;     // pages on its list (blocks << order)
};

// A fault armed at a site, with its call counts since it was armed.
struct FaultView {
  FaultSite site = FaultSite::kAllocPage;
  uint64_t after = 0;
  uint64_t count = 0;
  Errno error = kENOMEM;
  std::optional<uint32_t> order;
  std::optional<uint32_t> min_order;
  uint64_t passed = 0;     // counted calls let through so far
  uint64_t remaining = 0;  // failures still to inject
  uint64_t fired = 0;      // failures injected at the site since the start
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_INSPECTION_H_
