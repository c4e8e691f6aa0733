# flannel's data plane (docs/flannel.md "Backends"): netlink wrappers over libnl-route-3,
# the external interface, the vxlan/host-gw/udp backends and ip-masq rules. Included by
# agents/flannel/CMakeLists.txt after corestack_flannel (ip4, leases, go_json) exists;
# paths are relative to this file so the include site does not matter.
set(FLANNEL_DATAPLANE_DIR ${CMAKE_CURRENT_LIST_DIR})

add_library(corestack_flannel_dataplane STATIC
  ${FLANNEL_DATAPLANE_DIR}/hostgw_backend.cc
  ${FLANNEL_DATAPLANE_DIR}/interface.cc
  ${FLANNEL_DATAPLANE_DIR}/ip_masq.cc
  ${FLANNEL_DATAPLANE_DIR}/make_backend.cc
  ${FLANNEL_DATAPLANE_DIR}/netlink.cc
  ${FLANNEL_DATAPLANE_DIR}/udp_backend.cc
  ${FLANNEL_DATAPLANE_DIR}/vxlan_backend.cc)
corestack_project_code(corestack_flannel_dataplane)
target_link_libraries(corestack_flannel_dataplane
  PUBLIC corestack_flannel
  PRIVATE PkgConfig::LIBNL spdlog::spdlog Threads::Threads)

# Test helpers: throwaway network namespaces, veth/bridge setup, ping.
add_library(corestack_flannel_dataplane_testing STATIC
  ${FLANNEL_DATAPLANE_DIR}/testing/netns.cc)
corestack_project_code(corestack_flannel_dataplane_testing)
corestack_test_code(corestack_flannel_dataplane_testing)
target_link_libraries(corestack_flannel_dataplane_testing
  PUBLIC corestack_flannel_dataplane
  PRIVATE PkgConfig::LIBNL)

# Kernel tests run in anonymous network namespaces (root); without root, netns, vxlan, TUN
# or iptables they skip with the reason. Each takes well under a second.
corestack_test(flannel_dataplane_test PREFIX flannel_ LABELS unit
  SOURCES
    ${FLANNEL_DATAPLANE_DIR}/packet_test.cc
    ${FLANNEL_DATAPLANE_DIR}/netlink_test.cc
    ${FLANNEL_DATAPLANE_DIR}/interface_test.cc
    ${FLANNEL_DATAPLANE_DIR}/vxlan_backend_test.cc
    ${FLANNEL_DATAPLANE_DIR}/hostgw_backend_test.cc
    ${FLANNEL_DATAPLANE_DIR}/udp_backend_test.cc
    ${FLANNEL_DATAPLANE_DIR}/ip_masq_test.cc
    ${FLANNEL_DATAPLANE_DIR}/make_backend_test.cc
  LIBS corestack_flannel_dataplane corestack_flannel_dataplane_testing
       nlohmann_json::nlohmann_json)
