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
    std::string range = std::to_string(lo) + ".." + std::to_string(hi);
    if (v.is_number_unsigned()) {
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(hi) || (lo > 0 && u < static_cast<uint64_t>(lo)))
        return OutOfRange(key, v, range);
      *out = static_cast<int64_t>(u);
    } else if (v.is_number_integer()) {
      int64_t i = v.get<int64_t>();
      if (i < lo || i > hi) return OutOfRange(key, v, range);
      *out = i;
    } else if (v.is_number_float()) {
      // Integers too large for 64 bits arrive as floating point; say
      // "out of range" for them rather than "not an integer".
      double d = v.get<double>();
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) >= 9.2e18)
        return OutOfRange(key, v, range);
      return Status::InvalidInput(Name(key) + " must be an integer, not " + Shown(v));
    } else {
      return Status::InvalidInput(Name(key) + " must be an integer, not " + TypeName(v));
    }
    return Status::Ok();
  }

  Status OutOfRange(std::string_view key, const Json& v, const std::string& range) const {
    return Status::InvalidInput(Name(key) + " is " + Shown(v) + ", must be in " + range);
  }

  Status Uint(std::string_view key, uint64_t lo, uint64_t hi, uint64_t* out) const {
    int64_t i = 0;
    Status s = Int(key, static_cast<int64_t>(lo), static_cast<int64_t>(hi), &i);
    if (s.ok()) *out = static_cast<uint64_t>(i);
    return s;
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
  Status Unknown(std::initializer_list<std::string_view> known, bool strict,
                 std::vector<std::string>* unknown) const {
    if (!strict && unknown == nullptr) return Status::Ok();
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      bool found = false;
      for (std::string_view k : known) found = found || k == it.key();
      if (found) continue;
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

Status ParseAllocate(const Fields& f, AllocateEvent* e) {
  Status s = f.Uint("tt", 0, kMaxCount, &e->tt);
  if (s.ok()) s = f.Uint("pages", 1, kMaxTtPages, &e->pages);
  const std::string* caching = nullptr;
  if (s.ok()) s = f.String("caching", &caching);
  if (!s.ok()) return s;
  std::optional<Caching> c = CachingFromName(*caching);
  if (!c) return Unknown("caching", *caching, CachingNames());
  e->caching = *c;
  if (const Json* flags = f.Find("flags")) {
    if (!flags->is_array())
      return Status::InvalidInput("\"flags\" must be a list, not " + TypeName(*flags));
    for (const Json& flag : *flags) {
      if (!flag.is_string())
        return Status::InvalidInput("\"flags\" must hold strings, not " + TypeName(flag));
      const std::string& name = flag.get_ref<const std::string&>();
      if (name == "zero_alloc")
        e->zero_alloc = true;
      else if (name == "dma")
        e->dma = true;
      else
        return Unknown("flag", name, "zero_alloc or dma");
    }
  }
  return Status::Ok();
}

Status ParseFail(const Fields& f, const ParseOptions& options, FailEvent* e) {
  const std::string* site = nullptr;
  Status s = f.String("site", &site);
  if (!s.ok()) return s;
  std::optional<FaultSite> fs = FaultSiteFromName(*site);
  if (!fs) return Unknown("site", *site, SiteNames());
  e->site = *fs;
  s = f.UintOr("after", 0, kMaxCount, &e->after);
  if (s.ok()) s = f.UintOr("count", 0, kMaxCount, &e->count);
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
    bool ok = false;
    for (Errno a : allowed) ok = ok || a == *err;
    if (!ok) {
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
  Status s = f.OptUint("swap_pages", 0, kMaxCount, &e->swap_pages);
  if (s.ok()) s = f.OptUint("pool_limit_pages", 0, kMaxCount, &e->pool_limit_pages);
  if (s.ok() && !e->swap_pages && !e->pool_limit_pages)
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
  Status s = f.OptUint("tt", 0, kMaxCount, &e->tt);
  const std::string* state = nullptr;
  if (s.ok()) s = f.OptString("state", &state);
  if (!s.ok()) return s;
  if (state != nullptr) {
    e->state = TtStateFromName(*state);
    if (!e->state) return Unknown("state", *state, "unpopulated, populated or backed_up");
  }
  s = f.OptUint("resident", 0, kMaxCount, &e->resident);
  if (s.ok()) s = f.OptUint("backed_up", 0, kMaxCount, &e->backed_up);
  if (s.ok()) s = f.OptUint("empty", 0, kMaxCount, &e->empty);
  if (s.ok()) s = f.OptBool("restore_pending", &e->restore_pending);
  if (s.ok()) s = f.OptBool("intact", &e->intact);
  if (s.ok()) s = f.OptUint("system_used_pages", 0, kMaxCount, &e->system_used_pages);
  if (s.ok()) s = f.OptUint("pool_pages", 0, kMaxCount, &e->pool_pages);
  if (s.ok()) s = f.OptUint("backup_pages", 0, kMaxCount, &e->backup_pages);
  if (s.ok()) s = f.OptUint("live_tts", 0, kMaxCount, &e->live_tts);
  if (s.ok()) s = f.OptUint("violations", 0, kMaxCount, &e->violations);
  if (!s.ok()) return s;

  bool per_tt = e->state || e->resident || e->backed_up || e->empty || e->restore_pending ||
                e->intact;
  bool global = e->ret || e->system_used_pages || e->pool_pages || e->backup_pages ||
                e->live_tts || e->violations;
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
  auto u = [&](std::initializer_list<std::string_view> known) {
    return f.Unknown(known, strict, unknown);
  };
  switch (op) {
    case 0: return u({"op", "t", "tt", "pages", "caching", "flags"});
    case 1: return u({"op", "t", "tt", "interruptible"});
    case 2: return u({"op", "t", "tt", "first", "count"});
    case 3: return u({"op", "t", "tt", "purge", "writeback"});
    case 4:
    case 5: return u({"op", "t", "tt"});
    case 6: return u({"op", "t", "pages"});
    case 7: return u({"op", "t", "site", "after", "count", "error", "order", "min_order"});
    case 8: return u({"op", "t", "swap_pages", "pool_limit_pages"});
    case 9: return u({"op", "t"});
    default:
      return u({"op", "t", "ret", "tt", "state", "resident", "backed_up", "empty",
                        "restore_pending", "intact", "system_used_pages", "pool_pages",
                        "backup_pages", "live_tts", "violations"});
  }
}

Status ParseBody(const Fields& f, int op, const ParseOptions& options, EventBody* body) {
  switch (op) {
    case 0: return ParseAllocate(f, &body->emplace<AllocateEvent>());
    case 1: {
      auto& e = body->emplace<PopulateEvent>();
      Status s = f.Uint("tt", 0, kMaxCount, &e.tt);
      if (s.ok()) s = f.Bool("interruptible", &e.interruptible);
      return s;
    }
    case 2: {
      auto& e = body->emplace<WriteEvent>();
      Status s = f.Uint("tt", 0, kMaxCount, &e.tt);
      if (s.ok()) s = f.OptUint("first", 0, kMaxCount, &e.first);
      if (s.ok()) s = f.OptUint("count", 0, kMaxCount, &e.count);
      return s;
    }
    case 3: {
      auto& e = body->emplace<ShrinkEvent>();
      Status s = f.Uint("tt", 0, kMaxCount, &e.tt);
      if (s.ok()) s = f.Bool("purge", &e.purge);
      if (s.ok()) s = f.Bool("writeback", &e.writeback);
      return s;
    }
    case 4: return f.Uint("tt", 0, kMaxCount, &body->emplace<UnpopulateEvent>().tt);
    case 5: return f.Uint("tt", 0, kMaxCount, &body->emplace<FreeEvent>().tt);
    case 6: return f.Uint("pages", 0, kMaxCount, &body->emplace<PoolShrinkEvent>().pages);
    case 7: return ParseFail(f, options, &body->emplace<FailEvent>());
    case 8: return ParseSet(f, &body->emplace<SetEvent>());
    case 9: body->emplace<CheckEvent>(); return Status::Ok();
    default: return ParseExpect(f, &body->emplace<ExpectEvent>());
  }
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

std::span<const Errno> FaultSiteErrors(FaultSite site) {
  static constexpr Errno kNoMem[] = {kENOMEM};
  static constexpr Errno kFault[] = {kEFAULT};
  static constexpr Errno kCopy[] = {kENOMEM, kEINTR};
  static constexpr Errno kBackup[] = {kENOMEM, kENOSPC};
  switch (site) {
    case FaultSite::kDmaMap: return kFault;
    case FaultSite::kBackupPage: return kBackup;
    case FaultSite::kBackupHalf: return {};
    case FaultSite::kCopyPage: return kCopy;
    default: return kNoMem;
  }
}

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
  if (Status s = f.Unknown({"format", "version", "config", "meta"}, strict, unknown); !s.ok())
    return s;
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
    s = c.Unknown({"system_pages", "dma32_pages", "swap_pages", "max_order", "pool_limit_pages",
                   "use_dma_alloc", "use_dma32", "numa_node"},
                  strict, unknown);
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

struct BodyWriter {
  Json& j;
  void operator()(const AllocateEvent& e) {
    j["tt"] = e.tt;
    j["pages"] = e.pages;
    j["caching"] = CachingName(e.caching);
    if (e.zero_alloc || e.dma) {
      Json flags = Json::array();
      if (e.zero_alloc) flags.push_back("zero_alloc");
      if (e.dma) flags.push_back("dma");
      j["flags"] = std::move(flags);
    }
  }
  void operator()(const PopulateEvent& e) {
    j["tt"] = e.tt;
    if (!e.interruptible) j["interruptible"] = false;
  }
  void operator()(const WriteEvent& e) {
    j["tt"] = e.tt;
    if (e.first.value_or(0) != 0) j["first"] = *e.first;
    if (e.count) j["count"] = *e.count;
  }
  void operator()(const ShrinkEvent& e) {
    j["tt"] = e.tt;
    if (e.purge) j["purge"] = true;
    if (e.writeback) j["writeback"] = true;
  }
  void operator()(const UnpopulateEvent& e) { j["tt"] = e.tt; }
  void operator()(const FreeEvent& e) { j["tt"] = e.tt; }
  void operator()(const PoolShrinkEvent& e) { j["pages"] = e.pages; }
  void operator()(const FailEvent& e) {
    j["site"] = FaultSiteName(e.site);
    if (e.after != 0) j["after"] = e.after;
    if (e.count != 1) j["count"] = e.count;
    std::span<const Errno> errors = FaultSiteErrors(e.site);
    if (e.error && (errors.empty() || *e.error != errors.front()))
      j["error"] = ErrnoName(*e.error);
    if (e.order) j["order"] = *e.order;
    if (e.min_order) j["min_order"] = *e.min_order;
  }
  void operator()(const SetEvent& e) {
    if (e.swap_pages) j["swap_pages"] = *e.swap_pages;
    if (e.pool_limit_pages) j["pool_limit_pages"] = *e.pool_limit_pages;
  }
  void operator()(const CheckEvent&) {}
  void operator()(const ExpectEvent& e) {
    if (e.ret) {
      if (HasErrnoName(*e.ret))
        j["ret"] = ErrnoName(*e.ret);
      else
        j["ret"] = *e.ret;
    }
    if (e.tt) j["tt"] = *e.tt;
    if (e.state) j["state"] = TtStateName(*e.state);
    if (e.resident) j["resident"] = *e.resident;
    if (e.backed_up) j["backed_up"] = *e.backed_up;
    if (e.empty) j["empty"] = *e.empty;
    if (e.restore_pending) j["restore_pending"] = *e.restore_pending;
    if (e.intact) j["intact"] = *e.intact;
    if (e.system_used_pages) j["system_used_pages"] = *e.system_used_pages;
    if (e.pool_pages) j["pool_pages"] = *e.pool_pages;
    if (e.backup_pages) j["backup_pages"] = *e.backup_pages;
    if (e.live_tts) j["live_tts"] = *e.live_tts;
    if (e.violations) j["violations"] = *e.violations;
  }
};

}  // namespace

Json EventToJson(const Event& event) {
  Json j;
  j["op"] = OpName(event.body);
  if (event.t) j["t"] = *event.t;
  std::visit(BodyWriter{j}, event.body);
  return j;
}

std::string EventToJsonLine(const Event& event) { return EventToJson(event).dump(); }

}  // namespace ttm::trace
