// Importer: a raw recording (raw_format.h) in, a trace out.
//
// What a recording can and cannot say, and how the importer bridges it:
//  - The kernel names objects by their struct ttm_tt address; a trace by a
//    small id unique among live objects. Each ttm_tt_init() gets the next
//    dense id; an address reused after ttm_tt_fini() is a new object and so
//    a new id.
//  - A kernel call that failed failed for a reason the replay must meet too:
//    the importer arms a `fail` at the matching fault site right before the
//    call and disarms it right after, and every populate and shrink is
//    followed by `expect ret` with what the kernel returned. Replaying the
//    trace then says, as a failed expectation, where the model and the real
//    kernel disagreed.
//  - Data the GPU writes is invisible to kprobes. The importer infers one
//    write of the whole object after each successful first population (the
//    workload fills what it allocated), so that a backup and restore have
//    content to keep intact; no other writes are invented.
//  - Calls the trace cannot express are counted by reason (ImportStats),
//    never dropped without a trace: calls nested inside another recorded
//    call are covered by it; calls on objects created before the recording
//    started, pool-level calls made outside a ttm_tt_* wrapper and the like
//    are counted as not expressible.
//
// The importer does no I/O: the caller hands it lines and receives the
// header and events through callbacks (the CLI passes them to a
// TraceWriter). Memory is bounded by the live objects and threads.
#ifndef TTM_CORE_IMPORT_IMPORTER_H_
#define TTM_CORE_IMPORT_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/import/raw_format.h"
#include "core/status.h"
#include "core/trace/event_json.h"

namespace ttm::import {

// The modelled code that matches the recorded kernel (meta.semantics):
// "v13" for kernels carrying the V13 patch (ttm_pool_backup_tt exists),
// "merged" for mainline from v6.15 (ttm_pool_backup exists), "base" for a
// kernel without the backup helper, whose pool code predates both.
std::string SemanticsForKernel(std::string_view backup_symbol, std::string_view kernel);

struct ImportOptions {
  // Infer a write of the whole object after each successful first
  // population (see above). Off: the trace has no write events.
  bool infer_writes = true;
  // Copied into meta.importer.
  std::string importer = "ttm-replay import";
};

struct ImportStats {
  uint64_t calls = 0;            // call lines read
  uint64_t events = 0;           // trace events written
  uint64_t objects = 0;          // ids given out
  uint64_t faults_armed = 0;     // kernel failures replayed through a fail event
  uint64_t writes_inferred = 0;  // write events the importer added
  // Calls nested inside another recorded call, which the outer call's event
  // stands for, by kernel function.
  std::map<std::string, uint64_t> covered;
  // Calls the trace cannot express, by reason.
  std::map<std::string, uint64_t> not_expressible;
  // Failures replayed without a fault (no fault site raises that error
  // there): the expectation will say whether the model failed the same way.
  std::map<std::string, uint64_t> failures_without_fault;
};

class Importer {
 public:
  struct Sinks {
    std::function<Status(const trace::TraceHeader&)> header;
    std::function<Status(const Event&)> event;
  };

  // `name` is the recording's name as it appears in messages ("raw.txt").
  Importer(std::string name, Sinks sinks, ImportOptions options = {});

  // Takes the next line of the recording; `line` counts from 1.
  // Errors: "NAME:LINE: message" for a malformed line, or whatever a sink
  // returned. After an error the importer must not be used again.
  Status AddLine(std::string_view text, uint64_t line);
  // Ends the recording: writes the header if no call came, checks that the
  // recording was not empty. `last_line` is the number of the last line.
  Status Finish(uint64_t last_line);

  const ImportStats& stats() const { return stats_; }

 private:
  enum class TtState { kUnpopulated, kPopulated, kBackedUp };
  struct Object {
    uint64_t id = 0;
    uint64_t pages = 0;
    TtState state = TtState::kUnpopulated;
  };

  Status Error(uint64_t line, const std::string& message) const;
  Status OnFormat(const RawLine& raw, uint64_t line);
  Status OnMachine(const RawLine& raw, uint64_t line);
  Status OnCall(const RawLine& raw, uint64_t line);
  Status WriteHeader(uint64_t line);
  Status Emit(EventBody body);

  // One handler per kind of outermost call.
  Status OnInit(const RawLine& raw, bool sg);
  Status OnPopulate(const RawLine& raw);
  Status OnUnpopulate(const RawLine& raw);
  Status OnBackup(const RawLine& raw);
  Status OnFini(const RawLine& raw);
  Status OnShrinkerScan(const RawLine& raw);
  // The live object at the line's tt=, or nullptr (counted) when unknown.
  Result<Object*> Find(const RawLine& raw);
  // Arms a fault for a recorded failure; false when no site raises it.
  Status ArmFault(FailEvent fail, int64_t error, bool* armed);
  void NotExpressible(const std::string& reason) { ++stats_.not_expressible[reason]; }

  std::string name_;
  Sinks sinks_;
  ImportOptions options_;
  ImportStats stats_;

  bool format_seen_ = false;
  bool header_written_ = false;
  trace::Json machine_ = trace::Json::object();  // the facts as recorded
  uint32_t max_order_ = 10;
  std::optional<uint64_t> t0_;
  uint64_t last_t_ = 0;
  std::optional<int64_t> t_;  // of the call being imported, relative to t0_
  std::map<uint64_t, Object> live_;  // by struct ttm_tt address
  uint64_t next_id_ = 1;
};

}  // namespace ttm::import

#endif  // TTM_CORE_IMPORT_IMPORTER_H_
