// <data-dir>/proxy/cluster: the peer URLs a proxy last learned, so that it restarts
// without --initial-cluster or --discovery. Same format as etcd 2.3 ({"PeerURLs":[...]}),
// so a data dir moves between etcd and etcd2. Written to "cluster.bak", fsynced, then
// renamed over "cluster": a crash leaves the old list or the new one, never half a file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::proxy {

// "<data_dir>/proxy".
std::string proxy_dir(const std::string& data_dir);

// nullopt when the file does not exist; an error when it exists but cannot be read/parsed.
Result<std::optional<std::vector<std::string>>> read_cluster_file(const std::string& proxy_dir);
Result<void> write_cluster_file(const std::string& proxy_dir,
                                const std::vector<std::string>& peer_urls);

// Parses the file's text: etcd's object, or a bare JSON list of URLs.
Result<std::vector<std::string>> parse_cluster_file(const std::string& text);

}  // namespace etcd::proxy
