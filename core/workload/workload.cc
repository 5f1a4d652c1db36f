#include "core/workload/workload.h"

#include <array>
#include <cstdio>

#include "core/workload/generator.h"

namespace ttm::workload {
namespace {

struct Entry {
  WorkloadInfo info;
  Result<std::unique_ptr<Workload>> (*make)(const WorkloadOptions&);
};

// What each workload shows at its defaults, for every seed (the defaults
// tests check each of these from the replayed report).
constexpr std::string_view kSteady[] = {"pool_hits", "no_backups"};
constexpr std::string_view kPressure[] = {"first_shrink_in_first_10pct", "backups", "purges",
                                          "completed_restores"};
constexpr std::string_view kFaults[] = {
    "first_shrink_in_first_10pct", "backups",         "purges",      "partial_backups",
    "restore_restarts",            "failed_restores", "eintr_copy",  "enomem_alloc_page",
    "enomem_set_caching",          "enomem_backup_page", "enomem_copy_page",
    "enomem_alloc_restore",        "efault_dma_map",  "order_fallbacks"};
constexpr std::string_view kSwapExhaustion[] = {"backups", "partial_backups", "ebusy_backups",
                                                "purges", "completed_restores"};
constexpr std::string_view kFragmented[] = {"order_fallbacks", "pool_hits", "no_backups"};
constexpr std::string_view kXeKunit[] = {"purges", "backups", "restore_restarts",
                                         "all_restored_intact"};

// The one table of workloads. The names are a contract (docs/cli.md, issue 5).
const std::array<Entry, 6> kTable = {{
    {{"steady",
      "allocate/populate/write/unpopulate/free churn, pools reused, no memory pressure",
      "An ordinary session on a 1 GiB machine: up to 256 objects come and go,\n"
      "are populated when used and unpopulated or freed to make room, never\n"
      "backed up. Freed write-combined and uncached pages go back to the pools\n"
      "(half of memory may stay pooled), so later objects find pooled blocks;\n"
      "the session starts by making a write-combined staging buffer twice, so\n"
      "that the second is served from the pool for every seed.",
      kSteady},
     MakeSteady},
    {{"pressure",
      "working set beyond system memory: LRU objects backed up by an xe-like shrinker "
      "and restored when next used",
      "A 128 MiB machine (objects keep their real sizes; only the machine is\n"
      "scaled down, so that a couple of hundred buffers exceed it). The\n"
      "application loads its working set until memory is full: the first shrink\n"
      "comes within the first 10% of events for every seed (the size deck bounds\n"
      "the load to 224 objects). Then one purge, one backup and one restore on\n"
      "the least recently used objects, then random use: xe's shrinker walk\n"
      "(purge pass, then backup pass in LRU order, writeback half of the time\n"
      "as from kswapd) frees memory, objects are restored when used again.\n"
      "Swap is twice memory. New objects are purgeable 4 in 32 (the size deck),\n"
      "used ones with probability --purgeable-rate (madvise-style caches).",
      kPressure},
     MakePressure},
    {{"faults",
      "pressure plus injected faults at every site: partial backups, interrupted "
      "restores resumed, failed allocations",
      "pressure's machine and load, then within the first 10% of events a tour\n"
      "of every fault: backup_page failing part-way (partial backup) and at the\n"
      "first page (ENOMEM), the half backup, restores interrupted by EINTR or\n"
      "ENOMEM in the page copy and resumed, restore-state allocation failure,\n"
      "first populates failing at alloc_page (ENOMEM, and high orders only:\n"
      "fallback), set_caching (ENOMEM) and dma_map (EFAULT); every failed\n"
      "populate is retried. Then the same faults at random (--fault-rate per\n"
      "backup or use). Faults that lead V13 into its known restore-from-zero\n"
      "bug are left out: a clean replay means the fault paths held.",
      kFaults},
     MakeFaults},
    {{"swap-exhaustion",
      "the backup store fills: partial backups, then EBUSY, then purging purgeable "
      "objects",
      "pressure's machine with swap of a quarter of memory and used objects\n"
      "purgeable with probability 0.3. Right after the load phase, backups fill the\n"
      "store, the last one partial; the next backup is refused with EBUSY; a\n"
      "purge follows. Then random use, where the same happens again whenever\n"
      "restores have made room in the store.",
      kSwapExhaustion},
     MakeSwapExhaustion},
    {{"fragmented",
      "memory fragmented by pinned blocks so that high orders fail and allocations "
      "fall back to lower ones",
      "A 64 MiB machine pinned in a checkerboard of 64 KiB blocks (one object\n"
      "each, every other one freed; a fifth of the default events), so\n"
      "that no free block is larger than order 4. The churn that follows asks\n"
      "for larger blocks, which fail, and ttm_pool_alloc() falls back to lower\n"
      "orders. Objects up to 4 MiB (1/16 of memory).",
      kFragmented},
     MakeFragmented},
    {{"xe-kunit",
      "the xe live shrink test: equal objects up to twice system memory, excess "
      "purged, the rest backed up and restored with EINTR retries",
      "xe_bo_shrink_kunit in rounds at 1/256 scale: the real test makes 64 MiB\n"
      "objects on up to 16 GiB; here 256 KiB objects (1/256 of a 64 MiB\n"
      "machine), 512 per round, twice memory. Memory and swap (half of memory)\n"
      "cannot hold them: the first (excess + 20%) are purgeable and unfilled,\n"
      "the rest written. The shrinker purges, then backs up; then every object\n"
      "is brought back (half of the restores interrupted by EINTR and retried)\n"
      "and checked with `expect intact`. --max-object-pages sets the object\n"
      "size (16384 for the real 64 MiB).",
      kXeKunit},
     MakeXeKunit},
}};

const std::array<WorkloadInfo, kTable.size()> kInfos = [] {
  std::array<WorkloadInfo, kTable.size()> infos;
  for (size_t i = 0; i < kTable.size(); ++i) infos[i] = kTable[i].info;
  return infos;
}();

std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out(prefix);
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out + "\n";
}

std::string Render(const MetaValue& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::get<double>(v));
  return buf;
}

}  // namespace

