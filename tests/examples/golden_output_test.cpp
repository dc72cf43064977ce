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

#if defined(CORIO_TEST_HTTPS)
#include "demo_server.hpp"
#include "https_test_support.hpp"
#include "support/nginx_process.hpp"
#include "support/test_certificates.hpp"

#include <corio/http/server.hpp>
#include <corio/runtime/sleep.hpp>

#include <chrono>
#include <filesystem>
#endif

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
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

// Replaces the local server's address, so "http://127.0.0.1:40123/google.com" reads as the
// tutorial's "http://google.com" (and "https://127.0.0.1:40124/google.com" as
// "https://google.com").
std::string without_local_server(std::string line) {
    for (const std::string scheme : {"http://", "https://"}) {
        const std::string local = scheme + "127.0.0.1:";
        for (std::size_t at = line.find(local); at != std::string::npos;
             at = line.find(local, at)) {
            std::size_t end = at + local.size();
            while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])) != 0) {
                ++end;
            }
            if (end < line.size() && line[end] == '/') {
                line.replace(at, end + 1 - at, scheme);
            }
            at += 1;
        }
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

// Tracing must not change what a step prints: --trace and --timeline write their files and add
// nothing to stdout (the tour runs every step with them).
TEST_P(GoldenOutput, PrintsTheSameListingWhileWritingATraceAndATimeline) {
    const golden& example = GetParam();
    const std::filesystem::path folder = std::filesystem::temp_directory_path() /
                                         ("corio-golden-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(folder);
    std::vector<std::string> args = {"--trace", (folder / "run.json").string(), "--timeline",
                                     (folder / "run.svg").string()};
    if (example.time_scale > 0) {
        args.insert(args.end(), {"--time-scale", std::to_string(example.time_scale)});
    }
    const corio_test::process_result run =
        corio_test::run_process(example.program, args, std::chrono::seconds(60));
    auto written = [](const std::filesystem::path& file) {
        std::error_code missing;
        const std::uintmax_t size = std::filesystem::file_size(file, missing);
        return !missing && size > 0;
    };
    const bool wrote_both = written(folder / "run.json") && written(folder / "run.svg");
    std::filesystem::remove_all(folder);
    ASSERT_FALSE(run.timed_out) << example.program;
    ASSERT_EQ(run.exit_code, 0) << "stderr:\n" << run.err;
    EXPECT_TRUE(wrote_both);
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

// Each example answers --help with what it takes, and refuses what it does not take (exit 2)
// instead of ignoring it: steps 1 and 2 have no delays to scale, steps 3 and 4 fetch nothing.
TEST(ExampleArguments, HelpSaysWhatEachTakesAndAnythingElseIsRefused) {
    struct case_ {
        const char* program;
        bool time_scale;
        bool urls;
    };
    const std::vector<case_> cases = {
        {EXAMPLE_01_synchronous, false, false},
        {EXAMPLE_02_cooperative_generators, false, false},
        {EXAMPLE_03_cooperative_blocking, true, false},
        {EXAMPLE_04_cooperative_nonblocking, true, false},
        {EXAMPLE_05_blocking_http, true, true},
        {EXAMPLE_06_async_http, true, true},
        {EXAMPLE_07_task_per_url, true, true},
    };
    for (const case_& example : cases) {
        SCOPED_TRACE(example.program);
        const corio_test::process_result help =
            corio_test::run_process(example.program, {"--help"});
        EXPECT_EQ(help.exit_code, 0);
        EXPECT_EQ(help.out.rfind("usage: ", 0), 0U) << help.out;
        EXPECT_EQ(help.out.find("--time-scale") != std::string::npos, example.time_scale)
            << help.out;
        EXPECT_EQ(help.out.find("URL") != std::string::npos, example.urls) << help.out;

        const corio_test::process_result unknown =
            corio_test::run_process(example.program, {"--frobnicate"});
        EXPECT_EQ(unknown.exit_code, 2);
        EXPECT_NE(unknown.err.find("unexpected argument '--frobnicate'"), std::string::npos)
            << unknown.err;
        if (!example.time_scale) {
            EXPECT_EQ(corio_test::run_process(example.program, {"--time-scale", "1"}).exit_code, 2);
        } else {
            EXPECT_EQ(corio_test::run_process(example.program, {"--time-scale", "0"}).exit_code, 2);
        }
        if (!example.urls) {
            EXPECT_EQ(corio_test::run_process(example.program, {"http://127.0.0.1:1/"}).exit_code,
                      2);
        }
    }
}

#if defined(CORIO_TEST_HTTPS)

// ---- the HTTP examples given https:// URLs ----

// The tutorial's sites, over HTTPS: corio's server with the demo server's delays and pages, and
// a certificate from a CA made for the test, which the examples trust through SSL_CERT_FILE (as
// every program using OpenSSL's default trust store does). Given these URLs, the examples must
// print the same listings as against the plain demo server, with https:// URLs.
class https_sites {
public:
    explicit https_sites(double time_scale)
        : server_(authority_.localhost(), [time_scale](corio::http::server& app) {
            for (const example::demo_site& site : example::demo_server::sites()) {
                app.route("GET", "/" + site.name,
                          [&site, time_scale](corio::http::server_request&)
                              -> corio::task<corio::http::server_response> {
                              co_await corio::sleep_for(
                                  std::chrono::duration<double>(site.delay_seconds * time_scale));
                              co_return corio::http::server_response::text(
                                  200, std::string(site.body_bytes, 'x'));
                          });
            }
        }) {}

    [[nodiscard]] std::vector<std::string> urls() const {
        std::vector<std::string> all;
        for (const example::demo_site& site : example::demo_server::sites()) {
            all.push_back(server_.url("/" + site.name));
        }
        return all;
    }
    // SSL_CERT_FILE naming the test CA.
    [[nodiscard]] std::string trust() const { return "SSL_CERT_FILE=" + ca_.string(); }

private:
    corio_test::test_authority authority_;
    corio_test::scratch_directory directory_;
    std::filesystem::path ca_ = directory_.write("ca.pem", authority_.certificate());
    corio_test::https_server_thread server_;
};

class GoldenOutputOverHttps : public testing::TestWithParam<golden> {};

TEST_P(GoldenOutputOverHttps, PrintsTheTutorialsListingWithHttpsUrls) {
    golden example = GetParam();
    for (std::string& line : example.listing) {
        if (const std::size_t at = line.find("http://"); at != std::string::npos) {
            line.replace(at, 7, "https://");
        }
    }
    const https_sites sites{example.time_scale};
    std::vector<std::string> args = {"--time-scale", std::to_string(example.time_scale)};
    for (const std::string& url : sites.urls()) {
        args.push_back(url);
    }
    const corio_test::process_result run =
        corio_test::run_process(example.program, args, std::chrono::seconds(60), {sites.trust()});
    ASSERT_FALSE(run.timed_out) << example.program;
    ASSERT_EQ(run.exit_code, 0) << "stderr:\n" << run.err;
    expect_matches_listing(example, run);
}

INSTANTIATE_TEST_SUITE_P(Tutorial, GoldenOutputOverHttps,
                         testing::ValuesIn(std::vector<golden>(examples.end() - 3, examples.end())),
                         [](const testing::TestParamInfo<golden>& param) {
                             return std::string(param.param.name);
                         });

// Against a real nginx with TLS: every URL fetched, over keep-alive HTTPS.
TEST(ExamplesOverHttps, FetchFromATlsNginx) {
    if (!corio_test::nginx_process::find()) {
        GTEST_SKIP() << "nginx is not installed (Debian: apt-get install nginx); .ci/run "
                        "installs it";
    }
    const corio_test::test_authority authority;
    const corio_test::scratch_directory directory;
    const corio_test::pem_credentials credentials = authority.localhost();
    const corio_test::nginx_process nginx{
        directory.path(), "        location / { return 200 \"a page from nginx\"; }\n",
        corio_test::nginx_tls{directory.write("chain.pem", credentials.certificate_chain),
                              directory.write("key.pem", credentials.private_key)}};
    const std::string trust =
        "SSL_CERT_FILE=" + directory.write("ca.pem", authority.certificate()).string();
    const std::vector<std::string> urls = {nginx.url("/one"), nginx.url("/two"),
                                           nginx.url("/three")};
    for (const char* program :
         {EXAMPLE_05_blocking_http, EXAMPLE_06_async_http, EXAMPLE_07_task_per_url}) {
        const corio_test::process_result run =
            corio_test::run_process(program, urls, std::chrono::seconds(60), {trust});
        EXPECT_EQ(run.exit_code, 0) << program << ": " << run.err;
        for (const std::string& url : urls) {
            EXPECT_NE(run.out.find(" getting URL: " + url + "\n"), std::string::npos)
                << program << " did not fetch " << url << ":\n"
                << run.out;
        }
        EXPECT_NE(run.out.find("\nTotal elapsed time: "), std::string::npos) << run.out;
    }
}

// Without the CA, the first fetch fails and the example says why.
TEST(ExamplesOverHttps, RefuseAnUntrustedCertificateSayingSo) {
    const https_sites sites{0.01};
    for (const char* program :
         {EXAMPLE_05_blocking_http, EXAMPLE_06_async_http, EXAMPLE_07_task_per_url}) {
        const corio_test::process_result run = corio_test::run_process(
            program, {sites.urls()[0]}, std::chrono::seconds(60), {"SSL_CERT_FILE=/dev/null"});
        EXPECT_EQ(run.exit_code, 1) << program;
        EXPECT_TRUE(run.err.starts_with("error: untrusted certificate: "))
            << program << ": " << run.err;
    }
}

#endif

} // namespace
