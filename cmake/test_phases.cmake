# make test runs its tree's tests in two phases (scripts/run-tests), so that the
# real-process tests, which mostly wait on elections, TTLs and debootstrap, overlap the
# compilation of the GoogleTest binaries instead of following it:
#   1. target `programs` (every executable of the default build that is not a GoogleTest
#      binary, the simulator or a fuzz target: the daemons, CLIs and test helpers; also what
#      make run builds); then the tests labelled `proc`
#      (corestack_proc_tests, and e2e_image) while the rest of the tree compiles;
#   2. every other test (`ctest -LE '^proc$'`) once the whole tree is built.
# No `proc` test runs a GoogleTest binary, so phase 1 never needs one that is compiling.

# The directories below `dir` whose targets are part of the default build (a directory
# added with EXCLUDE_FROM_ALL, such as bench/'s, is left out with everything below it).
function(corestack_default_directories dir out)
  get_property(excluded DIRECTORY ${dir} PROPERTY EXCLUDE_FROM_ALL)
  if(excluded)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  set(dirs ${dir})
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    corestack_default_directories(${sub} below)
    list(APPEND dirs ${below})
  endforeach()
  set(${out} ${dirs} PARENT_SCOPE)
endfunction()

# Argument: a regex of further executables to leave out (the simulator, its broken variants
# and the libFuzzer targets: no `proc` test runs them).
function(corestack_programs_target skip)
  get_property(test_binaries GLOBAL PROPERTY CORESTACK_TEST_BINARIES)
  corestack_default_directories(${PROJECT_SOURCE_DIR} dirs)
  set(programs)
  foreach(dir IN LISTS dirs)
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      get_target_property(excluded ${target} EXCLUDE_FROM_ALL)
      if(type STREQUAL "EXECUTABLE" AND NOT excluded AND NOT target IN_LIST test_binaries
         AND NOT target MATCHES "${skip}")
        list(APPEND programs ${target})
      endif()
    endforeach()
  endforeach()
  add_custom_target(programs)
  add_dependencies(programs ${programs})
endfunction()
