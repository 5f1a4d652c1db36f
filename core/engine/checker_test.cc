// The checker (checker.h): silent on a clean run, and each invariant it
// evaluates on the state fires on a state corrupted by hand for it, alone.
//
// The invariants marked [op] in checker.h (3.1.4, 3.3.3, 3.3.4, 3.5.3,
// 3.6.1, 3.6.3, 3.7.x, kernel-crash) are found by the operations as they
// run, not by the checker: op_checks_test.cc breaks each of them alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "core/prng.h"
#include "core/engine/checker.h"
#include "core/engine/engine.h"
#include "core/engine/model.h"
#include "core/engine/testing.h"

namespace ttm {
namespace {

using testing::Allocate;
using testing::Fail;
using testing::Invariants;
using testing::Names;
using testing::SmallMachine;
using testing::Tt;

const std::vector<std::string> kNone;
constexpr Caching kWC = Caching::kWriteCombined;


// Allocate, populate, write, back up, purge, restore, unpopulate, free and
// pool-shrink at random, without faults and without the known-bug
// triggers: only populated tts are shrunk (as xe's shrinker does; a shrink
// of a purged WC tt is 4.13), and memory and swap are ample (a restore
// that runs out of memory is 4.9, a backup that runs out of swap on its
// first page is 4.6).
TEST(Checker, ACleanRandomSequenceHasNoViolation) {
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(seed);
    Prng rng(seed);
    Engine engine(SmallMachine());
    std::vector<bool> live(6, false);
    for (int step = 0; step < 600; ++step) {
      const uint64_t id = rng.Below(live.size());
      EventBody event = CheckEvent{};
      if (!live[id]) {
        const Caching caching = static_cast<Caching>(rng.Below(3));
        event = Allocate(id, 1 + rng.Below(64), caching, rng.Below(4) == 0, rng.Below(8) == 0);
        live[id] = true;
      } else {
        const TtObject& tt = Tt(engine, id);
        switch (rng.Below(8)) {
          case 0:
          case 1: event = PopulateEvent{id, rng.Below(2) == 0}; break;
          case 2: event = WriteEvent{id, std::nullopt, std::nullopt}; break;
          case 3:
          case 4:
            if (tt.populated()) event = ShrinkEvent{id, rng.Below(4) == 0, rng.Below(2) == 0};
            break;
          case 5: event = UnpopulateEvent{id}; break;
          case 6:
            event = FreeEvent{id};
            live[id] = false;
            break;
          case 7: event = PoolShrinkEvent{1 + rng.Below(16)}; break;
        }
      }
      Outcome o = engine.Apply(event);
      ASSERT_EQ(Invariants(o.violations), kNone) << "step " << step << ": " << OpName(event);
      ASSERT_EQ(Invariants(engine.Check(step % 50 == 0 ? CheckScope::kFull : CheckScope::kTouched)), kNone) << "step " << step;
    }
    EXPECT_GT(engine.counters().memory.backed_up_pages, 0u);
    EXPECT_GT(engine.counters().memory.purged_pages, 0u);
    EXPECT_GT(engine.counters().restore.completed, 0u);
    EXPECT_GT(engine.counters().pool.hits, 0u);
    EXPECT_EQ(engine.counters().integrity.mismatches, 0u);
    EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
    LeakReport leaks = engine.Teardown();
    EXPECT_TRUE(leaks.ok());
    EXPECT_EQ(Invariants(leaks.violations), kNone);
  }
}

// The fast checker reads 3.1.2's pages on the pool lists from a count
// kept as blocks are pooled and taken (TtmModel::listed_pages()): after
// every event of a random run, with faults, restores, purges and pool
// shrinks, the count is what the lists hold.
TEST(Checker, ThePooledPagesCountedAsBlocksComeAndGoAreThePagesOnTheListsAfterEveryEvent) {
  for (uint64_t seed : {1, 2, 3, 4}) {
    SCOPED_TRACE(seed);
    Prng rng(seed);
    Config config;
    config.pool_limit_pages = 256;
    Engine engine(SmallMachine(config));
    std::vector<bool> live(6, false);
    uint64_t most = 0;
    for (int step = 0; step < 800; ++step) {
      const uint64_t id = rng.Below(live.size());
      EventBody event = CheckEvent{};
      if (!live[id]) {
        event = Allocate(id, 1 + rng.Below(200), static_cast<Caching>(rng.Below(3)), rng.Below(4) == 0);
        live[id] = true;
      } else {
        switch (rng.Below(9)) {
          case 0: case 1: event = PopulateEvent{id, rng.Below(2) == 0}; break;
          case 2: event = WriteEvent{id, std::nullopt, std::nullopt}; break;
          case 3: event = ShrinkEvent{id, rng.Below(4) == 0, false}; break;
          case 4: event = UnpopulateEvent{id}; break;
          case 5:
            event = FreeEvent{id};
            live[id] = false;
            break;
          case 6: event = PoolShrinkEvent{1 + rng.Below(64)}; break;
          default:
            event = Fail(rng.Below(2) ? FaultSite::kAllocPage : FaultSite::kBackupPage, rng.Below(8));
            break;
        }
      }
      engine.Apply(event);
      const TtmModel& m = EngineTestPeer::View(engine);
      uint64_t listed = 0;
      for (const PoolType& pt : m.pool_types()) listed += pt.pages.size() << pt.order;
      ASSERT_EQ(m.listed_pages(), listed) << "step " << step << ": " << OpName(event);
      most = std::max(most, listed);
    }
    EXPECT_GT(most, 0u);
  }
}

// A fixture that builds the state each test then corrupts.
class CheckerCorruption : public ::testing::Test {
 protected:
  CheckerCorruption() : engine_(SmallMachine()), m_(EngineTestPeer::Model(engine_)) {}

