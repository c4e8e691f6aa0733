# `cmake --install`: the host layout (docs/install.md). One place for the whole package:
# daemons and CLIs, the stock systemd units (the paths of our programs rewritten for a
# prefix other than /usr), the etcd user, and the docs the units point at. Included last by CMakeLists.txt.
include(GNUInstallDirs)

set(CORESTACK_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
set(CORESTACK_LIBEXEC_DIR "${CMAKE_INSTALL_PREFIX}/lib")  # /usr/lib/locksmith, as CoreOS

install(TARGETS etcd2 etcdctl2 fleetd fleetctl flanneld mk-docker-opts locksmithctl
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS locksmithd RUNTIME DESTINATION ${CORESTACK_LIBEXEC_DIR}/locksmith)
if(TARGET coreos-cloudinit)
  install(TARGETS coreos-cloudinit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# units/ is written for prefix /usr; other prefixes get the paths rewritten.
file(GLOB_RECURSE corestack_units RELATIVE ${PROJECT_SOURCE_DIR}/units
     ${PROJECT_SOURCE_DIR}/units/*.service ${PROJECT_SOURCE_DIR}/units/*.socket
     ${PROJECT_SOURCE_DIR}/units/*.service.d/*.conf)
foreach(unit ${corestack_units})
  file(READ ${PROJECT_SOURCE_DIR}/units/${unit} text)
  foreach(program etcd2 etcdctl2 fleetd fleetctl flanneld mk-docker-opts locksmithctl)
    string(REPLACE "/usr/bin/${program}" "${CMAKE_INSTALL_FULL_BINDIR}/${program}" text "${text}")
  endforeach()
  string(REPLACE "/usr/lib/locksmith/" "${CORESTACK_LIBEXEC_DIR}/locksmith/" text "${text}")
  string(REPLACE "/usr/share/doc/corestack/" "${CMAKE_INSTALL_FULL_DOCDIR}/" text "${text}")
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/units/${unit} CONTENT "${text}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${PROJECT_SOURCE_DIR}/units/${unit})
  get_filename_component(subdir ${unit} DIRECTORY)
  install(FILES ${PROJECT_BINARY_DIR}/units/${unit} DESTINATION ${CORESTACK_UNIT_DIR}/${subdir})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/units/sysusers.d/corestack.conf
        DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
