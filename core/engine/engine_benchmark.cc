// Large-scale check of the whole engine: a 2^24-page (64 GiB) machine
// filled with objects, written, backed up, restored and freed through the
// public Engine API; then two hostile sizes: one object of 2^31-1 pages on
// a small machine, and a million one-page objects.
//
//   bazel run -c opt //core/engine:engine_benchmark
//
// Not a test: it takes seconds and a few GB. It prints engine operations
// and pages per second per phase, the peak RSS (VmHWM) and the bytes of
// host RAM per simulated page, to compare with the budget of about 32.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "core/engine/engine.h"

namespace ttm {
namespace {

// A line of /proc/self/status, in KiB ("VmHWM", "VmRSS"); -1 if absent.
long StatusKiB(const char* key) {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return -1;
  char line[256];
  long kib = -1;
  char format[64];
  std::snprintf(format, sizeof format, "%s: %%ld kB", key);
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::sscanf(line, format, &kib) == 1) break;
  }
  std::fclose(status);
  return kib;
}

double MiB(long kib) { return static_cast<double>(kib) / 1024.0; }

class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void Report(const char* phase, uint64_t ops, uint64_t pages, double seconds) {
  std::printf("%-34s %9llu ops %11llu pages %7.3f s %9.0f ops/s %12.0f pages/s  RSS %7.1f MiB  peak %7.1f MiB\n",
              phase, static_cast<unsigned long long>(ops), static_cast<unsigned long long>(pages), seconds,
              ops / seconds, pages / seconds, MiB(StatusKiB("VmRSS")), MiB(StatusKiB("VmHWM")));
}

bool Check(bool ok, const char* what) {
  if (!ok) std::printf("UNEXPECTED: %s\n", what);
  return ok;
}

// Fills a 2^24-page machine with objects of `object_pages` pages, then
// writes, backs up, restores and frees every one of them.
bool FullMachineCycle() {
  std::fflush(stdout);
  constexpr uint64_t kSystemPages = uint64_t{1} << 24;
  constexpr uint64_t kObjectPages = 4096;  // 16 MiB objects
  Config config;
  config.system_pages = kSystemPages;
  config.swap_pages = kSystemPages;
  Engine engine(Resolve(config));
  bool ok = true;
  const long rss_start = StatusKiB("VmRSS");

  Stopwatch populate;
  uint64_t objects = 0;
  for (;;) {
    engine.Apply(AllocateEvent{objects, kObjectPages, Caching::kCached, false, false});
    if (engine.Apply(PopulateEvent{objects, true}).ret != 0) {
      engine.Apply(FreeEvent{objects});
      break;
    }
    ++objects;
  }
  // Restores need a few pages for their restore struct: give back one
  // object's worth of room.
  engine.Apply(FreeEvent{--objects});
  const uint64_t pages = objects * kObjectPages;
  Report("populate until full", 2 * objects + 1, pages, populate.Seconds());
  ok &= Check(engine.Global().system_used_pages == pages, "used pages after populate");

  Stopwatch write;
  for (uint64_t id = 0; id < objects; ++id) engine.Apply(WriteEvent{id, std::nullopt, std::nullopt});
  Report("write", objects, pages, write.Seconds());

  Stopwatch backup;
  for (uint64_t id = 0; id < objects; ++id)
    ok &= Check(engine.Apply(ShrinkEvent{id, false, false}).ret == static_cast<int64_t>(kObjectPages),
                "backup returns every page");
  Report("backup (shrink)", objects, pages, backup.Seconds());

  Stopwatch restore;
  for (uint64_t id = 0; id < objects; ++id)
    ok &= Check(engine.Apply(PopulateEvent{id, true}).ret == 0, "restore succeeds");
  Report("restore (populate)", objects, pages, restore.Seconds());

  Stopwatch check;
  ok &= Check(engine.Check(CheckScope::kFull).empty(), "no violation after the cycle");
  Report("check (full)", 1, pages, check.Seconds());
  ok &= Check(engine.counters().integrity.mismatches == 0, "no content mismatch");

  Stopwatch free;
  for (uint64_t id = 0; id < objects; ++id) engine.Apply(FreeEvent{id});
  Report("free", objects, pages, free.Seconds());
  ok &= Check(engine.Teardown().ok(), "leak-free teardown");

  const long peak = StatusKiB("VmHWM");
  std::printf("full machine: %llu objects of %llu pages; peak RSS %.1f MiB (%.1f MiB before the engine): "
              "%.1f bytes per simulated page\n\n",
              static_cast<unsigned long long>(objects), static_cast<unsigned long long>(kObjectPages),
              MiB(peak), MiB(rss_start),
              static_cast<double>(peak - rss_start) * 1024.0 / static_cast<double>(kSystemPages));
  return ok;
}