  void Apply(const EventBody& e) { TTM_APPLY_CLEAN(engine_, e); }
  void Populate(uint64_t id, uint64_t pages, Caching caching = Caching::kCached, bool dma = false) {
    Apply(Allocate(id, pages, caching, dma));
    Apply(PopulateEvent{id, true});
    Apply(WriteEvent{id, std::nullopt, std::nullopt});
  }
  // A tt of 8 pages backed up but for its last 3 (retained order-0 pages).
  void PartlyBackedUp(uint64_t id, bool dma = false) {
    Populate(id, 8, Caching::kCached, dma);
    Apply(Fail(FaultSite::kBackupPage, 5));
    Apply(ShrinkEvent{id, false, false});
  }
  // A tt of 8 pages whose restore stopped at its third copy.
  void RestorePending(uint64_t id, Caching caching) {
    Populate(id, 8, caching);
    Apply(ShrinkEvent{id, false, false});
    FailEvent eintr = Fail(FaultSite::kCopyPage, 2);
    eintr.error = kEINTR;
    Apply(eintr);
    Apply(PopulateEvent{id, true});
    ASSERT_NE(Tt(engine_, id).restore, nullptr);
  }
  Pfn SlotPfn(uint64_t id, uint64_t slot) { return Tt(engine_, id).pages.Get(slot).pfn(); }
  Pfn PooledBlock(Caching caching, uint32_t order) {
    return testing::FindPoolType(m_, caching, order)->pages.back();
  }
  // The invariants the full check finds, after making sure the state was
  // clean before the corruption.
  std::vector<std::string> Found() { return Invariants(engine_.Check(CheckScope::kFull)); }

