// What each page of an object should hold: the write generation that last
// covered it, kept as ranges so that whole-object writes cost one entry.
//
// Generation 0 means "nothing vouches for this page" (never written since
// it was populated, or purged, or unpopulated): integrity checks skip it.
#ifndef TTM_CORE_ENGINE_CONTENT_MAP_H_
#define TTM_CORE_ENGINE_CONTENT_MAP_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>

namespace ttm {

// Content tokens. A written page holds a token derived from (object, slot,
// write generation); a page from the system holds kPoisonToken unless it
// was requested zeroed; pooled pages are cleared to kZeroToken. Tokens are
// 32 bits: a 2^-32 chance that a wrong page goes unnoticed, for a struct
// page of 16 bytes (the engine's memory per simulated page).
using Token = uint32_t;
inline constexpr Token kZeroToken = 0;
inline constexpr Token kPoisonToken = 0x9e3779b9;

class ContentMap {
 public:
  ContentMap() = default;
  ContentMap(const ContentMap& other)
      : starts_(other.starts_ ? std::make_unique<Starts>(*other.starts_) : nullptr) {}
  ContentMap& operator=(const ContentMap& other) {
    if (this != &other) starts_ = other.starts_ ? std::make_unique<Starts>(*other.starts_) : nullptr;
    return *this;
  }
  ContentMap(ContentMap&&) noexcept = default;
  ContentMap& operator=(ContentMap&&) noexcept = default;

  // Forgets everything: every page is unvouched.
  void Reset() { starts_.reset(); }
  // True when nothing was written since the last Reset() (a fast path).
  bool empty() const { return !starts_ || starts_->empty(); }

  // Pages [first, first + count) were written with generation gen.
  void Assign(uint64_t first, uint64_t count, uint64_t gen) {
    if (count == 0) return;
    if (!starts_) starts_ = std::make_unique<Starts>();
    Starts& starts = *starts_;
    const uint64_t end = first + count;
    auto lo = starts.lower_bound(first);
    // A rewrite of exactly one range (the usual write of a whole object
    // written before): its generation changes in place.
    if (lo != starts.end() && lo->first == first) {
      const auto next = std::next(lo);
      if (next != starts.end() && next->first == end) {
        lo->second = gen;
        Coalesce(first);
        Coalesce(end);
        return;
      }
    }
    const uint64_t after = Get(end);  // generation that resumes at end
    auto hi = starts.lower_bound(end);
    starts.erase(lo, hi);
    starts[first] = gen;
    if (starts.find(end) == starts.end()) starts[end] = after;
    Coalesce(first);
    Coalesce(end);
  }

  // The generation of page i (0: unvouched).
  uint64_t Get(uint64_t i) const {
    if (!starts_) return 0;
    auto it = starts_->upper_bound(i);
    if (it == starts_->begin()) return 0;
    return std::prev(it)->second;
  }

  size_t ranges() const { return starts_ ? starts_->size() : 0; }

  // The run of equal generations holding page i: pages [first, end) all
  // have generation gen (end is ~0 for the last run).
  struct Run {
    uint64_t first = 0, end = 0, gen = 0;
  };
  Run RunAt(uint64_t i) const {
    if (!starts_) return Run{0, ~uint64_t{0}, 0};
    auto it = starts_->upper_bound(i);
    const uint64_t end = it == starts_->end() ? ~uint64_t{0} : it->first;
    if (it == starts_->begin()) return Run{0, end, 0};
    --it;
    return Run{it->first, end, it->second};
  }

  // Calls f(first, end, gen) for every vouched range [first, end), in
  // increasing order, clipped to [0, limit).
  template <typename F>
  void ForEachVouched(uint64_t limit, F f) const {
    if (!starts_) return;
    for (auto it = starts_->begin(); it != starts_->end(); ++it) {
      const auto next = std::next(it);
      const uint64_t end = next == starts_->end() ? limit : std::min(next->first, limit);
      if (it->second != 0 && it->first < end) f(it->first, end, it->second);
    }
  }

 private:
  void Coalesce(uint64_t at) {
    auto it = starts_->find(at);
    if (it == starts_->end()) return;
    const uint64_t before = it == starts_->begin() ? 0 : std::prev(it)->second;
    if (it->second == before) starts_->erase(it);
  }

