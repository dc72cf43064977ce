// SPDX-License-Identifier: MIT
#include <corio/http/error.hpp>

#include <utility>

namespace corio::http {

std::string_view to_string(error_kind kind) noexcept {
    switch (kind) {
    case error_kind::resolve:
        return "resolve";
    case error_kind::connect:
        return "connect";
    case error_kind::timeout:
        return "timeout";
    case error_kind::protocol:
        return "protocol";
    case error_kind::too_large:
        return "too-large";
    case error_kind::redirect:
        return "redirect";
    case error_kind::closed:
        return "closed";
    case error_kind::tls:
        return "tls";
    case error_kind::usage:
        return "usage";
    }
    return "unknown";
}

error::error(error_kind kind, std::string url, const std::string& message)
    : std::runtime_error(message)
    , kind_(kind)
    , url_(std::move(url)) {}

resolve_error::resolve_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::resolve, std::move(url), message) {}

connect_error::connect_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::connect, std::move(url), message) {}

timeout_error::timeout_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::timeout, std::move(url), message) {}

protocol_error::protocol_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::protocol, std::move(url), message) {}

too_large_error::too_large_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::too_large, std::move(url), message) {}

redirect_error::redirect_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::redirect, std::move(url), message) {}

connection_closed_error::connection_closed_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::closed, std::move(url), message) {}

tls_error::tls_error(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::tls, std::move(url), message) {}

invalid_url::invalid_url(std::string url, const std::string& message)
    : std::runtime_error(message)
    , error(error_kind::usage, std::move(url), message) {}

} // namespace corio::http
