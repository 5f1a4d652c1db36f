// The trace format's identity, in one place: its name, the version this
// code writes and the range of versions it reads. A reader rejects anything
// else with one clear line rather than guessing (see docs/trace-format.md).
#ifndef TTM_CORE_TRACE_FORMAT_H_
#define TTM_CORE_TRACE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ttm::trace {

inline constexpr std::string_view kFormatName = "ttm-trace";
inline constexpr int kCurrentVersion = 1;
inline constexpr int kOldestSupportedVersion = 1;

// The zstd frame magic number, as it appears in the file (little endian
// 0xFD2FB528). Compression is recognised by content, never by file name.
inline constexpr unsigned char kZstdMagic[4] = {0x28, 0xb5, 0x2f, 0xfd};

// The longest line the reader accepts, so that memory stays bounded even on
// a file that is not JSON Lines at all (a binary blob without newlines).
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;

// Every count and id the format calls "non-negative" is at most this, so it
// fits a signed 64-bit integer in any consumer of the JSON.
inline constexpr uint64_t kMaxCount = (uint64_t{1} << 63) - 1;

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_FORMAT_H_
