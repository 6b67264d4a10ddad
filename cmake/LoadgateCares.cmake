# LoadgateCares.cmake: c-ares as the target gRPC's link interface names (c-ares::cares).
#
# Debian's gRPC config asks for c-ares's own CMake config, which Debian's libc-ares-dev does not
# ship ("Could NOT find c-ares" at every configure). Include this before find_package(gRPC): the
# build (LoadgateDeps.cmake) and projects that use an installed loadgate (loadgateConfig.cmake)
# both do. Sets CARES_INCLUDE_DIR and CARES_LIBRARY.
find_path(CARES_INCLUDE_DIR ares.h REQUIRED)
find_library(CARES_LIBRARY cares REQUIRED)
if(NOT TARGET c-ares::cares)
  add_library(c-ares::cares UNKNOWN IMPORTED)
  set_target_properties(c-ares::cares PROPERTIES IMPORTED_LOCATION "${CARES_LIBRARY}"
                                                 INTERFACE_INCLUDE_DIRECTORIES "${CARES_INCLUDE_DIR}")
endif()
set(c-ares_FOUND TRUE)
