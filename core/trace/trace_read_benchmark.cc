// Reads a generated 1M-line trace (plain, then zstd) and prints throughput
// and peak RSS, to show that reading is streaming: the peak stays flat
// whether the trace has 100k lines or 1M.
//
// Usage: bazel run -c opt //core/trace:trace_read_benchmark [-- LINES]
// A tool, not a test: it writes temporary files and reads the clock.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/trace/trace_reader.h"
#include "core/trace/trace_writer.h"

namespace ttm::trace {
namespace {

long PeakRssKiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// A steady workload: objects allocated, populated, written, shrunk and freed,
// with at most 64 live at a time.
void Generate(const std::string& path, uint64_t lines, bool compress) {
  std::ofstream out(path, std::ios::binary);
  TraceWriter w(out, compress);
  TraceHeader h;
  h.meta = Json::parse(R"({"source":"trace_read_benchmark"})");
  (void)w.WriteHeader(h);
  for (uint64_t i = 0; i + 1 < lines; ++i) {
    uint64_t tt = (i / 6) % 64 + 64 * (i / (6 * 64));
    Event e;
    e.t = static_cast<int64_t>(i * 1000);
    switch (i % 6) {
      case 0: e.body = AllocateEvent{tt, 256, Caching::kWriteCombined, false, false}; break;
      case 1: e.body = PopulateEvent{tt, true}; break;
      case 2: e.body = WriteEvent{tt, 16, 32}; break;
      case 3: e.body = ShrinkEvent{tt, false, true}; break;
      case 4: {
        ExpectEvent x;
        x.tt = tt;
        x.state = TtState::kBackedUp;
        e.body = x;
        break;
      }
      default: e.body = FreeEvent{tt};
    }
    (void)w.Write(e);
  }
  (void)w.Finish();
}

int Read(const std::string& path, const char* label, uint64_t lines) {
  auto start = std::chrono::steady_clock::now();
  // The trace layer opens no files (cli/file_source.h does); a benchmark
  // hands it a stream.
  std::ifstream file(path, std::ios::binary);
  auto reader = TraceReader::FromSource(IstreamSource(file), path);
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.status().message().c_str());
    return 1;
  }
  Event e;
  for (;;) {
    Result<bool> more = (*reader)->Next(&e);
    if (!more.ok()) {
      std::fprintf(stderr, "%s\n", more.status().message().c_str());
      return 1;
    }
    if (!*more) break;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double mb = static_cast<double>((*reader)->bytes_consumed()) / 1e6;
  std::printf("%-5s %8llu lines  %7.1f MB  %6.2f s  %9.0f lines/s  %6.1f MB/s  peak RSS %ld KiB\n",
              label, static_cast<unsigned long long>(lines), mb, secs,
              static_cast<double>(lines) / secs, mb / secs, PeakRssKiB());
  return 0;
}

}  // namespace
}  // namespace ttm::trace

int main(int argc, char** argv) {
  uint64_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = std::string(tmp ? tmp : "/tmp") + "/trace_read_benchmark." +
                     std::to_string(getpid());
  std::printf("peak RSS before: %ld KiB\n", ttm::trace::PeakRssKiB());
  int rc = 0;
  for (uint64_t n : {lines / 10, lines}) {
    for (bool compress : {false, true}) {
      std::string path = base + (compress ? ".jsonl.zst" : ".jsonl");
      ttm::trace::Generate(path, n, compress);
      rc |= ttm::trace::Read(path, compress ? "zstd" : "plain", n);
      std::remove(path.c_str());
    }
  }
  return rc;
}
