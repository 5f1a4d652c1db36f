#include "cli/progress.h"

#include <cstdio>
#include <utility>

namespace ttm::cli {

Progress::Progress(bool enabled, std::ostream& err, std::function<Clock::time_point()> now)
    : enabled_(enabled), err_(err), now_(std::move(now)) {
  if (!enabled_) return;
  start_ = now_();
  next_ = start_ + kFirstProgress;
}

void Progress::Update(uint64_t events, uint64_t bytes, std::optional<uint64_t> total_bytes) {
  if (!enabled_) return;
  const Clock::time_point now = now_();
  if (now < next_) return;
  next_ = now + kProgressInterval;
  const double secs = std::chrono::duration<double>(now - start_).count();
  char line[160];
  int n = snprintf(line, sizeof line, "\r%llu events, %.0f events/s",
                   static_cast<unsigned long long>(events), secs > 0 ? events / secs : 0.0);
  if (total_bytes && *total_bytes > 0 && n > 0 && static_cast<size_t>(n) < sizeof line) {
    // kB below a megabyte, so that a small file does not read "0.0 of 0.0 MB".
    const bool small = *total_bytes < 1000000;
    const double unit = small ? 1e3 : 1e6;
    snprintf(line + n, sizeof line - n, small ? ", %.0f of %.0f kB read (%.0f%%)"
                                              : ", %.1f of %.1f MB read (%.0f%%)",
             bytes / unit, *total_bytes / unit, 100.0 * bytes / *total_bytes);
  }
  err_ << line << "\033[K" << std::flush;
  shown_ = true;
}

void Progress::Clear() {
  if (!shown_) return;
  err_ << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace ttm::cli
