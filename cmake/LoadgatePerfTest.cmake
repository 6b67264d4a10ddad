# LoadgatePerfTest.cmake: loadgate_add_perf_test() registers a GoogleTest perf suite with CTest,
# labelled per service and per tier, serial, with timeouts derived from the scenario durations.
#
#   loadgate_add_perf_test(api_suite
#     SOURCES suites/api/api_suite.cc
#     BASELINE ${PROJECT_SOURCE_DIR}/baselines/api.json
#     [WORKING_DIRECTORY dir]      # where baselines/ and targets/ are found (default: project root)
#     [REPORTS_DIR dir]            # where reports go (default: <build>/reports)
#     [SERVICE target-or-command   # the service under test, started for each run
#      ARGS --port {port} ...      #   its arguments ({port}, {addr}, {host}, {port_file})
#      READY http:/health          #   tcp | http:/path | grpc[:service] | ws:/path | log:regex
#      ENV NAME=value ...          #   added to its environment
#      TIMEOUT 10s]                #   readiness deadline
#     [PARALLEL]                   # may run beside other tests (default: RUN_SERIAL)
#     [LINK libs...] [LABELS extra...])
#
# SERVICE names a CMake target (its $<TARGET_FILE>, built before the perf test) or a command.
# It is written to <build>/<target>.process.json and handed to the tests as
# LOADGATE_<SERVICE>_PROCESS_FILE, where <SERVICE> is the baseline's "service": it replaces the
# baseline file's top-level "process" (a scenario's own "process" still wins). Each run then
# starts it on a free loopback port, waits until READY, loads it, and stops it.
#
# A test whose name (after the suite) matches a scenario name, case-insensitively
# (TEST(Api, Heavy) <-> "heavy"; dashes in scenario names are dropped: TEST(Api, CrossJourney) <->
# "cross-journey"), gets that scenario's tier as a label; otherwise the first
# tier word found in its name. Every test gets the labels "perf" and the baseline's service.
# `ctest -L stress` then runs the stress tier, `ctest -L api` the api suite.
include_guard(GLOBAL)
include(GoogleTest)

# Seconds in a Go duration string such as "600s", "2m", "1h30m", "500ms" (rounded up).
function(_loadgate_duration_seconds text out)
  set(total_ms 0)
  string(REGEX MATCHALL "[0-9.]+(ms|h|m|s)" parts "${text}")
  foreach(p IN LISTS parts)
    string(REGEX MATCH "^[0-9]+" n "${p}")
    if(p MATCHES "ms$")
      math(EXPR total_ms "${total_ms} + ${n}")
    elseif(p MATCHES "h$")
      math(EXPR total_ms "${total_ms} + ${n} * 3600000")
    elseif(p MATCHES "m$")
      math(EXPR total_ms "${total_ms} + ${n} * 60000")
    else()
      math(EXPR total_ms "${total_ms} + ${n} * 1000")
    endif()
  endforeach()
  math(EXPR secs "(${total_ms} + 999) / 1000")
  set(${out} ${secs} PARENT_SCOPE)
endfunction()

# `text` as a JSON string literal, quotes included.
function(_loadgate_json_string text out)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()

