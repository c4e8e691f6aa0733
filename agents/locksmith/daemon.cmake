# locksmithd (included by CMakeLists.txt): the daemon's decisions (daemon.cc, tested with a
# fake machine), the machine over D-Bus (host_bus.cc), coordinator.conf, terminal warnings
# and the etcd reboot slot; locksmithctl's reboot and send-need-reboot use the same D-Bus code.
add_library(corestack_locksmith_host STATIC
  broadcast.cc coordinator.cc daemon.cc host_bus.cc reboot_slot.cc)
corestack_project_code(corestack_locksmith_host)
target_link_libraries(corestack_locksmith_host
  PUBLIC corestack_locksmith corestack_systemd spdlog::spdlog fmt::fmt)

add_executable(locksmithd locksmithd_main.cc)
corestack_project_code(locksmithd)
target_link_libraries(locksmithd PRIVATE corestack_locksmith_host)
target_link_libraries(locksmithctl PRIVATE corestack_locksmith_host)

corestack_test(locksmith_daemon_test PREFIX locksmith_ LABELS unit
  SOURCES daemon_test.cc coordinator_test.cc
  LIBS corestack_locksmith_host)

# The rolling-reboot simulation (tests/locksmith/rolling_reboot.py): five locksmithd, each on
# its own private bus with fake_host_services, against a 3-member etcd2 (label cluster) and
# the real etcd 3.4 (label compat); plus the negative control (REBOOT_STRATEGY=reboot must be
# caught rebooting without a slot). Skipped (77) without dbus-daemon / the real etcd.
set(LOCKSMITH_ROLLING ${PROJECT_SOURCE_DIR}/tests/locksmith/rolling_reboot.py
    --locksmithd $<TARGET_FILE:locksmithd> --locksmithctl $<TARGET_FILE:locksmithctl>
    --fake $<TARGET_FILE:fake_host_services>)
add_test(NAME locksmith_rolling_reboot_etcd2
  COMMAND /usr/bin/python3 ${LOCKSMITH_ROLLING} --kind etcd2 --etcd2 $<TARGET_FILE:etcd2>
          --runs 3 --max 1,2)
add_test(NAME locksmith_rolling_reboot_real_etcd
  COMMAND /usr/bin/python3 ${LOCKSMITH_ROLLING} --kind etcd --runs 2 --max 1,2)
add_test(NAME locksmith_rolling_reboot_negative_control
  COMMAND /usr/bin/python3 ${LOCKSMITH_ROLLING} --kind etcd2 --etcd2 $<TARGET_FILE:etcd2>
          --runs 1 --max 1 --strategy reboot --expect-violation)
set_tests_properties(locksmith_rolling_reboot_etcd2 locksmith_rolling_reboot_negative_control
  PROPERTIES LABELS cluster)
set_tests_properties(locksmith_rolling_reboot_real_etcd PROPERTIES LABELS compat)
set_tests_properties(locksmith_rolling_reboot_etcd2 locksmith_rolling_reboot_real_etcd
  locksmith_rolling_reboot_negative_control PROPERTIES
  TIMEOUT 600 SKIP_RETURN_CODE 77)
corestack_proc_tests(locksmith_rolling_reboot_etcd2 locksmith_rolling_reboot_real_etcd locksmith_rolling_reboot_negative_control)

# locksmithd's single-host scenarios over its real sd-bus code (tests/locksmith/daemon_scenarios.py).
add_test(NAME locksmith_daemon_scenarios
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/locksmith/daemon_scenarios.py
          --locksmithd $<TARGET_FILE:locksmithd> --locksmithctl $<TARGET_FILE:locksmithctl>
          --fake $<TARGET_FILE:fake_host_services> --etcd2 $<TARGET_FILE:etcd2>)
set_tests_properties(locksmith_daemon_scenarios PROPERTIES LABELS cluster TIMEOUT 300
  SKIP_RETURN_CODE 77)
corestack_proc_tests(locksmith_daemon_scenarios)
