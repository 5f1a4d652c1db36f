#include "core/trace/trace_reader.h"

#include <utility>

#include "core/trace/event_scan.h"

namespace ttm::trace {
namespace {

template <class E>
constexpr size_t kIndexOf = EventBody(E{}).index();

}  // namespace

TraceReader::TraceReader(std::unique_ptr<ByteSource> source, std::string name,
                         ReaderOptions options)
    : name_(std::move(name)), options_(options), lines_(std::move(source), options.hash_text) {}

Result<std::unique_ptr<TraceReader>> TraceReader::FromSource(std::unique_ptr<ByteSource> source,
                                                             std::string name,
                                                             ReaderOptions options) {
  std::unique_ptr<TraceReader> reader(
      new TraceReader(std::move(source), std::move(name), options));
  Status s = reader->ReadHeader();
  if (!s.ok()) return s;
  return reader;
}

Status TraceReader::Error(uint64_t line, const std::string& message) const {
  return Status::InvalidInput(name_ + ":" + std::to_string(line) + ": " + message);
}

Status TraceReader::ReadHeader() {
  std::string_view text;
  Result<bool> got = lines_.Next(&text);
  if (!got.ok()) return Error(lines_.line_number(), got.status().message());
  if (!*got) return Error(lines_.line_number() + 1, "empty trace: no header");
  Result<Json> obj = ParseJsonObject(text, options_.strict);
  if (!obj.ok()) return Error(lines_.line_number(), obj.status().message());
  unknown_.clear();
  Result<TraceHeader> header =
      HeaderFromJson(*obj, options_.strict, options_.warn ? &unknown_ : nullptr);
  if (!header.ok()) return Error(lines_.line_number(), header.status().message());
  header_ = std::move(*header);
  WarnUnknown(lines_.line_number(), "");
  return Status::Ok();
}

void TraceReader::WarnUnknown(uint64_t line, std::string_view op) {
  for (const std::string& name : unknown_) {
    if (warned_.size() >= kMaxUnknownFieldNames) break;
    if (!warned_.insert(name).second) continue;
    options_.warn(name_ + ":" + std::to_string(line) + ": " +
                  (op.empty() ? "" : std::string(op) + ": ") + "unknown field \"" + name +
                  "\" ignored");
  }
  unknown_.clear();
}

Status TraceReader::CheckIds(const Event& event) {
  auto not_live = [&](uint64_t tt) {
    return Status::InvalidInput(std::string(OpName(event.body)) + ": tt " + std::to_string(tt) +
                                " is not live");
  };
  const EventBody& body = event.body;
  uint64_t tt = 0;
  // One switch on the op, rather than a std::visit and a chain of get_if
  // per event: this runs for every line of every trace.
  switch (body.index()) {
    case kIndexOf<AllocateEvent>: {
      const auto& a = *std::get_if<AllocateEvent>(&body);
      // pages is at most kMaxTtPages (2^31 - 1): it fits.
      if (!live_.Insert(a.tt, static_cast<uint32_t>(a.pages)))
        return Status::InvalidInput("allocate: tt " + std::to_string(a.tt) + " is already live");
      return Status::Ok();
    }
    case kIndexOf<ExpectEvent>: {
      const auto& x = *std::get_if<ExpectEvent>(&body);
      if (x.tt && live_.Find(*x.tt) == 0) return not_live(*x.tt);
      return Status::Ok();
    }
    case kIndexOf<PopulateEvent>: tt = std::get_if<PopulateEvent>(&body)->tt; break;
    case kIndexOf<ShrinkEvent>: tt = std::get_if<ShrinkEvent>(&body)->tt; break;
    case kIndexOf<UnpopulateEvent>: tt = std::get_if<UnpopulateEvent>(&body)->tt; break;
    case kIndexOf<FreeEvent>: {
      tt = std::get_if<FreeEvent>(&body)->tt;
      if (!live_.Erase(tt)) return not_live(tt);
      return Status::Ok();
    }
    case kIndexOf<WriteEvent>: {
      const auto& w = *std::get_if<WriteEvent>(&body);
      tt = w.tt;
      const uint64_t pages = live_.Find(tt);
      if (pages == 0) return not_live(tt);
      // first and count are at most 2^63 - 1 each, so the sum cannot wrap.
      uint64_t first = w.first.value_or(0);
      uint64_t count = w.count.value_or(first <= pages ? pages - first : 0);
      if (first + count > pages)
        return Status::InvalidInput("write: first " + std::to_string(first) + " + count " +
                                    std::to_string(count) + " goes beyond the end of tt " +
                                    std::to_string(tt) + " (" + std::to_string(pages) +
                                    " pages)");
      return Status::Ok();
    }
    default: return Status::Ok();  // names no object
  }
  if (live_.Find(tt) == 0) return not_live(tt);
  return Status::Ok();
}

Result<bool> TraceReader::Next(Event* out) {
  if (done_) {
    if (done_->ok()) return false;
    return *done_;
  }
  std::string_view text;
  Result<bool> got = lines_.Next(&text);
  if (!got.ok()) {
    done_ = Error(lines_.line_number(), got.status().message());
    return *done_;
  }
  if (!*got) {
    done_ = Status::Ok();
    return false;
  }
  uint64_t line = lines_.line_number();
  if (ScanEvent(text, header_.config.max_order, out)) {
    // A canonical line: the scanner's event is the one the general path
    // would give (event_scan.h), without a JSON document. The Status is
    // made where it is needed, not assigned into: this runs for every line.
    out->line = line;
    if (Status ids = CheckIds(*out); !ids.ok()) {
      Status s = Error(line, ids.message());
      if (!options_.keep_going) done_ = s;
      return s;
    }
    ++events_;
    return true;
  }
  Status s;
  Result<Json> obj = ParseJsonObject(text, options_.strict);
  if (!obj.ok()) {
    s = Error(line, obj.status().message());
  } else {
    ParseOptions parse{options_.strict, header_.config.max_order,
                       options_.warn ? &unknown_ : nullptr};
    s = EventFromJson(*obj, parse, out);
    if (s.ok()) s = CheckIds(*out);
    if (!s.ok()) s = Error(line, s.message());
    out->line = line;
    if (s.ok() && !unknown_.empty()) WarnUnknown(line, OpName(out->body));
    unknown_.clear();
  }
  if (!s.ok()) {
    if (!options_.keep_going) done_ = s;
    return s;
  }
  ++events_;
  return true;
}

}  // namespace ttm::trace
