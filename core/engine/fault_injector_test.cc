#include "core/engine/fault_injector.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ttm {
namespace {

FaultSpec Spec(FaultSite site, uint64_t after, uint64_t count, Errno error = kENOMEM) {
  FaultSpec spec;
  spec.site = site;
  spec.after = after;
  spec.count = count;
  spec.error = error;
  return spec;
}

// The results of n calls at a site.
std::vector<int> Calls(FaultInjector& f, FaultSite site, int n, uint32_t order = 0,
                       bool interruptible = true) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(f.Call(site, order, interruptible));
  return out;
}

TEST(FaultInjectorTest, NothingFailsWhenNothingIsArmed) {
  FaultInjector f;
  EXPECT_EQ(Calls(f, FaultSite::kAllocPage, 3), (std::vector<int>{0, 0, 0}));
  EXPECT_FALSE(f.armed(FaultSite::kAllocPage));
}

TEST(FaultInjectorTest, LetsAfterCallsPassThenFailsCountCallsThenDisarms) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kBackupPage, 2, 3));
  EXPECT_TRUE(f.armed(FaultSite::kBackupPage));
  EXPECT_EQ(Calls(f, FaultSite::kBackupPage, 7),
            (std::vector<int>{0, 0, kENOMEM, kENOMEM, kENOMEM, 0, 0}));
  EXPECT_FALSE(f.armed(FaultSite::kBackupPage));
  EXPECT_EQ(f.fired(FaultSite::kBackupPage), 3u);
}

TEST(FaultInjectorTest, SitesAreIndependent) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kDmaMap, 0, 1, kEFAULT));
  EXPECT_EQ(f.Call(FaultSite::kSetCaching), 0);
  EXPECT_EQ(f.Call(FaultSite::kDmaMap), kEFAULT);
  EXPECT_EQ(f.fired(FaultSite::kSetCaching), 0u);
}

TEST(FaultInjectorTest, CountZeroDisarms) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kAllocRestore, 0, 5));
  f.Arm(Spec(FaultSite::kAllocRestore, 0, 0));
  EXPECT_FALSE(f.armed(FaultSite::kAllocRestore));
  EXPECT_EQ(f.Call(FaultSite::kAllocRestore), 0);
}

TEST(FaultInjectorTest, ReArmingReplacesTheFaultAndRestartsItsCount) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kCopyPage, 3, 1));
  EXPECT_EQ(Calls(f, FaultSite::kCopyPage, 2), (std::vector<int>{0, 0}));
  f.Arm(Spec(FaultSite::kCopyPage, 1, 2, kEINTR));
  EXPECT_EQ(Calls(f, FaultSite::kCopyPage, 4), (std::vector<int>{0, kEINTR, kEINTR, 0}));
}

TEST(FaultInjectorTest, OrderFilterCountsOnlyCallsOfThatOrder) {
  FaultInjector f;
  FaultSpec spec = Spec(FaultSite::kAllocPage, 1, 1);
  spec.order = 9;
  f.Arm(spec);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 10), 0);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 9), 0);  // the one that passes
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 0), 0);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 8), 0);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 9), kENOMEM);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 9), 0);
}

TEST(FaultInjectorTest, MinOrderFilterCountsOnlyCallsOfThatOrderOrHigher) {
  FaultInjector f;
  FaultSpec spec = Spec(FaultSite::kAllocPage, 0, 2);
  spec.min_order = 3;
  f.Arm(spec);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 2), 0);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 10), kENOMEM);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 0), 0);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 3), kENOMEM);
  EXPECT_EQ(f.Call(FaultSite::kAllocPage, 3), 0);
}

TEST(FaultInjectorTest, EintrInANonInterruptibleCallNeitherFiresNorCounts) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kCopyPage, 1, 1, kEINTR));
  EXPECT_EQ(Calls(f, FaultSite::kCopyPage, 5, 0, false), (std::vector<int>(5, 0)));
  EXPECT_TRUE(f.armed(FaultSite::kCopyPage));
  EXPECT_EQ(f.Call(FaultSite::kCopyPage, 0, true), 0);  // the one `after` lets pass
  EXPECT_EQ(f.Call(FaultSite::kCopyPage, 0, false), 0);
  EXPECT_EQ(f.Call(FaultSite::kCopyPage, 0, true), kEINTR);
  EXPECT_EQ(f.fired(FaultSite::kCopyPage), 1u);
}

TEST(FaultInjectorTest, EnomemAtCopyPageFiresRegardlessOfInterruptible) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kCopyPage, 1, 1, kENOMEM));
  EXPECT_EQ(f.Call(FaultSite::kCopyPage, 0, false), 0);
  EXPECT_EQ(f.Call(FaultSite::kCopyPage, 0, false), kENOMEM);
}

TEST(FaultInjectorTest, BackupHalfReportsItsFiringWithANonZeroMarker) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kBackupHalf, 0, 1));
  EXPECT_NE(f.Call(FaultSite::kBackupHalf), 0);
  EXPECT_EQ(f.Call(FaultSite::kBackupHalf), 0);
}

TEST(FaultInjectorTest, FiredCounterAccumulatesAcrossArmings) {
  FaultInjector f;
  f.Arm(Spec(FaultSite::kSetCaching, 0, 2));
  Calls(f, FaultSite::kSetCaching, 3);
  f.Arm(Spec(FaultSite::kSetCaching, 0, 1));
  Calls(f, FaultSite::kSetCaching, 3);
  EXPECT_EQ(f.fired(FaultSite::kSetCaching), 3u);
}

