// Writing a timeline file (`replay --timeline FILE`) as the replay goes, in
// constant memory, and atomically like the report.
//
// The header line names the sha256 of the whole decompressed trace, which
// is known only once the trace has been read to its end. When the output is
// a regular file, a placeholder header is written first (the sha256 has a
// fixed width) and overwritten in the temporary file before it is renamed
// into place. When it is standard output or a device, the event lines go to
// an unnamed temporary file and are copied out behind the header at the
// end. Either way a reader never sees half a timeline, and an invalid trace
// leaves nothing behind.
#ifndef TTM_CLI_TIMELINE_FILE_H_
#define TTM_CLI_TIMELINE_FILE_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/output.h"
#include "core/status.h"

namespace ttm::cli {

class TimelineFile {
 public:
  TimelineFile() = default;
  ~TimelineFile();
  TimelineFile(const TimelineFile&) = delete;
  TimelineFile& operator=(const TimelineFile&) = delete;

  // Return: ok, or an IoError "PATH: cannot write: REASON".
  Status Open(const std::string& path, std::string_view semantics);
  // One event line, with its newline.
  void Write(std::string_view line);
  // Completes the header and puts the file in place. Return: ok, or an
  // IoError; on error nothing is left behind.
  Status Finish(std::string_view trace_sha256);

 private:
  std::string path_;
  std::string semantics_;
  AtomicFileWriter out_;
  std::FILE* spool_ = nullptr;  // when out_ is not seekable
  bool write_failed_ = false;
};

}  // namespace ttm::cli

#endif  // TTM_CLI_TIMELINE_FILE_H_
