#include "core/engine/content_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <tuple>
#include <vector>

#include "core/prng.h"

namespace ttm {
namespace {

using Ranges = std::vector<std::tuple<uint64_t, uint64_t, uint64_t>>;

Ranges Vouched(const ContentMap& m, uint64_t limit) {
  Ranges out;
  m.ForEachVouched(limit, [&](uint64_t first, uint64_t end, uint64_t gen) {
    out.emplace_back(first, end, gen);
  });
  return out;
}

TEST(ContentMap, NothingIsVouchedForAtFirst) {
  ContentMap m;
  EXPECT_EQ(m.Get(0), 0u);
  EXPECT_EQ(m.Get(1u << 30), 0u);
  EXPECT_TRUE(Vouched(m, 100).empty());
}

TEST(ContentMap, AWholeObjectWriteCostsOneRange) {
  ContentMap m;
  m.Assign(0, 1000, 7);
  EXPECT_EQ(m.Get(0), 7u);
  EXPECT_EQ(m.Get(999), 7u);
  EXPECT_EQ(m.Get(1000), 0u);
  EXPECT_EQ(Vouched(m, 1000), (Ranges{{0, 1000, 7}}));
}

TEST(ContentMap, APartialWriteSplitsTheRangeAroundIt) {
  ContentMap m;
  m.Assign(0, 100, 1);
  m.Assign(40, 20, 2);
  EXPECT_EQ(m.Get(39), 1u);
  EXPECT_EQ(m.Get(40), 2u);
  EXPECT_EQ(m.Get(59), 2u);
  EXPECT_EQ(m.Get(60), 1u);
  EXPECT_EQ(Vouched(m, 100), (Ranges{{0, 40, 1}, {40, 60, 2}, {60, 100, 1}}));
}

TEST(ContentMap, RewritingEverythingCoalescesBackToOneRange) {
  ContentMap m;
  m.Assign(0, 100, 1);
  m.Assign(10, 10, 2);
  m.Assign(50, 10, 3);
  m.Assign(0, 100, 4);
  EXPECT_EQ(Vouched(m, 100), (Ranges{{0, 100, 4}}));
}

TEST(ContentMap, NeighbouringWritesOfOneGenerationMerge) {
  ContentMap m;
  m.Assign(0, 10, 5);
  m.Assign(10, 10, 5);
  EXPECT_EQ(Vouched(m, 20), (Ranges{{0, 20, 5}}));
}

TEST(ContentMap, ResetForgetsEverything) {
  ContentMap m;
  m.Assign(3, 4, 9);
  m.Reset();
  EXPECT_EQ(m.Get(4), 0u);
  EXPECT_EQ(m.ranges(), 0u);
}

TEST(ContentMap, VouchedRangesAreClippedToTheLimit) {
  ContentMap m;
  m.Assign(5, 100, 2);
  EXPECT_EQ(Vouched(m, 50), (Ranges{{5, 50, 2}}));
  EXPECT_TRUE(Vouched(m, 5).empty());
}

TEST(ContentMap, AWriteNearTheTopOfAHugeObjectCostsTwoEntries) {
  ContentMap m;
  const uint64_t top = (uint64_t{1} << 31) - 2;
  m.Assign(top, 1, 3);
  EXPECT_EQ(m.Get(top), 3u);
  EXPECT_EQ(m.Get(top - 1), 0u);
  EXPECT_LE(m.ranges(), 2u);
}

TEST(ContentToken, TokensDependOnObjectSlotAndGenerationAndAreNeverZeroOrPoison) {
  EXPECT_NE(ContentToken(1, 0, 1), ContentToken(2, 0, 1));
  EXPECT_NE(ContentToken(1, 0, 1), ContentToken(1, 1, 1));
  EXPECT_NE(ContentToken(1, 0, 1), ContentToken(1, 0, 2));
  EXPECT_EQ(ContentToken(4, 5, 6), ContentToken(4, 5, 6));
  for (uint64_t i = 0; i < 100000; ++i) {
    const Token t = ContentToken(i % 97, i, i / 3 + 1);
    ASSERT_NE(t, kZeroToken);
    ASSERT_NE(t, kPoisonToken);
  }
}

// Tokens decide, with a chance of 2^-32 a page, whether a wrong page is
// seen, and so a golden's findings: their values are pinned (the
// base-plus-slot-step tokens).
TEST(ContentToken, TokenValuesArePinned) {
  EXPECT_EQ(ContentToken(1, 0, 1), 0x1a308970u);
  EXPECT_EQ(ContentToken(7, 4095, 3), 0xa2c5be14u);
  EXPECT_EQ(ContentToken(123456, (uint64_t{1} << 31) - 2, 99), 0xfd91b0aau);
}

TEST(ContentToken, NoTwoSlotsOfOneObjectAndGenerationShareAToken) {
  const ContentTokens tokens(5, 9);
  std::vector<Token> seen;
  for (uint64_t slot = 0; slot < (uint64_t{1} << 20); ++slot) seen.push_back(tokens.At(slot));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TEST(ContentToken, TokensOfOneObjectAndGenerationAreContentTokenOfEachSlot) {
  const ContentTokens tokens(42, 7);
  for (uint64_t slot = 0; slot < 5000; ++slot)
    ASSERT_EQ(tokens.At(slot), ContentToken(42, slot, 7));
}

// The slot whose unadjusted token (base + slot * step) is `raw`: the
// tokens around it are where At() steps over zero and poison.
uint64_t SlotWithRawToken(const ContentTokens& tokens, Token raw) {
  const Token base = tokens.At(0), step = tokens.At(1) - tokens.At(0);
  Token inverse = step;  // Newton's iteration for the inverse of an odd number mod 2^32
  for (int i = 0; i < 5; ++i) inverse *= 2 - step * inverse;
  return static_cast<Token>((raw - base) * inverse);
}

// ForEachAt() and Mismatch() make four tokens at a time; they must give
// At()'s values for any first slot and length, the steps over zero and
// poison included, and Mismatch() must see one wrong token anywhere.
TEST(ContentToken, TokensMadeFourAtATimeAreAtOfEachSlot) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const ContentTokens tokens(seed, seed * 7 + 1);
    ASSERT_NE(tokens.At(0), kZeroToken);
    std::vector<uint64_t> firsts = {0, 1, 2, 3, (uint64_t{1} << 31) - 9};
    for (Token raw : {kZeroToken, kPoisonToken}) {
      const uint64_t at = SlotWithRawToken(tokens, raw);
      ASSERT_EQ(tokens.At(at), raw + 1);
      for (uint64_t back = 0; back <= 5 && back <= at; ++back) firsts.push_back(at - back);
    }
    for (uint64_t first : firsts) {
      for (uint64_t n = 0; n <= 11; ++n) {
        std::vector<Token> made;
        tokens.ForEachAt(first, n, [&](uint64_t k, Token t) {
          EXPECT_EQ(k, made.size());
          made.push_back(t);
        });
        std::vector<Token> want;
        for (uint64_t k = 0; k < n; ++k) want.push_back(tokens.At(first + k));
        ASSERT_EQ(made, want) << "first " << first << " n " << n;
        ASSERT_EQ(tokens.Mismatch(first, want.data(), n), 0u) << "first " << first << " n " << n;
        for (uint64_t k = 0; k < n; ++k) {
          for (Token wrong : {want[k] ^ 1, kZeroToken, kPoisonToken, want[k] - 1}) {
            std::vector<Token> bad = want;
            bad[k] = wrong;
            EXPECT_NE(tokens.Mismatch(first, bad.data(), n), 0u) << "first " << first << " k " << k;
          }
        }
      }
    }
  }
}

// Mismatch() steps over zero and poison only in runs that hold such a
// slot: in long runs around each, and in runs ending just before or
// starting just after it, the stepped slot's raw token is a mismatch and
// a wrong token anywhere is seen.
TEST(ContentToken, MismatchSeesTheRawTokenOfASteppedSlotAndAnyWrongTokenInLongRuns) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const ContentTokens tokens(seed, seed * 3 + 2);
    for (Token raw : {kZeroToken, kPoisonToken}) {
      const uint64_t at = SlotWithRawToken(tokens, raw);
      for (uint64_t first : {at >= 70 ? at - 70 : 0, at >= 3 ? at - 3 : 0, at, at + 1}) {
        for (uint64_t n : {1, 4, 5, 64, 70, 71}) {
          std::vector<Token> want;
          for (uint64_t k = 0; k < n; ++k) want.push_back(tokens.At(first + k));
          ASSERT_EQ(tokens.Mismatch(first, want.data(), n), 0u) << first << " " << n;
          if (at >= first && at < first + n) {
            std::vector<Token> bad = want;
            bad[at - first] = raw;
            EXPECT_NE(tokens.Mismatch(first, bad.data(), n), 0u) << first << " " << n;
          }
          for (uint64_t k = 0; k < n; ++k) {
            std::vector<Token> bad = want;
            bad[k] ^= 1u << (k % 32);
            EXPECT_NE(tokens.Mismatch(first, bad.data(), n), 0u) << first << " " << n << " " << k;
          }
        }
      }
    }
  }
}

