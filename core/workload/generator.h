// The machinery shared by the workloads (private to //core/workload).
//
// A Generator turns a workload's Step() calls into exactly `events` events:
// Step() pushes a small group of events (at most kMaxStepEvents, at most
// one allocate) that belong together, such as "arm a fault, populate,
// populate again, write". When fewer events are left than the live objects
// need to be freed (plus one group), the generator winds down: it frees the
// live objects in id order and pads the rest with `check` events, so that a
// trace ends with nothing alive whenever the count allows.
//
// The generator's picture of the engine is an estimate kept by the Emit*
// helpers, which assume every operation succeeds as the policy intended
// (the trace cannot know otherwise). Policies keep a safety margin so that
// the estimate and the engine agree on everything that matters.
#ifndef TTM_CORE_WORKLOAD_GENERATOR_H_
#define TTM_CORE_WORKLOAD_GENERATOR_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/prng.h"
#include "core/workload/workload.h"

namespace ttm::workload {

inline constexpr uint64_t kMaxStepEvents = 16;

// Object sizes as a GPU driver sees them (section 7.5 of the semantics:
// "typically 4 KiB .. 256 MiB"; xe's own test uses 64 MiB). Sizes are dealt
// from a shuffled deck of 32 cards rather than drawn independently, so that
// every 32 consecutive objects hold exactly this mix, whatever the seed:
//  - 20 small, 1..16 pages (4..64 KiB): batch and command buffers,
//    descriptors, uniform buffers, small textures. Most buffers are small.
//    Half are powers of two, half any size (odd sizes give multi-chunk
//    objects even when memory is not fragmented).
//  - 8 medium, 17..255 pages (68 KiB..1 MiB): textures, vertex and index
//    buffers.
//  - 3 large, 256..4095 pages (1..16 MiB), spread evenly over the powers of
//    two: render targets and framebuffers (a 1080p RGBA8 surface is 2025
//    pages). These need max-order chunks.
//  - 1 huge, 4096..16383 pages (16..64 MiB): 4K surfaces (8100 pages),
//    compute buffers, xe's 64 MiB test objects. They dominate the bytes, as
//    in real GPU memory, and make one backup or restore move thousands of
//    pages.
// The deck's smallest possible total, 5020 pages, bounds how many objects
// fill a given memory, which is how the pressure workloads promise an early
// first shrink for every seed. Two small and two medium cards are marked
// purgeable (madvise-style caches the application can regenerate: 12.5 %
// of the objects, a few per cent of the pages), so that the shrinker's
// purge pass always has something to find while backups carry the bytes.
inline constexpr uint64_t kDeckCards = 32;
inline constexpr uint64_t kDeckMinPages = 20 * 1 + 8 * 17 + 3 * 256 + 4096;

// Probabilities are handled as parts per million (Prng::Chance).
uint64_t PerMillion(double rate);

// The options every workload understands, resolved against its defaults.
struct Params {
  uint64_t seed = 1;
  uint64_t events = 0;
  uint64_t system_pages = 0;
  uint64_t swap_pages = 0;
  uint64_t pool_limit_pages = 0;
  uint32_t max_order = 10;
  uint64_t objects = 0;
  uint64_t min_object_pages = 1;
  uint64_t max_object_pages = 1;
  double fault_rate = 0;
  double purgeable_rate = 0;
  uint32_t fragment_order = 0;
};

// Defaults of one workload, as functions of the (possibly user-set)
// system size.
struct Defaults {
  uint64_t system_pages = 262144;
  uint64_t swap_per_system_num = 1, swap_per_system_den = 1;  // swap = system * num / den
  uint64_t pool_limit_den = 2;                                // pool limit = system / den
  uint64_t objects = 256;
  uint64_t min_object_pages = 1;
  uint64_t max_object_pages = 16384;  // clipped to system / max_object_den
  uint64_t max_object_den = 8;
  double fault_rate = 0;
  double purgeable_rate = 0;
  uint32_t fragment_order = 3;
};

// Fills Params from the options and defaults. Errors (Usage): a value out
// of range, e.g. "--objects 0: must be at least 1".
Result<Params> ResolveParams(const WorkloadOptions& options, const Defaults& defaults);

// The generator's view of one object.
struct Obj {
  uint64_t id = 0;
  uint64_t pages = 0;
  Caching caching = Caching::kCached;
  enum class State { kUnpopulated, kPopulated, kBackedUp } state = State::kUnpopulated;
  uint64_t resident = 0;  // system pages the object holds (estimate)
  uint64_t handles = 0;   // backup store pages it holds (estimate)
  bool purgeable = false;
  bool written = false;
  bool pinned = false;  // not picked at random (fragmented's pins)
  bool dma = false;     // has a DMA address array
  uint64_t tick = 0;  // last use, for LRU order
  size_t pos = 0;     // index in Generator::ids_
};

class Generator : public Workload {
 public:
  Generator(std::string name, Params params);

  Config config() const override;
  Meta meta() const override;
  bool Next(Event* out) final;

 protected:
  // Pushes the next group of events (at least one; at most kMaxStepEvents,
  // at most one allocate).
  virtual void Step() = 0;
  // Workload-specific entries of meta's options, after the common ones.
  virtual void AddMeta(Meta* /*meta*/) const {}

