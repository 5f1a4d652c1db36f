// The scanner against the general path (nlohmann/json): whenever the
// scanner takes a line, the general path must accept it too, in strict and
// lenient mode, with no unknown field and the same event. Checked on every
// line of every trace in traces/ and on lines mutated byte by byte, so that
// a scanner taking something the general path rejects (or reads otherwise)
// fails here.
#include "core/trace/event_scan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/prng.h"
#include "core/trace/event_json.h"
#include "core/trace/line_reader.h"
#include "core/trace/vocabulary.h"

namespace ttm::trace {
namespace {

// Whether the scanner and the general path agree on `line`; a message
// saying how they differ otherwise. Return: "" when they agree.
std::string Disagreement(std::string_view line, bool* taken) {
  Event fast;
  *taken = ScanEvent(line, &fast);
  if (!*taken) return "";
  for (bool strict : {false, true}) {
    Result<Json> obj = ParseJsonObject(line, strict);
    if (!obj.ok()) return "scanned, but the general path says " + obj.status().message();
    std::vector<std::string> unknown;
    Event slow;
    Status s = EventFromJson(*obj, {strict, kMaxMaxOrder, strict ? nullptr : &unknown}, &slow);
    if (!s.ok()) return "scanned, but the general path says " + s.message();
    if (!unknown.empty()) return "scanned, but the general path finds unknown " + unknown[0];
    if (!(slow == fast)) return "scanned as " + EventToJsonLine(fast) + ", general path reads " +
                                EventToJsonLine(slow);
  }
  return "";
}

std::vector<std::string> TraceFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator("traces")) {
    const std::string path = entry.path().string();
    if (path.ends_with(".jsonl") || path.ends_with(".jsonl.zst")) files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The lines of a trace, up to `max` (a corrupt or truncated one: those
// before the error).
std::vector<std::string> Lines(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  LineReader reader(IstreamSource(in));
  std::vector<std::string> lines;
  std::string_view line;
  while (lines.size() < max) {
    Result<bool> more = reader.Next(&line);
    if (!more.ok() || !*more) break;
    lines.emplace_back(line);
  }
  return lines;
}

TEST(EventScan, AgreesWithTheGeneralPathOnEveryLineOfEveryTrace) {
  size_t files = 0, lines = 0, taken_lines = 0;
  for (const std::string& path : TraceFiles()) {
    ++files;
    size_t n = 0;
    for (const std::string& line : Lines(path, 2'000'000)) {
      ++n;
      bool taken = false;
      const std::string d = Disagreement(line, &taken);
      ASSERT_EQ(d, "") << path << ":" << n << ": " << line;
      ++lines;
      taken_lines += taken;
    }
  }
  EXPECT_GT(files, 50u);
  // Most lines are canonical events of ops the scanner takes.
  EXPECT_GT(taken_lines, lines / 2) << taken_lines << " of " << lines;
}

// Every mutation of a line by one byte: deleted, replaced, or with a byte
// inserted before it, from bytes that matter to JSON and to the scanner.
TEST(EventScan, AgreesWithTheGeneralPathOnLinesMutatedByOneByte) {
  const std::string bytes = std::string(" \t\"\\0123456789-+.eE,:{}[]tfnxz_a") + '\0' + "\x7f\xc3\xff";
  std::vector<std::string> seeds = {
      R"({"op":"allocate","tt":1,"pages":12,"caching":"uncached","flags":["zero_alloc","dma"]})",
      R"({"op":"populate","t":-5,"tt":1,"interruptible":false})",
      R"({"op":"write","tt":7,"first":2,"count":10})",
      R"({"op":"shrink","tt":3,"purge":true,"writeback":false})",
      R"({"op":"unpopulate","tt":10})",
      R"({"op":"free","tt":0})",
      R"({"op":"pool_shrink","pages":100})",
      R"({"op":"check","t":1})",
  };
  for (const std::string& path : TraceFiles())
    for (const std::string& line : Lines(path, 40))
      if (line.size() < 200) seeds.push_back(line);
  size_t mutants = 0, taken_mutants = 0;
  for (const std::string& seed : seeds) {
    for (size_t i = 0; i <= seed.size(); ++i) {
      std::vector<std::string> variants;
      if (i < seed.size()) variants.push_back(seed.substr(0, i) + seed.substr(i + 1));
      for (char b : bytes) {
        variants.push_back(seed.substr(0, i) + b + seed.substr(i));
        if (i < seed.size()) variants.push_back(seed.substr(0, i) + b + seed.substr(i + 1));
      }
      for (const std::string& v : variants) {
        bool taken = false;
        const std::string d = Disagreement(v, &taken);
        ASSERT_EQ(d, "") << "mutant of " << seed << ": " << v;
        ++mutants;
        taken_mutants += taken;
      }
    }
  }
  EXPECT_GT(mutants, 100'000u);
  EXPECT_GT(taken_mutants, 1000u);  // the mutants reach the scanner's accepting paths
}

// Random canonical lines from the writer: every one of an op without
// cross-field rules is taken, and read back as written.
TEST(EventScan, TakesEveryCanonicalLineOfAnOpWithoutCrossFieldRules) {
  Prng prng(11);
  int checked = 0;
  for (int n = 0; n < 20000; ++n) {
    const int op = static_cast<int>(prng.Below(kNumOps));
    if (OpSpecOf(op).cross_field_rules) continue;
    Event e;
    e.body = DefaultBody(op);
    if (prng.Below(2)) e.t = static_cast<int64_t>(prng.Next() >> prng.Below(64));
    for (const FieldSpec& f : OpSpecOf(op).fields) {
      if (!f.required && prng.Below(2)) continue;
      FieldValue v = 0;
      switch (f.kind) {
        case FieldKind::kCount: v = f.lo + prng.Below(std::min<uint64_t>(f.hi - f.lo, 1u << 30)); break;
        case FieldKind::kCaching: v = prng.Below(3); break;
        case FieldKind::kFlags: v = prng.Below(4); break;
        default: v = prng.Below(2);
      }
      f.set(e.body, v);
    }
    const std::string line = EventToJsonLine(e);
    Event scanned;
    ASSERT_TRUE(ScanEvent(line, &scanned)) << line;
    EXPECT_EQ(scanned, e) << line;
    bool taken = false;
    ASSERT_EQ(Disagreement(line, &taken), "") << line;
    ++checked;
  }
  EXPECT_GT(checked, 10000);
}

TEST(EventScan, TakesTheExtremesOfTheRanges) {
  Event e;
  ASSERT_TRUE(ScanEvent(R"({"op":"free","t":-9223372036854775808,"tt":9223372036854775807})", &e));
  EXPECT_EQ(e.t, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(std::get<FreeEvent>(e.body).tt, uint64_t{9223372036854775807});
  ASSERT_TRUE(ScanEvent(R"({"op":"free","t":-0,"tt":0})", &e));
  EXPECT_EQ(e.t, 0);
  ASSERT_TRUE(ScanEvent(R"({"op":"allocate","tt":1,"pages":2147483647,"caching":"wc","flags":[]})", &e));
  EXPECT_EQ(std::get<AllocateEvent>(e.body).pages, kMaxTtPages);
  bool taken = false;
  for (const char* line : {R"({"op":"free","t":-9223372036854775808,"tt":9223372036854775807})",
                           R"({"op":"free","t":-0,"tt":0})"}) {
    EXPECT_EQ(Disagreement(line, &taken), "") << line;
    EXPECT_TRUE(taken);
  }
}

TEST(EventScan, LeavesOpsWithCrossFieldRulesAndOddLinesToTheGeneralPath) {
  Event e;
  for (const char* line : {
           R"({"op":"fail","site":"alloc_page"})",
           R"({"op":"set","swap_pages":1})",
           R"({"op":"expect","live_tts":0})",
           R"({"op":"free","tt":1,"tt":2})",           // duplicate key
           R"({"op":"free","tt":1,"colour":"red"})",   // unknown field
           R"({"tt":1,"op":"free"})",                  // op not first
           R"({"op":"free", "tt":1})",                 // whitespace
           R"({"op":"free","tt":01})",                 // leading zero
           R"({"op":"free","tt":1.0})",                // fraction
           R"({"op":"free","tt":1e2})",                // exponent
           R"({"op":"free","tt":-1})",                 // out of range
           R"({"op":"free","tt":9223372036854775808})",  // 2^63
           R"({"op":"free","t":9223372036854775808,"tt":1})",  // 2^63
           R"({"op":"free","t":-9223372036854775809,"tt":1})",  // -2^63 - 1
           R"({"op":"free","tt":12345678901234567890})",  // 20 digits
           R"({"op":"allocate","tt":1,"pages":0,"caching":"wc"})",  // pages out of range
           R"({"op":"allocate","tt":1,"pages":1,"caching":"w\u0063"})",  // escape
           R"({"op":"allocate","tt":1,"pages":1})",   // missing caching
           R"({"op":"free","tt":1}x)",                 // trailing bytes
           R"({"op":"free","tt":1)",                   // unterminated
           R"({"op":"fre\"e","tt":1})",
       })
    EXPECT_FALSE(ScanEvent(line, &e)) << line;
}

}  // namespace
}  // namespace ttm::trace
