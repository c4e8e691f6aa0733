// Rendering of the v2 keys API bodies byte for byte as etcd 3.4 sends them (Go's
// encoding/json): events {"action","node","prevNode"}, nodes with fields in etcd's order
// (key, value | dir, expiration, ttl, nodes, modifiedIndex, createdIndex) and zero
// fields left out, error bodies, and /v2/stats/store.
//
// Owns: the JSON bytes only (no HTTP, no headers). Hand-written and allocation-light: it
// appends to a caller's buffer. Strings are escaped as Go does with HTML escaping on
// (& < > as \u0026 \u003c \u003e, U+2028/U+2029 escaped, invalid UTF-8 replaced by
// U+FFFD per byte); times are Go's time.RFC3339Nano in UTC. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "etcd/store/error.h"
#include "etcd/store/event.h"
#include "etcd/store/stats.h"

namespace etcd::api {

// Appends `s` as a quoted JSON string exactly as Go's json.Encoder writes it.
void append_json_string(std::string& out, std::string_view s);

// Appends the instant `unix_ns` (ns since the Unix epoch, may be negative) as Go's
// time.RFC3339Nano in UTC, e.g. 2026-11-22T16:25:04.00642622Z (fraction trailing zeros
// trimmed; no fraction at all on a whole second). Unquoted.
void append_rfc3339_nano(std::string& out, int64_t unix_ns);

// Appends one node object. The root ("/") renders without a key, as etcd 3.4 (which keeps
// user keys under "/1" and trims that prefix) does.
void append_node(std::string& out, const store::Node& node);

// Appends the /v2/keys body of an event, including the trailing newline etcd's
// json.Encoder writes (also the line format of stream watches).
void append_event(std::string& out, const store::Event& event);
std::string render_event(const store::Event& event);

// Appends {"errorCode":N,"message":"...","cause":"...","index":N} and a newline; `cause`
// is left out when empty, as etcd does.
void append_error(std::string& out, const store::StoreError& error);
std::string render_error(const store::StoreError& error);

// The /v2/stats/store body, counters in etcd's order, no trailing newline.
std::string render_stats(const store::Stats& stats);

}  // namespace etcd::api
