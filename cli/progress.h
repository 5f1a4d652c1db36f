// Progress of a long replay on a terminal: one line on standard error,
// rewritten in place.
//
// Time decides when a line is shown, never a count of events: an event can
// move millions of pages, so "every 65536 events" meant a first line after
// 21 s on a slow trace. The first line comes within kFirstProgress of the
// start, then one every kProgressInterval. Reading the clock costs tens of
// nanoseconds against microseconds per replayed event, so Update() may be
// called after every event.
#ifndef TTM_CLI_PROGRESS_H_
#define TTM_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>

namespace ttm::cli {

inline constexpr std::chrono::milliseconds kFirstProgress{500};
inline constexpr std::chrono::milliseconds kProgressInterval{500};

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // `now` is the clock (a fake one in tests). Disabled: prints nothing.
  Progress(bool enabled, std::ostream& err, std::function<Clock::time_point()> now = Clock::now);

  // What the replay has done so far. `total_bytes` is the input's size when
  // known; `bytes` the input bytes consumed (compressed ones for zstd).
  void Update(uint64_t events, uint64_t bytes, std::optional<uint64_t> total_bytes);
  // False: Update() shows nothing, so a caller may skip gathering its
  // arguments (once per event in a replay).
  bool enabled() const { return enabled_; }

  // Erases the progress line, if one is shown, before other output.
  void Clear();

 private:
  bool enabled_;
  std::ostream& err_;
  std::function<Clock::time_point()> now_;
  Clock::time_point start_;
  Clock::time_point next_;  // when the next line is due
  bool shown_ = false;
};

}  // namespace ttm::cli

#endif  // TTM_CLI_PROGRESS_H_