  Engine engine_;
  TtmModel& m_;
};

TEST_F(CheckerCorruption, ASlotReferringToAnotherTtsPageBreaksOwnership) {
  Populate(1, 1);
  Populate(2, 1);
  ASSERT_EQ(Found(), kNone);
  m_.PokeSlotForTest(Tt(engine_, 1), 0, Slot::Page(SlotPfn(2, 0)));
  EXPECT_EQ(Found(), Names({Invariant::kOwnership}));
}

TEST_F(CheckerCorruption, APooledBlockOfTheWrongOrderBreaksPoolAccounting) {
  Populate(1, 4, kWC);
  Apply(UnpopulateEvent{1});
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(PooledBlock(kWC, 2)).private_order = 1;
  EXPECT_EQ(Invariants(engine_.Check(CheckScope::kTouched)), kNone);  // pools are walked by a full check only
  EXPECT_EQ(Found(), Names({Invariant::kPoolAccounting}));
}

// ttm_pool_alloc() on a populated tt (the kernel WARNs and goes on)
// overwrites every slot: the old pages are referenced by nothing.
TEST_F(CheckerCorruption, PagesReferencedByNothingBreakConservation) {
  Populate(1, 4);
  ASSERT_EQ(Found(), kNone);
  ASSERT_EQ(m_.PoolAlloc(Tt(engine_, 1), OperationCtx{}), 0);
  EXPECT_EQ(engine_.Global().system_used_pages, 8u);
  EXPECT_EQ(Found(), Names({Invariant::kConservation}));
}

TEST_F(CheckerCorruption, ANullSlotInAPopulatedTtBreaksThePopulatedLayout) {
  Populate(1, 4);
  ASSERT_EQ(Found(), kNone);
  m_.PokeSlotForTest(Tt(engine_, 1), 3, Slot());
  EXPECT_EQ(Found(), Names({Invariant::kPopulatedLayout}));
}

TEST_F(CheckerCorruption, AnUnpopulatedTtOwningPagesIsFound) {
  Populate(1, 4);
  ASSERT_EQ(Found(), kNone);
  Tt(engine_, 1).page_flags &= ~kTtFlagPrivPopulated;
  EXPECT_EQ(Found(), Names({Invariant::kUnpopulatedOwnsNothing}));
}

TEST_F(CheckerCorruption, ARetainedPageThatIsNotWriteBackBreaksTheBackedUpLayout) {
  PartlyBackedUp(1);
  ASSERT_EQ(testing::SlotLayout(engine_, 1), "H1 H2 H3 H4 H5 P0 P0 P0");
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(SlotPfn(1, 6)).caching = PageCaching::kWC;
  EXPECT_EQ(Found(), Names({Invariant::kBackedUpLayout}));
}

TEST_F(CheckerCorruption, ACachingDivideBeyondAllocedPagesBreaksTheRestoreState) {
  RestorePending(1, Caching::kCached);
  ASSERT_EQ(Found(), kNone);
  Tt(engine_, 1).restore->caching_divide = Tt(engine_, 1).restore->alloced_pages + 1;
  EXPECT_EQ(Found(), Names({Invariant::kRestoreState}));
}

TEST_F(CheckerCorruption, SwappedWithoutBackedUpBreaksTheFlags) {
  Populate(1, 4);
  ASSERT_EQ(Found(), kNone);
  Tt(engine_, 1).page_flags |= kTtFlagSwapped;
  EXPECT_EQ(Found(), Names({Invariant::kFlags}));
}

TEST_F(CheckerCorruption, ALiveBackupPageWithoutAHandleBreaksHandleReferences) {
  Populate(1, 8);
  Apply(ShrinkEvent{1, false, false});
  ASSERT_EQ(Found(), kNone);
  m_.PokeSlotForTest(Tt(engine_, 1), 7, Slot());
  EXPECT_EQ(Found(), Names({Invariant::kHandleReferences}));
}

TEST_F(CheckerCorruption, SwappedHandlesBreakTheHandleValue) {
  Populate(1, 8);
  Apply(ShrinkEvent{1, false, false});
  ASSERT_EQ(Found(), kNone);
  m_.PokeSlotForTest(Tt(engine_, 1), 0, Slot::Handle(2));
  m_.PokeSlotForTest(Tt(engine_, 1), 1, Slot::Handle(1));
  EXPECT_EQ(Found(), Names({Invariant::kHandleValue}));
}

// Two handles referenced twice, the higher one met first: the finding
// names the lowest, and counts each live handle once.
TEST_F(CheckerCorruption, AHandleReferencedTwiceIsNamedLowestFirst) {
  Populate(1, 8);
  Apply(ShrinkEvent{1, false, false});
  ASSERT_EQ(Found(), kNone);
  m_.PokeSlotForTest(Tt(engine_, 1), 5, Slot::Handle(4));  // slot 3 holds 4
  m_.PokeSlotForTest(Tt(engine_, 1), 6, Slot::Handle(2));  // slot 1 holds 2
  std::vector<std::string> references;
  for (const Violation& v : engine_.Check(CheckScope::kFull))
    if (v.invariant == Invariant::kHandleReferences) references.push_back(v.what);
  EXPECT_EQ(references, std::vector<std::string>{"handle 2 is referenced twice"});
  EXPECT_EQ(Found(), Names({Invariant::kHandleValue, Invariant::kHandleReferences}));
}

// 3.1.2 asks the same of a pool entry as 3.4.1: the type's caching.
TEST_F(CheckerCorruption, APooledWcBlockThatIsWriteBackBreaksPoolCaching) {
  Populate(1, 4, kWC);
  Apply(UnpopulateEvent{1});
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(PooledBlock(kWC, 2)).caching = PageCaching::kWB;
  EXPECT_EQ(Found(), Names({Invariant::kPoolAccounting, Invariant::kPoolCaching}));
}

// 4.6 without a dma array: the backup fails on its first page after
// switching every page of the WC tt to WB. That is 3.4.4 and only 3.4.4.
TEST_F(CheckerCorruption, AZeroProgressBackupFailureOfAWcTtBreaksOnlyWbAfterFailedBackup) {
  Populate(1, 4, kWC);
  Apply(Fail(FaultSite::kBackupPage, 0));
  EXPECT_EQ(engine_.Apply(ShrinkEvent{1, false, false}).ret, kENOMEM);
  EXPECT_EQ(Found(), Names({Invariant::kWbAfterFailedBackup}));
}

// While backed up, the last written content of every slot must exist, once:
// a retained page that lost it breaks 3.6.2.
TEST_F(CheckerCorruption, ARetainedPageThatLostItsContentBreaksSingleCopy) {
  PartlyBackedUp(1);
  ASSERT_EQ(Found(), kNone);
  EXPECT_TRUE(engine_.Inspect(1)->intact);
  m_.PageForTest(SlotPfn(1, 6)).token ^= 1;
  EXPECT_EQ(Found(), Names({Invariant::kSingleCopy}));
  EXPECT_FALSE(engine_.Inspect(1)->intact);
}

// Content tokens are 32 bits: in a big object written twice, a slot of one
// write may expect the same value as a slot of the other. That is no
// second copy of anything: a partly backed-up object whose tokens collide
// is clean. (Found on a generated pressure trace, where a 4096-page
// object's collision was reported.)
TEST(Checker, TwoSlotsWhoseContentTokensCollideAreNoSecondCopy) {
  Config c;
  c.system_pages = uint64_t{1} << 19;
  c.swap_pages = uint64_t{1} << 19;
  Engine engine(SmallMachine(c));
  constexpr uint64_t kPages = uint64_t{1} << 17, kHalf = kPages / 2;
  TTM_APPLY_CLEAN(engine, Allocate(1, kPages, Caching::kCached));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, Allocate(2, 1, Caching::kCached));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{2, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  const TtmModel& m = EngineTestPeer::Model(engine);
  const uint64_t uid = Tt(engine, 1).uid, first_gen = Tt(engine, 1).expected.Get(0);
  // Tokens of one generation step by an odd constant (ContentTokens): a
  // generation g whose slot j repeats the first write's slot i = j - d has
  // d = (token(0, first) - token(0, g)) / step, mod 2^32. Find one where
  // such a j lies in the second half, then write the second half with it
  // (writes to the one-page object 2 use up the generations before it).
  const uint32_t step = ContentToken(uid, 8, first_gen) - ContentToken(uid, 7, first_gen);
  uint32_t inverse = step;  // Newton's iteration: each step doubles the good bits
  for (int i = 0; i < 5; ++i) inverse *= 2 - step * inverse;
  ASSERT_EQ(static_cast<uint32_t>(step * inverse), 1u);
  uint64_t gen = first_gen + 2;
  while (static_cast<uint32_t>((ContentToken(uid, 0, first_gen) - ContentToken(uid, 0, gen)) * inverse) >= kPages)
    ++gen;
  for (uint64_t g = first_gen + 1; g < gen; ++g) TTM_APPLY_CLEAN(engine, (WriteEvent{2, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, kHalf, kHalf}));
  ASSERT_EQ(Tt(engine, 1).expected.Get(kHalf), gen);
  std::vector<uint64_t> tokens;
  for (uint64_t i = 0; i < kPages; ++i) tokens.push_back(*m.ExpectedToken(Tt(engine, 1), i));
  std::sort(tokens.begin(), tokens.end());
  ASSERT_NE(std::adjacent_find(tokens.begin(), tokens.end()), tokens.end())
      << "the premise: some two slots of this object expect the same token";
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, kPages / 4));
  EXPECT_EQ(engine.Apply(ShrinkEvent{1, false, false}).ret, static_cast<int64_t>(kPages / 4));
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone);
  EXPECT_TRUE(engine.Inspect(1)->intact);
}

