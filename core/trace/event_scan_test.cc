// The scanner against the general path (nlohmann/json): whenever the
// scanner takes a line, the general path must accept it too, in strict and
// lenient mode, with no unknown field and the same event. Checked on every
// line of every trace in traces/ and on lines mutated byte by byte, so that
// a scanner taking something the general path rejects (or reads otherwise)
// fails here.
#include "core/trace/event_scan.h"

#include <gtest/gtest.h>

#include <array>
#include <charconv>
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

// The max_orders the scanner is checked with: a fail's order is bounded by
// the trace's config.
constexpr uint32_t kMaxOrders[] = {0, 10, kMaxMaxOrder};

// Whether the scanner and the general path agree on `line` with
// config.max_order `max_order`; a message saying how they differ
// otherwise. Return: "" when they agree. *taken: whether the scanner took it.
std::string DisagreementAt(std::string_view line, uint32_t max_order, bool* taken) {
  Event fast;
  *taken = ScanEvent(line, max_order, &fast);
  if (!*taken) return "";
  for (bool strict : {false, true}) {
    Result<Json> obj = ParseJsonObject(line, strict);
    if (!obj.ok()) return "scanned, but the general path says " + obj.status().message();
    std::vector<std::string> unknown;
    Event slow;
    Status s = EventFromJson(*obj, {strict, max_order, strict ? nullptr : &unknown}, &slow);
    if (!s.ok()) return "scanned, but the general path says " + s.message();
    if (!unknown.empty()) return "scanned, but the general path finds unknown " + unknown[0];
    if (!(slow == fast)) return "scanned as " + EventToJsonLine(fast) + ", general path reads " +
                                EventToJsonLine(slow);
  }
  return "";
}

// The same for every max_order of kMaxOrders; *taken: taken at any.
std::string Disagreement(std::string_view line, bool* taken) {
  *taken = false;
  for (uint32_t max_order : kMaxOrders) {
    bool t = false;
    std::string d = DisagreementAt(line, max_order, &t);
    if (!d.empty()) return "max_order " + std::to_string(max_order) + ": " + d;
    *taken = *taken || t;
  }
  return "";
}

// Whether the general path accepts `line`, strict, as the canonical form of
// its event: a line the scanner must take.
bool IsCanonicalAndValid(const std::string& line, uint32_t max_order) {
  Result<Json> obj = ParseJsonObject(line, true);
  if (!obj.ok()) return false;
  Event e;
  return EventFromJson(*obj, {true, max_order, nullptr}, &e).ok() && EventToJsonLine(e) == line;
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
  std::array<size_t, kNumOps> taken_by_op{};
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
      Event e;
      if (taken && ScanEvent(line, kMaxMaxOrder, &e)) ++taken_by_op[e.body.index()];
    }
  }
  EXPECT_GT(files, 50u);
  // Most lines are canonical events of ops the scanner takes.
  EXPECT_GT(taken_lines, lines / 2) << taken_lines << " of " << lines;
  // Every op has lines in traces/ that the scanner takes (fail, set and
  // expect included), so the comparison above covers each.
  for (int op = 0; op < kNumOps; ++op)
    EXPECT_GT(taken_by_op[op], 0u) << OpNameByIndex(op);
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
      // One byte away from breaking a cross-field rule: -4 -> -14 is not
      // raised by copy_page, min_order -> order gives both, a deleted "tt"
      // leaves per-object fields without it, and so on.
      R"({"op":"fail","site":"copy_page","after":2,"count":0,"error":-4})",
      R"({"op":"fail","site":"backup_page","error":"ENOSPC"})",
      R"({"op":"fail","site":"backup_half","count":3})",
      R"({"op":"fail","site":"alloc_page","order":9,"min_order":1})",
      R"({"op":"fail","site":"alloc_page","order":3,"mjn_order":1})",
      R"({"op":"fail","site":"dma_map","error":"EFAULT"})",
      R"({"op":"set","swap_pages":1,"pool_limit_pages":2})",
      R"({"op":"set","swap_pages":0})",
      R"({"op":"expect","ret":"ENOMEM","tt":1,"state":"populated","resident":4})",
      R"({"op":"expect","ret":-22})",
      R"({"op":"expect","ret":-9223372036854775808,"live_tts":0})",
      R"({"op":"expect","tt":5,"intact":true,"restore_pending":false})",
      R"({"op":"expect","t":7,"live_tts":0,"violations":0,"pool_pages":3})",
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

