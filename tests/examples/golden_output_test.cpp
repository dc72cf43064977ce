// SPDX-License-Identifier: MIT
// The tutorial's listings, checked against the C++ examples run as black boxes.
//
// Each example runs at a small time scale. Its output must equal the tutorial's listing line for
// line, with two allowances: the HTTP examples print local demo-server URLs ("http://127.0.0.1:
// <port>/google.com" where the tutorial has "http://google.com"), and every "elapsed time" must
// be within a tolerance of the tutorial's number times the scale. The tolerances are wide enough
// for a loaded 2-core machine and still tell the blocking totals (the sum of the delays) from the
// concurrent ones (the longest chain).
#include "support/child_process.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

struct golden {
    const char* name;
    const char* program;
    double time_scale;                // 0: the example takes no time scale
    std::vector<std::string> listing; // the tutorial's output
};

// How ctest and --gtest_list_tests show a case, instead of the struct's raw bytes.
void PrintTo(const golden& example, std::ostream* out) {
    const std::string_view program = example.program;
    *out << program.substr(program.find_last_of("/\\") + 1);
    if (example.time_scale != 0) {
        *out << " --time-scale " << example.time_scale;
    }
}

// A measured time may be late by scheduling noise, and early only by the printed rounding.
constexpr double allowed_early = 0.051;
constexpr double allowed_late = 0.25;

// Replaces the demo server's address, so "http://127.0.0.1:40123/google.com" reads as the
// tutorial's "http://google.com".
std::string without_local_server(std::string line) {
    const std::string local = "http://127.0.0.1:";
    for (std::size_t at = line.find(local); at != std::string::npos; at = line.find(local, at)) {
        std::size_t end = at + local.size();
        while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])) != 0) {
            ++end;
        }
        if (end < line.size() && line[end] == '/') {
            line.replace(at, end + 1 - at, "http://");
        }
        at += 1;
    }
    return line;
}

// Splits "... elapsed time: 15.0" into its text and its number; nullopt for other lines.
// (Hand-written rather than std::regex, which g++ 12 warns about under the sanitizers.)
std::optional<std::pair<std::string, double>> timed_line(const std::string& line) {
    const std::string marker = "elapsed time: ";
    const std::size_t at = line.find(marker);
    if (at == std::string::npos) {
        return std::nullopt;
    }
    const std::string number = line.substr(at + marker.size());
    const std::size_t dot = number.find('.');
    const bool well_formed = dot != std::string::npos && dot > 0 && dot + 2 == number.size() &&
                             number.find_first_not_of("0123456789.") == std::string::npos;
    if (!well_formed) {
        return std::nullopt;
    }
    return std::pair{line.substr(0, at + marker.size()), std::stod(number)};
}

void expect_matches_listing(const golden& example, const corio_test::process_result& run) {
    const std::vector<std::string> printed = corio_test::lines_of(run.out);
    ASSERT_EQ(printed.size(), example.listing.size()) << "output:\n"
                                                      << run.out << "stderr:\n"
                                                      << run.err;
    for (std::size_t i = 0; i < printed.size(); ++i) {
        const std::string line = without_local_server(printed[i]);
        const std::string& expected = example.listing[i];
        if (const auto want = timed_line(expected)) {
            const auto got = timed_line(line);
            ASSERT_TRUE(got.has_value()) << "line " << i + 1 << ": " << line;
            EXPECT_EQ(got->first, want->first) << "line " << i + 1;
            const double tutorial = want->second * example.time_scale;
            EXPECT_GE(got->second, tutorial - allowed_early) << "line " << i + 1 << ": " << line;
            EXPECT_LE(got->second, tutorial + allowed_late) << "line " << i + 1 << ": " << line;
        } else {
            EXPECT_EQ(line, expected) << "line " << i + 1;
        }
    }
}

class GoldenOutput : public testing::TestWithParam<golden> {};

TEST_P(GoldenOutput, PrintsTheTutorialsListing) {
    const golden& example = GetParam();
    std::vector<std::string> args;
    if (example.time_scale > 0) {
        args = {"--time-scale", std::to_string(example.time_scale)};
    }
    const corio_test::process_result run =
        corio_test::run_process(example.program, args, std::chrono::seconds(60));
    ASSERT_FALSE(run.timed_out) << example.program;
    ASSERT_EQ(run.exit_code, 0) << "stderr:\n" << run.err;
    expect_matches_listing(example, run);
}

