// SPDX-License-Identifier: MIT
#include <corio/net/tls_error.hpp>

namespace corio::net {

std::string_view to_string(tls_failure failure) noexcept {
    switch (failure) {
    case tls_failure::unavailable:
        return "unavailable";
    case tls_failure::configuration:
        return "configuration";
    case tls_failure::untrusted_certificate:
        return "untrusted certificate";
    case tls_failure::expired_certificate:
        return "expired certificate";
    case tls_failure::hostname_mismatch:
        return "hostname mismatch";
    case tls_failure::protocol_version:
        return "protocol version";
    case tls_failure::handshake_failure:
        return "handshake failure";
    case tls_failure::peer_reset:
        return "peer reset";
    case tls_failure::truncated:
        return "truncated";
    case tls_failure::protocol:
        return "protocol";
    }
    return "unknown";
}

tls_error::tls_error(tls_failure failure, const std::string& message)
    : std::runtime_error(message)
    , failure_(failure) {}

} // namespace corio::net
