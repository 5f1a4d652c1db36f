#include "core/trace/trace_writer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/trace/trace_reader.h"

namespace ttm::trace {
namespace {

// Reads a whole trace from bytes and writes it again canonically.
std::string Rewrite(const std::string& bytes, bool compress) {
  std::istringstream in(bytes);
  auto reader = TraceReader::FromSource(IstreamSource(in), "in");
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return "";
  std::ostringstream out;
  TraceWriter writer(out, compress);
  EXPECT_TRUE(writer.WriteHeader((*reader)->header()).ok());
  Event e;
  for (;;) {
    Result<bool> more = (*reader)->Next(&e);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !*more) break;
    EXPECT_TRUE(writer.Write(e).ok());
  }
  EXPECT_TRUE(writer.Finish().ok());
  return out.str();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A deterministic trace touching every op and optional field.
std::string GeneratedTrace() {
  uint64_t state = 42;
  auto next = [&state] {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  std::ostringstream out;
  TraceWriter w(out, false);
  TraceHeader h;
  h.config.system_pages = 65536;
  h.config.pool_limit_pages = 100;
  h.meta = Json::parse(R"({"source":"test","seed":42})");
  EXPECT_TRUE(w.WriteHeader(h).ok());
  std::vector<uint64_t> live;
  uint64_t next_id = 0;
  for (int i = 0; i < 2000; ++i) {
    Event e;
    if (next() % 3 == 0) e.t = static_cast<int64_t>(i) * 1000;
    uint64_t r = next();
    if (live.empty() || r % 11 == 0) {
      AllocateEvent a{next_id++, 1 + next() % 64, static_cast<Caching>(next() % 3),
                      next() % 2 == 0, next() % 2 == 0};
      live.push_back(a.tt);
      e.body = a;
    } else {
      size_t k = next() % live.size();
      uint64_t tt = live[k];
      switch (r % 10) {
        case 0: e.body = PopulateEvent{tt, next() % 2 == 0}; break;
        case 1: e.body = WriteEvent{tt, next() % 2 ? std::optional<uint64_t>(0) : std::nullopt,
                                    next() % 2 ? std::optional<uint64_t>(1) : std::nullopt};
          break;
        case 2: e.body = ShrinkEvent{tt, next() % 2 == 0, next() % 2 == 0}; break;
        case 3: e.body = UnpopulateEvent{tt}; break;
        case 4:
          e.body = FreeEvent{tt};
          live.erase(live.begin() + static_cast<long>(k));
          break;
        case 5: e.body = PoolShrinkEvent{next() % 100}; break;
        case 6: {
          FailEvent f{static_cast<FaultSite>(next() % kNumFaultSites), next() % 3, next() % 3,
                      std::nullopt, std::nullopt, std::nullopt};
          if (f.site == FaultSite::kCopyPage) f.error = next() % 2 ? kEINTR : kENOMEM;
          if (f.site == FaultSite::kAllocPage) f.min_order = static_cast<uint32_t>(next() % 11);
          e.body = f;
          break;
        }
        case 7: e.body = SetEvent{next() % 1000, std::nullopt}; break;
        case 8: e.body = CheckEvent{}; break;
        default: {
          ExpectEvent x;
          x.ret = (next() % 2) ? int64_t{kENOMEM} : static_cast<int64_t>(next() % 5);
          x.tt = tt;
          x.state = static_cast<TtState>(next() % 3);
          x.restore_pending = next() % 2 == 0;
          x.violations = 0;
          e.body = x;
        }
      }
    }
    EXPECT_TRUE(w.Write(e).ok());
  }
  EXPECT_TRUE(w.Finish().ok());
  return out.str();
}

TEST(TraceWriter, EventsAreWrittenInCanonicalKeyOrderWithDefaultsOmitted) {
  Event e;
  e.t = 7;
  e.body = AllocateEvent{3, 8, Caching::kUncached, true, true};
  EXPECT_EQ(EventToJsonLine(e),
            R"({"op":"allocate","t":7,"tt":3,"pages":8,"caching":"uncached",)"
            R"("flags":["zero_alloc","dma"]})");
  e.t.reset();
  e.body = PopulateEvent{3, true};
  EXPECT_EQ(EventToJsonLine(e), R"({"op":"populate","tt":3})");
  e.body = FailEvent{FaultSite::kCopyPage, 0, 1, kENOMEM, std::nullopt, std::nullopt};
  EXPECT_EQ(EventToJsonLine(e), R"({"op":"fail","site":"copy_page"})");
  e.body = FailEvent{FaultSite::kCopyPage, 2, 0, kEINTR, std::nullopt, std::nullopt};
  EXPECT_EQ(EventToJsonLine(e), R"({"op":"fail","site":"copy_page","after":2,"count":0,"error":"EINTR"})");
  ExpectEvent x;
  x.violations = 0;
  x.ret = -4;
  x.tt = 1;
  x.intact = true;
  e.body = x;
  EXPECT_EQ(EventToJsonLine(e), R"({"op":"expect","ret":"EINTR","tt":1,"intact":true,"violations":0})");
}

TEST(TraceWriter, TheHeaderAlwaysStatesTheFixedConfigFieldsAndOnlyTheGivenOptionalOnes) {
  TraceHeader h;
  h.config.swap_pages = 10;
  EXPECT_EQ(HeaderToJson(h).dump(),
            R"({"format":"ttm-trace","version":1,"config":{"system_pages":262144,)"
            R"("swap_pages":10,"max_order":10,"use_dma_alloc":false,"use_dma32":false,)"
            R"("numa_node":false}})");
}

TEST(TraceWriter, EveryExampleTraceRoundTripsToIdenticalBytes) {
  for (const char* name : {"contract-example.jsonl", "contract-example.jsonl.zst",
                           "backup-restore.jsonl", "partial-backup.jsonl", "pool-reuse.jsonl"}) {
    std::string original = ReadFile(std::string("traces/examples/") + name);
    ASSERT_FALSE(original.empty()) << name;
    std::string once = Rewrite(original, false);
    EXPECT_EQ(Rewrite(once, false), once) << name;
  }
}

TEST(TraceWriter, AGeneratedTraceRoundTripsToIdenticalBytes) {
  std::string generated = GeneratedTrace();
  EXPECT_EQ(Rewrite(generated, false), generated);
}

TEST(TraceWriter, CompressedOutputDecompressesToThePlainOutput) {
  std::string generated = GeneratedTrace();
  std::string compressed = Rewrite(generated, true);
  EXPECT_LT(compressed.size(), generated.size());
  EXPECT_EQ(Rewrite(compressed, false), generated);
  EXPECT_EQ(Rewrite(compressed, true), compressed);
}

TEST(TraceWriter, CallsOutOfOrderAreUsageErrors) {
  std::ostringstream out;
  TraceWriter w(out, false);
  EXPECT_EQ(w.Write(Event{}).code(), Status::Code::kUsage);
  EXPECT_TRUE(w.WriteHeader(TraceHeader{}).ok());
  EXPECT_EQ(w.WriteHeader(TraceHeader{}).code(), Status::Code::kUsage);
  EXPECT_TRUE(w.Finish().ok());
  EXPECT_EQ(w.Write(Event{}).code(), Status::Code::kUsage);
}

}  // namespace
}  // namespace ttm::trace