  using Starts = std::map<uint64_t, uint64_t>;  // range start -> generation
  // Null until the first write: an object never written costs 8 bytes here.
  std::unique_ptr<Starts> starts_;
};

// ContentToken() of one object and write generation, for many slots: the
// object and generation are mixed once into a 32-bit base, and slot i's
// token is base + i * kStep. kStep is odd, so the slots of one generation
// (fewer than 2^32) all get different tokens, and a page that lands in
// the wrong slot is always seen; a page of another object or generation
// goes unseen only when the bases happen to differ by that multiple
// (2^-32). The token of a slot costs a multiply and an add, which matters:
// every write and every check makes one per page.
class ContentTokens {
 public:
  ContentTokens(uint64_t uid, uint64_t gen) : base_(Mix(uid * 0x9e3779b97f4a7c15ULL ^ gen * 0x94d049bb133111ebULL)) {}
  Token At(uint64_t slot) const {
    Token t = base_ + static_cast<Token>(slot) * kStep;
    if (t == kZeroToken || t == kPoisonToken) ++t;
    return t;
  }
  // Model bookkeeping, no kernel counterpart: the tokens a write leaves.
  // f(k, At(first + k)) for every k < n, in increasing k: the tokens of
  // four consecutive slots made at once (the same values as At()). A run
  // that holds neither slot At() steps over (nearly all: two slots in
  // 2^32) is made without the step's test.
  template <typename F>
  void ForEachAt(uint64_t first, uint64_t n, F f) const {
    if (Steps(first, n)) return MakeEach<true>(first, n, f);
    MakeEach<false>(first, n, f);
  }
  // Model bookkeeping, no kernel counterpart: the integrity test of the
  // checker and of the restore's copy. Zero when tokens[k] ==
  // At(first + k) for every k < n, four at a time (At()'s step made only
  // where the run holds a slot that needs it).
  uint32_t Mismatch(uint64_t first, const Token* tokens, uint64_t n) const {
    return Steps(first, n) ? MismatchEach<true>(first, tokens, n) : MismatchEach<false>(first, tokens, n);
  }

 private:
  static constexpr Token kStep = 0x85ebca6bu;
  // kStep * kStepInverse == 1 (mod 2^32): the slot of a given unadjusted
  // token is (token - base_) * kStepInverse. Newton's iteration, each step
  // doubling the bits that are right.
  static constexpr Token kStepInverse = [] {
    Token x = kStep;
    for (int i = 0; i < 5; ++i) x *= 2u - kStep * x;
    return x;
  }();
  static_assert(Token{kStep * kStepInverse} == 1u);
  // Model bookkeeping, no kernel counterpart: whether [first, first + n)
  // holds a slot whose unadjusted token is zero or poison (slots count
  // mod 2^32, as the tokens do).
  bool Steps(uint64_t first, uint64_t n) const {
    if (n > ~uint32_t{0}) return true;
    const Token from = static_cast<Token>(first);
    return Token{(kZeroToken - base_) * kStepInverse - from} < n ||
           Token{(kPoisonToken - base_) * kStepInverse - from} < n;
  }
  // Model bookkeeping, no kernel counterpart: ForEachAt(), with At()'s
  // step over zero and poison made on the four lanes or (kAdjust false:
  // the run holds no such slot) not.
  template <bool kAdjust, typename F>
  void MakeEach(uint64_t first, uint64_t n, F f) const {
    V4 raw = Lanes(first);
    uint64_t k = 0;
    for (; k + 4 <= n; k += 4, raw += kStep4) {
      const V4 t = kAdjust ? Adjust(raw) : raw;
      f(k, t[0]);
      f(k + 1, t[1]);
      f(k + 2, t[2]);
      f(k + 3, t[3]);
    }
    for (; k < n; ++k) f(k, At(first + k));
  }
  // Model bookkeeping, no kernel counterpart: Mismatch(), with At()'s
  // step over zero and poison made on the four lanes or (kAdjust false:
  // the run holds no such slot) not.
  template <bool kAdjust>
  uint32_t MismatchEach(uint64_t first, const Token* tokens, uint64_t n) const {
    V4 raw = Lanes(first), diff = {0, 0, 0, 0};
    uint64_t k = 0;
    for (; k + 4 <= n; k += 4, raw += kStep4) {
      V4 held;
      std::memcpy(&held, tokens + k, sizeof held);
      diff |= held ^ (kAdjust ? Adjust(raw) : raw);
    }
    uint32_t bad = diff[0] | diff[1] | diff[2] | diff[3];
    for (; k < n; ++k) bad |= tokens[k] ^ At(first + k);
    return bad;
  }
  using V4 = Token __attribute__((vector_size(16)));
  static constexpr V4 kStep4 = {4 * kStep, 4 * kStep, 4 * kStep, 4 * kStep};
  // The unadjusted tokens of slots first .. first + 3.
  V4 Lanes(uint64_t first) const {
    const Token t = base_ + static_cast<Token>(first) * kStep;
    return V4{t, t + kStep, t + 2 * kStep, t + 3 * kStep};
  }
  // At()'s step over the zero and poison tokens, per lane (a comparison
  // is all ones where it holds).
  static V4 Adjust(V4 raw) {
    const V4 hit = reinterpret_cast<V4>((raw == kZeroToken) | (raw == kPoisonToken));
    return raw - hit;
  }
  // splitmix64's finaliser, folded to 32 bits.
  static Token Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<Token>(z ^ (z >> 32));
  }
  Token base_;
};

// The content token of a written page: a mix of the object, the slot and
// the write generation, never equal to the zero or poison token.
inline Token ContentToken(uint64_t uid, uint64_t slot, uint64_t gen) {
  return ContentTokens(uid, gen).At(slot);
}

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_CONTENT_MAP_H_
