#include "core/engine/backup_store.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace ttm {
namespace {

using Live = std::vector<std::pair<uint64_t, uint64_t>>;

Live LiveOf(const BackupStore& store, BackupId id) {
  Live out;
  store.ForEachLive(id, [&](uint64_t idx, uint64_t token) { out.emplace_back(idx, token); });
  return out;
}

TEST(BackupStoreTest, HandlesAreTheShmemIndexPlusOne) {
  BackupStore store(100);
  const BackupId id = store.Create(10);
  EXPECT_EQ(store.BackupPage(id, 0, 111, false), 1u);
  EXPECT_EQ(store.BackupPage(id, 9, 999, false), 10u);
  EXPECT_EQ(store.Peek(id, 1), 111u);
  EXPECT_EQ(store.Peek(id, 10), 999u);
  EXPECT_TRUE(store.IsLive(id, 0));
  EXPECT_FALSE(store.IsLive(id, 1));
  EXPECT_EQ(store.live_pages(id), 2u);
  EXPECT_EQ(store.held_pages(), 2u);
}

TEST(BackupStoreTest, ZeroIsAValidTokenButNeverALiveHandle) {
  BackupStore store(100);
  const BackupId id = store.Create(4);
  EXPECT_EQ(store.BackupPage(id, 2, 0, false), 3u);
  EXPECT_EQ(store.Peek(id, 3), std::optional<uint64_t>(0));
  EXPECT_EQ(store.Peek(id, 0), std::nullopt);
  EXPECT_FALSE(store.Drop(id, 0));
  EXPECT_EQ(LiveOf(store, id), (Live{{2, 0}}));
}

TEST(BackupStoreTest, FullStoreReturnsHandleZeroAndStoresNothing) {
  BackupStore store(2);
  const BackupId id = store.Create(10);
  EXPECT_EQ(store.BackupPage(id, 0, 1, false), 1u);
  EXPECT_EQ(store.BackupPage(id, 1, 2, false), 2u);
  EXPECT_EQ(store.BackupPage(id, 2, 3, false), 0u);
  EXPECT_FALSE(store.IsLive(id, 2));
  EXPECT_EQ(store.held_pages(), 2u);
  EXPECT_EQ(store.bytes_avail(), 0u);
}

TEST(BackupStoreTest, StoringAtALiveIndexReplacesItWithoutGrowing) {
  BackupStore store(1);
  const BackupId id = store.Create(4);
  EXPECT_EQ(store.BackupPage(id, 3, 5, false), 4u);
  // The store is full, but index 3 reuses its shmem page.
  EXPECT_EQ(store.BackupPage(id, 3, 6, false), 4u);
  EXPECT_EQ(store.Peek(id, 4), 6u);
  EXPECT_EQ(store.held_pages(), 1u);
  EXPECT_EQ(store.live_pages(id), 1u);
}

TEST(BackupStoreTest, BytesAvailIsFreeSwapInBytes) {
  BackupStore store(10);
  EXPECT_EQ(store.bytes_avail(), 10u * 4096);
  const BackupId id = store.Create(10);
  for (uint64_t i = 0; i < 3; ++i) ASSERT_NE(store.BackupPage(id, i, i, false), 0u);
  EXPECT_EQ(store.bytes_avail(), 7u * 4096);
}

TEST(BackupStoreTest, ShrinkingSwapBelowHeldPagesLeavesNoRoomButKeepsContent) {
  BackupStore store(10);
  const BackupId id = store.Create(10);
  for (uint64_t i = 0; i < 5; ++i) ASSERT_NE(store.BackupPage(id, i, 100 + i, false), 0u);
  store.set_swap_pages(3);
  EXPECT_EQ(store.swap_pages(), 3u);
  EXPECT_EQ(store.bytes_avail(), 0u);
  EXPECT_EQ(store.BackupPage(id, 7, 1, false), 0u);
  EXPECT_EQ(store.Peek(id, 5), 104u);
  EXPECT_TRUE(store.Drop(id, 1));
  EXPECT_TRUE(store.Drop(id, 2));
  EXPECT_EQ(store.bytes_avail(), 0u);  // 3 held, 3 of swap
  EXPECT_TRUE(store.Drop(id, 3));
  EXPECT_EQ(store.bytes_avail(), 4096u);
  store.set_swap_pages(0);
  EXPECT_EQ(store.bytes_avail(), 0u);
}

TEST(BackupStoreTest, DroppingAHandleTwiceFailsTheSecondTime) {
  BackupStore store(10);
  const BackupId id = store.Create(10);
  const Handle h = store.BackupPage(id, 4, 44, false);
  ASSERT_EQ(h, 5u);
  EXPECT_TRUE(store.Drop(id, h));
  EXPECT_FALSE(store.Drop(id, h));
  EXPECT_EQ(store.held_pages(), 0u);
  EXPECT_EQ(store.live_pages(id), 0u);
}

TEST(BackupStoreTest, PeekOfADroppedOrForeignHandleFindsNothing) {
  BackupStore store(10);
  const BackupId a = store.Create(10);
  const BackupId b = store.Create(10);
  const Handle h = store.BackupPage(a, 0, 7, false);
  EXPECT_EQ(store.Peek(b, h), std::nullopt);  // same index, other object
  EXPECT_EQ(store.Peek(a, 11), std::nullopt);  // beyond the object
  EXPECT_TRUE(store.Drop(a, h));
  EXPECT_EQ(store.Peek(a, h), std::nullopt);
}

TEST(BackupStoreTest, TakeIsPeekThenDropAndChangesNothingForAHandleNotLive) {
  BackupStore store(10);
  const BackupId a = store.Create(10);
  const BackupId b = store.Create(10);
  const Handle h = store.BackupPage(a, 2, 0, false);  // token 0 is a valid content
  ASSERT_EQ(store.BackupPage(a, 3, 33, false), 4u);
  const uint64_t memory = store.memory_bytes();
  EXPECT_EQ(store.Take(b, h), std::nullopt);  // other object
  EXPECT_EQ(store.Take(a, 0), std::nullopt);
  EXPECT_EQ(store.Take(a, 11), std::nullopt);  // beyond the object
  EXPECT_EQ(store.Take(7, h), std::nullopt);   // unknown id
  EXPECT_EQ(store.held_pages(), 2u);
  EXPECT_EQ(store.memory_bytes(), memory);
  EXPECT_EQ(store.Take(a, h), Token{0});
  EXPECT_EQ(store.Take(a, h), std::nullopt);  // dropped by the first Take
  EXPECT_FALSE(store.Drop(a, h));
  EXPECT_EQ(store.held_pages(), 1u);
  EXPECT_EQ(store.live_pages(a), 1u);
  EXPECT_EQ(store.Take(a, 4), Token{33});
  EXPECT_EQ(store.held_pages(), 0u);
  EXPECT_TRUE(LiveOf(store, a).empty());
}

TEST(BackupStoreTest, FiniReleasesEveryPageTheObjectHeld) {
  BackupStore store(100);
  const BackupId a = store.Create(10);
  const BackupId b = store.Create(10);
  for (uint64_t i = 0; i < 4; ++i) ASSERT_NE(store.BackupPage(a, i, i, false), 0u);
  ASSERT_NE(store.BackupPage(b, 0, 9, false), 0u);
  EXPECT_TRUE(store.Drop(a, 2));
  EXPECT_EQ(store.Fini(a), 3u);
  EXPECT_EQ(store.held_pages(), 1u);
  EXPECT_EQ(store.objects(), 1u);
  EXPECT_EQ(store.live_pages(a), 0u);
  EXPECT_EQ(store.Peek(a, 1), std::nullopt);
  EXPECT_EQ(store.Fini(a), 0u);  // already released
  EXPECT_EQ(store.Peek(b, 1), 9u);
}

TEST(BackupStoreTest, IdsAreReusedLowestFirst) {
  BackupStore store(100);
  EXPECT_EQ(store.Create(1), 0u);
  EXPECT_EQ(store.Create(1), 1u);
  EXPECT_EQ(store.Create(1), 2u);
  EXPECT_EQ(store.Create(1), 3u);
  store.Fini(2);
  store.Fini(0);
  EXPECT_EQ(store.objects(), 2u);
  EXPECT_EQ(store.Create(5), 0u);
  EXPECT_EQ(store.Create(5), 2u);
  EXPECT_EQ(store.Create(5), 4u);
  store.Fini(4);
  store.Fini(3);
  EXPECT_EQ(store.Create(5), 3u);
  EXPECT_EQ(store.num_pages(3), 5u);
}

TEST(BackupStoreTest, ReusedIdStartsEmpty) {
  BackupStore store(100);
  const BackupId id = store.Create(10);
  ASSERT_NE(store.BackupPage(id, 3, 3, false), 0u);
  store.Fini(id);
  EXPECT_EQ(store.Create(10), id);
  EXPECT_FALSE(store.IsLive(id, 3));
  EXPECT_EQ(store.live_pages(id), 0u);
}

TEST(BackupStoreTest, WritebackCounterCountsOnlyStoredWritebackPages) {
  BackupStore store(2);
  const BackupId id = store.Create(10);
  ASSERT_NE(store.BackupPage(id, 0, 1, true), 0u);
  ASSERT_NE(store.BackupPage(id, 1, 1, false), 0u);
  ASSERT_EQ(store.BackupPage(id, 2, 1, true), 0u);  // full: not stored
  EXPECT_EQ(store.writeback_pages(), 1u);
}

TEST(BackupStoreTest, SparseObjectNearTheLargestTtSizeHoldsFewChunks) {
  const uint64_t n = (uint64_t{1} << 31) - 1;
  BackupStore store(1000);
  const BackupId id = store.Create(n);
  EXPECT_EQ(store.BackupPage(id, n - 1, 77, false), n);
  EXPECT_EQ(store.BackupPage(id, n - 2, 78, false), n - 1);
  EXPECT_EQ(store.BackupPage(id, 5, 79, false), 6u);
  EXPECT_EQ(store.Peek(id, n), 77u);
  EXPECT_EQ(store.Peek(id, n + 1), std::nullopt);
  EXPECT_EQ(store.BackupPage(id, n, 1, false), 0u);  // beyond the object
  EXPECT_EQ(LiveOf(store, id), (Live{{5, 79}, {n - 2, 78}, {n - 1, 77}}));
  EXPECT_LT(store.memory_bytes(), 200000u);
  EXPECT_EQ(store.Fini(id), 3u);
}

// Issue 12 item 8: a stored page cost 8 bytes of token (a 64-bit slot for
// a 32-bit Token) plus its live bit.
TEST(BackupStoreTest, DenseObjectCostsAboutFourBytesPerHeldPage) {
  const uint64_t n = 1 << 16;
  BackupStore store(n);
  const BackupId id = store.Create(n);
  for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(store.BackupPage(id, i, static_cast<Token>(i * 3), false), i + 1);
  EXPECT_LT(static_cast<double>(store.memory_bytes()) / n, 4.2);
}

// Issue 11 "release the memory of freed page ranges": dropping every page
// of a range (a restore) gives back its chunks, and dropping all of them
// leaves the object costing what a never-written one costs.
TEST(BackupStoreTest, DroppedRangesGiveTheirMemoryBack) {
  const uint64_t n = 1 << 16;
  BackupStore store(n);
  const BackupId id = store.Create(n);
  const uint64_t empty = store.memory_bytes();
  for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(store.BackupPage(id, i, 5, false), i + 1);
  const uint64_t full = store.memory_bytes();
  // Drop the first half: half of the token memory goes.
  for (uint64_t i = 0; i < n / 2; ++i) ASSERT_TRUE(store.Drop(id, i + 1));
  EXPECT_LT(store.memory_bytes(), empty + (full - empty) * 6 / 10);
  EXPECT_EQ(store.Peek(id, 1), std::nullopt);
  EXPECT_EQ(store.Peek(id, n), 5u);
  // A page stored again in a released chunk reads back as stored.
  EXPECT_EQ(store.BackupPage(id, 3, 9, false), 4u);
  EXPECT_EQ(store.Peek(id, 4), 9u);
  EXPECT_EQ(LiveOf(store, id).front(), (std::pair<uint64_t, uint64_t>{3, 9}));
  ASSERT_TRUE(store.Drop(id, 4));
  for (uint64_t i = n / 2; i < n; ++i) ASSERT_TRUE(store.Drop(id, i + 1));
  EXPECT_EQ(store.memory_bytes(), empty);
  EXPECT_EQ(store.live_pages(id), 0u);
  EXPECT_TRUE(LiveOf(store, id).empty());
}

TEST(BackupStoreTest, UnknownIdsFailEveryCall) {
  BackupStore store(10);
  EXPECT_EQ(store.BackupPage(3, 0, 1, false), 0u);
  EXPECT_EQ(store.Peek(3, 1), std::nullopt);
  EXPECT_FALSE(store.Drop(3, 1));
  EXPECT_EQ(store.Fini(3), 0u);
  EXPECT_FALSE(store.IsLive(3, 0));
  EXPECT_TRUE(LiveOf(store, 3).empty());
  EXPECT_EQ(store.objects(), 0u);
}

// ---- BackupStore::Walker ----------------------------------------------

// A small deterministic generator for the walker tests (the store has no
// dependency on //core:prng).
struct Lcg {
  uint64_t state;
  uint64_t Next(uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  }
};

// Everything observable of one object and the store around it.
struct StoreState {
  Live live;
  uint64_t held, live_pages, writeback, memory;
  bool operator==(const StoreState&) const = default;
};
StoreState StateOf(const BackupStore& store, BackupId id) {
  return StoreState{LiveOf(store, id), store.held_pages(), store.live_pages(id),
                    store.writeback_pages(), store.memory_bytes()};
}

TEST(BackupStoreWalkerTest, WalkerGivesTheResultsAndEffectsOfTheStoresOwnCalls) {
  // Two objects across three chunks, a swap limit that is reached, and
  // indices that mostly ascend but jump, repeat and go back.
  const uint64_t n = 3 * 4096 + 100;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    BackupStore calls(5000), walked(5000);
    const BackupId a = calls.Create(n), b = calls.Create(n);
    ASSERT_EQ(walked.Create(n), a);
    ASSERT_EQ(walked.Create(n), b);
    Lcg rng{seed};
    uint64_t idx = 0;
    for (int round = 0; round < 6; ++round) {
      BackupStore::Walker walker(walked, a);
      for (int op = 0; op < 4000; ++op) {
        const uint64_t jump = rng.Next(100);
        idx = jump < 90 ? idx + 1 : jump < 95 ? rng.Next(n + 2) : idx;
        const uint64_t kind = rng.Next(round % 2 == 0 ? 4 : 2);  // even rounds mostly store
        const Token token = static_cast<Token>(rng.Next(1000));
        if (kind >= 2) {
          const bool writeback = rng.Next(2) == 0;
          ASSERT_EQ(walker.BackupPage(idx, token, writeback),
                    calls.BackupPage(a, idx, token, writeback))
              << "seed " << seed << " op " << op << " idx " << idx;
        } else if (kind == 1) {
          ASSERT_EQ(walker.Take(idx), calls.Take(a, idx)) << "seed " << seed << " op " << op;
        } else {
          ASSERT_EQ(walker.Drop(idx), calls.Drop(a, idx)) << "seed " << seed << " op " << op;
        }
      }
      // The other object is untouched by a's walker, and changes between
      // walkers are seen by the next one.
      ASSERT_EQ(calls.BackupPage(b, round, 7, false), walked.BackupPage(b, round, 7, false));
      ASSERT_EQ(calls.Take(a, idx), walked.Take(a, idx));
      ASSERT_EQ(StateOf(walked, a), StateOf(calls, a)) << "seed " << seed << " round " << round;
      ASSERT_EQ(StateOf(walked, b), StateOf(calls, b));
    }
  }
}

