#include "core/engine/page.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace ttm {
namespace {

TEST(SlotTest, HoldsTheLargestFrameAndTheLargestHandleInFourBytes) {
  const Pfn last_frame = static_cast<Pfn>(kMaxSystemPages - 1);
  const Slot page = Slot::Page(last_frame);
  EXPECT_TRUE(page.is_page());
  EXPECT_EQ(page.pfn(), last_frame);
  EXPECT_EQ(Slot::Page(0).pfn(), 0u);
  EXPECT_FALSE(Slot::Page(0).is_null());

  // A handle is a shmem index + 1 of an object of at most 2^31-1 pages.
  const Slot handle = Slot::Handle(Slot::kMaxHandle);
  EXPECT_TRUE(handle.is_handle());
  EXPECT_EQ(handle.handle(), (uint64_t{1} << 31) - 1);
  // Handle 0 (4.11) is a handle, not NULL.
  EXPECT_TRUE(Slot::Handle(0).is_handle());
  EXPECT_FALSE(Slot::Handle(0).is_null());
  EXPECT_TRUE(Slot().is_null());
  EXPECT_NE(Slot::Handle(5), Slot::Page(5));
}

// TokensAllIn() reads four struct pages a step: one token that is neither
// value, at any position of any length, must be seen; the other fields
// of a page must not matter.
TEST(TokensAllInTest, SeesOneTokenThatIsNeitherValueAnywhere) {
  const std::vector<std::pair<Token, Token>> values = {{kZeroToken, kPoisonToken}, {kZeroToken, kZeroToken}};
  for (const auto& [a, b] : values) {
    for (uint64_t n = 0; n <= 13; ++n) {
      std::vector<Page> pages(n);
      for (uint64_t k = 0; k < n; ++k) {
        pages[k].token = k % 3 == 0 ? b : a;
        pages[k].owner_id = 0xffffffffu;
        pages[k].aux = static_cast<uint32_t>(k + 1);
      }
      EXPECT_TRUE(TokensAllIn(pages.data(), n, a, b)) << n;
      for (uint64_t k = 0; k < n; ++k) {
        for (Token wrong : {Token{1}, kPoisonToken + 1, Token{0xffffffffu}, a ^ b ^ kPoisonToken}) {
          if (wrong == a || wrong == b) continue;
          std::vector<Page> bad = pages;
          bad[k].token = wrong;
          EXPECT_FALSE(TokensAllIn(bad.data(), n, a, b)) << "n " << n << " k " << k << " token " << wrong;
        }
      }
    }
  }
}

TEST(BusAddressArrayTest, GivesBackEveryAddressItWasGivenAndZeroElsewhere) {
  BusAddressArray a(10);
  const Pfn last_frame = static_cast<Pfn>(kMaxSystemPages - 1);
  a.Set(0, BusAddress(0));
  a.Set(3, BusAddress(last_frame));
  a.Set(4, BusAddress(7) + 2 * kPageSize);
  EXPECT_EQ(a.Get(0), kDmaBase);
  EXPECT_EQ(a.Get(3), BusAddress(last_frame));
  EXPECT_EQ(a.Get(4), BusAddress(9));
  EXPECT_EQ(a.Get(1), 0u);
  a.Set(4, 0);
  EXPECT_EQ(a.Get(4), 0u);
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  a.ForEachNonDefault([&](uint64_t i, uint64_t address) { seen.emplace_back(i, address); });
  EXPECT_EQ(seen, (std::vector<std::pair<uint64_t, uint64_t>>{{0, kDmaBase}, {3, BusAddress(last_frame)}}));
}

// Issue 12 item 8: an entry cost 8 bytes, as the kernel's dma_addr_t.
TEST(BusAddressArrayTest, CostsFourBytesPerWrittenEntry) {
  const uint64_t n = 1 << 16;
  BusAddressArray a(n);
  for (uint64_t i = 0; i < n; ++i) a.Set(i, BusAddress(static_cast<Pfn>(i)));
  EXPECT_LT(static_cast<double>(a.memory_bytes()) / n, 4.01);
  EXPECT_EQ(a.size(), n);
}

}  // namespace
}  // namespace ttm
