// SPDX-License-Identifier: MIT
// example_args.hpp - the command line every tutorial example shares:
//
//     --time-scale S   multiply every simulated delay by S (default 1, as in the tutorial)
//     URL...           (HTTP examples) fetch these instead of the embedded demo server's pages
//
// Kept apart so that each example file reads like its Python twin.
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

inline arguments parse_arguments(int argc, char** argv) {
    arguments parsed;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--time-scale" && i + 1 < argc) {
            char* end = nullptr;
            parsed.time_scale = std::strtod(argv[++i], &end);
            if (end == argv[i] || *end != '\0' || !(parsed.time_scale > 0)) {
                std::cerr << "usage: " << argv[0] << " [--time-scale S] [URL...]  (S > 0)\n";
                std::exit(2);
            }
        } else if (arg == "--help" || arg == "-h" || arg.starts_with("--")) {
            std::cerr << "usage: " << argv[0] << " [--time-scale S] [URL...]\n";
            std::exit(arg.starts_with("--h") || arg == "-h" ? 0 : 2);
        } else {
            parsed.urls.emplace_back(arg);
        }
    }
    return parsed;
}

// `seconds` of tutorial time, scaled.
inline std::chrono::duration<double> scaled(double seconds, double time_scale) {
    return std::chrono::duration<double>(seconds * time_scale);
}

} // namespace example
