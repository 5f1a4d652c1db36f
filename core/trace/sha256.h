// SHA-256 (FIPS 180-4), incremental. The report names a trace by the
// digest of its decompressed text, so that a plain and a compressed copy
// of the same trace give the same report.
#ifndef TTM_CORE_TRACE_SHA256_H_
#define TTM_CORE_TRACE_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ttm::trace {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lowercase hex of the digest. Call once; the object is spent afterwards.
  std::string HexDigest();

 private:
  void Block(const uint8_t* p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0;  // bytes
};

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_SHA256_H_
