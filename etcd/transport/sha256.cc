#include "etcd/transport/sha256.h"

#include <openssl/evp.h>

#include "etcd/common/assert.h"

namespace etcd::transport {

struct Sha256::Context {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->md = EVP_MD_CTX_new();
  ETCD_ASSERT(context_->md != nullptr, "EVP_MD_CTX_new failed");
  ETCD_ASSERT(EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr) == 1, "SHA-256 init failed");
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(context_->md);
}

void Sha256::update(std::string_view bytes) {
  ETCD_ASSERT(EVP_DigestUpdate(context_->md, bytes.data(), bytes.size()) == 1,
              "SHA-256 update failed");
}

Sha256::Digest Sha256::finish() {
  Digest digest{};
  unsigned int length = 0;
  ETCD_ASSERT(
      EVP_DigestFinal_ex(context_->md, digest.data(), &length) == 1 && length == kDigestBytes,
      "SHA-256 final failed");
  return digest;
}

}  // namespace etcd::transport
