// Memory bounds of the engine, tested at a reduced scale (the figures at
// full scale are in the README's benchmarks): what a live object costs
// before it holds any page, and what a simulated page costs.
//
// Heap bytes are read from glibc's mallinfo2(), which counts the bytes
// malloc has handed out and not taken back: it sees every std::
// container the engine allocates, and nothing else the test does between
// the two readings.
#include <malloc.h>

#include <gtest/gtest.h>

#include <cstdint>

#include "core/engine/engine.h"
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

}  // namespace
}  // namespace ttm
