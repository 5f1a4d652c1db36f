// Generates 10 M events of `pressure` (by default) twice: once through the
// trace writer into a zstd file, once into a sink that discards bytes, and
// prints events/s and peak RSS (VmHWM), to show that generation streams in
// constant memory.
//
// Usage: bazel run -c opt //core/workload:gen_benchmark [-- EVENTS [WORKLOAD]]
// A tool, not a test: it writes a temporary file and reads the clock.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <streambuf>
#include <string>

#include "core/trace/trace_writer.h"
#include "core/workload/workload.h"

namespace ttm::workload {
namespace {

// Peak resident set size in KiB, from /proc/self/status.
long PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

class NullBuf : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

int Run(uint64_t events, const std::string& name, std::ostream& out, bool compress,
        const char* label) {
  WorkloadOptions o;
  o.events = events;
  Result<std::unique_ptr<Workload>> w = Make(name, o);
  if (!w.ok()) {
    std::cerr << w.status().message() << '\n';
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  trace::TraceWriter writer(out, compress);
  trace::TraceHeader header;
  header.config = (*w)->config();
  if (!writer.WriteHeader(header).ok()) return 1;
  Event e;
  uint64_t n = 0;
  while ((*w)->Next(&e)) {
    if (!writer.Write(e).ok()) return 1;
    ++n;
  }
  if (!writer.Finish().ok()) return 1;
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-22s %10llu events  %6.2f s  %10.0f events/s  peak RSS %ld KiB\n", label,
              static_cast<unsigned long long>(n), s, n / s, PeakRssKiB());
  return 0;
}

}  // namespace
}  // namespace ttm::workload

int main(int argc, char** argv) {
  const uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  const std::string name = argc > 2 ? argv[2] : "pressure";
  std::printf("workload %s, %llu events\n", name.c_str(), static_cast<unsigned long long>(events));
  ttm::workload::NullBuf null_buf;
  std::ostream null_out(&null_buf);
  if (int r = ttm::workload::Run(events, name, null_out, false, "plain -> discard")) return r;
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string path = std::string(tmpdir ? tmpdir : "/tmp") + "/gen_benchmark." +
                           std::to_string(getpid()) + ".jsonl.zst";
  {
    std::ofstream file(path, std::ios::binary);
    if (int r = ttm::workload::Run(events, name, file, true, "zstd -> file")) return r;
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  std::printf("zstd file: %lld bytes\n", static_cast<long long>(in.tellg()));
  std::remove(path.c_str());
  return 0;
}
