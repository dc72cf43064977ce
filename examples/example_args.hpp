// SPDX-License-Identifier: MIT
// example_args.hpp - the command line every tutorial example shares:
//
//     --time-scale S   multiply every simulated delay by S (default 1, as in the tutorial)
//     URL...           (HTTP examples) fetch these instead of the embedded demo server's pages
//     --help           print what the program takes
//
// Each example says which of these it takes and refuses the rest (steps 1 and 2 take nothing:
// they have no delays). Kept apart so that each example file reads like its Python twin.
#pragma once

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace example {

struct arguments {
    double time_scale = 1.0;
    std::vector<std::string> urls;
};

// What an example takes on its command line.
struct accepts {
    bool time_scale = false;
    bool urls = false;
};
inline constexpr accepts nothing{};
inline constexpr accepts time_scale_only{.time_scale = true};
inline constexpr accepts time_scale_and_urls{.time_scale = true, .urls = true};

inline std::string usage(const char* program, accepts accepted) {
    std::string text = std::string("usage: ") + program;
    if (accepted.time_scale) {
        text += " [--time-scale S]";
    }
    if (accepted.urls) {
        text += " [URL...]";
    }
    if (!accepted.time_scale && !accepted.urls) {
        text += "   (takes no arguments: this step has no delays)";
    }
    return text + "\n";
}

// Parses the command line; --help prints the usage and exits 0, anything the example does not
// take prints it to stderr and exits 2.
inline arguments parse_arguments(int argc, char** argv, accepts accepted) {
    arguments parsed;
    auto refuse = [&](std::string_view why) {
        std::cerr << argv[0] << ": " << why << "\n" << usage(argv[0], accepted);
        std::exit(2);
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage(argv[0], accepted);
            std::exit(0);
        } else if (arg == "--time-scale" && accepted.time_scale) {
            if (i + 1 == argc) {
                refuse("--time-scale needs a value");
            }
            char* end = nullptr;
            parsed.time_scale = std::strtod(argv[++i], &end);
            if (end == argv[i] || *end != '\0' || !(parsed.time_scale > 0)) {
                refuse("--time-scale takes a number greater than 0");
            }
        } else if (accepted.urls && !arg.starts_with("-")) {
            parsed.urls.emplace_back(arg);
        } else {
            refuse("unexpected argument '" + std::string(arg) + "'");
        }
    }
    return parsed;
}

// `seconds` of tutorial time, scaled.
inline std::chrono::duration<double> scaled(double seconds, double time_scale) {
    return std::chrono::duration<double>(seconds * time_scale);
}

} // namespace example
