// The counters of the report (docs/report-format.md: `memory`, `restore`,
// `backup`, `pool`, `integrity`), defined once: the engine keeps them as it
// goes, the report renders, reads and diffs them, and the replayer hands
// the one to the other whole. A counter is added here and nowhere else;
// its name in the report is its field name.
//
// They live below both the engine and the report so that neither depends
// on the other: the report's shape is this file, not the engine's
// internals.
#ifndef TTM_CORE_COUNTERS_H_
#define TTM_CORE_COUNTERS_H_

#include <cstdint>

#include "core/event.h"

namespace ttm {

struct MemoryCounters {
  uint64_t backed_up_pages = 0;    // pages turned into handles by shrink
  uint64_t purged_pages = 0;       // pages freed by shrink(purge)
  uint64_t pool_shrunk_pages = 0;  // pages the pool shrinker (or trim) freed
  uint64_t peak_system_pages = 0;
  uint64_t peak_backup_pages = 0;
  uint64_t peak_pool_pages = 0;
  uint64_t writeback_pages = 0;  // extension: backups written with writeback (4.23)
  // "Memory freed" by shrink: derived when rendered, never counted.
  uint64_t freed_pages() const { return backed_up_pages + purged_pages; }
  uint64_t freed_bytes() const { return freed_pages() * kPageSize; }
};

struct RestoreCounters {
  uint64_t started = 0;
  uint64_t completed = 0;
  uint64_t restarts = 0;
  uint64_t failed = 0;
  uint64_t pages_from_backup = 0;
  uint64_t pages_from_retained = 0;
};

struct BackupCounters {
  uint64_t partial = 0;
  uint64_t ebusy = 0;
  uint64_t failed_pages = 0;
};

struct PoolCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t order_fallbacks = 0;
  uint64_t splits = 0;
  uint64_t caching_changes = 0;
};

struct IntegrityCounters {
  uint64_t pages_verified = 0;
  uint64_t mismatches = 0;
  bool ok() const { return mismatches == 0; }
};

// All of them, as the engine keeps them (every field a uint64_t).
struct Counters {
  MemoryCounters memory;
  RestoreCounters restore;
  BackupCounters backup;
  PoolCounters pool;
  IntegrityCounters integrity;
};

}  // namespace ttm

#endif  // TTM_CORE_COUNTERS_H_