// Random canonical lines from the writer, of every op, with random values
// of every field (some breaking a cross-field rule): the scanner takes
// exactly those the general path accepts, and reads them back as written
// (DisagreementAt compares the events themselves).
TEST(EventScan, TakesEveryValidCanonicalLineOfEveryOpAndNoOther) {
  Prng prng(11);
  std::array<int, kNumOps> taken{}, refused{};
  for (int n = 0; n < 40000; ++n) {
    const int op = static_cast<int>(prng.Below(kNumOps));
    const uint32_t max_order = kMaxOrders[prng.Below(std::size(kMaxOrders))];
    Event e;
    e.body = DefaultBody(op);
    if (prng.Below(2)) e.t = static_cast<int64_t>(prng.Next() >> prng.Below(64));
    for (const FieldSpec& f : OpSpecOf(op).fields) {
      if (!f.required && prng.Below(3) != 0) continue;
      FieldValue v = 0;
      switch (f.kind) {
        case FieldKind::kCount: v = f.lo + prng.Below(std::min<uint64_t>(f.hi - f.lo, 1u << 30)); break;
        case FieldKind::kOrder: v = prng.Below(kMaxMaxOrder + 2); break;
        case FieldKind::kCaching: v = prng.Below(3); break;
        case FieldKind::kFlags: v = prng.Below(4); break;
        case FieldKind::kSite: v = prng.Below(kNumFaultSites); break;
        case FieldKind::kState: v = prng.Below(3); break;
        case FieldKind::kError: {
          constexpr Errno kErrors[] = {kEINTR, kENOMEM, kEFAULT, kEBUSY, kEINVAL, kENOSPC};
          v = static_cast<FieldValue>(int64_t{kErrors[prng.Below(std::size(kErrors))]});
          break;
        }
        case FieldKind::kRet: v = prng.Next() >> prng.Below(64); break;
        case FieldKind::kBool: v = prng.Below(2); break;
      }
      f.set(e.body, v);
    }
    const std::string line = EventToJsonLine(e);
    const bool valid = IsCanonicalAndValid(line, max_order);
    Event scanned;
    ASSERT_EQ(ScanEvent(line, max_order, &scanned), valid) << line << " max_order " << max_order;
    bool any = false;
    ASSERT_EQ(DisagreementAt(line, max_order, &any), "") << line;
    if (!valid) {
      ++refused[op];
      continue;
    }
    // The writer leaves defaults out (a fail's error when it is the site's
    // first), so the event read back is compared through its line.
    EXPECT_EQ(EventToJsonLine(scanned), line);
    ++taken[op];
  }
  for (int op = 0; op < kNumOps; ++op) {
    EXPECT_GT(taken[op], 100) << OpNameByIndex(op);
    if (OpSpecOf(op).cross_field_rules) {
      EXPECT_GT(refused[op], 100) << OpNameByIndex(op);
    }
  }
}

// Each op's line with all its fields, then with each field left out: the
// scanner takes the second exactly when the field is optional (a missing
// required field is the general path's error), and a key or op name with
// any one byte changed never.
TEST(EventScan, TakesALineWithoutAFieldExactlyWhenTheFieldIsOptionalAndNoLineWhoseOpNameOrKeyHasAByteChanged) {
  for (int op = 0; op < kNumOps; ++op) {
    const OpSpec& spec = OpSpecOf(op);
    if (spec.cross_field_rules) continue;  // their fields depend on each other
    std::vector<std::string> parts;
    for (const FieldSpec& f : spec.fields) {
      std::string value;
      switch (f.kind) {
        case FieldKind::kCount: value = std::to_string(std::max<uint64_t>(f.lo, 1)); break;
        case FieldKind::kBool: value = "true"; break;
        case FieldKind::kCaching: value = "\"wc\""; break;
        case FieldKind::kFlags: value = "[]"; break;
        default: value = "0"; break;
      }
      parts.push_back("\"" + std::string(f.name) + "\":" + value);
    }
    auto line_without = [&](size_t skip) {
      std::string line = "{\"op\":\"" + std::string(spec.name) + "\"";
      for (size_t i = 0; i < parts.size(); ++i)
        if (i != skip) line += "," + parts[i];
      return line + "}";
    };
    const std::string full = line_without(parts.size());
    Event e;
    ASSERT_TRUE(ScanEvent(full, 10, &e)) << full;
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string line = line_without(i);
      EXPECT_EQ(ScanEvent(line, 10, &e), !spec.fields[i].required) << line;
    }
    // Every byte of every name (the op's and each key's), changed.
    for (size_t at = 0; at < full.size(); ++at) {
      const char c = full[at];
      if (!(c >= 'a' && c <= 'z') && c != '_') continue;
      std::string line = full;
      line[at] = c == 'q' ? 'x' : 'q';
      EXPECT_FALSE(ScanEvent(line, 10, &e)) << line;
    }
  }
}

