// SPDX-License-Identifier: MIT
// corio-get over HTTPS, black-box: the built binary (CORIO_GET_PATH) against corio's HTTPS server
// and a real nginx with certificates from a CA made at test time. --cacert trusts it, without it
// the certificate is untrusted and the line says so, --insecure fetches anyway with a warning,
// every TLS failure is "URL error: tls: MESSAGE" with exit status 1, and --raw keeps a
// compressed body as sent.
#include <corio/http/server.hpp>

#include "compression.hpp"
#include "https_test_support.hpp"
#include "support/child_process.hpp"
#include "support/leak_check.hpp"
#include "support/nginx_process.hpp"
#include "support/test_certificates.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
using corio_test::https_server_thread;

namespace {

const corio_test::test_authority& authority() {
    return corio_test::test_ca();
}

corio_test::process_result run_corio_get(const std::vector<std::string>& args,
                                         const std::vector<std::string>& environment = {}) {
    corio_test::process_result result =
        corio_test::run_process(CORIO_GET_PATH, args, 30s, environment);
    EXPECT_FALSE(result.timed_out) << "corio-get was killed after 30 s";
    return result;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.starts_with(prefix);
}

// The test CA, as a file for --cacert (ca.ca_file).
using ca_file = corio_test::trusting_options;

const std::string plain_text = "the body, compressed on the wire\n";

// The default routes, and /gzip: a body sent with Content-Encoding: gzip.
void routes_with_gzip(corio::http::server& app) {
    https_server_thread::default_routes(app);
    app.route("GET", "/gzip",
              [](corio::http::server_request&) -> corio::task<corio::http::server_response> {
                  corio::http::server_response response = corio::http::server_response::text(
                      200, corio_test::compress(plain_text, corio_test::compressed_format::gzip));
                  response.fields.add("Content-Encoding", "gzip");
                  co_return response;
              });
}

TEST(CorioGetHttps, CacertTrustsTheTestCa) {
    corio_test::leak_check check;
    const https_server_thread site{authority().localhost()};
    const ca_file ca;
    const std::string url = site.url("/hello");
    const corio_test::process_result run = run_corio_get({"--cacert", ca.ca_file, url});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const std::vector<std::string> lines = corio_test::lines_of(run.out);
    ASSERT_EQ(lines.size(), 1U) << run.out;
    const std::string body = "hello over TLS: /hello";
    EXPECT_TRUE(starts_with(lines[0], url + " 200 " + std::to_string(body.size()) + " "))
        << lines[0];
}

TEST(CorioGetHttps, SslCertFileTrustsTheTestCaAsEverywhereOpenSslIsUsed) {
    const https_server_thread site{authority().localhost()};
    const ca_file ca;
    const corio_test::process_result run =
        run_corio_get({"--body", site.url("/hello")}, {"SSL_CERT_FILE=" + ca.ca_file});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "hello over TLS: /hello");
}

TEST(CorioGetHttps, WithoutTheCaEachTlsFailureIsNamedOnItsLine) {
    const https_server_thread trusted_elsewhere{authority().localhost()};
    const https_server_thread expired{authority().expired_localhost()};
    const https_server_thread other_host{authority().other_host()};
    const ca_file ca;
    const std::string untrusted_url = trusted_elsewhere.url("/hello");
    const corio_test::process_result bare = run_corio_get({untrusted_url});
    EXPECT_EQ(bare.exit_code, 1);
    ASSERT_EQ(corio_test::lines_of(bare.out).size(), 1U) << bare.out;
    EXPECT_TRUE(starts_with(bare.out, untrusted_url + " error: tls: untrusted certificate: "))
        << bare.out;

    const std::string expired_url = expired.url("/hello");
    const std::string mismatched_url =
        "https://localhost:" + std::to_string(other_host.port()) + "/hello";
    const corio_test::process_result run =
        run_corio_get({"--cacert", ca.ca_file, expired_url, mismatched_url});
    EXPECT_EQ(run.exit_code, 1);
    const std::vector<std::string> lines = corio_test::lines_of(run.out);
    ASSERT_EQ(lines.size(), 2U) << run.out;
    EXPECT_TRUE(starts_with(lines[0], expired_url + " error: tls: expired certificate: "))
        << lines[0];
    EXPECT_EQ(lines[1], mismatched_url +
                            " error: tls: hostname mismatch: the certificate is not valid for "
                            "'localhost'");
}

TEST(CorioGetHttps, InsecureFetchesAnywayAndSaysSoOnStderr) {
    const https_server_thread site{authority().expired_localhost()};
    const corio_test::process_result run =
        run_corio_get({"--insecure", "--body", site.url("/hello")});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "hello over TLS: /hello");
    EXPECT_NE(run.err.find("WARNING: --insecure: TLS certificates are NOT verified"),
              std::string::npos)
        << run.err;
}

TEST(CorioGetHttps, RawKeepsACompressedBodyAsSent) {
    if (!corio_test::compression_available()) {
        GTEST_SKIP() << "this build has no zlib to compress the test body with";
    }
    const https_server_thread site{authority().localhost(), routes_with_gzip};
    const ca_file ca;
    const corio_test::process_result decoded =
        run_corio_get({"--cacert", ca.ca_file, "--body", site.url("/gzip")});
    EXPECT_EQ(decoded.exit_code, 0) << decoded.err;
    EXPECT_EQ(decoded.out, plain_text);
    const corio_test::process_result raw =
        run_corio_get({"--cacert", ca.ca_file, "--raw", "--body", site.url("/gzip")});
    EXPECT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_EQ(raw.out, corio_test::compress(plain_text, corio_test::compressed_format::gzip));
}

TEST(CorioGetHttps, FetchesFromATlsNginx) {
    if (!corio_test::nginx_process::find()) {
        GTEST_SKIP() << "nginx is not installed (Debian: apt-get install nginx); .ci/run "
                        "installs it";
    }
    corio_test::scratch_directory directory;
    const corio_test::pem_credentials credentials = authority().localhost();
    const corio_test::nginx_process nginx{
        directory.path(), "        location = /hi { return 200 \"hi from nginx\"; }\n",
        corio_test::nginx_tls{directory.write("chain.pem", credentials.certificate_chain),
                              directory.write("key.pem", credentials.private_key)}};
    const std::string ca = directory.write("ca.pem", authority().certificate()).string();
    const corio_test::process_result run =
        run_corio_get({"--cacert", ca, "--body", nginx.url("/hi")});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "hi from nginx");
    const corio_test::process_result refused = run_corio_get({nginx.url("/hi")});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_TRUE(starts_with(refused.out, nginx.url("/hi") + " error: tls: untrusted certificate: "))
        << refused.out;
}

} // namespace
