// Plots a synthetic timeline of N lines (default 10,000,000), generated as
// text on the fly, through the same reader, plot and SVG writer as
// `ttm-replay plot`, and prints throughput, the SVG's size and peak RSS:
// the peak stays flat whether the timeline has 1 M lines or 10 M. The
// generator's own cost is included.
//
// Usage: bazel run -c opt //core/plot:plot_benchmark [-- LINES]
// A tool, not a test: it reads the clock.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "core/plot/svg.h"
#include "core/plot/timeline_plot.h"
#include "core/plot/timeline_reader.h"

namespace ttm::plot {
namespace {

long PeakRssKiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// User + system CPU seconds: on a shared machine, wall time measures the
// neighbours as much as the plot.
double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Timeline text of a steady workload: 64 objects of 256 pages cycle
// through allocate, populate, write, shrink and free; a violation every
// 100,003 lines, a failed populate every 1,009 objects.
class TimelineSource : public trace::ByteSource {
 public:
  explicit TimelineSource(uint64_t lines) : lines_(lines) {
    pending_ =
        "{\"format\":\"ttm-replay-timeline\",\"version\":1,\"trace_sha256\":\"" +
        std::string(64, '0') + "\",\"semantics\":\"v13\"}\n";
  }

  Result<size_t> Read(char* buf, size_t n) override {
    while (pending_.size() - pos_ < n && next_ < lines_) Append(next_++);
    size_t k = std::min(n, pending_.size() - pos_);
    std::memcpy(buf, pending_.data() + pos_, k);
    pos_ += k;
    if (pos_ > (1 << 20)) {
      pending_.erase(0, pos_);
      pos_ = 0;
    }
    return k;
  }

 private:
  void Append(uint64_t i) {
    static const char* const kOps[] = {"allocate", "populate", "write", "shrink", "free"};
    const int op = static_cast<int>(i % 5);
    const uint64_t object = i / 5;
    const bool failed = op == 1 && object % 1009 == 0;
    const uint64_t resident = op == 1 || op == 2 ? (failed ? 0 : 256) : 0;
    const uint64_t backed_up = op == 3 ? 256 : 0;
    std::string& s = pending_;
    s += "{\"line\":" + std::to_string(i + 2) + ",\"op\":\"" + kOps[op] +
         "\",\"tt\":" + std::to_string(object % 64);
    if (op == 1) s += failed ? ",\"ret\":-12" : ",\"ret\":0";
    if (op == 3) s += ",\"ret\":256";
    if (op != 4) {
      s += ",\"state\":\"";
      s += op == 0 || failed ? "unpopulated" : op == 3 ? "backed_up" : "populated";
      s += "\",\"resident\":" + std::to_string(resident) +
           ",\"backed_up\":" + std::to_string(backed_up) +
           ",\"empty\":" + std::to_string(256 - resident - backed_up) +
           ",\"restore_pending\":false";
    }
    const uint64_t wave = i % 20000;
    s += ",\"system_used_pages\":" + std::to_string(1000 + (wave < 10000 ? wave : 20000 - wave)) +
         ",\"pool_pages\":" + std::to_string((i / 7) % 512) +
         ",\"backup_pages\":" + std::to_string((i / 3) % 4096) + ",\"live_tts\":1";
    if (i % 100003 == 0) s += ",\"violations\":[\"3.5.3 dma-unmap-once\"]";
    s += "}\n";
  }

  uint64_t lines_;
  uint64_t next_ = 0;
  std::string pending_;
  size_t pos_ = 0;
};

int Run(uint64_t lines) {
  auto start = std::chrono::steady_clock::now();
  auto reader = TimelineReader::FromSource(std::make_unique<TimelineSource>(lines), "bench");
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.status().message().c_str());
    return 1;
  }
  TimelinePlot plot((*reader)->header());
  TimelineRecord r;
  for (;;) {
    Result<bool> got = (*reader)->Next(&r);
    if (!got.ok()) {
      std::fprintf(stderr, "%s\n", got.status().message().c_str());
      return 1;
    }
    if (!*got) break;
    plot.Add(r);
  }
  std::ostringstream svg;
  WriteSvg(plot, svg);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds();
  std::printf(
      "%9llu lines  wall %6.2f s  CPU %6.2f s  %9.0f lines per CPU second  SVG %zu bytes  "
      "peak RSS %ld KiB\n",
      static_cast<unsigned long long>(lines), secs, cpu, static_cast<double>(lines) / cpu,
      svg.str().size(), PeakRssKiB());
  return 0;
}

}  // namespace
}  // namespace ttm::plot

int main(int argc, char** argv) {
  const uint64_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  return ttm::plot::Run(lines);
}