// Each cross-field rule broken once, on a line that is otherwise canonical
// and valid: the scanner must leave it to the general path, which rejects
// it with its message.
TEST(EventScan, LeavesEveryLineThatBreaksACrossFieldRuleToTheGeneralPath) {
  const struct {
    const char* line;
    const char* message;
  } kCases[] = {
      {R"({"op":"fail","site":"dma_map","error":"ENOMEM"})",
       "fail: site dma_map raises EFAULT, not ENOMEM"},
      {R"({"op":"fail","site":"copy_page","error":-14})",
       "fail: site copy_page raises ENOMEM or EINTR, not EFAULT"},
      {R"({"op":"fail","site":"backup_half","error":"ENOMEM"})",
       "fail: site backup_half raises no error, not ENOMEM"},
      {R"({"op":"fail","site":"alloc_page","error":0})",
       "fail: unknown error \"ok\" (expected EINTR, ENOMEM, EFAULT, EBUSY, EINVAL or ENOSPC)"},
      {R"({"op":"fail","site":"dma_map","order":1})",
       "fail: \"order\" applies only to site alloc_page"},
      {R"({"op":"fail","site":"set_caching","min_order":0})",
       "fail: \"min_order\" applies only to site alloc_page"},
      {R"({"op":"fail","site":"alloc_page","order":1,"min_order":2})",
       "fail: give \"order\" or \"min_order\", not both"},
      {R"({"op":"fail","site":"alloc_page","order":11})",
       "fail: \"order\" is 11, must be in 0..10"},
      {R"({"op":"set"})", "set: needs \"swap_pages\" or \"pool_limit_pages\""},
      {R"({"op":"expect"})", "expect: no assertion"},
      {R"({"op":"expect","tt":1})",
       "expect: \"tt\" needs one of state, resident, backed_up, empty, restore_pending or intact"},
      {R"({"op":"expect","tt":1,"live_tts":1})",
       "expect: \"tt\" needs one of state, resident, backed_up, empty, restore_pending or intact"},
      {R"({"op":"expect","state":"populated"})", "expect: \"state\" needs \"tt\""},
      {R"({"op":"expect","ret":-4,"intact":true})", "expect: \"intact\" needs \"tt\""},
      {R"({"op":"expect","ret":"ok"})",
       "expect: unknown errno \"ok\" (expected EINTR, ENOMEM, EFAULT, EBUSY, EINVAL or ENOSPC)"},
  };
  for (const auto& c : kCases) {
    Event e;
    EXPECT_FALSE(ScanEvent(c.line, 10, &e)) << c.line;
    Result<Json> obj = ParseJsonObject(c.line, true);
    ASSERT_TRUE(obj.ok()) << c.line;
    EXPECT_EQ(EventFromJson(*obj, {true, 10, nullptr}, &e).message(), c.message) << c.line;
  }
}

