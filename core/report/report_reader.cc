#include "core/report/report_reader.h"

#include <initializer_list>
#include <string>
#include <vector>

#include "core/json_text.h"
#include "core/report/report.h"

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

// How a value is shown in a message: short, and one line.
std::string Shown(const Json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "a list";
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

enum class Kind {
  kCount,     // a non-negative integer
  kBool,
  kString,
  kCountOrNull,
  kScalar,    // a value an expectation compared: null, bool, number or string
};

struct Field {
  std::string_view key;
  Kind kind;
  bool required = true;
};

// A counter section's fields: `first` (its derived fields), then each
// counter of its table, a count.
template <typename Section, size_t N>
std::vector<Field> CounterFields(const CounterField<Section> (&fields)[N], std::vector<Field> first = {}) {
  for (const CounterField<Section>& f : fields) first.push_back({f.name, Kind::kCount, f.required});
  return first;
}

// Checks one report; the first error wins. Paths are dotted, with [i] for
// list elements, as diff prints them.
class Checker {
 public:
  Status error;

  bool Ok() const { return error.ok(); }

  void Fail(std::string message) {
    if (error.ok()) error = Status::InvalidInput(std::move(message));
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  void Value(const Json& v, const std::string& path, Kind kind) {
    auto wrong = [&](const char* what) {
      Fail("\"" + path + "\" must be " + what + ", not " + Shown(v));
    };
    switch (kind) {
      case Kind::kCount:
        if (!v.is_number_unsigned()) wrong("a non-negative integer");
        break;
      case Kind::kCountOrNull:
        if (!v.is_number_unsigned() && !v.is_null()) wrong("a non-negative integer or null");
        break;
      case Kind::kBool:
        if (!v.is_boolean()) wrong("true or false");
        break;
      case Kind::kString:
        if (!v.is_string()) wrong("a string");
        break;
      case Kind::kScalar:
        if (v.is_object() || v.is_array()) wrong("null, true, false, a number or a string");
        break;
    }
  }

  // The object at `key` of `parent`; null after an error or when absent and
  // not required.
  const Json* Object(const Json& parent, const std::string& parent_path, std::string_view key,
                     bool required = true) {
    const std::string path = Join(parent_path, key);
    auto it = parent.find(std::string(key));
    if (it == parent.end()) {
      if (required) Fail("missing field \"" + path + "\"");
      return nullptr;
    }
    if (!it->is_object()) {
      Fail("\"" + path + "\" must be an object, not " + Shown(*it));
      return nullptr;
    }
    return &*it;
  }

  // The fields of an object; others are kept unchecked.
  void Fields(const Json& obj, const std::string& path, std::initializer_list<Field> fields) {
    Fields(obj, path, std::vector<Field>(fields));
  }
  void Fields(const Json& obj, const std::string& path, const std::vector<Field>& fields) {
    for (const Field& f : fields) {
      if (!Ok()) return;
      auto it = obj.find(std::string(f.key));
      if (it == obj.end()) {
        if (f.required) Fail("missing field \"" + Join(path, f.key) + "\"");
        continue;
      }
      Value(*it, Join(path, f.key), f.kind);
    }
  }

  // An object whose every value is a count (events, results.populate, ...).
  void Counts(const Json& obj, const std::string& path) {
    for (auto it = obj.begin(); it != obj.end() && Ok(); ++it)
      Value(it.value(), Join(path, it.key()), Kind::kCount);
  }

  // A section holding counts and a list of failure records.
  void List(const Json& section, const std::string& section_path, std::string_view key,
            std::initializer_list<Field> fields) {
    const std::string path = Join(section_path, key);
    auto it = section.find(std::string(key));
    if (it == section.end()) return Fail("missing field \"" + path + "\"");
    if (!it->is_array()) return Fail("\"" + path + "\" must be a list, not " + Shown(*it));
    for (size_t i = 0; i < it->size() && Ok(); ++i) {
      const Json& entry = (*it)[i];
      const std::string entry_path = path + "[" + std::to_string(i) + "]";
      if (!entry.is_object()) return Fail("\"" + entry_path + "\" must be an object, not " + Shown(entry));
      Fields(entry, entry_path, fields);
    }
  }
};

void CheckSections(const Json& j, Checker& c) {
  if (const Json* s = c.Object(j, "", "trace"))
    c.Fields(*s, "trace", {{"sha256", Kind::kString}, {"events", Kind::kCount}});
  if (const Json* s = c.Object(j, "", "config"))
    c.Fields(*s, "config",
             {{"system_pages", Kind::kCount},
              {"dma32_pages", Kind::kCount},
              {"swap_pages", Kind::kCount},
              {"max_order", Kind::kCount},
              {"pool_limit_pages", Kind::kCount},
              {"use_dma_alloc", Kind::kBool},
              {"use_dma32", Kind::kBool},
              {"numa_node", Kind::kBool, false}});
  if (const Json* s = c.Object(j, "", "events")) c.Counts(*s, "events");
  if (const Json* s = c.Object(j, "", "results")) {
    for (auto it = s->begin(); it != s->end() && c.Ok(); ++it) {
      if (const Json* r = c.Object(*s, "results", it.key())) c.Counts(*r, "results." + it.key());
    }
  }
  if (const Json* s = c.Object(j, "", "memory"))
    c.Fields(*s, "memory",
             CounterFields(kMemoryCounterFields,
                           {{"freed_pages", Kind::kCount}, {"freed_bytes", Kind::kCount}}));
  if (const Json* s = c.Object(j, "", "restore"))
    c.Fields(*s, "restore", CounterFields(kRestoreCounterFields));
  if (const Json* s = c.Object(j, "", "backup"))
    c.Fields(*s, "backup", CounterFields(kBackupCounterFields));
  if (const Json* s = c.Object(j, "", "pool"))
    c.Fields(*s, "pool", CounterFields(kPoolCounterFields));
  if (const Json* s = c.Object(j, "", "leaks"))
    c.Fields(*s, "leaks",
             {{"ok", Kind::kBool},
              {"live_tts", Kind::kCount},
              {"pages", Kind::kCount},
              {"handles", Kind::kCount},
              {"restore_states", Kind::kCount}});
  if (const Json* s = c.Object(j, "", "integrity"))
    c.Fields(*s, "integrity", CounterFields(kIntegrityCounterFields, {{"ok", Kind::kBool}}));
  if (const Json* s = c.Object(j, "", "violations")) {
    c.Fields(*s, "violations", {{"count", Kind::kCount}});
    if (const Json* by = c.Object(*s, "violations", "by_invariant"))
      c.Counts(*by, "violations.by_invariant");
    if (c.Ok())
      c.List(*s, "violations", "first",
             {{"line", Kind::kCount},
              {"tt", Kind::kCountOrNull},
              {"invariant", Kind::kString},
              {"what", Kind::kString}});
  }
  if (const Json* s = c.Object(j, "", "checks")) {
    c.Fields(*s, "checks", {{"passed", Kind::kCount}, {"failed", Kind::kCount}});
    if (c.Ok())
      c.List(*s, "checks", "failures",
             {{"line", Kind::kCount}, {"invariant", Kind::kString}, {"what", Kind::kString}});
  }
  if (const Json* s = c.Object(j, "", "expectations")) {
    c.Fields(*s, "expectations", {{"passed", Kind::kCount}, {"failed", Kind::kCount}});
    if (c.Ok())
      c.List(*s, "expectations", "failures",
             {{"line", Kind::kCount},
              {"assertion", Kind::kString},
              {"expected", Kind::kScalar},
              {"found", Kind::kScalar}});
  }
  // Version 2 sections: optional, checked when present.
  if (const Json* s = c.Object(j, "", "options", /*required=*/false))
    c.Fields(*s, "options", {{"semantics", Kind::kString}, {"check_every", Kind::kCount}});
  if (const Json* s = c.Object(j, "", "behaviour", /*required=*/false))
    c.Fields(*s, "behaviour", {{"digest", Kind::kString}, {"events", Kind::kCount}});
  // run: ignored by diff, except the build names it prints.
  if (const Json* s = c.Object(j, "", "run", /*required=*/false))
    c.Fields(*s, "run", {{"tool", Kind::kString, false}, {"build", Kind::kString, false}});
}

}  // namespace

Result<Json> ReadReportJson(std::string_view text, std::string_view name) {
  const std::string prefix = std::string(name) + ": ";
  Result<Json> parsed = ParseJsonText(text, {.reject_duplicate_keys = true});
  if (!parsed.ok())
    return Status::InvalidInput(prefix + "not a JSON report: " + parsed.status().message());
  const Json& j = *parsed;
  if (!j.is_object())
    return Status::InvalidInput(prefix + "not a ttm-replay report: not a JSON object");
  auto format = j.find("format");
  if (format == j.end() || !format->is_string() ||
      format->get_ref<const std::string&>() != kReportFormatName)
    return Status::InvalidInput(prefix + "not a ttm-replay report: \"format\" is not \"" +
                                std::string(kReportFormatName) + "\"");
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() ||
      version->get<int64_t>() < kOldestReportVersion ||
      version->get<int64_t>() > kReportVersion ||
      (version->is_number_unsigned() && version->get<uint64_t>() > uint64_t(kReportVersion))) {
    std::string found = version == j.end() ? "missing" : Shown(*version);
    return Status::InvalidInput(prefix + "unsupported report version " + found +
                                " (this build reads " + std::to_string(kOldestReportVersion) +
                                " to " + std::to_string(kReportVersion) + ")");
  }
  Checker c;
  CheckSections(j, c);
  if (!c.Ok()) return Status::InvalidInput(prefix + c.error.message());
  return parsed;
}

}  // namespace ttm
