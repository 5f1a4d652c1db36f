// Engine: applies typed events to the TtmModel, keeps the report counters,
// answers the replayer's queries and tears everything down at the end.
#include "core/engine/engine.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <string>

#include "core/engine/checker.h"
#include "core/engine/model.h"
#include "core/engine/populated_clean.h"

namespace ttm {

std::string_view InvariantName(Invariant inv) {
  static constexpr std::array<std::string_view, kNumInvariants> kNames = {
      "3.1.1 ownership",
      "3.1.2 pool-accounting",
      "3.1.3 conservation",
      "3.1.4 split",
      "3.2.1 populated-layout",
      "3.2.2 unpopulated-owns-nothing",
      "3.2.3 backed-up-layout",
      "3.2.4 restore-state",
      "3.2.5 flags",
      "3.3.1 handle-references",
      "3.3.2 handle-value",
      "3.3.3 handle-use",
      "3.3.4 backup-released",
      "3.4.1 pool-caching",
      "3.4.2 tt-caching",
      "3.4.3 restore-caching",
      "3.4.4 wb-after-failed-backup",
      "3.5.1 dma-mapping",
      "3.5.2 dma-unmapped",
      "3.5.3 dma-unmap-once",
      "3.5.4 dma-address",
      "3.6.1 restored-content",
      "3.6.2 single-copy",
      "3.6.3 fresh-content",
      "3.7.1 backup-return",
      "3.7.2 restore-progress",
      "kernel-crash",
  };
  return kNames[static_cast<int>(inv)];
}

std::string_view SemanticsName(Semantics s) {
  switch (s) {
    case Semantics::kV13: return "v13";
    case Semantics::kMerged: return "merged";
    case Semantics::kMergedFixed: return "merged-fixed";
  }
  return "v13";
}

std::optional<Semantics> SemanticsFromName(std::string_view name) {
  for (Semantics s : {Semantics::kV13, Semantics::kMerged, Semantics::kMergedFixed})
    if (SemanticsName(s) == name) return s;
  return std::nullopt;
}

namespace {

// What the slots hold: pages the tt owns (stale pointers excluded) and
// backup handles (the handle-0 marker excluded).
struct SlotCounts {
  uint64_t resident = 0;
  uint64_t handles = 0;
};

// The reference: a walk over the slots.
SlotCounts CountSlots(const TtmModel& m, const TtObject& tt) {
  SlotCounts n;
  tt.pages.ForEachNonDefault([&](uint64_t i, const Slot& s) {
    if (s.is_handle()) {
      n.handles += s.handle() != 0;
    } else if (s.is_page()) {
      const Page p = m.page(s.pfn());
      n.resident += OwnedBySlot(p, tt, i);
    }
  });
  return n;
}

// The fast path: the counts the model keeps as slots and owners change.
SlotCounts KeptSlotCounts(const TtObject& tt) { return SlotCounts{tt.resident_slots, tt.handle_slots}; }

}  // namespace

class EngineImpl {
 public:
  EngineImpl(const MachineConfig& config, Semantics semantics, EngineOptions options)
      : model(config, semantics), options(options) {
    model.set_reference(options.reference);
  }

  Outcome Apply(const EventBody& event);
  SlotCounts Slots(const TtObject& tt) const;
  TtStatus Counts(const TtObject& tt) const;
  GlobalStatus Global() const;
  void NoteStatus(Outcome& out, const TtObject* tt) const;

  TtmModel model;
  EngineOptions options;
  // Trace ids touched since the last Check(), with repeats; sorted and
  // deduplicated by Check(). A vector that keeps its capacity: no
  // allocation per event (a std::set allocated a node per insert).
  std::vector<uint64_t> dirty;
  // The objects one Check() looks at; kept, like dirty, for its capacity.
  std::vector<const TtObject*> checked;

