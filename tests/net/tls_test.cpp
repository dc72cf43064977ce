// SPDX-License-Identifier: MIT
// tls_stream on the reactor: both ends of real TLS 1.2/1.3 connections over loopback TCP, with
// certificates made at test time; verification failures, misbehaving peers, truncation,
// cancellation mid-handshake, session resumption, and configuration errors.
#include <corio/net/tls_stream.hpp>

#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/wait_for.hpp>

#include "http/raw_http_server.hpp"
#include "support/leak_check.hpp"
#include "support/test_certificates.hpp"
#include "tls_peers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::tls_context;
using corio::net::tls_error;
using corio::net::tls_failure;
using corio::net::tls_stream;

namespace {

std::span<const std::byte> bytes(const std::string& text) {
    return std::as_bytes(std::span{text});
}

corio::task<std::string> read_to_end(corio::net::byte_stream& stream) {
    std::string all;
    std::array<std::byte, 4096> buffer{};
    for (;;) {
        const std::size_t n = co_await stream.read_some(buffer, {});
        if (n == 0) {
            co_return all;
        }
        all.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
}

// One CA and its certificates, made once for the whole file: key generation is the slow part.
const corio_test::test_authority& authority() {
    static const corio_test::test_authority made;
    return made;
}

tls_context server_context(const corio_test::pem_credentials& credentials,
                           corio::net::tls_version min_version = corio::net::tls_version::tls1_2) {
    corio::net::tls_server_options options;
    options.certificate_chain_pem = credentials.certificate_chain;
    options.private_key_pem = credentials.private_key;
    options.min_version = min_version;
    options.alpn_protocols = {"http/1.1"};
    return tls_context::server(options);
}

// A client that trusts the test CA, through a file as a user would give it.
struct trusting_client {
    corio_test::scratch_directory directory;
    tls_context context;

    explicit trusting_client(corio::net::tls_client_options options = {})
        : context(make(directory, std::move(options))) {}

    static tls_context make(const corio_test::scratch_directory& directory,
                            corio::net::tls_client_options options) {
        options.ca_file = directory.write("ca.pem", authority().certificate()).string();
        return tls_context::client(options);
    }
};

// Runs `scenario` on a fresh loop and checks that nothing was left behind.
void run_checked(const std::function<corio::task<>()>& scenario) {
    corio_test::leak_check check;
    {
        corio::event_loop loop;
        loop.run_until_complete(scenario());
        corio_test::expect_loop_is_clean(loop);
    }
}

// Accepts one connection on `listener` and completes a server handshake on it.
corio::task<tls_stream> accept_tls(corio::net::tcp_listener& listener, const tls_context& context) {
    corio::net::tcp_stream accepted = co_await listener.accept();
    co_return co_await tls_stream::accept(
        std::make_unique<corio::net::tcp_byte_stream>(std::move(accepted)), context,
        corio::event_loop::current().now() + 10s);
}

// The client side's failure, or nullopt if the handshake succeeded.
corio::task<std::optional<tls_error>> client_failure(std::uint16_t port, const tls_context& context,
                                                     std::string name = "127.0.0.1") {
    try {
        tls_stream stream = co_await tls_stream::connect(name, port, context, 10s);
        (void)stream;
    } catch (const tls_error& failure) {
        co_return failure;
    }
    co_return std::nullopt;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// What one end of a test connection does with its TLS stream.
using tls_side = std::function<corio::task<>(tls_stream&)>;

// One TLS connection over loopback, on a fresh loop: `serve` runs on the accepted end (server
// context `server`), `talk` on the client's (connected to 127.0.0.1 with `client`), at the same
// time; then nothing may be left behind.
void with_tls_pair(const tls_context& server, const tls_context& client, const tls_side& serve,
                   const tls_side& talk) {
    run_checked([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        auto server_end = [&]() -> corio::task<> {
            tls_stream stream = co_await accept_tls(listener, server);
            co_await serve(stream);
        };
        auto client_end = [&]() -> corio::task<> {
            tls_stream stream = co_await tls_stream::connect("127.0.0.1", port, client, 10s);
            co_await talk(stream);
        };
        co_await corio::gather(server_end(), client_end());
    });
}

// ---- a working connection ----

TEST(Tls, AClientAndAServerExchangeDataAndCloseCleanly) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    std::string received;
    std::string answer;
    with_tls_pair(
        server, client.context,
        [&](tls_stream& stream) -> corio::task<> {
            EXPECT_EQ(stream.alpn_protocol(), "");
            received = co_await read_to_end(stream);
            co_await stream.write_all(bytes("echo:" + received), {});
            co_await stream.shutdown_write({});
        },
        [&](tls_stream& stream) -> corio::task<> {
            EXPECT_EQ(stream.version(), corio::net::tls_version::tls1_3);
            EXPECT_FALSE(stream.session_resumed());
            co_await stream.write_all(bytes("hello"), {});
            co_await stream.shutdown_write({}); // close_notify: the server reads the end
            answer = co_await read_to_end(stream);
        });
    EXPECT_EQ(received, "hello");
    EXPECT_EQ(answer, "echo:hello");
}

// After close_notify, reads keep saying "end" at once, though the peer still holds the TCP
// connection open (it waits for ours).
TEST(Tls, TheEndAfterCloseNotifyIsReportedEveryTime) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    with_tls_pair(
        server, client.context,
        [](tls_stream& stream) -> corio::task<> {
            co_await stream.write_all(bytes("bye"), {});
            co_await stream.shutdown_write({});
            (void)co_await read_to_end(stream); // until the client's close_notify
        },
        [](tls_stream& stream) -> corio::task<> {
            EXPECT_EQ(co_await read_to_end(stream), "bye");
            std::array<std::byte, 16> buffer{};
            for (int i = 0; i < 3; ++i) {
                EXPECT_EQ(co_await corio::wait_for(stream.read_some(buffer, {}), 2s), 0U);
            }
            co_await stream.shutdown_write({});
        });
}

TEST(Tls, LargeTransfersArriveIntactInBothDirectionsAtOnce) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    std::string big(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    }
    std::string at_server;
    std::string at_client;
    // Each side writes while it reads: one read and one write in flight on one stream.
    auto full_duplex = [&big](std::string& received) {
        return [&big, &received](tls_stream& stream) -> corio::task<> {
            auto send = [&]() -> corio::task<> {
                co_await stream.write_all(bytes(big), {});
                co_await stream.shutdown_write({});
            };
            auto [unused, got] = co_await corio::gather(send(), read_to_end(stream));
            (void)unused;
            received = std::move(got);
        };
    };
    with_tls_pair(server, client.context, full_duplex(at_server), full_duplex(at_client));
    EXPECT_TRUE(at_server == big) << "server received " << at_server.size() << " bytes";
    EXPECT_TRUE(at_client == big) << "client received " << at_client.size() << " bytes";
}

