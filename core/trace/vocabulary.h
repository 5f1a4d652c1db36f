// The trace format's vocabulary, one table per op: each field's name, kind,
// range, whether it is required, and its default as the docs state it. The
// one definition of the event fields, used by the reader (both the scanner
// of canonical lines and the general JSON path), --strict's check for
// unknown fields, the writer (which fields it writes, in which order, and
// which it leaves out) and the docs test (docs/trace-format.md lists them).
//
// Rules that tie fields together (a fail's error must be one its site can
// raise, an expect needs an assertion, a set needs a limit) are not in the
// table; ops that have any are marked `cross_field_rules`, and the rules
// are stated once below (CrossFieldRulesHold and its pieces). The general
// path (event_json.cc) parses those ops with their own functions, which say
// which rule a line breaks; the scanner checks the rules after the fields.
#ifndef TTM_CORE_TRACE_VOCABULARY_H_
#define TTM_CORE_TRACE_VOCABULARY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include "core/event.h"

namespace ttm::trace {

enum class FieldKind : uint8_t {
  kCount,    // an integer in [lo, hi]
  kOrder,    // an integer in [0, the trace's config.max_order]
  kBool,     // true or false
  kCaching,  // "cached", "wc" or "uncached"
  kFlags,    // a list of "zero_alloc" and "dma"
  kSite,     // a fault site's name
  kError,    // an errno name or number the site may raise
  kRet,      // an integer or an errno name
  kState,    // "unpopulated", "populated" or "backed_up"
};

// A field's value as the table moves it between JSON and the typed event:
// a count, a bool (0/1), an enum's index, the flags as a bit mask (bit 0
// zero_alloc, bit 1 dma), an errno or ret as an int64's bits.
using FieldValue = uint64_t;
inline constexpr FieldValue kFlagZeroAlloc = 1;
inline constexpr FieldValue kFlagDma = 2;

// The allocate flags by name, in the order the writer lists them.
struct FlagName {
  std::string_view name;
  FieldValue bit;
};
inline constexpr FlagName kFlagNames[] = {{"zero_alloc", kFlagZeroAlloc}, {"dma", kFlagDma}};

// The bit of a flag's name, or nullopt for a name the format does not define.
inline std::optional<FieldValue> FlagFromName(std::string_view name) {
  for (const FlagName& f : kFlagNames)
    if (f.name == name) return f.bit;
  return std::nullopt;
}

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required = false;
  uint64_t lo = 0;  // kCount only
  uint64_t hi = 0;  // kCount only
  // As docs/trace-format.md writes it after the name: "(0)", "(true)";
  // empty for a required field or one without a simple default.
  std::string_view default_text;
  // Stores a value that passed the field's checks into the op's event
  // (which starts as the op's default-constructed struct: a field that is
  // absent keeps its default).
  void (*set)(EventBody& body, FieldValue value);
  // The value the canonical form writes, or nothing when the field is
  // absent or equal to its default.
  std::optional<FieldValue> (*get)(const EventBody& body);
};

struct OpSpec {
  std::string_view name;  // OpNameByIndex(index)
  std::span<const FieldSpec> fields;  // in the canonical order, without "op" and "t"
  bool cross_field_rules = false;
};

// Every op, in EventBody's order: the tables (vocabulary.cc), declared here
// so that the scanner's per-line look-ups are inline.
extern const std::array<OpSpec, kNumOps> kOps;
inline std::span<const OpSpec> Ops() { return kOps; }
inline const OpSpec& OpSpecOf(int op) { return kOps[static_cast<size_t>(op)]; }
// The op's field called `name`, or null ("op" and "t" are not in the table).
const FieldSpec* FindField(const OpSpec& op, std::string_view name);

// The body of op `op` (an EventBody index) with every field at its default;
// ResetBody makes *body that in place.
EventBody DefaultBody(int op);
namespace internal {
template <size_t... I>
inline void ResetBodyOf(int op, EventBody* body, std::index_sequence<I...>) {
  using Reset = void (*)(EventBody*);
  static constexpr Reset kReset[] = {[](EventBody* b) { b->emplace<I>(); }...};
  kReset[op](body);
}
}  // namespace internal
inline void ResetBody(int op, EventBody* body) {
  internal::ResetBodyOf(op, body, std::make_index_sequence<std::variant_size_v<EventBody>>());
}

// The errors a fault site may raise, the default first; empty for
// backup_half, which raises none.
std::span<const Errno> FaultSiteErrors(FaultSite site);

// The cross-field rules, on an event whose fields each passed their own
// checks (so a fail's order is already within the trace's max_order):
// fail: an error the site raises (FaultSiteRaises); "order" and
//   "min_order" only at alloc_page, and not both;
// set: at least one limit (SetHasALimit);
// expect: per-object assertions exactly when "tt" is given, and at least
//   one assertion (ExpectHasPerTtAssertion, ExpectHasGlobalAssertion).
// Every other op has none: true.
bool CrossFieldRulesHold(const EventBody& body);
bool FaultSiteRaises(FaultSite site, Errno error);
bool SetHasALimit(const SetEvent& e);
bool ExpectHasPerTtAssertion(const ExpectEvent& e);  // state, resident, ...
bool ExpectHasGlobalAssertion(const ExpectEvent& e);  // ret, pool_pages, ...

// Every event has these besides its own.
inline constexpr std::string_view kOpField = "op";
inline constexpr std::string_view kTimeField = "t";

// The header's fields and its config's, for --strict and the docs.
std::span<const std::string_view> HeaderFields();
std::span<const std::string_view> ConfigFields();

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_VOCABULARY_H_
