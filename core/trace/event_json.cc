#include "core/trace/event_json.h"

#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

#include "core/json_text.h"
#include "core/trace/format.h"

namespace ttm::trace {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// "a, b or c", for the list of accepted values in an error message.
template <class Names>
std::string OneOf(const Names& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// A JSON value as it may be quoted in an error message, kept short: a
// 1 MiB string must not become a 1 MiB error line.
std::string Shown(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string TypeName(const Json& v) {
  if (v.is_number_float()) return Shown(v);
  const char* n = v.type_name();
  std::string article = (n[0] == 'a' || n[0] == 'o') ? "an " : "a ";
  return article + n;
}

// The fields of one JSON object, read by name. `prefix` is prepended to
// field names in messages ("config." for the header's config).
class Fields {
 public:
  Fields(const Json& obj, std::string prefix = "") : obj_(obj), prefix_(std::move(prefix)) {}

  const Json* Find(std::string_view key) const {
    auto it = obj_.find(std::string(key));
    return it == obj_.end() ? nullptr : &*it;
  }

  std::string Name(std::string_view key) const { return Quote(prefix_ + std::string(key)); }

  Status Missing(std::string_view key) const {
    return Status::InvalidInput("missing field " + Name(key));
  }

  // An integer in [lo, hi]; absent leaves *out alone and sets *present false.
  Status Int(std::string_view key, int64_t lo, int64_t hi, int64_t* out,
             bool* present = nullptr) const {
    const Json* v = Find(key);
    if (present) *present = v != nullptr;
    if (v == nullptr) return present ? Status::Ok() : Missing(key);
    return IntValue(*v, key, lo, hi, out);
  }

  Status IntValue(const Json& v, std::string_view key, int64_t lo, int64_t hi,
                  int64_t* out) const {
    if (v.is_number_unsigned()) {
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(hi) || (lo > 0 && u < static_cast<uint64_t>(lo)))
        return OutOfRange(key, v, lo, hi);
      *out = static_cast<int64_t>(u);
    } else if (v.is_number_integer()) {
      int64_t i = v.get<int64_t>();
      if (i < lo || i > hi) return OutOfRange(key, v, lo, hi);
      *out = i;
    } else if (v.is_number_float()) {
      // Integers too large for 64 bits arrive as floating point; say
      // "out of range" for them rather than "not an integer".
      double d = v.get<double>();
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) >= 9.2e18)
        return OutOfRange(key, v, lo, hi);
      return Status::InvalidInput(Name(key) + " must be an integer, not " + Shown(v));
    } else {
      return Status::InvalidInput(Name(key) + " must be an integer, not " + TypeName(v));
    }
    return Status::Ok();
  }

  // The range is written out only for the message, not for every value
  // that passes.
  Status OutOfRange(std::string_view key, const Json& v, int64_t lo, int64_t hi) const {
    return Status::InvalidInput(Name(key) + " is " + Shown(v) + ", must be in " +
                                std::to_string(lo) + ".." + std::to_string(hi));
  }

  // Leaves *out (the default) alone when the field is absent.
  Status UintOr(std::string_view key, uint64_t lo, uint64_t hi, uint64_t* out) const {
    std::optional<uint64_t> v;
    Status s = OptUint(key, lo, hi, &v);
    if (v) *out = *v;
    return s;
  }
  template <class T>
  Status OptUint(std::string_view key, uint64_t lo, uint64_t hi, std::optional<T>* out) const {
    int64_t i = 0;
    bool present = false;
    Status s = Int(key, static_cast<int64_t>(lo), static_cast<int64_t>(hi), &i, &present);
    if (s.ok() && present) *out = static_cast<T>(i);
    return s;
  }

