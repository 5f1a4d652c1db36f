#include "core/import/importer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "core/trace/format.h"

namespace ttm::import {
namespace {

// What a recorded kernel function becomes.
enum class CallKind {
  kInit,          // ttm_tt_init: allocate
  kSgInit,        // ttm_sg_tt_init: allocate, with a DMA address array
  kPopulate,      // ttm_tt_populate: populate
  kPoolAlloc,     // ttm_pool_alloc, ttm_tt_restore, ...: inside a populate
  kUnpopulate,    // ttm_tt_unpopulate: unpopulate
  kPoolFree,      // ttm_pool_free: inside an unpopulate
  kBackup,        // ttm_tt_backup: shrink
  kPoolBackup,    // ttm_pool_backup_tt (V13), ttm_pool_backup (merged)
  kFini,          // ttm_tt_fini: free
  kShrinkerScan,  // ttm_pool_shrinker_scan: pool_shrink
};

struct Function {
  std::string_view name;
  CallKind kind;
};

constexpr std::array<Function, 13> kFunctions = {{
    {"ttm_tt_init", CallKind::kInit},
    {"ttm_sg_tt_init", CallKind::kSgInit},
    {"ttm_tt_populate", CallKind::kPopulate},
    {"ttm_pool_alloc", CallKind::kPoolAlloc},
    {"ttm_tt_restore", CallKind::kPoolAlloc},
    {"ttm_pool_restore_and_alloc", CallKind::kPoolAlloc},
    {"ttm_tt_unpopulate", CallKind::kUnpopulate},
    {"ttm_pool_free", CallKind::kPoolFree},
    {"ttm_tt_backup", CallKind::kBackup},
    {"ttm_pool_backup_tt", CallKind::kPoolBackup},
    {"ttm_pool_backup", CallKind::kPoolBackup},
    {"ttm_tt_fini", CallKind::kFini},
    {"ttm_pool_shrinker_scan", CallKind::kShrinkerScan},
}};

// include/drm/ttm/ttm_tt.h page_flags bits, the same in V13 and merged.
constexpr uint64_t kTtFlagZeroAlloc = 1u << 1;
constexpr uint64_t kTtFlagExternal = 1u << 2;

// enum ttm_caching, as the kernel numbers it.
std::optional<Caching> CachingFromKernel(uint64_t v) {
  switch (v) {
    case 0: return Caching::kUncached;
    case 1: return Caching::kWriteCombined;
    case 2: return Caching::kCached;
    default: return std::nullopt;
  }
}

// "6.15.0-rc1-xe" -> {6, 15}; nullopt when it does not start that way.
std::optional<std::pair<int, int>> KernelMajorMinor(std::string_view kernel) {
  int major = 0, minor = 0;
  auto [p1, e1] = std::from_chars(kernel.data(), kernel.data() + kernel.size(), major);
  if (e1 != std::errc() || p1 == kernel.data() + kernel.size() || *p1 != '.') return std::nullopt;
  auto [p2, e2] = std::from_chars(p1 + 1, kernel.data() + kernel.size(), minor);
  if (e2 != std::errc() || p2 == p1 + 1) return std::nullopt;
  return std::make_pair(major, minor);
}

// Checks a value against a Result and returns from the enclosing function
// with its error.
#define TTM_ASSIGN(lhs, expr)                  \
  auto lhs##_result = (expr);                  \
  if (!lhs##_result.ok()) return lhs##_result.status(); \
  auto lhs = *lhs##_result

EventBody ExpectRet(int64_t ret) {
  ExpectEvent e;
  e.ret = ret;
  return e;
}

EventBody Disarm(FaultSite site) {
  FailEvent e;
  e.site = site;
  e.count = 0;
  return e;
}

}  // namespace

std::string SemanticsForKernel(std::string_view backup_symbol, std::string_view kernel) {
  if (backup_symbol == "ttm_pool_backup_tt") return "v13";
  if (backup_symbol == "ttm_pool_backup") return "merged";
  if (std::optional<std::pair<int, int>> v = KernelMajorMinor(kernel);
      v && *v >= std::make_pair(6, 15) && backup_symbol.empty())
    return "merged";
  return "base";
}

Importer::Importer(std::string name, Sinks sinks, ImportOptions options)
    : name_(std::move(name)), sinks_(std::move(sinks)), options_(std::move(options)) {}

Status Importer::Error(uint64_t line, const std::string& message) const {
  return Status::InvalidInput(name_ + ":" + std::to_string(line) + ": " + message);
}

Status Importer::AddLine(std::string_view text, uint64_t line) {
  if (IsRawCommentOrBlank(text)) return Status::Ok();
  Result<RawLine> raw = ParseRawLine(text);
  if (!raw.ok()) return Error(line, raw.status().message());
  if (!format_seen_ && raw->kind != RawLine::Kind::kFormat)
    return Error(line, "not a recording: the first line must read '" +
                           std::string(kRawFormatName) + " " +
                           std::to_string(kRawFormatVersion) + "'");
  switch (raw->kind) {
    case RawLine::Kind::kFormat: return OnFormat(*raw, line);
    case RawLine::Kind::kMachine: return OnMachine(*raw, line);
    case RawLine::Kind::kCall: return OnCall(*raw, line);
  }
  return Status::Ok();
}

Status Importer::OnFormat(const RawLine& raw, uint64_t line) {
  if (format_seen_) return Error(line, "a second format line");
  if (raw.version != kRawFormatVersion)
    return Error(line, std::string(kRawFormatName) + " version " + std::to_string(raw.version) +
                           " is not supported (this build reads version " +
                           std::to_string(kRawFormatVersion) + ")");
  format_seen_ = true;
  return Status::Ok();
}

// Machine facts: the keys the header needs are checked and typed; any
// other key is kept, as text, in meta.machine.
Status Importer::OnMachine(const RawLine& raw, uint64_t line) {
  if (header_written_) return Error(line, "machine: facts after the first call");
  static constexpr std::string_view kNumbers[] = {"total_pages", "dma32_pages", "swap_free_pages",
                                                  "max_order", "page_pool_size", "page_size"};
  static constexpr std::string_view kFlags[] = {"use_dma_alloc", "use_dma32"};
  for (const auto& [key, value] : raw.fields.all()) {
    const std::string k(key);
    if (machine_.contains(k)) return Error(line, "machine: " + k + "= given twice");
    Status s;
    if (std::find(std::begin(kNumbers), std::end(kNumbers), key) != std::end(kNumbers)) {
      Result<uint64_t> v = raw.fields.Uint(key, trace::kMaxCount);
      if (v.ok()) machine_[k] = *v;
      s = v.status();
    } else if (std::find(std::begin(kFlags), std::end(kFlags), key) != std::end(kFlags)) {
      Result<bool> v = raw.fields.Bool(key);
      if (v.ok()) machine_[k] = *v;
      s = v.status();
    } else if (key == "numa_node") {
      Result<int64_t> v = raw.fields.Int(key);
      if (v.ok()) machine_[k] = *v;
      s = v.status();
    } else {
      Result<std::string> v = raw.fields.Text(key);
      if (v.ok()) machine_[k] = *v;
      s = v.status();
    }
    if (!s.ok()) return Error(line, "machine: " + s.message());
  }
  if (machine_.contains("max_order") && machine_["max_order"].get<uint64_t>() > kMaxMaxOrder)
    return Error(line, "machine: max_order=" + machine_["max_order"].dump() + " is above " +
                           std::to_string(kMaxMaxOrder));
  if (machine_.contains("page_size") && machine_["page_size"].get<uint64_t>() != kPageSize)
    return Error(line, "machine: page_size=" + machine_["page_size"].dump() +
                           ": the trace format models " + std::to_string(kPageSize) +
                           "-byte pages only");
  return Status::Ok();
}

Status Importer::WriteHeader(uint64_t line) {
  for (std::string_view key : {"kernel", "total_pages", "swap_free_pages", "max_order"})
    if (!machine_.contains(key))
      return Error(line, "the machine facts lack " + std::string(key) +
                             "= (record with tools/record/ttm-record, which writes them)");
  trace::TraceHeader header;
  Config& c = header.config;
  uint64_t total = machine_["total_pages"].get<uint64_t>();
  c.system_pages = std::clamp<uint64_t>(total, 1, kMaxSystemPages);
  if (machine_.contains("dma32_pages"))
    c.dma32_pages = std::min(machine_["dma32_pages"].get<uint64_t>(), c.system_pages);
  c.swap_pages = machine_["swap_free_pages"].get<uint64_t>();
  c.max_order = static_cast<uint32_t>(machine_["max_order"].get<uint64_t>());
  max_order_ = c.max_order;
  if (machine_.contains("page_pool_size") && machine_["page_pool_size"].get<uint64_t>() > 0)
    c.pool_limit_pages = machine_["page_pool_size"].get<uint64_t>();
  if (machine_.contains("numa_node")) c.numa_node = machine_["numa_node"].get<int64_t>() >= 0;
  if (machine_.contains("use_dma_alloc")) c.use_dma_alloc = machine_["use_dma_alloc"].get<bool>();
  if (machine_.contains("use_dma32")) c.use_dma32 = machine_["use_dma32"].get<bool>();

  const std::string kernel = machine_["kernel"].get<std::string>();
  const std::string symbol =
      machine_.contains("backup_symbol") ? machine_["backup_symbol"].get<std::string>() : "";
  trace::Json meta = trace::Json::object();
  meta["source"] = "recorded";
  meta["recorder"] = std::string(kRawFormatName) + " " + std::to_string(kRawFormatVersion);
  meta["importer"] = options_.importer;
  meta["kernel"] = kernel;
  meta["semantics"] = SemanticsForKernel(symbol == "none" ? "" : symbol, kernel);
  meta["machine"] = machine_;
  if (total != c.system_pages) meta["system_pages_clamped_from"] = total;
  meta["inferred_writes"] = options_.infer_writes;
  header.meta = std::move(meta);
  header_written_ = true;
  return sinks_.header(header);
}

Status Importer::Emit(EventBody body) {
  Event event;
  event.t = t_;
  event.body = std::move(body);
  ++stats_.events;
  return sinks_.event(event);
}

Status Importer::OnCall(const RawLine& raw, uint64_t line) {
  if (!header_written_)
    if (Status s = WriteHeader(line); !s.ok()) return s;
  const Function* fn = nullptr;
  for (const Function& f : kFunctions)
    if (f.name == raw.function) fn = &f;
  if (fn == nullptr)
    return Error(line, "unknown function '" + std::string(raw.function) +
                           "' (docs/recording.md lists the recorded ones)");
  if (t0_ && raw.t < last_t_)
    return Error(line, std::string(raw.function) + ": time goes backwards (" +
                           std::to_string(raw.t) + " after " + std::to_string(last_t_) +
                           "); sort the calls by their first column");
  if (!t0_) t0_ = raw.t;
  last_t_ = raw.t;
  t_ = static_cast<int64_t>(raw.t - *t0_);
  ++stats_.calls;

  Result<uint64_t> depth = raw.fields.Uint("depth");
  Status s = depth.status();
  if (s.ok()) {
    const std::string name(fn->name);
    const bool outer_only = fn->kind == CallKind::kPoolAlloc || fn->kind == CallKind::kPoolFree ||
                            fn->kind == CallKind::kPoolBackup;
    if (*depth > 0) {
      ++stats_.covered[name];
    } else if (outer_only) {
      // A driver that calls the pool directly bypasses the ttm_tt_* state
      // (PRIV_POPULATED and friends) that the trace's ops stand for.
      NotExpressible(name + " called outside a ttm_tt_* call");
    } else {
      switch (fn->kind) {
        case CallKind::kInit: s = OnInit(raw, false); break;
        case CallKind::kSgInit: s = OnInit(raw, true); break;
        case CallKind::kPopulate: s = OnPopulate(raw); break;
        case CallKind::kUnpopulate: s = OnUnpopulate(raw); break;
        case CallKind::kBackup: s = OnBackup(raw); break;
        case CallKind::kFini: s = OnFini(raw); break;
        case CallKind::kShrinkerScan: s = OnShrinkerScan(raw); break;
        default: break;
      }
    }
  }
  if (!s.ok() && s.code() == Status::Code::kInvalidInput && !s.message().starts_with(name_ + ":"))
    return Error(line, std::string(raw.function) + ": " + s.message());
  return s;
}

Result<Importer::Object*> Importer::Find(const RawLine& raw) {
  TTM_ASSIGN(tt, raw.fields.Uint("tt"));
  if (tt == 0) return Status::InvalidInput("tt=0 is not a struct ttm_tt address");
  auto it = live_.find(tt);
  if (it == live_.end()) {
    NotExpressible("call on a tt created before the recording started");
    return static_cast<Object*>(nullptr);
  }
  return &it->second;
}

Status Importer::ArmFault(FailEvent fail, int64_t error, bool* armed) {
  *armed = false;
  std::span<const Errno> allowed = trace::FaultSiteErrors(fail.site);
  bool ok = allowed.empty() ? error == 0 : false;
  for (Errno e : allowed) ok = ok || e == error;
  if (!ok) {
    ++stats_.failures_without_fault[ErrnoName(error)];
    return Status::Ok();
  }
  if (!allowed.empty()) fail.error = static_cast<Errno>(error);
  *armed = true;
  ++stats_.faults_armed;
  return Emit(fail);
}

Status Importer::OnInit(const RawLine& raw, bool sg) {
  TTM_ASSIGN(tt, raw.fields.Uint("tt"));
  TTM_ASSIGN(pages, raw.fields.Uint("pages"));
  TTM_ASSIGN(caching_value, raw.fields.Uint("caching"));
  TTM_ASSIGN(flags, raw.fields.Uint("flags", UINT32_MAX));
  TTM_ASSIGN(ret, raw.fields.Int("ret"));
  if (tt == 0) return Status::InvalidInput("tt=0 is not a struct ttm_tt address");
  std::optional<Caching> caching = CachingFromKernel(caching_value);
  if (!caching)
    return Status::InvalidInput("caching=" + std::to_string(caching_value) +
                                " is not an enum ttm_caching (0 uncached, 1 wc, 2 cached)");
  if (ret != 0) {
    NotExpressible("ttm_tt_init that failed (" + ErrnoName(ret) + ")");
    return Status::Ok();
  }
  if (live_.erase(tt) > 0) NotExpressible("ttm_tt_init of a live tt (its ttm_tt_fini was not recorded)");
  if (pages == 0 || pages > kMaxTtPages) {
    NotExpressible("object of a size the trace format does not allow");
    return Status::Ok();
  }
  Object& o = live_[tt];
  o.id = next_id_++;
  o.pages = pages;
  ++stats_.objects;
  AllocateEvent e;
  e.tt = o.id;
  e.pages = pages;
  e.caching = *caching;
  e.zero_alloc = (flags & kTtFlagZeroAlloc) != 0;
  // ttm_sg_tt_init allocates the DMA address array unless the tt is external.
  e.dma = sg && (flags & kTtFlagExternal) == 0;
  return Emit(e);
}

Status Importer::OnPopulate(const RawLine& raw) {
  TTM_ASSIGN(o, Find(raw));
  TTM_ASSIGN(intr, raw.fields.Bool("intr"));
  TTM_ASSIGN(ret, raw.fields.Int("ret"));
  TTM_ASSIGN(copies, raw.fields.OptUint("copies"));
  TTM_ASSIGN(copy_err, raw.fields.OptInt("copy_err"));
  if (o == nullptr) return Status::Ok();
  bool armed = false;
  FailEvent fail;
  if (ret < 0) {
    if (copy_err && *copy_err < 0) {
      // ttm_backup_copy_page() itself failed, after `copies` good copies.
      fail.site = FaultSite::kCopyPage;
      fail.after = copies.value_or(0);
      if (Status s = ArmFault(fail, *copy_err, &armed); !s.ok()) return s;
    } else if (ret == kEINTR && intr && o->state == TtState::kBackedUp) {
      // The restore's fault injection: EINTR before the next copy.
      fail.site = FaultSite::kCopyPage;
      fail.after = copies.value_or(0);
      if (Status s = ArmFault(fail, ret, &armed); !s.ok()) return s;
    } else if (ret == kENOMEM || ret == kEFAULT) {
      // The page allocator had nothing (every order failed), or a DMA
      // mapping failed: fail every such call of this populate.
      fail.site = ret == kENOMEM ? FaultSite::kAllocPage : FaultSite::kDmaMap;
      fail.count = trace::kMaxCount;
      if (Status s = ArmFault(fail, ret, &armed); !s.ok()) return s;
    } else {
      ++stats_.failures_without_fault[ErrnoName(ret)];
    }
  }
  PopulateEvent populate;
  populate.tt = o->id;
  populate.interruptible = intr;
  if (Status s = Emit(populate); !s.ok()) return s;
  if (Status s = Emit(ExpectRet(ret)); !s.ok()) return s;
  if (armed)
    if (Status s = Emit(Disarm(fail.site)); !s.ok()) return s;
  if (ret == 0) {
    const bool first = o->state == TtState::kUnpopulated;
    o->state = TtState::kPopulated;
    if (first && options_.infer_writes) {
      ++stats_.writes_inferred;
      WriteEvent write;
      write.tt = o->id;
      return Emit(write);
    }
  }
  return Status::Ok();
}

Status Importer::OnUnpopulate(const RawLine& raw) {
  TTM_ASSIGN(o, Find(raw));
  if (o == nullptr) return Status::Ok();
  if (o->state == TtState::kPopulated) o->state = TtState::kUnpopulated;
  UnpopulateEvent e;
  e.tt = o->id;
  return Emit(e);
}

Status Importer::OnBackup(const RawLine& raw) {
  TTM_ASSIGN(o, Find(raw));
  TTM_ASSIGN(purge, raw.fields.Bool("purge"));
  TTM_ASSIGN(writeback, raw.fields.Bool("writeback"));
  TTM_ASSIGN(ret, raw.fields.Int("ret"));
  TTM_ASSIGN(backups, raw.fields.OptUint("backups"));
  TTM_ASSIGN(backup_err, raw.fields.OptInt("backup_err"));
  if (o == nullptr) return Status::Ok();
  if (ret == 0 && o->state == TtState::kPopulated) {
    // Nothing backed up from a populated tt: ttm_tt_backup() found no
    // backup object (a driver that never called ttm_tt_setup_backup()),
    // which every object of a trace has.
    NotExpressible("ttm_tt_backup of a tt without a backup object (returned 0)");
    return Status::Ok();
  }
  bool armed = false;
  FailEvent fail;
  if (!purge && o->state == TtState::kPopulated) {
    const uint64_t half = (o->pages + 1) / 2;
    if (backup_err && *backup_err < 0) {
      // ttm_backup_backup_page() failed after `backups` good pages.
      fail.site = FaultSite::kBackupPage;
      fail.after = backups.value_or(ret > 0 ? static_cast<uint64_t>(ret) : 0);
      if (Status s = ArmFault(fail, *backup_err, &armed); !s.ok()) return s;
    } else if (ret == kENOMEM) {
      fail.site = FaultSite::kBackupPage;
      if (Status s = ArmFault(fail, ret, &armed); !s.ok()) return s;
    } else if (ret > 0 && static_cast<uint64_t>(ret) < o->pages) {
      // A partial backup with no failed page: the kernel's own fault
      // injection backs up ceil(N/2) slots; anything else stopped at a page.
      if (static_cast<uint64_t>(ret) == half) {
        fail.site = FaultSite::kBackupHalf;
        if (Status s = ArmFault(fail, 0, &armed); !s.ok()) return s;
      } else {
        fail.site = FaultSite::kBackupPage;
        fail.after = static_cast<uint64_t>(ret);
        if (Status s = ArmFault(fail, kENOMEM, &armed); !s.ok()) return s;
      }
    } else if (ret < 0 && ret != kEBUSY && ret != kEINVAL) {
      ++stats_.failures_without_fault[ErrnoName(ret)];
    }
  }
  ShrinkEvent e;
  e.tt = o->id;
  e.purge = purge;
  e.writeback = writeback;
  if (Status s = Emit(e); !s.ok()) return s;
  if (Status s = Emit(ExpectRet(ret)); !s.ok()) return s;
  if (armed)
    if (Status s = Emit(Disarm(fail.site)); !s.ok()) return s;
  if (ret > 0) o->state = purge ? TtState::kUnpopulated : TtState::kBackedUp;
  return Status::Ok();
}

Status Importer::OnFini(const RawLine& raw) {
  TTM_ASSIGN(o, Find(raw));
  if (o == nullptr) return Status::Ok();
  const uint64_t id = o->id;
  TTM_ASSIGN(tt, raw.fields.Uint("tt"));
  live_.erase(tt);
  FreeEvent e;
  e.tt = id;
  return Emit(e);
}

Status Importer::OnShrinkerScan(const RawLine& raw) {
  TTM_ASSIGN(nr_to_scan, raw.fields.Uint("nr_to_scan"));
  TTM_ASSIGN(ret, raw.fields.Uint("ret", trace::kMaxCount));
  (void)nr_to_scan;
  // What the kernel's scan freed, not what it was asked for: the modelled
  // scan frees blocks until it reaches `pages`, the V13/merged one a block
  // (or, in later kernels, up to nr_to_scan) at a time.
  PoolShrinkEvent e;
  e.pages = ret;
  return Emit(e);
}

Status Importer::Finish(uint64_t last_line) {
  if (!format_seen_)
    return Error(std::max<uint64_t>(last_line, 1), "not a recording: it is empty");
  if (!header_written_) return WriteHeader(last_line);
  return Status::Ok();
}

}  // namespace ttm::import
