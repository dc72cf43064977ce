// SPDX-License-Identifier: MIT
// HTTPS in both clients, one typed suite: the project's own HTTPS server with a CA made at test
// time (trusted, untrusted, expired, another host's), redirects between http and https, and TLS
// peers that stall, reset, answer garbage, offer only TLS 1.0, or close without close_notify.
// Every failure must be error_kind::tls (or timeout), carry the URL, and say which failure it was.
#include <corio/http/error.hpp>
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/net/tls_stream.hpp>
#include <corio/runtime/event_loop.hpp>

#include "client_adapters.hpp"
#include "https_test_support.hpp"
#include "raw_http_server.hpp"
#include "server_thread.hpp"
#include "support/leak_check.hpp"
#include "support/test_certificates.hpp"
#include "tls_peers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using corio::http::client_options;
using corio::http::error_kind;
using corio_test::fetched;
using corio_test::https_server_thread;

namespace {

using corio_test::trusting_options;

const corio_test::test_authority& authority() {
    return corio_test::test_ca();
}

template <class Client>
class HttpsClients : public testing::Test {
protected:
    static std::optional<corio::http::error> failure_of(Client& client, const std::string& url) {
        return corio_test::failure_of(client, url);
    }

    corio_test::leak_check check_;
};

// Unnamed types on purpose: ctest (CMake 3.25) names each case after its type,
// Suite.X<corio_test::async_client>, and mangles names given by a name generator.
using clients = testing::Types<corio_test::async_client, corio_test::blocking_client>;
TYPED_TEST_SUITE(HttpsClients, clients);

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.starts_with(prefix);
}

// ---- working connections ----

TYPED_TEST(HttpsClients, GetOverHttpsTrustingTheTestCaReusesOneConnection) {
    const https_server_thread site{authority().localhost()};
    const trusting_options trust;
    TypeParam client{trust.options};
    for (const char* path : {"/hello", "/hello?again", "/hello?once-more"}) {
        const fetched r = client.get(site.url(path));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, std::string("hello over TLS: ") + path);
        EXPECT_EQ(r.final_url, site.url(path));
    }
    EXPECT_EQ(client.connections_opened(), 1U);
    EXPECT_EQ(client.idle_connections(), 1U);
}

TYPED_TEST(HttpsClients, ANameInTheCertificateIsVerified) {
    const https_server_thread site{authority().localhost()};
    const trusting_options trust;
    TypeParam client{trust.options};
    const std::string url = "https://localhost:" + std::to_string(site.port()) + "/hello";
    EXPECT_EQ(client.get(url).status, 200);
}

TYPED_TEST(HttpsClients, InsecureSkipVerifyFetchesFromAnExpiredCertificate) {
    const https_server_thread site{authority().expired_localhost()};
    client_options options;
    options.tls.insecure_skip_verify = true;
    options.timeouts.total = 10s;
    TypeParam client{options};
    EXPECT_EQ(client.get(site.url("/hello")).status, 200);
}