  Status OptBool(std::string_view key, std::optional<bool>* out) const {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_boolean())
      return Status::InvalidInput(Name(key) + " must be true or false, not " + TypeName(*v));
    *out = v->get<bool>();
    return Status::Ok();
  }
  Status Bool(std::string_view key, bool* out) const {
    std::optional<bool> b;
    Status s = OptBool(key, &b);
    if (b) *out = *b;
    return s;
  }

  // A string field; *out is null when absent.
  Status OptString(std::string_view key, const std::string** out) const {
    *out = nullptr;
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_string())
      return Status::InvalidInput(Name(key) + " must be a string, not " + TypeName(*v));
    *out = v->get_ptr<const std::string*>();
    return Status::Ok();
  }
  Status String(std::string_view key, const std::string** out) const {
    Status s = OptString(key, out);
    if (s.ok() && *out == nullptr) return Missing(key);
    return s;
  }

  // The keys not in `known`, in the object's order: with `strict`, an error
  // for the first; otherwise each is appended to *unknown (when set), with
  // its prefix.
  // `is_known(key)` says whether the format defines the key.
  template <class IsKnown>
  Status Unknown(IsKnown is_known, bool strict, std::vector<std::string>* unknown) const {
    if (!strict && unknown == nullptr) return Status::Ok();
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (is_known(std::string_view(it.key()))) continue;
      if (strict) return Status::InvalidInput("unknown field " + Name(it.key()));
      unknown->push_back(prefix_ + it.key());
    }
    return Status::Ok();
  }

 private:
  const Json& obj_;
  std::string prefix_;
};

Status Unknown(std::string_view what, const std::string& value, std::string expected) {
  return Status::InvalidInput("unknown " + std::string(what) + " " + Shown(Json(value)) +
                              " (expected " + expected + ")");
}

template <size_t N>
std::string Names(const std::array<std::string_view, N>& names) {
  return OneOf(names);
}

std::string CachingNames() {
  return OneOf(std::array<std::string_view, 3>{CachingName(Caching::kCached),
                                                CachingName(Caching::kWriteCombined),
                                                CachingName(Caching::kUncached)});
}

std::string SiteNames() {
  std::array<std::string_view, kNumFaultSites> names;
  for (int i = 0; i < kNumFaultSites; ++i) names[i] = FaultSiteName(static_cast<FaultSite>(i));
  return OneOf(names);
}

std::string OpNames() {
  std::array<std::string_view, kNumOps> names;
  for (int i = 0; i < kNumOps; ++i) names[i] = OpNameByIndex(i);
  return OneOf(names);
}

const std::array<std::string_view, 6> kErrnoNames = {"EINTR", "ENOMEM", "EFAULT", "EBUSY",
                                                     "EINVAL", "ENOSPC"};

// ---- per-op parsing ------------------------------------------------------
// Each returns a message without the op prefix; EventFromJson adds it.

// One field of an op without cross-field rules, checked against its entry
// in the vocabulary and stored into *body. Absent: *body keeps the default.
Status ParseField(const Fields& f, const FieldSpec& spec, EventBody* body) {
  const Json* v = f.Find(spec.name);
  if (v == nullptr) return spec.required ? f.Missing(spec.name) : Status::Ok();
  FieldValue value = 0;
  switch (spec.kind) {
    case FieldKind::kCount: {
      int64_t i = 0;
      Status s = f.IntValue(*v, spec.name, static_cast<int64_t>(spec.lo),
                            static_cast<int64_t>(spec.hi), &i);
      if (!s.ok()) return s;
      value = static_cast<FieldValue>(i);
      break;
    }
    case FieldKind::kBool:
      if (!v->is_boolean())
        return Status::InvalidInput(f.Name(spec.name) + " must be true or false, not " +
                                    TypeName(*v));
      value = v->get<bool>() ? 1 : 0;
      break;
    case FieldKind::kCaching: {
      if (!v->is_string())
        return Status::InvalidInput(f.Name(spec.name) + " must be a string, not " + TypeName(*v));
      const std::string& name = v->get_ref<const std::string&>();
      std::optional<Caching> c = CachingFromName(name);
      if (!c) return Unknown("caching", name, CachingNames());
      value = static_cast<FieldValue>(*c);
      break;
    }
    case FieldKind::kFlags:
      if (!v->is_array())
        return Status::InvalidInput("\"flags\" must be a list, not " + TypeName(*v));
      for (const Json& flag : *v) {
        if (!flag.is_string())
          return Status::InvalidInput("\"flags\" must hold strings, not " + TypeName(flag));
        const std::string& name = flag.get_ref<const std::string&>();
        const std::optional<FieldValue> bit = FlagFromName(name);
        if (!bit) return Unknown("flag", name, "zero_alloc or dma");
        value |= *bit;
      }
      break;
    default:  // the other kinds belong to ops with cross-field rules
      return Status::Usage("field \"" + std::string(spec.name) + "\" has no generic parser");
  }
  spec.set(*body, value);
  return Status::Ok();
}

