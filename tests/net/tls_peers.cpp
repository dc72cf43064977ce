// SPDX-License-Identifier: MIT
#include "tls_peers.hpp"

#include "support/test_certificates.hpp"

#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <array>
#include <chrono>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <span>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace corio_test::tls_peers {

// ---- handlers ----

raw_http_server::handler misbehaving(behaviour how) {
    return [how](corio::net::tcp_stream& connection, std::size_t) -> corio::task<> {
        std::array<std::byte, 4096> hello{};
        try {
            if (co_await connection.read_some(hello) == 0) {
                co_return;
            }
            switch (how) {
            case stall_after_hello:
                break;
            case reset_after_hello: {
                const linger abort_on_close{1, 0};
                ::setsockopt(connection.native_handle(), SOL_SOCKET, SO_LINGER, &abort_on_close,
                             sizeof abort_on_close);
                connection.close();
                co_return;
            }
            case close_after_hello:
                connection.close();
                co_return;
            case answer_garbage: {
                const std::string text = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
                co_await connection.write_all(std::as_bytes(std::span{text}));
                break;
            }
            }
            // Then wait for the client to leave. (Not `while (co_await ...)`: g++ 12 miscompiles
            // an await as a bare loop condition.)
            for (;;) {
                const std::size_t received = co_await connection.read_some(hello);
                if (received == 0) {
                    break;
                }
            }
        } catch (const std::system_error&) {
            // The client reset the connection: gone too.
        }
    };
}

raw_http_server::handler over_tls(const corio::net::tls_context& context, tls_handler then) {
    return [&context, then = std::move(then)](corio::net::tcp_stream& connection,
                                              std::size_t) -> corio::task<> {
        std::unique_ptr<corio::net::byte_stream> transport =
            std::make_unique<corio::net::tcp_byte_stream>(std::move(connection));
        const corio::net::deadline until =
            corio::event_loop::current().now() + std::chrono::seconds(10);
        corio::net::tls_stream stream =
            co_await corio::net::tls_stream::accept(std::move(transport), context, until);
        co_await then(stream);
    };
}

// ---- legacy_tls_server ----

legacy_tls_server::legacy_tls_server() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    // Not SOCK_CLOEXEC, which macOS lacks: a child process started meanwhile must not inherit
    // it, though (tests start nginx and the examples).
    ::fcntl(listener_, F_SETFD, FD_CLOEXEC);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("legacy_tls_server: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
}

legacy_tls_server::~legacy_tls_server() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
}

void legacy_tls_server::run() noexcept {
    // A certificate the client would trust, so that only the version can fail.
    static const test_authority authority;
    const pem_credentials credentials = authority.localhost();
    SSL_CTX* context = SSL_CTX_new(TLS_server_method());
    // TLS 1.0 only. OpenSSL 3 allows it at security level 0 alone.
    SSL_CTX_set_min_proto_version(context, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_VERSION);
    SSL_CTX_set_security_level(context, 0);
    SSL_CTX_set_cipher_list(context, "DEFAULT@SECLEVEL=0");
    BIO* pem = BIO_new_mem_buf(credentials.certificate_chain.data(),
                               static_cast<int>(credentials.certificate_chain.size()));
    X509* certificate = PEM_read_bio_X509(pem, nullptr, nullptr, nullptr);
    BIO_free(pem);
    pem = BIO_new_mem_buf(credentials.private_key.data(),
                          static_cast<int>(credentials.private_key.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(pem, nullptr, nullptr, nullptr);
    BIO_free(pem);
    SSL_CTX_use_certificate(context, certificate);
    SSL_CTX_use_PrivateKey(context, key);
    X509_free(certificate);
    EVP_PKEY_free(key);
    while (!stopping_) {
        pollfd waiting{listener_, POLLIN, 0};
        if (::poll(&waiting, 1, 50) <= 0) {
            continue;
        }
        const int connection = ::accept(listener_, nullptr, nullptr);
        if (connection < 0) {
            continue;
        }
        ::fcntl(connection, F_SETFD, FD_CLOEXEC);
        SSL* ssl = SSL_new(context);
        SSL_set_fd(ssl, connection);
        (void)SSL_accept(ssl); // fails: the client wants TLS 1.2 at least, and is told so
        SSL_free(ssl);
        ::close(connection);
    }
    ERR_clear_error();
    SSL_CTX_free(context);
}

} // namespace corio_test::tls_peers
