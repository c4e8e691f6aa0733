# corestack_test(<target> PREFIX <module_> LABELS <labels...> SOURCES <...> LIBS <...>)
# Builds a GoogleTest binary and registers each test case with ctest as
# <module_><Suite>.<Case>, labelled for the tier it belongs to.
include(GoogleTest)
enable_testing()

# corestack_test_code(<target>): test-only code is compiled with -Og in the normal tree:
# GCC then takes ~40 % less CPU on a GoogleTest file than at -O2 (registry_test.cc: 17.9 s ->
# 10.3 s) and the code under test, in the module libraries, stays at -O2. The sanitizer
# tree keeps its -O0 (clang's -Og is -O1).
function(corestack_test_code target)
  if(NOT CORESTACK_SANITIZE AND NOT CORESTACK_FUZZ)
    target_compile_options(${target} PRIVATE -Og)
  endif()
endfunction()

function(corestack_test target)
  cmake_parse_arguments(T "" "PREFIX;TIMEOUT" "LABELS;SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${target} ${T_SOURCES})
  set_property(GLOBAL APPEND PROPERTY CORESTACK_TEST_BINARIES ${target})
  corestack_project_code(${target})
  corestack_precompiled_test_headers(${target})
  corestack_test_code(${target})
  target_link_libraries(${target} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${target}
    TEST_PREFIX "${T_PREFIX}"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()

# corestack_fuzzer(<target> SOURCE <file> CORPUS <dir under the source dir> LIBS <...>
#                  [MIN_SECONDS <n>])
# A libFuzzer target (fuzz tree only), registered with ctest as <target> (label fuzz),
# running FUZZ_SECONDS on the committed seed corpus; new inputs stay in the build tree.
set(FUZZ_SECONDS 60 CACHE STRING "libFuzzer -max_total_time of each fuzz test")
if(CORESTACK_FUZZ AND NOT TARGET fuzzers)
  add_custom_target(fuzzers)
endif()

function(corestack_fuzzer target)
  if(NOT CORESTACK_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "SOURCE;CORPUS;MIN_SECONDS" "LIBS" ${ARGN})
  # MIN_SECONDS: a target whose issue asks for a longer run than FUZZ_SECONDS gets it.
  set(seconds ${FUZZ_SECONDS})
  if(F_MIN_SECONDS AND F_MIN_SECONDS GREATER seconds)
    set(seconds ${F_MIN_SECONDS})
  endif()
  add_executable(${target} ${F_SOURCE})
  corestack_project_code(${target})
  target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${target} PRIVATE ${F_LIBS})
  set(found ${CMAKE_CURRENT_BINARY_DIR}/corpus/${target})
  file(MAKE_DIRECTORY ${found})
  add_test(NAME ${target}
    COMMAND ${target} -max_total_time=${seconds} -timeout=10 -rss_limit_mb=2048
            -print_final_stats=1 ${found} ${CMAKE_CURRENT_SOURCE_DIR}/${F_CORPUS})
  # COST: started before the short unit tests (they run the whole FUZZ_SECONDS).
  set_tests_properties(${target} PROPERTIES LABELS fuzz TIMEOUT 300 COST ${seconds})
  add_dependencies(fuzzers ${target})
endfunction()

# test_binaries: every GoogleTest binary and the simulator, with the helpers they run
# (declared by add_dependencies beside each test): `make build-asan`. Arguments: further
# programs that tests run.
function(corestack_test_binaries_target)
  get_property(binaries GLOBAL PROPERTY CORESTACK_TEST_BINARIES)
  add_custom_target(test_binaries)
  list(APPEND binaries ${ARGN})
  add_dependencies(test_binaries ${binaries})
endfunction()

# corestack_proc_tests(<test>...): the real-process tier (etcd2 members, agents, containers;
# tests/cluster/README.md). They measure progress and failover, so never two at once
# (RESOURCE_LOCK); labelled `proc`, make test starts them as soon as the programs they run
# are built, while the GoogleTest binaries still compile (cmake/test_phases.cmake). COST:
# together they are the longest path of make test, so ctest starts them first even in a
# fresh tree without timings. One lane, not two: under ASan their members use 1-1.5 cores,
# so a second lane would only take CPU from the compiler beside them.
function(corestack_proc_tests)
  foreach(test IN LISTS ARGN)
    set_property(TEST ${test} APPEND PROPERTY LABELS proc)
    set_tests_properties(${test} PROPERTIES RESOURCE_LOCK corestack_cluster_tier COST 100)
  endforeach()
endfunction()
