// Parses the event lines of a trace into typed events three ways and prints
// the CPU time of each, to choose the reader's fast path with figures:
//   json      ParseJsonObject + EventFromJson (nlohmann DOM; the general path)
//   simdjson  simdjson's On Demand API, driven by the same vocabulary table
//   scan      ScanEvent, the hand-written scanner (event_scan.h)
// simdjson and scan hand the lines they do not take to json, as the reader
// would. The trace is decompressed into memory first, so only parsing is
// timed; each variant runs REPS times and the best is printed.
//
//   bazel run //core/trace:event_scan_benchmark -- $PWD/traces/bench/churn-1m.jsonl.zst
//
// A tool, not a test (tagged manual: it alone needs libsimdjson-dev).
#include <simdjson.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "core/trace/event_json.h"
#include "core/trace/event_scan.h"
#include "core/trace/line_reader.h"
#include "core/trace/vocabulary.h"

namespace ttm::trace {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool Json(std::string_view line, Event* e) {
  Result<nlohmann::ordered_json> obj = ParseJsonObject(line);
  return obj.ok() && EventFromJson(*obj, {}, e).ok();
}

// The simdjson counterpart of ScanEvent: the same table, the same rules
// (canonical lines of ops without cross-field rules), simdjson's parser.
class Simdjson {
 public:
  bool Parse(std::string_view line, Event* out) {
    if (buffer_.size() < line.size() + simdjson::SIMDJSON_PADDING)
      buffer_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(buffer_.data(), line.data(), line.size());
    simdjson::ondemand::document doc;
    if (parser_.iterate(buffer_.data(), line.size(), buffer_.size()).get(doc)) return false;
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj)) return false;
    const OpSpec* spec = nullptr;
    uint32_t seen = 0;
    bool first = true;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      simdjson::ondemand::value value;
      if (field.value().get(value)) return false;
      if (first) {
        std::string_view name;
        if (key != "op" || value.get_string().get(name)) return false;
        int op = -1;
        for (int i = 0; i < kNumOps; ++i)
          if (OpNameByIndex(i) == name) op = i;
        if (op < 0 || OpSpecOf(op).cross_field_rules) return false;
        spec = &OpSpecOf(op);
        out->body = DefaultBody(op);
        out->t.reset();
        first = false;
        continue;
      }
      if (key == "t") {
        int64_t t = 0;
        if ((seen >> 31) != 0 || value.get_int64().get(t)) return false;
        seen |= uint32_t{1} << 31;
        out->t = t;
        continue;
      }
      const FieldSpec* f = FindField(*spec, key);
      if (f == nullptr) return false;
      const uint32_t bit = uint32_t{1} << (f - spec->fields.data());
      if (seen & bit) return false;
      seen |= bit;
      FieldValue v = 0;
      switch (f->kind) {
        case FieldKind::kCount: {
          uint64_t u = 0;
          if (value.get_uint64().get(u) || u < f->lo || u > f->hi) return false;
          v = u;
          break;
        }
        case FieldKind::kBool: {
          bool b = false;
          if (value.get_bool().get(b)) return false;
          v = b;
          break;
        }
        case FieldKind::kCaching: {
          std::string_view name;
          if (value.get_string().get(name)) return false;
          std::optional<Caching> c = CachingFromName(name);
          if (!c) return false;
          v = static_cast<FieldValue>(*c);
          break;
        }
        case FieldKind::kFlags: {
          simdjson::ondemand::array a;
          if (value.get_array().get(a)) return false;
          for (auto item : a) {
            std::string_view name;
            if (item.get_string().get(name)) return false;
            if (name == "zero_alloc")
              v |= kFlagZeroAlloc;
            else if (name == "dma")
              v |= kFlagDma;
            else
              return false;
          }
          break;
        }
        default: return false;
      }
      f->set(out->body, v);
    }
    // (simdjson 3.0.1's On Demand has no check that nothing follows the
    // object; the scanner has one. The comparison favours simdjson.)
    if (spec == nullptr) return false;
    for (size_t i = 0; i < spec->fields.size(); ++i)
      if (spec->fields[i].required && !(seen & (uint32_t{1} << i))) return false;
    return true;
  }

 private:
  simdjson::ondemand::parser parser_;
  std::vector<char> buffer_;
};

template <class Parse>
void Run(const char* label, const std::vector<std::string>& lines, int reps, Parse parse) {
  double best = 1e9;
  size_t taken = 0;
  for (int r = 0; r < reps; ++r) {
    Event e;
    taken = 0;
    const double start = CpuSeconds();
    for (const std::string& line : lines) {
      if (parse(line, &e))
        ++taken;
      else
        Json(line, &e);
    }
    best = std::min(best, CpuSeconds() - start);
  }
  std::printf("%-9s %8.3f CPU s  %6.2f M lines/s  %zu of %zu lines on the fast path\n", label,
              best, static_cast<double>(lines.size()) / best / 1e6, taken, lines.size());
}

}  // namespace
}  // namespace ttm::trace

int main(int argc, char** argv) {
  using ttm::Event;
  using namespace ttm::trace;
  if (argc < 2) {
    std::fprintf(stderr, "usage: event_scan_benchmark TRACE [REPS]\n");
    return 2;
  }
  const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  std::ifstream file(argv[1], std::ios::binary);
  LineReader reader(IstreamSource(file));
  std::vector<std::string> lines;
  std::string_view line;
  for (;;) {
    ttm::Result<bool> more = reader.Next(&line);
    if (!more.ok() || !*more) break;
    if (reader.line_number() > 1) lines.emplace_back(line);  // not the header
  }
  // The On Demand parser is compiled into this file, for the instruction
  // set its flags allow (-march in BUILD), not chosen at run time.
  std::printf("simdjson On Demand compiled for: %s\n",
              SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));
  Simdjson simdjson;
  Run("json", lines, reps, [](std::string_view, Event*) { return false; });
  Run("simdjson", lines, reps,
      [&simdjson](std::string_view l, Event* e) { return simdjson.Parse(l, e); });
  Run("scan", lines, reps, [](std::string_view l, Event* e) { return ScanEvent(l, kMaxMaxOrder, e); });
  return 0;
}
