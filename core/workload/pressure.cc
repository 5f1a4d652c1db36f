// pressure, faults and swap-exhaustion: a working set larger than memory,
// kept alive by an xe-like shrinker (Generator::ShrinkerScan).
//
// The application uses objects at random; an object that is not resident
// is populated first (a restore when it was backed up), and written to, so
// that every backup/restore cycle carries content the engine checks. Before
// memory would run out the shrinker scans: purgeable objects are purged,
// the least recently used others backed up. When the shrinker can free
// nothing (no purgeable objects, no swap) the application gives memory
// back itself by freeing an object, as a process killed by the OOM killer
// would.
//
// faults adds, each with probability --fault-rate: partial backups
// (backup_page failing after some pages, or the kernel's half backup),
// restores interrupted by EINTR and retried, restore-state allocation
// failures and retries, and populates whose high-order system allocations
// fail. Every armed fault is disarmed after its operation, so that a fault
// the engine did not reach never fires somewhere unintended.
//
// swap-exhaustion has little swap and many purgeable objects: backups turn
// partial when the store fills, a walk that goes on meets -EBUSY, and
// the shrinker then only frees memory by purging.
#include <algorithm>
#include <bit>
#include <optional>

#include "core/workload/generator.h"

namespace ttm::workload {
namespace {

class Pressure : public Generator {
 public:
  Pressure(std::string name, Params params)
      : Generator(std::move(name), params),
        fault_ppm_(PerMillion(params.fault_rate)),
        purgeable_ppm_(PerMillion(params.purgeable_rate)),
        faults_(fault_ppm_ > 0) {}

 protected:
  void Step() override {
    if (!pending_) Choose();
    if (!pending_) return;
    Obj* use = pending_->use ? &obj(*pending_->use) : nullptr;
    const uint64_t need = use ? use->pages - use->resident : pending_->pages;
    if (free_pages() < need) {
      const uint64_t protect = use ? use->id : 0;
      // Up to four shrinks of up to three events each.
      const size_t before = queued();
      ShrinkerScan(need - free_pages(), protect, rng().Chance(500000), 4);
      if (free_pages() < need && queued() == before) OomFree(protect);
      return;
    }
    if (!use) {
      use = &obj(EmitAllocate(pending_->pages, pending_->caching, rng().Chance(100000)));
      use->purgeable = false;
    }
    const bool fresh = use->state != Obj::State::kBackedUp;
    Populate(*use);
    // A purged or new object has lost its content: the application fills
    // it again; otherwise it updates part of it.
    if (fresh && !use->written) {
      EmitWrite(*use);
    } else {
      EmitRandomWrite(*use);
    }
    use->purgeable = rng().Chance(purgeable_ppm_);
    pending_.reset();
  }

  uint64_t BeforeBackup(Obj& o) override {
    const uint64_t expected = Generator::BeforeBackup(o);
    armed_backup_fault_.reset();
    if (!faults_ || expected < o.pages || o.pages < 2 || !rng().Chance(fault_ppm_))
      return expected;
    if (rng().Chance(500000)) {
      const uint64_t after = rng().Between(1, o.pages - 1);
      EmitFail(FaultSite::kBackupPage, after);
      armed_backup_fault_ = FaultSite::kBackupPage;
      return after;
    }
    EmitFail(FaultSite::kBackupHalf, 0);
    armed_backup_fault_ = FaultSite::kBackupHalf;
    return (o.pages + 1) / 2;
  }

  void AfterBackup(Obj& /*o*/) override {
    if (armed_backup_fault_) Disarm(*armed_backup_fault_);
    armed_backup_fault_.reset();
  }

  void AddMeta(Meta* m) const override {
    m->options.push_back({"fault_rate", params().fault_rate});
    m->options.push_back({"purgeable_rate", params().purgeable_rate});
  }

 private:
  struct Pending {
    std::optional<uint64_t> use;
    uint64_t pages = 0;
    Caching caching = Caching::kCached;
  };

