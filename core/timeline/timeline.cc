#include "core/timeline/timeline.h"

#include <xxhash.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace ttm {
namespace {

// A line is rendered through a local pointer (kept in a register: a member
// pointer was reloaded after every byte stored) straight into the caller's
// buffer, since this runs for every event of every replay. The state's
// text is copied padded (kStateTexts), reaching at most 64 bytes past the
// object's first key, still well inside kTimelineFixedPart.
constexpr size_t kMaxName = 32;  // op and state names are shorter

template <size_t N>
char* Put(char* p, const char (&s)[N]) {
  std::memcpy(p, s, N - 1);
  return p + N - 1;
}

char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// "00" "01" … "99": two digits at a time.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

// 10^k for k = 0 .. 19.
constexpr std::array<uint64_t, 20> kPowersOf10 = [] {
  std::array<uint64_t, 20> t{};
  t[0] = 1;
  for (size_t k = 1; k < t.size(); ++k) t[k] = t[k - 1] * 10;
  return t;
}();

// The number of decimal digits of v (1 for 0) without a loop: with 2^b <=
// v < 2^(b+1), floor(log10 v) is floor(b log10 2) or one more, and
// b * 1233 / 4096 gives floor(b log10 2) for every b < 64.
unsigned DigitCount(uint64_t v) {
  const unsigned t = (static_cast<unsigned>(std::bit_width(v | 1)) - 1) * 1233 >> 12;
  return t + 1 + (v >= kPowersOf10[t + 1] ? 1 : 0);
}

// The decimal digits of v, as std::to_chars writes them (no sign, no
// leading zero), written from the end four then two at a time; `end` is p
// plus DigitCount(v). T: uint32_t for values that fit (cheaper division),
// else uint64_t. Inlined: a call cost a fifth of a number's rendering.
template <typename T>
[[gnu::always_inline]] inline char* PutDigits(char* end, T v) {
  char* q = end;
  while (v >= 10000) {
    const auto low = static_cast<size_t>(v % 10000);
    v /= 10000;
    q -= 4;
    std::memcpy(q, &kDigitPairs[2 * (low / 100)], 2);
    std::memcpy(q + 2, &kDigitPairs[2 * (low % 100)], 2);
  }
  if (v >= 100) {
    q -= 2;
    std::memcpy(q, &kDigitPairs[2 * static_cast<size_t>(v % 100)], 2);
    v /= 100;
  }
  if (v >= 10)
    std::memcpy(q - 2, &kDigitPairs[2 * static_cast<size_t>(v)], 2);
  else
    q[-1] = static_cast<char>('0' + v);
  return end;
}

// v < 10000, without leading zeros: a compare per digit count and no
// loop (most values of a line have four digits or fewer).
[[gnu::always_inline]] inline char* PutBelow10k(char* p, uint32_t v) {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  if (v < 100) {
    std::memcpy(p, &kDigitPairs[2 * v], 2);
    return p + 2;
  }
  const uint32_t high = v / 100;
  const uint32_t low = v % 100;
  if (v < 1000) {
    *p = static_cast<char>('0' + high);
    std::memcpy(p + 1, &kDigitPairs[2 * low], 2);
    return p + 3;
  }
  std::memcpy(p, &kDigitPairs[2 * high], 2);
  std::memcpy(p + 2, &kDigitPairs[2 * low], 2);
  return p + 4;
}

// Values of 10^8 and more are rare: one out-of-line copy for them.
[[gnu::noinline]] char* PutDigitsLong(char* p, uint64_t v) {
  char* const end = p + DigitCount(v);
  if (v <= UINT32_MAX) return PutDigits<uint32_t>(end, static_cast<uint32_t>(v));
  return PutDigits<uint64_t>(end, v);
}

// Inlined at every use. Below 10^8 a value is its leading part (below
// 10^4, without leading zeros) then its last four digits.
[[gnu::always_inline]] inline char* PutUint(char* p, uint64_t v) {
  if (v < 10000) return PutBelow10k(p, static_cast<uint32_t>(v));
  if (v >= 100000000) return PutDigitsLong(p, v);
  const auto v32 = static_cast<uint32_t>(v);
  const uint32_t last = v32 % 10000;
  p = PutBelow10k(p, v32 / 10000);
  std::memcpy(p, &kDigitPairs[2 * (last / 100)], 2);
  std::memcpy(p + 2, &kDigitPairs[2 * (last % 100)], 2);
  return p + 4;
}

char* PutInt(char* p, int64_t v) {
  if (v >= 0) return PutUint(p, static_cast<uint64_t>(v));
  *p++ = '-';
  return PutUint(p, 0 - static_cast<uint64_t>(v));
}

// Op names are fixed ASCII without quotes or backslashes, so they need no
// escaping. Inlined, and a name of 4 to 16 bytes (every op's) is copied as
// two fixed-size pieces that overlap, reading nothing past the name.
[[gnu::always_inline]] inline char* PutQuoted(char* p, std::string_view s) {
  s = s.substr(0, kMaxName);
  *p++ = '"';
  const size_t n = s.size();
  if (n >= 8 && n <= 16) {
    std::memcpy(p, s.data(), 8);
    std::memcpy(p + n - 8, s.data() + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(p, s.data(), 4);
    std::memcpy(p + n - 4, s.data() + n - 4, 4);
  } else {
    std::memcpy(p, s.data(), n);
  }
  p += n;
  *p++ = '"';
  return p;
}

// `,"state":"<name>","resident":` for each state, built once from the
// state names and padded, so that a line copies it with one fixed-size
// copy (the caller's buffer has room past it) and moves on by its size.
struct StateText {
  static constexpr size_t kRoom = 64;  // > 10 + kMaxName + 13
  char text[kRoom] = {};
  size_t size = 0;
};
// One per value of TtState.
const std::array<StateText, kNumTtStates> kStateTexts = [] {
  std::array<StateText, kNumTtStates> t{};
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string text =
        ",\"state\":\"" + std::string(TtStateName(static_cast<TtState>(i)).substr(0, kMaxName)) + "\",\"resident\":";
    std::memcpy(t[i].text, text.data(), text.size());
    t[i].size = text.size();
  }
  return t;
}();

}  // namespace