TYPED_TEST(HttpsClients, AnHttpRedirectToHttpsIsFollowed) {
    const https_server_thread secure{authority().localhost()};
    corio_test::server_thread plain{corio_test::answer_once(
        corio_test::response_text(301, "", "Location: " + secure.url("/hello") + "\r\n"))};
    const trusting_options trust;
    TypeParam client{trust.options};
    const fetched r = client.get(plain.url("/start"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello over TLS: /hello");
    EXPECT_EQ(r.final_url, secure.url("/hello"));
    EXPECT_EQ(r.history, std::vector<std::string>{plain.url("/start")});
    EXPECT_EQ(client.connections_opened(), 2U) << "one per origin";
    plain.stop();
}

TYPED_TEST(HttpsClients, AnHttpsRedirectToHttpIsFollowed) {
    corio_test::server_thread plain{corio_test::echo_target()};
    const https_server_thread secure{authority().localhost()};
    const trusting_options trust;
    TypeParam client{trust.options};
    const std::string start = secure.url("/to?url=" + plain.url("/end"));
    const fetched r = client.get(start);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "/end");
    EXPECT_EQ(r.final_url, plain.url("/end"));
    EXPECT_EQ(r.history, std::vector<std::string>{start});
    plain.stop();
}

// A TLS server that would rather speak h2: it answers with the protocol ALPN chose.
TYPED_TEST(HttpsClients, TheClientOffersHttp11OnlyWhateverItsOptionsSay) {
    const corio_test::pem_credentials credentials = authority().localhost();
    corio::net::tls_server_options server_side = corio::net::tls_server_options::from_pem(
        credentials.certificate_chain, credentials.private_key);
    server_side.alpn_protocols = {"h2", "http/1.1"};
    const corio::net::tls_context context = corio::net::tls_context::server(server_side);
    corio_test::server_thread server{corio_test::tls_peers::over_tls(
        context, [](corio::net::tls_stream& stream) -> corio::task<> {
            std::array<std::byte, 4096> request{};
            (void)co_await stream.read_some(request, {});
            const std::string reply =
                corio_test::response_text(200, "alpn=" + std::string(stream.alpn_protocol()));
            co_await stream.write_all(std::as_bytes(std::span{reply}), {});
            co_await stream.shutdown_write({});
        })};
    trusting_options trust;
    trust.options.tls.alpn_protocols = {"h2"}; // an HTTP/1.1 client cannot speak it
    TypeParam client{trust.options};
    const fetched r = client.get("https://127.0.0.1:" + std::to_string(server.port()) + "/");
    EXPECT_EQ(r.body, "alpn=http/1.1");
    server.stop();
}

// ---- verification failures ----

TYPED_TEST(HttpsClients, WithoutTheCaTheCertificateIsUntrusted) {
    const https_server_thread site{authority().localhost()};
    client_options options;
    options.timeouts.total = 10s;
    TypeParam client{options};
    const auto failure = this->failure_of(client, site.url("/hello"));
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::tls);
    EXPECT_EQ(failure->url(), site.url("/hello"));
    EXPECT_TRUE(starts_with(failure->what(), "untrusted certificate: ")) << failure->what();
    EXPECT_EQ(client.idle_connections(), 0U);
}

TYPED_TEST(HttpsClients, AnExpiredCertificateIsRefused) {
    const https_server_thread site{authority().expired_localhost()};
    const trusting_options trust;
    TypeParam client{trust.options};
    const auto failure = this->failure_of(client, site.url("/hello"));
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::tls);
    EXPECT_TRUE(starts_with(failure->what(), "expired certificate: ")) << failure->what();
}

TYPED_TEST(HttpsClients, ACertificateForAnotherHostIsAHostnameMismatch) {
    const https_server_thread site{authority().other_host()};
    const trusting_options trust;
    TypeParam client{trust.options};
    const std::string url = "https://localhost:" + std::to_string(site.port()) + "/hello";
    const auto failure = this->failure_of(client, url);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::tls);
    EXPECT_TRUE(starts_with(failure->what(), "hostname mismatch: ")) << failure->what();
    EXPECT_EQ(failure->url(), url);
}

TYPED_TEST(HttpsClients, AMissingCaFileIsATlsErrorNamingIt) {
    client_options options;
    options.tls.ca_file = "/nonexistent/ca.pem";
    TypeParam client{options};
    const auto failure = this->failure_of(client, "https://127.0.0.1:1/");
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::tls);
    EXPECT_NE(std::string_view(failure->what()).find("/nonexistent/ca.pem"), std::string::npos)
        << failure->what();
    EXPECT_EQ(client.connections_opened(), 0U) << "refused before connecting";
}

// ---- misbehaving TLS peers ----

TYPED_TEST(HttpsClients, AServerThatStallsMidHandshakeHitsTheConnectTimeout) {
    corio_test::server_thread server{
        corio_test::tls_peers::misbehaving(corio_test::tls_peers::stall_after_hello)};
    trusting_options trust;
    trust.options.timeouts.connect = 200ms;
    TypeParam client{trust.options};
    const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
    const auto started = std::chrono::steady_clock::now();
    const auto failure = this->failure_of(client, url);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::timeout);
    EXPECT_EQ(std::string(failure->what()),
              "connect timeout (200ms) expired during the TLS handshake with 127.0.0.1:" +
                  std::to_string(server.port()));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    server.stop();
}

