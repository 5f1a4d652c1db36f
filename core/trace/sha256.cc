#include "core/trace/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace ttm::trace {

// EVP_MD_CTX owns the state; a failure to allocate or to run the digest is
// an out-of-memory condition the tool cannot recover from, as for new.
struct Sha256::Context {
  EVP_MD_CTX* md = nullptr;
  ~Context() { EVP_MD_CTX_free(md); }
};

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

Sha256::Sha256() : ctx_(std::make_unique<Context>()) {
  ctx_->md = EVP_MD_CTX_new();
  Require(ctx_->md != nullptr && EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) {
  if (size == 0) return;
  Require(EVP_DigestUpdate(ctx_->md, data, size) == 1);
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  Require(EVP_DigestFinal_ex(ctx_->md, digest, &n) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace ttm::trace