TEST(BackupStoreWalkerTest, TokensAndMarkLiveOfARunAreBackupPageOfEachIndexInTurn) {
  // Runs from random indices, some over indices already live, with the
  // swap limit near: Room() never promises a call that would fail, and a
  // run stored at once leaves the store as BackupPage() of each index does.
  const uint64_t n = 3 * 4096 + 100;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    BackupStore calls(3000), walked(3000);
    const BackupId a = calls.Create(n);
    ASSERT_EQ(walked.Create(n), a);
    Lcg rng{seed};
    BackupStore::Walker walker(walked, a);
    for (int op = 0; op < 300; ++op) {
      const uint64_t idx = rng.Next(n + 2);
      const uint64_t room = walker.Room(idx);
      ASSERT_LE(room, 4096 - idx % 4096);
      if (room == 0) {
        // The first call may fail: it is made one by one.
        ASSERT_EQ(walker.BackupPage(idx, 5, false), calls.BackupPage(a, idx, 5, false));
        continue;
      }
      const uint64_t k = 1 + rng.Next(std::min<uint64_t>(room, 70));
      const bool writeback = rng.Next(2) == 0;
      Token* tokens = walker.Tokens(idx);
      for (uint64_t j = 0; j < k; ++j) {
        const Token token = static_cast<Token>(rng.Next(1000));
        tokens[j] = token;
        ASSERT_EQ(calls.BackupPage(a, idx + j, token, writeback), idx + j + 1)
            << "seed " << seed << " op " << op;
      }
      walker.MarkLive(idx, k, writeback);
      ASSERT_EQ(StateOf(walked, a), StateOf(calls, a)) << "seed " << seed << " op " << op;
    }
    EXPECT_GT(walked.held_pages(), 2900u);  // the limit was reached
  }
}

