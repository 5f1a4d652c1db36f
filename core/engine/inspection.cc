// Engine's inspection queries (inspection.h): copies of the model's state,
// taken without changing anything. Bookkeeping of the model, not a kernel
// function.
#include "core/engine/inspection.h"

#include <array>

#include "core/engine/engine.h"
#include "core/engine/model.h"

namespace ttm {
namespace {

// Bookkeeping: the page attribute as the trace names caching.
Caching FromPageCaching(PageCaching c) {
  switch (c) {
    case PageCaching::kWB: return Caching::kCached;
    case PageCaching::kWC: return Caching::kWriteCombined;
    case PageCaching::kUC: return Caching::kUncached;
  }
  return Caching::kCached;
}

// Appends one slot to the runs, merging it into the last run when it is
// the next slot of the same kind (and, for resident pages, order and
// caching).
void AddSlot(std::vector<SlotRun>* runs, const SlotRun& slot) {
  if (!runs->empty()) {
    SlotRun& last = runs->back();
    if (last.kind == slot.kind && last.first + last.count == slot.first && last.order == slot.order &&
        last.caching == slot.caching) {
      last.count += slot.count;
      return;
    }
  }
  runs->push_back(slot);
}

// Bookkeeping: tt->pages[] as runs.
std::vector<SlotRun> SlotRuns(const TtmModel& m, const TtObject& tt) {
  std::vector<SlotRun> runs;
  uint64_t next = 0;        // first slot not yet described
  uint32_t block_order = 0; // order of the block the last head began
  tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
    if (i > next) AddSlot(&runs, SlotRun{SlotRun::Kind::kEmpty, next, i - next, 0, Caching::kCached});
    SlotRun run{SlotRun::Kind::kHandle, i, 1, 0, Caching::kCached};
    if (s.is_page()) {
      const Page p = m.page(s.pfn());
      if (OwnedBySlot(p, tt, i)) {
        if (!p.tail) block_order = p.private_order;
        run = SlotRun{SlotRun::Kind::kResident, i, 1, block_order, FromPageCaching(p.caching)};
      } else {
        run.kind = SlotRun::Kind::kStale;
      }
    } else if (s.is_handle() && s.handle() == 0) {
      run.kind = SlotRun::Kind::kEmpty;  // the handle-0 marker holds nothing
    }
    AddSlot(&runs, run);
    next = i + 1;
  });
  if (tt.num_pages > next)
    AddSlot(&runs, SlotRun{SlotRun::Kind::kEmpty, next, tt.num_pages - next, 0, Caching::kCached});
  return runs;
}

// Bookkeeping: tt->dma_address[] as runs of consecutive bus addresses.
std::vector<DmaRun> DmaRuns(const TtObject& tt) {
  std::vector<DmaRun> runs;
  tt.dma_address.ForEachNonDefault([&](uint64_t i, const uint64_t& addr) {
    if (!runs.empty()) {
      DmaRun& last = runs.back();
      if (last.first + last.count == i && last.address + last.count * kPageSize == addr) {
        ++last.count;
        return;
      }
    }
    runs.push_back(DmaRun{i, 1, addr});
  });
  return runs;
}

}  // namespace

std::string_view SlotRunKindName(SlotRun::Kind kind) {
  static constexpr std::array<std::string_view, 4> kNames = {"empty", "resident", "handle", "stale"};
  return kNames[static_cast<int>(kind)];
}

// Bookkeeping: the live objects' trace ids, in increasing order.
std::vector<uint64_t> Engine::LiveTts() const {
  std::vector<uint64_t> ids;
  model_for_inspection().ForEachTt([&](const TtObject& tt) { ids.push_back(tt.id); });
  return ids;
}

// Bookkeeping: one struct ttm_tt as the model holds it, its slots walked
// once (only written chunks are visited).
std::optional<TtView> Engine::ViewTt(uint64_t id) const {
  const TtmModel& m = model_for_inspection();
  const TtObject* tt = m.FindTt(id);
  const std::optional<TtStatus> st = Inspect(id);
  if (!tt || !st) return std::nullopt;
  TtView v;
  v.id = id;
  v.num_pages = tt->num_pages;
  v.caching = tt->caching;
  v.state = st->state;
  v.resident = st->resident;
  v.backed_up = st->backed_up;
  v.empty = st->empty;
  v.restore_pending = st->restore_pending;
  v.intact = st->intact;
  v.slots = SlotRuns(m, *tt);
  if (const RestoreState* r = tt->restore.get()) {
    v.restore = RestoreView{r->alloced_pages, r->restored_pages, r->order, r->first_page,
                            r->caching_divide, std::nullopt};
    if (tt->has_dma) v.restore->dma_cursor = 0;
  }
  v.has_dma = tt->has_dma;
  v.dma = DmaRuns(*tt);
  return v;
}

// Bookkeeping: the non-empty struct ttm_pool_type lists, in shrinker-list
// order.
std::vector<PoolView> Engine::Pools() const {
  std::vector<PoolView> pools;
  for (const PoolType& pt : model_for_inspection().pool_types())
    if (!pt.pages.empty())
      pools.push_back(PoolView{pt.caching, pt.order, pt.dma32, pt.per_pool,
                               static_cast<uint64_t>(pt.pages.size()) << pt.order});
  return pools;
}

// Bookkeeping: the fault-injection sites that are armed, in site order.
std::vector<FaultView> Engine::ArmedFaults() const {
  std::vector<FaultView> faults;
  const FaultInjector& f = model_for_inspection().faults();
  for (int i = 0; i < kNumFaultSites; ++i) {
    const FaultSite site = static_cast<FaultSite>(i);
    const FaultInjector::Site& s = f.site(site);
    if (!s.armed) continue;
    faults.push_back(FaultView{site, s.spec.after, s.spec.count, s.spec.error, s.spec.order,
                               s.spec.min_order, s.passed, s.remaining, s.fired});
  }
  return faults;
}

// Bookkeeping: page_pool_size, the pool limit.
uint64_t Engine::pool_limit_pages() const { return model_for_inspection().page_pool_size(); }

}  // namespace ttm
