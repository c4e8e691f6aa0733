# Precompiled headers, under clang only: every project target's files share a precompiled
# header of the standard and JSON headers most of them include (test binaries: GoogleTest's
# too). Measured in make test's tree (clang -O0 with ASan, CPU time): four module libraries
# -32 %, four unit-test binaries -35 %, three Asio-heavy test binaries -18 %. Not under GCC
# (+26 % there), and without spdlog/fmt and Asio: in a clang precompiled header those made
# each file 2-3x slower.
#
# One header per flavour of compile flags, not one per target: building a header costs
# ~5 s of CPU and the tree has ~80 targets, while clang accepts a header only where the
# flags it checks match (the optimisation level, -fsanitize=fuzzer-no-link; macros may only
# be added). corestack_share_precompiled_headers() therefore builds each flavour's header
# once, in a small anchor target, and every target of that flavour reuses it (REUSE_FROM).
#
# Clang force-includes the header into every file, so a file that forgets `#include <map>`
# still compiles here and fails under GCC (make run): scripts/check-pch-includes (ctest
# lint_pch_includes) checks that every file includes what it uses of this list.
set(CORESTACK_PCH_HEADERS <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional>
    <set> <sstream> <string> <string_view> <vector> <nlohmann/json.hpp>)
set(CORESTACK_TEST_PCH_HEADERS <filesystem> <fstream> <thread> <gtest/gtest.h> <gmock/gmock.h>)

# corestack_precompiled_headers(<target>): called on every project target (through
# corestack_project_code); the header is attached at the end of the configuration, once the
# target's flags are known.
function(corestack_precompiled_headers target)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set_property(GLOBAL APPEND PROPERTY CORESTACK_PCH_TARGETS ${target})
  endif()
endfunction()

# For GoogleTest binaries: their header also holds GoogleTest's.
function(corestack_precompiled_test_headers target)
  set_property(TARGET ${target} PROPERTY CORESTACK_PCH_WITH_TESTS ON)
endfunction()

# The anchor target that builds the header of one flavour: <name>, the extra compile
# options, whether GoogleTest's headers are in it.
function(corestack_pch_anchor name options with_tests)
  set(source ${PROJECT_BINARY_DIR}/pch/anchor.cc)
  if(NOT EXISTS ${source})
    file(WRITE ${source} "// Builds a shared precompiled header (cmake/precompiled_headers.cmake).\n")
  endif()
  add_library(${name} OBJECT ${source})
  target_compile_options(${name} PRIVATE ${options})
  target_precompile_headers(${name} PRIVATE ${CORESTACK_PCH_HEADERS})
  if(with_tests)
    target_precompile_headers(${name} PRIVATE ${CORESTACK_TEST_PCH_HEADERS})
    target_link_libraries(${name} PRIVATE GTest::gtest GTest::gmock)
  endif()
  target_link_libraries(${name} PRIVATE nlohmann_json::nlohmann_json)
endfunction()

# Call once, after every add_subdirectory: gives each registered target the header of its
# flavour.
function(corestack_share_precompiled_headers)
  get_property(targets GLOBAL PROPERTY CORESTACK_PCH_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(options ${target} COMPILE_OPTIONS)
    set(flavour corestack_pch)
    set(flavour_options "")
    # Set by corestack_sanitized_hot_code and corestack_fuzz_coverage (cmake/warnings.cmake).
    if("-O1" IN_LIST options)
      string(APPEND flavour _o1)
      list(APPEND flavour_options -O1)
    endif()
    if("-fsanitize=fuzzer-no-link" IN_LIST options)
      string(APPEND flavour _fuzz)
      list(APPEND flavour_options -fsanitize=fuzzer-no-link)
    endif()
    get_target_property(with_tests ${target} CORESTACK_PCH_WITH_TESTS)
    if(with_tests)
      string(APPEND flavour _test)
    endif()
    if(NOT TARGET ${flavour})
      corestack_pch_anchor(${flavour} "${flavour_options}" "${with_tests}")
    endif()
    target_precompile_headers(${target} REUSE_FROM ${flavour})
  endforeach()
endfunction()
