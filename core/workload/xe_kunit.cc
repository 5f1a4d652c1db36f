// xe-kunit: the xe driver's live shrink test (xe_bo_shrink_kunit, section
// 6.3 of ttm-semantics.md) as a trace, repeated in rounds until the event
// count is used up.
//
// A round creates equal write-back objects (1/256 of memory by default, as
// in the real test; see MakeXeKunit) until twice
// the system memory has been allocated. If memory and swap together cannot
// hold that, the first objects (the excess plus 20 %) are marked purgeable
// and never filled; all others are written. Creating them drives the
// shrinker: purgeable objects are purged first, then the least recently
// used others are backed up. Then every non-purgeable object is brought
// back, evicting others as needed: a restore is interrupted by an injected
// EINTR (with probability --fault-rate) and retried, and its content is
// checked with `expect intact`. The purged objects are freed before that
// check pass (the kunit test only counts them), and the round ends by
// freeing everything.
//
// An expect is written only where its outcome is certain: the populate
// before it is non-interruptible (EINTR cannot fire) and the policy made
// room for it, so the object is resident and holds what was written.
#include <algorithm>
#include <vector>

#include "core/workload/generator.h"

namespace ttm::workload {
namespace {

class XeKunit : public Generator {
 public:
  XeKunit(Params params) : Generator("xe-kunit", params), fault_ppm_(PerMillion(params.fault_rate)) {
    const uint64_t n = params.max_object_pages;
    const uint64_t capacity = budget() / n + params.swap_pages / n;
    const uint64_t total = params.objects;
    uint64_t purgeable = total > capacity ? ((total - capacity) * 6 + 4) / 5 : 0;
    // Leave one object's worth of slack, so that bringing one object back
    // always finds room to back up another.
    if (total - std::min(total, purgeable) + 1 > capacity)
      purgeable = capacity > 0 ? total - std::min(total, capacity - 1) : total;
    purgeable_ = std::min(purgeable, total);
  }

 protected:
  void Step() override {
    switch (phase_) {
      case Phase::kCreate:
        return Create();
      case Phase::kCheck:
        return Check();
      case Phase::kFree:
        return FreeRound();
    }
  }

  void AddMeta(Meta* m) const override {
    m->options.push_back({"fault_rate", params().fault_rate});
    m->options.push_back({"purgeable_objects", purgeable_});
  }

 private:
  enum class Phase { kCreate, kCheck, kFree };

  // Makes room for `need` pages; false when the shrinker found nothing.
  bool MakeRoom(uint64_t need, uint64_t protect) {
    if (free_pages() >= need) return true;
    const size_t before = queued();
    const uint64_t freed =
        ShrinkerScan(need - free_pages(), protect, rng().Chance(500000), 4);
    if (queued() == before || freed == 0) stuck_ = true;
    return false;
  }

  void Create() {
    if (round_.size() == params().objects || stuck_) {
      stuck_ = false;
      phase_ = Phase::kCheck;
      next_ = 0;
      return Check();
    }
    if (!MakeRoom(params().max_object_pages, 0)) return;
    Obj& o = obj(EmitAllocate(params().max_object_pages, Caching::kCached));
    EmitPopulate(o);
    o.purgeable = round_.size() < purgeable_;
    if (!o.purgeable) EmitWrite(o);
    round_.push_back(o.id);
  }

  void Check() {
    // The purged objects go first; they are never brought back.
    if (purged_freed_ < std::min<uint64_t>(purgeable_, round_.size())) {
      for (int i = 0; i < 8 && purged_freed_ < std::min<uint64_t>(purgeable_, round_.size());
           ++i)
        EmitFree(round_[purged_freed_++]);
      return;
    }
    if (next_ < purged_freed_) next_ = purged_freed_;
    if (next_ >= round_.size()) {
      phase_ = Phase::kFree;
      next_ = purged_freed_;
      return FreeRound();
    }
    Obj& o = obj(round_[next_]);
    if (!MakeRoom(o.pages - o.resident, o.id)) {
      if (stuck_) {  // cannot happen with the slack above; skip the object
        stuck_ = false;
        ++next_;
      }
      return;
    }
    if (o.state == Obj::State::kBackedUp && o.handles > 0 && rng().Chance(fault_ppm_)) {
      // Validation with an interruptible context: a signal interrupts the
      // restore, the test retries while -EINTR.
      EmitFail(FaultSite::kCopyPage, rng().Below(o.handles), 1, kEINTR);
      EmitPopulate(o, true);
      EmitDisarm(FaultSite::kCopyPage);
    }
    EmitPopulate(o, false);
    ExpectEvent e;
    e.tt = o.id;
    e.state = TtState::kPopulated;
    e.intact = true;
    Emit(e);
    ++next_;
  }

  void FreeRound() {
    for (int i = 0; i < 8 && next_ < round_.size(); ++i) EmitFree(round_[next_++]);
    if (next_ < round_.size()) return;
    round_.clear();
    purged_freed_ = 0;
    next_ = 0;
    phase_ = Phase::kCreate;
  }

  const uint64_t fault_ppm_;
  uint64_t purgeable_ = 0;
  Phase phase_ = Phase::kCreate;
  std::vector<uint64_t> round_;  // this round's objects, in creation order
  uint64_t purged_freed_ = 0;
  size_t next_ = 0;
  bool stuck_ = false;
};

}  // namespace

// The machine and the objects keep the real test's proportions at 1/256
// scale: xe's test makes 64 MiB objects on a machine of up to 16 GiB free
// (it skips larger ones), 1/256 of memory each, twice memory in all. Here:
// a 64 MiB machine (16384 pages) and objects of 1/256 of it, 64 pages
// (256 KiB), 512 per round. A round then has the same shape as the real
// test (hundreds of objects, the same purge and backup split) and a default
// trace (several rounds) replays in a fraction of a second; 64 MiB objects
// (`--max-object-pages 16384` on a larger machine) move 256 times the pages
// per event. Swap is half of memory, so that memory and swap together
// cannot hold twice the memory and the purge pass has work. Half of the
// restores are interrupted by EINTR and retried (--fault-rate 0.5), as the
// test's interruptible validation loop would see with fault injection on.
Result<std::unique_ptr<Workload>> MakeXeKunit(const WorkloadOptions& options) {
  Defaults d;
  d.system_pages = 16384;
  d.swap_per_system_den = 2;  // memory + swap cannot hold twice the memory
  d.pool_limit_den = 16;
  d.max_object_pages = 16384;  // clipped to 1/256 of memory
  d.max_object_den = 256;
  d.fault_rate = 0.5;
  WorkloadOptions o = options;
  Result<Params> p = ResolveParams(o, d);
  if (!p.ok()) return p.status();
  if (!options.objects) {
    // Twice the system memory.
    p->objects = (2 * p->system_pages + p->max_object_pages - 1) / p->max_object_pages;
  }
  p->min_object_pages = p->max_object_pages;
  return std::unique_ptr<Workload>(new XeKunit(*p));
}

}  // namespace ttm::workload
