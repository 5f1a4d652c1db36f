#include "core/trace/event_scan.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

#include "core/trace/vocabulary.h"

namespace ttm::trace {
namespace {

// Whether the n bytes at a and b are equal, a word at a time: inline,
// without memcmp's call (a tenth of the scanner's time once). Loads stay
// within the n bytes (the last word overlaps the one before it), so
// neither side needs room past them.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  auto load8 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  auto load4 = [](const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (load8(a + i) != load8(b + i)) return false;
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// A cursor over the line. Every reader returns false for anything it does
// not take; the caller then gives up on the line.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool AtEnd() const { return p_ == end_; }
  // The byte i places ahead, or 0 past the end.
  unsigned char Ahead(size_t i) const {
    return static_cast<size_t>(end_ - p_) > i ? static_cast<unsigned char>(p_[i]) : 0;
  }
  bool Peek(char c) const { return p_ != end_ && *p_ == c; }
  bool Take(char c) {
    if (!Peek(c)) return false;
    ++p_;
    return true;
  }

  // A string without escapes or control characters, its quotes included;
  // the bytes between them in *out. Names of the vocabulary need no more.
  bool String(std::string_view* out) {
    if (!Take('"')) return false;
    const char* start = p_;
    while (p_ != end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      ++p_;
    }
    return false;
  }

  // A non-negative JSON integer of at most 19 digits (so that it fits a
  // uint64 whatever its digits), not followed by a fraction or an exponent.
  bool Unsigned(uint64_t* out) {
    const char* start = p_;
    uint64_t v = 0;
    while (p_ != end_ && static_cast<unsigned>(*p_ - '0') < 10) {
      v = v * 10 + static_cast<unsigned>(*p_ - '0');
      ++p_;
    }
    const size_t digits = static_cast<size_t>(p_ - start);
    if (digits == 0 || digits > 19 || (digits > 1 && *start == '0')) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    *out = v;
    return true;
  }

  // Any int64, as the general path reads it.
  bool Signed(int64_t* out) {
    const bool negative = Take('-');
    uint64_t v = 0;
    if (!Unsigned(&v)) return false;
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (v > kMax + (negative ? 1 : 0)) return false;
    *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    return true;
  }