// An object of the format's largest size on a 4096-page machine: the
// populate must fail with ENOMEM after taking (and giving back) the whole
// machine, without the host paying for 2^31 slots.
bool HugeObject() {
  Config config;
  config.system_pages = 4096;
  Engine engine(Resolve(config));
  const long before = StatusKiB("VmRSS");
  Stopwatch t;
  engine.Apply(AllocateEvent{1, kMaxTtPages, Caching::kCached, false, false});
  const int64_t ret = engine.Apply(PopulateEvent{1, true}).ret;
  engine.Apply(FreeEvent{1});
  const bool ok = Check(ret == kENOMEM, "populate of 2^31-1 pages fails with ENOMEM") &
                  Check(engine.Teardown().ok(), "no leak after the huge object");
  Report("hostile: 2^31-1-page object", 3, kMaxTtPages, t.Seconds());
  std::printf("hostile: populate returned %s; RSS grew by %.1f MiB\n\n", ErrnoName(ret).c_str(),
              MiB(StatusKiB("VmRSS") - before));
  return ok;
}

// A million live one-page objects, populated: the per-object overhead.
bool MillionObjects() {
  constexpr uint64_t kObjects = 1'000'000;
  Config config;
  config.system_pages = uint64_t{1} << 21;
  Engine engine(Resolve(config));
  const long before = StatusKiB("VmRSS");
  Stopwatch t;
  bool ok = true;
  for (uint64_t id = 0; id < kObjects; ++id) {
    engine.Apply(AllocateEvent{id, 1, Caching::kCached, false, false});
    ok &= engine.Apply(PopulateEvent{id, true}).ret == 0;
  }
  Check(ok, "every one-page populate succeeds");
  Report("hostile: 1M one-page objects", 2 * kObjects, kObjects, t.Seconds());
  const long grown = StatusKiB("VmRSS") - before;
  std::printf("hostile: 1M live one-page objects: RSS grew by %.1f MiB, %.0f bytes per object\n",
              MiB(grown), static_cast<double>(grown) * 1024.0 / kObjects);
  Stopwatch f;
  for (uint64_t id = 0; id < kObjects; ++id) engine.Apply(FreeEvent{id});
  Report("hostile: free 1M objects", kObjects, kObjects, f.Seconds());
  ok &= Check(engine.Teardown().ok(), "no leak after a million objects");
  return ok;
}

}  // namespace
}  // namespace ttm

// Each phase runs in its own child process, so that its RSS figures are
// not hidden by heap that an earlier phase freed but malloc kept.
int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  bool ok = true;
  for (bool (*phase)() : {ttm::FullMachineCycle, ttm::HugeObject, ttm::MillionObjects}) {
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      const bool phase_ok = phase();
      std::fflush(stdout);
      std::_Exit(phase_ok ? EXIT_SUCCESS : EXIT_FAILURE);
    }
    int status = 0;
    ok &= child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
          WEXITSTATUS(status) == EXIT_SUCCESS;
  }
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
