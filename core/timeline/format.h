// The timeline format's facts, defined once: its name and version (the
// header line's "format" and "version") and the object keys of an event
// line as a struct. The writer (timeline.h, for `replay --timeline` and the
// behaviour digest), the plot's reader (core/plot) and `diff` of timelines
// (core/report) all use these. Standard library and the event vocabulary
// only, so that readers need not link the digest's hash.
#ifndef TTM_CORE_TIMELINE_FORMAT_H_
#define TTM_CORE_TIMELINE_FORMAT_H_

#include <cstdint>
#include <string_view>

#include "core/event.h"

namespace ttm {

inline constexpr std::string_view kTimelineFormatName = "ttm-replay-timeline";
inline constexpr int kTimelineVersion = 1;

// The event's object after the event: the keys `state`, `resident`,
// `backed_up`, `empty`, `restore_pending` of a line (absent after free and
// for pool_shrink).
struct TimelineObject {
  TtState state = TtState::kUnpopulated;
  uint64_t resident = 0;
  uint64_t backed_up = 0;
  uint64_t empty = 0;
  bool restore_pending = false;
};

}  // namespace ttm

#endif  // TTM_CORE_TIMELINE_FORMAT_H_