TEST_F(CheckerCorruption, AWriteBackPageInAPopulatedWcTtBreaksTtCaching) {
  Populate(1, 4, kWC);
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(SlotPfn(1, 2)).caching = PageCaching::kWB;
  EXPECT_EQ(Found(), Names({Invariant::kTtCaching}));
}

// The restore of a WC tt stopped in its only chunk: the new pages are all
// still WB (caching_divide 0).
TEST_F(CheckerCorruption, AConvertedPageBeyondTheCachingDivideBreaksRestoreCaching) {
  RestorePending(1, kWC);
  ASSERT_EQ(Tt(engine_, 1).restore->caching_divide, 0u);
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(SlotPfn(1, 0)).caching = PageCaching::kWC;
  EXPECT_EQ(Found(), Names({Invariant::kRestoreCaching}));
}

TEST_F(CheckerCorruption, AnUnmappedPageInAPopulatedDmaTtBreaksDmaMapping) {
  Populate(1, 4, Caching::kCached, /*dma=*/true);
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(SlotPfn(1, 1)).mapped = false;
  EXPECT_EQ(Found(), Names({Invariant::kDmaMapping}));
}

TEST_F(CheckerCorruption, AMappedRetainedPageBreaksDmaUnmapped) {
  PartlyBackedUp(1, /*dma=*/true);
  ASSERT_EQ(Found(), kNone);
  m_.PageForTest(SlotPfn(1, 5)).mapped = true;
  EXPECT_EQ(Found(), Names({Invariant::kDmaUnmapped}));
}

TEST_F(CheckerCorruption, AWrongBusAddressBreaksDmaAddress) {
  Populate(1, 4, Caching::kCached, /*dma=*/true);
  ASSERT_EQ(Found(), kNone);
  Tt(engine_, 1).dma_address.Set(2, BusAddress(SlotPfn(1, 3)));
  EXPECT_EQ(Found(), Names({Invariant::kDmaAddress}));
}

// The checker reads the tail pages of a block whose slots are in order a
// chunk at a time (the fast path) or slot by slot (EngineOptions::reference);
// a tail page corrupted on its own is found at its own slot either way.
TEST(CheckerTails, ACorruptedTailPageIsFoundAtItsSlotOnTheFastAndTheReferencePath) {
  using Corrupt = void (*)(Page&);
  const Corrupt corruptions[] = {
      [](Page& p) { p.caching = PageCaching::kUC; },
      [](Page& p) { p.tail = false; },
      [](Page& p) { p.aux += 1; },
  };
  for (Corrupt corrupt : corruptions) {
    std::vector<std::string> found[2];
    for (bool reference : {false, true}) {
      Engine engine(SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
      TTM_APPLY_CLEAN(engine, Allocate(1, 8, kWC, /*dma=*/true));
      TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
      ASSERT_EQ(testing::SlotLayout(engine, 1), "P3 t t t t t t t");
      TtmModel& m = EngineTestPeer::Model(engine);
      corrupt(m.PageForTest(Tt(engine, 1).pages.Get(5).pfn()));
      for (const Violation& v : engine.Check(CheckScope::kFull))
        found[reference].push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
    }
    ASSERT_EQ(found[0].size(), 1u);
    EXPECT_NE(found[0][0].find("slot 5"), std::string::npos) << found[0][0];
    EXPECT_EQ(found[0], found[1]);
  }
}

// A tt is nearly always clean, so the checker first asks a clean-state
// verdict that builds no finding (PopulatedClean(), BackedUpClean()), and
// walks for findings only when it says "not clean". A verdict that called
// a broken state clean would hide the bug: each corruption below, of one
// thing those verdicts read, must be found, with the same findings on the
// fast path as on the reference path (EngineOptions::reference, which
// always walks).
using Corruption = std::function<void(TtmModel&, TtObject&)>;

// A populated WC dma tt of 12 pages, "P3 t t t t t t t P2 t t t".
void PopulatedDma(Engine& engine) {
  TTM_APPLY_CLEAN(engine, Allocate(1, 12, kWC, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  ASSERT_EQ(testing::SlotLayout(engine, 1), "P3 t t t t t t t P2 t t t");
}

// A dma tt of 8 pages backed up but for its last 3, "H1 H2 H3 H4 H5 P0 P0 P0".
void PartlyBackedUpDma(Engine& engine) {
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kCached, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 5));
  TTM_APPLY_CLEAN(engine, (ShrinkEvent{1, false, false}));
  ASSERT_EQ(testing::SlotLayout(engine, 1), "H1 H2 H3 H4 H5 P0 P0 P0");
}

// A tt of 8 pages backed up whole, "H1 H2 H3 H4 H5 H6 H7 H8".
void BackedUp(Engine& engine) {
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kCached));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, (ShrinkEvent{1, false, false}));
  ASSERT_EQ(testing::SlotLayout(engine, 1), "H1 H2 H3 H4 H5 H6 H7 H8");
}