// ForEachAt() makes runs that hold no stepped-over slot without the step:
// long runs around each such slot, runs that end just before or start
// just after it, and runs whose slots pass 2^32 (where the tokens wrap)
// still give At()'s values.
TEST(ContentToken, TokensMadeFourAtATimeStepOverZeroAndPoisonInLongRunsAndPastThirtyTwoBits) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const ContentTokens tokens(seed * 3, seed + 11);
    std::vector<std::pair<uint64_t, uint64_t>> runs = {{(uint64_t{1} << 32) - 6, 13}, {0, 700}};
    for (Token raw : {kZeroToken, kPoisonToken}) {
      const uint64_t at = SlotWithRawToken(tokens, raw);
      const uint64_t wrapped = at + (uint64_t{1} << 32);
      for (uint64_t n : {1, 4, 5, 8, 300}) {
        if (at >= n) runs.push_back({at - n, n});  // ends just before
        runs.push_back({at + 1, n});               // starts just after
        runs.push_back({at - std::min(at, n / 2), n});
        runs.push_back({wrapped - n / 2, n});
      }
    }
    for (auto [first, n] : runs) {
      std::vector<Token> made, want;
      tokens.ForEachAt(first, n, [&](uint64_t, Token t) { made.push_back(t); });
      for (uint64_t k = 0; k < n; ++k) want.push_back(tokens.At(first + k));
      ASSERT_EQ(made, want) << "first " << first << " n " << n;
      for (Token t : made) ASSERT_TRUE(t != kZeroToken && t != kPoisonToken);
    }
  }
}

