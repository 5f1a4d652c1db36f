#include "core/timeline/timeline.h"

#include <xxhash.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace ttm {
namespace {

// The fixed part of a line (everything but the violations) is at most
// about 330 characters: 11 integers of at most 20 digits, the longest op
// and state names and the keys. It is rendered into a stack buffer and
// appended to the string once, since this runs for every event of every
// replay (a std::string append per key cost about 6% of a replay).
class LineBuffer {
 public:
  template <size_t N>
  void Literal(const char (&s)[N]) {
    std::memcpy(at_, s, N - 1);
    at_ += N - 1;
  }
  void Text(std::string_view s) {
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  template <typename T>
  void Int(T v) {
    at_ = std::to_chars(at_, end_, v).ptr;
  }
  // Op and state names are fixed ASCII without quotes or backslashes, so
  // they need no escaping; at most kMaxName characters.
  void Quoted(std::string_view s) {
    *at_++ = '"';
    Text(s.substr(0, kMaxName));
    *at_++ = '"';
  }
  std::string_view view() const { return {buf_, static_cast<size_t>(at_ - buf_)}; }

  static constexpr size_t kMaxName = 32;

 private:
  char buf_[512];
  char* at_ = buf_;
  char* const end_ = buf_ + sizeof buf_;
};

}  // namespace

bool HasTimelineLine(const EventBody& body) {
  return std::holds_alternative<AllocateEvent>(body) || std::holds_alternative<PopulateEvent>(body) ||
         std::holds_alternative<WriteEvent>(body) || std::holds_alternative<ShrinkEvent>(body) ||
         std::holds_alternative<UnpopulateEvent>(body) || std::holds_alternative<FreeEvent>(body) ||
         std::holds_alternative<PoolShrinkEvent>(body);
}

void AppendTimelineLine(const TimelineEntry& e, std::string* out) {
  LineBuffer b;
  b.Literal("{\"line\":");
  b.Int(e.line);
  b.Literal(",\"op\":");
  b.Quoted(e.op);
  if (e.tt) {
    b.Literal(",\"tt\":");
    b.Int(*e.tt);
  }
  if (e.ret) {
    b.Literal(",\"ret\":");
    b.Int(*e.ret);
  }
  if (e.object) {
    b.Literal(",\"state\":");
    b.Quoted(TtStateName(e.object->state));
    b.Literal(",\"resident\":");
    b.Int(e.object->resident);
    b.Literal(",\"backed_up\":");
    b.Int(e.object->backed_up);
    b.Literal(",\"empty\":");
    b.Int(e.object->empty);
    if (e.object->restore_pending)
      b.Literal(",\"restore_pending\":true");
    else
      b.Literal(",\"restore_pending\":false");
  }
  b.Literal(",\"system_used_pages\":");
  b.Int(e.system_used_pages);
  b.Literal(",\"pool_pages\":");
  b.Int(e.pool_pages);
  b.Literal(",\"backup_pages\":");
  b.Int(e.backup_pages);
  b.Literal(",\"live_tts\":");
  b.Int(e.live_tts);
  out->append(b.view());
  if (!e.violations.empty()) {
    // Invariant names are fixed ASCII without quotes or backslashes.
    out->append(",\"violations\":[");
    for (size_t i = 0; i < e.violations.size(); ++i) {
      if (i) out->push_back(',');
      out->push_back('"');
      out->append(e.violations[i]);
      out->push_back('"');
    }
    out->push_back(']');
  }
  out->append("}\n");
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
