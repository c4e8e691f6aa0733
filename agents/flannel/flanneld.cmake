# flanneld (included by CMakeLists.txt after the control and data planes): the daemon, and
# the multi-host overlay test (tests/flannel/overlay.py: three network-namespace hosts, each
# with an etcd2 member, a flanneld and a container behind it) for each backend.
add_executable(flanneld ${CMAKE_CURRENT_LIST_DIR}/flanneld_main.cc)
corestack_project_code(flanneld)
target_compile_definitions(flanneld PRIVATE CORESTACK_VERSION="${PROJECT_VERSION}")
target_link_libraries(flanneld PRIVATE corestack_flannel_dataplane corestack_systemd)

foreach(backend vxlan host-gw udp)
  add_test(NAME flannel_overlay_${backend}
    COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/flannel/overlay.py
            --flanneld $<TARGET_FILE:flanneld> --etcd2 $<TARGET_FILE:etcd2> --backend ${backend})
  set_tests_properties(flannel_overlay_${backend} PROPERTIES LABELS cluster TIMEOUT 300
    SKIP_RETURN_CODE 77)
  corestack_proc_tests(flannel_overlay_${backend})
endforeach()
