// The vector helpers of page_words.h against the per-field, per-page
// reading they replace, on hand-made and random stretches of struct pages
// and slots: every field set wrong at every position, aux ranges at the
// top of 32 bits, stretches of every length around the group of four.
#include "core/engine/page_words.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/prng.h"

namespace ttm {
namespace {

constexpr uint32_t kIndex = 7;

// The fields PoolBackupRun() asks of a page after the first.
PageRunMatcher BackupMatcher() {
  Page want = ZeroPage(), mask = ZeroPage();
  want.owner = Owner::kTt;
  want.owner_id = kIndex;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = ~uint32_t{0};
  mask.private_order = 0xff;
  mask.caching = static_cast<PageCaching>(0xff);
  mask.tail = mask.mapped = true;
  return PageRunMatcher(want, mask);
}

bool ReferenceMatch(const Page& p, uint64_t aux) {
  return p.owner == Owner::kTt && p.owner_id == kIndex && p.aux == aux && p.private_order == 0 &&
         p.caching == PageCaching::kWB && !p.tail && !p.mapped;
}

uint64_t ReferenceHeldRun(const Page* p, const Slot* s, Pfn f, uint64_t aux, uint64_t n) {
  uint64_t k = 0;
  while (k < n && aux + k <= ~uint32_t{0} && ReferenceMatch(p[k], aux + k) &&
         s[k] == Slot::Page(f + static_cast<Pfn>(k)))
    ++k;
  return k;
}

// n pages at frame f held by slots from aux on, each as the matcher wants.
void Held(std::vector<Page>& pages, std::vector<Slot>& slots, Pfn f, uint64_t aux) {
  for (uint64_t k = 0; k < pages.size(); ++k) {
    Page p;
    p.token = static_cast<Token>(0x1234 + k);
    p.owner = Owner::kTt;
    p.owner_id = kIndex;
    p.aux = static_cast<uint32_t>(aux + k);
    pages[k] = p;
    slots[k] = Slot::Page(f + static_cast<Pfn>(k));
  }
}

// The fields the checker's clean verdict asks of a block of a populated
// WC dma tt: its tails tails, its head (p[0]) not.
PageRunMatcher BlockMatcher() {
  Page want = ZeroPage(), mask = ZeroPage();
  want.owner = Owner::kTt;
  want.owner_id = kIndex;
  want.caching = PageCaching::kWC;
  want.tail = want.mapped = true;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = ~uint32_t{0};
  mask.caching = static_cast<PageCaching>(0xff);
  mask.tail = mask.mapped = true;
  return PageRunMatcher(want, mask);
}

Page HeadFlip() {
  Page p = ZeroPage();
  p.tail = true;
  return p;
}

bool ReferenceHeldAll(const Page* p, const Slot* s, Pfn f, uint64_t aux, uint64_t n) {
  for (uint64_t k = 0; k < n; ++k)
    if (aux + k > ~uint32_t{0} || p[k].owner != Owner::kTt || p[k].owner_id != kIndex || p[k].aux != aux + k ||
        p[k].caching != PageCaching::kWC || p[k].tail != (k > 0) || !p[k].mapped ||
        !(s[k] == Slot::Page(f + static_cast<Pfn>(k))))
      return false;
  return true;
}

// n pages at frame f held by slots from aux on as a block: as BlockMatcher()
// wants, with private_order and tokens it ignores.
void Block(std::vector<Page>& pages, std::vector<Slot>& slots, Pfn f, uint64_t aux) {
  Held(pages, slots, f, aux);
  for (uint64_t k = 0; k < pages.size(); ++k) {
    pages[k].caching = PageCaching::kWC;
    pages[k].tail = k > 0;
    pages[k].mapped = true;
    pages[k].private_order = k == 0 ? 5 : 0;
  }
}

// A stretch of n pages at frame f held by slots from aux on, as
// BackupMatcher() wants (Held()) or as a block (Block()), with one more
// page and slot past the end that no helper may read; the helpers asked
// of it, and the page-by-page readings they must agree with.
struct Stretch {
  enum Kind { kHeld, kBlock };
  Stretch(Kind kind, uint64_t length, Pfn frame = 100, uint64_t first_aux = 40)
      : pages(length + 1), slots(length + 1), f(frame), aux(first_aux), n(length) {
    if (kind == kHeld)
      Held(pages, slots, f, aux);
    else
      Block(pages, slots, f, aux);
  }
  uint64_t HeldRun(const PageRunMatcher& m) const { return m.HeldRun(pages.data(), slots.data(), f, aux, n); }
  bool HeldAll(const PageRunMatcher& m, const Page& flip) const {
    return m.HeldAll(pages.data(), slots.data(), f, aux, n, flip);
  }
  uint64_t ReferenceRun() const { return ReferenceHeldRun(pages.data(), slots.data(), f, aux, n); }
  bool ReferenceAll() const { return ReferenceHeldAll(pages.data(), slots.data(), f, aux, n); }

