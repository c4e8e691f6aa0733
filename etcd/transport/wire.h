// The names and id spelling of the peer wire protocol (etcd/transport/README.md): the
// request paths, the identifying headers every raft request carries, and the hex form of
// member and cluster ids. Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace etcd::transport::wire {

inline constexpr std::string_view kStreamPath = "/raft/stream";      // WebSocket upgrade
inline constexpr std::string_view kSnapshotPath = "/raft/snapshot";  // POST

inline constexpr std::string_view kClusterIdHeader = "X-Etcd-Cluster-ID";
inline constexpr std::string_view kFromHeader = "X-Server-From";
inline constexpr std::string_view kToHeader = "X-Server-To";

// Every id goes on the wire as exactly 16 lower-case hex digits.
std::string format_id(uint64_t id);

// Accepts 1 to 16 hex digits, either case; nullopt for anything else.
std::optional<uint64_t> parse_id(std::string_view text);

}  // namespace etcd::transport::wire
