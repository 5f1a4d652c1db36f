// TtmModel::Write() (the GPU writing a tt) walks a run of slots that hold
// consecutive frames through a pointer to their struct pages, reading
// ownership first and then writing tokens; the reference engine writes
// slot by slot. Both must write the same tokens into the same pages and
// vouch for the same slots, on the layouts a populate leaves and on slots
// and struct pages corrupted by hand (a write must never touch a page its
// slot does not own).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/prng.h"
#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::Tt;

using Corruption = std::function<void(TtmModel&, TtObject& tt1, TtObject& tt2)>;

Page& SlotPage(TtmModel& m, const TtObject& tt, uint64_t i) { return m.PageForTest(tt.pages.Get(i).pfn()); }

// Per slot of tts 1 and 2: the token of the page it points at (owned or
// not) and the content the tt vouches for there.
std::vector<std::string> Contents(Engine& engine) {
  const TtmModel& m = EngineTestPeer::Model(engine);
  std::vector<std::string> out;
  for (uint64_t id : {1, 2}) {
    const TtObject& tt = Tt(engine, id);
    for (uint64_t i = 0; i < tt.num_pages; ++i) {
      const Slot s = tt.pages.Get(i);
      const std::optional<uint64_t> want = m.ExpectedToken(tt, i);
      out.push_back(std::to_string(id) + ":" + std::to_string(i) + " " +
                    (s.is_page() ? std::to_string(m.page(s.pfn()).token) : "-") + " " +
                    (want ? std::to_string(*want) : "unvouched"));
    }
  }
  return out;
}

// Tt 1 (300 pages: blocks of 256, 32, 8 and 4) and tt 2 (20 pages)
// populated, corrupted, then written over [first, first + count).
std::vector<std::string> WrittenAfter(const Corruption& corrupt, uint64_t first, uint64_t count,
                                      bool reference) {
  Engine engine(testing::SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
  TTM_APPLY_CLEAN(engine, Allocate(1, 300));
  TTM_APPLY_CLEAN(engine, Allocate(2, 20));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{2, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{2, std::nullopt, std::nullopt}));
  EXPECT_EQ(testing::SlotLayout(engine, 1).substr(0, 3), "P8 ");
  TtmModel& m = EngineTestPeer::Model(engine);
  corrupt(m, Tt(engine, 1), Tt(engine, 2));
  engine.Apply(WriteEvent{1, first, count});
  return Contents(engine);
}

const std::vector<Corruption>& Corruptions() {
  static const std::vector<Corruption> kAll = {
      [](TtmModel&, TtObject&, TtObject&) {},
      // Two slots of a block swapped: the block is out of order.
      [](TtmModel& m, TtObject& tt, TtObject&) {
        const Slot a = tt.pages.Get(5), b = tt.pages.Get(6);
        m.PokeSlotForTest(tt, 5, b);
        m.PokeSlotForTest(tt, 6, a);
      },
      // A slot pointing at a page of tt 2: stale, never written through.
      [](TtmModel& m, TtObject& tt, TtObject& other) { m.PokeSlotForTest(tt, 40, other.pages.Get(3)); },
      [](TtmModel& m, TtObject& tt, TtObject&) { m.PokeSlotForTest(tt, 100, Slot()); },
      [](TtmModel& m, TtObject& tt, TtObject&) { m.PokeSlotForTest(tt, 256, Slot::Handle(257)); },
      // Struct pages that break ownership inside an in-order block.
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 7).aux += 1; },
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 200).owner = Owner::kOrphan; },
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 290).owner_id += 1; },
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 0).aux = 1; },
      // A head whose order says more, or less, than its block.
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 256).private_order = 10; },
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 0).private_order = 2; },
      [](TtmModel& m, TtObject& tt, TtObject&) { SlotPage(m, tt, 288).private_order = 200; },
      // The slots after a block holding the frames that follow it.
      [](TtmModel& m, TtObject& tt, TtObject&) {
        const Pfn last = tt.pages.Get(295).pfn();
        for (uint64_t i = 296; i < 300; ++i) m.PokeSlotForTest(tt, i, Slot::Page(last + (i - 295)));
      },
  };
  return kAll;
}

TEST(Write, WritesTheSameTokensAsTheReferenceOnEveryLayoutAndRange) {
  const std::pair<uint64_t, uint64_t> ranges[] = {{0, 300}, {3, 200}, {255, 2}, {6, 1}, {290, 10}};
  for (size_t c = 0; c < Corruptions().size(); ++c) {
    for (const auto& [first, count] : ranges) {
      SCOPED_TRACE("corruption " + std::to_string(c) + ", slots " + std::to_string(first) + "+" +
                   std::to_string(count));
      EXPECT_EQ(WrittenAfter(Corruptions()[c], first, count, false),
                WrittenAfter(Corruptions()[c], first, count, true));
    }
  }
}

TEST(Write, WritesTheSameTokensAsTheReferenceAfterRandomCorruption) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(seed);
    Prng rng(seed);
    std::vector<uint64_t> picks;
    for (int k = 0; k < 12; ++k) picks.push_back(rng.Below(1u << 20));
    const Corruption corrupt = [&](TtmModel& m, TtObject& tt, TtObject& other) {
      for (size_t k = 0; k + 2 < picks.size(); k += 3) {
        const uint64_t i = picks[k] % tt.num_pages, j = picks[k + 1] % tt.num_pages;
        switch (picks[k + 2] % 5) {
          case 0: m.PokeSlotForTest(tt, i, tt.pages.Get(j)); break;
          case 1: m.PokeSlotForTest(tt, i, other.pages.Get(j % other.num_pages)); break;
          case 2: SlotPage(m, tt, i).aux = static_cast<uint32_t>(j); break;
          case 3: SlotPage(m, tt, i).private_order = static_cast<uint8_t>(j % 12); break;
          case 4: m.PokeSlotForTest(tt, i, Slot()); break;
        }
      }
    };
    const uint64_t first = rng.Below(300), count = 1 + rng.Below(300 - first);
    EXPECT_EQ(WrittenAfter(corrupt, first, count, false), WrittenAfter(corrupt, first, count, true));
  }
}

}  // namespace
}  // namespace ttm
