# `cmake --install`: the libraries, the public headers (include/framerpc/,
# included as "framerpc/server.h"; nothing internal), the plugin, and a CMake
# package (lib/cmake/framerpc) with framerpc_generate().
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FRAMERPC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/framerpc)

set(framerpc_installed_targets framerpc_proto framerpc_base framerpc_framing
    framerpc_rpc framerpc_tls framerpc_server framerpc_client protoc-gen-framerpc)
install(TARGETS framerpc ${framerpc_installed_targets}
  EXPORT framerpcTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/framerpc/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/framerpc
  FILES_MATCHING PATTERN "*.h")
# The schemas, for tools that talk to framerpc's own services (reflection,
# health) from another language; no generated header is installed.
install(FILES ${PROJECT_SOURCE_DIR}/proto/wire.proto
              ${PROJECT_SOURCE_DIR}/proto/reflection.proto
              ${PROJECT_SOURCE_DIR}/proto/health.proto
  DESTINATION ${CMAKE_INSTALL_DATADIR}/framerpc/proto)

install(EXPORT framerpcTargets NAMESPACE framerpc::
  DESTINATION ${FRAMERPC_CMAKE_DIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/framerpcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/framerpcConfig.cmake
  INSTALL_DESTINATION ${FRAMERPC_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/framerpcConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/framerpcConfig.cmake
  ${PROJECT_BINARY_DIR}/framerpcConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FramerpcGenerate.cmake
  DESTINATION ${FRAMERPC_CMAKE_DIR})

# What the first install rule (top-level CMakeLists.txt) builds.
add_custom_target(framerpc_installed)
add_dependencies(framerpc_installed ${framerpc_installed_targets} framerpc_cli)
