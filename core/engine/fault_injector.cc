#include "core/engine/fault_injector.h"

#include <memory>

namespace ttm {

Errno DefaultFaultError(FaultSite site) {
  switch (site) {
    case FaultSite::kDmaMap:
      return kEFAULT;
    case FaultSite::kAllocPage:
    case FaultSite::kSetCaching:
    case FaultSite::kBackupPage:
    case FaultSite::kBackupHalf:
    case FaultSite::kCopyPage:
    case FaultSite::kAllocRestore:
      return kENOMEM;
  }
  return kENOMEM;
}

FaultSpec FaultSpecFromEvent(const FailEvent& event) {
  FaultSpec spec;
  spec.site = event.site;
  spec.after = event.after;
  spec.count = event.count;
  spec.error = event.error.value_or(DefaultFaultError(event.site));
  spec.order = event.order;
  spec.min_order = event.min_order;
  return spec;
}

void FaultInjector::Arm(const FaultSpec& spec) {
  Site& site = SiteOf(spec.site);
  site.spec = spec;
  site.passed = 0;
  site.remaining = spec.count;
  site.armed = spec.count != 0;
}

int FaultInjector::CallArmed(FaultSite which, uint32_t order, bool interruptible) {
  Site& site = SiteOf(which);
  const FaultSpec& spec = site.spec;
  if (which == FaultSite::kAllocPage) {
    if (spec.order && order != *spec.order) return 0;
    if (spec.min_order && order < *spec.min_order) return 0;
  }
  // A signal can only interrupt an interruptible wait.
  if (spec.error == kEINTR && !interruptible) return 0;
  if (site.passed < spec.after) {
    ++site.passed;
    return 0;
  }
  ++site.fired;
  if (--site.remaining == 0) site.armed = false;
  return which == FaultSite::kBackupHalf ? kENOMEM : spec.error;
}

}  // namespace ttm
