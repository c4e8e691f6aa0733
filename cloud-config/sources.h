// Datasources (reference cloudinit.md §1): --from-file, --from-url, --from-proc-cmdline
// (kernel argument cloud-config-url=<url>) and --from-configdrive (OpenStack config-2
// layout). The first that reports available wins, polled with backoff (100 ms doubling to
// 30 s) until the overall deadline. User-data starting with gzip's magic is gunzipped.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloud-config/substitute.h"

namespace corestack::cloudinit {

struct UserData {
  std::string data;     // raw bytes, gunzipped
  std::string source;   // e.g. "file /path"
  Addresses addresses;  // from metadata (configdrive)
  std::string hostname;
  std::vector<std::string> ssh_keys;
};

class Datasource {
 public:
  virtual ~Datasource() = default;
  virtual std::string describe() const = 0;
  virtual bool available() const = 0;
  // Throws std::runtime_error when the data cannot be read (HttpError for URLs).
  virtual UserData fetch(std::chrono::steady_clock::time_point deadline) const = 0;
};

std::unique_ptr<Datasource> file_source(std::string path);
std::unique_ptr<Datasource> url_source(std::string url);
// `cmdline` is /proc/cmdline, or a file standing in for it in tests (--proc-cmdline).
std::unique_ptr<Datasource> proc_cmdline_source(std::string cmdline);
std::unique_ptr<Datasource> configdrive_source(std::string root);

// The cloud-config-url=<url> argument of a kernel command line, if any.
std::optional<std::string> find_cloud_config_url(const std::string& cmdline);

// Waits for the first available source (in order) until `deadline` and fetches from it;
// nothing when none became available. The fetched bytes are gunzipped when gzip's magic
// starts them.
std::optional<UserData> fetch_user_data(const std::vector<std::unique_ptr<Datasource>>& sources,
                                        std::chrono::steady_clock::time_point deadline);

}  // namespace corestack::cloudinit
