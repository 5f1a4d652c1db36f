#include "core/prng.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ttm {
namespace {

TEST(Prng, SplitMix64MatchesTheReferenceSequence) {
  // From the reference implementation (Vigna, splitmix64.c), seed 0.
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(SplitMix64(state), 0x06c45d188009454fULL);
}

TEST(Prng, TheSameSeedGivesTheSameSequence) {
  Prng a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next());
}

TEST(Prng, DifferentSeedsGiveDifferentSequences) {
  Prng a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.Next() == b.Next();
  EXPECT_EQ(same, 0);
}

TEST(Prng, BelowStaysInRangeAndReachesEveryValue) {
  Prng rng(7);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = rng.Below(10);
    ASSERT_LT(v, 10u);
    ++seen[v];
  }
  for (int count : seen) {
    EXPECT_GT(count, 850);
    EXPECT_LT(count, 1150);
  }
}

TEST(Prng, BelowZeroAndOneAreZero) {
  Prng rng(3);
  EXPECT_EQ(rng.Below(0), 0u);
  EXPECT_EQ(rng.Below(1), 0u);
}

TEST(Prng, BetweenIncludesBothEnds) {
  Prng rng(5);
  bool lo = false, hi = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = rng.Between(3, 5);
    ASSERT_GE(v, 3u);
    ASSERT_LE(v, 5u);
    lo |= v == 3;
    hi |= v == 5;
  }
  EXPECT_TRUE(lo);
  EXPECT_TRUE(hi);
  EXPECT_EQ(rng.Between(9, 9), 9u);
  EXPECT_EQ(rng.Between(9, 2), 9u);
}

TEST(Prng, ChanceOfZeroNeverAndOfAMillionAlwaysHappens) {
  Prng rng(11);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(rng.Chance(0));
    ASSERT_TRUE(rng.Chance(1000000));
  }
}

TEST(Prng, XoshiroOutputIsPinnedForSeedOne) {
  // Pinned so that a change of generator (which would change every
  // generated trace) is a deliberate one: bump kGeneratorVersion with it.
  Prng rng(1);
  EXPECT_EQ(rng.Next(), 0xb3f2af6d0fc710c5ULL);
  EXPECT_EQ(rng.Next(), 0x853b559647364ceaULL);
}

}  // namespace
}  // namespace ttm
