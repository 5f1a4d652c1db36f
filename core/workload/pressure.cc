// pressure, faults and swap-exhaustion: a working set larger than memory,
// kept alive by an xe-like shrinker (Generator::ShrinkerScan).
//
// Each runs in three phases, so that what it is named for happens early
// and for every seed, not by luck:
//  1. Load: the application creates its working set, one object per step
//     (allocate, populate, write), sizes dealt from the size deck, until an
//     object no longer fits and the shrinker runs for the first time. The
//     deck's smallest total (kDeckMinPages per 32 objects) bounds this
//     phase: on the default 128 MiB machine memory is full after at most
//     7 decks, 224 objects, 672 events (typically ~100 objects).
//  2. Tour: a fixed list of steps that each produce one of the workload's
//     behaviours, on the least recently used objects, as the shrinker would
//     pick them (pressure: a purge, a backup, a completed restore; faults:
//     every fault kind below; swap-exhaustion: backups until the store
//     fills with a partial one, an EBUSY refusal, a purge). Typically 50-150
//     events.
//  3. Churn: the application uses objects at random. An object that is not
//     resident is populated first (a restore when it was backed up) and
//     written to, so that every backup/restore cycle carries content the
//     engine checks. Before memory would run out the shrinker scans:
//     purgeable objects are purged, the least recently used others backed
//     up. When the shrinker can free nothing (no purgeable objects, no
//     swap) the application frees an object, as the OOM killer would.
//
// faults injects, in its tour and then each with probability --fault-rate:
// partial backups (backup_page failing after some pages with ENOMEM; the
// kernel's half backup), a backup failing at its first page
// (zero progress, on a write-back object without DMA addresses, the case xe
// can meet), restores interrupted by EINTR or ENOMEM in the page copy and
// resumed, restore-state allocation failures, and first populates failing
// at alloc_page (every order, or the high orders only so that the
// allocation falls back), set_caching (a write-combined object, pools
// emptied first so that the conversion happens) and dma_map (an object with
// DMA addresses). Every failed populate is retried, as the ioctl would be.
// Faults that would lead the V13 code into its known restore-from-zero bug
// (4.9: an allocation failure after a restore has made progress) are not
// injected: this workload checks the fault paths the kernel gets right.
// Every armed fault is disarmed after its operation, so that a fault the
// engine did not reach never fires somewhere unintended.
//
// swap-exhaustion has little swap (a quarter of memory) and more purgeable
// objects: backups turn partial when the store fills, a walk that goes on
// meets -EBUSY, and the shrinker then frees memory only by purging.
#include <algorithm>
#include <bit>
#include <optional>
#include <vector>

#include "core/workload/generator.h"