TEST(EventScan, TakesTheExtremesOfTheRanges) {
  Event e;
  ASSERT_TRUE(ScanEvent(R"({"op":"free","t":-9223372036854775808,"tt":9223372036854775807})", kMaxMaxOrder, &e));
  EXPECT_EQ(e.t, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(std::get<FreeEvent>(e.body).tt, uint64_t{9223372036854775807});
  ASSERT_TRUE(ScanEvent(R"({"op":"free","t":-0,"tt":0})", kMaxMaxOrder, &e));
  EXPECT_EQ(e.t, 0);
  ASSERT_TRUE(ScanEvent(R"({"op":"allocate","tt":1,"pages":2147483647,"caching":"wc","flags":[]})", kMaxMaxOrder, &e));
  EXPECT_EQ(std::get<AllocateEvent>(e.body).pages, kMaxTtPages);
  bool taken = false;
  for (const char* line : {R"({"op":"free","t":-9223372036854775808,"tt":9223372036854775807})",
                           R"({"op":"free","t":-0,"tt":0})"}) {
    EXPECT_EQ(Disagreement(line, &taken), "") << line;
    EXPECT_TRUE(taken);
  }
}

// The numbers the scanner reads a word at a time: every digit count from 1
// to 21 (several words, a word ending inside or just after the number),
// each with leading zeros and signs, in fields of three ranges, with the
// number followed by at least eight bytes and at the line's end. Whatever
// the scanner takes it reads as the general path does and as from_chars
// does; it takes exactly the plain integers of at most 19 digits that the
// general path accepts.
TEST(EventScan, ReadsNumbersOfEveryDigitCountAsTheGeneralPathDoes) {
  const std::string kDigits = "987654321098765432109";
  std::vector<std::string> bodies;
  for (size_t n = 1; n <= kDigits.size(); ++n) {
    bodies.push_back(kDigits.substr(0, n));
    bodies.push_back(kDigits.substr(kDigits.size() - n));  // starts with 9..0
    bodies.push_back(std::string(n, '9'));
    bodies.push_back("1" + std::string(n - 1, '0'));
    bodies.push_back(std::string(n, '0'));
  }
  for (const char* edge : {"2147483647", "2147483648", "9223372036854775807",
                           "9223372036854775808", "18446744073709551615",
                           "18446744073709551616"})
    bodies.push_back(edge);
  struct Field {
    const char* before;
    const char* after;
    bool is_signed;
    uint64_t lo, hi;  // unsigned fields only
  };
  const uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
  const Field fields[] = {
      {R"({"op":"free","t":)", R"(,"tt":1})", true, 0, 0},
      {R"({"op":"free","tt":1,"t":)", "}", true, 0, 0},
      {R"({"op":"free","tt":)", R"(,"t":123})", false, 0, kInt64Max},
      {R"({"op":"free","tt":)", "}", false, 0, kInt64Max},
      {R"({"op":"allocate","tt":1,"pages":)", R"(,"caching":"wc"})", false, 1, kMaxTtPages},
      {R"({"op":"allocate","tt":1,"caching":"wc","pages":)", "}", false, 1, kMaxTtPages},
  };
  int taken_count = 0;
  for (const Field& f : fields) {
    for (const std::string& body : bodies) {
      for (const char* sign : {"", "-", "+", "0", "-0"}) {
        const std::string number = sign + body;
        const std::string line = f.before + number + f.after;
        // What the scanner must take: no sign but '-', no leading zero, at
        // most 19 digits, in the field's range.
        const std::string digits = number[0] == '-' ? number.substr(1) : number;
        const bool plain = digits[0] != '+' && digits[0] != '-' && digits.size() <= 19 &&
                           (digits.size() == 1 || digits[0] != '0');
        bool in_range = false;
        int64_t s = 0;
        uint64_t u = 0;
        const char* end = number.data() + number.size();
        if (f.is_signed) {
          const auto r = std::from_chars(number.data(), end, s);
          in_range = r.ec == std::errc() && r.ptr == end;
        } else {
          const auto r = std::from_chars(number.data(), end, u);
          in_range = r.ec == std::errc() && r.ptr == end && u >= f.lo && u <= f.hi;
        }
        Event e;
        const bool taken = ScanEvent(line, kMaxMaxOrder, &e);
        ASSERT_EQ(taken, plain && in_range) << line;
        bool agreed_taken = false;
        ASSERT_EQ(Disagreement(line, &agreed_taken), "") << line;
        if (!taken) continue;
        ++taken_count;
        if (f.is_signed) {
          ASSERT_EQ(e.t, s) << line;
        } else if (const auto* free = std::get_if<FreeEvent>(&e.body)) {
          ASSERT_EQ(free->tt, u) << line;
        } else {
          ASSERT_EQ(std::get<AllocateEvent>(e.body).pages, u) << line;
        }
      }
    }
  }
  EXPECT_GT(taken_count, 300);
}

// Numbers past a field's range, too long or with a leading zero are left
// to the general path, whose messages (the reader's) stay these.
TEST(EventScan, LeavesNumbersPastTheRangeToTheGeneralPathWithItsMessages) {
  struct Case {
    const char* line;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"op":"free","tt":9223372036854775808})", "free: \"tt\" is 9223372036854775808, must be in 0..9223372036854775807"},
           {R"({"op":"free","tt":12345678901234567890})", "free: \"tt\" is 12345678901234567890, must be in 0..9223372036854775807"},
           {R"({"op":"free","t":9223372036854775808,"tt":1})", "free: \"t\" is 9223372036854775808, must be in -9223372036854775808..9223372036854775807"},
           {R"({"op":"free","t":-9223372036854775809,"tt":1})", "free: \"t\" is -9.223372036854776e+18, must be in -9223372036854775808..9223372036854775807"},
           {R"({"op":"allocate","tt":1,"pages":2147483648,"caching":"wc"})", "allocate: \"pages\" is 2147483648, must be in 1..2147483647"},
           {R"({"op":"allocate","tt":1,"pages":0,"caching":"wc"})", "allocate: \"pages\" is 0, must be in 1..2147483647"},
           {R"({"op":"free","tt":-1})", "free: \"tt\" is -1, must be in 0..9223372036854775807"},
           {R"({"op":"free","tt":01})", "malformed JSON at byte 20"},
       }) {
    Event e;
    EXPECT_FALSE(ScanEvent(c.line, kMaxMaxOrder, &e)) << c.line;
    std::string message;
    Result<Json> obj = ParseJsonObject(c.line, true);
    if (!obj.ok()) {
      message = obj.status().message();
    } else {
      Status s = EventFromJson(*obj, {true, kMaxMaxOrder, nullptr}, &e);
      message = s.ok() ? "accepted" : s.message();
    }
    EXPECT_EQ(message, c.message) << c.line;
  }
}

