// mk-docker-opts: flannel's mk-docker-opts.sh as a program (docs/flannel.md "Docker").
// Reads subnet.env, writes the Docker daemon options file. Exit 0 on success, 1 on a bad
// option (with the usage), an unreadable subnet.env, a bad FLANNEL_IPMASQ or a failed write.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "agents/flannel/subnet_env.h"

namespace {

using corestack::flannel::DockerOptsFlags;

int fail(const std::string& message) {
  std::fprintf(stderr, "mk-docker-opts: %s\n", message.c_str());
  return 1;
}

int run(const DockerOptsFlags& flags) {
  std::ifstream in(flags.subnet_file, std::ios::binary);
  // The script silently wrote empty options when the file was missing; Docker would then
  // start without --bip, so say so instead.
  if (!in) return fail("cannot read " + flags.subnet_file + ": " + std::strerror(errno));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // The script prepends the combined key's value from its environment.
  const char* existing = std::getenv(flags.combined_key.c_str());
  auto opts = corestack::flannel::format_docker_opts(corestack::flannel::parse_env_file(text),
                                                     flags, existing != nullptr ? existing : "");
  if (!opts) return fail(opts.error());
  auto written = corestack::flannel::write_file_atomic(flags.out_file, *opts);
  if (!written) return fail(written.error());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = corestack::flannel::parse_docker_opts_args(args);
  if (!flags) {
    std::fprintf(stderr, "%s: %s\n", argv[0], flags.error().c_str());
    std::fputs(corestack::flannel::docker_opts_usage(argv[0]).c_str(), stderr);
    return 1;
  }
  return run(*flags);
}
