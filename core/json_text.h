// One JSON text (a trace line, a whole report) parsed with the limits that
// keep hostile input from crashing or fooling the tool.
//
// Why not nlohmann::json::parse alone: its lexer stops at a NUL byte and
// calls the rest of the line "end of input", so `{"op":"check"}\0garbage`
// parses as one object; its parser accepts any nesting depth, and copying,
// comparing or printing a value of 100 000 nested arrays recurses once per
// level and overflows the stack; a number beyond the range of a double
// (1e400) fails with an exception that carries no byte offset; and a key
// given twice silently keeps the last value. This is the one place that
// handles all four, for the trace reader and the report reader alike.
#ifndef TTM_CORE_JSON_TEXT_H_
#define TTM_CORE_JSON_TEXT_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace ttm {

// The deepest nesting of arrays and objects accepted. Traces and reports
// need 3; free-form fields (a trace's `meta`) get room to spare, while
// every recursive walk over a value stays far from the stack's limit.
inline constexpr int kMaxJsonDepth = 100;

struct JsonTextOptions {
  // Reject an object that names the same key twice (otherwise the last
  // value counts, as in most JSON readers).
  bool reject_duplicate_keys = false;
};

// Parses `text` as one JSON value. Errors (one line, byte offsets from 1):
//   "malformed JSON at byte N"
//   "NUL byte at byte N"
//   "nested deeper than 100 levels at byte N"
//   "\"PATH\" is 1e400, out of range (at byte N)"   (a number no double holds)
//   "duplicate key \"PATH\""                         (with reject_duplicate_keys)
// PATH is dotted, with [i] for array elements ("config.max_order",
// "meta.runs[2].seed").
Result<nlohmann::ordered_json> ParseJsonText(std::string_view text,
                                             JsonTextOptions options = {});

}  // namespace ttm

#endif  // TTM_CORE_JSON_TEXT_H_