namespace ttm::workload {
namespace {

enum class Kind { kPressure, kFaults, kSwapExhaustion };

// One step of the tour (phase 2).
enum class Tour {
  kPurge,            // purge the LRU purgeable object
  kBackup,           // back up the LRU object
  kRestore,          // use the first backed-up object: a completed restore
  kPartialBackup,    // backup_page fails after some pages
  kHalfBackup,       // the kernel's half backup
  kZeroBackup,       // backup_page fails at the first page
  kRestoreEintr,     // copy_page EINTR, populate again (a restart)
  kRestoreCopyNomem, // copy_page ENOMEM, populate again
  kRestoreStateNomem,  // alloc_restore ENOMEM, populate again
  kAllocNomem,       // a new object: alloc_page ENOMEM at every order
  kAllocFallback,    // a new object: high orders fail, lower ones serve
  kCachingNomem,     // a new write-combined object: set_caching ENOMEM
  kDmaEfault,        // a new object with DMA addresses: dma_map EFAULT
  kFillStore,        // back up until the store is full, the last partially
  kEbusy,            // one more backup: -EBUSY
};

// What to do to a populate (a use of an object).
enum class Fault {
  kNone,
  kRestoreEintr,
  kRestoreCopyNomem,
  kRestoreStateNomem,
  kAllocNomem,
  kAllocFallback,
  kCachingNomem,
  kDmaEfault,
};

class Pressure : public Generator {
 public:
  Pressure(std::string name, Kind kind, Params params)
      : Generator(std::move(name), params),
        kind_(kind),
        fault_ppm_(PerMillion(params.fault_rate)),
        purgeable_ppm_(PerMillion(params.purgeable_rate)) {
    switch (kind) {
      case Kind::kPressure:
        tour_ = {Tour::kPurge, Tour::kBackup, Tour::kRestore};
        break;
      case Kind::kFaults:
        tour_ = {Tour::kPurge,          Tour::kPartialBackup,    Tour::kHalfBackup,
                 Tour::kZeroBackup,     Tour::kBackup,           Tour::kPartialBackup,
                 Tour::kRestoreEintr,   Tour::kRestoreCopyNomem, Tour::kRestoreStateNomem,
                 Tour::kRestoreEintr,   Tour::kAllocNomem,       Tour::kCachingNomem,
                 Tour::kDmaEfault,      Tour::kAllocFallback};
        break;
      case Kind::kSwapExhaustion:
        tour_ = {Tour::kFillStore, Tour::kEbusy, Tour::kPurge, Tour::kRestore};
        break;
    }
  }

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
      shrunk_ = true;
      if (free_pages() < need && queued() == before) OomFree(protect);
      return;
    }
    if (!use) {
      use = &obj(EmitAllocate(pending_->pages, pending_->caching, rng().Chance(100000),
                              pending_->dma));
      use->purgeable = pending_->purgeable;
    } else {
      // xe: populating clears purgeable; the application may mark the
      // object purgeable again after this use.
      use->purgeable = rng().Chance(purgeable_ppm_);
    }
    const bool fresh = use->state != Obj::State::kBackedUp;
    Populate(*use, pending_->fault);
    // A purged or new object has lost its content: the application fills
    // it again; otherwise it updates part of it.
    if (fresh && !use->written) {
      EmitWrite(*use);
    } else {
      EmitRandomWrite(*use);
    }
    pending_.reset();
  }

  uint64_t BeforeBackup(Obj& o) override {
    const uint64_t expected = Generator::BeforeBackup(o);
    armed_backup_fault_.reset();
    if (kind_ != Kind::kFaults || !touring_done() || expected < o.pages || o.pages < 2 ||
        !rng().Chance(fault_ppm_))
      return expected;
    if (rng().Chance(500000)) return ArmPartialBackup(o);
    EmitFail(FaultSite::kBackupHalf, 0);
    armed_backup_fault_ = FaultSite::kBackupHalf;
    return (o.pages + 1) / 2;
  }

  void AfterBackup(Obj& /*o*/) override {
    if (armed_backup_fault_) EmitDisarm(*armed_backup_fault_);
    armed_backup_fault_.reset();
  }

  void AddMeta(Meta* m) const override {
    m->options.push_back({"fault_rate", params().fault_rate});
    m->options.push_back({"purgeable_rate", params().purgeable_rate});
  }

 private:
  struct Pending {
    std::optional<uint64_t> use;  // an existing object, or a new one:
    uint64_t pages = 0;
    Caching caching = Caching::kCached;
    bool purgeable = false;
    bool dma = false;
    Fault fault = Fault::kNone;
  };

  bool touring_done() const { return next_tour_ >= tour_.size(); }

  Pending NewObject() {
    const Drawn d = DrawObject();
    Pending p;
    p.pages = d.pages;
    p.caching = DrawCaching();
    p.purgeable = d.purgeable;
    return p;
  }

