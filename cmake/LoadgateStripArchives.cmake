# LoadgateStripArchives.cmake: a CPack pre-build script (cmake/LoadgatePackage.cmake) that drops
# the debug information of the staged static libraries (CPACK_STRIP_FILES strips only programs
# and shared libraries): 244 MB installed with it.
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(archive IN LISTS archives)
  execute_process(COMMAND strip --strip-debug "${archive}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
