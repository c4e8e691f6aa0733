#include "cloud-config/run.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>

#include "agents/systemd/bus.h"
#include "cloud-config/apply.h"
#include "cloud-config/bus_unit_manager.h"
#include "cloud-config/decode.h"
#include "cloud-config/sources.h"
#include "cloud-config/userdata.h"
#include "cloud-config/validate.h"
#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

constexpr int kMalformed = 1;

// Go's log prefix, which the reference's validator output carries: "2006/01/02 15:04:05 ".
void print_go_log(const std::string& line) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &tm);
  std::fprintf(stderr, "%s %s\n", stamp, line.c_str());
}

std::vector<std::unique_ptr<Datasource>> sources_of(const RunOptions& o) {
  std::vector<std::unique_ptr<Datasource>> sources;
  if (!o.from_file.empty()) sources.push_back(file_source(o.from_file));
  if (!o.from_url.empty()) sources.push_back(url_source(o.from_url));
  if (!o.from_configdrive.empty()) sources.push_back(configdrive_source(o.from_configdrive));
  if (o.from_proc_cmdline) sources.push_back(proc_cmdline_source(o.proc_cmdline));
  return sources;
}

std::optional<std::string> getenv_value(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

int validate(const UserData& data, const std::map<std::string, std::string>& values) {
  const Report report = validate_user_data(data.data, values);
  for (const auto& entry : report.sorted())
    print_go_log(format_entry(entry));
  return report.empty() ? 0 : 1;
}

// Returns the user-data with variables substituted, or nothing after printing the errors.
std::optional<std::string> substituted(const UserData& data,
                                       const std::map<std::string, std::string>& values) {
  Substituted s = substitute(data.data, values);
  for (const auto& u : s.unknown) {
    spdlog::error("line {}: ${} has no value (no metadata and {} is not set)", u.line, u.variable,
                  u.env);
  }
  if (!s.unknown.empty()) return std::nullopt;
  return std::move(s.text);
}

// Parses and applies; exceptions are the caller's.
int apply(const UserData& data, const RunOptions& o, Host& host) {
  ApplyOptions options{o.workspace, o.ssh_key_name, data.addresses, data.hostname, data.ssh_keys};
  const auto values = variable_values(data.addresses, getenv_value);
  for (const auto& entry : validate_user_data(data.data, values).sorted())
    spdlog::warn("validation: {}", format_entry(entry));  // log-only, as the reference
  const int malformed = o.ignore_failure ? 0 : kMalformed;
  const Format format = detect_format(data.data);
  switch (format) {
    case Format::Ignition:
      std::printf("Detected an Ignition config. Exiting...\n");
      return 0;
    case Format::Unknown:
      spdlog::error("Unrecognized user-data format");
      return malformed;
    case Format::Empty:
      apply_cloud_config(CloudConfig{}, options, host);
      return 0;
    default:
      break;
  }
  auto text = substituted(data, values);
  if (!text) return malformed;
  if (format == Format::Script) {
    apply_script(*text, options, host);
    return 0;
  }
  auto parsed = parse_yaml(*text);
  if (auto* e = std::get_if<YamlError>(&parsed)) {
    spdlog::error("Failed to parse user-data: line {}: {}", e->line, e->message);
    return malformed;
  }
  apply_cloud_config(decode_config(std::get<YAML::Node>(parsed)), options, host);
  return 0;
}

int apply_to_host(const UserData& data, const RunOptions& o) {
  ActionLog log;
  Filesystem fs(o.root == "/" ? "" : o.root, log);
  std::unique_ptr<CommandRunner> runner;
  if (fs.is_host_root())
    runner = std::make_unique<ProcessRunner>(log);
  else
    runner = std::make_unique<RecordingRunner>(log);
  std::optional<systemd::Bus> bus;
  std::optional<BusUnitManager> units;
  int status = 1;
  try {
    if (fs.is_host_root() || o.use_bus) {
      bus.emplace(o.bus.empty() ? systemd::Bus::open_system() : systemd::Bus::open_address(o.bus));
      units.emplace(*bus, o.job_timeout);
    }
    Host host{fs, *runner, units ? &*units : nullptr, log, !fs.is_host_root() && units};
    status = apply(data, o, host);
  } catch (const std::exception& e) {
    spdlog::error("Failed to apply cloud-config: {}", e.what());
  }
  try {  // what was done, even when a step failed
    const std::string path = fs.host_path(o.workspace + "/actions");
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    write_file_atomically(path, log.text(), 0644);
  } catch (const std::exception& e) {
    spdlog::error("Failed to save the actions log: {}", e.what());
    status = 1;
  }
  return status;
}

}  // namespace

int run(const RunOptions& o) {
  const auto deadline = std::chrono::steady_clock::now() + o.fetch_timeout;
  std::optional<UserData> data;
  try {
    data = fetch_user_data(sources_of(o), deadline);
  } catch (const std::exception& e) {
    spdlog::error("Failed to fetch user-data: {}", e.what());
    return 1;
  }
  if (!data) {
    spdlog::error("No datasources available in time");
    return 1;
  }
  if (o.validate) return validate(*data, variable_values(data->addresses, getenv_value));
  return apply_to_host(*data, o);
}

}  // namespace corestack::cloudinit