// A tt of 8 pages of which only slots 2 to 4 were written, backed up but
// for its last 3: slots 0, 1, 5, 6 and 7 are vouched for by nothing.
void PartlyWrittenPartlyBackedUp(Engine& engine) {
  TTM_APPLY_CLEAN(engine, Allocate(1, 8, Caching::kCached));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, 2, 3}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 5));
  TTM_APPLY_CLEAN(engine, (ShrinkEvent{1, false, false}));
  ASSERT_EQ(testing::SlotLayout(engine, 1), "H1 H2 H3 H4 H5 P0 P0 P0");
}

// The findings of a full check after `corrupt`, as "invariant: what".
std::vector<std::string> FoundAfter(void (*build)(Engine&), const Corruption& corrupt, bool reference) {
  Engine engine(SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
  build(engine);
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone) << "the state was clean before";
  TtmModel& m = EngineTestPeer::Model(engine);
  corrupt(m, Tt(engine, 1));
  std::vector<std::string> found;
  for (const Violation& v : engine.Check(CheckScope::kFull))
    found.push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
  return found;
}

void ExpectFoundAlikeOnBothPaths(void (*build)(Engine&), const std::vector<Corruption>& corruptions) {
  for (size_t c = 0; c < corruptions.size(); ++c) {
    SCOPED_TRACE("corruption " + std::to_string(c));
    const std::vector<std::string> fast = FoundAfter(build, corruptions[c], false);
    const std::vector<std::string> reference = FoundAfter(build, corruptions[c], true);
    EXPECT_FALSE(fast.empty());
    EXPECT_EQ(fast, reference);
  }
}

// The struct page of slot i.
Page& SlotPage(TtmModel& m, const TtObject& tt, uint64_t i) { return m.PageForTest(tt.pages.Get(i).pfn()); }

TEST(CheckerVerdicts, EveryCorruptionOfAPopulatedTtIsFoundAsTheReferenceWalkFindsIt) {
  ExpectFoundAlikeOnBothPaths(PopulatedDma, {
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 8).caching = PageCaching::kWB; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 11).caching = PageCaching::kUC; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 5).tail = false; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 8).tail = true; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 5).aux += 1; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 0).owner_id += 1; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 11).owner = Owner::kPool; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 3).mapped = false; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 0).private_order = 2; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 8).private_order = 3; },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 5, tt.pages.Get(6)); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 9, Slot()); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 10, Slot::Handle(11)); },
      [](TtmModel&, TtObject& tt) { tt.dma_address.Set(2, BusAddress(tt.pages.Get(3).pfn())); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 4, 1, false); },
  });
}

// The findings of a full check of a populated WC dma tt of `pages` pages
// after one field of slot `at` (of its page or its dma address) is made
// odd, kind 0 to 6: owner, owner_id, aux, caching, tail, mapped, dma address.
std::vector<std::string> FoundAfterOddField(const MachineConfig& machine, uint64_t pages, uint64_t at, int kind,
                                            bool reference) {
  Engine engine(machine, Semantics::kV13, EngineOptions{.reference = reference});
  TTM_APPLY_CLEAN(engine, Allocate(1, pages, kWC, /*dma=*/true));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone) << "the state was clean before";
  TtmModel& m = EngineTestPeer::Model(engine);
  TtObject& tt = Tt(engine, 1);
  Page& p = SlotPage(m, tt, at);
  switch (kind) {
    case 0: p.owner = Owner::kRestoreOld; break;
    case 1: p.owner_id += 1; break;
    case 2: p.aux += 1; break;
    case 3: p.caching = PageCaching::kWB; break;
    case 4: p.tail = !p.tail; break;
    case 5: p.mapped = false; break;
    default: tt.dma_address.Set(at, tt.dma_address.Get(at) + kPageSize); break;
  }
  std::vector<std::string> found;
  for (const Violation& v : engine.Check(CheckScope::kFull))
    found.push_back(std::string(InvariantName(v.invariant)) + ": " + v.what);
  return found;
}