TEST(BackupStoreWalkerTest, LiveRunAndDropRunAreTakesOfEachLiveHandleInTurn) {
  // Stores with holes across chunk boundaries, then runs taken from random
  // handles: the run's tokens are what Take() gives handle by handle, it
  // stops at a hole, a chunk's end, the object's end or `max`, and
  // DropRun() leaves the store as those Take() calls do.
  const uint64_t n = 3 * 4096 + 100;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    BackupStore calls(n), walked(n);
    const BackupId id = calls.Create(n);
    ASSERT_EQ(walked.Create(n), id);
    Lcg rng{seed};
    for (uint64_t i = 0; i < n; ++i) {
      if (rng.Next(50) == 0) continue;  // a hole
      const Token token = static_cast<Token>(rng.Next(1000));
      ASSERT_EQ(calls.BackupPage(id, i, token, false), walked.BackupPage(id, i, token, false));
    }
    BackupStore::Walker walker(walked, id);
    uint64_t runs = 0;
    for (int op = 0; op < 400; ++op) {
      const Handle h = rng.Next(n + 2);
      const uint64_t max = rng.Next(200);
      const Token* tokens = nullptr;
      const uint64_t got = walker.LiveRun(h, max, &tokens);
      uint64_t want = 0;
      while (want < max && h + want <= n && h + want != 0 &&
             (h - 1 + want) / 4096 == (h - 1) / 4096 && calls.IsLive(id, h - 1 + want))
        ++want;
      ASSERT_EQ(got, want) << "seed " << seed << " handle " << h << " max " << max;
      if (got == 0) continue;
      ++runs;
      const uint64_t take = 1 + rng.Next(got);  // a prefix of the run
      for (uint64_t j = 0; j < take; ++j)
        ASSERT_EQ(std::optional<Token>(tokens[j]), calls.Take(id, h + j)) << "seed " << seed;
      walker.DropRun(h, take);
      ASSERT_EQ(StateOf(walked, id), StateOf(calls, id)) << "seed " << seed << " op " << op;
    }
    EXPECT_GT(runs, 50u);
  }
}

