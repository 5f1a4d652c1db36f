// SHA-256, incremental, from OpenSSL's libcrypto. The report names a trace
// by the digest of its decompressed text, so that a plain and a compressed
// copy of the same trace give the same report.
//
// Why libcrypto: the digest runs over every byte of every trace, and the
// hand-written scalar SHA-256 this replaced hashed at about 180 MB/s, 9% of
// `validate`; libcrypto uses the CPU's SHA extensions (or AVX2) and is one of
// the most reviewed implementations there is (third_party/README.md).
#ifndef TTM_CORE_TRACE_SHA256_H_
#define TTM_CORE_TRACE_SHA256_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace ttm::trace {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lowercase hex of the digest. Call once; the object is spent afterwards.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

}  // namespace ttm::trace

#endif  // TTM_CORE_TRACE_SHA256_H_
