// URL lists as etcd's flags take them ("http://10.0.0.1:2379,http://10.0.0.1:4001").
// Pure parsing, no resolution: a host name stays a name until someone dials it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"

namespace etcd {

struct Url {
  std::string scheme;  // http, https, unix or unixs
  std::string host;    // name or IP literal, without brackets
  uint16_t port = 0;
  std::string raw;     // exactly as given, for messages and advertisement

  bool operator==(const Url& other) const { return raw == other.raw; }
};

// Parses one URL the way etcd's types.NewURLs does: scheme must be http, https, unix or
// unixs; the authority must be host:port; no path.
Result<Url> parse_url(std::string_view text);

// Parses a comma-separated, non-empty list of URLs.
Result<std::vector<Url>> parse_url_list(std::string_view text);

// "name1=url1,name2=url2"; a name may appear more than once (several peer URLs).
struct ClusterEntry {
  std::string name;
  Url url;
};
Result<std::vector<ClusterEntry>> parse_initial_cluster(std::string_view text);

}  // namespace etcd
