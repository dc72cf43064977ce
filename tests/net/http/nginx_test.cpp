// SPDX-License-Identifier: MIT
// Both clients against a real nginx over TLS: keep-alive HTTPS, gzip as nginx compresses it,
// verification against the test CA. nginx is Debian's package, started from a config this test
// writes into a scratch directory, on 127.0.0.1, and stopped by PID; without nginx installed the
// tests say so and are skipped (.ci/run installs it, so CI never skips them).
#include <corio/http/error.hpp>

#include "client_adapters.hpp"
#include "support/leak_check.hpp"
#include "support/nginx_process.hpp"
#include "support/test_certificates.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using corio::http::client_options;
using corio::http::error_kind;
using corio_test::fetched;

namespace {

// What nginx serves: 100 bytes, and a text nginx compresses (gzip on for text/plain).
const std::string hundred_bytes(100, 'x');
const std::string compressible = [] {
    std::string text;
    for (int i = 0; i < 400; ++i) {
        text += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
    }
    return text;
}();

// nginx's `return` takes a quoted string: the texts above need no escaping but newlines.
std::string nginx_quoted(const std::string& text) {
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '\n') {
            quoted += "\\n";
        } else {
            quoted += c;
        }
    }
    return quoted + "\"";
}

// One nginx for the whole suite, with TLS from the test CA.
class nginx_site {
public:
    nginx_site() {
        const corio_test::pem_credentials credentials = authority_.localhost();
        corio_test::nginx_tls tls{directory_.write("chain.pem", credentials.certificate_chain),
                                  directory_.write("key.pem", credentials.private_key)};
        ca_file_ = directory_.write("ca.pem", authority_.certificate()).string();
        // Too long for a `return` string: served as a file, which nginx compresses on the fly.
        const std::filesystem::path text = directory_.write("text.txt", compressible);
        std::filesystem::permissions(text, std::filesystem::perms::others_read,
                                     std::filesystem::perm_options::add);
        const std::string body = "        location = /100b { return 200 " +
                                 nginx_quoted(hundred_bytes) +
                                 "; }\n"
                                 "        location = /text {\n"
                                 "            gzip on; gzip_types text/plain; gzip_min_length 0;\n"
                                 "            alias " +
                                 text.string() + ";\n        }\n";
        nginx_ = std::make_unique<corio_test::nginx_process>(directory_.path(), body, tls);
    }

    [[nodiscard]] std::string url(const std::string& path) const { return nginx_->url(path); }
    [[nodiscard]] const std::string& ca_file() const noexcept { return ca_file_; }

private:
    corio_test::test_authority authority_;
    corio_test::scratch_directory directory_;
    std::string ca_file_;
    std::unique_ptr<corio_test::nginx_process> nginx_;
};

template <class Client>
class NginxHttps : public testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!corio_test::nginx_process::find()) {
            return; // SetUp() skips each test, saying why
        }
        site_ = new nginx_site();
    }
    static void TearDownTestSuite() {
        delete site_;
        site_ = nullptr;
    }
    void SetUp() override {
        if (site_ == nullptr) {
            GTEST_SKIP() << "nginx is not installed (Debian: apt-get install nginx); .ci/run "
                            "installs it";
        }
    }

    [[nodiscard]] static client_options trusting() {
        client_options options;
        options.tls.ca_file = site_->ca_file();
        options.timeouts.total = 10s;
        return options;
    }

    static nginx_site* site_;
    corio_test::leak_check check_;
};

template <class Client>
nginx_site* NginxHttps<Client>::site_ = nullptr;

// Unnamed types on purpose: ctest (CMake 3.25) names each case after its type,
// Suite.X<corio_test::async_client>, and mangles names given by a name generator.
using clients = testing::Types<corio_test::async_client, corio_test::blocking_client>;
TYPED_TEST_SUITE(NginxHttps, clients);

TYPED_TEST(NginxHttps, KeepAliveRequestsShareOneConnection) {
    TypeParam client{this->trusting()};
    for (int i = 0; i < 5; ++i) {
        const fetched r = client.get(this->site_->url("/100b"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.version_minor, 1);
        EXPECT_EQ(r.body, hundred_bytes);
    }
    EXPECT_EQ(client.connections_opened(), 1U);
}

TYPED_TEST(NginxHttps, AGzipBodyFromNginxIsDecoded) {
    TypeParam client{this->trusting()};
    const fetched r = client.get(this->site_->url("/text"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.fields.get("Content-Encoding"), "gzip") << "the fields say how it was sent";
    EXPECT_TRUE(r.body == compressible) << "decoded " << r.body.size() << " bytes";
}

TYPED_TEST(NginxHttps, KeepEncodedDeliversNginxsGzipAsSent) {
    client_options options = this->trusting();
    options.decoding = corio::http::content_decoding::keep_encoded;
    TypeParam client{options};
    const fetched r = client.get(this->site_->url("/text"));
    EXPECT_EQ(r.status, 200);
    ASSERT_GE(r.body.size(), 2U);
    EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 0x1f) << "the gzip magic";
    EXPECT_EQ(static_cast<unsigned char>(r.body[1]), 0x8b);
    EXPECT_LT(r.body.size(), compressible.size() / 4);
}

TYPED_TEST(NginxHttps, APostBodyTravelsOverTls) {
    TypeParam client{this->trusting()};
    const fetched r = client.post(this->site_->url("/100b"), std::string(200'000, 'p'));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, hundred_bytes);
}

TYPED_TEST(NginxHttps, WithoutTheTestCaNginxIsUntrusted) {
    client_options options;
    options.timeouts.total = 10s;
    TypeParam client{options};
    try {
        (void)client.get(this->site_->url("/100b"));
        ADD_FAILURE() << "no error";
    } catch (const corio::http::error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::tls);
        EXPECT_TRUE(std::string_view(failure.what()).starts_with("untrusted certificate: "))
            << failure.what();
    }
}

} // namespace
