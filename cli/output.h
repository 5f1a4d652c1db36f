// Writing an output file so that a reader never sees half of it.
//
// Why: a report or trace that CI keeps is read by other jobs, perhaps while
// ttm-replay is still running or after it was killed. Writing to a temporary
// file in the same directory and renaming it over the target makes the
// switch atomic: readers see the old file or the complete new one, never a
// truncated mix, and a failed run leaves no stray temporary behind.
#ifndef TTM_CLI_OUTPUT_H_
#define TTM_CLI_OUTPUT_H_

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ttm::cli {

// Writes `contents` to `path`:
//  - "-": standard output (flushed).
//  - an existing path that is not a regular file (/dev/null, a FIFO, a
//    terminal): written directly, never replaced.
//  - otherwise a temporary `.NAME.tmp.XXXXXX` beside it is written, synced
//    and renamed over `path`. A symlink to a regular file has its target
//    replaced, the link is kept. A new file gets 0666 minus the umask; a
//    replaced one keeps its permission bits.
// Return: ok, or an IoError "PATH: cannot write: REASON"; on error no
// temporary file is left and an existing `path` is unchanged (except when
// written directly).
// Context: not thread-safe (reads the process umask).
Status WriteFileAtomically(const std::string& path, std::string_view contents);

// The streaming form of WriteFileAtomically, for outputs too large to hold
// in memory (gen's traces): the same rules for "-", devices and regular
// files, but the content is written to stream() as it is produced.
// Call order: Open once, write to stream(), Commit once. Destroying an
// AtomicFileWriter that was not committed removes its temporary file and
// leaves `path` as it was.
// Context: not thread-safe (reads the process umask).
class AtomicFileWriter {
 public:
  AtomicFileWriter();
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Return: ok, or an IoError "PATH: cannot write: REASON".
  Status Open(const std::string& path);
  // Valid after a successful Open.
  std::ostream& stream();
  // True when stream() is a temporary regular file (renamed by Commit), so
  // that what was written can still be overwritten in place with seekp().
  bool seekable() const;
  // Flushes, syncs and renames into place. Return: ok, or an IoError as
  // for Open; on error nothing is left behind.
  Status Commit();
  // After stream() went bad: "PATH: cannot write: <strerror(errno)>", e.g.
  // "No space left on device", for the write that just failed.
  Status StreamError() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Makes SIGINT, SIGTERM and SIGHUP remove every temporary file of the
// writers above that is still open (a report being written, gen's trace,
// a streamed timeline), then end the process by that same signal, so that an
// interrupted command leaves neither a temporary nor a partial output behind
// (the target path keeps its old contents). Call once, early in main. Up to
// 64 temporaries can be open at once; beyond that, one that is not
// registered is still removed on every other way out, just not on a signal.
// Context: installs process-wide signal handlers.
void RemoveTemporariesOnSignal();

}  // namespace ttm::cli

#endif  // TTM_CLI_OUTPUT_H_
