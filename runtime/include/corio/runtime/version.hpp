// SPDX-License-Identifier: MIT
// version.hpp - which corio this is. The one place the version is written: CMakeLists.txt reads
// it from here for project(), the package's version file, the shared libraries' SONAME and
// corio.pc; the HTTP client sends it in its default User-Agent ("corio/0.1.0").
//
//     static_assert(CORIO_VERSION >= 100, "needs corio 0.1 or later");
//
// While the major version is 0, each minor version may break the API and the ABI: the shared
// libraries' SONAME is libcorio_<part>.so.<major>.<minor>, and find_package(corio 0.1) accepts
// 0.1.x only.
#pragma once

#define CORIO_VERSION_MAJOR 0
#define CORIO_VERSION_MINOR 1
#define CORIO_VERSION_PATCH 0

// major * 10000 + minor * 100 + patch, for comparisons in #if.
#define CORIO_VERSION                                                                              \
    (CORIO_VERSION_MAJOR * 10000 + CORIO_VERSION_MINOR * 100 + CORIO_VERSION_PATCH)

#define CORIO_DETAIL_STRINGIFY_(x) #x
#define CORIO_DETAIL_STRINGIFY(x) CORIO_DETAIL_STRINGIFY_(x)
// "0.1.0"
#define CORIO_VERSION_STRING                                                                       \
    CORIO_DETAIL_STRINGIFY(CORIO_VERSION_MAJOR)                                                    \
    "." CORIO_DETAIL_STRINGIFY(CORIO_VERSION_MINOR) "." CORIO_DETAIL_STRINGIFY(CORIO_VERSION_PATCH)
