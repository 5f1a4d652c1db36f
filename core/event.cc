#include "core/event.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ttm {
namespace {

constexpr std::array<std::pair<Errno, std::string_view>, 6> kErrnoNames = {{
    {kEINTR, "EINTR"},
    {kENOMEM, "ENOMEM"},
    {kEFAULT, "EFAULT"},
    {kEBUSY, "EBUSY"},
    {kEINVAL, "EINVAL"},
    {kENOSPC, "ENOSPC"},
}};

constexpr std::array<std::string_view, 3> kCachingNames = {"cached", "wc", "uncached"};

constexpr std::array<std::string_view, kNumFaultSites> kFaultSiteNames = {
    "alloc_page", "dma_map", "set_caching", "backup_page",
    "backup_half", "copy_page", "alloc_restore"};

constexpr std::array<std::string_view, kNumTtStates> kTtStateNames = {"unpopulated", "populated",
                                                                      "backed_up"};

constexpr std::array<std::string_view, kNumOps> kOpNames = {
    "allocate", "populate", "write", "shrink", "unpopulate", "free",
    "pool_shrink", "fail", "set", "check", "expect"};

template <typename Enum, size_t N>
std::optional<Enum> IndexOf(const std::array<std::string_view, N>& names,
                            std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  return std::nullopt;
}

}  // namespace

std::string ErrnoName(int64_t ret) {
  if (ret == 0) return "ok";
  for (const auto& [value, name] : kErrnoNames)
    if (value == ret) return std::string(name);
  return std::to_string(ret);
}

std::optional<Errno> ErrnoFromName(std::string_view name) {
  for (const auto& [value, n] : kErrnoNames)
    if (n == name) return value;
  return std::nullopt;
}

std::string_view CachingName(Caching c) { return kCachingNames[static_cast<int>(c)]; }
std::optional<Caching> CachingFromName(std::string_view name) {
  return IndexOf<Caching>(kCachingNames, name);
}

std::string_view FaultSiteName(FaultSite s) { return kFaultSiteNames[static_cast<int>(s)]; }
std::optional<FaultSite> FaultSiteFromName(std::string_view name) {
  return IndexOf<FaultSite>(kFaultSiteNames, name);
}

std::string_view TtStateName(TtState s) { return kTtStateNames[static_cast<int>(s)]; }
std::optional<TtState> TtStateFromName(std::string_view name) {
  return IndexOf<TtState>(kTtStateNames, name);
}

std::string_view OpNameByIndex(int index) { return kOpNames[index]; }
std::string_view OpName(const EventBody& body) { return kOpNames[body.index()]; }

MachineConfig Resolve(const Config& c) {
  MachineConfig m;
  m.system_pages = c.system_pages;
  m.dma32_pages = c.dma32_pages.value_or(std::min<uint64_t>(c.system_pages, uint64_t{1} << 20));
  m.swap_pages = c.swap_pages.value_or(c.system_pages);
  m.max_order = c.max_order;
  m.pool_limit_pages = c.pool_limit_pages.value_or(c.system_pages / 2);
  m.use_dma_alloc = c.use_dma_alloc;
  m.use_dma32 = c.use_dma32;
  m.numa_node = c.numa_node;
  return m;
}

}  // namespace ttm