TEST(CheckerVerdicts, AnOddFieldAtAnySlotOfAnyBlockOfAPopulatedTtIsFoundAsTheReferenceWalkFindsIt) {
  for (uint64_t pages : {1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64, 70}) {
    for (uint64_t at = 0; at < pages; ++at) {
      for (int kind = 0; kind < 7; ++kind) {
        SCOPED_TRACE(std::to_string(pages) + " pages, slot " + std::to_string(at) + ", kind " + std::to_string(kind));
        const std::vector<std::string> fast = FoundAfterOddField(SmallMachine(), pages, at, kind, false);
        EXPECT_FALSE(fast.empty());
        EXPECT_EQ(fast, FoundAfterOddField(SmallMachine(), pages, at, kind, true));
      }
    }
  }
}

// Blocks of 8192 pages (max_order 13): the first block's slots and struct
// pages each span two chunks of their sparse arrays (4096 entries), which
// the clean verdict reads a piece at a time.
TEST(CheckerVerdicts, AnOddFieldInABlockSpanningTwoChunksIsFoundAsTheReferenceWalkFindsIt) {
  Config c;
  c.system_pages = uint64_t{1} << 15;
  c.max_order = 13;
  const MachineConfig machine = SmallMachine(c);
  constexpr uint64_t kPages = 8192 + 4096 + 3;
  {
    Engine engine(machine);
    TTM_APPLY_CLEAN(engine, Allocate(1, kPages, kWC, /*dma=*/true));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
    const TtmModel& m = EngineTestPeer::Model(engine);
    ASSERT_EQ(m.page(Tt(engine, 1).pages.Get(0).pfn()).private_order, 13);
    ASSERT_EQ(Tt(engine, 1).pages.Get(4096).pfn(), Tt(engine, 1).pages.Get(0).pfn() + 4096);
  }
  for (uint64_t at : {0, 1, 2, 3, 4, 4094, 4095, 4096, 4097, 4098, 8188, 8191, 8192, 8193, 12287, 12288, 12290}) {
    for (int kind = 0; kind < 7; ++kind) {
      SCOPED_TRACE("slot " + std::to_string(at) + ", kind " + std::to_string(kind));
      const std::vector<std::string> fast = FoundAfterOddField(machine, kPages, at, kind, false);
      EXPECT_FALSE(fast.empty());
      EXPECT_EQ(fast, FoundAfterOddField(machine, kPages, at, kind, true));
    }
  }
}

TEST(CheckerVerdicts, EveryCorruptionOfABackedUpTtIsFoundAsTheReferenceWalkFindsIt) {
  ExpectFoundAlikeOnBothPaths(PartlyBackedUpDma, {
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 6).caching = PageCaching::kWC; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 6).owner_id += 1; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 7).aux -= 1; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 5).owner = Owner::kRestoreOld; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 5).mapped = true; },
      [](TtmModel& m, TtObject& tt) {
        m.PokeSlotForTest(tt, 0, Slot::Handle(2));
        m.PokeSlotForTest(tt, 1, Slot::Handle(1));
      },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 3, Slot::Handle(3)); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 6, Slot::Handle(0)); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 4, Slot()); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 2, Slot::Handle(0)); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 7, Slot::Handle(8)); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().Drop(tt.backup, 3); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 6, 1, false); },
      // The content each copy holds (3.6.2), which the backed-up verdict
      // reads along with the layout.
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 7).token ^= 1; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 6).token = SlotPage(m, tt, 7).token; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 5).token = kZeroToken; },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 5).token = *m.store().Peek(tt.backup, 1); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 2, 1, false); },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 0, *m.store().Peek(tt.backup, 4), false);
      },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 4, kPoisonToken, false); },
      // A copy of slot 6's content beyond the handles, and one more handle.
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 6, SlotPage(m, tt, 6).token, false);
      },
      // As many live backup pages as handles, but one at the wrong index.
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 3);
        m.StoreForTest().BackupPage(tt.backup, 7, *m.store().Peek(tt.backup, 1), false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 5);
        m.StoreForTest().BackupPage(tt.backup, 6, *m.store().Peek(tt.backup, 1), false);
      },
  });
}

TEST(CheckerVerdicts, EveryCorruptionOfAWhollyBackedUpTtIsFoundAsTheReferenceWalkFindsIt) {
  ExpectFoundAlikeOnBothPaths(BackedUp, {
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 7, 1, false); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 0, kZeroToken, false); },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 3, *m.store().Peek(tt.backup, 7), false);
      },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().Drop(tt.backup, 8); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 7, Slot::Handle(0)); },
      [](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, 0, Slot()); },
      [](TtmModel&, TtObject& tt) { tt.page_flags &= ~kTtFlagSwapped; },
      // Slot 3 vouched for by a later write than its copy holds: that
      // content is held nowhere.
      [](TtmModel&, TtObject& tt) { tt.expected.Assign(3, 1, 1000); },
  });
}

