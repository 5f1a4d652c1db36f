// The JSON side of one trace line: a header or an event object to and from
// its typed form, with every field checked against docs/trace-format.md.
//
// These functions see one line at a time and know nothing about which ids
// are live; TraceReader adds that, and the "FILE:LINE: " prefix.
#ifndef TTM_CORE_TRACE_EVENT_JSON_H_
#define TTM_CORE_TRACE_EVENT_JSON_H_

#include <cstdint>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/status.h"
#include "core/trace/vocabulary.h"

namespace ttm::trace {

using Json = nlohmann::ordered_json;

// The first object of a trace.
struct TraceHeader {
  int version = 1;  // as read; a writer always writes the current version
  Config config;
  Json meta;  // free-form; null when absent
};

struct ParseOptions {
  bool strict = false;     // reject fields this version does not define
  uint32_t max_order = 10;  // of the trace's config: bounds a fail's order
  // Without `strict`: when set, receives the name of every field the format
  // does not define ("cuont", "config.sytem_pages"), in the object's order.
  std::vector<std::string>* unknown = nullptr;
};

// Parses one line's text as a JSON object, with the limits of
// core/json_text.h (no NUL byte, nesting of at most kMaxJsonDepth, numbers
// a double holds). `strict` also rejects a key given twice in one object.
// Errors: those of ParseJsonText, or "not a JSON object".
Result<Json> ParseJsonObject(std::string_view text, bool strict = false);

// Checks and converts a header object. Error messages name the field
// ("\"config.max_order\" is 21, must be in 0..20") and carry no op prefix.
// Without strict, `unknown` (when set) receives the fields the format does
// not define, as in ParseOptions.
Result<TraceHeader> HeaderFromJson(const Json& obj, bool strict,
                                   std::vector<std::string>* unknown = nullptr);

// Checks and converts an event object; out->line is left alone. Error
// messages start with "OP: " once the op is known.
Status EventFromJson(const Json& obj, const ParseOptions& options, Event* out);

// The canonical form: keys in the format's order, optional fields omitted
// when absent or equal to their defaults, no spaces, no trailing newline.
Json HeaderToJson(const TraceHeader& header);
Json EventToJson(const Event& event);
std::string EventToJsonLine(const Event& event);

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_EVENT_JSON_H_
