// The fast path of the trace reader: a scanner for event lines in the
// canonical form (docs/trace-format.md, "Canonical form"), driven by the
// vocabulary's table of each op's fields.
//
// It takes a line only when it can prove the line valid: an object on one
// line with no whitespace, "op" first, then fields of that op each at most
// once, with plain integers (no fraction, exponent or leading zero, at most
// 19 digits) in range, true/false, and names without escapes; then, for
// fail, set and expect, the rules that tie their fields together
// (vocabulary.h, CrossFieldRulesHold). Everything else, including every
// line in error, goes to the general path (nlohmann/json, event_json.h),
// which alone writes error messages. So the reader behaves the same with or
// without the scanner; event_scan_test.cc checks it on every trace in
// traces/ and on mutated lines.
//
// Why a hand-written scanner rather than simdjson's On Demand API: measured
// on the same lines, see third_party/README.md and event_scan_benchmark.cc.
#ifndef TTM_CORE_TRACE_EVENT_SCAN_H_
#define TTM_CORE_TRACE_EVENT_SCAN_H_

#include <cstdint>
#include <string_view>

#include "core/event.h"

namespace ttm::trace {

// Return: true when the scanner takes `line`; *out then holds what
// EventFromJson(ParseJsonObject(line)) gives with ParseOptions::max_order
// `max_order` (the trace's config.max_order, which bounds a fail's order),
// strict or not (out->line is left alone). false: the line is not one the
// scanner takes, and *out is unspecified.
bool ScanEvent(std::string_view line, uint32_t max_order, Event* out);

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_EVENT_SCAN_H_
