// Large-scale check of the simulated machine: a 2^24-page buddy allocator
// filled at mixed orders and emptied again, a churn phase, and a dense
// backup object. Prints throughput, peak RSS and bytes per simulated page.
//
//   bazel run -c opt //core/engine:machine_benchmark
//
// Not a test: it takes seconds and hundreds of MB. The allocator's and the
// store's parts of the engine's bytes per simulated page (docs/limits.md)
// are measured here.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "core/prng.h"
#include "core/engine/backup_store.h"
#include "core/engine/page_allocator.h"

namespace ttm {
namespace {



// Peak RSS of this process image. getrusage()'s ru_maxrss survives execve()
// (under `bazel run` it starts at the client's peak), so the kernel's
// per-mm high-water mark VmHWM is preferred; ru_maxrss is the fallback.
double PeakRssMiB() {
  if (std::FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, status) != nullptr) {
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    }
    std::fclose(status);
    if (kib >= 0) return static_cast<double>(kib) / 1024.0;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

double MaxRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void Report(const char* phase, uint64_t ops, double seconds) {
  std::printf("%-28s %12llu ops %8.3f s %10.2f Mops/s   peak RSS %8.1f MiB\n", phase,
              static_cast<unsigned long long>(ops), seconds, ops / seconds / 1e6, PeakRssMiB());
}

// A random order, small ones more likely, as a pool under pressure asks.
uint32_t MixedOrder(Prng& rng, uint32_t max_order) {
  const uint32_t a = static_cast<uint32_t>(rng.Below(max_order + 1));
  const uint32_t b = static_cast<uint32_t>(rng.Below(max_order + 1));
  return a < b ? a : b;
}

int BenchmarkAllocator() {
  constexpr uint64_t kSystemPages = uint64_t{1} << 24;
  constexpr uint64_t kDma32Pages = uint64_t{1} << 20;
  constexpr uint32_t kMaxOrder = 10;
  std::printf("page allocator: %llu pages, dma32 %llu, max_order %u\n",
              static_cast<unsigned long long>(kSystemPages),
              static_cast<unsigned long long>(kDma32Pages), kMaxOrder);
  const double rss_before = PeakRssMiB();
  std::printf("  peak RSS before the allocator exists: %.1f MiB\n", rss_before);

  Stopwatch build;
  PageAllocator allocator(kSystemPages, kDma32Pages, kMaxOrder);
  Report("construct", 1, build.Seconds());
  std::vector<uint64_t> initial;
  for (uint32_t k = 0; k <= kMaxOrder; ++k) initial.push_back(allocator.free_blocks(k));

  // Fill the machine: each request falls back to lower orders on failure,
  // like ttm_pool_alloc(), until not even order 0 can be had.
  Prng rng(42);
  std::vector<Pfn> pfns;
  std::vector<uint8_t> orders;
  uint64_t ops = 0;
  Stopwatch fill;
  for (;;) {
    uint32_t order = MixedOrder(rng, kMaxOrder);
    std::optional<Pfn> got;
    for (;;) {
      ++ops;
      got = allocator.Alloc(order, rng.Below(8) == 0);
      if (got || order == 0) break;
      --order;
    }
    if (!got) {
      ++ops;
      got = allocator.Alloc(0, false);  // the dma32_only attempt may fail first
      if (!got) break;
    }
    pfns.push_back(*got);
    orders.push_back(static_cast<uint8_t>(order));
  }
  Report("fill at mixed orders", ops, fill.Seconds());
  if (allocator.free_pages() != 0) {
    std::printf("FAIL: %llu pages left after fill\n",
                static_cast<unsigned long long>(allocator.free_pages()));
    return 1;
  }
  std::printf("  %zu blocks, mean %.2f pages\n", pfns.size(),
              static_cast<double>(kSystemPages) / static_cast<double>(pfns.size()));

  // Empty it in a shuffled order; every third block page by page, as
  // split_page() + __free_pages(order 0) would.
  for (size_t i = pfns.size(); i > 1; --i) {
    const size_t j = rng.Below(i);
    std::swap(pfns[i - 1], pfns[j]);
    std::swap(orders[i - 1], orders[j]);
  }
  ops = 0;
  Stopwatch drain;
  for (size_t i = 0; i < pfns.size(); ++i) {
    if (i % 3 == 0) {
      for (uint64_t p = 0; p < (uint64_t{1} << orders[i]); ++p) {
        ++ops;
        const Pfn page = static_cast<Pfn>(pfns[i] + p);
        if (allocator.Free(page, 0) != PageAllocator::FreeError::kNone) return 1;
      }
    } else {
      ++ops;
      if (allocator.Free(pfns[i], orders[i]) != PageAllocator::FreeError::kNone) return 1;
    }
  }
  Report("free (1/3 page by page)", ops, drain.Seconds());
  for (uint32_t k = 0; k <= kMaxOrder; ++k) {
    if (allocator.free_blocks(k) != initial[k]) {
      std::printf("FAIL: order %u did not merge back\n", k);
      return 1;
    }
  }

  // Churn at about half full.
  pfns.clear();
  orders.clear();
  ops = 0;
  Stopwatch churn;
  for (int i = 0; i < 4000000; ++i) {
    ++ops;
    if (pfns.empty() || allocator.used_pages() < kSystemPages / 2 || rng.Below(2) == 0) {
      const uint32_t order = MixedOrder(rng, kMaxOrder);
      if (std::optional<Pfn> got = allocator.Alloc(order, false)) {
        pfns.push_back(*got);
        orders.push_back(static_cast<uint8_t>(order));
      }
    } else {
      const size_t j = rng.Below(pfns.size());
      if (allocator.Free(pfns[j], orders[j]) != PageAllocator::FreeError::kNone) return 1;
      pfns[j] = pfns.back();
      orders[j] = orders.back();
      pfns.pop_back();
      orders.pop_back();
    }
  }
  Report("churn (alloc/free mix)", ops, churn.Seconds());

  std::printf("  allocator heap: %.1f MiB = %.3f bytes per simulated page\n",
              allocator.memory_bytes() / 1048576.0,
              static_cast<double>(allocator.memory_bytes()) / kSystemPages);
  std::printf("  peak RSS growth over the run: %.1f MiB (includes the benchmark's block lists)\n",
              PeakRssMiB() - rss_before);
  return 0;
}

int BenchmarkBackupStore() {
  constexpr uint64_t kPages = uint64_t{1} << 22;
  std::printf("backup store: one object, %llu pages stored, peeked, dropped\n",
              static_cast<unsigned long long>(kPages));
  BackupStore store(kPages);
  const BackupId id = store.Create(kPages);
  Stopwatch stopwatch;
  for (uint64_t i = 0; i < kPages; ++i) {
    if (store.BackupPage(id, i, static_cast<Token>(i * 7 + 1), false) != i + 1) return 1;
  }
  const double per_page = static_cast<double>(store.memory_bytes()) / kPages;
  uint64_t sum = 0;
  for (uint64_t i = 0; i < kPages; ++i) sum += store.Peek(id, i + 1).value_or(0);
  for (uint64_t i = 0; i < kPages; ++i) {
    if (!store.Drop(id, i + 1)) return 1;
  }
  Report("backup+peek+drop", 3 * kPages, stopwatch.Seconds());
  std::printf("  backup heap when full: %.3f bytes per held page (checksum %llu)\n", per_page,
              static_cast<unsigned long long>(sum));
  std::printf("  backup heap after every page was dropped: %llu bytes\n",
              static_cast<unsigned long long>(store.memory_bytes()));
  if (store.Fini(id) != 0) return 1;
  std::printf("getrusage ru_maxrss at exit: %.1f MiB (carries the pre-exec peak under bazel run)\n",
              MaxRssMiB());
  return 0;
}

}  // namespace
}  // namespace ttm

int main() {
  if (ttm::BenchmarkAllocator() != 0) {
    std::printf("allocator benchmark FAILED\n");
    return 1;
  }
  if (ttm::BenchmarkBackupStore() != 0) {
    std::printf("backup store benchmark FAILED\n");
    return 1;
  }
  return 0;
}
