// flanneld: picks the external interface, leases this host's subnet from etcd, programs
// the backend, writes subnet.env and notifies systemd; then follows the other hosts'
// leases, renews its own and repairs what others removed (docs/flannel.md "flanneld").
// SIGINT/SIGTERM: "Exiting...", masquerade rules removed; the lease, the device and the
// routes stay, so a restart reuses them without disturbing traffic.
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/flannel/dataplane/interface.h"
#include "agents/flannel/dataplane/ip_masq.h"
#include "agents/flannel/dataplane/make_backend.h"
#include "agents/flannel/dataplane/netlink.h"
#include "agents/flannel/flags.h"
#include "agents/flannel/lease_watcher.h"
#include "agents/flannel/subnet_env.h"
#include "agents/flannel/subnet_manager.h"
#include "agents/systemd/notify.h"

namespace {

using namespace corestack::flannel;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

constexpr auto kRetryDelay = seconds(1);
constexpr auto kRepairInterval = seconds(10);
constexpr auto kRenewRetry = std::chrono::minutes(1);

// Set by SIGINT/SIGTERM; every wait below is at most a second long and checks it.
std::atomic<bool> g_stopping{false};  // NOLINT: written by the signal handler only

extern "C" void on_signal(int) {
  g_stopping.store(true);
}

bool stopping() {
  return g_stopping.load();
}

void pause_for(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

BackendSettings backend_settings(const BackendConfig& b) {
  BackendSettings s;
  s.type = b.type;
  if (b.type == "vxlan") {
    s.vni = static_cast<uint32_t>(b.vxlan.vni);
    s.port = static_cast<uint16_t>(b.vxlan.port);
    s.gbp = b.vxlan.gbp;
    s.direct_routing = b.vxlan.direct_routing;
  } else if (b.type == "udp") {
    s.port = static_cast<uint16_t>(b.udp.port);
  }
  return s;
}

// What one successful network initialisation holds.
struct Network {
  NetworkConfig config;
  std::unique_ptr<Backend> backend;
  Lease lease;
  std::optional<IpMasq> masq;
  bool snapshot_handled = false;
};

class Flanneld {
 public:
  Flanneld(Flags flags, ExternalInterface external, std::unique_ptr<etcd::client::Client> client)
      : flags_(std::move(flags)),
        external_(std::move(external)),
        client_(std::move(client)),
        keys_(*client_),
        subnets_(keys_, flags_.etcd_prefix, make_random_index(std::random_device{}())) {}

  int run() {
    bool notified = false;
    while (!stopping()) {
      auto network = init_network();
      if (!network) break;
      if (!notified) {
        notify_ready();
        notified = true;
      }
      follow_leases(*network);
      if (network->masq) network->masq->remove();
    }
    spdlog::info("Exiting...");
    return 0;
  }

 private:
  // Retries every second until the network is up (or we are told to stop).
  std::optional<Network> init_network() {
    while (!stopping()) {
      if (auto network = try_init()) return network;
      pause_for(kRetryDelay);
    }
    return std::nullopt;
  }

  std::optional<Network> try_init() {
    auto config = subnets_.get_config();
    if (!config) {
      spdlog::error("failed to retrieve network config: {}", config.error().message);
      return std::nullopt;
    }
    Network n{*config, nullptr, {}, std::nullopt, false};
    try {
      n.backend = make_backend(backend_settings(n.config.backend));
      const LeaseAttrs attrs = n.backend->prepare(external_);
      auto lease = subnets_.acquire(n.config, attrs, read_previous_subnet(flags_.subnet_file));
      if (!lease) {
        spdlog::error("failed to acquire lease: {}", lease.error().message);
        return std::nullopt;
      }
      n.lease = *lease;
      if (flags_.ip_masq) {
        n.masq.emplace(n.config.network);
        n.masq->ensure();
      }
      n.backend->start(n.lease, n.config.network);
    } catch (const std::exception& e) {
      spdlog::error("failed to register network: {}", e.what());
      return std::nullopt;
    }
    auto written = write_subnet_env(flags_.subnet_file, n.config.network, n.lease.subnet,
                                    n.backend->mtu(), flags_.ip_masq);
    if (!written) {
      spdlog::error("failed to write {}: {}", flags_.subnet_file, written.error());
      return std::nullopt;
    }
    spdlog::info("Lease acquired: {}", n.lease.subnet.to_string());
    return n;
  }

  void notify_ready() {
    try {
      corestack::systemd::notify_ready();
    } catch (const std::exception& e) {
      spdlog::warn("sd_notify: {}", e.what());
    }
  }

  // Until stopped or our lease is revoked: other leases → backend, renewal, repairs.
  void follow_leases(Network& n) {
    LeaseWatcher watcher(*client_, flags_.etcd_prefix, n.lease);
    auto renew_at = renew_time(n.lease, std::chrono::minutes(flags_.subnet_lease_renew_margin_min));
    auto repair_at = Clock::now() + kRepairInterval;
    while (!stopping()) {
      if (!watch_once(watcher, n)) return;
      if (renew_at && Clock::now() >= *renew_at && !renew(n, renew_at)) return;
      if (Clock::now() >= repair_at) {
        repair(n);
        repair_at = Clock::now() + kRepairInterval;
      }
    }
  }

  // One long-poll (at most a second); false when our lease was revoked.
  bool watch_once(LeaseWatcher& watcher, Network& n) {
    auto events = watcher.next(1000);
    if (!events) {
      if (events.error().kind != etcd::client::ErrorKind::timeout) {
        spdlog::warn("watching leases: {}", events.error().to_string());
        pause_for(kRetryDelay);
      }
      return true;
    }
    // The first batch is the snapshot: handed over even when empty, since the backend
    // drops its stale entries after it.
    if (!events->empty() || !n.snapshot_handled) n.backend->handle(*events);
    n.snapshot_handled = true;
    if (const auto& own = watcher.own_change()) {
      if (own->kind == OwnLeaseChange::revoked) {
        spdlog::warn("Lease has been revoked: {}", own->reason);
        return false;
      }
      n.lease = own->lease;
    }
    return true;
  }

  bool renew(Network& n, std::optional<Clock::time_point>& renew_at) {
    auto renewed = subnets_.renew(n.lease);
    if (renewed) {
      n.lease = *renewed;
      spdlog::info("Lease renewed, new expiration: {}",
                   renewed->reservation() ? std::string("never") : format_expiration(*renewed));
      renew_at = renew_time(n.lease, std::chrono::minutes(flags_.subnet_lease_renew_margin_min));
      return true;
    }
    if (renewed.error().kind == SubnetErrorKind::revoked) {
      spdlog::warn("Lease has been revoked: {}", renewed.error().message);
      return false;
    }
    spdlog::error("Error renewing lease (trying again in 1 min): {}", renewed.error().message);
    renew_at = Clock::now() + kRenewRetry;
    return true;
  }

  static std::string format_expiration(const Lease& lease) {
    const std::time_t t = Clock::to_time_t(lease.expiration);
    char text[64];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
  }

  void repair(Network& n) {
    try {
      n.backend->repair();
      if (n.masq) n.masq->ensure();
    } catch (const std::exception& e) {
      spdlog::warn("repair: {}", e.what());
    }
  }

  Flags flags_;
  ExternalInterface external_;
  std::unique_ptr<etcd::client::Client> client_;
  etcd::client::KeysApi keys_;
  SubnetManager subnets_;
};

void setup_logging(bool journal, int verbosity) {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("flanneld"));
  spdlog::set_pattern(journal ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
  spdlog::set_level(verbosity > 0 ? spdlog::level::debug : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
}

int run(int argc, char** argv) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  auto flags = parse_flags(std::vector<std::string>(argv + 1, argv + argc), env);
  if (!flags) {
    std::cerr << flags.error() << "\n" << flags_usage(argv[0]);
    return 2;
  }
  if (flags->help) {
    std::cout << flags_usage(argv[0]);
    return 0;
  }
  if (flags->version) {
    std::cout << CORESTACK_VERSION << "\n";
    return 0;
  }
  setup_logging(env("JOURNAL_STREAM").has_value(), flags->verbosity);
  for (const auto& warning : flags->warnings)
    spdlog::warn("{}", warning);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ExternalInterface external;
  try {
    Netlink netlink;
    external = pick_external_interface(netlink, flags->iface, flags->public_ip);
  } catch (const std::exception& e) {
    spdlog::critical("Failed to find interface to use: {}", e.what());
    return 1;
  }
  auto client = etcd::client::Client::create(etcd_config(*flags));
  if (!client) {
    spdlog::critical("Failed to create the etcd client: {}", client.error().to_string());
    return 1;
  }
  return Flanneld(*flags, external, std::move(client.value())).run();
}

}  // namespace

int main(int argc, char** argv) {
  return run(argc, argv);
}
