#include "core/event.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace ttm {
namespace {

TEST(Event, ErrnoNamesRoundTripAndZeroIsOk) {
  for (Errno e : {kEINTR, kENOMEM, kEFAULT, kEBUSY, kEINVAL, kENOSPC})
    EXPECT_EQ(ErrnoFromName(ErrnoName(e)), e);
  EXPECT_EQ(ErrnoName(-28), "ENOSPC");
  EXPECT_EQ(ErrnoName(0), "ok");
  EXPECT_EQ(ErrnoName(-12), "ENOMEM");
  EXPECT_EQ(ErrnoName(-99), "-99");
  EXPECT_EQ(ErrnoFromName("EAGAIN"), std::nullopt);
}

TEST(Event, EnumNamesRoundTrip) {
  for (Caching c : {Caching::kCached, Caching::kWriteCombined, Caching::kUncached})
    EXPECT_EQ(CachingFromName(CachingName(c)), c);
  for (int s = 0; s < kNumFaultSites; ++s)
    EXPECT_EQ(FaultSiteFromName(FaultSiteName(static_cast<FaultSite>(s))), static_cast<FaultSite>(s));
  for (TtState s : {TtState::kUnpopulated, TtState::kPopulated, TtState::kBackedUp})
    EXPECT_EQ(TtStateFromName(TtStateName(s)), s);
  EXPECT_EQ(CachingFromName("writecombined"), std::nullopt);
}

TEST(Event, OpNamesFollowTheVariantOrder) {
  EXPECT_EQ(OpName(AllocateEvent{}), "allocate");
  EXPECT_EQ(OpName(PoolShrinkEvent{}), "pool_shrink");
  EXPECT_EQ(OpName(ExpectEvent{}), "expect");
  EXPECT_EQ(OpNameByIndex(kNumOps - 1), "expect");
}

TEST(Event, OnlyObjectOperationsNameATt) {
  EXPECT_EQ(EventTt(ShrinkEvent{7, false, false}), 7u);
  EXPECT_EQ(EventTt(FreeEvent{3}), 3u);
  ExpectEvent expect;
  expect.tt = 5;
  EXPECT_EQ(EventTt(expect), std::nullopt);
  EXPECT_EQ(EventTt(PoolShrinkEvent{10}), std::nullopt);
}

// Every alternative of EventBody, built with a tt of 1000 + its index where
// it has a plain uint64_t tt: EventTt gives exactly those, nothing for the
// others (expect's optional tt included).
template <size_t... I>
void ExpectEventTtOfEveryAlternative(std::index_sequence<I...>) {
  auto one = [](auto index) {
    constexpr size_t i = decltype(index)::value;
    std::variant_alternative_t<i, EventBody> e{};
    std::optional<uint64_t> want;
    if constexpr (requires { e.tt; }) {
      if constexpr (std::is_same_v<decltype(e.tt), uint64_t>) {
        e.tt = 1000 + i;
        want = 1000 + i;
      } else {
        e.tt = 1000 + i;
      }
    }
    EXPECT_EQ(EventTt(EventBody(e)), want) << OpNameByIndex(static_cast<int>(i));
  };
  (one(std::integral_constant<size_t, I>{}), ...);
}

TEST(Event, EventTtGivesTheTtOfEveryOpWithOneAndOfNoOther) {
  ExpectEventTtOfEveryAlternative(std::make_index_sequence<std::variant_size_v<EventBody>>{});
}

TEST(Event, ConfigDefaultsFollowSystemPages) {
  Config c;
  c.system_pages = 4096;
  const MachineConfig m = Resolve(c);
  EXPECT_EQ(m.dma32_pages, 4096u);
  EXPECT_EQ(m.swap_pages, 4096u);
  EXPECT_EQ(m.pool_limit_pages, 2048u);
  EXPECT_EQ(m.max_order, 10u);
  c.system_pages = uint64_t{1} << 22;
  EXPECT_EQ(Resolve(c).dma32_pages, uint64_t{1} << 20);
  c.swap_pages = 0;
  EXPECT_EQ(Resolve(c).swap_pages, 0u);
}

}  // namespace
}  // namespace ttm
