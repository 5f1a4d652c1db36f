#include "core/workload/workload.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ttm::workload {
namespace {

WorkloadOptions Small(uint64_t seed, uint64_t events) {
  WorkloadOptions o;
  o.seed = seed;
  o.events = events;
  o.system_pages = 16384;
  return o;
}

std::unique_ptr<Workload> MakeOrDie(std::string_view name, const WorkloadOptions& o) {
  Result<std::unique_ptr<Workload>> w = Make(name, o);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(*w) : nullptr;
}

std::vector<Event> Drain(Workload& w) {
  std::vector<Event> events;
  Event e;
  while (w.Next(&e)) events.push_back(e);
  return events;
}

// A compact rendering of the fields the tests compare.
std::string Describe(const Event& e) {
  std::string s(OpName(e.body));
  if (auto tt = EventTt(e.body)) s += " " + std::to_string(*tt);
  if (auto* a = std::get_if<AllocateEvent>(&e.body))
    s += " " + std::to_string(a->pages) + std::string(CachingName(a->caching));
  if (auto* w = std::get_if<WriteEvent>(&e.body))
    s += " " + std::to_string(w->first.value_or(0)) + "+" + std::to_string(w->count.value_or(0));
  if (auto* f = std::get_if<FailEvent>(&e.body))
    s += " " + std::string(FaultSiteName(f->site)) + std::to_string(f->after) + "/" +
         std::to_string(f->count);
  return s;
}

std::vector<std::string> Names() {
  std::vector<std::string> names;
  for (const WorkloadInfo& info : Workloads()) names.emplace_back(info.name);
  return names;
}

TEST(Workloads, TheContractNamesAreListedInOrder) {
  EXPECT_EQ(Names(), (std::vector<std::string>{"steady", "pressure", "faults", "swap-exhaustion",
                                               "fragmented", "xe-kunit"}));
  for (const WorkloadInfo& info : Workloads()) EXPECT_FALSE(info.help.empty()) << info.name;
}

TEST(Workloads, AnUnknownNameIsAUsageErrorListingTheNames) {
  Result<std::unique_ptr<Workload>> w = Make("nope", WorkloadOptions{});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kUsage);
  EXPECT_EQ(w.status().message(),
            "unknown workload 'nope' (one of: steady, pressure, faults, swap-exhaustion, "
            "fragmented, xe-kunit)");
}

TEST(Workloads, OptionsOutOfRangeAreUsageErrors) {
  WorkloadOptions o;
  o.objects = 0;
  EXPECT_EQ(Make("steady", o).status().message(), "--objects 0: must be in 1..1048576");
  o = WorkloadOptions{};
  o.fault_rate = 1.5;
  EXPECT_EQ(Make("faults", o).status().code(), Status::Code::kUsage);
  o = WorkloadOptions{};
  o.system_pages = 100;
  EXPECT_EQ(Make("pressure", o).status().code(), Status::Code::kUsage);
  o = WorkloadOptions{};
  o.min_object_pages = 64;
  o.max_object_pages = 8;
  EXPECT_EQ(Make("steady", o).status().code(), Status::Code::kUsage);
  o = WorkloadOptions{};
  o.fragment_order = 11;
  EXPECT_EQ(Make("fragmented", o).status().code(), Status::Code::kUsage);
}

TEST(Workloads, EveryWorkloadProducesExactlyTheRequestedNumberOfEvents) {
  for (const std::string& name : Names()) {
    for (uint64_t n : {0, 1, 17, 300, 2000}) {
      auto w = MakeOrDie(name, Small(1, n));
      ASSERT_TRUE(w);
      EXPECT_EQ(Drain(*w).size(), n) << name;
      Event e;
      EXPECT_FALSE(w->Next(&e)) << name << ": more events after the end";
    }
  }
}

TEST(Workloads, TheSameSeedGivesTheSameEventsAndAnotherSeedOthers) {
  for (const std::string& name : Names()) {
    auto a = MakeOrDie(name, Small(9, 4000));
    auto b = MakeOrDie(name, Small(9, 4000));
    auto c = MakeOrDie(name, Small(10, 4000));
    std::vector<std::string> da, db, dc;
    for (const Event& e : Drain(*a)) da.push_back(Describe(e));
    for (const Event& e : Drain(*b)) db.push_back(Describe(e));
    for (const Event& e : Drain(*c)) dc.push_back(Describe(e));
    EXPECT_TRUE(da == db) << name;
    EXPECT_TRUE(da != dc) << name;
  }
}

TEST(Workloads, IdsAreFreshAndEveryObjectIsFreedWhenTheCountAllows) {
  for (const std::string& name : Names()) {
    auto w = MakeOrDie(name, Small(3, 5000));
    std::map<uint64_t, uint64_t> live;  // id -> pages
    std::set<uint64_t> ever;
    for (const Event& e : Drain(*w)) {
      const std::optional<uint64_t> tt = EventTt(e.body);
      if (auto* a = std::get_if<AllocateEvent>(&e.body)) {
        ASSERT_TRUE(ever.insert(a->tt).second) << name << ": id " << a->tt << " reused";
        ASSERT_GE(a->pages, 1u);
        live[a->tt] = a->pages;
      } else if (tt) {
        ASSERT_TRUE(live.count(*tt)) << name << ": " << Describe(e) << " names a dead id";
        if (auto* wr = std::get_if<WriteEvent>(&e.body)) {
          ASSERT_LE(wr->first.value_or(0) + wr->count.value_or(0), live[*tt]) << name;
        }
        if (std::holds_alternative<FreeEvent>(e.body)) live.erase(*tt);
      }
    }
    EXPECT_TRUE(live.empty()) << name << ": " << live.size() << " objects left alive";
    EXPECT_GT(ever.size(), 1u) << name;
  }
}

TEST(Workloads, MetaRecordsTheWorkloadSeedAndEffectiveOptions) {
  WorkloadOptions o = Small(77, 123);
  o.fault_rate = 0.25;
  auto w = MakeOrDie("faults", o);
  const Meta m = w->meta();
  EXPECT_EQ(m.workload, "faults");
  EXPECT_EQ(m.seed, 77u);
  EXPECT_EQ(m.events, 123u);
  EXPECT_EQ(m.generator_version, kGeneratorVersion);
  std::map<std::string, MetaValue> options(m.options.begin(), m.options.end());
  EXPECT_EQ(std::get<uint64_t>(options.at("system_pages")), 16384u);
  EXPECT_EQ(std::get<double>(options.at("fault_rate")), 0.25);
  EXPECT_EQ(w->config().system_pages, 16384u);
  EXPECT_EQ(w->config().swap_pages, std::get<uint64_t>(options.at("swap_pages")));
}

// 1/256 of memory, as xe's 64 MiB objects are of a 16 GiB machine.
TEST(Workloads, XeKunitObjectsAreAllOfTheObjectSize) {
  auto w = MakeOrDie("xe-kunit", Small(1, 400));
  for (const Event& e : Drain(*w)) {
    if (auto* a = std::get_if<AllocateEvent>(&e.body)) {
      EXPECT_EQ(a->pages, 64u);
      EXPECT_EQ(a->caching, Caching::kCached);
    }
  }
}

}  // namespace
}  // namespace ttm::workload