TEST(ContentMap, RunAtAgreesWithGetOnEveryPageAndSpansItsRun) {
  ContentMap m;
  m.Assign(10, 20, 3);
  m.Assign(15, 2, 4);
  m.Assign(40, 5, 5);
  for (uint64_t i = 0; i < 60; ++i) {
    const ContentMap::Run r = m.RunAt(i);
    EXPECT_LE(r.first, i);
    EXPECT_LT(i, r.end);
    EXPECT_EQ(r.gen, m.Get(i)) << i;
    EXPECT_EQ(m.Get(r.first), r.gen) << i;
    if (r.end != ~uint64_t{0}) {
      EXPECT_NE(m.Get(r.end), r.gen) << i;
    }
  }
  EXPECT_EQ(m.RunAt(16).first, 15u);
  EXPECT_EQ(m.RunAt(16).end, 17u);
  EXPECT_EQ(m.RunAt(100).end, ~uint64_t{0});
}

// Random writes, many of them rewriting a range exactly as it stands:
// the map says what a plain array of generations says, page by page, and
// keeps one range start per change of generation, no more.
TEST(ContentMap, RandomWritesAgreeWithAnArrayOfGenerations) {
  constexpr uint64_t kPages = 64;
  Prng prng(11);
  ContentMap m;
  std::vector<uint64_t> gens(kPages + 1, 0);  // gens[kPages] stays 0
  for (uint64_t gen = 1; gen <= 3000; ++gen) {
    uint64_t first = prng.Next() % kPages;
    uint64_t count = 1 + prng.Next() % (kPages - first);
    if (prng.Next() % 2) {  // exactly the range holding a random page
      const ContentMap::Run r = m.RunAt(prng.Next() % kPages);
      first = r.first;
      count = std::min(r.end, kPages) - r.first;
    }
    if (prng.Next() % 50 == 0) {
      m.Reset();
      std::fill(gens.begin(), gens.end(), 0);
    }
    m.Assign(first, count, gen);
    std::fill(gens.begin() + first, gens.begin() + first + count, gen);
    size_t changes = 0;
    for (uint64_t i = 0; i <= kPages; ++i) {
      ASSERT_EQ(m.Get(i), gens[i]) << "page " << i << " after write " << gen;
      changes += gens[i] != (i == 0 ? 0 : gens[i - 1]);
    }
    ASSERT_EQ(m.ranges(), changes) << "after write " << gen;
  }
}

TEST(ContentMap, RunAtOfAnEmptyMapIsOneUnvouchedRun) {
  const ContentMap::Run r = ContentMap().RunAt(7);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.end, ~uint64_t{0});
  EXPECT_EQ(r.gen, 0u);
}

}  // namespace
}  // namespace ttm
