# corestack_precompiled_headers(<target>): under clang, the target's files share one
# precompiled header of the standard and JSON headers most of them include
# (corestack_test adds GoogleTest's). Measured in make test's tree (clang -O0 with ASan, CPU
# time): four module libraries -32 %, four unit-test binaries -35 %, three Asio-heavy test
# binaries -18 %. Not under GCC (+26 % there), not for targets of fewer than three files
# (building the header costs more than they save), and without spdlog/fmt and Asio: in a
# clang precompiled header those made each file 2-3x slower.
#
# Clang force-includes the header into every file, so a file that forgets `#include <map>`
# still compiles here and fails under GCC (make run): scripts/check-pch-includes (ctest
# lint_pch_includes) checks that every file includes what it uses of this list.
set(CORESTACK_PCH_HEADERS <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional>
    <set> <sstream> <string> <string_view> <vector> <nlohmann/json.hpp>)
set(CORESTACK_TEST_PCH_HEADERS <filesystem> <fstream> <thread> <gtest/gtest.h> <gmock/gmock.h>)

function(corestack_precompiled_headers target)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  list(FILTER sources INCLUDE REGEX "\\.(cc|cpp|cxx)$")
  list(LENGTH sources count)
  if(count LESS 3)
    return()
  endif()
  target_precompile_headers(${target} PRIVATE ${CORESTACK_PCH_HEADERS})
endfunction()

# For GoogleTest binaries, after corestack_project_code(): adds the test headers to the
# target's precompiled header, if it has one.
function(corestack_precompiled_test_headers target)
  get_target_property(headers ${target} PRECOMPILE_HEADERS)
  if(headers)
    target_precompile_headers(${target} PRIVATE ${CORESTACK_TEST_PCH_HEADERS})
  endif()
endfunction()
