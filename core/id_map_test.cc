#include "core/id_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/id_map_testing.h"
#include "core/prng.h"

namespace ttm {
namespace {

using testing::IdsHashingAlike;

// Every entry of the map, sorted, to compare with a std::map.
std::vector<std::pair<uint64_t, uint32_t>> Entries(const IdMap& t) {
  std::vector<std::pair<uint64_t, uint32_t>> out;
  t.ForEach([&](uint64_t id, uint32_t value) { out.emplace_back(id, value); });
  std::sort(out.begin(), out.end());
  return out;
}

// `t` holds exactly `want`; every id below `probe_below` and every id of
// `want` is found with its value, or not at all.
void ExpectSame(const IdMap& t, const std::map<uint64_t, uint32_t>& want, uint64_t probe_below) {
  ASSERT_EQ(t.size(), want.size());
  const std::vector<std::pair<uint64_t, uint32_t>> entries(want.begin(), want.end());
  ASSERT_EQ(Entries(t), entries);
  for (uint64_t id = 0; id < probe_below; ++id) {
    const auto it = want.find(id);
    ASSERT_EQ(t.Find(id), it == want.end() ? IdMap::kAbsent : it->second) << id;
  }
  for (const auto& [id, value] : want) ASSERT_EQ(t.Find(id), value) << id;
}

// Ids whose home is slot 0 of any array.
std::vector<uint64_t> CollidingIds(size_t n) { return IdsHashingAlike(1, n); }

TEST(IdMap, FindsNothingWhenEmpty) {
  IdMap t;
  EXPECT_EQ(t.Find(0), IdMap::kAbsent);
  EXPECT_EQ(t.Find(~uint64_t{0}), IdMap::kAbsent);
  EXPECT_FALSE(t.Erase(5));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.memory_bytes(), 0u);
}

TEST(IdMap, FindsWhatWasSetAndForgetsWhatWasErased) {
  IdMap t;
  t.Set(7, 0);
  t.Set(~uint64_t{0}, 1);
  t.Set(0, 2);
  EXPECT_EQ(t.Find(7), 0u);
  EXPECT_EQ(t.Find(~uint64_t{0}), 1u);
  EXPECT_EQ(t.Find(0), 2u);
  t.Set(7, 9);  // replaces
  EXPECT_EQ(t.Find(7), 9u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.Erase(7));
  EXPECT_FALSE(t.Erase(7));  // absent: nothing
  EXPECT_EQ(t.Find(7), IdMap::kAbsent);
  EXPECT_EQ(t.Find(0), 2u);
  EXPECT_EQ(t.size(), 2u);
}

// Erasing an entry whose slot was once used by another id must not touch
// the live entries (an empty slot keeps the old id's bytes).
TEST(IdMap, ErasingAnAbsentIdLeavesTheOthersAlone) {
  IdMap t;
  for (uint32_t i = 0; i < 10; ++i) t.Set(i, i);
  for (uint32_t i = 0; i < 10; i += 2) t.Erase(i);
  for (uint32_t i = 0; i < 10; i += 2) EXPECT_FALSE(t.Erase(i));
  std::map<uint64_t, uint32_t> want;
  for (uint32_t i = 1; i < 10; i += 2) want[i] = i;
  ExpectSame(t, want, 20);
}

// Random sets and erases over a small id range (long probe runs that wrap
// around the end of the array, erasures in the middle of runs, the array
// grown and halved) and over the whole 64-bit range, checked against
// std::map after every step.
TEST(IdMap, AgreesWithAStdMapUnderRandomSetsAndErases) {
  for (uint64_t range : {uint64_t{40}, uint64_t{5000}, ~uint64_t{0}}) {
    Prng prng(range);
    IdMap t;
    std::map<uint64_t, uint32_t> want;
    std::vector<uint64_t> ids;
    for (int step = 0; step < 20000; ++step) {
      // Erasures win in the second half, so that the array shrinks too.
      const bool erase = !want.empty() && prng.Below(100) < (step < 10000 ? 45u : 70u);
      if (erase) {
        const uint64_t id = range == ~uint64_t{0} ? ids[prng.Below(ids.size())] : prng.Below(range);
        ASSERT_EQ(t.Erase(id), want.erase(id) == 1);
      } else {
        const uint64_t id = range == ~uint64_t{0} ? prng.Next() : prng.Below(range);
        const uint32_t value = static_cast<uint32_t>(prng.Below(1000000));
        t.Set(id, value);
        want[id] = value;
        ids.push_back(id);
      }
      if (step % 97 == 0 || range == 40) ExpectSame(t, want, range == ~uint64_t{0} ? 0 : range);
      if (range == ~uint64_t{0}) {
        for (uint64_t id : {ids[prng.Below(ids.size())], prng.Next()}) {
          const auto it = want.find(id);
          ASSERT_EQ(t.Find(id), it == want.end() ? IdMap::kAbsent : it->second);
        }
      }
    }
    ExpectSame(t, want, range == ~uint64_t{0} ? 0 : range);
  }
}

// Ids whose home is the last slot of a 16-slot array (the top four bits of
// id times the multiplier all ones): one run that wraps around the end,
// with erasures at its start, in its middle and at its end.
TEST(IdMap, KeepsEveryEntryOfARunThatWrapsAround) {
  std::vector<uint64_t> ids;
  for (uint64_t id = 0; ids.size() < 11; ++id)
    if ((id * IdMap::kMultiplier) >> 60 == 15) ids.push_back(id);
  for (size_t erased : {size_t{0}, size_t{5}, size_t{10}}) {
    IdMap t;
    std::map<uint64_t, uint32_t> want;
    for (uint32_t i = 0; i < ids.size(); ++i) {
      t.Set(ids[i], i);
      want[ids[i]] = i;
    }
    ASSERT_EQ(t.memory_bytes(), 16 * 12u);  // still one 16-slot array
    t.Erase(ids[erased]);
    want.erase(ids[erased]);
    ExpectSame(t, want, ids.back() + 1);
  }
}

// A trace that names 20 000 objects by ids of one hash: all but the first
// kMaxProbe go to the ordered map, where each lookup costs a tree search
// instead of a scan of every id before it (which made a 40 000-object
// trace take seconds to validate, and grows with the square of the count).
TEST(IdMap, SendsIdsChosenToCollideToTheOrderedMap) {
  const std::vector<uint64_t> ids = CollidingIds(20000);
  IdMap t;
  std::map<uint64_t, uint32_t> want;
  for (uint32_t i = 0; i < ids.size(); ++i) {
    t.Set(ids[i], i);
    want[ids[i]] = i;
  }
  EXPECT_EQ(t.overflowed(), ids.size() - IdMap::kMaxProbe);
  ExpectSame(t, want, 0);
  // Freed half way, every other one: the rest is still found.
  for (size_t i = 0; i < ids.size(); i += 2) {
    ASSERT_TRUE(t.Erase(ids[i]));
    want.erase(ids[i]);
  }
  ExpectSame(t, want, 0);
  EXPECT_LE(t.overflowed(), want.size());
  EXPECT_GE(t.overflowed(), want.size() - IdMap::kMaxProbe);
  // Then the rest, oldest first (as a trace frees them): the array shrinks
  // and is rebuilt, and is never left without a free slot (a full array
  // would make this erasure loop for ever).
  for (size_t i = 1; i < ids.size(); i += 2) {
    ASSERT_TRUE(t.Erase(ids[i]));
    want.erase(ids[i]);
    if (i % 1001 == 1) ExpectSame(t, want, 0);
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.memory_bytes(), 16 * 12u);
}

// Colliding ids mixed with ordinary ones, set, replaced and erased at
// random: the ordered map and the array together agree with a std::map.
TEST(IdMap, AgreesWithAStdMapWhenSomeIdsCollide) {
  const std::vector<uint64_t> colliding = CollidingIds(600);
  Prng prng(11);
  IdMap t;
  std::map<uint64_t, uint32_t> want;
  for (int step = 0; step < 30000; ++step) {
    const uint64_t id = prng.Below(2) == 0 ? colliding[prng.Below(colliding.size())] : prng.Below(2000);
    if (prng.Below(100) < (step < 15000 ? 40u : 65u)) {
      ASSERT_EQ(t.Erase(id), want.erase(id) == 1) << step;
    } else {
      const uint32_t value = static_cast<uint32_t>(prng.Below(1u << 31));
      t.Set(id, value);
      want[id] = value;
    }
    if (step % 101 == 0) ExpectSame(t, want, 2000);
  }
  EXPECT_GT(t.overflowed(), 0u);  // the map was used
  ExpectSame(t, want, 2000);
}

// Ids whose home is the last slot of any array, so that their run wraps
// around the end, beside a few ordinary ids: the array grows to hold about
// 128 of them and is halved and doubled (16 slots and up) while the rest
// wait in the ordered map, and everything agrees with a std::map after
// every step.
TEST(IdMap, AgreesWithAStdMapWhenCollidingIdsWrapAroundTheArray) {
  const std::vector<uint64_t> colliding = IdsHashingAlike(~uint64_t{0} - 2 * 400 - 1, 400);
  ASSERT_EQ((colliding.front() * IdMap::kMultiplier) >> 60, 15u);
  Prng prng(12);
  IdMap t;
  std::map<uint64_t, uint32_t> want;
  size_t most_overflowed = 0;
  std::set<size_t> array_bytes;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t id = prng.Below(3) == 0 ? prng.Below(40) : colliding[prng.Below(colliding.size())];
    // Phases of mostly sets and mostly erasures, down to an empty map.
    if (prng.Below(100) < (step % 4000 < 2000 ? 30u : 80u)) {
      ASSERT_EQ(t.Erase(id), want.erase(id) == 1) << step;
    } else {
      t.Set(id, static_cast<uint32_t>(step));
      want[id] = static_cast<uint32_t>(step);
    }
    most_overflowed = std::max(most_overflowed, t.overflowed());
    array_bytes.insert(t.memory_bytes() - 64 * t.overflowed());
    ExpectSame(t, want, 40);
  }
  EXPECT_GT(most_overflowed, 100u);
  EXPECT_TRUE(array_bytes.count(16 * 12)) << "never back to 16 slots";
  EXPECT_GE(array_bytes.size(), 5u) << "the array was not resized";
}

// Ids that are not chosen to collide stay in the array: consecutive ids
// and ids spaced by a page size (as kernel pointers are) all of them,
// random ids up to 2^63-1 all but about one in 40 000 (19 of these
// 786 432, which fill the array to its 3/4 limit; 22 of 3 million, 79 of
// 12 million: what overflowed while the array was at its fullest before
// each growth stays in the map until erased).
TEST(IdMap, KeepsOrdinaryIdsInTheArray) {
  IdMap consecutive, spaced, random;
  Prng prng(5);
  for (uint64_t i = 0; i < (uint64_t{3} << 18); ++i) {
    consecutive.Set(i, 1);
    spaced.Set(0xffff888000000000ull / 2 + i * 4096, 1);
    random.Set(prng.Next() >> 1, 1);
  }
  EXPECT_EQ(consecutive.overflowed(), 0u);
  EXPECT_EQ(spaced.overflowed(), 0u);
  EXPECT_LE(random.overflowed(), random.size() / 20000);
  EXPECT_EQ(consecutive.memory_bytes(), (uint64_t{1} << 20) * 12);  // 3/4 full
}

}  // namespace
}  // namespace ttm
