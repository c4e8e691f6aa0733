// flannel_lease_storm: N lease clients (threads, each with its own etcd::client::Client
// and a distinct PublicIP 192.168.0.1..N) acquire subnets at once from one network, the
// way N flanneld hosts booting together would; then a fresh recursive quorum GET of etcd
// — not the clients' own claims — is checked:
//   - exactly min(N, usable subnets) leases exist, each compatible with the config, with
//     a TTL, no two overlapping, no PublicIP twice;
//   - every client that reported a lease holds exactly that subnet in etcd; every other
//     client reported "out of subnets", and nobody reported any other error.
// Each run uses a fresh prefix. One line per run ("RUN <n> prefix=... leases=... ") for
// tests/flannel/lease_storm.py, which re-checks the stored leases on its own.
//
//   flannel_lease_storm --endpoints http://127.0.0.1:2379,... [--runs 3] [--clients 50]
//       [--config '{"Network":"10.5.0.0/20","SubnetLen":24}'] [--seed N] [--verbose]
//       [--naive]
//
// --naive is the negative control: the clients write their pick with a plain PUT (no
// prevExist=false), as a careless allocator would; the checks must catch the double
// grants that follows.
//
// Exit status: 0 every run clean, 1 a violation or an unexpected error, 2 bad usage.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/flannel/lease_codec.h"
#include "agents/flannel/subnet_manager.h"

namespace {

using namespace corestack::flannel;

struct Options {
  std::vector<std::string> endpoints;
  int runs = 3;
  int clients = 50;
  std::string config = R"({"Network":"10.5.0.0/20","SubnetLen":24})";
  uint64_t seed = std::random_device{}();
  bool verbose = false;
  bool naive = false;
};

struct Outcome {
  bool ok = false;
  Lease lease;
  SubnetError error;
};

struct RunStats {
  int leases = 0;
  int out_of_subnets = 0;
  int other_errors = 0;
  uint64_t puts = 0;  // lease writes sent by all clients (each lost race costs one more)
  int64_t elapsed_ms = 0;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = std::min(text.find(',', begin), text.size());
    if (end > begin) out.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

std::unique_ptr<etcd::client::Client> make_client(const Options& options, int rotate,
                                                  std::atomic<uint64_t>* puts) {
  etcd::client::Config config;
  config.endpoints = options.endpoints;
  // Spread the clients over the members: followers forward writes and quorum reads.
  std::rotate(config.endpoints.begin(),
              config.endpoints.begin() + rotate % static_cast<int>(config.endpoints.size()),
              config.endpoints.end());
  config.request_timeout_ms = 10000;  // a loaded test machine must not turn into errors
  if (puts != nullptr) {
    config.on_request = [puts](const etcd::client::RequestTrace& t) {
      if (t.method == "PUT") ++*puts;
    };
  }
  auto client = etcd::client::Client::create(config);
  if (!client) {
    std::fprintf(stderr, "bad endpoints: %s\n", client.error().to_string().c_str());
    std::exit(2);
  }
  return std::move(client.value());
}

LeaseAttrs attrs_of(int client) {
  char mac[64];
  std::snprintf(mac, sizeof mac, R"({"VtepMAC":"02:00:00:00:00:%02x"})", client + 1);
  return LeaseAttrs{Ip4{0xc0a80000u + static_cast<uint32_t>(client + 1)}, "vxlan", mac};
}

// The negative control's allocator: read, pick, write without any condition.
SubnetResult<Lease> naive_acquire(SubnetManager& manager, etcd::client::KeysApi& keys,
                                  const NetworkConfig& config, const LeaseAttrs& attrs,
                                  const RandomIndex& random) {
  auto leases = manager.list_leases();
  if (!leases) return unexpected(leases.error());
  auto subnet = choose_subnet(config, *leases, random);
  if (!subnet)
    return unexpected(SubnetError{SubnetErrorKind::out_of_subnets, "out of subnets", {}});
  etcd::client::SetOptions options;
  options.ttl_s = kLeaseTtlS;
  auto written = keys.set(lease_key(manager.prefix(), *subnet), encode_lease_attrs(attrs), options);
  if (!written)
    return unexpected(SubnetError{SubnetErrorKind::etcd, written.error().to_string(), {}});
  return Lease{*subnet, attrs, {}, written->node.modified_index};
}

// One host: read the config, acquire a lease.
Outcome run_client(const Options& options, const std::string& prefix, int client, uint64_t seed,
                   std::latch& start, std::atomic<uint64_t>& puts) {
  auto etcd = make_client(options, client, &puts);
  etcd::client::KeysApi keys(*etcd);
  SubnetManager manager(keys, prefix, make_random_index(seed));
  start.arrive_and_wait();
  Outcome outcome;
  auto config = manager.get_config();
  if (!config) {
    outcome.error = config.error();
    return outcome;
  }
  auto lease = options.naive ? naive_acquire(manager, keys, *config, attrs_of(client),
                                             make_random_index(seed))
                             : manager.acquire(*config, attrs_of(client));
  outcome.ok = lease.ok();
  if (lease) outcome.lease = *lease;
  if (!lease) outcome.error = lease.error();
  return outcome;
}

std::vector<std::string> check_client_outcomes(const std::vector<Outcome>& outcomes,
                                               RunStats& stats) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (o.ok) {
      ++stats.leases;
    } else if (o.error.kind == SubnetErrorKind::out_of_subnets) {
      ++stats.out_of_subnets;
    } else {
      ++stats.other_errors;
      problems.push_back("client " + std::to_string(i + 1) + ": " + o.error.message);
    }
  }
  return problems;
}

