// Sha256: incremental SHA-256 (OpenSSL EVP) for the snapshot body checksum, so a 100 MB
// snapshot is hashed chunk by chunk as it is written or read, never in a second pass.
// Not thread-safe; one instance per transfer.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace etcd::transport {

class Sha256 {
 public:
  static constexpr size_t kDigestBytes = 32;
  using Digest = std::array<uint8_t, kDigestBytes>;

  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest of everything passed to update(); call once.
  Digest finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace etcd::transport
