// SPDX-License-Identifier: MIT
// The TLS engine contract (tls_engine.hpp) for builds without a TLS library (the MinGW and macOS
// cross builds, or -DCORIO_TLS=none): creating a context says so, so no engine is ever needed.
#include "tls_engine.hpp"

namespace corio::net::detail {

class tls_context_impl {};

namespace {

[[noreturn]] void unavailable() {
    throw tls_error(tls_failure::unavailable, "TLS is not available in this build");
}

} // namespace

std::shared_ptr<tls_context_impl> make_tls_client_context(const tls_client_options& /*options*/) {
    unavailable();
}

std::shared_ptr<tls_context_impl> make_tls_server_context(const tls_server_options& /*options*/) {
    unavailable();
}

// The contract's signatures take the context by value, for the backend that keeps it.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
std::unique_ptr<tls_engine> make_tls_client_engine(std::shared_ptr<tls_context_impl> /*context*/,
                                                   const tls_peer& /*peer*/) {
    unavailable();
}

// NOLINTNEXTLINE(performance-unnecessary-value-param)
std::unique_ptr<tls_engine> make_tls_server_engine(std::shared_ptr<tls_context_impl> /*context*/) {
    unavailable();
}

bool tls_backend_available() noexcept {
    return false;
}

bool is_server_context(const tls_context_impl& /*context*/) noexcept {
    return false;
}

std::size_t cached_session_count(const tls_context_impl& /*context*/) noexcept {
    return 0;
}

} // namespace corio::net::detail
