# LoadgatePackage.cmake: `cpack` in the build directory writes loadgate_<version>_amd64.deb (ci/package).
#
# One package: the CLI, loadgate(1), the headers, the static libraries and the CMake package
# (find_package(loadgate)). Depends: the shared libraries the CLI links (found by dpkg-shlibdeps).
# Recommends: the -dev packages that find_package(loadgate) finds in turn, for projects that add
# perf tests; without them the CLI works and find_package fails naming the missing package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME loadgate)
set(CPACK_PACKAGE_VENDOR "the loadgate developers")
set(CPACK_PACKAGE_CONTACT "loadgate developers <loadgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "load tests that gate CI: HTTP, gRPC and WebSocket, Vegeta's verbs, C++ perf tests")
set(CPACK_PACKAGE_DESCRIPTION
    "loadgate sends load to HTTP/1.1, HTTP/2, gRPC and WebSocket services with an exact open or closed model, reports it as Vegeta, ghz and k6 do, and gates it against baseline files: from the command line or from GoogleTest perf tests that CTest runs by label.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # loadgate_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # no debug info in the program (350 MB installed with it, all told)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/LoadgateStripArchives.cmake)  # nor in the libraries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps")  # the service lifecycle reads /proc; shlibdeps adds the libraries
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "cmake, g++, libgtest-dev, libgrpc++-dev, protobuf-compiler-grpc, libprotobuf-dev, nlohmann-json3-dev, libssl-dev, libnghttp2-dev, libc-ares-dev, libhttp-parser-dev, libasio-dev, libre2-dev, prometheus-cpp-dev")
include(CPack)
