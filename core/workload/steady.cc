// steady and fragmented: churn without memory pressure.
//
// steady models an ordinary desktop or compute session: many small objects
// and some large ones come and go, are populated when used and unpopulated
// when evicted to make room, and nothing is ever backed up. Write-combined
// and uncached objects go back to the pools when unpopulated or freed, so
// later objects of the same caching find pooled blocks (pool hits); the
// session starts by making a write-combined staging buffer twice, so that
// this happens for every seed. The machine is 1 GiB: up to 256 objects of
// the size deck (about 100 000 pages on average) fit without a shrinker,
// and half of memory may stay pooled (the pool's default limit).
//
// fragmented first pins memory in a checkerboard of 2^fragment_order-page
// blocks (allocating objects of that size over the whole of system memory,
// then freeing every other one), so that no free block is larger than
// 2^fragment_order pages. The churn that follows asks for larger orders,
// which fail, and ttm_pool_alloc() falls back to lower ones (4.19).
#include <optional>

#include "core/workload/generator.h"

namespace ttm::workload {
namespace {

class Steady : public Generator {
 public:
  Steady(std::string name, Params params) : Generator(std::move(name), params) {}

 protected:
  void Step() override {
    if (staging_ < 2) return Staging();
    if (!pending_) Choose();
    if (!pending_) return;
    Obj* use = pending_->use ? &obj(*pending_->use) : nullptr;
    const uint64_t need = use ? (use->state == Obj::State::kPopulated ? 0 : use->pages)
                              : pending_->pages;
    if (free_pages() < need) {
      MakeRoom(need, use ? use->id : 0);
      return;
    }
    if (use) {
      EmitPopulate(*use);
      EmitRandomWrite(*use);
    } else {
      const uint64_t id = EmitAllocate(pending_->pages, pending_->caching,
                                       rng().Chance(100000), rng().Chance(100000));
      EmitPopulate(obj(id));
      EmitWrite(obj(id));
    }
    pending_.reset();
  }

  virtual uint64_t DrawObjectSize() { return DrawSize(); }

 private:
  // A staging buffer made, filled, freed and made again at the same size,
  // as a frame's upload buffer is: the second one is served from the
  // write-combined pool, so the pools are reused for every seed.
  void Staging() {
    if (staging_ == 0) staging_pages_ = std::min<uint64_t>(DrawObjectSize(), 4096);
    if (free_pages() < staging_pages_) {
      MakeRoom(staging_pages_, 0);
      ++staging_;  // nothing to evict: no demonstration on this machine
      return;
    }
    const uint64_t id = EmitAllocate(staging_pages_, Caching::kWriteCombined);
    EmitPopulate(obj(id));
    EmitWrite(obj(id));
    EmitFree(id);
    ++staging_;
  }

  struct Pending {
    std::optional<uint64_t> use;  // an existing object, or a new one:
    uint64_t pages = 0;
    Caching caching = Caching::kCached;
  };

  void Choose() {
    if (churn_live() == 0 || (churn_live() < params().objects && rng().Chance(300000))) {
      pending_ = Pending{std::nullopt, DrawObjectSize(), DrawCaching()};
      return;
    }
    Obj& o = *RandomLive();
    const uint64_t r = rng().Below(100);
    if (r < 50) {
      pending_ = Pending{o.id, 0, Caching::kCached};
    } else if (r < 70) {
      EmitUnpopulate(o);
    } else if (r < 98) {
      EmitFree(o.id);
    } else {
      // The MM's pool shrinker running now and then.
      EmitPoolShrink(rng().Between(1, 1024));
    }
  }

  // Room without a shrinker: the application evicts (unpopulates) or frees
  // its least recently used objects.
  void MakeRoom(uint64_t need, uint64_t protect) {
    for (int i = 0; i < 4 && free_pages() < need; ++i) {
      Obj* victim = LruPopulated(protect, false);
      if (!victim) {
        pending_.reset();  // nothing left to evict: give up on this object
        return;
      }
      if (rng().Chance(500000)) {
        EmitUnpopulate(*victim);
      } else {
        EmitFree(victim->id);
      }
    }
  }

  std::optional<Pending> pending_;
  int staging_ = 0;
  uint64_t staging_pages_ = 0;
};

class Fragmented : public Steady {
 public:
  Fragmented(std::string name, Params params)
      : Steady(std::move(name), params),
        pins_total_(params.system_pages >> params.fragment_order) {}

 protected:
  void Step() override {
    const uint64_t pin_pages = uint64_t{1} << params().fragment_order;
    if (pins_.size() < pins_total_) {
      // Blocks are handed out at the lowest free address, so consecutive
      // pins tile memory from frame 0 upwards.
      const uint64_t id = EmitAllocate(pin_pages, Caching::kCached, false, false, true);
      EmitPopulate(obj(id));
      pins_.push_back(id);
      return;
    }
    if (next_unpin_ < pins_.size()) {
      // Free every other pin: each hole's buddy stays pinned, so holes
      // never merge into a larger block.
      for (int i = 0; i < 8 && next_unpin_ < pins_.size(); ++i, next_unpin_ += 2)
        EmitFree(pins_[next_unpin_]);
      return;
    }
    Steady::Step();
  }

  void AddMeta(Meta* m) const override {
    m->options.push_back({"fragment_order", uint64_t{params().fragment_order}});
  }

 private:
  const uint64_t pins_total_;
  std::vector<uint64_t> pins_;
  size_t next_unpin_ = 1;
};

}  // namespace

Result<std::unique_ptr<Workload>> MakeSteady(const WorkloadOptions& options) {
  Defaults d;
  d.objects = 256;
  Result<Params> p = ResolveParams(options, d);
  if (!p.ok()) return p.status();
  return std::unique_ptr<Workload>(new Steady("steady", *p));
}

Result<std::unique_ptr<Workload>> MakeFragmented(const WorkloadOptions& options) {
  Defaults d;
  d.system_pages = 16384;
  d.pool_limit_den = 8;
  d.objects = 64;
  d.max_object_pages = 1024;
  d.max_object_den = 16;
  d.fragment_order = 4;
  Result<Params> p = ResolveParams(options, d);
  if (!p.ok()) return p.status();
  return std::unique_ptr<Workload>(new Fragmented("fragmented", *p));
}

}  // namespace ttm::workload
