#include "bench/common/preamble.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "bench/common/system_info.h"

namespace bench {

namespace {

std::string first_line_of(const std::string& command) {
  std::string line;
  if (FILE* p = popen((command + " 2>&1").c_str(), "r")) {
    char buffer[256];
    if (fgets(buffer, sizeof buffer, p)) line = buffer;
    pclose(p);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  return line;
}

}  // namespace

bool keep_present_servers(const Preamble& p, std::vector<ServerKind>& servers) {
  std::erase_if(servers, [&p](ServerKind k) {
    const auto& path = k == ServerKind::etcd2 ? p.etcd2_path : p.etcd_path;
    if (std::filesystem::exists(path)) return false;
    std::cerr << fmt::format("{}: {} not found at {}; skipping it\n", p.tool, server_name(k), path);
    return true;
  });
  return !servers.empty();
}

bool data_dir_usable(const Preamble& p) {
  std::filesystem::create_directories(p.data_dir);
  if (filesystem_type(p.data_dir) != "tmpfs" || p.allow_tmpfs) return true;
  std::cerr << p.tool << ": " << p.data_dir << " is on tmpfs; fsync would be free there. Use "
            << "--data-dir on a real disk (or --allow-tmpfs).\n";
  return false;
}

std::string header_lines(const Preamble& p) {
  return fmt::format("# {}\n\n", p.tool) + "- machine: " + machine_summary() + "\n" +
         fmt::format("- data dir: {} on {} ({}), fsync on\n", p.data_dir,
                     filesystem_type(p.data_dir), mount_source(p.data_dir)) +
         fmt::format("- etcd2: {} ({})\n", p.etcd2_path,
                     first_line_of(p.etcd2_path + " --version")) +
         fmt::format("- etcd: {} ({})\n", p.etcd_path, first_line_of(p.etcd_path + " --version"));
}

}  // namespace bench
