// SPDX-License-Identifier: MIT
// export.hpp - which of corio's symbols a shared build lets programs see.
//
// corio compiles its own code with hidden visibility (-fvisibility=hidden), so that in a shared
// build (BUILD_SHARED_LIBS=ON) libcorio_runtime.so and libcorio_net.so export only what the
// public headers declare: the implementation under runtime/src and net/src stays private, the
// dynamic symbol table stays small, and a program cannot come to depend on an internal symbol.
// Every public header wraps its declarations in CORIO_EXPORT_BEGIN / CORIO_EXPORT_END, which
// give them default visibility again. detail/ headers are wrapped too: the templates and inline
// functions a program instantiates call into them.
//
// Windows DLLs have no visibility: CMake exports every function of a shared corio
// (WINDOWS_EXPORT_ALL_SYMBOLS), and the public headers declare no variables a program would need
// to import.
#pragma once

#if defined(__GNUC__) && !defined(_WIN32)
#define CORIO_EXPORT_BEGIN _Pragma("GCC visibility push(default)")
#define CORIO_EXPORT_END _Pragma("GCC visibility pop")
#else
#define CORIO_EXPORT_BEGIN
#define CORIO_EXPORT_END
#endif