char* PutTimelineLine(const TimelineEntry& e, char* p) {
  p = Put(p, "{\"line\":");
  p = PutUint(p, e.line);
  p = Put(p, ",\"op\":");
  p = PutQuoted(p, e.op);
  if (e.tt) {
    p = Put(p, ",\"tt\":");
    p = PutUint(p, *e.tt);
  }
  if (e.ret) {
    p = Put(p, ",\"ret\":");
    p = PutInt(p, *e.ret);
  }
  if (e.object) {
    const StateText& state = kStateTexts[static_cast<size_t>(e.object->state)];
    std::memcpy(p, state.text, StateText::kRoom);
    p += state.size;
    p = PutUint(p, e.object->resident);
    p = Put(p, ",\"backed_up\":");
    p = PutUint(p, e.object->backed_up);
    p = Put(p, ",\"empty\":");
    p = PutUint(p, e.object->empty);
    p = e.object->restore_pending ? Put(p, ",\"restore_pending\":true") : Put(p, ",\"restore_pending\":false");
  }
  p = Put(p, ",\"system_used_pages\":");
  p = PutUint(p, e.system_used_pages);
  p = Put(p, ",\"pool_pages\":");
  p = PutUint(p, e.pool_pages);
  p = Put(p, ",\"backup_pages\":");
  p = PutUint(p, e.backup_pages);
  p = Put(p, ",\"live_tts\":");
  p = PutUint(p, e.live_tts);
  if (e.violations.empty()) return Put(p, "}\n");
  // Invariant names are fixed ASCII without quotes or backslashes.
  p = Put(p, ",\"violations\":[");
  for (size_t i = 0; i < e.violations.size(); ++i) {
    if (i) *p++ = ',';
    *p++ = '"';
    p = Put(p, e.violations[i]);
    *p++ = '"';
  }
  return Put(p, "]}\n");
}

