#include "core/plot/timeline_reader.h"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/trace/event_json.h"

namespace ttm::plot {
namespace {

using trace::Json;

std::string Quoted(std::string_view key) { return "\"" + std::string(key) + "\""; }

std::string TypeName(const Json& v) {
  if (v.is_number_float()) return "a fraction";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_array()) return "a list";
  return "an object";
}

// The seven ops that have a timeline line.
constexpr std::array<std::string_view, 7> kOps = {
    "allocate", "populate", "write", "shrink", "unpopulate", "free", "pool_shrink"};

Result<uint64_t> Unsigned(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::InvalidInput("missing field " + Quoted(key));
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer())
    return Status::InvalidInput(Quoted(key) + " is " + it->dump() + ", must be >= 0");
  return Status::InvalidInput(Quoted(key) + " must be an integer, not " + TypeName(*it));
}

Result<int64_t> Signed(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::InvalidInput("missing field " + Quoted(key));
  if (it->is_number_integer() && !(it->is_number_unsigned() &&
                                   it->get<uint64_t>() > uint64_t{INT64_MAX}))
    return it->get<int64_t>();
  if (it->is_number_integer())
    return Status::InvalidInput(Quoted(key) + " is " + it->dump() + ", out of range");
  return Status::InvalidInput(Quoted(key) + " must be an integer, not " + TypeName(*it));
}

Result<std::string> String(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::InvalidInput("missing field " + Quoted(key));
  if (!it->is_string())
    return Status::InvalidInput(Quoted(key) + " must be a string, not " + TypeName(*it));
  return it->get<std::string>();
}

Result<bool> Bool(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::InvalidInput("missing field " + Quoted(key));
  if (!it->is_boolean())
    return Status::InvalidInput(Quoted(key) + " must be true or false, not " + TypeName(*it));
  return it->get<bool>();
}

// Assigns *out from a Result or returns its error, prefixed.
#define TTM_ASSIGN(out, expr, prefix)                                     \
  do {                                                                    \
    auto r_ = (expr);                                                     \
    if (!r_.ok()) return Status::InvalidInput((prefix) + r_.status().message()); \
    out = std::move(*r_);                                                 \
  } while (0)

Status ObjectFromJson(const Json& obj, const std::string& prefix, TimelineObject* out) {
  std::string state;
  TTM_ASSIGN(state, String(obj, "state"), prefix);
  std::optional<TtState> s = TtStateFromName(state);
  if (!s)
    return Status::InvalidInput(prefix + "\"state\" is \"" + state +
                                "\", must be unpopulated, populated or backed_up");
  out->state = *s;
  TTM_ASSIGN(out->resident, Unsigned(obj, "resident"), prefix);
  TTM_ASSIGN(out->backed_up, Unsigned(obj, "backed_up"), prefix);
  TTM_ASSIGN(out->empty, Unsigned(obj, "empty"), prefix);
  TTM_ASSIGN(out->restore_pending, Bool(obj, "restore_pending"), prefix);
  return Status::Ok();
}

}  // namespace

Status TimelineRecordFromText(std::string_view text, TimelineRecord* out) {
  Result<Json> parsed = trace::ParseJsonObject(text);
  if (!parsed.ok()) return parsed.status();
  const Json& obj = *parsed;
  if (obj.contains("format"))
    return Status::InvalidInput("a second header: only the first line may have \"format\"");
  const std::string none;
  TTM_ASSIGN(out->op, String(obj, "op"), none);
  bool known = false;
  for (std::string_view op : kOps) known |= op == out->op;
  if (!known)
    return Status::InvalidInput("\"op\" is \"" + out->op +
                                "\", must be one of allocate, populate, write, shrink, "
                                "unpopulate, free, pool_shrink");
  const std::string prefix = out->op + ": ";
  TTM_ASSIGN(out->line, Unsigned(obj, "line"), prefix);
  if (out->line == 0) return Status::InvalidInput(prefix + "\"line\" is 0, must be >= 1");
  const bool pool_shrink = out->op == "pool_shrink";
  const bool has_object = !pool_shrink && out->op != "free";
  out->tt.reset();
  if (!pool_shrink) TTM_ASSIGN(out->tt, Unsigned(obj, "tt"), prefix);
  out->ret.reset();
  if (out->op == "populate" || out->op == "shrink") TTM_ASSIGN(out->ret, Signed(obj, "ret"), prefix);
  out->object.reset();
  if (has_object) {
    TimelineObject object;
    Status s = ObjectFromJson(obj, prefix, &object);
    if (!s.ok()) return s;
    out->object = object;
  }
  TTM_ASSIGN(out->system_used_pages, Unsigned(obj, "system_used_pages"), prefix);
  TTM_ASSIGN(out->pool_pages, Unsigned(obj, "pool_pages"), prefix);
  TTM_ASSIGN(out->backup_pages, Unsigned(obj, "backup_pages"), prefix);
  TTM_ASSIGN(out->live_tts, Unsigned(obj, "live_tts"), prefix);
  out->violations.clear();
  if (auto it = obj.find("violations"); it != obj.end()) {
    if (!it->is_array())
      return Status::InvalidInput(prefix + "\"violations\" must be a list, not " +
                                  TypeName(*it));
    for (const Json& v : *it) {
      if (!v.is_string())
        return Status::InvalidInput(prefix + "\"violations\" must hold strings, not " +
                                    TypeName(v));
      out->violations.push_back(v.get<std::string>());
    }
  }
  return Status::Ok();
}

