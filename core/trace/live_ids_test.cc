#include "core/trace/live_ids.h"

#include <gtest/gtest.h>

#include <map>

#include "core/id_map_testing.h"
#include "core/prng.h"

namespace ttm::trace {
namespace {

TEST(LiveIds, InsertFindEraseFollowTheIdRules) {
  LiveIds ids;
  EXPECT_TRUE(ids.Insert(7, 3));
  EXPECT_FALSE(ids.Insert(7, 5));  // live already
  EXPECT_EQ(ids.Find(7), 3u);
  EXPECT_EQ(ids.Find(8), 0u);
  EXPECT_TRUE(ids.Erase(7));
  EXPECT_FALSE(ids.Erase(7));
  EXPECT_EQ(ids.Find(7), 0u);
  EXPECT_TRUE(ids.Insert(7, 9));  // a freed id may be allocated again
  EXPECT_EQ(ids.Find(7), 9u);
  EXPECT_EQ(ids.size(), 1u);
}

TEST(LiveIds, ExtremeIdsAndPageCountsAreKept) {
  LiveIds ids;
  const uint64_t big = (uint64_t{1} << 63) - 1;
  EXPECT_TRUE(ids.Insert(0, 1));
  EXPECT_TRUE(ids.Insert(big, 2147483647u));
  EXPECT_TRUE(ids.Insert(big - 1, 5));
  EXPECT_EQ(ids.Find(0), 1u);
  EXPECT_EQ(ids.Find(big), 2147483647u);
  EXPECT_EQ(ids.Find(big - 1), 5u);
}

// Random operations over a small and a huge id space, against std::map.
void CheckAgainstAMap(uint64_t id_space, uint64_t seed) {
  LiveIds ids;
  std::map<uint64_t, uint32_t> ref;
  Prng prng(seed);
  for (int step = 0; step < 200000; ++step) {
    const uint64_t id = prng.Below(id_space);
    const uint32_t pages = static_cast<uint32_t>(prng.Below(1000) + 1);
    switch (prng.Below(3)) {
      case 0:
        ASSERT_EQ(ids.Insert(id, pages), ref.emplace(id, pages).second) << step;
        break;
      case 1:
        ASSERT_EQ(ids.Erase(id), ref.erase(id) == 1) << step;
        break;
      default: {
        auto it = ref.find(id);
        ASSERT_EQ(ids.Find(id), it == ref.end() ? 0u : it->second) << step;
      }
    }
    ASSERT_EQ(ids.size(), ref.size());
  }
  for (const auto& [id, pages] : ref) ASSERT_EQ(ids.Find(id), pages);
}

// Ids a trace chose to hash alike, among dense ids from a counter that
// are then mostly freed, so that the window hands its survivors to a
// table whose ordered map holds hundreds of the colliding ids.
TEST(LiveIds, BehavesAsAMapWhenIdsAreChosenToHashAlike) {
  const std::vector<uint64_t> colliding = ttm::testing::IdsHashingAlike(1, 2000);
  LiveIds ids;
  std::map<uint64_t, uint32_t> ref;
  auto insert = [&](uint64_t id, uint32_t pages) { ASSERT_EQ(ids.Insert(id, pages), ref.emplace(id, pages).second); };
  auto erase = [&](uint64_t id) { ASSERT_EQ(ids.Erase(id), ref.erase(id) == 1); };
  for (uint64_t id = 0; id < 20000; ++id) insert(id, 7);  // the window
  for (size_t i = 0; i < colliding.size(); ++i) insert(colliding[i], static_cast<uint32_t>(i + 1));
  ASSERT_GT(ids.memory_bytes(), 1800 * 64u);  // the ordered map holds most colliding ids
  for (uint64_t id = 0; id < 20000; ++id)
    if (id % 50 != 0) erase(id);  // the window, 98% holes, moves to the table
  for (size_t i = 0; i < colliding.size(); i += 3) erase(colliding[i]);
  Prng prng(6);
  for (int step = 0; step < 20000; ++step) {
    const uint64_t id = prng.Below(2) ? colliding[prng.Below(colliding.size())] : prng.Below(20000);
    if (prng.Below(2)) insert(id, static_cast<uint32_t>(prng.Below(1000) + 1));
    else erase(id);
  }
  ASSERT_EQ(ids.size(), ref.size());
  for (const auto& [id, pages] : ref) ASSERT_EQ(ids.Find(id), pages);
  for (uint64_t id = 0; id < 20000; ++id) ASSERT_EQ(ids.Find(id), ref.count(id) ? ref[id] : 0u);
}

TEST(LiveIds, BehavesAsAMapForDenseIds) { CheckAgainstAMap(3000, 1); }
TEST(LiveIds, BehavesAsAMapForSparseIds) { CheckAgainstAMap(uint64_t{1} << 62, 2); }
TEST(LiveIds, BehavesAsAMapForClusteredIds) { CheckAgainstAMap(200000, 3); }

TEST(LiveIds, SequentialIdsCostAFewBytesEach) {
  // The common case: ids from a counter. 100 000 live objects (the issue
  // measured 10 million at about 41 bytes each).
  LiveIds ids;
  for (uint64_t id = 0; id < 100000; ++id) ASSERT_TRUE(ids.Insert(id, 1));
  EXPECT_LE(ids.memory_bytes(), 8 * ids.size()) << ids.memory_bytes();
}

TEST(LiveIds, ASlidingWindowOfLiveIdsStaysSmall) {
  // Allocate ahead, free behind: 1000 live at a time, a million in all.
  LiveIds ids;
  size_t peak = 0;
  for (uint64_t id = 0; id < 1000000; ++id) {
    ASSERT_TRUE(ids.Insert(id, 4));
    if (id >= 1000) {
      ASSERT_TRUE(ids.Erase(id - 1000));
    }
    peak = std::max(peak, ids.memory_bytes());
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_LE(peak, 16 * 1000 + 1024) << peak;
}

TEST(LiveIds, RandomSparseIdsCostAtMostAHashSlotEach) {
  LiveIds ids;
  Prng prng(4);
  while (ids.size() < 100000) ids.Insert(prng.Below(uint64_t{1} << 62), 1);
  EXPECT_LE(ids.memory_bytes(), 32 * ids.size()) << ids.memory_bytes();
}

TEST(LiveIds, MemoryFollowsTheLiveIdsDownAfterFrees) {
  LiveIds ids;
  Prng prng(5);
  std::vector<uint64_t> sparse;
  for (int i = 0; i < 100000; ++i) {
    sparse.push_back(prng.Below(uint64_t{1} << 62) | 1);
    ids.Insert(sparse.back(), 1);
  }
  for (uint64_t id = 0; id < 100000; ++id) ids.Insert(id * 2, 1);  // even: dense-ish
  for (size_t i = 0; i + 10 < sparse.size(); ++i) ids.Erase(sparse[i]);
  for (uint64_t id = 0; id + 5 < 100000; ++id) ids.Erase(id * 2);
  EXPECT_EQ(ids.size(), 15u);
  EXPECT_LE(ids.memory_bytes(), 4096u) << ids.memory_bytes();
}

TEST(LiveIds, HolesLeftInTheWindowMoveItsIdsToTheTable) {
  // Keep every 100th of 100 000 ids: the window would be 99% holes.
  LiveIds ids;
  for (uint64_t id = 0; id < 100000; ++id) ids.Insert(id, 2);
  for (uint64_t id = 0; id < 100000; ++id)
    if (id % 100 != 0) ids.Erase(id);
  EXPECT_EQ(ids.size(), 1000u);
  for (uint64_t id = 0; id < 100000; id += 100) ASSERT_EQ(ids.Find(id), 2u);
  EXPECT_LE(ids.memory_bytes(), 48 * 1000 + 1024) << ids.memory_bytes();
}

}  // namespace
}  // namespace ttm::trace
