// Memory bounds of the engine, tested at a reduced scale (docs/limits.md
// states them and the figures at full scale): what a live object costs
// before it holds any page, and what a simulated page costs through a
// whole populate / write / shrink / restore / free cycle.
//
// The per-object bound reads glibc's mallinfo2(), which counts the bytes
// malloc has handed out and not taken back: it sees every std:: container
// the engine allocates. The per-page bounds read the engine's own
// accounting (TtmModel::memory_bytes()), which is deterministic.
#include <malloc.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::SmallMachine;

uint64_t HeapInUse() { return mallinfo2().uordblks; }

// Issue: a million live one-page objects took 625 bytes each. A live object
// that was never populated holds no page, so it costs its struct ttm_tt,
// its (empty) backup object and its entry in the id table: at most 200
// bytes.
TEST(EngineMemory, ALiveNeverPopulatedObjectCostsAtMost200Bytes) {
  constexpr uint64_t kObjects = 100000;
  Engine engine(SmallMachine());
  // Measured from an empty engine: the growth of the id table and the
  // index vectors is part of what an object costs.
  const uint64_t before = HeapInUse();
  for (uint64_t id = 0; id < kObjects; ++id) {
    ASSERT_EQ(engine.Apply(Allocate(id * 7 + 3, 1)).ret, 0);
  }
  const uint64_t after = HeapInUse();
  EXPECT_EQ(engine.Global().live_tts, kObjects);
  const double per_object = static_cast<double>(after - before) / kObjects;
  EXPECT_LE(per_object, 200.0);
  RecordProperty("bytes_per_object", static_cast<int>(per_object));
}

// The bounds docs/limits.md states, per simulated page. A frame the engine
// has touched costs its struct page (16 bytes) for the rest of the replay,
// plus the allocator's bitmaps (3 bits and a little, 0.38 bytes); a slot of a
// live object costs 4 bytes once its chunk is written, a dma_address entry
// 4 more, a page held by the backup store 4 and a bit.
constexpr double kBytesPerFrame = 16.4;
constexpr double kBytesPerSlot = 4.01;
constexpr double kBytesPerDmaEntry = 4.01;
constexpr double kBytesPerBackedUpPage = 4.2;
// Pool types, tables, the tt itself: independent of the sizes.
constexpr double kFixedBytes = 64 * 1024;

struct Cycle {
  uint64_t system_pages;
  uint64_t object_pages;
  bool dma;
};

// A 2^22-page machine and one object of all but 1024 of its pages (the
// restore state needs a few free pages), through the cycle of issue 12
// item 8: allocate, populate, write, shrink, populate (a full restore),
// shrink again, unpopulate, free. After each step the engine's accounted
// bytes stay within the stated bound for what is alive then; the free
// gives back everything but the struct pages of touched frames.
//
// Before this bound was stated a slot took 8 bytes, a dma_address entry
// 8, a backed-up page 8 and its chunks were never given back: the
// populated step cost 24.3 bytes per page and the backed-up step 32.4,
// against bounds of 20.3 and 24.5 here.
void RunCycle(const Cycle& c) {
  Config config;
  config.system_pages = c.system_pages;
  Engine engine(Resolve(config));
  const TtmModel& m = EngineTestPeer::Model(engine);
  const double frames = static_cast<double>(c.system_pages);
  const double slots = static_cast<double>(c.object_pages);
  const double dma = c.dma ? slots : 0;

  // What the step may hold: every frame (the machine is full at some
  // point), the slots and dma entries of the live object, the backup.
  auto bound = [&](bool live, uint64_t backed_up) {
    return kFixedBytes + kBytesPerFrame * frames +
           (live ? kBytesPerSlot * slots + kBytesPerDmaEntry * dma : 0) +
           kBytesPerBackedUpPage * static_cast<double>(backed_up);
  };
  auto step = [&](const char* what, const EventBody& event, bool live) {
    const Outcome out = engine.Apply(event);
    EXPECT_TRUE(out.violations.empty()) << what;
    EXPECT_TRUE(engine.Check(CheckScope::kTouched).empty()) << what;
    const uint64_t bytes = m.memory_bytes();
    const uint64_t backed_up = m.store().held_pages();
    // In test.xml: the figures docs/limits.md quotes, in bytes per page.
    ::testing::Test::RecordProperty(std::string(what) + " (bytes per simulated page)",
                                    std::to_string(static_cast<double>(bytes) / frames));
    EXPECT_LE(static_cast<double>(bytes), bound(live, backed_up))
        << what << ": " << static_cast<double>(bytes) / frames << " bytes per simulated page, "
        << backed_up << " pages backed up";
    return out;
  };

  step("allocate", Allocate(1, c.object_pages, Caching::kCached, c.dma), true);
  EXPECT_EQ(step("populate", PopulateEvent{1, true}, true).ret, 0);
  step("write", WriteEvent{1, std::nullopt, std::nullopt}, true);
  EXPECT_EQ(step("shrink", ShrinkEvent{1, false, false}, true).ret,
            static_cast<int64_t>(c.object_pages));
  EXPECT_EQ(m.store().held_pages(), c.object_pages);
  EXPECT_EQ(step("populate (restore)", PopulateEvent{1, true}, true).ret, 0);
  // The restore dropped every handle: the store holds nothing any more.
  EXPECT_EQ(m.store().held_pages(), 0u);
  EXPECT_LE(m.store().memory_bytes(), 1024u);
  EXPECT_EQ(step("shrink again", ShrinkEvent{1, false, false}, true).ret,
            static_cast<int64_t>(c.object_pages));
  step("unpopulate", UnpopulateEvent{1}, true);
  step("free", FreeEvent{1}, false);
  EXPECT_EQ(engine.Global().live_tts, 0u);
  EXPECT_LE(m.store().memory_bytes(), 64u);
  EXPECT_LE(static_cast<double>(m.memory_bytes()), kFixedBytes + kBytesPerFrame * frames);
}

TEST(EngineMemory, AMachineSizedObjectStaysWithinTheStatedBytesPerPageThroughAFullCycle) {
  RunCycle(Cycle{uint64_t{1} << 22, (uint64_t{1} << 22) - 1024, false});
}

TEST(EngineMemory, ADmaObjectAddsFourBytesPerSlotForItsDmaAddresses) {
  RunCycle(Cycle{uint64_t{1} << 20, (uint64_t{1} << 20) - 1024, true});
}

// The dense indices of dead objects (a min-heap, TtmModel::free_indices_)
// go to new objects lowest first, in whatever order the objects died.
TEST(EngineMemory, NewObjectsTakeTheLowestIndicesDeadObjectsLeft) {
  TtmModel m(SmallMachine());
  for (uint64_t id = 1; id <= 10; ++id) EXPECT_EQ(m.TtInit(id, Allocate(id, 1)).index, id - 1);
  for (uint64_t id : {7, 3, 9, 1, 5}) m.TtFini(*m.FindTt(id));
  for (uint32_t want : {0u, 2u, 4u}) EXPECT_EQ(m.TtInit(100 + want, Allocate(100 + want, 1)).index, want);
  m.TtFini(*m.FindTt(2));  // index 1
  for (uint32_t want : {1u, 6u, 8u, 10u, 11u}) EXPECT_EQ(m.TtInit(200 + want, Allocate(200 + want, 1)).index, want);
}

}  // namespace
}  // namespace ttm
