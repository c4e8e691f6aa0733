#include "etcd/auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace etcd::auth {
namespace {

using nlohmann::ordered_json;

constexpr int kIterations = 20000;  // ~10 ms a check: every authenticated request pays it
constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;

std::string to_hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

Result<std::string> derive(std::string_view password, std::string_view salt, int iterations) {
  unsigned char key[kKeyBytes];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof key,
                        key) != 1) {
    return Error{"auth: PBKDF2 failed"};
  }
  return std::string(reinterpret_cast<const char*>(key), sizeof key);
}

void normalize(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

ordered_json kv_json(const Permissions& p) {
  return ordered_json{{"read", p.read}, {"write", p.write}};
}

}  // namespace

Role root_role() {
  return Role{std::string(kRootRole), {{"/*"}, {"/*"}}};
}
Role full_access_guest_role() {
  return Role{std::string(kGuestRole), {{"/*"}, {"/*"}}};
}

bool pattern_matches(std::string_view pattern, std::string_view key) {
  if (pattern.ends_with('*')) return key.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == key;
}

bool has_key_access(const Role& role, std::string_view key, bool write, bool recursive) {
  if (role.name == kRootRole) return true;
  const auto& patterns = write ? role.kv.write : role.kv.read;
  for (const auto& p : patterns) {
    // Recursive access needs a pattern covering the whole subtree: a prefix pattern whose
    // prefix the key starts with (etcd prefixMatch), never an exact key.
    if (recursive ? (p.ends_with('*') && pattern_matches(p, key)) : pattern_matches(p, key)) {
      return true;
    }
  }
  return false;
}

std::string user_to_store_json(const User& user) {
  return ordered_json{{"user", user.name}, {"password", user.password_hash}, {"roles", user.roles}}
      .dump();
}

Result<User> user_from_json(std::string_view json) {
  try {
    const auto j = nlohmann::json::parse(json);
    User u;
    u.name = j.at("user").get<std::string>();
    if (j.contains("password") && !j["password"].is_null()) u.password_hash = j["password"];
    if (j.contains("roles") && !j["roles"].is_null()) u.roles = j["roles"];
    normalize(u.roles);
    return u;
  } catch (const nlohmann::json::exception& e) {
    return Error{e.what()};
  }
}

std::string role_to_json(const Role& role) {
  return ordered_json{{"role", role.name}, {"permissions", {{"kv", kv_json(role.kv)}}}}.dump();
}

Result<Role> role_from_json(std::string_view json) {
  try {
    const auto j = nlohmann::json::parse(json);
    Role r;
    r.name = j.at("role").get<std::string>();
    if (auto p = j.find("permissions"); p != j.end() && p->contains("kv")) {
      const auto& kv = p->at("kv");
      if (kv.contains("read") && !kv["read"].is_null()) r.kv.read = kv["read"];
      if (kv.contains("write") && !kv["write"].is_null()) r.kv.write = kv["write"];
    }
    normalize(r.kv.read);
    normalize(r.kv.write);
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Error{e.what()};
  }
}

Result<std::string> hash_password(std::string_view password) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) return Error{"auth: no randomness for a salt"};
  const std::string salt_s(reinterpret_cast<const char*>(salt), sizeof salt);
  auto key = derive(password, salt_s, kIterations);
  if (!key) return key.error();
  const auto* k = reinterpret_cast<const unsigned char*>(key->data());
  return "pbkdf2-sha256$" + std::to_string(kIterations) + "$" + to_hex(salt, sizeof salt) + "$" +
         to_hex(k, key->size());
}

bool check_password(std::string_view password, std::string_view hash) {
  constexpr std::string_view kScheme = "pbkdf2-sha256$";
  if (!hash.starts_with(kScheme)) return false;
  hash.remove_prefix(kScheme.size());
  const size_t a = hash.find('$');
  const size_t b = a == std::string_view::npos ? a : hash.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  // We write kIterations; a hand-made /_auth record must not cost minutes per request.
  constexpr int kMaxIterations = 1'000'000;
  int iterations = 0;
  for (char c : hash.substr(0, a)) {
    if (c < '0' || c > '9') return false;
    iterations = iterations * 10 + (c - '0');
    if (iterations > kMaxIterations) return false;
  }
  auto salt = from_hex(hash.substr(a + 1, b - a - 1));
  auto want = from_hex(hash.substr(b + 1));
  if (iterations <= 0 || !salt || !want || want->size() != kKeyBytes) return false;
  auto got = derive(password, *salt, iterations);
  return got && CRYPTO_memcmp(got->data(), want->data(), kKeyBytes) == 0;
}

std::optional<Credentials> parse_basic_auth(std::string_view header) {
  constexpr std::string_view kBasic = "Basic ";
  if (!header.starts_with(kBasic)) return std::nullopt;
  header.remove_prefix(kBasic.size());
  if (header.empty() || header.size() % 4 != 0 || header.size() > 4096) return std::nullopt;
  // At most two '=' of padding, and only at the end (Go's base64.StdEncoding): EVP_DecodeBlock
  // takes "====" as three bytes, and dropping four padding bytes from them used to wrap the
  // length around (a length_error thrown out of the request handler).
  const size_t pad = header.size() - (header.find_last_not_of('=') + 1);
  if (pad > 2 || header.find('=') < header.size() - pad) return std::nullopt;
  std::string out(header.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(header.data()),
                                static_cast<int>(header.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return std::nullopt;
  // EVP_DecodeBlock keeps the bytes the '=' padding stands for; drop them.
  out.resize(static_cast<size_t>(n) - pad);
  const size_t colon = out.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{out.substr(0, colon), out.substr(colon + 1)};
}

const Role* State::role(std::string_view name) const {
  auto it = roles.find(name);
  return it == roles.end() ? nullptr : &it->second;
}

const User* authenticate(const State& state, const std::optional<std::string>& authorization) {
  if (!authorization) return nullptr;
  auto creds = parse_basic_auth(*authorization);
  if (!creds) return nullptr;
  auto it = state.users.find(creds->user);
  if (it == state.users.end()) return nullptr;
  return check_password(creds->password, it->second.password_hash) ? &it->second : nullptr;
}

bool has_root_access(const State& state, const std::optional<std::string>& authorization) {
  if (!state.enabled) return true;
  const User* user = authenticate(state, authorization);
  return user && std::binary_search(user->roles.begin(), user->roles.end(), kRootRole);
}

bool has_key_access(const State& state, const std::optional<std::string>& authorization,
                    std::string_view key, bool write, bool recursive) {
  if (!state.enabled) return true;
  if (!authorization) {
    const Role* guest = state.role(kGuestRole);
    return guest && has_key_access(*guest, key, write, recursive);
  }
  const User* user = authenticate(state, authorization);
  if (!user) return false;
  for (const auto& name : user->roles) {
    if (name == kRootRole) return true;
    if (const Role* r = state.role(name); r && has_key_access(*r, key, write, recursive)) {
      return true;
    }
  }
  return false;
}

}  // namespace etcd::auth
