#include "etcd/server/dns_srv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <array>
#include <map>

#include <spdlog/spdlog.h>

#include "etcd/common/url.h"

namespace etcd::server {
namespace {

std::string join_host_port(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::vector<SrvRecord>> system_lookup_srv(const std::string& name) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) return Error{"cannot initialise the DNS resolver"};
  std::array<unsigned char, 8192> answer{};
  const int length = res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer.data(),
                                static_cast<int>(answer.size()));
  std::vector<SrvRecord> records;
  ns_msg message{};
  if (length < 0 || ns_initparse(answer.data(), length, &message) != 0) {
    res_nclose(&state);
    return Error{"lookup " + name + ": no SRV records"};
  }
  for (int i = 0; i < ns_msg_count(message, ns_s_an); ++i) {
    ns_rr rr{};
    if (ns_parserr(&message, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_srv) continue;
    if (ns_rr_rdlen(rr) < 7) continue;
    const unsigned char* rdata = ns_rr_rdata(rr);
    std::array<char, NS_MAXDNAME> target{};
    if (dn_expand(ns_msg_base(message), ns_msg_end(message), rdata + 6, target.data(),
                  static_cast<int>(target.size())) < 0) {
      continue;
    }
    records.push_back({target.data(), static_cast<uint16_t>(ns_get16(rdata + 4))});
  }
  res_nclose(&state);
  if (records.empty()) return Error{"lookup " + name + ": no SRV records"};
  return records;
}

Result<std::vector<std::string>> system_resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return Error{"resolving " + host + ": " + gai_strerror(rc)};
  }
  std::vector<std::string> out;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> ip{};
    const void* addr = a->ai_family == AF_INET6
                           ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (inet_ntop(a->ai_family, addr, ip.data(), ip.size()) != nullptr) {
      out.push_back(join_host_port(ip.data(), port));
    }
  }
  freeaddrinfo(found);
  return out;
}

}  // namespace

SrvResolver system_srv_resolver() { return {system_lookup_srv, system_resolve}; }

Result<SrvCluster> srv_initial_cluster(const std::string& domain, const std::string& name,
                                       const std::vector<std::string>& advertise_peer_urls,
                                       const SrvResolver& resolver) {
  // Our advertised peer addresses, resolved, to recognise ourselves among the targets.
  std::map<std::string, std::string> ours;  // "ip:port" → scheme
  for (const auto& raw : advertise_peer_urls) {
    auto url = parse_url(raw);
    if (!url) return url.error();
    auto addresses = resolver.resolve(url->host, url->port);
    if (!addresses) return Error{"--initial-advertise-peer-urls: " + addresses.error().message};
    for (const auto& a : *addresses) ours[a] = url->scheme;
  }
  SrvCluster out;
  int temp_name = 0;
  std::vector<std::string> errors;
  for (const auto& [service, scheme] :
       {std::pair{"_etcd-server-ssl._tcp.", "https"}, std::pair{"_etcd-server._tcp.", "http"}}) {
    auto records = resolver.lookup_srv(service + domain);
    if (!records) {
      errors.push_back(records.error().message);
      continue;
    }
    for (const auto& r : *records) {
      auto addresses = resolver.resolve(r.target, r.port);
      if (!addresses) {
        spdlog::warn("discovery-srv: couldn't resolve host {} during SRV discovery",
                     join_host_port(r.target, r.port));
        continue;
      }
      bool self = false;
      for (const auto& a : *addresses) self = self || ours.count(a) != 0;
      const std::string url = std::string(scheme) + "://" + join_host_port(r.target, r.port);
      const std::string entry_name = self ? name : std::to_string(temp_name++);
      if (self) out.self_peer_urls.push_back(url);
      out.initial_cluster += (out.initial_cluster.empty() ? "" : ",") + entry_name + "=" + url;
      spdlog::info("discovery-srv: got bootstrap from DNS for {}{} at {}", service, domain, url);
    }
  }
  if (errors.size() == 2) {
    return Error{"too many errors querying DNS SRV records: " + errors[0] + "; " + errors[1]};
  }
  if (out.self_peer_urls.empty()) {
    return Error{"discovery-srv: none of the SRV targets of " + domain +
                 " resolves to this member's --initial-advertise-peer-urls"};
  }
  return out;
}

}  // namespace etcd::server