// Slots nothing vouches for may hold anything fresh, but never a copy of
// written content: that copy would be a second one. And where content
// says nothing, the layout still must.
TEST(CheckerVerdicts, EveryCorruptionOfAPartlyWrittenTtIsFoundAsTheReferenceWalkFindsIt) {
  ExpectFoundAlikeOnBothPaths(PartlyWrittenPartlyBackedUp, {
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 6).token = *m.store().Peek(tt.backup, 3); },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 0, *m.store().Peek(tt.backup, 4), false);
      },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 2, kPoisonToken, false); },
      // As many live backup pages as handles, all fresh, one at the wrong
      // index: only the layout tells.
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 1);
        m.StoreForTest().BackupPage(tt.backup, 6, kPoisonToken, false);
      },
  });
}

// A tt of 200 pages backed up but for its last 40: its 160 backup pages
// fill two 64-bit words of the store's live bits and half a third, which
// the backed-up verdict reads a word at a time.
void BackedUpOverThreeLiveWords(Engine& engine, std::optional<uint64_t> written) {
  TTM_APPLY_CLEAN(engine, Allocate(1, 200, Caching::kCached));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, written}));
  TTM_APPLY_CLEAN(engine, Fail(FaultSite::kBackupPage, 160));
  TTM_APPLY_CLEAN(engine, (ShrinkEvent{1, false, false}));
  const TtStatus st = *engine.Inspect(1);
  ASSERT_EQ(st.backed_up, 160u);
  ASSERT_EQ(st.resident, 40u);
}
void BackedUpOverThreeLiveWords(Engine& engine) { BackedUpOverThreeLiveWords(engine, std::nullopt); }
// The same with only slots [0, 100) written: the backup pages from index
// 100 on hold fresh content, which content alone cannot tell from another.
void BackedUpOverThreeLiveWordsWrittenInPart(Engine& engine) { BackedUpOverThreeLiveWords(engine, 100); }

// Each corruption moves, drops or changes a backup page in a different
// word of live bits: a hole in a full word, a live bit past the handles
// in the partial word or in a word of its own, a first word missing, a
// copy that is not what was written.
TEST(CheckerVerdicts, EveryCorruptionOfTheStoreOfALargeBackedUpTtIsFoundAsTheReferenceWalkFindsIt) {
  ExpectFoundAlikeOnBothPaths(BackedUpOverThreeLiveWords, {
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 71);
        m.StoreForTest().BackupPage(tt.backup, 170, kPoisonToken, false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 160);
        m.StoreForTest().BackupPage(tt.backup, 161, kPoisonToken, false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 11);
        m.StoreForTest().BackupPage(tt.backup, 195, kPoisonToken, false);
      },
      [](TtmModel& m, TtObject& tt) {
        for (Handle h = 1; h <= 64; ++h) m.StoreForTest().Drop(tt.backup, h);
      },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().Drop(tt.backup, 64); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().Drop(tt.backup, 160); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 160, kZeroToken, false); },
      [](TtmModel& m, TtObject& tt) { m.StoreForTest().BackupPage(tt.backup, 100, kZeroToken, false); },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 150, *m.store().Peek(tt.backup, 152), false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 63, *m.store().Peek(tt.backup, 66), false);
      },
      [](TtmModel& m, TtObject& tt) { SlotPage(m, tt, 180).token ^= 1; },
  });
  ExpectFoundAlikeOnBothPaths(BackedUpOverThreeLiveWordsWrittenInPart, {
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 160);
        m.StoreForTest().BackupPage(tt.backup, 161, kPoisonToken, false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 101);
        m.StoreForTest().BackupPage(tt.backup, 170, kPoisonToken, false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().Drop(tt.backup, 128);
        m.StoreForTest().BackupPage(tt.backup, 195, kPoisonToken, false);
      },
      [](TtmModel& m, TtObject& tt) {
        m.StoreForTest().BackupPage(tt.backup, 130, *m.store().Peek(tt.backup, 5), false);
      },
  });
}

// A WC tt of 70 pages ("P6 ... P2 ... P1"), written, backed up whole and
// populated again. The restoring populate records no clean verdict, so
// the check after it reads every slot and struct page (PopulatedClean()).
void Restored(Engine& engine) {
  TTM_APPLY_CLEAN(engine, Allocate(1, 70, kWC));
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  TTM_APPLY_CLEAN(engine, (WriteEvent{1, std::nullopt, std::nullopt}));
  TTM_APPLY_CLEAN(engine, (ShrinkEvent{1, false, false}));
  ASSERT_EQ(engine.Inspect(1)->backed_up, 70u);
  TTM_APPLY_CLEAN(engine, (PopulateEvent{1, true}));
  ASSERT_EQ(engine.Inspect(1)->resident, 70u);
}

TEST(CheckerVerdicts, EveryKindOfDamageAtEverySlotOfARestoredTtIsFoundAsTheReferenceWalkFindsIt) {
  std::vector<Corruption> corruptions;
  for (uint64_t at = 0; at < 70; ++at) {
    const uint64_t other = at == 0 ? 1 : at - 1;
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, at, Slot::Handle(at + 1)); });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).owner_id += 1; });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).owner = Owner::kPool; });
    corruptions.push_back([at, other](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, at, tt.pages.Get(other)); });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).caching = PageCaching::kWB; });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).tail ^= true; });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).aux += 1; });
  }
  ExpectFoundAlikeOnBothPaths(Restored, corruptions);
}