TEST(Tls, AlpnAgreesOnAProtocolBothOffer) {
    const tls_context server = server_context(authority().localhost());
    corio::net::tls_client_options options;
    options.alpn_protocols = {"h2", "http/1.1"};
    const trusting_client client{options};
    std::string at_server;
    std::string at_client;
    auto note = [](std::string& chosen) {
        return [&chosen](tls_stream& stream) -> corio::task<> {
            chosen = stream.alpn_protocol();
            co_return;
        };
    };
    with_tls_pair(server, client.context, note(at_server), note(at_client));
    EXPECT_EQ(at_server, "http/1.1");
    EXPECT_EQ(at_client, "http/1.1");
}

TEST(Tls, AHostNameIsCheckedAgainstTheCertificatesDnsNames) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    run_checked([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        auto serve = [&]() -> corio::task<> { (void)co_await accept_tls(listener, server); };
        auto [unused, failure] =
            co_await corio::gather(serve(), client_failure(port, client.context, "localhost"));
        (void)unused;
        EXPECT_FALSE(failure) << failure->what();
    });
}

// Connects `count` times in turn, each time reading the server's "hi"; the client ends each
// connection cleanly (close_notify) or just closes it. Returns which connections resumed.
std::vector<bool> resumptions(const tls_context& server, const tls_context& client, int count,
                              bool clean_close) {
    std::vector<bool> resumed;
    run_checked([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        for (int i = 0; i < count; ++i) {
            auto serve = [&]() -> corio::task<> {
                tls_stream stream = co_await accept_tls(listener, server);
                co_await stream.write_all(bytes("hi"), {});
                co_await stream.shutdown_write({});
                try {
                    (void)co_await read_to_end(stream);
                } catch (const tls_error&) {
                    // The client closed without close_notify: that is the point of some runs.
                }
            };
            auto talk = [&]() -> corio::task<bool> {
                tls_stream stream = co_await tls_stream::connect("127.0.0.1", port, client, 10s);
                // TLS 1.3 tickets come after the handshake: reading processes them.
                EXPECT_EQ(co_await read_to_end(stream), "hi");
                if (clean_close) {
                    co_await stream.shutdown_write({});
                } else {
                    stream.close(); // as a client pool closes an idle connection
                }
                co_return stream.session_resumed();
            };
            auto [unused, reused] = co_await corio::gather(serve(), talk());
            (void)unused;
            resumed.push_back(reused);
        }
    });
    return resumed;
}