 private:
  int64_t Populate(TtObject& tt, const PopulateEvent& e);
  int64_t Shrink(TtObject& tt, const ShrinkEvent& e);
  void CheckFreshContent(const TtObject& tt);
};

// Bookkeeping: the slot counts, kept or (EngineOptions::reference) counted.
SlotCounts EngineImpl::Slots(const TtObject& tt) const {
  return options.reference ? CountSlots(model, tt) : KeptSlotCounts(tt);
}

// The populate event: ttm_tt_populate() plus the restore counters. A
// restart is any populate that finds a restore state (whether or not the
// modelled kernel then resumes from it correctly); whether progress goes
// back (3.7.2) is seen by the allocation loop itself.
int64_t EngineImpl::Populate(TtObject& tt, const PopulateEvent& e) {
  Counters& c = model.counters();
  // v6.15 + xe: a purged tt is allocated afresh, not restored.
  const bool restoring = tt.backed_up() && !tt.populated() && !(model.merged() && tt.purgeable);
  if (restoring) ++(tt.restore ? c.restore.restarts : c.restore.started);
  const bool fresh = !restoring && !tt.populated();
  const int ret = model.TtPopulate(tt, OperationCtx{e.interruptible});
  if (restoring) ++(ret == 0 ? c.restore.completed : c.restore.failed);
  if (fresh && ret == 0) CheckFreshContent(tt);
  return ret;
}

// Checker, no kernel counterpart: 3.6.3, checked where only the caller can
// see it: a freshly populated tt (after a purge, or never backed up) holds
// no old content. Its pages are zero when they came from a pool or with
// ZERO_ALLOC, poison otherwise.
void EngineImpl::CheckFreshContent(const TtObject& tt) {
  const bool zero_alloc = tt.page_flags & kTtFlagZeroAlloc;
  auto fresh = [&](Token token) { return token == kZeroToken || (!zero_alloc && token == kPoisonToken); };
  // The fast path takes the checker's clean verdict of the tt
  // (PopulatedClean()), looking at each page's token in the same pass:
  // when every block is clean (so every page was looked at) and every
  // page fresh there is nothing to report, and the verdict is recorded
  // for the check after this event (nothing changes the model in
  // between). Else the walk below says what and where.
  if (!model.reference()) {
    const Token other = zero_alloc ? kZeroToken : kPoisonToken;
    TokenBits stale = {0, 0, 0, 0};
    uint32_t stale1 = 0;
    const bool clean = PopulatedCleanVisiting(
        model, tt,
        [&](const Page* p) {
          TokenBits w[4];
          std::memcpy(w, p, sizeof w);
          stale |= TokensNotIn(TokensOf4(w), kZeroToken, other);
        },
        [&](const Page* p) { stale1 |= (p->token != kZeroToken) & (p->token != other); },
        [](uint64_t, Pfn, uint64_t) {});
    if (clean && (stale[0] | stale[1] | stale[2] | stale[3] | stale1) == 0) {
      model.RecordPopulatedClean(tt);
      return;
    }
  }
  std::optional<uint64_t> bad;
  // The layout a populate leaves, a block at a time: every slot before the
  // block holds a fresh page, so the first one in it that does not is the
  // first of all. Any other layout, slot by slot.
  const bool tiled = model.ForEachInOrderBlock(tt, [&](uint64_t i, Pfn first, uint64_t n) {
    // The tokens of the block's struct pages through a pointer, four at a
    // time: each is zero or the second fresh value (poison, or zero again
    // with ZERO_ALLOC). The reference engine asks fresh() page by page.
    const Token other = zero_alloc ? kZeroToken : kPoisonToken;
    bool ok = true;
    if (model.reference()) {
      model.ForEachPage(first, n, [&](uint64_t, const Page& p) { ok &= fresh(p.token); });
    } else {
      model.ForEachPageSpan(first, n, [&](uint64_t, const Page* p, uint64_t len) {
        // Struct pages never written: slot by slot below.
        ok = ok && p != nullptr && TokensAllIn(p, len, kZeroToken, other);
      });
    }
    if (!ok) {
      model.ForEachPage(first, n, [&](uint64_t pfn, const Page& p) {
        if (!bad && !fresh(p.token)) bad = i + (pfn - first);
      });
    }
    return ok;
  });
  if (!tiled && !bad) {
    model.ForEachSlotPage(tt, [&](uint64_t i, const Page& p) {
      if (!bad && !fresh(p.token)) bad = i;
    });
  }
  if (bad)
    model.Report(Invariant::kFreshContent, &tt,
                 "freshly populated slot " + std::to_string(*bad) + " holds old content, not " +
                     (zero_alloc ? "zero" : "zero or poison"));
}

// The shrink event: ttm_tt_backup() plus the backup counters and the check
// that a positive return equals the slots that gave up their page (3.7.1).
int64_t EngineImpl::Shrink(TtObject& tt, const ShrinkEvent& e) {
  Counters& c = model.counters();
  const uint64_t before = Slots(tt).resident;
  const int64_t ret = model.TtBackup(tt, BackupFlags{e.purge, e.writeback});
  if (ret == kEBUSY) ++c.backup.ebusy;
  if (ret <= 0) return ret;
  const uint64_t after = Slots(tt).resident;
  if (static_cast<uint64_t>(ret) != before - after)
    model.Report(Invariant::kBackupReturn, &tt,
                 "backup returned " + std::to_string(ret) + " but " + std::to_string(before - after) +
                     " slot(s) gave up their page");
  if (e.purge) {
    c.memory.purged_pages += ret;
  } else {
    c.memory.backed_up_pages += ret;
    if (after > 0) ++c.backup.partial;
  }
  return ret;
}

// One event: dispatch to the modelled kernel function; a KernelCrash
// abandons the operation where it stood.
Outcome EngineImpl::Apply(const EventBody& event) {
  Outcome out;
  model.NoteChange();
  model.set_sink(&out.violations);
  const std::optional<uint64_t> id = EventTt(event);
  TtObject* tt = id ? model.FindTt(*id) : nullptr;
  const bool creates = std::holds_alternative<AllocateEvent>(event);
  model.CountCallsOf(tt);
  out.has_ret = std::holds_alternative<PopulateEvent>(event) || std::holds_alternative<ShrinkEvent>(event);
  if (id) dirty.push_back(*id);
  if (id && (creates == (tt != nullptr))) {
    // The trace layer enforces the id rules; a caller that did not gets
    // EINVAL and no change.
    out.ret = kEINVAL;
    model.set_sink(nullptr);
    model.CountCallsOf(nullptr);
    NoteStatus(out, tt);
    return out;
  }
  try {
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, AllocateEvent>) {
            model.TtInit(e.tt, e);
          } else if constexpr (std::is_same_v<T, PopulateEvent>) {
            out.ret = Populate(*tt, e);
          } else if constexpr (std::is_same_v<T, WriteEvent>) {
            const uint64_t first = e.first.value_or(0);
            const uint64_t count = e.count.value_or(tt->num_pages - std::min(first, tt->num_pages));
            if (first + count <= tt->num_pages) model.Write(*tt, first, count);
          } else if constexpr (std::is_same_v<T, ShrinkEvent>) {
            out.ret = Shrink(*tt, e);
          } else if constexpr (std::is_same_v<T, UnpopulateEvent>) {
            model.TtUnpopulate(*tt);
          } else if constexpr (std::is_same_v<T, FreeEvent>) {
            try {
              model.TtUnpopulate(*tt);
              model.TtFini(*tt);
            } catch (const KernelCrash&) {
              // The free was abandoned, but the driver has let go of the tt:
              // it must not linger under an id the trace may reuse.
              model.TtDestroy(*tt);
            }
          } else if constexpr (std::is_same_v<T, PoolShrinkEvent>) {
            // The test-only variant starts one page short (EngineOptions).
            uint64_t freed = options.pool_shrink_off_by_one ? 1 : 0;
            while (freed < e.pages && model.allocated_pages() > 0) freed += model.PoolShrink();
          } else if constexpr (std::is_same_v<T, FailEvent>) {
            model.ArmFault(e);
          } else if constexpr (std::is_same_v<T, SetEvent>) {
            if (e.swap_pages) model.SetSwapPages(*e.swap_pages);
            if (e.pool_limit_pages) model.SetPoolLimit(*e.pool_limit_pages);
          }
          // check and expect are the replayer's.
        },
        event);
  } catch (const KernelCrash&) {
    // The kernel would have oopsed; the operation stops where it was.
    if (out.has_ret) out.ret = kEFAULT;
  }
  model.counters().memory.writeback_pages = model.store().writeback_pages();
  model.set_sink(nullptr);
  model.CountCallsOf(nullptr);  // a freed tt is gone
  // The object as the event left it: a new one looked up, a freed one
  // absent (gone, or no longer the driver's).
  if (std::holds_alternative<FreeEvent>(event)) {
    tt = nullptr;
  } else if (creates) {
    tt = model.FindTt(*id);
  }
  NoteStatus(out, tt);
  return out;
}

