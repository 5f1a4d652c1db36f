// A whole trace in memory: for the commands that replay one trace many
// times (explore, reduce), which cannot stream it.
#ifndef TTM_CORE_TRACE_WHOLE_TRACE_H_
#define TTM_CORE_TRACE_WHOLE_TRACE_H_

#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/trace/event_json.h"

namespace ttm::trace {

struct WholeTrace {
  std::string name;  // for messages, as TraceReader::name()
  TraceHeader header;
  std::vector<Event> events;
  std::string sha256;  // of the decompressed text
};

// Reads and checks every line of `path` ("-": standard input) as `replay`
// does. Errors: those of TraceReader ("FILE:LINE: OP: message").
Result<WholeTrace> ReadWholeTrace(const std::string& path);

// The trace as canonical text (TraceWriter's), header first, events with
// their lines renumbered from 2.
std::string TraceText(const TraceHeader& header, const std::vector<Event>& events);

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_WHOLE_TRACE_H_
