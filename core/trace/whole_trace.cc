#include "core/trace/whole_trace.h"

#include <memory>
#include <sstream>

#include "core/trace/trace_reader.h"
#include "core/trace/trace_writer.h"

namespace ttm::trace {

Result<WholeTrace> ReadWholeTrace(TraceReader& reader) {
  WholeTrace t;
  t.name = reader.name();
  t.header = reader.header();
  for (Event e;;) {
    Result<bool> more = reader.Next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    t.events.push_back(std::move(e));
  }
  t.sha256 = reader.text_sha256();
  return t;
}

std::string TraceText(const TraceHeader& header, const std::vector<Event>& events) {
  std::ostringstream out;
  TraceWriter writer(out, /*compress=*/false);
  // Writing to a string stream cannot fail.
  (void)writer.WriteHeader(header);
  for (const Event& e : events) (void)writer.Write(e);
  (void)writer.Finish();
  return out.str();
}

}  // namespace ttm::trace
