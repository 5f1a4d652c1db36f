// The per-event timeline (one JSON line per state-changing event) and the
// behaviour digest over it.
//
// Why a timeline: two builds of the engine can agree on every end-of-run
// total and still behave differently at some event (a restore that leaves
// its state behind a little longer, a shrink that returns EBUSY once
// instead of backing up). A line per event, in the vocabulary of the
// trace's `expect` event, pins the behaviour down event by event, so two
// timelines can be compared line by line and the first divergent event
// named. The digest is a hash over the same lines that every report
// carries, so two reports tell whether behaviour differed anywhere without
// a timeline being written.
//
// Format (timeline format, version 1): a header line
//   {"format":"ttm-replay-timeline","version":1,"trace_sha256":"…","semantics":"v13"}
// then, for each allocate, populate, write, shrink, unpopulate, free and
// pool_shrink event, in trace order:
//   {"line":12,"op":"shrink","tt":3,"ret":-16,"state":"backed_up",
//    "resident":4,"backed_up":4,"empty":0,"restore_pending":false,
//    "system_used_pages":40,"pool_pages":8,"backup_pages":4,"live_tts":2,
//    "violations":["3.5.3 dma-unmap-once"]}
// Keys in exactly this order; `ret` only for populate and shrink; the
// object's keys left out after free and for pool_shrink; `violations` (the
// invariants newly reported at this event, one name per report entry) left
// out when there are none.
//
// This library performs no I/O: it renders lines into strings and hashes
// them. Rendering is hand-written (integers two digits at a time) because
// it runs for every event of every replay.
#ifndef TTM_CORE_TIMELINE_TIMELINE_H_
#define TTM_CORE_TIMELINE_TIMELINE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/event.h"
#include "core/timeline/format.h"

namespace ttm {

// The format's name, version and TimelineObject: core/timeline/format.h.

// One event line, before rendering.
struct TimelineEntry {
  uint64_t line = 0;
  std::string_view op;              // the event's op name
  std::optional<uint64_t> tt;       // the event's object id, when it has one
  std::optional<int64_t> ret;       // populate and shrink only
  std::optional<TimelineObject> object;  // absent after free and for pool_shrink
  uint64_t system_used_pages = 0;
  uint64_t pool_pages = 0;
  uint64_t backup_pages = 0;
  uint64_t live_tts = 0;
  std::vector<std::string_view> violations;  // invariant names, report order
};

// True for the seven ops that get a timeline line (inline: asked for
// every event).
inline bool HasTimelineLine(const EventBody& body) {
  return std::holds_alternative<AllocateEvent>(body) || std::holds_alternative<PopulateEvent>(body) ||
         std::holds_alternative<WriteEvent>(body) || std::holds_alternative<ShrinkEvent>(body) ||
         std::holds_alternative<UnpopulateEvent>(body) || std::holds_alternative<FreeEvent>(body) ||
         std::holds_alternative<PoolShrinkEvent>(body);
}

// Appends the entry's line, with its trailing newline, to *out.
void AppendTimelineLine(const TimelineEntry& entry, std::string* out);

// The same line written at out, which has room for
// TimelineLineMaxSize(entry) bytes; returns the end of what was written.
// The fixed part of a line (everything but the violations) is at most
// about 330 characters: 11 integers of at most 20 digits, the longest op
// and state names and the keys.
inline constexpr size_t kTimelineFixedPart = 512;
inline size_t TimelineLineMaxSize(const TimelineEntry& entry) {
  size_t size = kTimelineFixedPart;
  if (!entry.violations.empty()) {
    size += sizeof ",\"violations\":[]}\n";
    for (std::string_view v : entry.violations) size += v.size() + 3;
  }
  return size;
}
char* PutTimelineLine(const TimelineEntry& entry, char* out);

// The header line, with its trailing newline. `trace_sha256` is the
// lowercase hex sha256 of the decompressed trace text (64 characters).
std::string TimelineHeader(std::string_view trace_sha256, std::string_view semantics);

// XXH3-128 over the event lines (each with its newline; the header is not
// included: the trace and the semantics are stated in the report itself).
// Rendered as 32 lowercase hex digits.
class BehaviourDigest {
 public:
  BehaviourDigest();
  ~BehaviourDigest();
  // A copy goes on from the same point (explore copies whole replays).
  BehaviourDigest(const BehaviourDigest& other);
  BehaviourDigest& operator=(const BehaviourDigest& other);

  // One event line, exactly as written to the timeline.
  void AddLine(std::string_view line);
  // AddLine() without a copy: a line of at most max_size bytes is written
  // at LineSpace(max_size), then CommitLine(that address, its size) adds
  // it. The bytes stay readable until the next call on this digest.
  char* LineSpace(size_t max_size);
  void CommitLine(const char* line, size_t size);
  uint64_t lines() const { return lines_; }
  std::string Hex() const;

  // Lines are hashed in chunks of this many bytes (the digest does not
  // depend on it; public for the tests of chunk boundaries).
  static constexpr size_t kChunk = 8192;

 private:
  struct State;
  State* state_;
  uint64_t lines_ = 0;
};

}  // namespace ttm

#endif  // TTM_CORE_TIMELINE_TIMELINE_H_