TEST(Tls, TheNextConnectionsResumeTheSession) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    EXPECT_EQ(resumptions(server, client.context, 3, true), (std::vector<bool>{false, true, true}));
    // OpenSSL's server sends tickets with each handshake; each is offered once.
    EXPECT_GE(client.context.cached_sessions(), 1U);
}

// OpenSSL marks a session not resumable when its SSL object is freed without close_notify
// having been sent; closing an idle connection is the client's own choice, and must not cost
// the next connection its resumption.
TEST(Tls, ClosingWithoutCloseNotifyKeepsTheSessionResumable) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    EXPECT_EQ(resumptions(server, client.context, 3, false),
              (std::vector<bool>{false, true, true}));
}

TEST(Tls, ResumptionCanBeTurnedOff) {
    const tls_context server = server_context(authority().localhost());
    corio::net::tls_client_options options;
    options.resume_sessions = false;
    const trusting_client client{options};
    EXPECT_EQ(resumptions(server, client.context, 2, true), (std::vector<bool>{false, false}));
    EXPECT_EQ(client.context.cached_sessions(), 0U);
}

// ---- verification ----

// The client's failure against a server presenting `credentials`.
std::optional<tls_error> failure_against(const corio_test::pem_credentials& credentials,
                                         const tls_context& client, std::string name) {
    const tls_context server = server_context(credentials);
    std::optional<tls_error> result;
    run_checked([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        auto serve = [&]() -> corio::task<> {
            try {
                (void)co_await accept_tls(listener, server);
            } catch (const tls_error&) {
                // The client's alert ends the server's handshake too.
            }
        };
        auto [unused, failure] =
            co_await corio::gather(serve(), client_failure(port, client, std::move(name)));
        (void)unused;
        result = failure;
    });
    return result;
}

TEST(TlsVerification, AnUnknownIssuerIsUntrusted) {
    const tls_context client = tls_context::client(); // the system's CAs only
    const std::optional<tls_error> failure =
        failure_against(authority().localhost(), client, "127.0.0.1");
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->failure(), tls_failure::untrusted_certificate);
    EXPECT_TRUE(std::string_view(failure->what()).starts_with("untrusted certificate: "))
        << failure->what();
}

// Each certificate the trusted CA issued that is still wrong for the connection: the failure
// says which way.
TEST(TlsVerification, EachWrongCertificateIsRefusedSayingWhy) {
    corio_test::certificate_request no_alternative_names;
    no_alternative_names.common_name = "localhost"; // and no subjectAltName at all
    struct wrong_case {
        const char* what;
        corio_test::pem_credentials credentials;
        const char* name; // connected to
        tls_failure failure;
        const char* message; // a part of it
    };
    const wrong_case cases[] = {
        {"expired", authority().expired_localhost(), "127.0.0.1", tls_failure::expired_certificate,
         "expired certificate: "},
        {"for another host", authority().other_host(), "localhost", tls_failure::hostname_mismatch,
         "not valid for 'localhost'"},
        // Valid for www.example.com, reached as 127.0.0.1: the address is not in it.
        {"an address it does not list", authority().other_host(), "127.0.0.1",
         tls_failure::hostname_mismatch, "not valid for '127.0.0.1'"},
        // RFC 9110 §4.3.4: the subject's CN does not vouch for a host.
        {"a CN without subjectAltName", authority().issue(no_alternative_names), "localhost",
         tls_failure::hostname_mismatch, "hostname mismatch: "},
    };
    const trusting_client client;
    for (const wrong_case& each : cases) {
        SCOPED_TRACE(each.what);
        const std::optional<tls_error> failure =
            failure_against(each.credentials, client.context, each.name);
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->failure(), each.failure);
        EXPECT_TRUE(contains(failure->what(), each.message)) << failure->what();
    }
}

TEST(TlsVerification, InsecureSkipVerifyAcceptsAnyCertificate) {
    corio::net::tls_client_options options;
    options.insecure_skip_verify = true;
    const tls_context client = tls_context::client(options);
    EXPECT_FALSE(failure_against(authority().expired_localhost(), client, "localhost"));
    EXPECT_FALSE(failure_against(authority().other_host(), client, "localhost"));
}