const std::vector<golden> examples = {
    {"Synchronous",
     EXAMPLE_01_synchronous,
     0,
     {"Task One running", "Task One total: 15", "Task One running", "Task One total: 10",
      "Task One running", "Task One total: 5", "Task One running", "Task One total: 2",
      "Task Two nothing to do"}},
    {"CooperativeGenerators",
     EXAMPLE_02_cooperative_generators,
     0,
     {"Task One running", "Task Two running", "Task Two total: 10", "Task Two running",
      "Task One total: 15", "Task One running", "Task Two total: 5", "Task One total: 2"}},
    {"CooperativeBlocking",
     EXAMPLE_03_cooperative_blocking,
     0.1,
     {"Task One running", "Task One elapsed time: 15.0", "Task Two running",
      "Task Two elapsed time: 10.0", "Task One running", "Task One elapsed time: 5.0",
      "Task Two running", "Task Two elapsed time: 2.0", "", "Total elapsed time: 32.0"}},
    {"CooperativeNonBlocking",
     EXAMPLE_04_cooperative_nonblocking,
     0.1,
     {"Task One running", "Task Two running", "Task Two elapsed time: 10.0", "Task Two running",
      "Task One elapsed time: 15.0", "Task One running", "Task Two elapsed time: 5.0",
      "Task One elapsed time: 2.0", "", "Total elapsed time: 17.0"}},
    // The tutorial's blocking listing, against the demo server that replays its delays.
    {"BlockingHttp",
     EXAMPLE_05_blocking_http,
     0.2,
     {"Task One getting URL: http://google.com", "Task One elapsed time: 0.7",
      "Task Two getting URL: http://yahoo.com", "Task Two elapsed time: 3.1",
      "Task One getting URL: http://linkedin.com", "Task One elapsed time: 3.9",
      "Task Two getting URL: http://apple.com", "Task Two elapsed time: 1.0",
      "Task One getting URL: http://microsoft.com", "Task One elapsed time: 1.2",
      "Task Two getting URL: http://facebook.com", "Task Two elapsed time: 6.4", "",
      "Total elapsed time: 16.3"}},
    // What the tutorial's own aiohttp program prints against the demo server's delays (its printed
    // listing came from live sites): two workers, so about half the sum of the delays.
    {"AsyncHttp",
     EXAMPLE_06_async_http,
     0.2,
     {"Task One getting URL: http://google.com", "Task Two getting URL: http://yahoo.com",
      "Task One elapsed time: 0.7", "Task One getting URL: http://linkedin.com",
      "Task Two elapsed time: 3.1", "Task Two getting URL: http://apple.com",
      "Task Two elapsed time: 1.0", "Task Two getting URL: http://microsoft.com",
      "Task One elapsed time: 3.9", "Task One getting URL: http://facebook.com",
      "Task Two elapsed time: 1.2", "Task One elapsed time: 6.4", "", "Total elapsed time: 11.0"}},
    // One task per URL: the total is the slowest site.
    {"TaskPerUrl",
     EXAMPLE_07_task_per_url,
     0.2,
     {"Task One getting URL: http://google.com", "Task Two getting URL: http://yahoo.com",
      "Task Three getting URL: http://linkedin.com", "Task Four getting URL: http://apple.com",
      "Task Five getting URL: http://microsoft.com", "Task Six getting URL: http://facebook.com",
      "Task One elapsed time: 0.7", "Task Four elapsed time: 1.0", "Task Five elapsed time: 1.2",
      "Task Two elapsed time: 3.1", "Task Three elapsed time: 3.9", "Task Six elapsed time: 6.4",
      "", "Total elapsed time: 6.4"}},
};

INSTANTIATE_TEST_SUITE_P(Tutorial, GoldenOutput, testing::ValuesIn(examples),
                         [](const testing::TestParamInfo<golden>& param) {
                             return std::string(param.param.name);
                         });

} // namespace