// The leases as etcd holds them, against the config and the clients' reports.
std::vector<std::string> check_etcd(const Options& options, const std::string& prefix,
                                    const NetworkConfig& config,
                                    const std::vector<Outcome>& outcomes) {
  std::vector<std::string> problems;
  auto etcd = make_client(options, 0, nullptr);
  etcd::client::KeysApi keys(*etcd);
  auto read = keys.get(etcd_path(prefix, "subnets"), {.recursive = true, .quorum = true});
  if (!read) return {"reading the leases: " + read.error().to_string()};
  const auto& nodes = read->node.nodes;
  std::vector<Lease> leases = leases_from_dir(read->node);
  const size_t expected = std::min<uint64_t>(config.subnet_count(), outcomes.size());
  if (nodes.size() != expected || leases.size() != expected) {
    problems.push_back("etcd holds " + std::to_string(nodes.size()) + " nodes (" +
                       std::to_string(leases.size()) + " leases), expected " +
                       std::to_string(expected));
  }
  std::set<Ip4> owners;
  for (size_t i = 0; i < leases.size(); ++i) {
    const Lease& a = leases[i];
    if (!config.compatible(a.subnet)) problems.push_back("incompatible " + a.subnet.to_string());
    if (a.reservation()) problems.push_back("no TTL on " + a.subnet.to_string());
    if (!owners.insert(a.attrs.public_ip).second) {
      problems.push_back(a.attrs.public_ip.to_string() + " holds two leases");
    }
    for (size_t j = i + 1; j < leases.size(); ++j) {
      if (a.subnet.overlaps(leases[j].subnet)) {
        problems.push_back("overlap: " + a.subnet.to_string() + " and " +
                           leases[j].subnet.to_string());
      }
    }
  }
  std::map<Ip4Net, Ip4> holder;
  for (const Lease& l : leases)
    holder[l.subnet] = l.attrs.public_ip;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Ip4 ip = attrs_of(static_cast<int>(i)).public_ip;
    if (outcomes[i].ok) {
      auto it = holder.find(outcomes[i].lease.subnet);
      if (it == holder.end() || it->second != ip) {
        problems.push_back("client " + std::to_string(i + 1) + " claims " +
                           outcomes[i].lease.subnet.to_string() + " but etcd disagrees");
      }
    } else if (owners.count(ip) != 0) {
      problems.push_back("client " + std::to_string(i + 1) + " failed but holds a lease");
    }
  }
  return problems;
}

std::string make_prefix(int run, uint64_t seed) {
  return "/corestack-lease-storm/" + std::to_string(::getpid()) + "-" + std::to_string(seed) + "-" +
         std::to_string(run) + "/network";
}

bool one_run(const Options& options, int run) {
  const uint64_t seed = options.seed + static_cast<uint64_t>(run) * 1000003u;
  const std::string prefix = make_prefix(run, options.seed);
  auto admin = make_client(options, 0, nullptr);
  etcd::client::KeysApi keys(*admin);
  if (auto set = keys.set(etcd_path(prefix, "config"), options.config); !set) {
    std::fprintf(stderr, "writing the config: %s\n", set.error().to_string().c_str());
    return false;
  }
  const NetworkConfig config = *parse_network_config(options.config);
  std::vector<Outcome> outcomes(static_cast<size_t>(options.clients));
  std::latch start(options.clients);
  std::atomic<uint64_t> puts{0};
  const auto began = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back([&, i] {
      outcomes[static_cast<size_t>(i)] =
          run_client(options, prefix, i, seed + static_cast<uint64_t>(i), start, puts);
    });
  }
  for (auto& t : threads)
    t.join();
  RunStats stats;
  stats.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - began)
                         .count();
  stats.puts = puts.load();
  auto problems = check_client_outcomes(outcomes, stats);
  for (auto& p : check_etcd(options, prefix, config, outcomes))
    problems.push_back(std::move(p));
  std::printf("RUN %d prefix=%s leases=%d out_of_subnets=%d other_errors=%d puts=%llu ms=%lld %s\n",
              run, prefix.c_str(), stats.leases, stats.out_of_subnets, stats.other_errors,
              static_cast<unsigned long long>(stats.puts), static_cast<long long>(stats.elapsed_ms),
              problems.empty() ? "ok" : "FAIL");
  for (const auto& p : problems)
    std::printf("  problem: %s\n", p.c_str());
  std::fflush(stdout);
  return problems.empty();
}

bool parse_args(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--endpoints") {
      options.endpoints = split(value());
    } else if (arg == "--runs") {
      options.runs = std::atoi(value().c_str());
    } else if (arg == "--clients") {
      options.clients = std::atoi(value().c_str());
    } else if (arg == "--config") {
      options.config = value();
    } else if (arg == "--seed") {
      options.seed = std::stoull(value());
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--naive") {
      options.naive = true;
    } else {
      return false;
    }
  }
  return !options.endpoints.empty() && options.runs > 0 && options.clients > 0 &&
         parse_network_config(options.config).ok();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_args(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: %s --endpoints URL[,URL...] [--runs N] [--clients N] [--config JSON] "
                 "[--seed N] [--verbose] [--naive]\n",
                 argv[0]);
    return 2;
  }
  spdlog::set_level(options.verbose ? spdlog::level::info : spdlog::level::warn);
  std::printf("seed %llu, %d clients, %d runs, config %s\n",
              static_cast<unsigned long long>(options.seed), options.clients, options.runs,
              options.config.c_str());
  int failed = 0;
  for (int run = 1; run <= options.runs; ++run)
    failed += one_run(options, run) ? 0 : 1;
  std::printf("%d of %d runs clean\n", options.runs - failed, options.runs);
  return failed == 0 ? 0 : 1;
}