TEST(TlsVerification, ACaDirectoryIsTrustedLikeAFile) {
    corio_test::scratch_directory directory;
    // OpenSSL finds CA certificates in a directory by the hash of their subject name.
    const std::string hash = corio_test::subject_hash(authority().certificate());
    directory.write(hash + ".0", authority().certificate());
    corio::net::tls_client_options options;
    options.ca_directory = directory.path().string();
    const tls_context client = tls_context::client(options);
    EXPECT_FALSE(failure_against(authority().localhost(), client, "127.0.0.1"));
}

// ---- configuration errors ----

TEST(TlsConfiguration, AMissingCaFileSaysWhichAndWhy) {
    corio::net::tls_client_options options;
    options.ca_file = "/nonexistent/ca.pem";
    try {
        (void)tls_context::client(options);
        ADD_FAILURE() << "no error";
    } catch (const tls_error& failure) {
        EXPECT_EQ(failure.failure(), tls_failure::configuration);
        EXPECT_TRUE(contains(failure.what(), "/nonexistent/ca.pem")) << failure.what();
        EXPECT_TRUE(contains(failure.what(), "No such file")) << failure.what();
    }
}

TEST(TlsConfiguration, AKeyThatDoesNotMatchTheCertificateIsRefused) {
    corio::net::tls_server_options options;
    options.certificate_chain_pem = authority().localhost().certificate_chain;
    options.private_key_pem = authority().other_host().private_key;
    try {
        (void)tls_context::server(options);
        ADD_FAILURE() << "no error";
    } catch (const tls_error& failure) {
        EXPECT_EQ(failure.failure(), tls_failure::configuration);
        EXPECT_TRUE(contains(failure.what(), "does not match")) << failure.what();
    }
}

TEST(TlsConfiguration, AnEncryptedKeyIsRefusedWithoutAskingForAPassPhrase) {
    const corio_test::pem_credentials credentials = authority().localhost();
    const std::string locked = corio_test::encrypted_key(credentials.private_key, "secret");
    corio_test::scratch_directory directory;
    for (const corio::net::tls_server_options& options :
         {corio::net::tls_server_options::from_pem(credentials.certificate_chain, locked),
          corio::net::tls_server_options::from_files(
              directory.write("chain.pem", credentials.certificate_chain).string(),
              directory.write("key.pem", locked).string())}) {
        try {
            (void)tls_context::server(options); // would block on a terminal prompt if it asked
            ADD_FAILURE() << "no error";
        } catch (const tls_error& failure) {
            EXPECT_EQ(failure.failure(), tls_failure::configuration);
            EXPECT_TRUE(contains(failure.what(), "the key is encrypted")) << failure.what();
        }
    }
}

TEST(TlsConfiguration, ADamagedCertificateInAChainIsRefusedNotDropped) {
    const corio_test::pem_credentials credentials = authority().localhost();
    // The chain is the leaf, then the CA: break the CA's base64 in the middle.
    std::string chain = credentials.certificate_chain;
    const std::size_t second = chain.find("-----BEGIN CERTIFICATE-----", 1);
    ASSERT_NE(second, std::string::npos);
    chain.replace(second + 100, 8, "********");
    try {
        (void)tls_context::server(
            corio::net::tls_server_options::from_pem(chain, credentials.private_key));
        ADD_FAILURE() << "a chain missing its damaged certificate was accepted";
    } catch (const tls_error& failure) {
        EXPECT_EQ(failure.failure(), tls_failure::configuration);
    }
}

TEST(TlsConfiguration, AServerWithoutACertificateIsRefused) {
    EXPECT_THROW((void)tls_context::server({}), tls_error);
}

TEST(TlsConfiguration, ContextsServeOneSideOnly) {
    const tls_context server = server_context(authority().localhost());
    run_checked([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        EXPECT_THROW((void)co_await tls_stream::connect("127.0.0.1", port, server, 1s),
                     corio::usage_error);
    });
}

// ---- misbehaving peers ----

// The client's failure against a raw loopback server running `misbehave` on its connection.
template <class Failure>
std::optional<Failure> handshake_against(corio_test::tls_peers::behaviour misbehave,
                                         corio::event_loop::duration timeout = 10s) {
    const trusting_client client;
    std::optional<Failure> result;
    run_checked([&]() -> corio::task<> {
        corio_test::raw_http_server server{corio_test::tls_peers::misbehaving(misbehave)};
        auto talk = [&]() -> corio::task<> {
            try {
                tls_stream stream = co_await tls_stream::connect("127.0.0.1", server.port(),
                                                                 client.context, timeout);
                ADD_FAILURE() << "the handshake succeeded";
            } catch (const Failure& failure) {
                result = failure;
            }
        };
        co_await corio_test::serve_while(server, talk());
    });
    return result;
}

