// Fault injection: the trace's `fail` op, and the kernel's own
// backup_fault_inject attribute (v13 4/8).
//
// Why per site and counted: the failures worth replaying are the ones at a
// precise spot (the fifth page of a backup, the order-9 attempt of a
// populate, the copy that a signal interrupts). The trace names the site,
// how many counted calls to let pass and how many to fail, so a fault is a
// pure function of the call sequence and replays identically everywhere.
// What counts as one call at each site is pinned by docs/trace-format.md; the
// engine calls Call() exactly there.
#ifndef TTM_CORE_ENGINE_FAULT_INJECTOR_H_
#define TTM_CORE_ENGINE_FAULT_INJECTOR_H_

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/engine/clone_ptr.h"
#include "core/event.h"

namespace ttm {

// How many calls a site saw: all of them, and those made in an
// interruptible context (the only ones an EINTR fault counts).
struct CallCount {
  uint64_t all = 0;
  uint64_t interruptible = 0;
  // The calls an armed fault raising `error`, without an order filter,
  // counts.
  uint64_t Counted(Errno error) const { return error == kEINTR ? interruptible : all; }
};
using CallCounts = std::array<CallCount, kNumFaultSites>;

// A fault armed at one site.
struct FaultSpec {
  FaultSite site = FaultSite::kAllocPage;
  uint64_t after = 0;  // counted calls that pass before the first failure
  uint64_t count = 1;  // counted calls that then fail; 0 disarms the site
  Errno error = kENOMEM;
  std::optional<uint32_t> order;      // kAllocPage: only calls of exactly this order count
  std::optional<uint32_t> min_order;  // kAllocPage: only calls of this order or higher count
};

// The error a site raises when a `fail` event names none: the first of the
// site's list in docs/trace-format.md (kENOMEM for backup_half, whose firing is
// only a marker).
Errno DefaultFaultError(FaultSite site);

// The FaultSpec of a `fail` event, with the site's default error filled in.
FaultSpec FaultSpecFromEvent(const FailEvent& event);

// Models CONFIG_FAULT_INJECTION's should_fail() per site, with the trace's
// `after`/`count` in place of probability and interval.
class FaultInjector {
 public:
  // Arms the site, replacing (and restarting the count of) whatever was
  // armed there; count 0 disarms it.
  void Arm(const FaultSpec& spec);

  // One call at `site`, of `order` for kAllocPage, inside an interruptible
  // context or not.
  //
  // Only counted calls move the fault along: for kAllocPage those whose
  // order matches spec.order / spec.min_order; for an EINTR fault only
  // interruptible calls (in a non-interruptible one it neither fires nor
  // counts). After `after` counted calls have passed, the next `count`
  // counted calls fail, then the site disarms itself.
  // Return: the negative errno to inject, or 0. For kBackupHalf a firing
  // returns kENOMEM as a marker ("back up only the first half").
  int Call(FaultSite site, uint32_t order = 0, bool interruptible = true) {
    const size_t s = static_cast<size_t>(site);
    Count(calls_[s], interruptible);
    if (object_calls_) {
      if (!*object_calls_) [[unlikely]] *object_calls_ = std::make_unique<CallCounts>();
      Count((**object_calls_)[s], interruptible);
    }
    // Nothing armed at the site, the common case: the call only counts.
    if (!sites_[s].armed) [[likely]] return 0;
    return CallArmed(site, order, interruptible);
  }

  // n calls at `site`, where nothing is armed: the counts of n Call()s,
  // which would all return 0, made at once.
  void CallsUnarmed(FaultSite site, uint64_t n, bool interruptible) {
    assert(!armed(site));
    const size_t s = static_cast<size_t>(site);
    Count(calls_[s], n, interruptible);
    if (object_calls_ && n != 0) {
      if (!*object_calls_) *object_calls_ = std::make_unique<CallCounts>();
      Count((**object_calls_)[s], n, interruptible);
    }
  }

  bool armed(FaultSite site) const { return SiteOf(site).armed; }

  // Every call at each site since construction, armed or not (explore
  // numbers them to fail exactly one).
  const CallCount& calls(FaultSite site) const { return calls_[static_cast<size_t>(site)]; }
  // Calls are also counted into *object (the calls of the object whose
  // operation runs) until this is set back to nullptr.
  // The object whose calls are also counted (its counts are made on its
  // first call, so an object that never calls a site costs a pointer).
  void set_object_calls(ClonePtr<CallCounts>* object) { object_calls_ = object; }
  // How many times the site fired since construction (re-arming does not
  // reset it).
  uint64_t fired(FaultSite site) const { return SiteOf(site).fired; }

  // What is armed at a site and how far it has got.
  struct Site {
    bool armed = false;
    FaultSpec spec;
    uint64_t passed = 0;     // counted calls let through so far
    uint64_t remaining = 0;  // failures still to inject
    uint64_t fired = 0;
  };
  const Site& site(FaultSite s) const { return SiteOf(s); }

 private:
  static void Count(CallCount& n, bool interruptible) {
    ++n.all;
    n.interruptible += interruptible;
  }
  static void Count(CallCount& c, uint64_t n, bool interruptible) {
    c.all += n;
    c.interruptible += interruptible ? n : 0;
  }
  // Call() at a site where a fault is armed.
  int CallArmed(FaultSite site, uint32_t order, bool interruptible);
  Site& SiteOf(FaultSite site) { return sites_[static_cast<size_t>(site)]; }
  const Site& SiteOf(FaultSite site) const { return sites_[static_cast<size_t>(site)]; }

  std::array<Site, kNumFaultSites> sites_{};
  CallCounts calls_{};
  ClonePtr<CallCounts>* object_calls_ = nullptr;
};

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_FAULT_INJECTOR_H_
