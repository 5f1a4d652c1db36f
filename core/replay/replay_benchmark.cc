// Replay throughput and memory, beside the floor of only reading and
// parsing the same trace: a generated 1 M-event trace, plain and zstd; and
// what the behaviour digest and a written timeline cost.
//
// Usage: bazel run -c opt //core/replay:replay_benchmark [-- EVENTS]
// A tool, not a test: it writes temporary files and reads the clock. Each
// measurement runs in a child process so that its peak RSS (VmHWM) is its
// own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/replay/replayer.h"
#include "core/trace/trace_reader.h"
#include "core/trace/trace_writer.h"

namespace ttm {
namespace {

long VmHwmKiB() {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

// 64 objects of 256 pages live at a time, each going through allocate,
// populate, write, shrink (backup), populate (restore), free: every event
// does engine work, and every restore verifies 256 pages.
void Generate(const std::string& path, uint64_t events, bool compress) {
  std::ofstream out(path, std::ios::binary);
  trace::TraceWriter w(out, compress);
  trace::TraceHeader h;
  h.config.system_pages = 65536;
  (void)w.WriteHeader(h);
  for (uint64_t i = 0; i < events; ++i) {
    const uint64_t tt = (i / 6) % 64 + 64 * (i / (6 * 64));
    Event e;
    switch (i % 6) {
      case 0: e.body = AllocateEvent{tt, 256, Caching::kWriteCombined, false, false}; break;
      case 1: e.body = PopulateEvent{tt, true}; break;
      case 2: e.body = WriteEvent{tt, {}, {}}; break;
      case 3: e.body = ShrinkEvent{tt, false, false}; break;
      case 4: e.body = PopulateEvent{tt, true}; break;
      default: e.body = FreeEvent{tt};
    }
    (void)w.Write(e);
  }
  (void)w.Finish();
}

// What a replay computes besides the report.
enum class Behaviour {
  kDigest,      // the default: the behaviour digest, no timeline written
  kNoDigest,    // neither (to measure what the digest costs)
  kTimeline,    // the digest and the timeline, streamed to a file
};

void Measure(const std::string& path, const char* label, bool replay, double mb,
             uint64_t check_every = 1, Behaviour behaviour = Behaviour::kDigest) {
  pid_t pid = fork();
  if (pid != 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  auto reader = trace::TraceReader::Open(path);
  if (!reader.ok()) {
    fprintf(stderr, "%s\n", reader.status().message().c_str());
    _exit(1);
  }
  ReplayOptions options;
  options.check_every = check_every;
  options.behaviour_digest = behaviour != Behaviour::kNoDigest;
  std::ofstream timeline;
  if (behaviour == Behaviour::kTimeline) {
    timeline.open(path + ".timeline.jsonl", std::ios::binary);
    options.timeline = [&timeline](std::string_view line) {
      timeline.write(line.data(), static_cast<std::streamsize>(line.size()));
    };
  }
  Replayer replayer(Resolve((*reader)->header().config), std::move(options));
  Event e;
  uint64_t n = 0;
  for (;;) {
    Result<bool> more = (*reader)->Next(&e);
    if (!more.ok()) {
      fprintf(stderr, "%s\n", more.status().message().c_str());
      _exit(1);
    }
    if (!*more) break;
    ++n;
    if (replay) replayer.Apply(e);
  }
  uint64_t violations = 0;
  if (replay) violations = replayer.Finish().violations.count;
  if (timeline.is_open()) {
    timeline.close();
    unlink((path + ".timeline.jsonl").c_str());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // CPU time as well as wall time: on a shared machine it is the steadier
  // of the two for comparing rows.
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                     usage.ru_stime.tv_usec / 1e6;
  printf("%-30s %9llu events %6.2f s (cpu %6.2f s) %10.0f events/s %7.1f MB/s of trace text  peak RSS %6.1f MiB%s\n",
         label, static_cast<unsigned long long>(n), secs, cpu, n / secs, mb / secs, VmHwmKiB() / 1024.0,
         replay ? (violations ? "  (violations!)" : "  (0 violations)") : "");
  fflush(stdout);
  _exit(0);
}

}  // namespace
}  // namespace ttm

int main(int argc, char** argv) {
  const uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::string dir = getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp";
  const std::string plain = dir + "/replay_benchmark.jsonl", zst = plain + ".zst";
  ttm::Generate(plain, events, false);
  ttm::Generate(zst, events, true);
  std::ifstream f(plain, std::ios::binary | std::ios::ate);
  const double mb = static_cast<double>(f.tellg()) / 1e6;
  printf("trace: %llu events, %.1f MB plain\n", static_cast<unsigned long long>(events), mb);
  fflush(stdout);
  ttm::Measure(plain, "read+parse only, plain", false, mb);
  ttm::Measure(zst, "read+parse only, zstd", false, mb);
  ttm::Measure(plain, "replay, plain", true, mb);
  ttm::Measure(zst, "replay, zstd", true, mb);
  ttm::Measure(plain, "replay, --check-every 1000", true, mb, 1000);
  // What the behaviour digest costs: the same replays without it.
  ttm::Measure(plain, "replay, plain, no digest", true, mb, 1, ttm::Behaviour::kNoDigest);
  ttm::Measure(plain, "replay, every 1000, no digest", true, mb, 1000, ttm::Behaviour::kNoDigest);
  ttm::Measure(plain, "replay, plain, + timeline", true, mb, 1, ttm::Behaviour::kTimeline);
  unlink(plain.c_str());
  unlink(zst.c_str());
  return 0;
}
