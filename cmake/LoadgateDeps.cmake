# LoadgateDeps.cmake: finds every dependency as Debian 12 installs it (see ci/install-deps).
# Each becomes an imported target; the rest of the build links targets, never paths.
include_guard(GLOBAL)

find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)  # permessage-deflate (ws_deflate.cc)
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Protobuf REQUIRED)
include("${CMAKE_CURRENT_LIST_DIR}/LoadgateCares.cmake")  # c-ares::cares, before gRPC asks for it
find_package(gRPC CONFIG REQUIRED)

# Standalone Asio: headers only, no CMake config.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
if(NOT TARGET loadgate_asio)
  add_library(loadgate_asio INTERFACE)
  target_include_directories(loadgate_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
  # ASIO_DISABLE_STD_ALIGNED_ALLOC: Asio picks aligned_alloc or operator new depending on whether
  # a libstdc++ header came before its own in a translation unit; two choices in one program make
  # an inline aligned_delete that frees with the wrong one (ASan: alloc-dealloc-mismatch).
  target_compile_definitions(loadgate_asio INTERFACE ASIO_STANDALONE ASIO_DISABLE_STD_ALIGNED_ALLOC)
  target_link_libraries(loadgate_asio INTERFACE Threads::Threads)
endif()

# http-parser: a header and a shared library, no config.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
if(NOT TARGET loadgate_http_parser)
  add_library(loadgate_http_parser INTERFACE)
  target_include_directories(loadgate_http_parser SYSTEM INTERFACE ${HTTP_PARSER_INCLUDE_DIR})
  target_link_libraries(loadgate_http_parser INTERFACE ${HTTP_PARSER_LIBRARY})
endif()

# libnghttp2 (HTTP/2 framing) and c-ares (DNS against -resolvers): a header and a shared library
# each. Exported like http-parser, so that find_package(loadgate) links them too.
find_path(NGHTTP2_INCLUDE_DIR nghttp2/nghttp2.h REQUIRED)
find_library(NGHTTP2_LIBRARY nghttp2 REQUIRED)
if(NOT TARGET loadgate_nghttp2)
  add_library(loadgate_nghttp2 INTERFACE)
  target_include_directories(loadgate_nghttp2 SYSTEM INTERFACE ${NGHTTP2_INCLUDE_DIR} ${CARES_INCLUDE_DIR})
  target_link_libraries(loadgate_nghttp2 INTERFACE ${NGHTTP2_LIBRARY} ${CARES_LIBRARY})
endif()

# RE2 (every user regular expression: journey extraction, readiness log probes): linear time,
# bounded memory. Debian's libre2-dev; a header and a shared library, exported like nghttp2.
find_path(RE2_INCLUDE_DIR re2/re2.h REQUIRED)
find_library(RE2_LIBRARY re2 REQUIRED)
if(NOT TARGET loadgate_re2)
  add_library(loadgate_re2 INTERFACE)
  target_include_directories(loadgate_re2 SYSTEM INTERFACE ${RE2_INCLUDE_DIR})
  target_link_libraries(loadgate_re2 INTERFACE ${RE2_LIBRARY})
endif()

# prometheus-cpp 1.0 (live metrics): core (the figures, the text format) and push (Pushgateway);
# /metrics is served by loadgate's own endpoint (src/live/live_endpoint.h), not by pull's civetweb.
find_package(prometheus-cpp CONFIG REQUIRED)

# cpp-httplib: Debian ships it compiled; its pkg-config target carries the defines the .so
# was built with (without them, including httplib.h crashes at run time).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

