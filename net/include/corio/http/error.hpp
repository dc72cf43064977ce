// SPDX-License-Identifier: MIT
// error.hpp - the exceptions corio's HTTP layer throws, one class per kind of failure.
//
// Every HTTP failure is a corio::http::error, itself a std::runtime_error, so one catch clause
// handles them all and kind() tells them apart; catch a subclass to handle one kind only.
// what() is the bare message ("status code is not three digits ..."), url() names the request's
// URL, or is empty when the layer that failed never saw it (the client stamps it with set_url()
// before the error reaches you). Thread-safety: plain values, like any exception.
//
// A timeout is also a corio::timeout_error, so `catch (const corio::timeout_error&)` catches every
// timeout corio raises, the HTTP clients' included. Cancelling a request is not an HTTP failure:
// it surfaces as corio::cancelled_error, as everywhere else. std::runtime_error is a virtual base
// of both families (see corio/runtime/error.hpp), so that timeout_error has one, and catching
// std::runtime_error or std::exception still matches it. docs/errors.md lists every exception.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/error.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::http {

enum class error_kind {
    resolve,   // the host name did not resolve to any address
    connect,   // no connection could be made to any of the host's addresses
    timeout,   // a deadline passed: connecting, sending, waiting for the response or its body
    protocol,  // the peer broke HTTP/1.1 syntax or framing (malformed head, bad chunk, ...)
    too_large, // a size limit was exceeded: head, header count, line length or body
    redirect,  // too many redirects, a redirect loop, or an unusable Location
    closed,    // the peer closed the connection before the message was complete
    tls,       // the TLS handshake or a TLS record failed (https only)
    usage,     // the caller passed something invalid: a malformed URL, header or method
};

// "resolve", "connect", "timeout", "protocol", "too-large", "redirect", "closed", "tls", "usage".
[[nodiscard]] std::string_view to_string(error_kind kind) noexcept;

// Derived classes initialise the virtual std::runtime_error base themselves, with the message.
class error : public virtual std::runtime_error {
public:
    error(error_kind kind, std::string url, const std::string& message);
    // Copies only, no moves: a virtual base could be moved from twice (corio/runtime/error.hpp).
    error(const error&) = default;
    error& operator=(const error&) = default;
    ~error() override = default;

    [[nodiscard]] error_kind kind() const noexcept { return kind_; }
    [[nodiscard]] const std::string& url() const noexcept { return url_; }

    // For the layer that knows the URL when the one that threw did not (parsers, sockets).
    void set_url(std::string url) { url_ = std::move(url); }

private:
    error_kind kind_;
    std::string url_;
};

class resolve_error final : public error {
public:
    resolve_error(std::string url, const std::string& message);
};

class connect_error final : public error {
public:
    connect_error(std::string url, const std::string& message);
};

// Both an HTTP error (it carries the URL, and kind() is error_kind::timeout) and a
// corio::timeout_error, like the runtime's own timeouts (wait_for, I/O deadlines).
class timeout_error final : public error, public corio::timeout_error {
public:
    timeout_error(std::string url, const std::string& message);
};

class protocol_error final : public error {
public:
    protocol_error(std::string url, const std::string& message);
};

class too_large_error final : public error {
public:
    too_large_error(std::string url, const std::string& message);
};

class redirect_error final : public error {
public:
    redirect_error(std::string url, const std::string& message);
};

class connection_closed_error final : public error {
public:
    connection_closed_error(std::string url, const std::string& message);
};

class tls_error final : public error {
public:
    tls_error(std::string url, const std::string& message);
};

// Thrown by url::parse and url::resolve; url() holds the text that failed to parse.
class invalid_url final : public error {
public:
    invalid_url(std::string url, const std::string& message);
};

} // namespace corio::http
CORIO_EXPORT_END
