# Helpers that keep every module, service and test declared the same way.

# Compile options for patchq's own code; third-party headers come in as SYSTEM through
# imported targets, so -Werror never fires on them.
function(patchq_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# patchq_module(<name> SOURCES ... [DEPS ...]) -> static library patchq_<name>.
# Headers are included as "common/<name>/<file>.hpp" from the repository root.
function(patchq_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(patchq_${name} STATIC ${ARG_SOURCES})
  target_include_directories(patchq_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(patchq_${name} PUBLIC ${ARG_DEPS})
  patchq_strict(patchq_${name})
endfunction()

# patchq_executable(<name> SOURCES ... [DEPS ...]) -> build/bin/<name>.
function(patchq_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  patchq_strict(${name})
endfunction()

# patchq_test(<name> SOURCES ... [DEPS ...] [NEEDS bin targets] [LABELS ...] [TIMEOUT s])
# One gtest executable per call; each TEST becomes its own ctest entry.
function(patchq_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;NEEDS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} patchq_testsupport GTest::gtest_main)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  patchq_strict(${name})
  if(ARG_NEEDS)
    add_dependencies(${name} ${ARG_NEEDS})
  endif()
  # The suites that handle outside input also carry the label outside_input and belong to the
  # target outside_input_suites (the sanitizer stage's smaller scope, see scripts/test).
  if(name IN_LIST PATCHQ_OUTSIDE_INPUT_SUITES)
    list(APPEND ARG_LABELS outside_input)
    add_dependencies(outside_input_suites ${name})
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

# patchq_add_subfolders([dir]) adds every immediate subfolder of dir (default: the current
# folder) that has a CMakeLists.txt, so a new module, service or test folder needs no edit of a
# shared file.
function(patchq_add_subfolders)
  set(parent ${CMAKE_CURRENT_SOURCE_DIR})
  if(ARGC GREATER 0)
    set(parent ${CMAKE_CURRENT_SOURCE_DIR}/${ARGV0})
  endif()
  file(GLOB children LIST_DIRECTORIES true CONFIGURE_DEPENDS ${parent}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
