// Turns the parsed etcd2 command line into the server's configuration: milliseconds to
// ticks, URL lists to strings, flags to the bootstrap mode.
#pragma once

#include "etcd/cmd/config.h"
#include "etcd/server/etcd_server.h"

namespace etcd::cmd {

server::ServerConfig to_server_config(const Config& config);

}  // namespace etcd::cmd