std::span<const WorkloadInfo> Workloads() { return kInfos; }

Result<std::unique_ptr<Workload>> Make(std::string_view name, const WorkloadOptions& options) {
  for (const Entry& e : kTable)
    if (e.info.name == name) return e.make(options);
  std::string names;
  for (const Entry& e : kTable) names += (names.empty() ? "" : ", ") + std::string(e.info.name);
  return Status::Usage("unknown workload '" + std::string(name) + "' (one of: " + names + ")");
}

std::string HelpText() {
  std::string s = "Workloads (each shows what it is named for at its defaults, for every seed):\n";
  for (const Entry& e : kTable) {
    s += "\n  " + std::string(e.info.name) + ": " + std::string(e.info.help) + "\n";
    s += Indent(e.info.details, "    ");
    std::string shows, defaults;
    for (std::string_view x : e.info.exercises) shows += " " + std::string(x);
    s += "    shows:" + shows + "\n";
    Result<std::unique_ptr<Workload>> w = e.make(WorkloadOptions{});
    if (w.ok()) {
      const Meta m = (*w)->meta();
      defaults = "events=" + std::to_string(m.events);
      for (const auto& [key, value] : m.options) defaults += " " + key + "=" + Render(value);
    }
    s += Indent("defaults: " + defaults, "    ");
  }
  s += "\nObject sizes are dealt from a deck of 32 (shuffled per seed), clipped to\n"
       "--min/--max-object-pages: 20 small (4-64 KiB: command buffers, descriptors),\n"
       "8 medium (68 KiB-1 MiB: textures, vertex buffers), 3 large (1-16 MiB: render\n"
       "targets), 1 huge (16-64 MiB: 4K surfaces, compute buffers); 2 small and 2\n"
       "medium are purgeable. Many small buffers, the bytes in a few big ones.\n";
  return s;
}

}  // namespace ttm::workload
