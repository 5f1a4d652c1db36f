// Generated events are valid traces: written with TraceWriter and read back
// with TraceReader, which enforces every rule of the format (ids, ranges),
// and the same options give the same bytes.
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/trace/byte_source.h"
#include "core/trace/trace_reader.h"
#include "core/trace/trace_writer.h"
#include "core/workload/workload.h"

namespace ttm::workload {
namespace {

std::string Generate(std::string_view name, uint64_t seed, uint64_t events, bool compress) {
  WorkloadOptions o;
  o.seed = seed;
  o.events = events;
  o.system_pages = 16384;
  Result<std::unique_ptr<Workload>> w = Make(name, o);
  EXPECT_TRUE(w.ok()) << w.status().message();
  if (!w.ok()) return "";
  std::ostringstream out;
  trace::TraceWriter writer(out, compress);
  trace::TraceHeader header;
  header.config = (*w)->config();
  EXPECT_TRUE(writer.WriteHeader(header).ok());
  Event e;
  while ((*w)->Next(&e)) EXPECT_TRUE(writer.Write(e).ok());
  EXPECT_TRUE(writer.Finish().ok());
  return out.str();
}

// Return: the number of events, or the reader's first error.
Result<uint64_t> ReadBack(const std::string& bytes) {
  std::istringstream in(bytes);
  auto reader = trace::TraceReader::FromSource(trace::IstreamSource(in), "generated",
                                               trace::ReaderOptions{.strict = true});
  if (!reader.ok()) return reader.status();
  Event e;
  for (;;) {
    Result<bool> more = (*reader)->Next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return (*reader)->event_count();
}

TEST(WorkloadTrace, EveryWorkloadIsAValidTraceAtSeveralSeeds) {
  for (const WorkloadInfo& info : Workloads()) {
    for (uint64_t seed : {1, 2, 3, 12345}) {
      Result<uint64_t> n = ReadBack(Generate(info.name, seed, 3000, false));
      ASSERT_TRUE(n.ok()) << info.name << " seed " << seed << ": " << n.status().message();
      EXPECT_EQ(*n, 3000u) << info.name;
    }
  }
}

TEST(WorkloadTrace, ACompressedTraceReadsBackAsWell) {
  Result<uint64_t> n = ReadBack(Generate("faults", 5, 2000, true));
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2000u);
}

TEST(WorkloadTrace, TheSameOptionsGiveTheSameBytesAndAnotherSeedOtherBytes) {
  for (const WorkloadInfo& info : Workloads()) {
    // fragmented spends its first ~2,600 events pinning memory, the same
    // for every seed.
    const std::string a = Generate(info.name, 42, 4000, true);
    EXPECT_TRUE(a == Generate(info.name, 42, 4000, true)) << info.name;
    EXPECT_TRUE(a != Generate(info.name, 43, 4000, true)) << info.name;
  }
}

}  // namespace
}  // namespace ttm::workload
