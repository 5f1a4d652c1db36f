// One timeline line in typed form: what `replay --timeline` writes after
// each state-changing event (timeline format, version 1), as the plot reads
// it back. Standard library only, so the plot itself stays I/O-free.
#ifndef TTM_CORE_PLOT_TIMELINE_RECORD_H_
#define TTM_CORE_PLOT_TIMELINE_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"

namespace ttm::plot {

// The header line: {"format":"ttm-replay-timeline","version":1,...}.
struct TimelineHeader {
  int version = 1;
  std::string trace_sha256;  // of the replayed trace's text, lowercase hex
  std::string semantics;     // "v13", "merged", "merged-fixed", ...
};

// The event's object after the event (absent after free and for
// pool_shrink).
struct TimelineObject {
  TtState state = TtState::kUnpopulated;
  uint64_t resident = 0;
  uint64_t backed_up = 0;
  uint64_t empty = 0;
  bool restore_pending = false;
};

struct TimelineRecord {
  uint64_t line = 0;   // the event's trace line
  std::string op;      // allocate, populate, write, shrink, unpopulate, free, pool_shrink
  std::optional<uint64_t> tt;
  std::optional<int64_t> ret;  // populate and shrink only
  std::optional<TimelineObject> object;
  uint64_t system_used_pages = 0;
  uint64_t pool_pages = 0;
  uint64_t backup_pages = 0;
  uint64_t live_tts = 0;
  std::vector<std::string> violations;  // newly reported at this event
};

}  // namespace ttm::plot

#endif  // TTM_CORE_PLOT_TIMELINE_RECORD_H_
