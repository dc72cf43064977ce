// SPDX-License-Identifier: MIT
// tls_context.hpp - how one side of a TLS connection is configured: whom a client trusts, what a
// server presents.
//
//     auto client = corio::net::tls_context::client();            // the system's trusted CAs
//     auto server = corio::net::tls_context::server(
//         corio::net::tls_server_options::from_files("chain.pem", "key.pem"));
//
// A context is built once and shared by every connection made with it (copies share it too):
// loading a trust store or a key is slow, a handshake should not repeat it. A client context
// verifies by default - the chain against the system's trust store plus any CA you add, the name
// against the certificate (RFC 6125: DNS names, and IP addresses for IP literals) - and accepts
// TLS 1.2 and 1.3 only. It also remembers each server's session ticket, so the next connection
// to the same host and port resumes the session (one round trip and no certificate checks
// instead of a full handshake). Builds without a TLS library still compile: creating a context
// then throws tls_error (tls_failure::unavailable). Not thread-safe: use a context from one loop.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::net {

enum class tls_version : unsigned char { tls1_2, tls1_3 };

struct tls_client_options {
    // Trusted besides the system's store: a PEM file of CA certificates, and a directory of them
    // named by subject hash (as `openssl rehash` makes). Empty: none.
    std::string ca_file;
    std::string ca_directory;
    // Skips every check of the server's certificate: chain, dates and name. Anyone on the path
    // can then read and change the traffic. For throwaway tests against self-signed servers.
    bool insecure_skip_verify = false;
    tls_version min_version = tls_version::tls1_2;
    // Offered by ALPN, most preferred first (HTTP offers "http/1.1"). Empty: no ALPN.
    std::vector<std::string> alpn_protocols;
    // Resume sessions with servers this context has spoken to before.
    bool resume_sessions = true;
};

struct tls_server_options {
    // The certificate chain (the server's certificate first, then any intermediates) and its
    // private key, as PEM: from files, or in memory when the *_pem member is not empty.
    std::string certificate_chain_file;
    std::string private_key_file;
    std::string certificate_chain_pem;
    std::string private_key_pem;
    tls_version min_version = tls_version::tls1_2;
    // Accepted by ALPN, most preferred first. A client offering none of them is served anyway,
    // without ALPN. Empty: ALPN is ignored.
    std::vector<std::string> alpn_protocols;

    // The usual ways to fill it: the chain and key from PEM files, or as PEM text.
    [[nodiscard]] static tls_server_options from_files(std::string chain_file,
                                                       std::string key_file) {
        tls_server_options options;
        options.certificate_chain_file = std::move(chain_file);
        options.private_key_file = std::move(key_file);
        return options;
    }
    [[nodiscard]] static tls_server_options from_pem(std::string chain_pem, std::string key_pem) {
        tls_server_options options;
        options.certificate_chain_pem = std::move(chain_pem);
        options.private_key_pem = std::move(key_pem);
        return options;
    }
};

namespace detail {
class tls_context_impl;
} // namespace detail

class tls_context {
public:
    // Throws tls_error: configuration if a CA file, directory, certificate or key cannot be
    // loaded (or the key does not match the certificate), unavailable in a build without TLS.
    [[nodiscard]] static tls_context client(const tls_client_options& options = {});
    [[nodiscard]] static tls_context server(const tls_server_options& options);

    // Whether this build has a TLS library (so that client() and server() can succeed).
    [[nodiscard]] static bool available() noexcept;

    [[nodiscard]] bool is_server() const noexcept;
    // Sessions remembered for resumption (client contexts; 0 for servers).
    [[nodiscard]] std::size_t cached_sessions() const noexcept;

    // For tls_stream: each connection keeps the context alive.
    [[nodiscard]] const std::shared_ptr<detail::tls_context_impl>& impl() const noexcept {
        return impl_;
    }

private:
    explicit tls_context(std::shared_ptr<detail::tls_context_impl> impl) noexcept
        : impl_(std::move(impl)) {}

    std::shared_ptr<detail::tls_context_impl> impl_;
};

} // namespace corio::net
CORIO_EXPORT_END