  // The string `name` in quotes, for a name without quotes, backslashes or
  // control characters: exactly what String() would take and find equal to
  // `name`, without a scan for the closing quote. `then`: the byte that
  // must follow (taken too), or 0 for none.
  bool Quoted(std::string_view name, char then = 0) {
    const size_t n = name.size();
    const size_t len = n + 2 + (then ? 1 : 0);
    if (static_cast<size_t>(end_ - p_) < len || p_[0] != '"' || p_[n + 1] != '"' ||
        (then && p_[n + 2] != then) || !SameBytes(p_ + 1, name.data(), n))
      return false;
    p_ += len;
    return true;
  }
  // The key `name` and its colon, as String() then Take(':') take it.
  bool Key(std::string_view name) { return Quoted(name, ':'); }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0)
      return false;
    p_ += word.size();
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

// One value of a field, checked as the general path checks it on its own;
// what ties it to other fields is checked after the line (vocabulary.h).
bool Value(Cursor& c, const FieldSpec& spec, uint32_t max_order, FieldValue* out) {
  switch (spec.kind) {
    case FieldKind::kCount: {
      uint64_t v = 0;
      if (!c.Unsigned(&v) || v < spec.lo || v > spec.hi) return false;
      *out = v;
      return true;
    }
    case FieldKind::kBool:
      if (c.Literal("true")) {
        *out = 1;
        return true;
      }
      *out = 0;
      return c.Literal("false");
    case FieldKind::kCaching: {
      std::string_view name;
      if (!c.String(&name)) return false;
      std::optional<Caching> caching = CachingFromName(name);
      if (!caching) return false;
      *out = static_cast<FieldValue>(*caching);
      return true;
    }
    case FieldKind::kFlags: {
      if (!c.Take('[')) return false;
      *out = 0;
      if (c.Take(']')) return true;
      do {
        std::string_view name;
        if (!c.String(&name)) return false;
        const std::optional<FieldValue> bit = FlagFromName(name);
        if (!bit) return false;
        *out |= *bit;
      } while (c.Take(','));
      return c.Take(']');
    }
    case FieldKind::kOrder: {
      uint64_t v = 0;
      if (!c.Unsigned(&v) || v > max_order) return false;
      *out = v;
      return true;
    }
    case FieldKind::kSite: {
      std::string_view name;
      if (!c.String(&name)) return false;
      std::optional<FaultSite> site = FaultSiteFromName(name);
      if (!site) return false;
      *out = static_cast<FieldValue>(*site);
      return true;
    }
    case FieldKind::kState: {
      std::string_view name;
      if (!c.String(&name)) return false;
      std::optional<TtState> state = TtStateFromName(name);
      if (!state) return false;
      *out = static_cast<FieldValue>(*state);
      return true;
    }
    case FieldKind::kError:
    case FieldKind::kRet: {
      // An errno name, or a number: any int64 for a ret, one with an errno
      // name for an error (the general path reads it through its name).
      std::optional<Errno> err;
      if (c.Peek('"')) {
        std::string_view name;
        if (!c.String(&name) || !(err = ErrnoFromName(name))) return false;
        *out = static_cast<FieldValue>(int64_t{*err});
        return true;
      }
      int64_t v = 0;
      if (!c.Signed(&v)) return false;
      if (spec.kind == FieldKind::kError && !(err = ErrnoFromName(ErrnoName(v)))) return false;
      *out = static_cast<FieldValue>(v);
      return true;
    }
  }
  return false;
}

// String equality for the vocabulary's short names, inline: a call to
// memcmp per comparison was a tenth of the scanner's time.
bool Same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

// The index of the op whose quoted name is at the cursor (taken), or -1:
// what String() then a search of the names finds, without the scan. Only
// the ops whose name starts with the name's first byte are tried (one or
// two, not up to eleven), in table order: a name that starts otherwise
// could not match.
int TakeOpName(Cursor& c) {
  const std::span<const OpSpec> ops = Ops();
  static_assert(kNumOps <= 16);
  // Bit i of [b]: op i's name starts with byte b.
  static const std::array<uint16_t, 256> kStartingWith = [&] {
    std::array<uint16_t, 256> t{};
    for (size_t i = 0; i < ops.size(); ++i)
      if (!ops[i].name.empty())
        t[static_cast<unsigned char>(ops[i].name[0])] |= static_cast<uint16_t>(1u << i);
    return t;
  }();
  for (unsigned m = kStartingWith[c.Ahead(1)]; m != 0; m &= m - 1) {
    const int i = std::countr_zero(m);
    if (c.Quoted(ops[static_cast<size_t>(i)].name)) return i;
  }
  return -1;
}

// The index of field `key` in the op's table, or -1. Canonical lines give
// the fields in the table's order, so the search starts after the field
// found last (`from`).
int FieldIndexOf(const OpSpec& spec, std::string_view key, size_t from) {
  const size_t n = spec.fields.size();
  for (size_t i = from; i < n; ++i)
    if (Same(spec.fields[i].name, key)) return static_cast<int>(i);
  for (size_t i = 0; i < from && i < n; ++i)
    if (Same(spec.fields[i].name, key)) return static_cast<int>(i);
  return -1;
}

// Bit i: field i of op `op`'s table is required (a mask made once from
// the tables).
uint32_t RequiredFields(int op) {
  static const std::array<uint32_t, kNumOps> kRequired = [] {
    std::array<uint32_t, kNumOps> t{};
    for (size_t o = 0; o < t.size(); ++o) {
      const OpSpec& spec = OpSpecOf(static_cast<int>(o));
      for (size_t i = 0; i < spec.fields.size(); ++i)
        if (spec.fields[i].required) t[o] |= uint32_t{1} << i;
    }
    return t;
  }();
  return kRequired[static_cast<size_t>(op)];
}

}  // namespace

bool ScanEvent(std::string_view line, uint32_t max_order, Event* out) {
  Cursor c(line);
  if (!c.Take('{') || !c.Key(kOpField)) return false;
  const int op = TakeOpName(c);
  if (op < 0) return false;
  const OpSpec& spec = OpSpecOf(op);
  ResetBody(op, &out->body);
  out->t.reset();

  std::string_view key;
  uint32_t seen = 0;  // bit i: field i of the table; bit 31: "t"
  size_t next = 0;    // where to look for the next field
  constexpr uint32_t kTimeBit = uint32_t{1} << 31;
  while (c.Take(',')) {
    int index;
    if (next < spec.fields.size() && c.Key(spec.fields[next].name)) {
      // The canonical order's next field, where FieldIndexOf would look
      // first (the table has neither "op" nor "t").
      index = static_cast<int>(next);
    } else {
      if (!c.String(&key) || !c.Take(':')) return false;
      if (Same(key, kTimeField)) {
        int64_t t = 0;
        if ((seen & kTimeBit) != 0 || !c.Signed(&t)) return false;
        seen |= kTimeBit;
        out->t = t;
        continue;
      }
      index = FieldIndexOf(spec, key, next);
      if (index < 0) return false;  // unknown: the general path warns or rejects
    }
    const FieldSpec& field = spec.fields[static_cast<size_t>(index)];
    const uint32_t bit = uint32_t{1} << index;
    FieldValue v = 0;
    if ((seen & bit) != 0 || !Value(c, field, max_order, &v)) return false;
    seen |= bit;
    next = static_cast<size_t>(index) + 1;
    field.set(out->body, v);
  }
  if (!c.Take('}') || !c.AtEnd()) return false;
  const uint32_t required = RequiredFields(op);
  if ((seen & required) != required) return false;
  return !spec.cross_field_rules || CrossFieldRulesHold(out->body);
}

}  // namespace ttm::trace