TEST(BackupStoreWalkerTest, DropRunOfAChunksLastPagesReleasesItOnce) {
  const uint64_t n = 2 * 4096;
  BackupStore store(n);
  const BackupId id = store.Create(n);
  const uint64_t empty = store.memory_bytes();
  BackupStore::Walker walker(store, id);
  for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(walker.BackupPage(i, 1, false), i + 1);
  const Token* tokens = nullptr;
  for (uint64_t h = 1; h <= n; h += 100) {
    const uint64_t run = walker.LiveRun(h, 100, &tokens);
    ASSERT_EQ(run, std::min<uint64_t>({100, 4096 - (h - 1) % 4096, n - (h - 1)})) << h;
    walker.DropRun(h, run);
    if (run < 100 && h + run <= n) {  // the rest of the 100 lie in the next chunk
      ASSERT_EQ(walker.LiveRun(h + run, 100 - run, &tokens), 100 - run);
      walker.DropRun(h + run, 100 - run);
    }
  }
  EXPECT_EQ(store.held_pages(), 0u);
  EXPECT_EQ(store.live_pages(id), 0u);
  EXPECT_EQ(store.memory_bytes(), empty);
  EXPECT_EQ(walker.LiveRun(1, 10, &tokens), 0u);
}

TEST(BackupStoreWalkerTest, WalkerTakingAChunksLastPageReleasesItAndCanStoreThereAgain) {
  const uint64_t n = 2 * 4096;
  BackupStore store(n);
  const BackupId id = store.Create(n);
  const uint64_t empty = store.memory_bytes();
  BackupStore::Walker walker(store, id);
  for (uint64_t i = 0; i < n; ++i)
    ASSERT_EQ(walker.BackupPage(i, static_cast<Token>(i), false), i + 1);
  const uint64_t full = store.memory_bytes();
  for (uint64_t i = 0; i < 4096; ++i) ASSERT_EQ(walker.Take(i + 1), static_cast<Token>(i));
  EXPECT_LT(store.memory_bytes(), full);
  EXPECT_EQ(store.held_pages(), 4096u);
  // The released chunk is stored into again through the same walker.
  EXPECT_EQ(walker.BackupPage(5, 55, false), 6u);
  EXPECT_EQ(walker.Take(6), Token{55});
  for (uint64_t i = 4096; i < n; ++i) ASSERT_TRUE(walker.Drop(i + 1));
  EXPECT_EQ(store.memory_bytes(), empty);
  EXPECT_EQ(store.held_pages(), 0u);
  EXPECT_FALSE(walker.Drop(n));
}

