// Steps 4-5 of apply: the files (reference cloudinit.md §2.4, §2.6, §2.8) and the
// /etc/environment merge.
#include <unistd.h>

#include <map>
#include <stdexcept>

#include "cloud-config/apply.h"
#include "cloud-config/codec.h"
#include "cloud-config/render.h"

namespace corestack::cloudinit {
namespace {

struct FileSpec {
  std::string path;
  std::string content;
  mode_t mode = 0644;
  std::string owner;
};

mode_t parse_permissions(const WriteFile& f) {
  if (f.permissions.empty()) return 0644;
  mode_t mode = 0;
  for (char c : f.permissions) {
    if (c < '0' || c > '7' || mode > 07777) {
      throw std::runtime_error("write_files " + f.path + " (line " + std::to_string(f.line) +
                               "): invalid permissions " + f.permissions);
    }
    mode = mode * 8 + static_cast<mode_t>(c - '0');
  }
  return mode;
}

FileSpec prepare_write_file(const WriteFile& f) {
  const std::string where = "write_files entry at line " + std::to_string(f.line);
  if (f.path.empty() || f.path[0] != '/')
    throw std::runtime_error(where + ": needs an absolute path");
  std::string content = f.content;
  std::string encoding = f.encoding;
  if (f.binary) {  // !!binary: yaml decodes base64 before the encoding applies
    auto raw = base64_decode(content);
    if (!raw) throw std::runtime_error(where + ": content is not valid !!binary");
    content = *raw;
    if (encoding == "b64" || encoding == "base64") encoding.clear();
  }
  auto decoded = decode_content(encoding, content);
  if (!decoded) {
    throw std::runtime_error(where + ": content cannot be decoded as \"" + f.encoding + "\"");
  }
  return {f.path, *decoded, parse_permissions(f), f.owner};
}

std::string os_hostname(const CloudConfig& config, const ApplyOptions& options, const Host& host) {
  if (!config.hostname.empty()) return config.hostname;
  if (!options.metadata_hostname.empty()) return options.metadata_hostname;
  if (!host.fs.is_host_root()) {
    std::string name = host.fs.read("/etc/hostname").value_or("localhost");
    while (!name.empty() && (name.back() == '\n' || name.back() == ' '))
      name.pop_back();
    return name;
  }
  char buffer[256] = {};
  ::gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

std::vector<FileSpec> prepare_files(const CloudConfig& config, const ApplyOptions& options,
                                    const Host& host) {
  std::vector<FileSpec> files;
  for (const auto& f : config.write_files)
    files.push_back(prepare_write_file(f));
  if (std::string oem = render_oem_release(config.coreos.oem); !oem.empty())
    files.push_back({"/etc/oem-release", oem});
  const Update& u = config.coreos.update;
  if (!u.reboot_strategy.empty() || !u.group.empty() || !u.server.empty()) {
    const std::string existing =
        host.fs.read("/etc/coreos/update.conf")
            .value_or(host.fs.read("/usr/share/coreos/update.conf").value_or(""));
    files.push_back({"/etc/coreos/update.conf", render_update_conf(existing, u)});
  }
  if (config.manage_etc_hosts == "localhost") {
    files.push_back({"/etc/hosts", "127.0.0.1 " + os_hostname(config, options, host) + "\n"});
  } else if (!config.manage_etc_hosts.empty()) {
    throw std::runtime_error("manage_etc_hosts: unsupported value " + config.manage_etc_hosts);
  }
  if (!config.coreos.flannel.empty())
    files.push_back({"/run/flannel/options.env", render_options_env(config.coreos.flannel)});
  return files;
}

void merge_etc_environment(const CloudConfig& config, const ApplyOptions& options, Host& host) {
  for (const auto& f : config.write_files)
    if (f.path == "/etc/environment") return;  // the user wrote it; leave it alone
  std::map<std::string, std::string> values;
  const Addresses& m = options.metadata;
  if (!m.public_ipv4.empty()) values["COREOS_PUBLIC_IPV4"] = m.public_ipv4;
  if (!m.private_ipv4.empty()) values["COREOS_PRIVATE_IPV4"] = m.private_ipv4;
  if (!m.public_ipv6.empty()) values["COREOS_PUBLIC_IPV6"] = m.public_ipv6;
  if (!m.private_ipv6.empty()) values["COREOS_PRIVATE_IPV6"] = m.private_ipv6;
  if (values.empty()) return;
  const std::string existing = host.fs.read("/etc/environment").value_or("");
  host.fs.write_file("/etc/environment", merge_environment(existing, values), 0644);
}

}  // namespace

void check_files(const CloudConfig& config, const ApplyOptions& options, const Host& host) {
  prepare_files(config, options, host);
}

void apply_files(const CloudConfig& config, const ApplyOptions& options, Host& host) {
  for (const auto& f : prepare_files(config, options, host))
    host.fs.write_file(f.path, f.content, f.mode, f.owner);
  merge_etc_environment(config, options, host);
}

}  // namespace corestack::cloudinit
