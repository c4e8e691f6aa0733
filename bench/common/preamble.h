// What every benchmark that races etcd2 against the real etcd does before its first cell:
// drop a server whose binary is missing, refuse a tmpfs data dir (fsync would be free
// there), and print the lines that say what ran where.
#pragma once

#include <string>
#include <vector>

#include "bench/common/server_cluster.h"

namespace bench {

struct Preamble {
  std::string tool;  // "v2_bench", "v3_bench": prefixes every message
  std::string etcd2_path;
  std::string etcd_path;
  std::string data_dir;
  bool allow_tmpfs = false;
};

// Drops the servers whose binary is missing (saying so on stderr); false when none is left.
bool keep_present_servers(const Preamble& p, std::vector<ServerKind>& servers);
// Creates the data dir; false (with the reason on stderr) if it is on tmpfs and that was
// not allowed.
bool data_dir_usable(const Preamble& p);
// The report's first lines: title, machine, data dir and its filesystem, both binaries with
// their --version.
std::string header_lines(const Preamble& p);

}  // namespace bench
