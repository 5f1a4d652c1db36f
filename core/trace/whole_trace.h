// A whole trace in memory: for the commands that replay one trace many
// times (explore, reduce), which cannot stream it.
#ifndef TTM_CORE_TRACE_WHOLE_TRACE_H_
#define TTM_CORE_TRACE_WHOLE_TRACE_H_

#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/trace/event_json.h"
#include "core/trace/trace_reader.h"

namespace ttm::trace {

struct WholeTrace {
  std::string name;  // for messages, as TraceReader::name()
  TraceHeader header;
  std::vector<Event> events;
  std::string sha256;  // of the decompressed text
};

// Reads and checks every remaining line of `reader` as `replay` does (the
// caller opens the bytes: cli/file_source.h). Errors: those of TraceReader
// ("FILE:LINE: OP: message").
Result<WholeTrace> ReadWholeTrace(TraceReader& reader);

// The trace as canonical text (TraceWriter's), header first, events with
// their lines renumbered from 2.
std::string TraceText(const TraceHeader& header, const std::vector<Event>& events);

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_WHOLE_TRACE_H_
