#include "core/workload/workload.h"

#include <array>

#include "core/workload/generator.h"

namespace ttm::workload {
namespace {

struct Entry {
  WorkloadInfo info;
  Result<std::unique_ptr<Workload>> (*make)(const WorkloadOptions&);
};

// The one table of workloads. The names are a contract (docs/cli.md, issue 5).
const std::array<Entry, 6> kTable = {{
    {{"steady", "allocate/populate/write/unpopulate/free churn, realistic sizes and "
                "cachings, pools reused, no memory pressure"},
     MakeSteady},
    {{"pressure", "working set beyond system memory: LRU objects backed up by an "
                  "xe-like shrinker and restored when next used"},
     MakePressure},
    {{"faults", "pressure plus injected faults: partial and half backups, EINTR "
                "restores retried, high-order and restore-state allocation failures"},
     MakeFaults},
    {{"swap-exhaustion", "the backup store fills: partial backups, then EBUSY, then "
                         "purging purgeable objects"},
     MakeSwapExhaustion},
    {{"fragmented", "memory fragmented by pinned blocks so that high orders fail and "
                    "allocations fall back to lower ones"},
     MakeFragmented},
    {{"xe-kunit", "the xe live shrink test: 64 MiB objects up to twice system memory, "
                  "excess purged, the rest backed up and restored with EINTR retries"},
     MakeXeKunit},
}};

const std::array<WorkloadInfo, kTable.size()> kInfos = [] {
  std::array<WorkloadInfo, kTable.size()> infos;
  for (size_t i = 0; i < kTable.size(); ++i) infos[i] = kTable[i].info;
  return infos;
}();

}  // namespace

std::span<const WorkloadInfo> Workloads() { return kInfos; }

Result<std::unique_ptr<Workload>> Make(std::string_view name, const WorkloadOptions& options) {
  for (const Entry& e : kTable)
    if (e.info.name == name) return e.make(options);
  std::string names;
  for (const Entry& e : kTable) names += (names.empty() ? "" : ", ") + std::string(e.info.name);
  return Status::Usage("unknown workload '" + std::string(name) + "' (one of: " + names + ")");
}

}  // namespace ttm::workload
