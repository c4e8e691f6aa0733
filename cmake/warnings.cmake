# Warnings as errors on project code only; third-party headers come in as SYSTEM.
function(corestack_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  if(CORESTACK_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

# -O0: the sanitizer tree is built on every `make test` and run briefly, so compile time
# decides (GCC with ASan+UBSan at -O1 took twice as long as at -O0: server_core.cc 12.5 s ->
# 6.7 s of CPU; the tests run slower but take a minute or two). GCC's
# -Wmaybe-uninitialized misfires under the sanitizers' instrumentation (in Beast's parser,
# inlined into our code), so it is not an error in this tree; the normal tree keeps it.
# UBSan's null and alignment checks cost GCC a quarter of this tree's compile time (the
# Asio coroutine units: 124 s -> 96 s) for little: ASan reports a null dereference as a
# SEGV with its stack, x86 tolerates misalignment, and the fuzz tree (clang) keeps both.
if(CORESTACK_SANITIZE)
  add_compile_options(-O0 -fsanitize=address,undefined -fno-sanitize=alignment,null
                      -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# The fuzz tree (make fuzz): clang, every library instrumented for coverage feedback, and
# the sanitizers on; corestack_fuzzer() links the libFuzzer driver into each target.
if(CORESTACK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CORESTACK_FUZZ=ON needs clang: CC=clang CXX=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# corestack_unity_group(<target> <group> <sources...>): compiles those sources of <target>
# as one translation unit. For files that instantiate the same heavy Asio/Beast templates:
# each instantiation is then compiled once, not once per file. The files must not clash in
# their file-local names (anonymous namespaces share one unit).
function(corestack_unity_group target group)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES UNITY_GROUP ${group})
endfunction()
