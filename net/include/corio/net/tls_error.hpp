// SPDX-License-Identifier: MIT
// tls_error.hpp - why a TLS connection failed, as a kind and a sentence.
//
// Everything TLS can go wrong with ends in a corio::net::tls_error: a certificate the client does
// not trust, one that expired or names another host, a peer that speaks no common protocol
// version, a handshake the peer broke off or reset, a connection closed without close_notify
// (which could hide a truncation), or a build without TLS. failure() says which, and what() says
// it in words - a peer's failures start with to_string(failure) ("untrusted certificate: ...",
// "hostname mismatch: ..."), so a log line alone tells them apart. Deadlines are not TLS failures:
// they throw corio::timeout_error, and cancellation corio::cancelled_error, exactly as on a plain
// socket. Thread-safety: a plain value.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio::net {

enum class tls_failure : unsigned char {
    unavailable,           // this build has no TLS library
    configuration,         // a CA file, certificate or key could not be loaded or used
    untrusted_certificate, // the chain does not lead to a trusted CA (self-signed, unknown issuer)
    expired_certificate,   // a certificate of the chain has expired or is not valid yet
    hostname_mismatch,     // the certificate is valid, but for another name or address
    protocol_version,      // no TLS version both sides accept (corio's minimum is TLS 1.2)
    handshake_failure,     // the peer broke the handshake off, or did not speak TLS at all
    peer_reset,            // the connection was reset during the handshake
    truncated,             // the peer closed the connection without sending close_notify
    protocol,              // a record failed to decrypt or broke the protocol after the handshake
};

// "unavailable", "configuration", "untrusted certificate", "expired certificate",
// "hostname mismatch", "protocol version", "handshake failure", "peer reset", "truncated",
// "protocol": the words every tls_error message starts with.
[[nodiscard]] std::string_view to_string(tls_failure failure) noexcept;

class tls_error : public std::runtime_error {
public:
    tls_error(tls_failure failure, const std::string& message);

    [[nodiscard]] tls_failure failure() const noexcept { return failure_; }

private:
    tls_failure failure_;
};

} // namespace corio::net
CORIO_EXPORT_END
