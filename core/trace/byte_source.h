// Where trace bytes come from: a file, standard input, or (in tests and
// tools) any std::istream. The reader above only pulls bytes, so it neither
// knows nor cares whether the input is seekable, and a pipe works as well as
// a file.
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

// Opens `path` for reading. Error: "PATH: cannot open: <strerror>".
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);

// Standard input (file descriptor 0), not closed at the end.
std::unique_ptr<ByteSource> StdinSource();

// Reads from `in`, which must outlive the source.
std::unique_ptr<ByteSource> IstreamSource(std::istream& in);

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_BYTE_SOURCE_H_