  void Choose() {
    const uint64_t r = rng().Below(1000);
    if (churn_live() == 0 || (churn_live() < params().objects && r < 150)) {
      pending_ = Pending{std::nullopt, DrawSize(400000, 300000), DrawCaching()};
    } else if (r < 180) {
      EmitFree(RandomLive()->id);
    } else if (r < 185) {
      EmitPoolShrink(rng().Between(1, 4096));  // the MM's pool shrinker
    } else {
      pending_ = Pending{RandomLive()->id, 0, Caching::kCached};
    }
  }

  void OomFree(uint64_t protect) {
    // The least recently used resident object first; failing that any
    // object that holds memory or swap.
    Obj* victim = nullptr;
    if (Obj* lru = LruPopulated(protect, false)) victim = lru;
    for (uint64_t i = 0; i < 8 && !victim; ++i) {
      Obj* o = RandomLive();
      if (o && o->id != protect && (o->resident > 0 || o->handles > 0)) victim = o;
    }
    if (victim) {
      EmitFree(victim->id);
    } else {
      pending_.reset();
    }
  }

  void Disarm(FaultSite site) { EmitDisarm(site); }

  // One populate as the application issues it, with faults when enabled.
  void Populate(Obj& o) {
    if (!faults_ || !rng().Chance(fault_ppm_)) {
      EmitPopulate(o);
      return;
    }
    if (o.state == Obj::State::kBackedUp && o.handles > 0 && rng().Chance(666667)) {
      if (rng().Chance(750000)) {
        // A signal during the restore: -EINTR, and the ioctl is restarted.
        EmitFail(FaultSite::kCopyPage, rng().Below(o.handles), 1, kEINTR);
        EmitPopulate(o);
        EmitPopulate(o);
        Disarm(FaultSite::kCopyPage);
      } else {
        // kvzalloc of the restore state fails: -ENOMEM, retried.
        EmitFail(FaultSite::kAllocRestore, 0);
        EmitPopulate(o);
        EmitPopulate(o);
        Disarm(FaultSite::kAllocRestore);
      }
      return;
    }
    const uint32_t top = std::min<uint32_t>(params().max_order, std::bit_width(o.pages) - 1);
    if (top == 0) {
      EmitPopulate(o);
      return;
    }
    // High orders are opportunistic in ttm_pool_alloc_page(): fail them all
    // from some order up, and the populate falls back below it.
    EmitFail(FaultSite::kAllocPage, 0, uint64_t{1} << 20, std::nullopt,
             static_cast<uint32_t>(rng().Between(1, top)));
    EmitPopulate(o);
    Disarm(FaultSite::kAllocPage);
  }

  const uint64_t fault_ppm_;
  const uint64_t purgeable_ppm_;
  const bool faults_;
  std::optional<Pending> pending_;
  std::optional<FaultSite> armed_backup_fault_;
};

Result<std::unique_ptr<Workload>> MakePressureLike(std::string name,
                                                  const WorkloadOptions& options,
                                                  const Defaults& d) {
  Result<Params> p = ResolveParams(options, d);
  if (!p.ok()) return p.status();
  return std::unique_ptr<Workload>(new Pressure(std::move(name), *p));
}

Defaults PressureDefaults() {
  Defaults d;
  d.swap_per_system_num = 2;  // plenty of swap
  d.pool_limit_den = 16;
  d.objects = 128;
  d.purgeable_rate = 0.1;
  return d;
}

}  // namespace

Result<std::unique_ptr<Workload>> MakePressure(const WorkloadOptions& options) {
  return MakePressureLike("pressure", options, PressureDefaults());
}

Result<std::unique_ptr<Workload>> MakeFaults(const WorkloadOptions& options) {
  Defaults d = PressureDefaults();
  d.fault_rate = 0.2;
  return MakePressureLike("faults", options, d);
}

Result<std::unique_ptr<Workload>> MakeSwapExhaustion(const WorkloadOptions& options) {
  Defaults d = PressureDefaults();
  d.swap_per_system_num = 1;
  d.swap_per_system_den = 4;  // a quarter of memory
  d.purgeable_rate = 0.3;
  return MakePressureLike("swap-exhaustion", options, d);
}

}  // namespace ttm::workload
