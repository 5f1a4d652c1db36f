// Writing an output file so that a reader never sees half of it.
//
// Why: a report or trace that CI keeps is read by other jobs, perhaps while
// ttm-replay is still running or after it was killed. Writing to a temporary
// file in the same directory and renaming it over the target makes the
// switch atomic: readers see the old file or the complete new one, never a
// truncated mix, and a failed run leaves no stray temporary behind.
#ifndef TTM_CLI_OUTPUT_H_
#define TTM_CLI_OUTPUT_H_

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

}  // namespace ttm::cli

#endif  // TTM_CLI_OUTPUT_H_
