#include "core/timeline/timeline.h"

#include <xxhash.h>

#include <charconv>
#include <cstdio>

namespace ttm {
namespace {

void AppendKey(std::string* out, std::string_view key) {
  out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

template <typename Int>
void AppendInt(std::string* out, Int v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

template <typename Int>
void AppendField(std::string* out, std::string_view key, Int v) {
  AppendKey(out, key);
  AppendInt(out, v);
}

// Op and invariant names are fixed ASCII without quotes or backslashes, so
// they need no escaping.
void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  out->append(s);
  out->push_back('"');
}

}  // namespace

bool HasTimelineLine(const EventBody& body) {
  return std::holds_alternative<AllocateEvent>(body) || std::holds_alternative<PopulateEvent>(body) ||
         std::holds_alternative<WriteEvent>(body) || std::holds_alternative<ShrinkEvent>(body) ||
         std::holds_alternative<UnpopulateEvent>(body) || std::holds_alternative<FreeEvent>(body) ||
         std::holds_alternative<PoolShrinkEvent>(body);
}

void AppendTimelineLine(const TimelineEntry& e, std::string* out) {
  out->append("{\"line\":");
  AppendInt(out, e.line);
  AppendKey(out, "op");
  AppendString(out, e.op);
  if (e.tt) AppendField(out, "tt", *e.tt);
  if (e.ret) AppendField(out, "ret", *e.ret);
  if (e.object) {
    AppendKey(out, "state");
    AppendString(out, TtStateName(e.object->state));
    AppendField(out, "resident", e.object->resident);
    AppendField(out, "backed_up", e.object->backed_up);
    AppendField(out, "empty", e.object->empty);
    AppendKey(out, "restore_pending");
    out->append(e.object->restore_pending ? "true" : "false");
  }
  AppendField(out, "system_used_pages", e.system_used_pages);
  AppendField(out, "pool_pages", e.pool_pages);
  AppendField(out, "backup_pages", e.backup_pages);
  AppendField(out, "live_tts", e.live_tts);
  if (!e.violations.empty()) {
    AppendKey(out, "violations");
    out->push_back('[');
    for (size_t i = 0; i < e.violations.size(); ++i) {
      if (i) out->push_back(',');
      AppendString(out, e.violations[i]);
    }
    out->push_back(']');
  }
  out->append("}\n");
}

std::string TimelineHeader(std::string_view trace_sha256, std::string_view semantics) {
  std::string out = "{\"format\":\"";
  out += kTimelineFormatName;
  out += "\",\"version\":";
  AppendInt(&out, kTimelineVersion);
  out += ",\"trace_sha256\":\"";
  out += trace_sha256;
  out += "\",\"semantics\":\"";
  out += semantics;
  out += "\"}\n";
  return out;
}

struct BehaviourDigest::State {
  XXH3_state_t* xxh = XXH3_createState();
};

BehaviourDigest::BehaviourDigest() : state_(new State) { XXH3_128bits_reset(state_->xxh); }

BehaviourDigest::~BehaviourDigest() {
  XXH3_freeState(state_->xxh);
  delete state_;
}

void BehaviourDigest::AddLine(std::string_view line) {
  XXH3_128bits_update(state_->xxh, line.data(), line.size());
  ++lines_;
}

std::string BehaviourDigest::Hex() const {
  const XXH128_hash_t h = XXH3_128bits_digest(state_->xxh);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return std::string(buf, 32);
}

}  // namespace ttm
