// coreos-cloudinit: applies #cloud-config user-data to the host (docs/cloud-config.md).
//   coreos-cloudinit (--from-file PATH | --from-url URL | --from-proc-cmdline |
//                     --from-configdrive DIR)... [--validate] [--root DIR] [--bus ADDRESS] ...
// Exit status: 0 applied (or valid), 1 failure (or any validation entry), 2 usage.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cloud-config/run.h"

namespace {

using corestack::cloudinit::RunOptions;

// Go's flag package takes -from-file as well as --from-file; CLI11 wants two dashes.
std::vector<std::string> go_style_args(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {  // CLI11 wants them reversed
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] != '-') a.insert(0, "-");
    args.push_back(a);
  }
  return args;
}

void add_options(CLI::App& app, RunOptions& o, double& fetch_timeout, double& job_timeout) {
  app.add_option("--from-file", o.from_file, "Read user-data from a file");
  app.add_option("--from-url", o.from_url, "Download user-data from a URL");
  app.add_flag("--from-proc-cmdline", o.from_proc_cmdline,
               "Download user-data from the URL in the kernel argument cloud-config-url=");
  app.add_option("--proc-cmdline", o.proc_cmdline, "Kernel command line file (tests)")
      ->capture_default_str();
  app.add_option("--from-configdrive", o.from_configdrive, "Read from a config-2 drive's mount");
  app.add_option("--root", o.root, "Apply below this directory, recording service manager calls")
      ->capture_default_str();
  app.add_option("--workspace", o.workspace, "Scripts and the actions log")->capture_default_str();
  app.add_option("--ssh-key-name", o.ssh_key_name, "Name for update-ssh-keys")
      ->capture_default_str();
  app.add_option("--bus", o.bus, "D-Bus address of the service manager (default: system bus)");
  app.add_flag("--ignore-failure", o.ignore_failure, "Exit 0 on malformed user-data");
  app.add_flag("--validate", o.validate, "Validate the user-data and exit");
  app.add_option("--timeout", fetch_timeout, "Seconds to wait for a datasource")
      ->capture_default_str();
  app.add_option("--job-timeout", job_timeout, "Seconds to wait for each unit job")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_logger_mt("coreos-cloudinit");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y/%m/%d %H:%M:%S [%l] %v");

  CLI::App app{"coreos-cloudinit: apply #cloud-config user-data", "coreos-cloudinit"};
  RunOptions o;
  double fetch_timeout = 300, job_timeout = 60;
  bool version = false;
  add_options(app, o, fetch_timeout, job_timeout);
  app.add_flag("--version", version, "Print the version and exit");
  try {
    app.parse(go_style_args(argc, argv));
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (version) {
    std::printf("coreos-cloudinit %s\n", CORESTACK_VERSION);
    return 0;
  }
  if (!o.has_source()) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return 2;
  }
  o.use_bus = !o.bus.empty();
  o.fetch_timeout = std::chrono::milliseconds(static_cast<int64_t>(fetch_timeout * 1000));
  o.job_timeout = std::chrono::milliseconds(static_cast<int64_t>(job_timeout * 1000));
  return corestack::cloudinit::run(o);
}
