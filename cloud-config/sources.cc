#include "cloud-config/sources.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cloud-config/codec.h"
#include "cloud-config/http_fetch.h"

namespace corestack::cloudinit {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

class FileSource : public Datasource {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {}
  std::string describe() const override { return "file " + path_; }
  bool available() const override { return exists(path_); }
  UserData fetch(Clock::time_point) const override {
    auto data = read_file(path_);
    if (!data) throw std::runtime_error("cannot read " + path_);
    return {*data, describe()};
  }

 private:
  std::string path_;
};

class UrlSource : public Datasource {
 public:
  explicit UrlSource(std::string url) : url_(std::move(url)) {}
  std::string describe() const override { return "url " + url_; }
  bool available() const override { return true; }  // fetching tells, with its own retries
  UserData fetch(Clock::time_point deadline) const override {
    return {http_get(url_, deadline), describe()};
  }

 private:
  std::string url_;
};

class ProcCmdlineSource : public Datasource {
 public:
  explicit ProcCmdlineSource(std::string cmdline) : cmdline_(std::move(cmdline)) {}
  std::string describe() const override { return "proc-cmdline " + cmdline_; }
  bool available() const override { return url().has_value(); }
  UserData fetch(Clock::time_point deadline) const override {
    const auto u = url();
    if (!u) throw std::runtime_error("no cloud-config-url= in " + cmdline_);
    return {http_get(*u, deadline), "url " + *u};
  }

 private:
  std::optional<std::string> url() const {
    auto text = read_file(cmdline_);
    return text ? find_cloud_config_url(*text) : std::nullopt;
  }
  std::string cmdline_;
};

class ConfigDriveSource : public Datasource {
 public:
  explicit ConfigDriveSource(std::string root) : root_(std::move(root)) {}
  std::string describe() const override { return "configdrive " + root_; }
  bool available() const override { return exists(root_); }
  UserData fetch(Clock::time_point) const override {
    UserData out{read_file(root_ + "/openstack/latest/user_data").value_or(""), describe()};
    read_openstack_metadata(out);
    read_ec2_metadata(out);
    return out;
  }

 private:
  static nlohmann::json parse(const std::optional<std::string>& text) {
    if (!text) return nlohmann::json::object();
    auto json = nlohmann::json::parse(*text, nullptr, false);
    return json.is_object() ? json : nlohmann::json::object();
  }
  static std::string string_at(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  }
  void read_openstack_metadata(UserData& out) const {
    const auto meta = parse(read_file(root_ + "/openstack/latest/meta_data.json"));
    out.hostname = string_at(meta, "hostname");
    if (auto keys = meta.find("public_keys"); keys != meta.end() && keys->is_object()) {
      for (const auto& [name, key] : keys->items())
        if (key.is_string()) out.ssh_keys.push_back(key.get<std::string>());
    }
  }
  void read_ec2_metadata(UserData& out) const {
    const auto meta = parse(read_file(root_ + "/ec2/2009-04-04/meta-data.json"));
    out.addresses.public_ipv4 = string_at(meta, "public-ipv4");
    out.addresses.private_ipv4 = string_at(meta, "local-ipv4");
  }
  std::string root_;
};

}  // namespace

std::unique_ptr<Datasource> file_source(std::string path) {
  return std::make_unique<FileSource>(std::move(path));
}
std::unique_ptr<Datasource> url_source(std::string url) {
  return std::make_unique<UrlSource>(std::move(url));
}
std::unique_ptr<Datasource> proc_cmdline_source(std::string cmdline) {
  return std::make_unique<ProcCmdlineSource>(std::move(cmdline));
}
std::unique_ptr<Datasource> configdrive_source(std::string root) {
  return std::make_unique<ConfigDriveSource>(std::move(root));
}

std::optional<std::string> find_cloud_config_url(const std::string& cmdline) {
  std::istringstream in(cmdline);
  std::string word;
  std::optional<std::string> found;
  while (in >> word) {
    if (word.rfind("cloud-config-url=", 0) == 0) found = word.substr(17);  // the last one wins
  }
  if (found && found->size() >= 2 && found->front() == '"' && found->back() == '"')
    found = found->substr(1, found->size() - 2);
  return found;
}

std::optional<UserData> fetch_user_data(const std::vector<std::unique_ptr<Datasource>>& sources,
                                        Clock::time_point deadline) {
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    for (const auto& source : sources) {
      if (!source->available()) continue;
      spdlog::info("Fetching user-data from datasource of type {}", source->describe());
      UserData data = source->fetch(deadline);
      if (is_gzip(data.data)) {
        auto plain = gunzip(data.data);
        if (!plain)
          throw std::runtime_error("user-data from " + data.source + " is not valid gzip");
        data.data = std::move(*plain);
      }
      return data;
    }
    if (Clock::now() + backoff > deadline) return std::nullopt;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
  }
}

}  // namespace corestack::cloudinit