// An op without cross-field rules: its fields in the table's order, the
// first error stopping it.
Status ParseFields(const Fields& f, int op, EventBody* body) {
  for (const FieldSpec& spec : OpSpecOf(op).fields)
    if (Status s = ParseField(f, spec, body); !s.ok()) return s;
  return Status::Ok();
}

// A count field of an op with cross-field rules, with its table's range.
template <class T>
Status OptCount(const Fields& f, int op, std::string_view name, std::optional<T>* out) {
  const FieldSpec* spec = FindField(OpSpecOf(op), name);
  return f.OptUint(name, spec->lo, spec->hi, out);
}
Status CountOr(const Fields& f, int op, std::string_view name, uint64_t* out) {
  const FieldSpec* spec = FindField(OpSpecOf(op), name);
  return f.UintOr(name, spec->lo, spec->hi, out);
}

template <class E>
constexpr int OpIndex() {
  return static_cast<int>(EventBody(E{}).index());
}
constexpr int kFailOp = OpIndex<FailEvent>();
constexpr int kSetOp = OpIndex<SetEvent>();
constexpr int kExpectOp = OpIndex<ExpectEvent>();

Status ParseFail(const Fields& f, const ParseOptions& options, FailEvent* e) {
  const std::string* site = nullptr;
  Status s = f.String("site", &site);
  if (!s.ok()) return s;
  std::optional<FaultSite> fs = FaultSiteFromName(*site);
  if (!fs) return Unknown("site", *site, SiteNames());
  e->site = *fs;
  s = CountOr(f, kFailOp, "after", &e->after);
  if (s.ok()) s = CountOr(f, kFailOp, "count", &e->count);
  if (!s.ok()) return s;
  // Like a return value, the error may be a name ("EINTR") or a number (-4).
  std::optional<std::string> error;
  if (const Json* value = f.Find("error")) {
    if (value->is_string()) {
      error = value->get_ref<const std::string&>();
    } else if (value->is_number()) {
      int64_t v = 0;
      s = f.IntValue(*value, "error", kInt64Min, kInt64Max, &v);
      if (!s.ok()) return s;
      error = ErrnoName(v);
    } else {
      return Status::InvalidInput("\"error\" must be an errno name or number, not " + TypeName(*value));
    }
  }
  if (error) {
    std::optional<Errno> err = ErrnoFromName(*error);
    if (!err) return Unknown("error", *error, OneOf(kErrnoNames));
    std::span<const Errno> allowed = FaultSiteErrors(e->site);
    if (!FaultSiteRaises(e->site, *err)) {
      if (allowed.empty())
        return Status::InvalidInput("site " + *site + " raises no error, not " + *error);
      std::vector<std::string> names;
      for (Errno a : allowed) names.push_back(ErrnoName(a));
      return Status::InvalidInput("site " + *site + " raises " + OneOf(names) + ", not " +
                                  *error);
    }
    e->error = *err;
  }
  for (std::string_view key : {"order", "min_order"}) {
    if (f.Find(key) != nullptr && e->site != FaultSite::kAllocPage)
      return Status::InvalidInput(f.Name(key) + " applies only to site alloc_page");
  }
  s = f.OptUint("order", 0, options.max_order, &e->order);
  if (s.ok()) s = f.OptUint("min_order", 0, options.max_order, &e->min_order);
  if (s.ok() && e->order && e->min_order)
    return Status::InvalidInput("give \"order\" or \"min_order\", not both");
  return s;
}