TEST(TlsMisbehavingPeers, AServerThatStallsMidHandshakeHitsTheDeadline) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(
        handshake_against<corio::timeout_error>(corio_test::tls_peers::stall_after_hello, 200ms));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(TlsMisbehavingPeers, AResetMidHandshakeIsAPeerReset) {
    const auto failure = handshake_against<tls_error>(corio_test::tls_peers::reset_after_hello);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->failure(), tls_failure::peer_reset);
    EXPECT_TRUE(std::string_view(failure->what()).starts_with("peer reset: ")) << failure->what();
}

TEST(TlsMisbehavingPeers, AServerThatClosesMidHandshakeIsAHandshakeFailure) {
    const auto failure = handshake_against<tls_error>(corio_test::tls_peers::close_after_hello);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->failure(), tls_failure::handshake_failure);
    EXPECT_TRUE(contains(failure->what(), "closed the connection")) << failure->what();
}

TEST(TlsMisbehavingPeers, GarbageInsteadOfAServerHelloIsAHandshakeFailure) {
    const auto failure = handshake_against<tls_error>(corio_test::tls_peers::answer_garbage);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->failure(), tls_failure::handshake_failure);
    EXPECT_TRUE(contains(failure->what(), "does not speak TLS")) << failure->what();
}

TEST(TlsMisbehavingPeers, AServerOfferingOnlyTls10FailsOnTheProtocolVersion) {
    const trusting_client client;
    std::optional<tls_error> result;
    corio_test::leak_check check; // the server's thread closes its socket in its own time
    {
        const corio_test::tls_peers::legacy_tls_server server; // TLS 1.0 only, its own thread
        corio::event_loop loop;
        result = loop.run_until_complete(client_failure(server.port(), client.context));
        corio_test::expect_loop_is_clean(loop);
    }
    ASSERT_TRUE(result);
    EXPECT_EQ(result->failure(), tls_failure::protocol_version);
    EXPECT_TRUE(std::string_view(result->what()).starts_with("protocol version: "))
        << result->what();
}

TEST(TlsMisbehavingPeers, DataCutShortWithoutCloseNotifyIsATruncation) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    with_tls_pair(
        server, client.context,
        [](tls_stream& stream) -> corio::task<> {
            co_await stream.write_all(bytes("partial"), {});
            stream.close(); // no close_notify: the client cannot tell this from an attack
        },
        [](tls_stream& stream) -> corio::task<> {
            try {
                (void)co_await read_to_end(stream);
                ADD_FAILURE() << "an unclean close read as the end of the data";
            } catch (const tls_error& failure) {
                EXPECT_EQ(failure.failure(), tls_failure::truncated);
            }
        });
}

// ---- cancellation ----

TEST(TlsCancellation, CancellingMidHandshakeFreesEverything) {
    const trusting_client client;
    run_checked([&]() -> corio::task<> {
        corio_test::raw_http_server server{
            corio_test::tls_peers::misbehaving(corio_test::tls_peers::stall_after_hello)};
        auto talk = [&]() -> corio::task<> {
            corio::join_handle<tls_stream> connecting =
                corio::spawn(tls_stream::connect("127.0.0.1", server.port(), client.context, 10s));
            co_await corio::sleep_for(50ms); // the ClientHello went out; no answer comes
            connecting.cancel();
            EXPECT_THROW((void)co_await connecting, corio::cancelled_error);
        };
        co_await corio_test::serve_while(server, talk());
    });
}

TEST(TlsCancellation, CancellingAReadKeepsTheLoopClean) {
    const tls_context server = server_context(authority().localhost());
    const trusting_client client;
    with_tls_pair(
        server, client.context,
        [](tls_stream& stream) -> corio::task<> {
            (void)co_await read_to_end(stream); // until the client goes
        },
        [](tls_stream& stream) -> corio::task<> {
            std::array<std::byte, 64> buffer{};
            EXPECT_THROW((void)co_await corio::wait_for(stream.read_some(buffer, {}), 50ms),
                         corio::timeout_error);
            co_await stream.shutdown_write({});
        });
}

} // namespace
