// Checks for command-line values that CLI11 would otherwise take as
// something else: an unsigned option given "-1" wraps to 2^64-1 and one
// given 2^64 saturates there, so `gen --events -1` wrote without end. The
// value is checked as text, before any conversion.
#ifndef TTM_CLI_OPTION_CHECKS_H_
#define TTM_CLI_OPTION_CHECKS_H_

#include <charconv>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ttm::cli {

// Decimal digits only, at least `min` and at most `max`. Message:
// "must be a whole number in MIN..MAX, not VALUE".
inline CLI::Validator WholeNumber(uint64_t min, uint64_t max) {
  std::string range = std::to_string(min) + ".." + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& value) -> std::string {
        uint64_t v = 0;
        const char* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data(), end, v);
        bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || ec != std::errc() || ptr != end || v < min || v > max)
          return "must be a whole number in " + range + ", not " + value;
        return std::string();
      },
      "UINT");
}

// An output path may not be empty: -o "" used to mean "no output" silently.
inline CLI::Validator NonEmpty() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return value.empty() ? "must not be empty (use - for standard output)" : "";
      },
      "");
}

}  // namespace ttm::cli

#endif  // TTM_CLI_OPTION_CHECKS_H_
