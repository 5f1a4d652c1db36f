// The project's own pseudo-random numbers: for the workload generators,
// the engine's randomized tests and the benchmarks.
//
// Why not <random>: a trace must be byte-identical for the same workload,
// seed and options on every machine, and the standard distributions
// (uniform_int_distribution and friends) are allowed to use different
// algorithms in different standard libraries. So the generator and every
// range reduction are written out here, and nothing else draws random
// numbers.
//
// The generator is xoshiro256** (Blackman and Vigna, 2018) seeded through
// splitmix64, the seeding its authors recommend: any 64-bit seed, including
// 0, gives a well-mixed non-zero state. Ranges are reduced with Lemire's
// multiply-shift and rejection ("Fast Random Integer Generation in an
// Interval", 2019), which is exact (no modulo bias) and needs one
// multiplication in the common case.
#ifndef TTM_CORE_PRNG_H_
#define TTM_CORE_PRNG_H_

#include <cstdint>

namespace ttm {

// One step of splitmix64: advances `state` and returns the next output.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Prng {
 public:
  explicit Prng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = SplitMix64(sm);
  }

  // The next 64 raw bits (xoshiro256**).
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); 0 when n is 0. Lemire's method with rejection.
  uint64_t Below(uint64_t n) {
    if (n == 0) return 0;
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi]; lo when hi < lo.
  uint64_t Between(uint64_t lo, uint64_t hi) {
    if (hi <= lo) return lo;
    if (lo == 0 && hi == UINT64_MAX) return Next();
    return lo + Below(hi - lo + 1);
  }

  // True with probability `per_million` / 1,000,000. Probabilities are kept
  // as integers so that no floating-point comparison decides an event.
  bool Chance(uint64_t per_million) { return Below(1000000) < per_million; }

  // True with probability 1/n.
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace ttm

#endif  // TTM_CORE_PRNG_H_
