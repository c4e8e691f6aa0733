// etcd2: parse flags + ETCD_* env into a Config, set up logging, run the member.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "etcd/cmd/config.h"
#include "etcd/common/log.h"

extern char** environ;

namespace {

std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    names.push_back(entry.substr(0, entry.find('=')));
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto outcome = etcd::cmd::parse_config(args, env, environment_names());
  if (outcome.action == etcd::cmd::ParseOutcome::Action::exit) {
    std::fputs(outcome.output.c_str(), stdout);
    std::fputs(outcome.error.c_str(), stderr);
    return outcome.exit_code;
  }
  etcd::log::init({.debug = outcome.config.debug, .name = "etcd2"});
  for (const auto& warning : outcome.warnings) spdlog::warn("{}", warning);
  spdlog::error("the etcd2 server is not built yet (issue 5)");
  return 1;
}
