#include "core/plot/scale.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace ttm::plot {
namespace {

bool IsNice(uint64_t step) {
  while (step % 10 == 0) step /= 10;
  return step == 1 || step == 2 || step == 5;
}

TEST(NiceTicks, AnEmptyRangeGetsOneUnitStep) {
  Ticks t = NiceTicks(0, 6);
  EXPECT_EQ(t.step, 1u);
  EXPECT_EQ(t.top, 1u);
}

TEST(NiceTicks, PicksTheSmallestNiceStepWithinTheTickBudget) {
  EXPECT_EQ(NiceTicks(1, 6).step, 1u);
  EXPECT_EQ(NiceTicks(1, 6).top, 1u);
  EXPECT_EQ(NiceTicks(7, 6).step, 2u);
  EXPECT_EQ(NiceTicks(7, 6).top, 8u);
  EXPECT_EQ(NiceTicks(150, 6).step, 50u);
  EXPECT_EQ(NiceTicks(150, 6).top, 150u);
  EXPECT_EQ(NiceTicks(151, 6).top, 200u);
  EXPECT_EQ(NiceTicks(1000000, 10).step, 100000u);
  EXPECT_EQ(NiceTicks(2097152, 10).step, 500000u);
  EXPECT_EQ(NiceTicks(2097152, 10).top, 2500000u);
}

TEST(NiceTicks, AlwaysCoversTheMaximumWithANiceStepAndFewEnoughTicks) {
  for (uint64_t max = 0; max < 20000; max += 7) {
    for (int n : {1, 3, 6, 10}) {
      Ticks t = NiceTicks(max, n);
      EXPECT_TRUE(IsNice(t.step)) << max << " " << n;
      EXPECT_GE(t.top, max);
      EXPECT_GT(t.top, 0u);
      EXPECT_EQ(t.top % t.step, 0u);
      EXPECT_LE(t.top / t.step, static_cast<uint64_t>(n));
      EXPECT_LT(t.top - t.step, std::max<uint64_t>(max, 1)) << "a step too many";
    }
  }
}

TEST(NiceTicks, HugeMaximaDoNotWrapAround) {
  const uint64_t big = std::numeric_limits<uint64_t>::max() / 3;
  Ticks t = NiceTicks(big, 6);
  EXPECT_GE(t.top, big);
  EXPECT_TRUE(IsNice(t.step));
}

TEST(FormatTick, UsesThousandMillionAndBillionSuffixes) {
  EXPECT_EQ(FormatTick(0), "0");
  EXPECT_EQ(FormatTick(950), "950");
  EXPECT_EQ(FormatTick(1000), "1k");
  EXPECT_EQ(FormatTick(2500), "2.5k");
  EXPECT_EQ(FormatTick(10000), "10k");
  EXPECT_EQ(FormatTick(1250000), "1.25M");
  EXPECT_EQ(FormatTick(1234567), "1.234M");
  EXPECT_EQ(FormatTick(3000000000), "3G");
  EXPECT_EQ(FormatTick(1005000), "1.005M");
}

TEST(FormatCount, GroupsThousands) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(18446744073709551615u), "18,446,744,073,709,551,615");
}

TEST(FormatCoord, PrintsExactlyOneDecimalAndNoNegativeZero) {
  EXPECT_EQ(FormatCoord(12.34), "12.3");
  EXPECT_EQ(FormatCoord(12.36), "12.4");
  EXPECT_EQ(FormatCoord(100), "100.0");
  EXPECT_EQ(FormatCoord(-0.04), "0.0");
  EXPECT_EQ(FormatCoord(-2.5), "-2.5");
  EXPECT_EQ(FormatCoord(1050.0), "1050.0");
}

}  // namespace
}  // namespace ttm::plot
