# SPDX-License-Identifier: MIT
# Install rules and the CMake package, so users can write:
#   find_package(corio 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE corio::net)

include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(corio_targets GLOBAL PROPERTY CORIO_EXPORTED_TARGETS)
install(TARGETS ${corio_targets}
    EXPORT corioTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY runtime/include/ net/include/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.hpp")

set(corio_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/corio)
# The libraries this build linked corio::net with, found again for the package's consumers.
set(CORIO_PACKAGE_DEPENDENCIES "")
if(CORIO_WITH_OPENSSL)
    string(APPEND CORIO_PACKAGE_DEPENDENCIES "find_dependency(OpenSSL 3.0)\n")
endif()
if(CORIO_WITH_ZLIB)
    string(APPEND CORIO_PACKAGE_DEPENDENCIES "find_dependency(ZLIB)\n")
endif()
install(EXPORT corioTargets NAMESPACE corio:: DESTINATION ${corio_cmake_dir})
configure_package_config_file(cmake/corioConfig.cmake.in
    ${PROJECT_BINARY_DIR}/corioConfig.cmake
    INSTALL_DESTINATION ${corio_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/corioConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/corioConfig.cmake ${PROJECT_BINARY_DIR}/corioConfigVersion.cmake
    DESTINATION ${corio_cmake_dir})