TEST(EventScan, LeavesOddLinesToTheGeneralPath) {
  Event e;
  for (const char* line : {
           R"({"op":"free","tt":1,"tt":2})",           // duplicate key
           R"({"op":"set","swap_pages":1,"swap_pages":2})",  // duplicate key
           R"({"op":"expect","state":"Populated","tt":1})",  // unknown name
           R"({"op":"fail","site":"alloc_page","error":"ENOMEM ")",  // unterminated
           R"({"op":"fail","site":"alloc_page","error":-12.0})",  // fraction
           R"({"op":"expect","ret":9223372036854775808})",  // 2^63
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
    EXPECT_FALSE(ScanEvent(line, kMaxMaxOrder, &e)) << line;
}

// Keys near the ones the scanner expects next in the canonical order, and
// op names near the vocabulary's (a prefix, an extension, an escape, the
// time, another field, a cut line): each read as the general path reads
// it, or left to it.
TEST(EventScan, ReadsKeysAndOpNamesNearTheExpectedOnesAsTheGeneralPathDoes) {
  struct Case {
    const char* line;
    bool taken;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"op":"allocate","tt":1,"pages":2,"caching":"wc"})", true},
           {R"({"op":"allocate","t":5,"tt":1,"pages":2,"caching":"wc"})", true},
           {R"({"op":"allocate","tt":1,"t":5,"pages":2,"caching":"wc"})", true},
           {R"({"op":"allocate","pages":2,"tt":1,"caching":"wc"})", true},
           {R"({"op":"allocate","caching":"wc","pages":2,"tt":1})", true},
           {R"({"op":"allocate","tt":1,"caching":"wc","pages":2})", true},
           {R"({"op":"allocate","t":5,"t":6,"tt":1,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","tt":1,"tt":1,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","ttt":1,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","t":1,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","t\u0074":1,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","tt"1,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","tt,"pages":2,"caching":"wc"})", false},
           {R"({"op":"allocate","page":2,"tt":1,"caching":"wc"})", false},
           {R"({"op":"allocate","pagess":2,"tt":1,"caching":"wc"})", false},
           {R"({"op":"allocate","tt":1,"pages":2,"caching")", false},
           {R"({"op":"allocate","tt":1,"pages":2,"cach)", false},
           {R"({"op":"allocate","tt":1,")", false},
           {R"({"op":"allocate","tt":1,"pages":2,"caching":"wc","caching":"wc"})", false},
           {R"({"op":"free","tt":3})", true},
           {R"({"op":"free","t":-4,"tt":3})", true},
           {R"({"o\u0070":"free","tt":3})", false},
           {R"({"op""free","tt":3})", false},
           {R"({"op)", false},
           {R"({"opp":"free","tt":3})", false},
           {R"({"o":"free","tt":3})", false},
           {R"({"op":"shrink","tt":3})", true},
           {R"({"op":"pool_shrink","pages":3})", true},
           {R"({"op":"pool_shrink","tt":3})", false},
           {R"({"op":"fre","tt":3})", false},
           {R"({"op":"freee","tt":3})", false},
           {R"({"op":"Free","tt":3})", false},
           {R"({"op":"fr\u0065e","tt":3})", false},
           {R"({"op":"free)", false},
           {R"({"op":"free"})", false},
           {R"({"op":""})", false},
           {R"({"op":)", false},
           {R"({"op"x"free","tt":3})", false},
           {R"({"op":"free","tt"x3})", false},
       }) {
    bool taken = false;
    EXPECT_EQ(Disagreement(c.line, &taken), "") << c.line;
    EXPECT_EQ(taken, c.taken) << c.line;
  }
}

}  // namespace
}  // namespace ttm::trace