Status ParseSet(const Fields& f, SetEvent* e) {
  Status s = OptCount(f, kSetOp, "swap_pages", &e->swap_pages);
  if (s.ok()) s = OptCount(f, kSetOp, "pool_limit_pages", &e->pool_limit_pages);
  if (s.ok() && !SetHasALimit(*e))
    return Status::InvalidInput("needs \"swap_pages\" or \"pool_limit_pages\"");
  return s;
}

Status ParseExpect(const Fields& f, ExpectEvent* e) {
  if (const Json* ret = f.Find("ret")) {
    if (ret->is_string()) {
      const std::string& name = ret->get_ref<const std::string&>();
      std::optional<Errno> err = ErrnoFromName(name);
      if (!err) return Unknown("errno", name, OneOf(kErrnoNames));
      e->ret = *err;
    } else if (ret->is_number()) {
      int64_t v = 0;
      Status s = f.IntValue(*ret, "ret", kInt64Min, kInt64Max, &v);
      if (!s.ok()) return s;
      e->ret = v;
    } else {
      return Status::InvalidInput("\"ret\" must be an integer or an errno name, not " +
                                  TypeName(*ret));
    }
  }
  Status s = OptCount(f, kExpectOp, "tt", &e->tt);
  const std::string* state = nullptr;
  if (s.ok()) s = f.OptString("state", &state);
  if (!s.ok()) return s;
  if (state != nullptr) {
    e->state = TtStateFromName(*state);
    if (!e->state) return Unknown("state", *state, "unpopulated, populated or backed_up");
  }
  s = OptCount(f, kExpectOp, "resident", &e->resident);
  if (s.ok()) s = OptCount(f, kExpectOp, "backed_up", &e->backed_up);
  if (s.ok()) s = OptCount(f, kExpectOp, "empty", &e->empty);
  if (s.ok()) s = f.OptBool("restore_pending", &e->restore_pending);
  if (s.ok()) s = f.OptBool("intact", &e->intact);
  if (s.ok()) s = OptCount(f, kExpectOp, "system_used_pages", &e->system_used_pages);
  if (s.ok()) s = OptCount(f, kExpectOp, "pool_pages", &e->pool_pages);
  if (s.ok()) s = OptCount(f, kExpectOp, "backup_pages", &e->backup_pages);
  if (s.ok()) s = OptCount(f, kExpectOp, "live_tts", &e->live_tts);
  if (s.ok()) s = OptCount(f, kExpectOp, "violations", &e->violations);
  if (!s.ok()) return s;

  const bool per_tt = ExpectHasPerTtAssertion(*e);
  const bool global = ExpectHasGlobalAssertion(*e);
  if (per_tt && !e->tt) {
    for (std::string_view key :
         {"state", "resident", "backed_up", "empty", "restore_pending", "intact"})
      if (f.Find(key) != nullptr) return Status::InvalidInput(f.Name(key) + " needs \"tt\"");
  }
  if (e->tt && !per_tt)
    return Status::InvalidInput(
        "\"tt\" needs one of state, resident, backed_up, empty, restore_pending or intact");
  if (!per_tt && !global) return Status::InvalidInput("no assertion");
  return Status::Ok();
}

