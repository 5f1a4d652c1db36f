#include "cli/inspect.h"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "core/replay/replayer.h"
#include "core/trace/trace_reader.h"

namespace ttm::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string Num(uint64_t v) { return std::to_string(v); }

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

std::string Range(uint64_t first, uint64_t count) {
  return count == 1 ? Num(first) : Num(first) + "-" + Num(first + count - 1);
}

std::string Heading(const InspectedEvent& at) {
  std::string out = "state after line " + Num(at.line);
  if (!at.op.empty()) {
    out += " (last event: " + at.op;
    if (at.tt) out += ", tt " + Num(*at.tt);
    out += ")";
  }
  return out;
}

std::string FaultText(const FaultView& f) {
  std::string out = std::string(FaultSiteName(f.site)) + ": after " + Num(f.after) + ", count " +
                    Num(f.count) + ", error " + ErrnoName(f.error);
  if (f.order) out += ", order " + Num(*f.order);
  if (f.min_order) out += ", min_order " + Num(*f.min_order);
  return out + "; " + Num(f.passed) + " counted calls passed, " + Num(f.remaining) +
         " failures to come, " + Num(f.fired) + " fired so far";
}

}  // namespace

void SetupInspect(CLI::App* cmd, InspectOptions* options) {
  cmd->add_option("TRACE", options->trace, "trace file, or - for standard input")->required();
  cmd->add_option("--at", options->at, "the trace line after which to show the state")->required();
  cmd->add_option("--tt", options->tt, "show only this object");
  cmd->add_option("--format", options->format, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

std::string RenderInspectText(const Engine& engine, const InspectedEvent& at,
                              const std::vector<uint64_t>& tts) {
  std::string out = Heading(at) + "\n";
  const GlobalStatus g = engine.Global();
  out += "global: system_used_pages " + Num(g.system_used_pages) + ", pool_pages " + Num(g.pool_pages) +
         ", backup_pages " + Num(g.backup_pages) + ", live_tts " + Num(g.live_tts) +
         ", pool_limit_pages " + Num(engine.pool_limit_pages()) + "\n";
  for (uint64_t id : tts) {
    const std::optional<TtView> v = engine.ViewTt(id);
    if (!v) continue;
    out += "tt " + Num(id) + ": " + std::string(TtStateName(v->state)) + ", " + Num(v->num_pages) +
           " pages, " + std::string(CachingName(v->caching)) + "; resident " + Num(v->resident) +
           ", backed_up " + Num(v->backed_up) + ", empty " + Num(v->empty) +
           (v->restore_pending ? ", restore pending" : "") + (v->intact ? "" : ", NOT intact") + "\n";
    out += "  slots:\n";
    for (const SlotRun& r : v->slots) {
      out += "    " + Range(r.first, r.count) + ": " + std::string(SlotRunKindName(r.kind));
      if (r.kind == SlotRun::Kind::kResident)
        out += ", order " + Num(r.order) + ", " + std::string(CachingName(r.caching));
      out += "\n";
    }
    if (v->restore) {
      const RestoreView& r = *v->restore;
      out += "  restore: alloced_pages " + Num(r.alloced_pages) + ", restored_pages " +
             Num(r.restored_pages) + ", order " + Num(r.order) + ", first_page " + Num(r.first_page) +
             ", caching_divide " + Num(r.caching_divide);
      out += r.dma_cursor ? ", dma cursor on resume " + Num(*r.dma_cursor) + " (not saved)" : "";
      out += "\n";
    } else {
      out += "  restore: none\n";
    }
    if (!v->has_dma) {
      out += "  dma: no dma_address array\n";
    } else if (v->dma.empty()) {
      out += "  dma: nothing mapped\n";
    } else {
      out += "  dma:\n";
      for (const DmaRun& d : v->dma)
        out += "    " + Range(d.first, d.count) + ": " + Hex(d.address) + "\n";
    }
  }
  const std::vector<PoolView> pools = engine.Pools();
  out += pools.empty() ? "pools: empty\n" : "pools:\n";
  for (const PoolView& p : pools)
    out += "  " + std::string(CachingName(p.caching)) + " order " + Num(p.order) +
           (p.dma32 ? " dma32" : "") + (p.per_pool ? " (device pool)" : " (global)") + ": " +
           Num(p.pages) + " pages\n";
  const std::vector<FaultView> faults = engine.ArmedFaults();
  out += faults.empty() ? "faults: none armed\n" : "faults:\n";
  for (const FaultView& f : faults) out += "  " + FaultText(f) + "\n";
  return out;
}

std::string RenderInspectJson(const Engine& engine, const InspectedEvent& at,
                              const std::vector<uint64_t>& tts) {
  Json j = Json::object();
  j["line"] = at.line;
  j["event"] = at.op.empty() ? Json(nullptr)
                             : Json{{"op", at.op}, {"tt", at.tt ? Json(*at.tt) : Json(nullptr)}};
  const GlobalStatus g = engine.Global();
  j["global"] = {{"system_used_pages", g.system_used_pages}, {"pool_pages", g.pool_pages},
                 {"backup_pages", g.backup_pages},           {"live_tts", g.live_tts},
                 {"pool_limit_pages", engine.pool_limit_pages()}};
  Json objects = Json::array();
  for (uint64_t id : tts) {
    const std::optional<TtView> v = engine.ViewTt(id);
    if (!v) continue;
    Json slots = Json::array();
    for (const SlotRun& r : v->slots) {
      Json run = {{"first", r.first}, {"count", r.count}, {"kind", SlotRunKindName(r.kind)}};
      if (r.kind == SlotRun::Kind::kResident) {
        run["order"] = r.order;
        run["caching"] = CachingName(r.caching);
      }
      slots.push_back(std::move(run));
    }
    Json restore = nullptr;
    if (v->restore) {
      const RestoreView& r = *v->restore;
      restore = {{"alloced_pages", r.alloced_pages}, {"restored_pages", r.restored_pages},
                 {"order", r.order},                 {"first_page", r.first_page},
                 {"caching_divide", r.caching_divide},
                 {"dma_cursor", r.dma_cursor ? Json(*r.dma_cursor) : Json(nullptr)}};
    }
    Json dma = nullptr;
    if (v->has_dma) {
      dma = Json::array();
      for (const DmaRun& d : v->dma) dma.push_back({{"first", d.first}, {"count", d.count}, {"address", d.address}});
    }
    objects.push_back({{"tt", id},
                       {"num_pages", v->num_pages},
                       {"caching", CachingName(v->caching)},
                       {"state", TtStateName(v->state)},
                       {"resident", v->resident},
                       {"backed_up", v->backed_up},
                       {"empty", v->empty},
                       {"restore_pending", v->restore_pending},
                       {"intact", v->intact},
                       {"slots", std::move(slots)},
                       {"restore", std::move(restore)},
                       {"dma", std::move(dma)}});
  }
  j["tts"] = std::move(objects);
  Json pools = Json::array();
  for (const PoolView& p : engine.Pools())
    pools.push_back({{"caching", CachingName(p.caching)}, {"order", p.order}, {"dma32", p.dma32},
                     {"per_pool", p.per_pool}, {"pages", p.pages}});
  j["pools"] = std::move(pools);
  Json faults = Json::array();
  for (const FaultView& f : engine.ArmedFaults()) {
    faults.push_back({{"site", FaultSiteName(f.site)},
                      {"after", f.after},
                      {"count", f.count},
                      {"error", ErrnoName(f.error)},
                      {"order", f.order ? Json(*f.order) : Json(nullptr)},
                      {"min_order", f.min_order ? Json(*f.min_order) : Json(nullptr)},
                      {"passed", f.passed},
                      {"remaining", f.remaining},
                      {"fired", f.fired}});
  }
  j["faults"] = std::move(faults);
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<int> RunInspect(const InspectOptions& options, Io io) {
  Result<std::unique_ptr<trace::TraceReader>> opened = trace::TraceReader::Open(options.trace);
  if (!opened.ok()) return opened.status();
  trace::TraceReader& reader = **opened;
  Replayer replayer(Resolve(reader.header().config), ReplayOptions{});
  InspectedEvent at;
  at.line = options.at;
  bool past = false;
  Event event;
  for (;;) {
    Result<bool> more = reader.Next(&event);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (event.line > options.at) {
      past = true;
      break;
    }
    replayer.Apply(event);
    at.op = std::string(OpName(event.body));
    at.tt = EventTt(event.body);
  }
  if (!past && event.line < options.at)
    return Status::InvalidInput(options.trace + ": --at " + Num(options.at) +
                                " is beyond the trace's last event (line " + Num(event.line) + ")");
  std::vector<uint64_t> tts = replayer.engine().LiveTts();
  if (options.tt) {
    if (!replayer.engine().ViewTt(*options.tt))
      return Status::InvalidInput(options.trace + ": --tt " + Num(*options.tt) + " is not live after line " +
                                  Num(options.at));
    tts = {*options.tt};
  }
  io.out << (options.format == "json" ? RenderInspectJson(replayer.engine(), at, tts)
                                      : RenderInspectText(replayer.engine(), at, tts));
  return kExitOk;
}

}  // namespace ttm::cli