// Bookkeeping: the object's state and slot counts, as `expect` sees them
// (without `intact`).
TtStatus EngineImpl::Counts(const TtObject& tt) const {
  TtStatus st;
  st.state = tt.populated() ? TtState::kPopulated
             : tt.backed_up() ? TtState::kBackedUp
                              : TtState::kUnpopulated;
  st.restore_pending = tt.restore != nullptr;
  if (st.state != TtState::kUnpopulated) {
    const SlotCounts n = Slots(tt);
    st.resident = n.resident;
    st.backed_up = n.handles;
  }
  st.empty = tt.num_pages - st.resident - st.backed_up;
  return st;
}

// Bookkeeping: the global quantities `expect` can ask about.
GlobalStatus EngineImpl::Global() const {
  return GlobalStatus{model.allocator().used_pages(), model.allocated_pages(), model.store().held_pages(),
                      model.live_tts()};
}

// Bookkeeping: Outcome::object (of `tt`, nullptr: none) and Outcome::global.
void EngineImpl::NoteStatus(Outcome& out, const TtObject* tt) const {
  if (tt != nullptr) out.object = Counts(*tt);
  out.global = Global();
}

Engine::Engine(const MachineConfig& config, Semantics semantics, EngineOptions options)
    : impl_(std::make_unique<EngineImpl>(config, semantics, options)) {}
