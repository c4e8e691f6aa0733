// The etcd v2 auth model (etcd 2.3 etcdserver/auth): users with hashed passwords and
// roles, roles with read/write key patterns (exact keys or `prefix*`), the special `root`
// and `guest` roles, and the access decision the client API makes on every request.
//
// Owns: the model, its JSON codec (the values etcd keeps under /2/users, /2/roles),
// password hashing and HTTP basic-auth parsing. Never does I/O beyond reading the CSPRNG.
// Pure values and functions; any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::auth {

inline constexpr std::string_view kRootUser = "root";
inline constexpr std::string_view kRootRole = "root";
inline constexpr std::string_view kGuestRole = "guest";

// Where the replicated auth state lives in the v2 store. etcd keeps it in its own "/2"
// tree beside the user keys ("/1"); our store is rooted at the user keys, so the tree is a
// hidden top-level directory instead, fenced off from /v2/keys by the API.
inline constexpr std::string_view kStoreDir = "/_auth";

// True for kStoreDir and the keys under it (the keys API never reaches them).
inline bool in_auth_tree(std::string_view path) {
  return path == kStoreDir || (path.starts_with(kStoreDir) && path[kStoreDir.size()] == '/');
}
inline constexpr std::string_view kUsersDir = "/_auth/users";
inline constexpr std::string_view kRolesDir = "/_auth/roles";
inline constexpr std::string_view kEnabledKey = "/_auth/enabled";

struct Permissions {
  std::vector<std::string> read;   // sorted, unique
  std::vector<std::string> write;  // sorted, unique
  bool operator==(const Permissions&) const = default;
};

struct Role {
  std::string name;
  Permissions kv;
  bool operator==(const Role&) const = default;
};

struct User {
  std::string name;
  std::string password_hash;       // hash_password output; never the plain password
  std::vector<std::string> roles;  // sorted, unique
  bool operator==(const User&) const = default;
};

// etcd's built-in roles: root (everything, never stored) and the guest role enable creates.
Role root_role();
Role full_access_guest_role();

// A key pattern matches a key exactly, or as a prefix when it ends with '*'.
bool pattern_matches(std::string_view pattern, std::string_view key);
// etcd Role.HasKeyAccess / HasRecursiveAccess: the role may read (write) `key`, and with
// `recursive` everything below it.
bool has_key_access(const Role& role, std::string_view key, bool write, bool recursive);

// JSON as etcd stores and answers it.
std::string user_to_store_json(const User& user);
Result<User> user_from_json(std::string_view json);
std::string role_to_json(const Role& role);
Result<Role> role_from_json(std::string_view json);

// PBKDF2-HMAC-SHA256 with a random 16-byte salt from OpenSSL's CSPRNG:
// "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>".
Result<std::string> hash_password(std::string_view password);
// Constant-time comparison of the derived key; false for a malformed hash.
bool check_password(std::string_view password, std::string_view hash);

struct Credentials {
  std::string user;
  std::string password;
};
// "Basic base64(user:password)"; nullopt when malformed.
std::optional<Credentials> parse_basic_auth(std::string_view header);

// The member's applied auth state, as read from its store.
struct State {
  bool enabled = false;
  std::map<std::string, User, std::less<>> users;
  std::map<std::string, Role, std::less<>> roles;  // without root (implicit)

  const Role* role(std::string_view name) const;
};

// The user named by `authorization` when its password checks out; nullptr otherwise.
const User* authenticate(const State& state, const std::optional<std::string>& authorization);
// etcd hasRootAccess: auth disabled, or the credentials are a user with the root role.
bool has_root_access(const State& state, const std::optional<std::string>& authorization);
// etcd hasKeyPrefixAccess: auth disabled; no credentials and the guest role allows it;
// or valid credentials whose roles allow it.
bool has_key_access(const State& state, const std::optional<std::string>& authorization,
                    std::string_view key, bool write, bool recursive);

}  // namespace etcd::auth
