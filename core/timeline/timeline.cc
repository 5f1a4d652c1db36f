#include "core/timeline/timeline.h"

#include <xxhash.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace ttm {
namespace {

// The fixed part of a line (everything but the violations) is at most
// about 330 characters: 11 integers of at most 20 digits, the longest op
// and state names and the keys. It is rendered into a stack buffer through
// a local pointer (kept in a register: a member pointer was reloaded after
// every byte stored) and appended to the string once, since this runs for
// every event of every replay.
constexpr size_t kLineBuffer = 512;
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

template <typename T>
unsigned DigitCount(T v) {
  for (unsigned n = 1;; n += 4, v /= 10000) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
  }
}

// The decimal digits of v, as std::to_chars writes them (no sign, no
// leading zero), written from the end two at a time. T: uint32_t for
// values that fit (cheaper division), else uint64_t.
template <typename T>
char* PutDigits(char* p, T v) {
  char* const end = p + DigitCount(v);
  char* q = end;
  while (v >= 100) {
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

char* PutUint(char* p, uint64_t v) {
  if (v <= UINT32_MAX) return PutDigits<uint32_t>(p, static_cast<uint32_t>(v));
  return PutDigits<uint64_t>(p, v);
}

char* PutInt(char* p, int64_t v) {
  if (v >= 0) return PutUint(p, static_cast<uint64_t>(v));
  *p++ = '-';
  return PutUint(p, 0 - static_cast<uint64_t>(v));
}

// Op and state names are fixed ASCII without quotes or backslashes, so
// they need no escaping.
char* PutQuoted(char* p, std::string_view s) {
  *p++ = '"';
  p = Put(p, s.substr(0, kMaxName));
  *p++ = '"';
  return p;
}

}  // namespace

bool HasTimelineLine(const EventBody& body) {
  return std::holds_alternative<AllocateEvent>(body) || std::holds_alternative<PopulateEvent>(body) ||
         std::holds_alternative<WriteEvent>(body) || std::holds_alternative<ShrinkEvent>(body) ||
         std::holds_alternative<UnpopulateEvent>(body) || std::holds_alternative<FreeEvent>(body) ||
         std::holds_alternative<PoolShrinkEvent>(body);
}

void AppendTimelineLine(const TimelineEntry& e, std::string* out) {
  char buf[kLineBuffer];
  char* p = buf;
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
    p = Put(p, ",\"state\":");
    p = PutQuoted(p, TtStateName(e.object->state));
    p = Put(p, ",\"resident\":");
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
  if (e.violations.empty()) {
    p = Put(p, "}\n");
    out->append(buf, static_cast<size_t>(p - buf));
    return;
  }
  out->append(buf, static_cast<size_t>(p - buf));
  // Invariant names are fixed ASCII without quotes or backslashes.
  out->append(",\"violations\":[");
  for (size_t i = 0; i < e.violations.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('"');
    out->append(e.violations[i]);
    out->push_back('"');
  }
  out->append("]}\n");
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