Engine::~Engine() = default;
Engine::Engine(const Engine& other) : impl_(std::make_unique<EngineImpl>(*other.impl_)) {}
Engine& Engine::operator=(const Engine& other) {
  if (this != &other) impl_ = std::make_unique<EngineImpl>(*other.impl_);
  return *this;
}

Outcome Engine::Apply(const EventBody& event) { return impl_->Apply(event); }
const TtmModel& Engine::model_for_inspection() const { return impl_->model; }

// Checker, no kernel counterpart: the invariants of checker.h over the
// tts of `scope`, in trace id order.
std::vector<Violation> Engine::Check(CheckScope scope) {
  std::vector<const TtObject*>& tts = impl_->checked;
  tts.clear();
  if (scope == CheckScope::kFull) {
    impl_->model.ForEachTt([&](const TtObject& tt) { tts.push_back(&tt); });
  } else {
    // In id order, as before; an id freed since (and not reused) is gone.
    // With a check after every event (the default) there is one id: the
    // sort, a call of its own, is left for the runs between checks.
    std::vector<uint64_t>& dirty = impl_->dirty;
    if (dirty.size() > 1) {
      std::sort(dirty.begin(), dirty.end());
      dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
    }
    for (uint64_t id : dirty)
      if (const TtObject* tt = impl_->model.FindTt(id)) tts.push_back(tt);
  }
  impl_->dirty.clear();
  std::vector<Violation> found = CheckInvariants(impl_->model, tts, scope);
  impl_->model.NoteChange();  // a write's recorded verdict serves one check
  return found;
}

// Bookkeeping: the slot counts `expect` asks about, without `intact`.
std::optional<TtStatus> Engine::Counts(uint64_t id) const {
  const TtObject* tt = impl_->model.FindTt(id);
  if (!tt) return std::nullopt;
  return impl_->Counts(*tt);
}

// Bookkeeping: Counts() plus `intact`.
std::optional<TtStatus> Engine::Inspect(uint64_t id) const {
  std::optional<TtStatus> counted = Counts(id);
  if (!counted) return std::nullopt;
  TtStatus st = *counted;
  const TtmModel& m = impl_->model;
  const TtObject* tt = m.FindTt(id);

  // intact: every vouched slot's content, wherever it is now, is what was
  // last written there.
  st.intact = !m.FirstLostSlot(*tt);
  return st;
}

GlobalStatus Engine::Global() const { return impl_->Global(); }

uint64_t Engine::FaultCalls(FaultSite site, Errno error) const {
  return impl_->model.faults().calls(site).Counted(error);
}

std::optional<uint64_t> Engine::FaultCalls(FaultSite site, Errno error, uint64_t id) const {
  const TtObject* tt = impl_->model.FindTt(id);
  if (!tt) return std::nullopt;
  if (!tt->fault_calls) return 0;
  return (*tt->fault_calls)[static_cast<size_t>(site)].Counted(error);
}

uint64_t Engine::FaultsFired(FaultSite site) const { return impl_->model.faults().fired(site); }

const Counters& Engine::counters() const { return impl_->model.counters(); }
const MachineConfig& Engine::config() const { return impl_->model.config(); }
Semantics Engine::semantics() const { return impl_->model.semantics(); }

LeakReport Engine::Teardown() {
  LeakReport leaks;
  TtmModel& m = impl_->model;
  leaks.live_tts = m.live_tts();
  std::vector<uint64_t> ids;
  m.ForEachTt([&](const TtObject& tt) { ids.push_back(tt.id); });
  for (uint64_t id : ids) {
    Outcome o = impl_->Apply(FreeEvent{id});
    for (Violation& v : o.violations) leaks.violations.push_back(std::move(v));
  }
  std::vector<Violation> sink;
  m.set_sink(&sink);
  try {
    m.PoolFini();
  } catch (const KernelCrash&) {
  }
  m.set_sink(nullptr);
  for (Violation& v : sink) leaks.violations.push_back(std::move(v));
  leaks.pages = m.allocator().used_pages();
  leaks.handles = m.leaked_handles() + m.store().held_pages();
  leaks.restore_states = m.leaked_restore_states();
  return leaks;
}

}  // namespace ttm