  void Choose() {
    if (!shrunk_ && churn_live() < params().objects) {
      pending_ = NewObject();  // phase 1: loading the working set
      return;
    }
    while (!touring_done() && !pending_) {
      const size_t before = queued();
      DoTour(tour_[next_tour_++]);
      if (queued() != before) return;
    }
    if (pending_) return;
    const uint64_t r = rng().Below(1000);
    if (churn_live() == 0 || (churn_live() < params().objects && r < 150)) {
      pending_ = NewObject();
    } else if (r < 180) {
      EmitFree(RandomLive()->id);
    } else if (r < 185) {
      EmitPoolShrink(rng().Between(1, 4096));  // the MM's pool shrinker
    } else {
      Obj& o = *RandomLive();
      pending_ = Pending{};
      pending_->use = o.id;
      pending_->fault = RandomFault(o);
    }
  }

  Obj* FirstBackedUp(uint64_t min_handles) {
    for (uint64_t id : backed_up_)
      if (Obj* o = Find(id);
          o && o->state == Obj::State::kBackedUp && o->handles >= min_handles && !o->dma)
        return o;
    return nullptr;
  }

  Obj* Find(uint64_t id) { return has(id) ? &obj(id) : nullptr; }

  uint64_t ArmPartialBackup(Obj& o) {
    const uint64_t after = rng().Between(1, o.pages - 1);
    EmitFail(FaultSite::kBackupPage, after, 1, kENOMEM);
    armed_backup_fault_ = FaultSite::kBackupPage;
    return after;
  }

  void Backup(Obj& o, uint64_t expected) {
    EmitBackup(o, rng().Chance(500000), expected);
    if (expected > 0) backed_up_.push_back(o.id);
  }

  void Use(Obj& o, Fault fault) {
    pending_ = Pending{};
    pending_->use = o.id;
    pending_->fault = fault;
  }

  void NewWith(Fault fault, Caching caching, bool dma) {
    pending_ = NewObject();
    pending_->purgeable = false;
    pending_->caching = caching;
    pending_->dma = dma;
    pending_->fault = fault;
  }

  void DoTour(Tour step) {
    switch (step) {
      case Tour::kPurge:
        if (Obj* o = LruPurgeable()) EmitPurge(*o);
        return;
      case Tour::kBackup:
        if (Obj* o = Candidates(1)) Backup(*o, std::min(o->pages, swap_free()));
        return;
      case Tour::kRestore:
        if (Obj* o = FirstBackedUp(1)) Use(*o, Fault::kNone);
        return;
      case Tour::kPartialBackup:
        if (Obj* o = Candidates(2); o && swap_free() >= o->pages) {
          const uint64_t expected = ArmPartialBackup(*o);
          Backup(*o, expected);
          AfterBackup(*o);
        }
        return;
      case Tour::kHalfBackup:
        if (Obj* o = Candidates(2); o && swap_free() >= o->pages) {
          EmitFail(FaultSite::kBackupHalf, 0);
          Backup(*o, (o->pages + 1) / 2);
          EmitDisarm(FaultSite::kBackupHalf);
        }
        return;
      case Tour::kZeroBackup:
        if (Obj* o = Candidates(1, true)) {
          EmitFail(FaultSite::kBackupPage, 0, 1, kENOMEM);
          Backup(*o, 0);  // nothing backed up; the object stays populated
          EmitDisarm(FaultSite::kBackupPage);
        }
        return;
      case Tour::kRestoreEintr:
        if (Obj* o = FirstBackedUp(1)) Use(*o, Fault::kRestoreEintr);
        return;
      case Tour::kRestoreCopyNomem:
        if (Obj* o = FirstBackedUp(1)) Use(*o, Fault::kRestoreCopyNomem);
        return;
      case Tour::kRestoreStateNomem:
        if (Obj* o = FirstBackedUp(1)) Use(*o, Fault::kRestoreStateNomem);
        return;
      case Tour::kAllocNomem:
        return NewWith(Fault::kAllocNomem, Caching::kCached, false);
      case Tour::kAllocFallback:
        NewWith(Fault::kAllocFallback, Caching::kCached, false);
        pending_->pages = std::clamp<uint64_t>(pending_->pages, 2, params().max_object_pages);
        return;
      case Tour::kCachingNomem:
        return NewWith(Fault::kCachingNomem, Caching::kWriteCombined, false);
      case Tour::kDmaEfault:
        return NewWith(Fault::kDmaEfault, Caching::kCached, true);
      case Tour::kFillStore:
        // Whole backups while they fit; then one that does not: partial.
        for (int i = 0; i < 4 && swap_free() > 0; ++i) {
          Obj* bigger = nullptr;
          for (Obj* o : LruObjects())
            if (!o->purgeable && o->pages > swap_free()) {
              bigger = o;
              break;
            }
          Obj* o = bigger ? bigger : Candidates(1);
          if (!o) return;
          Backup(*o, std::min(o->pages, swap_free()));
        }
        if (swap_free() > 0) --next_tour_;  // not full yet: this step again
        return;
      case Tour::kEbusy:
        if (Obj* o = Candidates(1); o && swap_free() == 0) Backup(*o, 0);
        return;
    }
  }