  // ---- the estimate -------------------------------------------------------
  const Params& params() const { return p_; }
  Prng& rng() { return rng_; }
  // Live objects, pinned ones included / excluded.
  size_t live() const { return objs_.size(); }
  size_t churn_live() const { return ids_.size(); }
  Obj& obj(uint64_t id) { return objs_.at(id); }
  // A uniformly chosen live object that is not pinned; nullptr when none.
  Obj* RandomLive();
  // The least recently used populated object that is not `except`.
  Obj* LruPopulated(uint64_t except, bool purgeable_only);
  // Populated objects that are not pinned, least recently used first.
  std::vector<Obj*> LruObjects();
  bool has(uint64_t id) const { return objs_.count(id) > 0; }
  // Pages the policy may have populated at once: system minus the pool's
  // limit (pooled pages are taken from the system too) minus a margin.
  uint64_t budget() const { return budget_; }
  uint64_t used() const { return used_; }
  uint64_t free_pages() const { return used_ >= budget_ ? 0 : budget_ - used_; }
  uint64_t swap_used() const { return swap_used_; }
  uint64_t swap_free() const {
    return swap_used_ >= p_.swap_pages ? 0 : p_.swap_pages - swap_used_;
  }
  // Marks a use of the object (moves it to the LRU tail).
  void Touch(Obj& o);

  // ---- emitting events (each updates the estimate) -----------------------
  // Return: the new object's id (ids are never reused).
  uint64_t EmitAllocate(uint64_t pages, Caching caching, bool zero_alloc = false,
                        bool dma = false, bool pinned = false);
  void EmitPopulate(Obj& o, bool interruptible = true);
  // The whole object, or [first, first + count) when count > 0.
  void EmitWrite(Obj& o, uint64_t first = 0, uint64_t count = 0);
  void EmitRandomWrite(Obj& o);
  // `backed_up` is how many pages the policy expects the backup to take
  // (0: it expects a failure and nothing changes).
  void EmitBackup(Obj& o, bool writeback, uint64_t backed_up);
  void EmitPurge(Obj& o);
  void EmitUnpopulate(Obj& o);
  void EmitFree(uint64_t id);
  // Arms a fault at `site` (see docs/trace-format.md for what counts as a call).
  void EmitFail(FaultSite site, uint64_t after, uint64_t count = 1,
                std::optional<Errno> error = std::nullopt,
                std::optional<uint32_t> min_order = std::nullopt);
  void EmitDisarm(FaultSite site) { EmitFail(site, 0, 0); }
  void EmitPoolShrink(uint64_t pages);
  void EmitCheck();
  void Emit(EventBody body);
  // Events pushed and not yet pulled.
  size_t queued() const { return queue_.size(); }
  // Shrinks emitted so far: purges, and backups expected to back up pages.
  uint64_t purges_emitted() const { return purges_; }
  uint64_t backups_emitted() const { return backups_; }

  // ---- the xe shrinker (section 7.3/7.4 of ttm-semantics.md) ---------------
  // One shrinker scan asked for `needed` pages, never touching `protect`.
  // Pass 1 purges purgeable objects in LRU order; pass 2 walks populated
  // objects in LRU order, purging purgeable ones and backing up the rest,
  // until `needed` pages were scanned. Writeback only when the scan stands
  // for kswapd (`kswapd`). A backup the estimate says will find no swap
  // is still attempted once (the kernel answers -EBUSY) and ends the walk,
  // as xe's walk ends on any negative result. If the shrinker would
  // advertise nothing (no purgeable pages and no swap), nothing is emitted.
  // At most `max_shrinks` shrinks are emitted.
  // Return: pages freed according to the estimate.
  uint64_t ShrinkerScan(uint64_t needed, uint64_t protect, bool kswapd, size_t max_shrinks);
  // Called by ShrinkerScan before each backup; returns the expected count
  // of backed-up pages. The default: as the swap estimate says.
  virtual uint64_t BeforeBackup(Obj& o);
  // Called after the backup's shrink event (to disarm a fault).
  virtual void AfterBackup(Obj& /*o*/) {}

  // ---- sizes ------------------------------------------------------------
  // The next object from the size deck (DrawSize), clipped to the size
  // options, with the deck's purgeable mark.
  struct Drawn {
    uint64_t pages = 1;
    bool purgeable = false;
  };
  Drawn DrawObject();
  uint64_t DrawSize() { return DrawObject().pages; }
  // Mostly cached, some write-combined, a few uncached.
  Caching DrawCaching();

 private:
  void Remove(uint64_t id);

  std::string name_;
  Params p_;
  Prng rng_;
  uint64_t budget_ = 0;
  uint64_t emitted_ = 0;
  bool winding_down_ = false;
  std::deque<EventBody> queue_;
  // Live objects by id (ordered: the wind-down frees in id order), their
  // unpinned ids in an array for uniform picks, populated ones in LRU order.
  std::map<uint64_t, Obj> objs_;
  std::vector<uint64_t> ids_;
  std::set<std::pair<uint64_t, uint64_t>> lru_;  // (tick, id) of populated unpinned objects
  uint64_t next_id_ = 1;
  uint64_t tick_ = 0;
  uint64_t used_ = 0;
  // The size deck: a shuffled permutation of kDeck, dealt one per object.
  uint64_t purges_ = 0;
  uint64_t backups_ = 0;
  std::vector<uint8_t> deck_;
  size_t dealt_ = 0;
  uint64_t swap_used_ = 0;
};

// The factories of the workloads (one file each).
Result<std::unique_ptr<Workload>> MakeSteady(const WorkloadOptions& options);
Result<std::unique_ptr<Workload>> MakeFragmented(const WorkloadOptions& options);
Result<std::unique_ptr<Workload>> MakePressure(const WorkloadOptions& options);
Result<std::unique_ptr<Workload>> MakeFaults(const WorkloadOptions& options);
Result<std::unique_ptr<Workload>> MakeSwapExhaustion(const WorkloadOptions& options);
Result<std::unique_ptr<Workload>> MakeXeKunit(const WorkloadOptions& options);

}  // namespace ttm::workload

#endif  // TTM_CORE_WORKLOAD_GENERATOR_H_
