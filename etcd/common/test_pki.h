// Test-only: a throwaway PKI made with the openssl CLI in a temporary directory (removed
// with the object). Certificates are valid for 127.0.0.1 as TLS server and client, so
// one file serves a listener and a dialer. Used by the TLS tests of etcd/transport and
// etcd/http; never linked into a binary that ships.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace etcd::testutil {

class TestPki {
 public:
  // One CA and the certificates it signs.
  struct Family {
    std::string ca;
    std::vector<std::string> certs;
  };

  TestPki() {
    char pattern[] = "/tmp/corestack-pki-XXXXXX";
    if (const char* made = ::mkdtemp(pattern)) dir_ = made;
  }
  // Makes every family up front; ok() says whether openssl managed all of it.
  explicit TestPki(std::initializer_list<Family> families) : TestPki() {
    ok_ = true;
    for (const auto& f : families) {
      ok_ = ok_ && make_ca(f.ca);
      for (const auto& cert : f.certs)
        ok_ = ok_ && make_cert(f.ca, cert);
    }
  }
  bool ok() const { return ok_; }
  ~TestPki() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  std::string path(const std::string& name) const {
    return (std::filesystem::path(dir_) / name).string();
  }

  // <ca>.crt and <ca>.key: a self-signed CA.
  bool make_ca(const std::string& ca) const {
    return !dir_.empty() &&
           run("openssl req -x509 " + std::string(kKey) + " -days 2 -subj /CN=test-" + ca +
               " -keyout " + path(ca + ".key") + " -out " + path(ca + ".crt"));
  }

  // <name>.crt and <name>.key signed by <ca>.
  bool make_cert(const std::string& ca, const std::string& name) const {
    std::ofstream(path(name + ".ext"))
        << "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n";
    return run("openssl req " + std::string(kKey) + " -subj /CN=" + name + " -keyout " +
               path(name + ".key") + " -out " + path(name + ".csr")) &&
           run("openssl x509 -req -days 2 -in " + path(name + ".csr") + " -CA " +
               path(ca + ".crt") + " -CAkey " + path(ca + ".key") + " -CAcreateserial -out " +
               path(name + ".crt") + " -extfile " + path(name + ".ext"));
  }

 private:
  static constexpr const char* kKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

  // Runs a shell command quietly; true on exit status 0.
  static bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }

  std::string dir_;
  bool ok_ = false;
};

}  // namespace etcd::testutil
