# corestack_test(<target> PREFIX <module_> LABELS <labels...> SOURCES <...> LIBS <...>)
# Builds a GoogleTest binary and registers each test case with ctest as
# <module_><Suite>.<Case>, labelled for the tier it belongs to.
include(GoogleTest)
enable_testing()

function(corestack_test target)
  cmake_parse_arguments(T "" "PREFIX;TIMEOUT" "LABELS;SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${target} ${T_SOURCES})
  corestack_warnings(${target})
  target_link_libraries(${target} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${target}
    TEST_PREFIX "${T_PREFIX}"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()
