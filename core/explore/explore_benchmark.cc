// What the snapshot saves: explore on a long trace whose calls to fail come
// late, once from a snapshot taken at the first call and once replaying
// from the start for every call.
//
// Usage: bazel run -c opt //core/explore:explore_benchmark [-- EVENTS]
// A tool, not a test: it reads the clock. The trace: EVENTS events of
// churn (64 objects of 64 pages at a time, each allocated, populated,
// written, backed up, restored and freed), then the 4.7 object (16 pages
// in four order-2 chunks, DMA-mapped, backed up, restored, populated
// again), then 600 more events of churn. explore --site copy_page --error
// EINTR --tt <the 4.7 object>: 16 calls.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/explore/explore.h"

namespace ttm {
namespace {

constexpr uint64_t kWhere = 1000000;  // the 4.7 object's id

void Churn(std::vector<Event>& ev, uint64_t events, uint64_t& next_id) {
  const uint64_t target = ev.size() + events;
  auto add = [&](EventBody b) { ev.push_back(Event{ev.size() + 2, std::nullopt, std::move(b)}); };
  while (ev.size() < target) {
    const uint64_t id = next_id++ % 64;
    add(AllocateEvent{id, 64, Caching::kWriteCombined, false, false});
    add(PopulateEvent{id, true});
    add(WriteEvent{id, std::nullopt, std::nullopt});
    add(ShrinkEvent{id, false, false});
    add(PopulateEvent{id, true});
    add(FreeEvent{id});
  }
}

std::vector<Event> Trace(uint64_t events) {
  std::vector<Event> ev;
  uint64_t next_id = 0;
  Churn(ev, events, next_id);
  auto add = [&](EventBody b) { ev.push_back(Event{ev.size() + 2, std::nullopt, std::move(b)}); };
  FailEvent orders;
  orders.site = FaultSite::kAllocPage;
  orders.min_order = 3;
  orders.count = 1000;
  add(orders);
  add(AllocateEvent{kWhere, 16, Caching::kCached, false, true});
  add(PopulateEvent{kWhere, true});
  add(WriteEvent{kWhere, std::nullopt, std::nullopt});
  add(ShrinkEvent{kWhere, false, false});
  add(PopulateEvent{kWhere, true});
  add(PopulateEvent{kWhere, true});
  add(FreeEvent{kWhere});
  orders.count = 0;
  add(orders);
  Churn(ev, 600, next_id);
  return ev;
}

double Seconds(const MachineConfig& config, const std::vector<Event>& ev, bool snapshot,
               std::string* text) {
  ExploreOptions o;
  o.site = FaultSite::kCopyPage;
  o.error = kEINTR;
  o.tt = kWhere;
  o.snapshot = snapshot;
  const auto start = std::chrono::steady_clock::now();
  Result<Exploration> x = Explore(config, ev, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!x.ok()) {
    fprintf(stderr, "explore failed: %s\n", x.status().message().c_str());
    exit(1);
  }
  *text = RenderExploreText(*x);
  return secs;
}

}  // namespace
}  // namespace ttm

int main(int argc, char** argv) {
  const uint64_t events = argc > 1 ? strtoull(argv[1], nullptr, 10) : 100000;
  ttm::Config c;
  c.system_pages = 65536;
  const ttm::MachineConfig config = ttm::Resolve(c);
  const std::vector<ttm::Event> ev = ttm::Trace(events);
  std::string with, without;
  const double snap = ttm::Seconds(config, ev, true, &with);
  const double start = ttm::Seconds(config, ev, false, &without);
  printf("%s", with.c_str());
  printf("trace: %zu events; the 16 calls to fail come after event %llu\n", ev.size(),
         static_cast<unsigned long long>(events));
  printf("from a snapshot at the first call: %.2f s\n", snap);
  printf("from the start for every call:     %.2f s (%.1fx)\n", start, start / snap);
  printf("same results: %s\n", with == without ? "yes" : "NO");
  return with == without ? 0 : 1;
}
