#include "core/plot/scale.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>

namespace ttm::plot {

Ticks NiceTicks(uint64_t max, int max_ticks) {
  assert(max_ticks >= 1);
  if (max == 0) return Ticks{1, 1};
  const uint64_t limit = std::numeric_limits<uint64_t>::max();
  for (uint64_t power = 1;; power *= 10) {
    for (uint64_t mult : {1, 2, 5}) {
      const uint64_t step = power * mult;
      const uint64_t count = max / step + (max % step != 0);
      if (count <= static_cast<uint64_t>(max_ticks) && count <= limit / step)
        return Ticks{step, count * step};
    }
    if (power > limit / 100) break;  // 5 * 10^19 would wrap
  }
  return Ticks{max, max};  // unreachable for max_ticks >= 1 below 10^19
}

std::string FormatTick(uint64_t v) {
  struct Unit {
    uint64_t size;
    char suffix;
  };
  static constexpr Unit kUnits[] = {{1000000000, 'G'}, {1000000, 'M'}, {1000, 'k'}};
  for (const Unit& u : kUnits) {
    if (v < u.size) continue;
    std::string s = std::to_string(v / u.size);
    uint64_t frac = (v % u.size) / (u.size / 1000);  // three decimals, truncated
    if (frac != 0) {
      std::string digits = std::to_string(frac + 1000).substr(1);
      while (digits.back() == '0') digits.pop_back();
      s += "." + digits;
    }
    return s + u.suffix;
  }
  return std::to_string(v);
}

std::string FormatCount(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatCoord(double v) {
  // Round to tenths first so that -0.04 prints as 0.0, not -0.0.
  double tenths = std::round(v * 10.0);
  if (tenths == 0.0) tenths = 0.0;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, tenths / 10.0,
                                 std::chars_format::fixed, 1);
  assert(ec == std::errc());
  return std::string(buf, end);
}

}  // namespace ttm::plot
