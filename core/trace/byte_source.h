// Where trace bytes come from. The trace layer only pulls bytes from a
// ByteSource, so it neither knows nor cares whether the input is a file, a
// pipe or memory, and opens nothing itself: sources over files and standard
// input are the CLI's (cli/file_source.h), like zstd's programs/ around its
// lib/. zstd decoding is a transform over a source (line_reader.h).
#ifndef TTM_CORE_TRACE_BYTE_SOURCE_H_
#define TTM_CORE_TRACE_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"

namespace ttm::trace {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `n` bytes into `buf`. Return: the count read, 0 only at the
  // end of the input; an I/O error as a Status whose message needs no prefix
  // beyond the file name (e.g. "read error: Is a directory").
  virtual Result<size_t> Read(char* buf, size_t n) = 0;

  // The input's size in bytes when known in advance (a regular file), for
  // progress display; nullopt for pipes and streams.
  virtual std::optional<uint64_t> total_bytes() const { return std::nullopt; }
};

// Reads from `in` (a string stream in tests and tools), which must outlive
// the source.
std::unique_ptr<ByteSource> IstreamSource(std::istream& in);

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_BYTE_SOURCE_H_
