// SPDX-License-Identifier: MIT
// tls_context's portable part; what a context holds is the backend's (tls_engine.hpp).
#include <corio/net/tls_context.hpp>

#include "tls_engine.hpp"

namespace corio::net {

tls_context tls_context::client(const tls_client_options& options) {
    return tls_context{detail::make_tls_client_context(options)};
}

tls_context tls_context::server(const tls_server_options& options) {
    return tls_context{detail::make_tls_server_context(options)};
}

bool tls_context::available() noexcept {
    return detail::tls_backend_available();
}

bool tls_context::is_server() const noexcept {
    return detail::is_server_context(*impl_);
}

std::size_t tls_context::cached_sessions() const noexcept {
    return detail::cached_session_count(*impl_);
}

} // namespace corio::net
