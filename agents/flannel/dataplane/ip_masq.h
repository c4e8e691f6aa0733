// IP masquerade for the overlay (flanneld -ip-masq; docs/flannel.md "Backends"): three
// rules in the nat table's POSTROUTING chain, NET = the overlay network:
//   -s NET -d NET -j RETURN                    traffic inside the overlay keeps its source
//   -s NET ! -d 224.0.0.0/4 -j MASQUERADE      containers -> outside (not multicast)
//   ! -s NET -d NET -j MASQUERADE              host/outside -> containers
// Driven through the iptables binary (-w: wait for the xtables lock), in the network
// namespace of the calling thread. Each rule is checked with -C and appended only when
// absent, so ensure() is idempotent and restores rules someone deleted.
#pragma once

#include <string>
#include <vector>

#include "agents/flannel/ip4.h"

namespace corestack::flannel {

class IpMasq {
 public:
  // `iptables` is the binary to run (looked up in PATH).
  explicit IpMasq(const Ip4Net& network, std::string iptables = "iptables");

  // Appends the missing rules, in order. Throws std::runtime_error with iptables' output
  // when a check or an append fails (or the binary cannot be run).
  void ensure();
  // Deletes every copy of the three rules (flanneld's clean exit). Failures are logged;
  // returns false if any rule could not be removed.
  bool remove();

  // The rule specifications after "-t nat -A POSTROUTING", in installation order.
  const std::vector<std::vector<std::string>>& rules() const { return rules_; }

 private:
  bool exists(const std::vector<std::string>& rule);
  int run(const std::string& action, const std::vector<std::string>& rule, std::string& output);

  std::string iptables_;
  std::vector<std::vector<std::string>> rules_;
};

}  // namespace corestack::flannel