#undef TTM_ASSIGN

TimelineReader::TimelineReader(std::unique_ptr<trace::ByteSource> source, std::string name)
    : name_(std::move(name)), lines_(std::move(source)) {}

Result<std::unique_ptr<TimelineReader>> TimelineReader::FromSource(
    std::unique_ptr<trace::ByteSource> source, std::string name) {
  std::unique_ptr<TimelineReader> reader(new TimelineReader(std::move(source), std::move(name)));
  Status s = reader->ReadHeader();
  if (!s.ok()) return s;
  return reader;
}

Status TimelineReader::Error(uint64_t line, const std::string& message) const {
  return Status::InvalidInput(name_ + ":" + std::to_string(line) + ": " + message);
}

Status TimelineReader::ReadHeader() {
  std::string_view text;
  Result<bool> got = lines_.Next(&text);
  if (!got.ok()) return Error(lines_.line_number(), got.status().message());
  if (!*got) return Error(lines_.line_number() + 1, "empty timeline: no header");
  const uint64_t line = lines_.line_number();
  Result<Json> obj = trace::ParseJsonObject(text);
  if (!obj.ok()) return Error(line, obj.status().message());
  auto format = obj->find("format");
  if (format == obj->end() || !format->is_string() ||
      format->get<std::string>() != kTimelineFormat) {
    std::string what = format == obj->end() ? "it has no \"format\""
                                            : "\"format\" is " + format->dump();
    return Error(line, "not a timeline: " + what + ", a timeline starts with {\"format\":\"" +
                           std::string(kTimelineFormat) +
                           "\",...} (write one with replay --timeline)");
  }
  auto version = obj->find("version");
  if (version == obj->end() || !version->is_number_integer())
    return Error(line, "missing or non-integer \"version\" in the timeline header");
  if (*version != kTimelineVersion)
    return Error(line, "timeline version " + version->dump() +
                           " is not supported (this build reads version " +
                           std::to_string(kTimelineVersion) + ")");
  header_.version = kTimelineVersion;
  Result<std::string> sha = String(*obj, "trace_sha256");
  if (!sha.ok()) return Error(line, sha.status().message());
  header_.trace_sha256 = std::move(*sha);
  Result<std::string> semantics = String(*obj, "semantics");
  if (!semantics.ok()) return Error(line, semantics.status().message());
  header_.semantics = std::move(*semantics);
  return Status::Ok();
}

Result<bool> TimelineReader::Next(TimelineRecord* out) {
  if (done_) {
    if (done_->ok()) return false;
    return *done_;
  }
  std::string_view text;
  Result<bool> got = lines_.Next(&text);
  Status s;
  if (!got.ok()) {
    s = Error(lines_.line_number(), got.status().message());
  } else if (!*got) {
    done_ = Status::Ok();
    return false;
  } else {
    s = TimelineRecordFromText(text, out);
    if (s.ok() && out->line <= last_trace_line_)
      s = Status::InvalidInput(out->op + ": trace line " + std::to_string(out->line) +
                               " does not come after trace line " +
                               std::to_string(last_trace_line_));
    if (!s.ok()) s = Error(lines_.line_number(), s.message());
  }
  if (!s.ok()) {
    done_ = s;
    return s;
  }
  last_trace_line_ = out->line;
  ++records_;
  return true;
}

}  // namespace ttm::plot
