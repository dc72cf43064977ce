// SPDX-License-Identifier: MIT
// process_child - the program the child-process tests start, the same on every platform (a
// Windows executable under Wine), so the tests need no shell or coreutils:
//   echo               copies stdin to stdout until end of input
//   args A B ...       prints each argument on a line of its own
//   env NAME           prints NAME's value, or "<unset>"
//   cwd                prints the working directory
//   exit N             exits with code N
//   sleep MS           sleeps MS milliseconds, then exits 0
//   split OUT ERR      writes OUT to stdout and ERR to stderr
//   spam N             writes N bytes ('x') to stdout
//   lines N            writes N numbered lines ("line 1" ...) to stdout
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#endif

int main(int argc, char** argv) {
#if defined(_WIN32)
    // Bytes as they are: no "\n" -> "\r\n" on the way through.
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
#endif
    if (argc < 2) {
        std::fputs("usage: process_child MODE [ARGS]\n", stderr);
        return 2;
    }
    const std::string mode = argv[1];
    if (mode == "echo") {
        char chunk[65536];
        std::size_t got = 0;
        while ((got = std::fread(chunk, 1, sizeof chunk, stdin)) > 0) {
            if (std::fwrite(chunk, 1, got, stdout) != got) {
                return 3;
            }
        }
        return 0;
    }
    if (mode == "args") {
        for (int index = 2; index < argc; ++index) {
            std::printf("%s\n", argv[index]);
        }
        return 0;
    }
    if (mode == "env" && argc == 3) {
        const char* value = std::getenv(argv[2]);
        std::printf("%s\n", value != nullptr ? value : "<unset>");
        return 0;
    }
    if (mode == "cwd") {
        std::printf("%s\n", std::filesystem::current_path().string().c_str());
        return 0;
    }
    if (mode == "exit" && argc == 3) {
        return std::atoi(argv[2]);
    }
    if (mode == "sleep" && argc == 3) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
        return 0;
    }
    if (mode == "split" && argc == 4) {
        std::fputs(argv[2], stdout);
        std::fputs(argv[3], stderr);
        return 0;
    }
    if (mode == "spam" && argc == 3) {
        const std::string block(4096, 'x');
        for (long left = std::atol(argv[2]); left > 0; left -= 4096) {
            std::fwrite(block.data(), 1, left < 4096 ? static_cast<std::size_t>(left) : 4096,
                        stdout);
        }
        return 0;
    }
    if (mode == "lines" && argc == 3) {
        for (int line = 1; line <= std::atoi(argv[2]); ++line) {
            std::printf("line %d\n", line);
        }
        return 0;
    }
    std::fprintf(stderr, "process_child: unknown mode %s\n", mode.c_str());
    return 2;
}