// Peers that break the handshake off: each ends in a tls error whose message says which.
TYPED_TEST(HttpsClients, APeerThatBreaksTheHandshakeOffIsNamedInTheError) {
    using corio_test::tls_peers::behaviour;
    const std::vector<std::pair<behaviour, std::string_view>> cases{
        {corio_test::tls_peers::reset_after_hello, "peer reset: "},
        {corio_test::tls_peers::close_after_hello,
         "handshake failure: the peer closed the connection during the TLS handshake"},
        {corio_test::tls_peers::answer_garbage, "handshake failure: the peer does not speak TLS"},
    };
    const trusting_options trust;
    for (const auto& [how, message] : cases) {
        SCOPED_TRACE(message);
        corio_test::server_thread server{corio_test::tls_peers::misbehaving(how)};
        TypeParam client{trust.options};
        const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
        const auto failure = this->failure_of(client, url);
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::tls);
        EXPECT_EQ(failure->url(), url);
        EXPECT_TRUE(starts_with(failure->what(), message)) << failure->what();
        server.stop();
    }
}

TYPED_TEST(HttpsClients, AServerOfferingOnlyTls10FailsOnTheProtocolVersion) {
    const corio_test::tls_peers::legacy_tls_server server;
    const trusting_options trust;
    TypeParam client{trust.options};
    const auto failure =
        this->failure_of(client, "https://127.0.0.1:" + std::to_string(server.port()) + "/");
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::tls);
    EXPECT_TRUE(starts_with(failure->what(), "protocol version: ")) << failure->what();
}

// A TLS server that answers each connection's first request with `response`, then closes the
// connection without close_notify.
struct closing_without_close_notify {
    corio::net::tls_context context;
    corio_test::server_thread server;

    explicit closing_without_close_notify(const std::string& response)
        : context(make_context())
        , server(corio_test::tls_peers::over_tls(
              context, [response](corio::net::tls_stream& stream) -> corio::task<> {
                  std::array<std::byte, 4096> request{};
                  (void)co_await stream.read_some(request, {});
                  co_await stream.write_all(std::as_bytes(std::span{response}), {});
                  stream.close(); // no close_notify
              })) {}

    static corio::net::tls_context make_context() {
        const corio_test::pem_credentials credentials = authority().localhost();
        corio::net::tls_server_options options;
        options.certificate_chain_pem = credentials.certificate_chain;
        options.private_key_pem = credentials.private_key;
        return corio::net::tls_context::server(options);
    }
    [[nodiscard]] std::string url() const {
        return "https://127.0.0.1:" + std::to_string(server.port()) + "/";
    }
};

TYPED_TEST(HttpsClients, ACloseDelimitedBodyEndingWithoutCloseNotifyIsTruncated) {
    closing_without_close_notify peer{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it?"};
    const trusting_options trust;
    TypeParam client{trust.options};
    const auto failure = this->failure_of(client, peer.url());
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::tls);
    EXPECT_TRUE(starts_with(failure->what(), "truncated: ")) << failure->what();
    EXPECT_EQ(failure->url(), peer.url());
    peer.server.stop();
}

TYPED_TEST(HttpsClients, AContentLengthBodyEndingWithoutCloseNotifyIsComplete) {
    closing_without_close_notify peer{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nall of it."};
    const trusting_options trust;
    TypeParam client{trust.options};
    const fetched r = client.get(peer.url());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "all of it.");
    peer.server.stop();
}

TYPED_TEST(HttpsClients, AContentLengthBodyCutShortWithoutCloseNotifyIsAClosedConnection) {
    closing_without_close_notify peer{"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nnot all"};
    const trusting_options trust;
    TypeParam client{trust.options};
    const auto failure = this->failure_of(client, peer.url());
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), error_kind::closed);
    EXPECT_NE(std::string_view(failure->what()).find("7 of 99"), std::string::npos)
        << failure->what();
    peer.server.stop();
}

} // namespace
