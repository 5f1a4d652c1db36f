// TraceReader: a trace file turned into checked, typed events, one at a time.
//
// Everything that can be known about a trace without running the engine is
// checked here, so that `validate` and `replay` reject the same inputs with
// the same one-line message, FILE:LINE: OP: message. That includes the id
// rules (allocate an id that is live, name one that is not), for which the
// reader keeps the set of live ids and their page counts (live_ids.h, a
// few bytes per id): memory grows with the number of live objects, never
// with the length of the trace.
#ifndef TTM_CORE_TRACE_TRACE_READER_H_
#define TTM_CORE_TRACE_TRACE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/event.h"
#include "core/status.h"
#include "core/trace/byte_source.h"
#include "core/trace/event_json.h"
#include "core/trace/line_reader.h"
#include "core/trace/live_ids.h"

namespace ttm::trace {

struct ReaderOptions {
  // Reject fields the format does not define (in events, the header and its
  // config) instead of ignoring them. `meta` stays free-form.
  bool strict = false;
  // Without `strict`: called once per unknown field name, at the first line
  // where it appears, with "FILE:LINE: OP: unknown field \"NAME\" ignored"
  // (no OP for the header). At most kMaxUnknownFieldNames names are
  // reported, so that a trace of random keys cannot grow the reader.
  std::function<void(const std::string& message)> warn = nullptr;
  // After an error confined to one line (malformed JSON, a bad field, an id
  // rule), go on with the next line instead of stopping: Next() returns the
  // error and the following call reads on. Errors of the stream itself (a
  // corrupt or truncated zstd frame, a read error, an overlong line) and of
  // the header still end the trace. A line in error changes no id.
  bool keep_going = false;
  // Keep the SHA-256 of the decompressed text for text_sha256(). Off where
  // nothing prints it (`validate`): the digest costs as much CPU as
  // decompressing.
  bool hash_text = true;
};

inline constexpr size_t kMaxUnknownFieldNames = 100;

class TraceReader {
 public:
  // Reads the header from `source`; `name` is the file name shown in
  // messages. The reader opens nothing itself: files and standard input are
  // the CLI's (cli/file_source.h). Error: a header error "NAME:LINE: ...".
  static Result<std::unique_ptr<TraceReader>> FromSource(std::unique_ptr<ByteSource> source,
                                                         std::string name,
                                                         ReaderOptions options = {});

  const TraceHeader& header() const { return header_; }

  // The next event, with out->line set. Return: true, false at the end of
  // the trace, or the first error ("FILE:LINE: OP: message", one line).
  // After false or an error, further calls repeat that answer (except after
  // a one-line error with keep_going, see ReaderOptions).
  Result<bool> Next(Event* out);

  // The name used in messages, as given to FromSource.
  const std::string& name() const { return name_; }
  // For progress: input bytes consumed so far (compressed bytes for zstd)
  // and the input's size when known.
  uint64_t bytes_consumed() const { return lines_.bytes_consumed(); }
  std::optional<uint64_t> total_bytes() const { return lines_.total_bytes(); }
  bool compressed() const { return lines_.compressed(); }
  // SHA-256 (hex) of the decompressed trace text, for the report. Call once,
  // after Next() has returned false. Empty when options.hash_text is off.
  std::string text_sha256() { return lines_.TextSha256(); }
  // Events returned so far.
  uint64_t event_count() const { return events_; }
  // Whether the trace is over: Next() returned false, or an error that ends
  // it (every error, unless keep_going lets the reader go on past it).
  bool ended() const { return done_.has_value(); }
  // Heap bytes of the live-id set, and how many ids it holds (for tests and
  // benchmarks of the reader's memory).
  size_t live_id_bytes() const { return live_.memory_bytes(); }
  size_t live_ids() const { return live_.size(); }

 private:
  TraceReader(std::unique_ptr<ByteSource> source, std::string name, ReaderOptions options);

  Status ReadHeader();
  // The id rules and the bounds that depend on an object's size.
  Status CheckIds(const Event& event);
  Status Error(uint64_t line, const std::string& message) const;
  // Reports the names in unknown_ not reported before, at `line`.
  void WarnUnknown(uint64_t line, std::string_view op);

  std::string name_;
  ReaderOptions options_;
  LineReader lines_;
  TraceHeader header_;
  // Live tt ids and their page counts.
  LiveIds live_;
  uint64_t events_ = 0;
  std::vector<std::string> unknown_;         // of the line being parsed
  std::set<std::string, std::less<>> warned_;  // unknown names reported so far
  std::optional<Status> done_;  // set after the end or the first error
};

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_TRACE_READER_H_
