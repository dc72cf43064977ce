# SPDX-License-Identifier: MIT
# Install rules, the CMake package and corio.pc, so users can write:
#   find_package(corio 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE corio::corio)
# or: c++ -std=c++20 app.cpp $(pkg-config --cflags --libs corio)

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
# The libraries this build linked corio::net with, found again for the consumers of a static one.
set(CORIO_PACKAGE_DEPENDENCIES "")
if(CORIO_WITH_OPENSSL AND NOT BUILD_SHARED_LIBS)
    string(APPEND CORIO_PACKAGE_DEPENDENCIES "find_dependency(OpenSSL 3.0)\n")
endif()
if(CORIO_WITH_ZLIB AND NOT BUILD_SHARED_LIBS)
    string(APPEND CORIO_PACKAGE_DEPENDENCIES "find_dependency(ZLIB)\n")
endif()
install(EXPORT corioTargets NAMESPACE corio:: DESTINATION ${corio_cmake_dir})
configure_package_config_file(cmake/corioConfig.cmake.in
    ${PROJECT_BINARY_DIR}/corioConfig.cmake
    INSTALL_DESTINATION ${corio_cmake_dir})
# While the major version is 0, a minor version may break the API: find_package(corio 0.1) then
# accepts 0.1.x only.
if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(corio_compatibility SameMinorVersion)
else()
    set(corio_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/corioConfigVersion.cmake
    COMPATIBILITY ${corio_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/corioConfig.cmake ${PROJECT_BINARY_DIR}/corioConfigVersion.cmake
    DESTINATION ${corio_cmake_dir})

# corio.pc. A static corio makes its users link what it links (pkg-config's plain --libs must be
# enough); a shared one lists that as private, for `pkg-config --static` only. The prefix is found
# from the file's own place, so an installed tree can be moved or installed with --prefix.
set(corio_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH CORIO_PC_PREFIX_FROM_PCFILEDIR /prefix/${corio_pc_dir} /prefix)
string(REGEX REPLACE "/$" "" CORIO_PC_PREFIX_FROM_PCFILEDIR "${CORIO_PC_PREFIX_FROM_PCFILEDIR}")
set(corio_pc_modules)
if(CORIO_WITH_OPENSSL)
    list(APPEND corio_pc_modules "openssl >= 3.0")
endif()
if(CORIO_WITH_ZLIB)
    list(APPEND corio_pc_modules zlib)
endif()
list(JOIN corio_pc_modules ", " corio_pc_modules)
if(WIN32)
    set(corio_pc_system_libs " -lws2_32")
else()
    set(corio_pc_system_libs " -pthread")
endif()
if(BUILD_SHARED_LIBS)
    set(CORIO_PC_LINKAGE shared)
    set(CORIO_PC_REQUIRES "Requires.private: ${corio_pc_modules}")
    set(CORIO_PC_LIBS "")
    set(CORIO_PC_LIBS_PRIVATE "Libs.private:${corio_pc_system_libs}")
else()
    set(CORIO_PC_LINKAGE static)
    set(CORIO_PC_REQUIRES "Requires: ${corio_pc_modules}")
    set(CORIO_PC_LIBS "${corio_pc_system_libs}")
    set(CORIO_PC_LIBS_PRIVATE "")
endif()
configure_file(cmake/corio.pc.in ${PROJECT_BINARY_DIR}/corio.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/corio.pc DESTINATION ${corio_pc_dir})
