#include "core/engine/id_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/prng.h"

namespace ttm {
namespace {

// Every entry of the table, sorted, to compare with a std::map.
std::vector<std::pair<uint64_t, uint32_t>> Entries(const IdTable& t) {
  std::vector<std::pair<uint64_t, uint32_t>> out;
  t.ForEach([&](uint64_t id, uint32_t index) { out.emplace_back(id, index); });
  std::sort(out.begin(), out.end());
  return out;
}

void ExpectSame(const IdTable& t, const std::map<uint64_t, uint32_t>& want, uint64_t probe_below) {
  ASSERT_EQ(t.size(), want.size());
  const std::vector<std::pair<uint64_t, uint32_t>> entries(want.begin(), want.end());
  ASSERT_EQ(Entries(t), entries);
  for (uint64_t id = 0; id < probe_below; ++id) {
    const auto it = want.find(id);
    ASSERT_EQ(t.Find(id), it == want.end() ? IdTable::kAbsent : it->second) << id;
  }
}

TEST(IdTable, FindsNothingWhenEmpty) {
  IdTable t;
  EXPECT_EQ(t.Find(0), IdTable::kAbsent);
  EXPECT_EQ(t.Find(~uint64_t{0}), IdTable::kAbsent);
  t.Erase(5);
  EXPECT_EQ(t.size(), 0u);
}

TEST(IdTable, FindsWhatWasSetAndForgetsWhatWasErased) {
  IdTable t;
  t.Set(7, 0);
  t.Set(~uint64_t{0}, 1);
  t.Set(0, 2);
  EXPECT_EQ(t.Find(7), 0u);
  EXPECT_EQ(t.Find(~uint64_t{0}), 1u);
  EXPECT_EQ(t.Find(0), 2u);
  t.Set(7, 9);  // replaces
  EXPECT_EQ(t.Find(7), 9u);
  EXPECT_EQ(t.size(), 3u);
  t.Erase(7);
  t.Erase(7);  // absent: nothing
  EXPECT_EQ(t.Find(7), IdTable::kAbsent);
  EXPECT_EQ(t.Find(0), 2u);
  EXPECT_EQ(t.size(), 2u);
}

// Erasing an entry whose slot was once used by another id must not touch
// the live entries (an empty slot keeps the old id's bytes).
TEST(IdTable, ErasingAnAbsentIdLeavesTheOthersAlone) {
  IdTable t;
  for (uint32_t i = 0; i < 10; ++i) t.Set(i, i);
  for (uint32_t i = 0; i < 10; i += 2) t.Erase(i);
  for (uint32_t i = 0; i < 10; i += 2) t.Erase(i);
  std::map<uint64_t, uint32_t> want;
  for (uint32_t i = 1; i < 10; i += 2) want[i] = i;
  ExpectSame(t, want, 20);
}

// Random sets and erases over a small id range (long probe runs that wrap
// around the end of the table, erasures in the middle of runs) and over
// the whole 64-bit range, checked against std::map after every step.
TEST(IdTable, AgreesWithAStdMapUnderRandomSetsAndErases) {
  for (uint64_t range : {uint64_t{40}, uint64_t{5000}, ~uint64_t{0}}) {
    Prng prng(range);
    IdTable t;
    std::map<uint64_t, uint32_t> want;
    std::vector<uint64_t> ids;
    for (int step = 0; step < 20000; ++step) {
      const bool erase = !want.empty() && prng.Below(100) < 45;
      if (erase) {
        const uint64_t id = range == ~uint64_t{0} ? ids[prng.Below(ids.size())] : prng.Below(range);
        t.Erase(id);
        want.erase(id);
      } else {
        const uint64_t id = range == ~uint64_t{0} ? prng.Next() : prng.Below(range);
        const uint32_t index = static_cast<uint32_t>(prng.Below(1000000));
        t.Set(id, index);
        want[id] = index;
        ids.push_back(id);
      }
      if (step % 97 == 0 || range == 40) ExpectSame(t, want, range == ~uint64_t{0} ? 0 : range);
      if (range == ~uint64_t{0}) {
        for (uint64_t id : {ids[prng.Below(ids.size())], prng.Next()}) {
          const auto it = want.find(id);
          ASSERT_EQ(t.Find(id), it == want.end() ? IdTable::kAbsent : it->second);
        }
      }
    }
    ExpectSame(t, want, range == ~uint64_t{0} ? 0 : range);
  }
}

// Ids whose home is the last slot of a 16-slot table (the top four bits of
// id times the hash constant all ones): one run that wraps around the end,
// with erasures at its start, in its middle and at its end.
TEST(IdTable, KeepsEveryEntryOfARunThatWrapsAround) {
  std::vector<uint64_t> ids;
  for (uint64_t id = 0; ids.size() < 11; ++id)
    if ((id * 0x9E3779B97F4A7C15ull) >> 60 == 15) ids.push_back(id);
  for (size_t erased : {size_t{0}, size_t{5}, size_t{10}}) {
    IdTable t;
    std::map<uint64_t, uint32_t> want;
    for (uint32_t i = 0; i < ids.size(); ++i) {
      t.Set(ids[i], i);
      want[ids[i]] = i;
    }
    ASSERT_EQ(t.memory_bytes(), 16 * 16u);  // still one 16-slot table
    t.Erase(ids[erased]);
    want.erase(ids[erased]);
    ExpectSame(t, want, ids.back() + 1);
  }
}

}  // namespace
}  // namespace ttm
