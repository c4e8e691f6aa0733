# Warnings as errors on project code only; third-party headers come in as SYSTEM.
function(corestack_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  if(CORESTACK_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

# The sanitizer tree (make test's second tree, make build-asan, make fuzz): clang at -O0 with
# ASan + UBSan, and with CORESTACK_FUZZ the fuzzed modules also instrumented for libFuzzer's
# coverage feedback (corestack_fuzz_coverage), so one tree builds both the test binaries that run under the sanitizers
# and the fuzz targets (corestack_fuzzer() links the libFuzzer driver into each). -O0: the
# tree is built on every make test and its tests run briefly, so compile time decides (GCC
# with ASan+UBSan: server_core.cc 12.5 s of CPU at -O1, 6.7 s at -O0). With GCC (still
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