TEST(BackupStoreWalkerTest, WalkerStopsAtAFullStoreWithoutAllocatingButStillReplacesLivePages) {
  BackupStore store(2);
  const BackupId id = store.Create(3 * 4096);
  BackupStore::Walker walker(store, id);
  EXPECT_EQ(walker.BackupPage(0, 1, false), 1u);
  EXPECT_EQ(walker.BackupPage(1, 2, true), 2u);
  const uint64_t memory = store.memory_bytes();
  EXPECT_EQ(walker.BackupPage(2, 3, true), 0u);
  EXPECT_EQ(walker.BackupPage(2 * 4096, 3, false), 0u);  // a chunk never written
  EXPECT_EQ(store.memory_bytes(), memory);
  EXPECT_EQ(walker.BackupPage(1, 9, false), 2u);  // live: replaced in place
  EXPECT_EQ(store.Peek(id, 2), 9u);
  EXPECT_EQ(store.held_pages(), 2u);
  EXPECT_EQ(store.writeback_pages(), 1u);
}

TEST(BackupStoreWalkerTest, WalkerOfAnUnknownObjectOrBadHandleFailsEveryCall) {
  BackupStore store(10);
  const BackupId id = store.Create(4);
  const uint64_t memory = store.memory_bytes();
  BackupStore::Walker unknown(store, 5);
  EXPECT_EQ(unknown.BackupPage(0, 1, false), 0u);
  EXPECT_EQ(unknown.Take(1), std::nullopt);
  EXPECT_FALSE(unknown.Drop(1));
  BackupStore::Walker walker(store, id);
  EXPECT_EQ(walker.BackupPage(4, 1, false), 0u);  // beyond the object
  EXPECT_EQ(walker.Take(0), std::nullopt);
  EXPECT_EQ(walker.Take(5), std::nullopt);
  EXPECT_EQ(walker.Take(2), std::nullopt);  // never stored
  EXPECT_FALSE(walker.Drop(0));
  EXPECT_EQ(store.held_pages(), 0u);
  EXPECT_EQ(store.memory_bytes(), memory);
}

}  // namespace
}  // namespace ttm
