#include "core/engine/sparse_array.h"

#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace ttm {
namespace {

using Entries = std::vector<std::pair<uint64_t, uint64_t>>;

Entries NonDefault(const SparseArray<uint64_t>& a) {
  Entries out;
  a.ForEachNonDefault([&](uint64_t i, uint64_t v) { out.emplace_back(i, v); });
  return out;
}

TEST(SparseArrayTest, NeverWrittenEntriesReadAsDefaultWithoutAllocating) {
  SparseArray<uint64_t> a(10000);
  EXPECT_EQ(a.size(), 10000u);
  EXPECT_EQ(a.Get(0), 0u);
  EXPECT_EQ(a.Get(9999), 0u);
  EXPECT_EQ(a.allocated_chunks(), 0u);
  EXPECT_TRUE(NonDefault(a).empty());
}

TEST(SparseArrayTest, WritesAllocateOnlyTheirChunk) {
  SparseArray<uint64_t> a(10000);
  a.Set(5000, 7);
  EXPECT_EQ(a.allocated_chunks(), 1u);
  EXPECT_EQ(a.Get(5000), 7u);
  EXPECT_EQ(a.Get(5001), 0u);
  a.Mutable(5001) += 3;
  EXPECT_EQ(a.Get(5001), 3u);
  EXPECT_EQ(a.allocated_chunks(), 1u);
  a.Set(0, 1);
  EXPECT_EQ(a.allocated_chunks(), 2u);
}

TEST(SparseArrayTest, HugeArrayWithFewTouchedChunksStaysSmall) {
  const uint64_t n = (uint64_t{1} << 31) - 1;
  SparseArray<uint64_t> a(n);
  a.Set(0, 1);
  a.Set(n - 1, 2);
  a.Set(n / 2, 3);
  EXPECT_EQ(a.allocated_chunks(), 3u);
  // Three chunks plus the two-level directory (24 bytes per 2^21 entries
  // of size() up to the last chunk written, and the leaves touched): far
  // below the 16 GiB a flat array of this size would take.
  EXPECT_LT(a.memory_bytes(), 3 * SparseArray<uint64_t>::kChunkEntries * 8 + 64 * 1024);
  EXPECT_EQ(a.Get(n - 1), 2u);
  EXPECT_EQ(a.Get(n - 2), 0u);
  EXPECT_EQ(NonDefault(a), (Entries{{0, 1}, {n / 2, 3}, {n - 1, 2}}));
}

TEST(SparseArrayTest, ShortLastChunkHoldsOnlyWhatRemains) {
  SparseArray<uint64_t> one(1);
  one.Set(0, 9);
  EXPECT_LT(one.memory_bytes(), 128u);
  SparseArray<uint64_t> a(SparseArray<uint64_t>::kChunkEntries + 3);
  a.Set(SparseArray<uint64_t>::kChunkEntries + 2, 4);
  EXPECT_LT(a.memory_bytes(), 128u);
  EXPECT_EQ(a.Get(SparseArray<uint64_t>::kChunkEntries + 2), 4u);
}

TEST(SparseArrayTest, ForEachNonDefaultVisitsIndicesInIncreasingOrder) {
  SparseArray<uint64_t> a(1 << 20);
  // Written out of order, across chunks, with a default value in between.
  for (uint64_t i : {900000u, 3u, 70000u, 4096u, 4095u, 12u}) a.Set(i, i + 1);
  a.Set(12, 0);
  EXPECT_EQ(NonDefault(a),
            (Entries{{3, 4}, {4095, 4096}, {4096, 4097}, {70000, 70001}, {900000, 900001}}));
}

TEST(SparseArrayTest, ClearReleasesEveryChunkAndKeepsTheSize) {
  SparseArray<uint64_t> a(100000);
  a.Set(1, 1);
  a.Set(99999, 2);
  (void)a.Get(1);  // leave the lookup cache pointing at a chunk
  a.Clear();
  EXPECT_EQ(a.allocated_chunks(), 0u);
  EXPECT_EQ(a.size(), 100000u);
  EXPECT_EQ(a.Get(1), 0u);
  EXPECT_EQ(a.Get(99999), 0u);
  a.Set(1, 5);
  EXPECT_EQ(a.Get(1), 5u);
}

TEST(SparseArrayTest, ReadingAnAbsentChunkDoesNotHideALaterWrite) {
  SparseArray<uint64_t> a(100000);
  EXPECT_EQ(a.Get(50000), 0u);  // caches "chunk absent"
  a.Set(50001, 8);
  EXPECT_EQ(a.Get(50001), 8u);
  EXPECT_EQ(a.Get(50000), 0u);
}

TEST(SparseArrayTest, CopiesAreDeepAndMovesLeaveTheSourceEmpty) {
  SparseArray<uint64_t> a(10000);
  a.Set(7, 70);
  SparseArray<uint64_t> b = a;
  b.Set(7, 71);
  EXPECT_EQ(a.Get(7), 70u);
  EXPECT_EQ(b.Get(7), 71u);
  SparseArray<uint64_t> c = std::move(a);
  EXPECT_EQ(c.Get(7), 70u);
  EXPECT_EQ(a.allocated_chunks(), 0u);  // NOLINT(bugprone-use-after-move)
  b = c;
  EXPECT_EQ(b.Get(7), 70u);
}

TEST(SparseArrayTest, AReleasedChunkReadsDefaultAndTheLastOneFreesEverything) {
  SparseArray<uint64_t> a(3 * SparseArray<uint64_t>::kChunkEntries);
  const uint64_t never = a.memory_bytes();
  a.Set(1, 10);
  a.Set(SparseArray<uint64_t>::kChunkEntries + 1, 20);
  EXPECT_EQ(a.chunks(), 3u);
  EXPECT_TRUE(a.HasChunk(1));
  EXPECT_FALSE(a.HasChunk(2));
  a.ReleaseChunk(0);
  EXPECT_EQ(a.Get(1), 0u);
  EXPECT_EQ(a.Get(SparseArray<uint64_t>::kChunkEntries + 1), 20u);
  EXPECT_EQ(a.allocated_chunks(), 1u);
  a.ReleaseChunk(2);  // never allocated: nothing happens
  EXPECT_EQ(a.allocated_chunks(), 1u);
  a.ReleaseChunk(1);
  EXPECT_EQ(a.allocated_chunks(), 0u);
  EXPECT_EQ(a.memory_bytes(), never);
  a.Set(1, 30);
  EXPECT_EQ(a.Get(1), 30u);
}

struct Slot {
  int kind = 0;
  uint64_t value = 0;
  bool operator==(const Slot&) const = default;
};

TEST(SparseArrayTest, WorksWithStructEntriesComparedByValue) {
  SparseArray<Slot> a(5000);
  a.Set(4500, Slot{1, 0});
  std::vector<uint64_t> seen;
  a.ForEachNonDefault([&](uint64_t i, const Slot&) { seen.push_back(i); });
  EXPECT_EQ(seen, std::vector<uint64_t>{4500});
}

TEST(SparseArrayTest, FindGivesAWrittenChunksEntryAndNullElsewhereWithoutAllocating) {
  SparseArray<uint64_t> a(10000);
  EXPECT_EQ(a.Find(5000), nullptr);
  a.Set(5000, 7);
  uint64_t* e = a.Find(5000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(*e, 7u);
  *e = 9;
  EXPECT_EQ(a.Get(5000), 9u);
  // An entry of the same chunk never written is there, as T{}.
  ASSERT_NE(a.Find(5001), nullptr);
  EXPECT_EQ(*a.Find(5001), 0u);
  // A chunk never written stays absent.
  EXPECT_EQ(a.Find(0), nullptr);
  EXPECT_EQ(a.allocated_chunks(), 1u);
}

TEST(SparseArrayTest, WalkerReachesTheSameEntriesAsMutableInAnyOrder) {
  constexpr uint64_t kChunk = SparseArray<uint64_t>::kChunkEntries;
  SparseArray<uint64_t> a(3 * kChunk + 5);
  SparseArray<uint64_t>::Walker w(a);
  // Ascending across chunk boundaries (the last chunk short), then the
  // same index twice, backwards, and a jump.
  std::vector<uint64_t> order;
  for (uint64_t i = kChunk - 3; i < 3 * kChunk + 5; ++i) order.push_back(i);
  for (uint64_t i : {uint64_t{7}, uint64_t{7}, uint64_t{6}, uint64_t{2 * kChunk}, uint64_t{8}})
    order.push_back(i);
  for (uint64_t i : order) {
    EXPECT_EQ(&w.At(i), &a.Mutable(i)) << i;
    w.At(i) += 1;
  }
  EXPECT_EQ(a.Get(kChunk), 1u);
  EXPECT_EQ(a.Get(3 * kChunk + 4), 1u);
  EXPECT_EQ(a.Get(7), 2u);
  EXPECT_EQ(a.Get(2 * kChunk), 2u);
  EXPECT_EQ(a.Get(5), 0u);
}

TEST(SparseArrayTest, MutateRangeVisitsEveryIndexOnceAcrossChunks) {
  constexpr uint64_t kChunk = SparseArray<uint64_t>::kChunkEntries;
  SparseArray<uint64_t> a(3 * kChunk + 5);
  a.MutateRange(kChunk - 3, kChunk + 10, [](uint64_t i, uint64_t& v) { v = i + 1; });
  for (uint64_t i = 0; i < a.size(); ++i) {
    const bool inside = i >= kChunk - 3 && i < 2 * kChunk + 7;
    EXPECT_EQ(a.Get(i), inside ? i + 1 : 0) << i;
  }
  EXPECT_EQ(a.allocated_chunks(), 3u);
}

TEST(SparseArrayTest, ReadRangeReadsDefaultsWithoutAllocating) {
  constexpr uint64_t kChunk = SparseArray<uint64_t>::kChunkEntries;
  SparseArray<uint64_t> a(4 * kChunk);
  a.Set(2 * kChunk + 1, 9);
  Entries seen;
  a.ReadRange(kChunk - 1, 2 * kChunk + 3, [&](uint64_t i, uint64_t v) {
    if (v != 0 || i == kChunk - 1) seen.emplace_back(i, v);
  });
  EXPECT_EQ(seen, (Entries{{kChunk - 1, 0}, {2 * kChunk + 1, 9}}));
  EXPECT_EQ(a.allocated_chunks(), 1u);
  uint64_t calls = 0;
  a.ReadRange(5, 0, [&](uint64_t, uint64_t) { ++calls; });
  EXPECT_EQ(calls, 0u);
}

TEST(SparseArrayTest, ReadCursorReadsWhatGetReadsAcrossChunksAndArrays) {
  constexpr uint64_t kChunk = SparseArray<uint64_t>::kChunkEntries;
  SparseArray<uint64_t> a(3 * kChunk + 5), b(2 * kChunk);
  for (uint64_t i = kChunk + 1; i < 3 * kChunk + 5; i += 3) a.Set(i, i + 1);
  b.Set(3, 33);
  b.Set(kChunk + 3, 44);
  SparseArray<uint64_t>::ReadCursor cursor;
  // Ascending across chunks (the first one absent, the last one short),
  // then back, then the same index of another array, then back to a.
  for (uint64_t i = 0; i < 3 * kChunk + 5; ++i) ASSERT_EQ(cursor.Get(a, i), a.Get(i)) << i;
  EXPECT_EQ(cursor.Get(a, kChunk + 1), a.Get(kChunk + 1));
  EXPECT_EQ(cursor.Get(b, 3), 33u);
  EXPECT_EQ(cursor.Get(b, kChunk + 3), 44u);
  EXPECT_EQ(cursor.Get(a, kChunk + 3), a.Get(kChunk + 3));
  EXPECT_EQ(a.allocated_chunks(), 3u);  // reading allocates nothing
  EXPECT_EQ(b.allocated_chunks(), 2u);
}

TEST(SparseArrayTest, ReadCursorSeesAChunkWrittenAfterItReadTheChunkAsAbsent) {
  constexpr uint64_t kChunk = SparseArray<uint64_t>::kChunkEntries;
  SparseArray<uint64_t> a(2 * kChunk);
  SparseArray<uint64_t>::ReadCursor cursor;
  EXPECT_EQ(cursor.Get(a, kChunk + 1), 0u);
  a.Set(kChunk + 1, 5);
  EXPECT_EQ(cursor.Get(a, kChunk + 1), 5u);
  a.Set(kChunk + 2, 6);  // a write to the chunk it holds
  EXPECT_EQ(cursor.Get(a, kChunk + 2), 6u);
}

TEST(SparseArrayTest, EntriesOnEitherSideOfADirectoryLeafBoundaryAreKeptApart) {
  // Leaf 0 (held in place) covers 2^21 entries; the next index is leaf 1's.
  const uint64_t leaf = SparseArray<uint64_t>::kChunkEntries << SparseArray<uint64_t>::kLeafShift;
  SparseArray<uint64_t> a(3 * leaf);
  a.Set(leaf - 1, 1);
  a.Set(leaf, 2);
  a.Set(2 * leaf + 5, 3);
  const SparseArray<uint64_t> copy = a;
  EXPECT_EQ(NonDefault(copy), (Entries{{leaf - 1, 1}, {leaf, 2}, {2 * leaf + 5, 3}}));
  EXPECT_EQ(copy.memory_bytes(), a.memory_bytes());
  a.ReleaseChunk(leaf / SparseArray<uint64_t>::kChunkEntries);
  EXPECT_EQ(a.Get(leaf), 0u);
  EXPECT_EQ(a.Get(leaf - 1), 1u);
  EXPECT_EQ(a.Find(leaf), nullptr);
  EXPECT_EQ(copy.Get(leaf), 2u);
  SparseArray<uint64_t>::ReadCursor cursor;
  EXPECT_EQ(cursor.Get(copy, leaf - 1), 1u);
  EXPECT_EQ(cursor.Get(copy, leaf), 2u);
  EXPECT_EQ(cursor.Get(copy, 2 * leaf + 5), 3u);
}

// Chunks released by one array are handed to the next (ChunkCache): what
// the old array wrote must never show through.
TEST(SparseArrayTest, AChunkReusedAfterItsArrayDiesReadsAsNeverWritten) {
  constexpr uint64_t kChunk = SparseArray<uint64_t>::kChunkEntries;
  for (uint64_t size : {uint64_t{1}, uint64_t{3}, uint64_t{4}, uint64_t{1000}, kChunk, kChunk + 7, 3 * kChunk}) {
    for (int round = 0; round < 3; ++round) {
      {
        // Several arrays at once, so that the cache is filled past its bound.
        std::vector<SparseArray<uint64_t>> old;
        for (int k = 0; k < 10; ++k) {
          old.emplace_back(size);
          old.back().MutateRange(0, size, [](uint64_t i, uint64_t& v) { v = i + 1; });
        }
      }
      SparseArray<uint64_t> fresh(size);
      fresh.Set(size - 1, 0);  // allocates the last chunk without changing it
      fresh.Set(0, 0);         // and the first
      EXPECT_TRUE(NonDefault(fresh).empty()) << size;
      fresh.ReadRange(0, size, [&](uint64_t i, uint64_t v) { ASSERT_EQ(v, 0u) << size << " " << i; });
    }
  }
}

TEST(SparseArrayTest, AChunkReusedBySingleReleaseReadsAsNeverWritten) {
  SparseArray<uint64_t> a(3);
  a.MutateRange(0, 3, [](uint64_t, uint64_t& v) { v = 9; });
  a.ReleaseChunk(0);
  // Capacity 4: the chunk just released fits an array of 4 entries, whose
  // fourth entry the first array never had.
  SparseArray<uint64_t> b(4);
  b.Set(1, 0);
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(b.Get(i), 0u) << i;
  EXPECT_EQ(a.Get(0), 0u);
  a.Set(2, 5);
  EXPECT_EQ(a.Get(0), 0u);
  EXPECT_EQ(a.Get(2), 5u);
}

TEST(SparseArrayTest, ChunkCapacityIsThePowerOfTwoAtOrAboveTheLength) {
  EXPECT_EQ(SparseArray<uint64_t>::ChunkCapacity(1), 1u);
  EXPECT_EQ(SparseArray<uint64_t>::ChunkCapacity(3), 4u);
  EXPECT_EQ(SparseArray<uint64_t>::ChunkCapacity(1024), 1024u);
  EXPECT_EQ(SparseArray<uint64_t>::ChunkCapacity(1025), 2048u);
  EXPECT_EQ(SparseArray<uint64_t>::ChunkCapacity(SparseArray<uint64_t>::kChunkEntries),
            SparseArray<uint64_t>::kChunkEntries);
}

TEST(SparseArrayTest, ArraysLiveAndDieOnSeveralThreadsAtOnce) {
  auto work = [](uint64_t seed, uint64_t* sum) {
    for (uint64_t k = 0; k < 200; ++k) {
      SparseArray<uint64_t> a(1 + (seed * 7919 + k * 104729) % 9000);
      EXPECT_TRUE(NonDefault(a).empty());
      a.MutateRange(0, a.size(), [&](uint64_t i, uint64_t& v) {
        EXPECT_EQ(v, 0u);
        v = i + seed;
      });
      a.ReadRange(0, a.size(), [&](uint64_t, uint64_t v) { *sum += v; });
    }
  };
  uint64_t sums[4] = {};
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t) threads.emplace_back(work, t, &sums[t]);
  for (std::thread& t : threads) t.join();
  for (uint64_t t = 0; t < 4; ++t) {
    uint64_t again = 0;
    work(t, &again);
    EXPECT_EQ(sums[t], again);
  }
}

}  // namespace
}  // namespace ttm