void AppendTimelineLine(const TimelineEntry& e, std::string* out) {
  const size_t at = out->size();
  out->resize(at + TimelineLineMaxSize(e));
  char* const start = out->data() + at;
  out->resize(at + static_cast<size_t>(PutTimelineLine(e, start) - start));
}

std::string TimelineHeader(std::string_view trace_sha256, std::string_view semantics) {
  std::string out = "{\"format\":\"";
  out += kTimelineFormatName;
  out += "\",\"version\":";
  out += std::to_string(kTimelineVersion);
  out += ",\"trace_sha256\":\"";
  out += trace_sha256;
  out += "\",\"semantics\":\"";
  out += semantics;
  out += "\"}\n";
  return out;
}

// Lines are gathered into `pending` and handed to XXH3 a chunk at a time:
// its streaming state digests the same bytes to the same value however
// they are split, and one update per chunk instead of one per line saves
// most of the update's fixed cost (a line is about 250 bytes).
struct BehaviourDigest::State {
  XXH3_state_t* xxh = XXH3_createState();
  size_t used = 0;  // bytes of `pending` not yet given to xxh
  char pending[BehaviourDigest::kChunk];
  std::string long_line;  // LineSpace() for a line longer than a chunk

  void Flush() {
    XXH3_128bits_update(xxh, pending, used);
    used = 0;
  }
  void CopyFrom(const State& other) {
    XXH3_copyState(xxh, other.xxh);
    used = other.used;
    std::memcpy(pending, other.pending, used);
  }
};

BehaviourDigest::BehaviourDigest() : state_(new State) { XXH3_128bits_reset(state_->xxh); }

BehaviourDigest::BehaviourDigest(const BehaviourDigest& other) : state_(new State), lines_(other.lines_) {
  state_->CopyFrom(*other.state_);
}

BehaviourDigest& BehaviourDigest::operator=(const BehaviourDigest& other) {
  if (this != &other) {
    state_->CopyFrom(*other.state_);
    lines_ = other.lines_;
  }
  return *this;
}

BehaviourDigest::~BehaviourDigest() {
  XXH3_freeState(state_->xxh);
  delete state_;
}

char* BehaviourDigest::LineSpace(size_t max_size) {
  State& s = *state_;
  if (max_size > kChunk - s.used) {
    if (s.used > 0) s.Flush();
    if (max_size > kChunk) {
      s.long_line.resize(max_size);
      return s.long_line.data();
    }
  }
  return s.pending + s.used;
}

void BehaviourDigest::CommitLine(const char* line, size_t size) {
  ++lines_;
  State& s = *state_;
  if (line == s.pending + s.used) {
    s.used += size;
  } else {
    XXH3_128bits_update(s.xxh, line, size);
  }
}

void BehaviourDigest::AddLine(std::string_view line) {
  ++lines_;
  State& s = *state_;
  if (line.size() > kChunk - s.used) {
    if (s.used > 0) s.Flush();
    if (line.size() >= kChunk) {
      XXH3_128bits_update(s.xxh, line.data(), line.size());
      return;
    }
  }
  std::memcpy(s.pending + s.used, line.data(), line.size());
  s.used += line.size();
}

// The bytes still pending are hashed on a copy of the state, so that the
// digest can be read (by explore, between events) and the lines go on.
std::string BehaviourDigest::Hex() const {
  XXH3_state_t* xxh = XXH3_createState();
  XXH3_copyState(xxh, state_->xxh);
  XXH3_128bits_update(xxh, state_->pending, state_->used);
  const XXH128_hash_t h = XXH3_128bits_digest(xxh);
  XXH3_freeState(xxh);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return std::string(buf, 32);
}

}  // namespace ttm