// The fields each op defines, "op" and "t" included: an error for the
// first other one with --strict, else each other one reported to `unknown`.
Status CheckKnownFields(const Fields& f, int op, bool strict, std::vector<std::string>* unknown) {
  const OpSpec& spec = OpSpecOf(op);
  return f.Unknown(
      [&spec](std::string_view key) {
        return key == kOpField || key == kTimeField || FindField(spec, key) != nullptr;
      },
      strict, unknown);
}

Status ParseBody(const Fields& f, int op, const ParseOptions& options, EventBody* body) {
  switch (op) {
    case kFailOp: return ParseFail(f, options, &body->emplace<FailEvent>());
    case kSetOp: return ParseSet(f, &body->emplace<SetEvent>());
    case kExpectOp: return ParseExpect(f, &body->emplace<ExpectEvent>());
    default:
      ResetBody(op, body);
      return ParseFields(f, op, body);
  }
}

// A predicate: whether a key is one of `names`.
auto IsOneOf(std::span<const std::string_view> names) {
  return [names](std::string_view key) {
    for (std::string_view n : names)
      if (n == key) return true;
    return false;
  };
}

Status WithPrefix(std::string_view prefix, const Status& s) {
  if (s.ok()) return s;
  return Status::InvalidInput(std::string(prefix) + ": " + s.message());
}

// Whether ret is best written as an errno name.
bool HasErrnoName(int64_t ret) {
  return ret < 0 && ErrnoFromName(ErrnoName(ret)).has_value();
}

}  // namespace

Result<Json> ParseJsonObject(std::string_view text, bool strict) {
  Result<Json> j = ParseJsonText(text, {.reject_duplicate_keys = strict});
  if (!j.ok()) return j;
  if (!j->is_object()) return Status::InvalidInput("not a JSON object");
  return j;
}

Result<TraceHeader> HeaderFromJson(const Json& obj, bool strict,
                                   std::vector<std::string>* unknown) {
  TraceHeader h;
  Fields f(obj);
  const Json* format = f.Find("format");
  if (format == nullptr)
    return Status::InvalidInput("missing field \"format\": a trace starts with a " +
                                std::string(kFormatName) + " header");
  if (!format->is_string() || format->get_ref<const std::string&>() != kFormatName)
    return Status::InvalidInput("format is " + Shown(*format) + ", not \"" +
                                std::string(kFormatName) + "\"");
  const Json* version = f.Find("version");
  if (version == nullptr) return f.Missing("version");
  if (!version->is_number_integer() || version->get<int64_t>() < kOldestSupportedVersion ||
      version->get<int64_t>() > kCurrentVersion ||
      (version->is_number_unsigned() && version->get<uint64_t>() > uint64_t{kCurrentVersion}))
    return Status::InvalidInput("unsupported version " + Shown(*version) +
                                " (this reader supports " +
                                std::to_string(kOldestSupportedVersion) + ".." +
                                std::to_string(kCurrentVersion) + ")");
  h.version = static_cast<int>(version->get<int64_t>());
  if (Status s = f.Unknown(IsOneOf(HeaderFields()), strict, unknown); !s.ok()) return s;
  if (const Json* meta = f.Find("meta")) h.meta = *meta;

  const Json* config = f.Find("config");
  if (config == nullptr) return h;
  if (!config->is_object())
    return Status::InvalidInput("\"config\" must be an object, not " + TypeName(*config));
  Fields c(*config, "config.");
  Config& cfg = h.config;
  Status s = c.UintOr("system_pages", 1, kMaxSystemPages, &cfg.system_pages);
  if (s.ok()) s = c.OptUint("dma32_pages", 0, cfg.system_pages, &cfg.dma32_pages);
  if (s.ok()) s = c.OptUint("swap_pages", 0, kMaxCount, &cfg.swap_pages);
  if (s.ok()) {
    uint64_t max_order = cfg.max_order;
    s = c.UintOr("max_order", 0, kMaxMaxOrder, &max_order);
    cfg.max_order = static_cast<uint32_t>(max_order);
  }
  if (s.ok()) s = c.OptUint("pool_limit_pages", 0, kMaxCount, &cfg.pool_limit_pages);
  if (s.ok()) s = c.Bool("use_dma_alloc", &cfg.use_dma_alloc);
  if (s.ok()) s = c.Bool("use_dma32", &cfg.use_dma32);
  if (s.ok()) s = c.Bool("numa_node", &cfg.numa_node);
  if (s.ok())
    s = c.Unknown(IsOneOf(ConfigFields()), strict, unknown);
  if (!s.ok()) return s;
  return h;
}

