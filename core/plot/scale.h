// Axis scales and number formatting for the plot: "nice" tick steps
// (1, 2 or 5 times a power of ten) and numbers printed the same way on
// every machine (no locale, no printf of doubles).
#ifndef TTM_CORE_PLOT_SCALE_H_
#define TTM_CORE_PLOT_SCALE_H_

#include <cstdint>
#include <string>

namespace ttm::plot {

struct Ticks {
  uint64_t step = 1;  // 1, 2 or 5 times a power of ten
  uint64_t top = 1;   // the axis end: a multiple of step, >= the maximum, > 0
};

// The smallest nice step that covers [0, max] with at most `max_ticks`
// steps (max_ticks >= 1). max 0 gives step 1, top 1.
Ticks NiceTicks(uint64_t max, int max_ticks);

// A tick label: 950, 1k, 2.5k, 10k, 1.25M, 3G (at most three decimals,
// truncated, trailing zeros dropped).
std::string FormatTick(uint64_t v);

// A count with thousands separators: 1,234,567.
std::string FormatCount(uint64_t v);

// A coordinate with exactly one decimal: 12.3, -0.5, 100.0.
std::string FormatCoord(double v);

}  // namespace ttm::plot

#endif  // TTM_CORE_PLOT_SCALE_H_