  std::vector<Page> pages;
  std::vector<Slot> slots;
  Pfn f;
  uint64_t aux, n;
};

TEST(PageRunMatcher, HeldRunStopsAtEveryKindOfOddPageOrSlotAtEveryPosition) {
  const PageRunMatcher m = BackupMatcher();
  for (uint64_t n : {0, 1, 3, 4, 5, 8, 13, 64}) {
    for (uint64_t bad = 0; bad <= n; ++bad) {
      for (int kind = 0; kind < 9; ++kind) {
        Stretch s(Stretch::kHeld, n);
        if (bad < n) {
          Page& p = s.pages[bad];
          switch (kind) {
            case 0: p.owner = Owner::kPool; break;
            case 1: p.owner_id = kIndex + 1; break;
            case 2: p.aux += 1; break;
            case 3: p.private_order = 1; break;
            case 4: p.caching = PageCaching::kUC; break;
            case 5: p.tail = true; break;
            case 6: p.mapped = true; break;
            case 7: s.slots[bad] = Slot::Page(99); break;
            default: s.slots[bad] = Slot::Handle(1); break;
          }
        }
        const uint64_t want = s.ReferenceRun();
        EXPECT_EQ(want, bad) << n << " " << kind;
        EXPECT_EQ(s.HeldRun(m), want) << n << " " << bad << " " << kind;
      }
    }
  }
}

TEST(PageRunMatcher, HeldRunIgnoresTokensAndStopsWhereAuxWouldPassThirtyTwoBits) {
  const PageRunMatcher m = BackupMatcher();
  std::vector<Page> pages(12);
  std::vector<Slot> slots(12);
  const uint64_t aux = ~uint32_t{0} - 5;  // aux + 5 is the last 32-bit value
  Held(pages, slots, 3, aux);
  for (Page& p : pages) p.token = kPoisonToken;
  EXPECT_EQ(m.HeldRun(pages.data(), slots.data(), 3, aux, 12), 6u);
  EXPECT_EQ(m.HeldRun(pages.data(), slots.data(), 3, aux, 4), 4u);
  EXPECT_EQ(m.HeldRun(pages.data(), slots.data(), 3, uint64_t{1} << 32, 4), 0u);
}

// Up to two random changes anywhere in a stretch: a bit flipped in a
// page, or a slot given another frame.
void SpoilAtRandom(Prng& rng, std::vector<Page>& pages, std::vector<Slot>& slots) {
  for (uint64_t flips = rng.Below(3); flips > 0; --flips) {
    const uint64_t k = rng.Below(pages.size());
    if (rng.Below(4) == 0) {
      slots[k] = Slot::Page(static_cast<Pfn>(rng.Below(1100)));
    } else {
      unsigned char* bytes = reinterpret_cast<unsigned char*>(&pages[k]);
      bytes[rng.Below(sizeof(Page))] ^= static_cast<unsigned char>(1u << rng.Below(8));
    }
  }
}

TEST(PageRunMatcher, HeldRunAgreesWithThePageByPageReadingOnRandomStretches) {
  const PageRunMatcher m = BackupMatcher();
  Prng rng(11);
  for (int trial = 0; trial < 3000; ++trial) {
    const uint64_t n = rng.Below(40);
    const Pfn f = static_cast<Pfn>(rng.Below(1000));
    const uint64_t aux = rng.Below(2) ? rng.Below(1000) : ~uint32_t{0} - rng.Below(40);
    Stretch s(Stretch::kHeld, n, f, aux);
    SpoilAtRandom(rng, s.pages, s.slots);
    ASSERT_EQ(s.HeldRun(m), s.ReferenceRun()) << trial;
  }
}

TEST(PageRunMatcher, HeldAllIsFalseForEveryKindOfOddPageOrSlotAtEveryPositionOfEveryLengthToSeventy) {
  const PageRunMatcher m = BlockMatcher();
  for (uint64_t n = 0; n <= 70; ++n) {
    for (uint64_t bad = 0; bad <= n; ++bad) {
      for (int kind = 0; kind < 9; ++kind) {
        Stretch s(Stretch::kBlock, n);
        if (bad < n) {
          Page& p = s.pages[bad];
          switch (kind) {
            case 0: p.owner = Owner::kPool; break;
            case 1: p.owner_id = kIndex + 1; break;
            case 2: p.aux += 1; break;
            case 3: p.caching = PageCaching::kUC; break;
            case 4: p.tail = !p.tail; break;
            case 5: p.mapped = false; break;
            case 6: s.slots[bad] = Slot::Page(99); break;
            case 7: s.slots[bad] = Slot::Handle(1); break;
            default: p.owner_id ^= 1u << 31; break;
          }
        }
        const bool want = s.ReferenceAll();
        EXPECT_EQ(want, bad == n) << n << " " << kind;
        EXPECT_EQ(s.HeldAll(m, HeadFlip()), want) << n << " " << bad << " " << kind;
      }
    }
  }
}

TEST(PageRunMatcher, HeldAllWithNothingFlippedIsHeldRunCoveringTheStretch) {
  const PageRunMatcher m = BackupMatcher();
  for (uint64_t n = 0; n <= 70; ++n) {
    for (uint64_t bad = 0; bad <= n; ++bad) {
      Stretch s(Stretch::kHeld, n);
      if (bad < n) s.pages[bad].tail = true;
      EXPECT_EQ(s.HeldAll(m, ZeroPage()), s.HeldRun(m) == n) << n << " " << bad;
      EXPECT_EQ(s.HeldAll(m, ZeroPage()), bad == n) << n << " " << bad;
    }
  }
}

TEST(PageRunMatcher, HeldAllIgnoresTokensAndOrdersAndIsFalseWhereAuxWouldPassThirtyTwoBits) {
  const PageRunMatcher m = BlockMatcher();
  std::vector<Page> pages(12);
  std::vector<Slot> slots(12);
  const uint64_t aux = ~uint32_t{0} - 5;  // aux + 5 is the last 32-bit value
  Block(pages, slots, 3, aux);
  for (Page& p : pages) p.token = kPoisonToken, p.private_order = 3;
  EXPECT_FALSE(m.HeldAll(pages.data(), slots.data(), 3, aux, 12, HeadFlip()));
  EXPECT_FALSE(m.HeldAll(pages.data(), slots.data(), 3, aux, 7, HeadFlip()));
  EXPECT_TRUE(m.HeldAll(pages.data(), slots.data(), 3, aux, 6, HeadFlip()));
  EXPECT_TRUE(m.HeldAll(pages.data(), slots.data(), 3, aux, 4, HeadFlip()));
  EXPECT_FALSE(m.HeldAll(pages.data(), slots.data(), 3, uint64_t{1} << 32, 4, HeadFlip()));
  EXPECT_TRUE(m.HeldAll(pages.data(), slots.data(), 3, uint64_t{1} << 32, 0, HeadFlip()));
}

TEST(PageRunMatcher, HeldAllAgreesWithThePageByPageReadingOnRandomStretches) {
  const PageRunMatcher m = BlockMatcher();
  Prng rng(12);
  for (int trial = 0; trial < 5000; ++trial) {
    const uint64_t n = rng.Below(71);
    const Pfn f = static_cast<Pfn>(rng.Below(1000));
    const uint64_t aux = rng.Below(2) ? rng.Below(1000) : ~uint32_t{0} - rng.Below(80);
    Stretch s(Stretch::kBlock, n, f, aux);
    SpoilAtRandom(rng, s.pages, s.slots);
    ASSERT_EQ(s.HeldAll(m, HeadFlip()), s.ReferenceAll()) << trial;
  }
}

// HeldAll() ORs the pages' differences unmasked and masks them once: with
// a mask that leaves out some bits of aux (none of the engine's do), it
// must still answer as masking each page, where a page wanted with aux
// bits outside the mask never holds. Unmasked fields hold garbage.
TEST(PageRunMatcher, HeldAllWithAMaskLeavingOutAuxBitsAnswersAsMaskingEachPage) {
  Prng rng(5);
  for (uint32_t aux_mask : {0u, 0xffu, 0xffff0000u, 0xfffffffeu}) {
    Page want = ZeroPage(), mask = ZeroPage();
    want.owner = Owner::kTt;
    want.owner_id = kIndex;
    mask.owner = static_cast<Owner>(0xff);
    mask.owner_id = ~uint32_t{0};
    mask.aux = aux_mask;
    const PageRunMatcher m(want, mask);
    for (uint64_t aux : {uint64_t{0}, uint64_t{1}, uint64_t{0xfe}, uint64_t{0xff00}, uint64_t{0x10000}}) {
      for (uint64_t n = 0; n <= 21; ++n) {
        for (uint64_t bad = 0; bad <= n; ++bad) {
          Stretch s(Stretch::kHeld, n, 100, aux);
          for (Page& p : s.pages) {
            p.token = static_cast<Token>(rng.Below(1u << 31));
            p.private_order = static_cast<uint32_t>(rng.Below(11));
            p.caching = static_cast<PageCaching>(rng.Below(3));
            p.tail = rng.Below(2);
          }
          if (bad < n) s.pages[bad].owner_id += 1;
          bool held = true;
          for (uint64_t k = 0; k < n; ++k)
            held = held && s.pages[k].owner == Owner::kTt && s.pages[k].owner_id == kIndex &&
                   ((aux + k) & ~uint64_t{aux_mask}) == 0 && s.slots[k] == Slot::Page(100 + static_cast<Pfn>(k));
          EXPECT_EQ(s.HeldAll(m, ZeroPage()), held)
              << aux_mask << " " << aux << " " << n << " " << bad;
        }
      }
    }
  }
}

// The fresh content check reads each page's token as HeldAllVisiting()
// goes, and trusts that a "true" means every page was shown.
TEST(PageRunMatcher, HeldAllVisitingShowsEveryPageOnceInOrderAndAnswersAsHeldAll) {
  const PageRunMatcher m = BlockMatcher();
  for (uint64_t n = 0; n <= 70; ++n) {
    for (uint64_t bad = 0; bad <= n; ++bad) {
      for (int kind = 0; kind < 3; ++kind) {
        Stretch s(Stretch::kBlock, n);
        if (bad < n && kind == 0) s.pages[bad].owner = Owner::kPool;
        if (bad < n && kind == 1) s.slots[bad] = Slot::Page(99);
        std::vector<uint64_t> shown;
        const bool held = m.HeldAllVisiting(
            s.pages.data(), s.slots.data(), 100, 40, n, HeadFlip(),
            [&](uint64_t k) {
              for (uint64_t j = k; j < k + 4; ++j) shown.push_back(j);
            },
            [&](uint64_t k) { shown.push_back(k); });
        EXPECT_EQ(held, s.HeldAll(m, HeadFlip())) << n << " " << bad;
        EXPECT_EQ(held, bad == n || kind == 2) << n << " " << bad << " " << kind;
        ASSERT_EQ(shown.size(), n) << n << " " << bad << " " << kind;
        for (uint64_t k = 0; k < n; ++k) EXPECT_EQ(shown[k], k) << n;
      }
    }
  }
}

TEST(PageRunSetter, ApplySetsTheMaskedFieldsKeepsTheOthersAndShowsEachPageBefore) {
  Page value = ZeroPage(), mask = ZeroPage();
  value.owner = Owner::kPool;
  value.owner_id = 3;
  mask.owner = static_cast<Owner>(0xff);
  mask.owner_id = mask.aux = mask.token = ~uint32_t{0};
  const PageRunSetter set(value, mask);
  std::vector<Page> pages(9);
  for (uint64_t k = 0; k < pages.size(); ++k) {
    pages[k].token = static_cast<Token>(k + 1);
    pages[k].aux = static_cast<uint32_t>(k);
    pages[k].caching = PageCaching::kWC;
    pages[k].private_order = static_cast<uint8_t>(k);
    pages[k].mapped = k % 2 == 0;
  }
  std::vector<Token> seen;
  set.Apply(pages.data(), pages.size(), [&](uint64_t k, const Page& p) {
    EXPECT_EQ(p.token, k + 1);
    seen.push_back(p.token);
  });
  EXPECT_EQ(seen.size(), pages.size());
  for (uint64_t k = 0; k < pages.size(); ++k) {
    EXPECT_EQ(pages[k].token, 0u);
    EXPECT_EQ(pages[k].owner, Owner::kPool);
    EXPECT_EQ(pages[k].owner_id, 3u);
    EXPECT_EQ(pages[k].aux, 0u);
    EXPECT_EQ(pages[k].caching, PageCaching::kWC);
    EXPECT_EQ(pages[k].private_order, k);
    EXPECT_EQ(pages[k].mapped, k % 2 == 0);
  }
}


// A page with every field drawn at random.
Page RandomPage(Prng& rng) {
  Page p;
  p.token = static_cast<Token>(rng.Next());
  p.owner = static_cast<Owner>(rng.Next() % 8);
  p.owner_id = static_cast<uint32_t>(rng.Next());
  p.aux = static_cast<uint32_t>(rng.Next());
  p.private_order = static_cast<uint8_t>(rng.Next());
  p.caching = static_cast<PageCaching>(rng.Next() % 3);
  p.mapped = rng.Next() % 2 == 0;
  p.tail = rng.Next() % 2 == 0;
  return p;
}

TEST(PageRunSetter, Apply4FromTheLoadedWordsDoesWhatApplyDoesOnFourPages) {
  Prng rng(21);
  for (int round = 0; round < 200; ++round) {
    Page value = ZeroPage(), mask = ZeroPage();
    value.owner = static_cast<Owner>(rng.Next() % 4);
    value.owner_id = static_cast<uint32_t>(rng.Next());
    value.caching = static_cast<PageCaching>(rng.Next() % 3);
    value.private_order = static_cast<uint8_t>(rng.Next());
    value.tail = rng.Next() % 2 == 0;
    if (rng.Next() % 2) mask.owner = static_cast<Owner>(0xff);
    if (rng.Next() % 2) mask.owner_id = mask.aux = ~uint32_t{0};
    if (rng.Next() % 2) mask.caching = static_cast<PageCaching>(0xff);
    if (rng.Next() % 2) mask.private_order = 0xff;
    if (rng.Next() % 2) mask.tail = mask.mapped = true;
    if (rng.Next() % 2) mask.token = ~Token{0};
    const PageRunSetter set(value, mask);
    std::vector<Page> one(4);
    for (Page& p : one) p = RandomPage(rng);
    const std::vector<Page> before = one;
    std::vector<Page> four = one;
    const PageBits words[4] = {BitsOf(four[0]), BitsOf(four[1]), BitsOf(four[2]), BitsOf(four[3])};
    std::vector<Page> seen_one, seen_four;
    set.Apply(one.data(), 4, [&](uint64_t k, const Page& p) {
      EXPECT_EQ(k, seen_one.size());
      seen_one.push_back(p);
    });
    set.Apply4(four.data(), words, [&](uint64_t k, const Page& p) {
      EXPECT_EQ(k, seen_four.size());
      seen_four.push_back(p);
    });
    EXPECT_EQ(seen_four, seen_one) << round;
    EXPECT_EQ(four, one) << round;
    for (int k = 0; k < 4; ++k) EXPECT_EQ(seen_one[k].token, before[k].token) << round;
  }
}

TEST(PageRunSetter, OfSetsEachPageAsTheFunctionItIsMadeOfDoes) {
  const uint32_t id = 0x12345678;
  auto to_pool = [&](Page& p) {  // a field of every width, the bit fields too
    p.token = 0x9abcdef0u;
    p.owner = Owner::kPool;
    p.owner_id = id;
    p.aux = 0;
    p.private_order = 0;
    p.caching = PageCaching::kUC;
    p.mapped = true;
    p.tail = false;
  };
  auto only_bits = [](Page& p) {
    p.mapped = false;
    p.tail = true;
  };
  auto nothing = [](Page&) {};
  Prng rng(22);
  for (int round = 0; round < 300; ++round) {
    const Page before = RandomPage(rng);
    Page want = before, got = before;
    to_pool(want);
    StoreBits(got, PageRunSetter::Of(to_pool).Set(BitsOf(got)));
    EXPECT_EQ(got, want) << round;
    want = got = before;
    only_bits(want);
    StoreBits(got, PageRunSetter::Of(only_bits).Set(BitsOf(got)));
    EXPECT_EQ(got, want) << round;
    got = before;
    StoreBits(got, PageRunSetter::Of(nothing).Set(BitsOf(got)));
    EXPECT_EQ(got, before) << round;
  }
}

TEST(PageRunSetter, Apply4SetsAndShowsThePagesAsTheWordsGivenNotAsInMemory) {
  Page value = ZeroPage(), mask = ZeroPage();
  value.owner = Owner::kSystem;
  mask.owner = static_cast<Owner>(0xff);
  const PageRunSetter set(value, mask);
  std::vector<Page> pages(4), loaded(4);
  for (uint64_t k = 0; k < 4; ++k) {
    pages[k].token = static_cast<Token>(k + 1);
    pages[k].owner = Owner::kTt;
    loaded[k] = pages[k];
    loaded[k].aux = static_cast<uint32_t>(10 + k);
  }
  const PageBits words[4] = {BitsOf(loaded[0]), BitsOf(loaded[1]), BitsOf(loaded[2]), BitsOf(loaded[3])};
  std::vector<uint32_t> seen_aux;
  set.Apply4(pages.data(), words, [&](uint64_t, const Page& p) { seen_aux.push_back(p.aux); });
  EXPECT_EQ(seen_aux, (std::vector<uint32_t>{10, 11, 12, 13}));  // shown as loaded
  for (uint64_t k = 0; k < 4; ++k) {
    EXPECT_EQ(pages[k].aux, 10 + k);
    EXPECT_EQ(pages[k].owner, Owner::kSystem);
    EXPECT_EQ(pages[k].token, k + 1);
  }
}

}  // namespace
}  // namespace ttm
