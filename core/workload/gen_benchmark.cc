// Generates 10 M events of every workload (or of WORKLOAD) twice: once into
// a sink that discards bytes, once through the trace writer into a zstd
// file, and prints wall and CPU seconds, events per CPU second and peak RSS
// (VmHWM), to show that generation streams in constant memory. CPU time is
// the figure to quote on a shared machine.
//
// Usage: bazel run -c opt //core/workload:gen_benchmark [-- EVENTS [WORKLOAD]]
// A tool, not a test: it writes a temporary file and reads the clock.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <streambuf>
#include <string>
#include <vector>

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

// CPU seconds (user + system) of this process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
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
  const double cpu_start = CpuSeconds();
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
  const double cpu = CpuSeconds() - cpu_start;
  std::printf("%-16s %-18s %10llu events  %6.2f s wall  %6.2f s CPU  %10.0f events/CPU s  "
              "peak RSS %ld KiB\n",
              name.c_str(), label, static_cast<unsigned long long>(n), s, cpu, n / cpu,
              PeakRssKiB());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace ttm::workload

int main(int argc, char** argv) {
  const uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  std::vector<std::string> names;
  if (argc > 2) {
    names.push_back(argv[2]);
  } else {
    for (const ttm::workload::WorkloadInfo& info : ttm::workload::Workloads())
      names.emplace_back(info.name);
  }
  ttm::workload::NullBuf null_buf;
  std::ostream null_out(&null_buf);
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string path = std::string(tmpdir ? tmpdir : "/tmp") + "/gen_benchmark." +
                           std::to_string(getpid()) + ".jsonl.zst";
  for (const std::string& name : names) {
    if (int r = ttm::workload::Run(events, name, null_out, false, "plain -> discard")) return r;
    {
      std::ofstream file(path, std::ios::binary);
      if (int r = ttm::workload::Run(events, name, file, true, "zstd -> file")) return r;
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::printf("%-16s zstd file: %lld bytes\n", name.c_str(), static_cast<long long>(in.tellg()));
    std::remove(path.c_str());
  }
  return 0;
}