Status EventFromJson(const Json& obj, const ParseOptions& options, Event* out) {
  Fields f(obj);
  const std::string* op_name = nullptr;
  Status s = f.String("op", &op_name);
  if (!s.ok()) return s;
  int op = -1;
  for (int i = 0; i < kNumOps; ++i)
    if (OpNameByIndex(i) == *op_name) op = i;
  if (op < 0) return Unknown("op", *op_name, OpNames());

  std::string_view prefix = OpNameByIndex(op);
  s = CheckKnownFields(f, op, options.strict, options.unknown);
  if (!s.ok()) return WithPrefix(prefix, s);
  out->t.reset();
  int64_t t = 0;
  bool has_t = false;
  s = f.Int("t", kInt64Min, kInt64Max, &t, &has_t);
  if (!s.ok()) return WithPrefix(prefix, s);
  if (has_t) out->t = t;
  return WithPrefix(prefix, ParseBody(f, op, options, &out->body));
}

// ---- writing -------------------------------------------------------------

Json HeaderToJson(const TraceHeader& header) {
  Json j;
  j["format"] = kFormatName;
  j["version"] = kCurrentVersion;
  const Config& c = header.config;
  Json cfg;
  cfg["system_pages"] = c.system_pages;
  if (c.dma32_pages) cfg["dma32_pages"] = *c.dma32_pages;
  if (c.swap_pages) cfg["swap_pages"] = *c.swap_pages;
  cfg["max_order"] = c.max_order;
  if (c.pool_limit_pages) cfg["pool_limit_pages"] = *c.pool_limit_pages;
  cfg["use_dma_alloc"] = c.use_dma_alloc;
  cfg["use_dma32"] = c.use_dma32;
  cfg["numa_node"] = c.numa_node;
  j["config"] = std::move(cfg);
  if (!header.meta.is_null()) j["meta"] = header.meta;
  return j;
}

namespace {

// A field's value as the canonical form writes it.
Json FieldJson(const FieldSpec& spec, FieldValue v) {
  switch (spec.kind) {
    case FieldKind::kBool: return v != 0;
    case FieldKind::kCaching: return CachingName(static_cast<Caching>(v));
    case FieldKind::kSite: return FaultSiteName(static_cast<FaultSite>(v));
    case FieldKind::kState: return TtStateName(static_cast<TtState>(v));
    case FieldKind::kError: return ErrnoName(static_cast<int64_t>(v));
    case FieldKind::kRet: {
      const int64_t ret = static_cast<int64_t>(v);
      if (HasErrnoName(ret)) return ErrnoName(ret);
      return ret;
    }
    case FieldKind::kFlags: {
      Json flags = Json::array();
      for (const FlagName& f : kFlagNames)
        if (v & f.bit) flags.push_back(f.name);
      return flags;
    }
    default: return v;  // kCount, kOrder
  }
}

}  // namespace

Json EventToJson(const Event& event) {
  Json j;
  j["op"] = OpName(event.body);
  if (event.t) j["t"] = *event.t;
  for (const FieldSpec& spec : OpSpecOf(static_cast<int>(event.body.index())).fields)
    if (std::optional<FieldValue> v = spec.get(event.body)) j[spec.name] = FieldJson(spec, *v);
  return j;
}

std::string EventToJsonLine(const Event& event) { return EventToJson(event).dump(); }

}  // namespace ttm::trace
