#include "core/trace/vocabulary.h"

#include <array>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/trace/format.h"

namespace ttm::trace {
namespace {

template <class T>
struct Unoptional {
  using type = T;
};
template <class T>
struct Unoptional<std::optional<T>> {
  using type = T;
};

// The setters and getters of the table, from member pointers.
template <class E, auto M>
void Set(EventBody& body, FieldValue v) {
  auto& member = std::get<E>(body).*M;
  using T = typename Unoptional<std::remove_cvref_t<decltype(member)>>::type;
  member = static_cast<T>(static_cast<int64_t>(v));
}

// A required field: always written.
template <class E, auto M>
std::optional<FieldValue> Always(const EventBody& body) {
  return static_cast<FieldValue>(std::get<E>(body).*M);
}

// An optional field: written when given.
template <class E, auto M>
std::optional<FieldValue> IfGiven(const EventBody& body) {
  const auto& member = std::get<E>(body).*M;
  if (!member) return std::nullopt;
  return static_cast<FieldValue>(*member);
}

// A field with a default: written when it differs.
template <class E, auto M, auto kDefault>
std::optional<FieldValue> UnlessDefault(const EventBody& body) {
  const auto& member = std::get<E>(body).*M;
  if (member == kDefault) return std::nullopt;
  return static_cast<FieldValue>(member);
}

template <class E, auto M>
constexpr FieldSpec Tt() {
  return {"tt", FieldKind::kCount, true, 0, kMaxCount, "", Set<E, M>, Always<E, M>};
}
template <class E, auto M>
constexpr FieldSpec Count(std::string_view name) {
  return {name, FieldKind::kCount, false, 0, kMaxCount, "", Set<E, M>, IfGiven<E, M>};
}
template <class E, auto M>
constexpr FieldSpec Flag(std::string_view name) {
  return {name, FieldKind::kBool, false, 0, 0, "(false)", Set<E, M>, UnlessDefault<E, M, false>};
}

constexpr FieldSpec kAllocate[] = {
    Tt<AllocateEvent, &AllocateEvent::tt>(),
    {"pages", FieldKind::kCount, true, 1, kMaxTtPages, "", Set<AllocateEvent, &AllocateEvent::pages>,
     Always<AllocateEvent, &AllocateEvent::pages>},
    {"caching", FieldKind::kCaching, true, 0, 0, "", Set<AllocateEvent, &AllocateEvent::caching>,
     Always<AllocateEvent, &AllocateEvent::caching>},
    {"flags", FieldKind::kFlags, false, 0, 0, "(`[]`)",
     [](EventBody& b, FieldValue v) {
       auto& e = std::get<AllocateEvent>(b);
       e.zero_alloc = (v & kFlagZeroAlloc) != 0;
       e.dma = (v & kFlagDma) != 0;
     },
     [](const EventBody& b) -> std::optional<FieldValue> {
       const auto& e = std::get<AllocateEvent>(b);
       FieldValue v = (e.zero_alloc ? kFlagZeroAlloc : 0) | (e.dma ? kFlagDma : 0);
       if (v == 0) return std::nullopt;
       return v;
     }},
};

constexpr FieldSpec kPopulate[] = {
    Tt<PopulateEvent, &PopulateEvent::tt>(),
    {"interruptible", FieldKind::kBool, false, 0, 0, "(true)",
     Set<PopulateEvent, &PopulateEvent::interruptible>,
     UnlessDefault<PopulateEvent, &PopulateEvent::interruptible, true>},
};

constexpr FieldSpec kWrite[] = {
    Tt<WriteEvent, &WriteEvent::tt>(),
    {"first", FieldKind::kCount, false, 0, kMaxCount, "(0)", Set<WriteEvent, &WriteEvent::first>,
     [](const EventBody& b) -> std::optional<FieldValue> {
       const auto& e = std::get<WriteEvent>(b);
       if (e.first.value_or(0) == 0) return std::nullopt;
       return *e.first;
     }},
    {"count", FieldKind::kCount, false, 0, kMaxCount, "(to the end)",
     Set<WriteEvent, &WriteEvent::count>, IfGiven<WriteEvent, &WriteEvent::count>},
};

constexpr FieldSpec kShrink[] = {
    Tt<ShrinkEvent, &ShrinkEvent::tt>(),
    Flag<ShrinkEvent, &ShrinkEvent::purge>("purge"),
    Flag<ShrinkEvent, &ShrinkEvent::writeback>("writeback"),
};

constexpr FieldSpec kUnpopulate[] = {Tt<UnpopulateEvent, &UnpopulateEvent::tt>()};
constexpr FieldSpec kFree[] = {Tt<FreeEvent, &FreeEvent::tt>()};

constexpr FieldSpec kPoolShrink[] = {
    {"pages", FieldKind::kCount, true, 0, kMaxCount, "", Set<PoolShrinkEvent, &PoolShrinkEvent::pages>,
     Always<PoolShrinkEvent, &PoolShrinkEvent::pages>},
};

std::optional<FieldValue> FailError(const EventBody& b);

constexpr FieldSpec kFail[] = {
    {"site", FieldKind::kSite, true, 0, 0, "", Set<FailEvent, &FailEvent::site>,
     Always<FailEvent, &FailEvent::site>},
    {"after", FieldKind::kCount, false, 0, kMaxCount, "(0)", Set<FailEvent, &FailEvent::after>,
     UnlessDefault<FailEvent, &FailEvent::after, uint64_t{0}>},
    {"count", FieldKind::kCount, false, 0, kMaxCount, "(1)", Set<FailEvent, &FailEvent::count>,
     UnlessDefault<FailEvent, &FailEvent::count, uint64_t{1}>},
    {"error", FieldKind::kError, false, 0, 0, "(the site's default)",
     Set<FailEvent, &FailEvent::error>, FailError},
    {"order", FieldKind::kOrder, false, 0, 0, "", Set<FailEvent, &FailEvent::order>,
     IfGiven<FailEvent, &FailEvent::order>},
    {"min_order", FieldKind::kOrder, false, 0, 0, "", Set<FailEvent, &FailEvent::min_order>,
     IfGiven<FailEvent, &FailEvent::min_order>},
};

constexpr FieldSpec kSet[] = {
    Count<SetEvent, &SetEvent::swap_pages>("swap_pages"),
    Count<SetEvent, &SetEvent::pool_limit_pages>("pool_limit_pages"),
};

template <auto M>
constexpr FieldSpec ExpectCount(std::string_view name) {
  return Count<ExpectEvent, M>(name);
}
template <auto M>
constexpr FieldSpec ExpectBool(std::string_view name) {
  return {name, FieldKind::kBool, false, 0, 0, "", Set<ExpectEvent, M>, IfGiven<ExpectEvent, M>};
}

constexpr FieldSpec kExpect[] = {
    {"ret", FieldKind::kRet, false, 0, 0, "", Set<ExpectEvent, &ExpectEvent::ret>,
     IfGiven<ExpectEvent, &ExpectEvent::ret>},
    ExpectCount<&ExpectEvent::tt>("tt"),
    {"state", FieldKind::kState, false, 0, 0, "", Set<ExpectEvent, &ExpectEvent::state>,
     IfGiven<ExpectEvent, &ExpectEvent::state>},
    ExpectCount<&ExpectEvent::resident>("resident"),
    ExpectCount<&ExpectEvent::backed_up>("backed_up"),
    ExpectCount<&ExpectEvent::empty>("empty"),
    ExpectBool<&ExpectEvent::restore_pending>("restore_pending"),
    ExpectBool<&ExpectEvent::intact>("intact"),
    ExpectCount<&ExpectEvent::system_used_pages>("system_used_pages"),
    ExpectCount<&ExpectEvent::pool_pages>("pool_pages"),
    ExpectCount<&ExpectEvent::backup_pages>("backup_pages"),
    ExpectCount<&ExpectEvent::live_tts>("live_tts"),
    ExpectCount<&ExpectEvent::violations>("violations"),
};

}  // namespace

const std::array<OpSpec, kNumOps> kOps = {{
    {"allocate", kAllocate},
    {"populate", kPopulate},
    {"write", kWrite},
    {"shrink", kShrink},
    {"unpopulate", kUnpopulate},
    {"free", kFree},
    {"pool_shrink", kPoolShrink},
    {"fail", kFail, true},
    {"set", kSet, true},
    {"check", {}},
    {"expect", kExpect, true},
}};

namespace {

// The site's default error is left out, so that a fail reads the same
// whether it names it or not.
std::optional<FieldValue> FailError(const EventBody& b) {
  const auto& e = std::get<FailEvent>(b);
  if (!e.error) return std::nullopt;
  std::span<const Errno> errors = FaultSiteErrors(e.site);
  if (!errors.empty() && *e.error == errors.front()) return std::nullopt;
  return static_cast<FieldValue>(*e.error);
}

constexpr std::string_view kHeader[] = {"format", "version", "config", "meta"};
constexpr std::string_view kConfig[] = {"system_pages",     "dma32_pages",   "swap_pages",
                                        "max_order",        "pool_limit_pages",
                                        "use_dma_alloc",    "use_dma32",     "numa_node"};

}  // namespace

EventBody DefaultBody(int op) {
  EventBody body;
  ResetBody(op, &body);
  return body;
}

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

bool FaultSiteRaises(FaultSite site, Errno error) {
  for (Errno e : FaultSiteErrors(site))
    if (e == error) return true;
  return false;
}

bool SetHasALimit(const SetEvent& e) { return e.swap_pages || e.pool_limit_pages; }

bool ExpectHasPerTtAssertion(const ExpectEvent& e) {
  return e.state || e.resident || e.backed_up || e.empty || e.restore_pending || e.intact;
}

bool ExpectHasGlobalAssertion(const ExpectEvent& e) {
  return e.ret || e.system_used_pages || e.pool_pages || e.backup_pages || e.live_tts ||
         e.violations;
}

bool CrossFieldRulesHold(const EventBody& body) {
  if (const auto* f = std::get_if<FailEvent>(&body)) {
    if (f->error && !FaultSiteRaises(f->site, *f->error)) return false;
    if ((f->order || f->min_order) && f->site != FaultSite::kAllocPage) return false;
    return !(f->order && f->min_order);
  }
  if (const auto* s = std::get_if<SetEvent>(&body)) return SetHasALimit(*s);
  if (const auto* x = std::get_if<ExpectEvent>(&body)) {
    const bool per_tt = ExpectHasPerTtAssertion(*x);
    return per_tt == x->tt.has_value() && (per_tt || ExpectHasGlobalAssertion(*x));
  }
  return true;
}


const FieldSpec* FindField(const OpSpec& op, std::string_view name) {
  for (const FieldSpec& f : op.fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::span<const std::string_view> HeaderFields() { return kHeader; }
std::span<const std::string_view> ConfigFields() { return kConfig; }

}  // namespace ttm::trace
