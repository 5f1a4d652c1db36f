#include "core/report/timeline_diff.h"

#include "core/timeline/timeline.h"

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

std::optional<Json> ParseObject(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::string Dump(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// Keys whose values differ, OLD's order first, then keys only in NEW.
std::vector<std::pair<std::string, FieldValues>> DifferingFields(const Json& a, const Json& b) {
  std::vector<std::pair<std::string, FieldValues>> out;
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto other = b.find(it.key());
    const Json theirs = other == b.end() ? Json(nullptr) : *other;
    if (other == b.end() || *other != it.value()) out.emplace_back(it.key(), FieldValues{it.value(), theirs});
  }
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key())) out.emplace_back(it.key(), FieldValues{Json(nullptr), it.value()});
  return out;
}

Json FieldsJson(const std::vector<std::pair<std::string, FieldValues>>& fields) {
  Json out = Json::object();
  for (const auto& [key, values] : fields) out[key] = Json::array({values.first, values.second});
  return out;
}

std::string ValueText(const Json& v) { return v.is_null() ? "(absent)" : Dump(v); }

}  // namespace

bool IsTimelineHeader(std::string_view first_line) {
  const std::optional<Json> j = ParseObject(first_line);
  if (!j) return false;
  auto format = j->find("format");
  return format != j->end() && format->is_string() && *format == kTimelineFormatName;
}

Status TimelineComparer::Start(std::string_view old_header, std::string_view new_header,
                               std::string_view old_name, std::string_view new_name) {
  diff_ = TimelineDiff{};
  diff_.old_name = old_name;
  diff_.new_name = new_name;
  std::optional<Json> headers[2];
  const std::string_view texts[2] = {old_header, new_header};
  const std::string_view names[2] = {old_name, new_name};
  for (int i = 0; i < 2; ++i) {
    headers[i] = IsTimelineHeader(texts[i]) ? ParseObject(texts[i]) : std::nullopt;
    if (!headers[i]) return Status::InvalidInput(std::string(names[i]) + ": not a ttm-replay timeline");
    auto version = headers[i]->find("version");
    if (version == headers[i]->end() || !version->is_number_integer() || *version != kTimelineVersion)
      return Status::InvalidInput(std::string(names[i]) + ": unsupported timeline version " +
                                  (version == headers[i]->end() ? "missing" : Dump(*version)) +
                                  " (this build reads " + std::to_string(kTimelineVersion) + ")");
  }
  diff_.header = DifferingFields(*headers[0], *headers[1]);
  return Status::Ok();
}

Status TimelineComparer::Add(std::optional<std::string_view> old_line,
                             std::optional<std::string_view> new_line, uint64_t old_line_number,
                             uint64_t new_line_number) {
  diff_.old_events += old_line.has_value();
  diff_.new_events += new_line.has_value();
  if (old_line && new_line && *old_line == *new_line) return Status::Ok();
  ++diff_.differing_events;
  if (diff_.first) return Status::Ok();

  std::optional<Json> lines[2];
  const std::optional<std::string_view> texts[2] = {old_line, new_line};
  const std::string names[2] = {diff_.old_name, diff_.new_name};
  const uint64_t numbers[2] = {old_line_number, new_line_number};
  for (int i = 0; i < 2; ++i) {
    if (!texts[i]) continue;
    lines[i] = ParseObject(*texts[i]);
    if (!lines[i] || !(*lines[i])["line"].is_number_unsigned() || !(*lines[i])["op"].is_string())
      return Status::InvalidInput(names[i] + ":" + std::to_string(numbers[i]) + ": not a timeline event line");
  }
  const Json& named = lines[0] ? *lines[0] : *lines[1];
  TimelineDivergence d;
  d.line = named["line"].get<uint64_t>();
  d.op = named["op"].get<std::string>();
  if (named.contains("tt") && named["tt"].is_number_unsigned()) d.tt = named["tt"].get<uint64_t>();
  d.fields = DifferingFields(lines[0] ? *lines[0] : Json::object(), lines[1] ? *lines[1] : Json::object());
  diff_.first = std::move(d);
  return Status::Ok();
}

std::string RenderTimelineDiffText(const TimelineDiff& diff) {
  std::string out;
  if (!diff.header.empty()) {
    out += "DIFFERENT TIMELINE HEADERS: these timelines are not of the same trace and semantics\n";
    for (const auto& [key, v] : diff.header)
      out += "  " + key + ": " + ValueText(v.first) + " -> " + ValueText(v.second) + "\n";
  }
  out += "old: " + diff.old_name + " (" + std::to_string(diff.old_events) + " events)\n";
  out += "new: " + diff.new_name + " (" + std::to_string(diff.new_events) + " events)\n";
  if (diff.first) {
    const TimelineDivergence& d = *diff.first;
    out += "first divergent event: line " + std::to_string(d.line) + ", " + d.op;
    if (d.tt) out += ", tt " + std::to_string(*d.tt);
    out += "\n";
    for (const auto& [key, v] : d.fields)
      out += "  " + key + ": " + ValueText(v.first) + " -> " + ValueText(v.second) + "\n";
  }
  if (diff.same()) {
    out += "timelines are the same (" + std::to_string(diff.old_events) + " events)\n";
  } else {
    const uint64_t total = std::max(diff.old_events, diff.new_events);
    out += std::to_string(diff.differing_events) + " of " + std::to_string(total) +
           (total == 1 ? " event differs\n" : " events differ\n");
  }
  return out;
}

std::string RenderTimelineDiffJson(const TimelineDiff& diff) {
  Json first = nullptr;
  if (diff.first) {
    const TimelineDivergence& d = *diff.first;
    first = {{"line", d.line}, {"op", d.op}, {"tt", d.tt ? Json(*d.tt) : Json(nullptr)},
             {"fields", FieldsJson(d.fields)}};
  }
  Json j = {{"same", diff.same()},
            {"first_divergence", std::move(first)},
            {"differing_events", diff.differing_events},
            {"events", {{"old", diff.old_events}, {"new", diff.new_events}}},
            {"header", FieldsJson(diff.header)}};
  return Dump(j, 2) + "\n";
}

}  // namespace ttm