# Writes the SERVICE declaration of loadgate_add_perf_test(${target}) as a process file, makes
# the perf test depend on a SERVICE target, and returns the file's path in `out`.
function(_loadgate_process_file target service args ready env timeout out)
  if(TARGET ${service})
    set(program "$<TARGET_FILE:${service}>")
    add_dependencies(${target} ${service})
  else()
    set(program "${service}")
  endif()
  _loadgate_json_string("${program}" q)
  set(command "${q}")
  foreach(a IN LISTS args)
    _loadgate_json_string("${a}" q)
    string(APPEND command ", ${q}")
  endforeach()
  if(NOT ready)
    set(ready "tcp")
  endif()
  if(NOT ready MATCHES "^(tcp|http:/.*|grpc|grpc:.+|ws:/.*|log:.+)$")
    message(FATAL_ERROR "loadgate_add_perf_test(${target}): READY ${ready}: want tcp, http:/path, grpc, "
                        "grpc:service, ws:/path or log:regex")
  endif()
  _loadgate_json_string("${ready}" q)
  set(json "{\"command\": [${command}], \"ready\": ${q}")
  if(env)
    set(pairs "")
    foreach(kv IN LISTS env)
      if(NOT kv MATCHES "^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
        message(FATAL_ERROR "loadgate_add_perf_test(${target}): ENV ${kv}: want NAME=value")
      endif()
      _loadgate_json_string("${CMAKE_MATCH_1}" k)
      _loadgate_json_string("${CMAKE_MATCH_2}" v)
      list(APPEND pairs "${k}: ${v}")
    endforeach()
    list(JOIN pairs ", " pairs)
    string(APPEND json ", \"env\": {${pairs}}")
  endif()
  if(timeout)
    _loadgate_json_string("${timeout}" q)
    string(APPEND json ", \"timeout\": ${q}")
  endif()
  string(APPEND json "}\n")
  set(path ${CMAKE_CURRENT_BINARY_DIR}/${target}.process.json)
  file(GENERATE OUTPUT ${path} CONTENT "${json}")
  set(${out} ${path} PARENT_SCOPE)
endfunction()

function(loadgate_add_perf_test target)
  cmake_parse_arguments(ARG "PARALLEL" "BASELINE;WORKING_DIRECTORY;REPORTS_DIR;SERVICE;READY;TIMEOUT"
                        "SOURCES;LINK;LABELS;ARGS;ENV" ${ARGN})
  if(NOT ARG_BASELINE)
    message(FATAL_ERROR "loadgate_add_perf_test(${target}): BASELINE is required")
  endif()
  if(NOT ARG_WORKING_DIRECTORY)
    set(ARG_WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endif()
  if(NOT ARG_REPORTS_DIR)
    set(ARG_REPORTS_DIR ${CMAKE_BINARY_DIR}/reports)
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ARG_BASELINE})

  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE loadgate::gtest GTest::gtest_main ${ARG_LINK})

  file(READ ${ARG_BASELINE} json)
  string(JSON service GET "${json}" service)
  string(JSON count LENGTH "${json}" scenarios)
  set(map "")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON name MEMBER "${json}" scenarios ${i})
      string(JSON tier GET "${json}" scenarios ${name} tier)
      string(JSON duration ERROR_VARIABLE no_duration GET "${json}" scenarios ${name} load duration)
      if(no_duration)
        set(duration "30s")
      endif()
      _loadgate_duration_seconds("${duration}" secs)
      string(TOLOWER "${name}" lname)
      string(REPLACE "-" "" lname "${lname}")  # "cross-journey" <-> TEST(Api, CrossJourney)
      string(APPEND map "set(_lg_tier_${lname} ${tier})\nset(_lg_secs_${lname} ${secs})\n")
    endforeach()
  endif()

  set(extra_env "")
  if(ARG_SERVICE)
    _loadgate_process_file(${target} "${ARG_SERVICE}" "${ARG_ARGS}" "${ARG_READY}" "${ARG_ENV}" "${ARG_TIMEOUT}"
                           process_file)
    string(TOUPPER "${service}" env_service)
    string(REGEX REPLACE "[-.]" "_" env_service "${env_service}")
    set(extra_env ENVIRONMENT "LOADGATE_${env_service}_PROCESS_FILE=${process_file}")
  elseif(ARG_ARGS OR ARG_READY OR ARG_ENV OR ARG_TIMEOUT)
    message(FATAL_ERROR "loadgate_add_perf_test(${target}): ARGS, READY, ENV and TIMEOUT describe a SERVICE")
  endif()
  set(serial RUN_SERIAL TRUE)
  if(ARG_PARALLEL)
    set(serial "")
  endif()

  set(list_var ${target}_TESTS)
  gtest_discover_tests(${target}
    TEST_PREFIX "${service}."
    TEST_LIST ${list_var}
    WORKING_DIRECTORY ${ARG_WORKING_DIRECTORY}
    DISCOVERY_TIMEOUT 60
    PROPERTIES ${serial}
               ENVIRONMENT "LOADGATE_DEFAULT_REPORTS_DIR=${ARG_REPORTS_DIR}"
               ENVIRONMENT "LOADGATE_CLI=${LOADGATE_CLI}"
               ${extra_env})

  # Runs in ctest after the discovered tests are defined: labels and timeouts per test.
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
  set(extra "${ARG_LABELS}")
  file(WRITE ${include_file} "# generated by loadgate_add_perf_test(${target})
${map}
set(_lg_scale \"$ENV{LOADGATE_DURATION_SCALE}\")
string(REGEX MATCH \"^[0-9]+\" _lg_mul \"\${_lg_scale}\")
if(NOT _lg_mul OR _lg_mul LESS 1)
  set(_lg_mul 1)
endif()
foreach(_lg_test IN LISTS ${list_var})
  string(REGEX REPLACE \"^.*\\\\.\" \"\" _lg_name \"\${_lg_test}\")
  string(TOLOWER \"\${_lg_name}\" _lg_name)
  set(_lg_tier \"\")
  set(_lg_secs 60)
  if(DEFINED _lg_tier_\${_lg_name})
    set(_lg_tier \${_lg_tier_\${_lg_name}})
    set(_lg_secs \${_lg_secs_\${_lg_name}})
  else()
    foreach(_lg_t light medium heavy stress soak breakpoint)
      if(_lg_name MATCHES \"\${_lg_t}\")
        set(_lg_tier \${_lg_t})
        break()
      endif()
    endforeach()
  endif()
  math(EXPR _lg_timeout \"\${_lg_secs} * \${_lg_mul} + 180\")
  set_tests_properties(\"\${_lg_test}\" PROPERTIES LABELS \"perf;${service};\${_lg_tier};${extra}\" TIMEOUT \${_lg_timeout})
endforeach()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
