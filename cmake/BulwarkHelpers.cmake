# bulwark_cc_library / bulwark_cc_test: every target is declared the same way, with the one
# warnings list below. Third-party include folders come in through imported targets, which
# CMake marks SYSTEM, so their warnings never fail our build.

set(BULWARK_WARNINGS
    -Wall -Wextra -Wcast-qual -Wnon-virtual-dtor -Wmissing-declarations -Wshadow
    -Wconversion -Wno-sign-conversion -Werror
    # GCC 12 reports false -Wrestrict positives inside std::string at -O3 (GCC PR105329).
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

function(bulwark_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${ARG_NAME} PRIVATE ${BULWARK_WARNINGS})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

function(bulwark_cc_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT BULWARK_BUILD_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_compile_options(${ARG_NAME} PRIVATE ${BULWARK_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()

function(bulwark_cc_fuzzer)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT BULWARK_BUILD_FUZZERS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
endfunction()
