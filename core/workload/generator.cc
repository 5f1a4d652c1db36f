#include "core/workload/generator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>

namespace ttm::workload {
namespace {

// Pages kept free beyond the estimate, for what the estimate leaves out
// (pages a failed operation left behind, rounding of the pool's limit).
constexpr uint64_t kMarginPages = 64;

// The most objects a generator keeps track of, so that memory stays small.
constexpr uint64_t kMaxObjects = uint64_t{1} << 20;

Status OutOfRange(std::string_view option, const std::string& value, std::string_view why) {
  return Status::Usage("--" + std::string(option) + " " + value + ": " + std::string(why));
}

}  // namespace

uint64_t PerMillion(double rate) {
  return static_cast<uint64_t>(std::llround(std::clamp(rate, 0.0, 1.0) * 1e6));
}

Result<Params> ResolveParams(const WorkloadOptions& o, const Defaults& d) {
  Params p;
  p.seed = o.seed;
  p.events = o.events;
  p.system_pages = o.system_pages.value_or(d.system_pages);
  if (p.system_pages < 1024 || p.system_pages > kMaxSystemPages)
    return OutOfRange("system-pages", std::to_string(p.system_pages),
                      "must be in 1024.." + std::to_string(kMaxSystemPages));
  p.swap_pages = o.swap_pages.value_or(p.system_pages / d.swap_per_system_den *
                                       d.swap_per_system_num);
  if (p.swap_pages > kMaxSystemPages * 16)
    return OutOfRange("swap-pages", std::to_string(p.swap_pages), "is too large");
  p.pool_limit_pages = o.pool_limit_pages.value_or(p.system_pages / d.pool_limit_den);
  if (p.pool_limit_pages > p.system_pages / 2)
    return OutOfRange("pool-limit-pages", std::to_string(p.pool_limit_pages),
                      "must be at most half of --system-pages");
  p.max_order = o.max_order.value_or(10);
  if (p.max_order > kMaxMaxOrder)
    return OutOfRange("max-order", std::to_string(p.max_order),
                      "must be in 0.." + std::to_string(kMaxMaxOrder));
  p.objects = o.objects.value_or(d.objects);
  if (p.objects < 1 || p.objects > kMaxObjects)
    return OutOfRange("objects", std::to_string(p.objects),
                      "must be in 1.." + std::to_string(kMaxObjects));
  p.max_object_pages = o.max_object_pages.value_or(
      std::max<uint64_t>(1, std::min(d.max_object_pages, p.system_pages / d.max_object_den)));
  p.min_object_pages = o.min_object_pages.value_or(std::min(d.min_object_pages, p.max_object_pages));
  if (p.min_object_pages < 1)
    return OutOfRange("min-object-pages", "0", "must be at least 1");
  if (p.max_object_pages < p.min_object_pages)
    return OutOfRange("max-object-pages", std::to_string(p.max_object_pages),
                      "must be at least --min-object-pages (" +
                          std::to_string(p.min_object_pages) + ")");
  // Every object must fit in what the policy may populate at once.
  const uint64_t budget = p.system_pages - p.pool_limit_pages - kMarginPages;
  if (p.max_object_pages > budget / 2)
    return OutOfRange("max-object-pages", std::to_string(p.max_object_pages),
                      "must be at most half of the populatable memory (" +
                          std::to_string(budget / 2) + " pages)");
  p.fault_rate = o.fault_rate.value_or(d.fault_rate);
  if (!(p.fault_rate >= 0 && p.fault_rate <= 1))
    return OutOfRange("fault-rate", std::to_string(p.fault_rate), "must be in 0..1");
  p.purgeable_rate = o.purgeable_rate.value_or(d.purgeable_rate);
  if (!(p.purgeable_rate >= 0 && p.purgeable_rate <= 1))
    return OutOfRange("purgeable-rate", std::to_string(p.purgeable_rate), "must be in 0..1");
  p.fragment_order = o.fragment_order.value_or(std::min(d.fragment_order, p.max_order));
  if (p.fragment_order > p.max_order)
    return OutOfRange("fragment-order", std::to_string(p.fragment_order),
                      "must be at most --max-order (" + std::to_string(p.max_order) + ")");
  return p;
}

Generator::Generator(std::string name, Params params)
    : name_(std::move(name)), p_(params), rng_(params.seed) {
  budget_ = p_.system_pages - p_.pool_limit_pages - kMarginPages;
}

Config Generator::config() const {
  Config c;
  c.system_pages = p_.system_pages;
  c.swap_pages = p_.swap_pages;
  c.max_order = p_.max_order;
  c.pool_limit_pages = p_.pool_limit_pages;
  return c;
}

Meta Generator::meta() const {
  Meta m;
  m.workload = name_;
  m.seed = p_.seed;
  m.events = p_.events;
  for (const WorkloadInfo& info : Workloads())
    if (info.name == name_) m.exercises.assign(info.exercises.begin(), info.exercises.end());
  m.options = {
      {"system_pages", p_.system_pages},
      {"swap_pages", p_.swap_pages},
      {"pool_limit_pages", p_.pool_limit_pages},
      {"max_order", uint64_t{p_.max_order}},
      {"objects", p_.objects},
      {"min_object_pages", p_.min_object_pages},
      {"max_object_pages", p_.max_object_pages},
  };
  AddMeta(&m);
  return m;
}

bool Generator::Next(Event* out) {
  if (emitted_ >= p_.events) return false;
  while (queue_.empty()) {
    const uint64_t left = p_.events - emitted_;
    // A step pushes at most kMaxStepEvents events and allocates at most one
    // object, which the wind-down must then be able to free.
    if (!winding_down_ && left > objs_.size() + kMaxStepEvents) {
      Step();
      assert(queue_.size() <= kMaxStepEvents);
      if (queue_.empty()) EmitCheck();
    } else {
      winding_down_ = true;
      if (!objs_.empty()) {
        EmitFree(objs_.begin()->first);
      } else {
        EmitCheck();
      }
    }
  }
  out->line = 0;
  out->t.reset();
  out->body = std::move(queue_.front());
  queue_.pop_front();
  ++emitted_;
  return true;
}

Obj* Generator::RandomLive() {
  if (ids_.empty()) return nullptr;
  return &objs_.at(ids_[rng_.Below(ids_.size())]);
}

Obj* Generator::LruPopulated(uint64_t except, bool purgeable_only) {
  for (const auto& [tick, id] : lru_) {
    if (id == except) continue;
    Obj& o = objs_.at(id);
    if (o.pinned || (purgeable_only && !o.purgeable)) continue;
    return &o;
  }
  return nullptr;
}

std::vector<Obj*> Generator::LruObjects() {
  std::vector<Obj*> out;
  for (const auto& [tick, id] : lru_) {
    Obj& o = objs_.at(id);
    if (!o.pinned) out.push_back(&o);
  }
  return out;
}

void Generator::Touch(Obj& o) {
  const bool in_lru = o.state == Obj::State::kPopulated && !o.pinned;
  if (in_lru) lru_.erase({o.tick, o.id});
  o.tick = ++tick_;
  if (in_lru) lru_.insert({o.tick, o.id});
}

void Generator::Emit(EventBody body) { queue_.push_back(std::move(body)); }

uint64_t Generator::EmitAllocate(uint64_t pages, Caching caching, bool zero_alloc, bool dma,
                                 bool pinned) {
  const uint64_t id = next_id_++;
  Obj o;
  o.id = id;
  o.pages = pages;
  o.caching = caching;
  o.pinned = pinned;
  o.dma = dma;
  o.tick = ++tick_;
  if (!pinned) {
    o.pos = ids_.size();
    ids_.push_back(id);
  }
  objs_.emplace(id, o);
  AllocateEvent a;
  a.tt = id;
  a.pages = pages;
  a.caching = caching;
  a.zero_alloc = zero_alloc;
  a.dma = dma;
  Emit(a);
  return id;
}

void Generator::EmitPopulate(Obj& o, bool interruptible) {
  PopulateEvent e;
  e.tt = o.id;
  e.interruptible = interruptible;
  Emit(e);
  if (o.state != Obj::State::kPopulated) {
    used_ += o.pages - o.resident;
    swap_used_ -= o.handles;
    o.resident = o.pages;
    o.handles = 0;
    o.state = Obj::State::kPopulated;
    if (!o.pinned) lru_.insert({o.tick, o.id});  // pinned objects are never shrunk
  }
  Touch(o);
}

void Generator::EmitWrite(Obj& o, uint64_t first, uint64_t count) {
  WriteEvent w;
  w.tt = o.id;
  if (count > 0) {
    assert(first + count <= o.pages);
    w.first = first;
    w.count = count;
  }
  Emit(w);
  if (o.state == Obj::State::kPopulated && first == 0 && (count == 0 || count == o.pages))
    o.written = true;
  Touch(o);
}

void Generator::EmitRandomWrite(Obj& o) {
  if (!o.written || o.pages == 1 || rng_.Chance(300000)) {
    EmitWrite(o);
    return;
  }
  const uint64_t first = rng_.Below(o.pages);
  EmitWrite(o, first, rng_.Between(1, o.pages - first));
}

void Generator::EmitBackup(Obj& o, bool writeback, uint64_t backed_up) {
  ShrinkEvent e;
  e.tt = o.id;
  e.writeback = writeback;
  Emit(e);
  if (o.state != Obj::State::kPopulated || backed_up == 0) return;
  ++backups_;
  backed_up = std::min(backed_up, o.pages);
  lru_.erase({o.tick, o.id});
  o.state = Obj::State::kBackedUp;
  o.handles = backed_up;
  o.resident = o.pages - backed_up;
  used_ -= backed_up;
  swap_used_ += backed_up;
}

void Generator::EmitPurge(Obj& o) {
  ShrinkEvent e;
  e.tt = o.id;
  e.purge = true;
  Emit(e);
  if (o.state != Obj::State::kPopulated) return;
  ++purges_;
  lru_.erase({o.tick, o.id});
  used_ -= o.resident;
  o.resident = 0;
  o.state = Obj::State::kUnpopulated;
  o.written = false;
}

void Generator::EmitUnpopulate(Obj& o) {
  UnpopulateEvent e;
  e.tt = o.id;
  Emit(e);
  if (o.state != Obj::State::kPopulated) return;
  lru_.erase({o.tick, o.id});
  used_ -= o.resident;
  o.resident = 0;
  o.state = Obj::State::kUnpopulated;
  o.written = false;
}

void Generator::EmitFree(uint64_t id) {
  FreeEvent e;
  e.tt = id;
  Emit(e);
  Remove(id);
}

void Generator::Remove(uint64_t id) {
  auto it = objs_.find(id);
  assert(it != objs_.end());
  Obj& o = it->second;
  used_ -= o.resident;
  swap_used_ -= o.handles;
  if (o.state == Obj::State::kPopulated) lru_.erase({o.tick, o.id});
  if (!o.pinned) {
    const uint64_t last = ids_.back();
    ids_[o.pos] = last;
    objs_.at(last).pos = o.pos;
    ids_.pop_back();
  }
  objs_.erase(it);
}

void Generator::EmitFail(FaultSite site, uint64_t after, uint64_t count,
                         std::optional<Errno> error, std::optional<uint32_t> min_order) {
  FailEvent f;
  f.site = site;
  f.after = after;
  f.count = count;
  f.error = error;
  f.min_order = min_order;
  Emit(f);
}

void Generator::EmitPoolShrink(uint64_t pages) {
  PoolShrinkEvent e;
  e.pages = pages;
  Emit(e);
}

void Generator::EmitCheck() { Emit(CheckEvent{}); }

uint64_t Generator::BeforeBackup(Obj& o) { return std::min(o.pages, swap_free()); }

uint64_t Generator::ShrinkerScan(uint64_t needed, uint64_t protect, bool kswapd,
                                 size_t max_shrinks) {
  // The walk's order is fixed before it starts: shrinking changes the LRU.
  std::vector<uint64_t> order;
  uint64_t purgeable = 0, shrinkable = 0;
  for (const auto& [tick, id] : lru_) {
    const Obj& o = objs_.at(id);
    if (id == protect || o.pinned) continue;
    order.push_back(id);
    (o.purgeable ? purgeable : shrinkable) += o.resident;
  }
  // xe_shrinker_count(): shrinkable pages only as far as there is swap.
  if (purgeable == 0 && (shrinkable == 0 || swap_free() == 0)) return 0;

  uint64_t scanned = 0, freed = 0;
  size_t shrinks = 0;
  // Pass 1: purge. xe ends this pass at the first non-purgeable object of
  // the LRU (-EBUSY ends the walk, 7.4); the generator skips such objects
  // instead, so that purgeable memory is found wherever it sits and the
  // purge fallback of a swapless machine makes progress.
  if (purgeable > 0) {
    for (uint64_t id : order) {
      if (scanned >= needed || shrinks >= max_shrinks) break;
      Obj& o = objs_.at(id);
      if (!o.purgeable || o.state != Obj::State::kPopulated) continue;
      scanned += o.pages;
      freed += o.resident;
      EmitPurge(o);
      ++shrinks;
    }
  }
  // Pass 2: back up (purgeable objects met here are still purged). Any
  // negative result ends the walk.
  for (uint64_t id : order) {
    if (scanned >= needed || shrinks >= max_shrinks) break;
    Obj& o = objs_.at(id);
    if (o.state != Obj::State::kPopulated) continue;
    scanned += o.pages;
    ++shrinks;
    if (o.purgeable) {
      freed += o.resident;
      EmitPurge(o);
      continue;
    }
    const uint64_t expected = BeforeBackup(o);
    EmitBackup(o, kswapd, expected);
    AfterBackup(o);
    freed += expected;
    if (expected == 0) break;  // -EBUSY (no swap): the walk ends
  }
  return freed;
}

namespace {

// The cards of the size deck (generator.h): class and purgeable mark.
enum Card : uint8_t { kSmall, kSmallPurgeable, kMedium, kMediumPurgeable, kLarge, kHuge };

constexpr std::array<uint8_t, kDeckCards> kDeck = [] {
  std::array<uint8_t, kDeckCards> d{};
  size_t i = 0;
  for (int k = 0; k < 18; ++k) d[i++] = kSmall;
  for (int k = 0; k < 2; ++k) d[i++] = kSmallPurgeable;
  for (int k = 0; k < 6; ++k) d[i++] = kMedium;
  for (int k = 0; k < 2; ++k) d[i++] = kMediumPurgeable;
  for (int k = 0; k < 3; ++k) d[i++] = kLarge;
  d[i++] = kHuge;
  return d;
}();

}  // namespace

Generator::Drawn Generator::DrawObject() {
  if (dealt_ == deck_.size()) {
    deck_.assign(kDeck.begin(), kDeck.end());
    // Fisher-Yates with the workload's own PRNG.
    for (size_t i = deck_.size() - 1; i > 0; --i) std::swap(deck_[i], deck_[rng_.Below(i + 1)]);
    dealt_ = 0;
  }
  const uint8_t card = deck_[dealt_++];
  // A size spread evenly over the powers of two 2^lo .. 2^hi, half of them
  // exact powers.
  auto spread = [&](uint64_t lo, uint64_t hi) {
    const uint64_t e = rng_.Between(lo, hi);
    return rng_.Chance(500000) ? uint64_t{1} << e
                               : rng_.Between(uint64_t{1} << e, (uint64_t{2} << e) - 1);
  };
  Drawn d;
  switch (card) {
    case kSmall:
    case kSmallPurgeable:
      d.pages = rng_.Chance(500000) ? uint64_t{1} << rng_.Below(5) : rng_.Between(1, 16);
      break;
    case kMedium:
    case kMediumPurgeable:
      d.pages = rng_.Between(17, 255);
      break;
    case kLarge:
      d.pages = spread(8, 11);
      break;
    default:
      d.pages = spread(12, 13);
      break;
  }
  d.purgeable = card == kSmallPurgeable || card == kMediumPurgeable;
  d.pages = std::clamp(d.pages, p_.min_object_pages, p_.max_object_pages);
  return d;
}

Caching Generator::DrawCaching() {
  const uint64_t r = rng_.Below(100);
  if (r < 80) return Caching::kCached;
  if (r < 95) return Caching::kWriteCombined;
  return Caching::kUncached;
}

}  // namespace ttm::workload
