# Warnings on project code only; third-party headers come in as SYSTEM. As errors where
# CORESTACK_WERROR is on: make test's tree (clang) and developers' trees. Off by default, so
# a newcomer's `make run` is not stopped by a warning a newer or older GCC invents.
option(CORESTACK_WERROR "Treat warnings in project code as errors" OFF)
# corestack_project_code(<target>): called on every project library and program.
function(corestack_project_code target)
  corestack_precompiled_headers(${target})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  if(CORESTACK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CORESTACK_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

# The sanitizer tree (make test's only tree, make build-asan, make fuzz): clang at -O0 with
# ASan + UBSan, and with CORESTACK_FUZZ the fuzzed modules also instrumented for libFuzzer's
# coverage feedback (corestack_fuzz_coverage), so one tree builds the programs and test
# binaries that every tier runs under the sanitizers and the fuzz targets
# (corestack_fuzzer() links the libFuzzer driver into each). -O0: the tree is built on
# every make test, so compile time decides (clang with ASan+UBSan at -O0 costs about two
# thirds of GCC at -O2 per file; docs/development.md), except for the raft core and the
# simulator (corestack_sanitized_hot_code below). With GCC (still
# possible by hand), -Wmaybe-uninitialized misfires under the instrumentation (Beast's parser)
# and UBSan's null and alignment checks cost a quarter of the compile time, so both are off.
if(CORESTACK_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CORESTACK_FUZZ=ON needs clang: CC=clang CXX=clang++")
endif()
if(CORESTACK_SANITIZE OR CORESTACK_FUZZ)
  add_compile_options(-O0 -fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-fno-sanitize=alignment,null)
  else()
    # clang 14 cannot emit UBSan's function-type check in C++20 coroutines ("Cannot represent
    # a difference across sections": the Asio coroutine files of etcd/transport).
    add_compile_options(-fno-sanitize=function)
  endif()
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # lld links the sanitizer tree's ~110 binaries in a fraction of GNU ld's time (etcd2:
    # 7.5 s -> 2.0 s of CPU).
    add_link_options(-fuse-ld=lld)
  endif()
  # Long randomized tests run fewer rounds here (etcd/mvcc/model_test.cc).
  add_compile_definitions(CORESTACK_SANITIZED=1)
endif()

# corestack_fuzz_coverage(): called at the top of each module the fuzz targets exercise;
# libFuzzer's coverage instrumentation for the targets defined after it in that directory
# (and its subdirectories). Not everywhere: its comparison callbacks made the raft
# simulation 3-5x slower under the sanitizers (sim_seeds_5nodes: 291 s for 60 seeds).
function(corestack_fuzz_coverage)
  if(CORESTACK_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endfunction()

# corestack_unity_group(<target> <group> <sources...>): compiles those sources of <target>
# as one translation unit. For files that instantiate the same heavy Asio/Beast templates:
# each instantiation is then compiled once, not once per file. The files must not clash in
# their file-local names (anonymous namespaces share one unit).
function(corestack_unity_group target group)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES UNITY_GROUP ${group})
endfunction()

# corestack_sanitized_hot_code(<target>): under the sanitizers, compiles <target> at -O1
# instead of -O0. For the raft core and the simulator: the seed sweeps run the same code
# millions of times, ~15x slower at -O0 with ASan than in a plain -O2 build, ~3x at -O1.
function(corestack_sanitized_hot_code target)
  if(CORESTACK_SANITIZE OR CORESTACK_FUZZ)
    target_compile_options(${target} PRIVATE -O1)
  endif()
endfunction()