TEST(FaultInjectorTest, FailEventsTakeTheSitesDefaultError) {
  FailEvent e;
  e.site = FaultSite::kDmaMap;
  e.after = 4;
  e.count = 2;
  FaultSpec spec = FaultSpecFromEvent(e);
  EXPECT_EQ(spec.error, kEFAULT);
  EXPECT_EQ(spec.after, 4u);
  EXPECT_EQ(spec.count, 2u);
  e.site = FaultSite::kCopyPage;
  EXPECT_EQ(FaultSpecFromEvent(e).error, kENOMEM);
  e.error = kEINTR;
  EXPECT_EQ(FaultSpecFromEvent(e).error, kEINTR);
  e.site = FaultSite::kAllocPage;
  e.error.reset();
  e.min_order = 2;
  spec = FaultSpecFromEvent(e);
  EXPECT_EQ(spec.error, kENOMEM);
  EXPECT_EQ(spec.min_order, 2u);
  EXPECT_FALSE(spec.order);
}

}  // namespace
}  // namespace ttm

namespace ttm {
namespace {

TEST(FaultInjectorCallCountTest, CountsEveryCallArmedOrNotAndTheInterruptibleOnesApart) {
  FaultInjector f;
  Calls(f, FaultSite::kCopyPage, 3, 0, true);
  Calls(f, FaultSite::kCopyPage, 2, 0, false);
  f.Arm(Spec(FaultSite::kCopyPage, 0, 1, kEINTR));
  Calls(f, FaultSite::kCopyPage, 1, 0, true);
  EXPECT_EQ(f.calls(FaultSite::kCopyPage).all, 6u);
  EXPECT_EQ(f.calls(FaultSite::kCopyPage).interruptible, 4u);
  EXPECT_EQ(f.calls(FaultSite::kCopyPage).Counted(kEINTR), 4u);
  EXPECT_EQ(f.calls(FaultSite::kCopyPage).Counted(kENOMEM), 6u);
  EXPECT_EQ(f.calls(FaultSite::kAllocPage).all, 0u);
}

TEST(FaultInjectorCallCountTest, CountsIntoTheObjectWhoseOperationRunsUntilUnset) {
  FaultInjector f;
  ClonePtr<CallCounts> object;
  Calls(f, FaultSite::kAllocPage, 2);
  f.set_object_calls(&object);
  Calls(f, FaultSite::kAllocPage, 3, 2);
  f.set_object_calls(nullptr);
  Calls(f, FaultSite::kAllocPage, 1);
  ASSERT_TRUE(object) << "made on the object's first call";
  EXPECT_EQ((*object)[static_cast<size_t>(FaultSite::kAllocPage)].all, 3u);
  EXPECT_EQ(f.calls(FaultSite::kAllocPage).all, 6u);
}

TEST(FaultInjectorCallCountTest, CallsUnarmedCountsAsThatManyCallsDo) {
  for (const bool in : {true, false}) {
    FaultInjector one_by_one, at_once;
    ClonePtr<CallCounts> object_a, object_b;
    one_by_one.set_object_calls(&object_a);
    at_once.set_object_calls(&object_b);
    Calls(one_by_one, FaultSite::kCopyPage, 5, 0, in);
    at_once.CallsUnarmed(FaultSite::kCopyPage, 5, in);
    at_once.CallsUnarmed(FaultSite::kCopyPage, 0, in);
    EXPECT_EQ(at_once.calls(FaultSite::kCopyPage).all, 5u);
    EXPECT_EQ(at_once.calls(FaultSite::kCopyPage).interruptible, in ? 5u : 0u);
    EXPECT_EQ(at_once.calls(FaultSite::kAllocPage).all, 0u);
    ASSERT_TRUE(object_a);
    ASSERT_TRUE(object_b);
    for (size_t s = 0; s < kNumFaultSites; ++s) {
      EXPECT_EQ((*object_b)[s].all, (*object_a)[s].all);
      EXPECT_EQ((*object_b)[s].interruptible, (*object_a)[s].interruptible);
    }
  }
  // No call, no object counts made (as without any Call()).
  FaultInjector f;
  ClonePtr<CallCounts> object;
  f.set_object_calls(&object);
  f.CallsUnarmed(FaultSite::kCopyPage, 0, true);
  EXPECT_FALSE(object);
}

// The count explore relies on: failing call k (after = k - 1) fails the
// k-th call counted here, for EINTR too.
TEST(FaultInjectorCallCountTest, FailingAfterKMinusOneCountedCallsFailsTheKthCountedCall) {
  const std::vector<bool> interruptible = {true, false, true, false, true};
  for (uint64_t k = 1; k <= 3; ++k) {
    FaultInjector f;
    f.Arm(Spec(FaultSite::kCopyPage, k - 1, 1, kEINTR));
    uint64_t failed_at = 0;
    for (bool in : interruptible)
      if (f.Call(FaultSite::kCopyPage, 0, in) != 0) failed_at = f.calls(FaultSite::kCopyPage).Counted(kEINTR);
    EXPECT_EQ(failed_at, k);
  }
}

}  // namespace
}  // namespace ttm