// BackedUpOverThreeLiveWords(): slots [0, 160) hold handles, [160, 200)
// retained pages. At each slot: a wrong token (in the store or the page),
// a handle that is not live, a handle or frame held twice, a page of
// another owner.
TEST(CheckerVerdicts, EveryKindOfDamageAtEverySlotOfALargeBackedUpTtIsFoundAsTheReferenceWalkFindsIt) {
  std::vector<Corruption> corruptions;
  for (uint64_t at = 0; at < 160; ++at) {
    corruptions.push_back([at](TtmModel& m, TtObject& tt) {
      m.StoreForTest().BackupPage(tt.backup, at, *m.store().Peek(tt.backup, at + 1) ^ 1, false);
    });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { m.StoreForTest().Drop(tt.backup, at + 1); });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) {
      m.PokeSlotForTest(tt, at, Slot::Handle(at == 0 ? 2 : at));
    });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, at, tt.pages.Get(160)); });
  }
  for (uint64_t at = 160; at < 200; ++at) {
    const uint64_t other = at == 160 ? 161 : at - 1;
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).token ^= 1; });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, at, Slot::Handle(at + 1)); });
    corruptions.push_back([at](TtmModel& m, TtObject& tt) { SlotPage(m, tt, at).owner_id += 1; });
    corruptions.push_back([at, other](TtmModel& m, TtObject& tt) { m.PokeSlotForTest(tt, at, tt.pages.Get(other)); });
  }
  ExpectFoundAlikeOnBothPaths(BackedUpOverThreeLiveWords, corruptions);
}

// 3.6.2 asks that content be held once, not where (that is 3.3.2's job):
// slot 4's content moved to slot 1's backup page is still held once. The
// backed-up verdict cannot call that clean (the copy is not in place), so
// the walks decide, on both paths alike.
TEST(CheckerVerdicts, AMovedCopyIsNoFindingOnEitherPath) {
  for (bool reference : {false, true}) {
    Engine engine(SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
    PartlyWrittenPartlyBackedUp(engine);
    TtmModel& m = EngineTestPeer::Model(engine);
    const TtObject& tt = Tt(engine, 1);
    m.StoreForTest().BackupPage(tt.backup, 1, *m.store().Peek(tt.backup, 5), false);
    m.StoreForTest().BackupPage(tt.backup, 4, kZeroToken, false);
    EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone) << reference;
  }
}

// The fresh content of an unvouched position is no copy of anything: the
// verdicts call such a state clean on both paths.
TEST(CheckerVerdicts, FreshContentInAnUnvouchedPositionIsClean) {
  for (bool reference : {false, true}) {
    Engine engine(SmallMachine(), Semantics::kV13, EngineOptions{.reference = reference});
    PartlyWrittenPartlyBackedUp(engine);
    TtmModel& m = EngineTestPeer::Model(engine);
    TtObject& tt = Tt(engine, 1);
    SlotPage(m, tt, 7).token = kZeroToken;
    SlotPage(m, tt, 6).token = kPoisonToken;
    m.StoreForTest().BackupPage(tt.backup, 0, kPoisonToken, false);
    m.StoreForTest().BackupPage(tt.backup, 1, kZeroToken, false);
    EXPECT_EQ(Invariants(engine.Check(CheckScope::kFull)), kNone) << reference;
  }
}

// A check after several events sees each touched tt once, in id order,
// however often and in whatever order the events touched them; one touch
// (a check after every event) sees that tt alone.
TEST(Checker, ATouchedCheckSeesEachTouchedTtOnceInIdOrder) {
  Engine engine(SmallMachine());
  for (uint64_t id : {1, 2, 3, 4}) {
    TTM_APPLY_CLEAN(engine, Allocate(id, 16, kWC));
    TTM_APPLY_CLEAN(engine, (PopulateEvent{id, true}));
  }
  engine.Check(CheckScope::kFull);
  // A write-back page in a populated WC tt (as in
  // AWriteBackPageInAPopulatedWcTtBreaksTtCaching), which a
  // partial write leaves as it is.
  auto damage = [&](uint64_t id) {
    EngineTestPeer::Model(engine).PageForTest(Tt(engine, id).pages.Get(3).pfn()).caching = PageCaching::kWB;
  };
  for (uint64_t id : {1, 2, 3, 4}) damage(id);
  auto ids = [](const std::vector<Violation>& found) {
    std::vector<uint64_t> out;
    for (const Violation& v : found) out.push_back(v.tt.value_or(0));
    return out;
  };
  for (uint64_t id : {4, 2, 4, 3, 2}) engine.Apply(WriteEvent{id, 0, 1});
  EXPECT_EQ(ids(engine.Check(CheckScope::kTouched)), (std::vector<uint64_t>{2, 3, 4}));
  engine.Apply(WriteEvent{3, 0, 1});
  EXPECT_EQ(ids(engine.Check(CheckScope::kTouched)), (std::vector<uint64_t>{3}));
  EXPECT_EQ(ids(engine.Check(CheckScope::kTouched)), (std::vector<uint64_t>{}));
  engine.Apply(WriteEvent{1, 0, 1});
  engine.Apply(WriteEvent{1, 0, 1});
  EXPECT_EQ(ids(engine.Check(CheckScope::kTouched)), (std::vector<uint64_t>{1}));
  EXPECT_EQ(ids(engine.Check(CheckScope::kFull)), (std::vector<uint64_t>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace ttm
