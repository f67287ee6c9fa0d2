# `cmake --install`: the libraries, public headers (under include/framerpc,
# included from there as "server/server.h"), the plugin, and a CMake package
# (lib/cmake/framerpc) with framerpc_generate().
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FRAMERPC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/framerpc)

install(TARGETS framerpc framerpc_proto framerpc_framing framerpc_rpc
                framerpc_server framerpc_client protoc-gen-framerpc
  EXPORT framerpcTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

foreach(dir framing rpc server client)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/framerpc/${dir}
    FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/proto/wire.pb.h ${PROJECT_SOURCE_DIR}/proto/wire.proto
              ${PROJECT_BINARY_DIR}/proto/reflection.pb.h
              ${PROJECT_SOURCE_DIR}/proto/reflection.proto
              ${PROJECT_BINARY_DIR}/proto/health.pb.h
              ${PROJECT_SOURCE_DIR}/proto/health.proto
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/framerpc/proto)

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
