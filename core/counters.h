// The counters of the report (docs/report-format.md: `memory`, `restore`,
// `backup`, `pool`, `integrity`), defined once: the engine keeps them as it
// goes, the replayer hands them to the report whole, and the report's
// writer and reader take each section's names from its table below. A new
// counter is a field and a row of its section's table (docs_test then asks
// for its row in docs/report-format.md).
//
// They live below both the engine and the report so that neither depends
// on the other: the report's shape is this file, not the engine's
// internals.
#ifndef TTM_CORE_COUNTERS_H_
#define TTM_CORE_COUNTERS_H_

#include <cstdint>
#include <iterator>
#include <string_view>

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

// One counter of a section: its name in the report (the field's own
// name) and where it is kept. `required`: a report that lacks it is
// refused (false for counters added after version 1 of the report).
template <typename Section>
struct CounterField {
  std::string_view name;
  uint64_t Section::*member;
  bool required = true;
};

// Each section's counters, in the order the report prints them.
inline constexpr CounterField<MemoryCounters> kMemoryCounterFields[] = {
    {"backed_up_pages", &MemoryCounters::backed_up_pages},
    {"purged_pages", &MemoryCounters::purged_pages},
    {"pool_shrunk_pages", &MemoryCounters::pool_shrunk_pages},
    {"peak_system_pages", &MemoryCounters::peak_system_pages},
    {"peak_backup_pages", &MemoryCounters::peak_backup_pages},
    {"peak_pool_pages", &MemoryCounters::peak_pool_pages},
    {"writeback_pages", &MemoryCounters::writeback_pages, false},
};
inline constexpr CounterField<RestoreCounters> kRestoreCounterFields[] = {
    {"started", &RestoreCounters::started},
    {"completed", &RestoreCounters::completed},
    {"restarts", &RestoreCounters::restarts},
    {"failed", &RestoreCounters::failed},
    {"pages_from_backup", &RestoreCounters::pages_from_backup},
    {"pages_from_retained", &RestoreCounters::pages_from_retained},
};
inline constexpr CounterField<BackupCounters> kBackupCounterFields[] = {
    {"partial", &BackupCounters::partial},
    {"ebusy", &BackupCounters::ebusy},
    {"failed_pages", &BackupCounters::failed_pages},
};
inline constexpr CounterField<PoolCounters> kPoolCounterFields[] = {
    {"hits", &PoolCounters::hits},
    {"misses", &PoolCounters::misses},
    {"order_fallbacks", &PoolCounters::order_fallbacks},
    {"splits", &PoolCounters::splits},
    {"caching_changes", &PoolCounters::caching_changes},
};
inline constexpr CounterField<IntegrityCounters> kIntegrityCounterFields[] = {
    {"pages_verified", &IntegrityCounters::pages_verified},
    {"mismatches", &IntegrityCounters::mismatches},
};

// Every counter has its row: the tables cover the structs.
static_assert(sizeof(MemoryCounters) == std::size(kMemoryCounterFields) * sizeof(uint64_t));
static_assert(sizeof(RestoreCounters) == std::size(kRestoreCounterFields) * sizeof(uint64_t));
static_assert(sizeof(BackupCounters) == std::size(kBackupCounterFields) * sizeof(uint64_t));
static_assert(sizeof(PoolCounters) == std::size(kPoolCounterFields) * sizeof(uint64_t));
static_assert(sizeof(IntegrityCounters) == std::size(kIntegrityCounterFields) * sizeof(uint64_t));

}  // namespace ttm

#endif  // TTM_CORE_COUNTERS_H_