  Obj* LruPurgeable() { return LruPopulated(0, true); }

  // The least recently used populated object, not purgeable, of at least
  // min_pages and at most 4096 pages (bringing it back stays cheap);
  // cached_no_dma: also write-back without DMA addresses.
  Obj* Candidates(uint64_t min_pages, bool cached_no_dma = false) {
    for (Obj* o : LruObjects())
      if (!o->purgeable && o->pages >= min_pages && o->pages <= 4096 &&
          (!cached_no_dma || (o->caching == Caching::kCached && !o->dma)))
        return o;
    return nullptr;
  }

  Fault RandomFault(const Obj& o) {
    if (kind_ != Kind::kFaults || !rng().Chance(fault_ppm_)) return Fault::kNone;
    // No restore faults on objects with DMA addresses: V13 resumes their
    // DMA cursor from slot 0 (4.7), a bug xe never meets (it uses none).
    if (o.state == Obj::State::kBackedUp && o.handles > 0) {
      if (o.dma) return Fault::kNone;
      const uint64_t r = rng().Below(4);
      return r < 2 ? Fault::kRestoreEintr
                   : r == 2 ? Fault::kRestoreCopyNomem : Fault::kRestoreStateNomem;
    }
    if (o.state != Obj::State::kUnpopulated) return Fault::kNone;
    switch (rng().Below(4)) {
      case 0:
        return Fault::kAllocNomem;
      case 1:
        return o.caching == Caching::kCached ? Fault::kAllocFallback : Fault::kCachingNomem;
      case 2:
        return o.dma ? Fault::kDmaEfault : Fault::kAllocFallback;
      default:
        return Fault::kAllocFallback;
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

  // Fails a populate, then populates again (the ioctl restarted), then
  // disarms the site.
  void FailThenRetry(Obj& o, FaultSite site, uint64_t after, Errno error) {
    EmitFail(site, after, 1, error);
    EmitPopulate(o);
    EmitDisarm(site);
    EmitPopulate(o);
  }

  // One populate as the application issues it, with `fault`.
  void Populate(Obj& o, Fault fault) {
    const bool restore = o.state == Obj::State::kBackedUp && o.handles > 0;
    const bool first = o.state == Obj::State::kUnpopulated;
    switch (fault) {
      case Fault::kRestoreEintr:
        // A signal during the restore: -EINTR, and the ioctl is restarted.
        if (restore) return FailThenRetry(o, FaultSite::kCopyPage, rng().Below(o.handles), kEINTR);
        break;
      case Fault::kRestoreCopyNomem:
        if (restore) return FailThenRetry(o, FaultSite::kCopyPage, rng().Below(o.handles), kENOMEM);
        break;
      case Fault::kRestoreStateNomem:
        // kvzalloc of the restore state fails: -ENOMEM, retried.
        if (restore) return FailThenRetry(o, FaultSite::kAllocRestore, 0, kENOMEM);
        break;
      case Fault::kAllocNomem:
        if (first) {
          // Every system allocation fails, whatever its order.
          EmitFail(FaultSite::kAllocPage, 0, uint64_t{1} << 20, kENOMEM);
          EmitPopulate(o);
          EmitDisarm(FaultSite::kAllocPage);
          EmitPopulate(o);
          return;
        }
        break;
      case Fault::kCachingNomem:
        if (first && o.caching != Caching::kCached) {
          // Pooled pages need no conversion: empty the pools first.
          EmitPoolShrink(params().pool_limit_pages + 1);
          return FailThenRetry(o, FaultSite::kSetCaching, 0, kENOMEM);
        }
        break;
      case Fault::kDmaEfault:
        if (first && o.dma) return FailThenRetry(o, FaultSite::kDmaMap, 0, kEFAULT);
        break;
      case Fault::kAllocFallback:
        if (first && o.pages >= 2) {
          // High orders are opportunistic in ttm_pool_alloc_page(): fail
          // them all from some order up, and the populate falls back below.
          const uint32_t top = std::min<uint32_t>(params().max_order, std::bit_width(o.pages) - 1);
          if (top == 0) break;
          EmitFail(FaultSite::kAllocPage, 0, uint64_t{1} << 20, std::nullopt,
                   static_cast<uint32_t>(rng().Between(1, top)));
          EmitPopulate(o);
          EmitDisarm(FaultSite::kAllocPage);
          return;
        }
        break;
      case Fault::kNone:
        break;
    }
    EmitPopulate(o);
  }

  const Kind kind_;
  const uint64_t fault_ppm_;
  const uint64_t purgeable_ppm_;
  bool shrunk_ = false;  // the shrinker has run: the load phase is over
  std::vector<Tour> tour_;
  size_t next_tour_ = 0;
  std::vector<uint64_t> backed_up_;  // objects the tour backed up, in order
  std::optional<Pending> pending_;
  std::optional<FaultSite> armed_backup_fault_;
};

Result<std::unique_ptr<Workload>> MakePressureLike(std::string name, Kind kind,
                                                  const WorkloadOptions& options,
                                                  const Defaults& d) {
  Result<Params> p = ResolveParams(options, d);
  if (!p.ok()) return p.status();
  return std::unique_ptr<Workload>(new Pressure(std::move(name), kind, *p));
}

// The machine: 128 MiB of system memory. Objects keep their real sizes
// (the size deck: 4 KiB..32 MiB here, the largest clipped to a quarter of
// memory); only the machine is scaled down from a real one, so that the
// working set of a couple of hundred buffers exceeds it within the first
// hundreds of events and a default trace replays in a fraction of a
// second. Swap twice the memory (plenty: backups never fail for lack of
// it). The pool may keep 1/16 of memory (8 MiB), as a pool shrinker under
// pressure would leave it. Up to 256 live objects, more than the load
// phase ever needs (224), about 1.5 times memory on average.
Defaults PressureDefaults() {
  Defaults d;
  d.system_pages = 32768;
  d.swap_per_system_num = 2;
  d.pool_limit_den = 16;
  d.objects = 256;
  d.max_object_pages = 16384;
  d.max_object_den = 4;
  d.purgeable_rate = 0.1;
  return d;
}

}  // namespace

Result<std::unique_ptr<Workload>> MakePressure(const WorkloadOptions& options) {
  return MakePressureLike("pressure", Kind::kPressure, options, PressureDefaults());
}

Result<std::unique_ptr<Workload>> MakeFaults(const WorkloadOptions& options) {
  Defaults d = PressureDefaults();
  d.fault_rate = 0.2;
  return MakePressureLike("faults", Kind::kFaults, options, d);
}

Result<std::unique_ptr<Workload>> MakeSwapExhaustion(const WorkloadOptions& options) {
  Defaults d = PressureDefaults();
  d.swap_per_system_num = 1;
  d.swap_per_system_den = 4;  // a quarter of memory: full after a few backups
  d.purgeable_rate = 0.3;     // purging is what is left once it is full
  return MakePressureLike("swap-exhaustion", Kind::kSwapExhaustion, options, d);
}

}  // namespace ttm::workload
