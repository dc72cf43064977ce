// SPDX-License-Identifier: MIT
// The blocking driver: client_flow's request policy with I/O that blocks instead of suspending.
// Its streams are blocking sockets (non-blocking underneath, waited on with poll(2) up to each
// deadline), its clock steady_clock and its resolver getaddrinfo on the calling thread. None of
// their awaits ever suspends, so run_inline runs the shared coroutines from start to finish on
// the caller's thread, with no event loop anywhere; then it reads the body the same way.
#include <corio/http/blocking_client.hpp>

#include <corio/http/response.hpp>
#include <corio/net/address.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/net/resolver.hpp>
#include <corio/runtime/detail/run_inline.hpp>
#include <corio/runtime/error.hpp>

#include "client_flow.hpp"
#include "client_transport.hpp"
#include "connection_pool.hpp"
#include "request_template.hpp"
#include "sys/blocking_socket.hpp"
#include "sys/socket_ops.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

using net::detail::blocking_socket;

namespace {

// A blocking socket as a byte_stream: each call blocks, then its task is already finished.
class blocking_byte_stream final : public net::byte_stream {
public:
    explicit blocking_byte_stream(blocking_socket socket) noexcept
        : socket_(std::move(socket)) {}

    task<std::size_t> read_some(std::span<std::byte> buffer, net::deadline until) override {
        co_return socket_.read_some(buffer, until);
    }
    task<> write_all(std::span<const std::byte> data, net::deadline until) override {
        socket_.write_all(data, until);
        co_return;
    }
    task<> shutdown_write(net::deadline /*until*/) override {
        net::detail::shutdown_write(socket_.native_handle());
        co_return;
    }
    void close() noexcept override { socket_.close(); }
    [[nodiscard]] bool is_open() const noexcept override { return socket_.is_open(); }

private:
    blocking_socket socket_;
};

task<std::vector<net::address>> resolve_now(std::string host, std::uint16_t port) {
    // net::resolve's rule without the loop: IP literals need no lookup.
    if (const std::optional<net::address> literal = net::address::from_ip(host, port)) {
        co_return std::vector<net::address>{*literal};
    }
    co_return net::detail::resolve_blocking(host, port);
}

task<std::unique_ptr<net::byte_stream>>
connect_now(net::address peer, std::optional<client_transport::duration> limit) {
    std::optional<client_transport::time_point> until;
    if (limit) {
        until = client_clock::now() + *limit;
    }
    co_return std::make_unique<blocking_byte_stream>(blocking_socket::connect(peer, until));
}

class blocking_transport final : public client_transport {
public:
    [[nodiscard]] time_point now() const override { return client_clock::now(); }
    [[nodiscard]] event_loop* loop() const noexcept override { return nullptr; }
    [[nodiscard]] task<std::vector<net::address>> resolve(std::string host,
                                                          std::uint16_t port) const override {
        return resolve_now(std::move(host), port);
    }
    [[nodiscard]] task<std::unique_ptr<net::byte_stream>>
    connect(net::address peer, std::optional<duration> limit) const override {
        return connect_now(peer, limit);
    }
};

const blocking_transport blocking_io;

} // namespace

struct blocking_state : client_core {
    using client_core::client_core;
};

struct blocking_response_access {
    // Reads the body of `head_only` to its end, on the caller's thread.
    static blocking_response make(response head_only) {
        std::string body = corio::detail::run_inline(head_only.text());
        return blocking_response{head_only.status_,        std::move(head_only.reason_),
                                 head_only.version_minor_, std::move(head_only.fields_),
                                 *head_only.final_url_,    std::move(head_only.history_),
                                 std::move(body)};
    }
};

} // namespace detail

blocking_response::blocking_response(int status, std::string reason, int version_minor,
                                     headers fields, url final_url,
                                     std::vector<std::string> history, std::string body)
    : status_(status)
    , reason_(std::move(reason))
    , version_minor_(version_minor)
    , fields_(std::move(fields))
    , final_url_(std::move(final_url))
    , history_(std::move(history))
    , body_(std::move(body)) {}

blocking_session::blocking_session(client_options options)
    : state_(std::make_shared<detail::blocking_state>(std::move(options), detail::blocking_io)) {}

blocking_session::blocking_session(blocking_session&& other) noexcept = default;

blocking_session& blocking_session::operator=(blocking_session&& other) noexcept {
    if (this != &other) {
        if (state_) {
            state_->pool->shut_down();
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

blocking_session::~blocking_session() {
    if (state_) {
        state_->pool->shut_down();
    }
}

blocking_response blocking_session::get(std::string_view url, const headers& extra) {
    return request("GET", url, extra);
}

blocking_response blocking_session::head(std::string_view url, const headers& extra) {
    return request("HEAD", url, extra);
}

blocking_response blocking_session::post(std::string_view url, std::string body,
                                         const headers& extra) {
    return request("POST", url, extra, std::move(body));
}

blocking_response blocking_session::request(std::string_view method, std::string_view url,
                                            const headers& extra, std::string body) {
    if (!state_) {
        throw corio::usage_error("request on a moved-from corio::http::blocking_session");
    }
    std::shared_ptr<const detail::request_template> known = state_->templates.find(method, url);
    std::string spelling;
    if (!known) {
        spelling.assign(url);
    }
    response head_only =
        corio::detail::run_inline(detail::perform(state_, std::move(known), std::move(spelling),
                                                  std::string(method), extra, std::move(body)));
    return detail::blocking_response_access::make(std::move(head_only));
}

std::size_t blocking_session::connections_opened() const noexcept {
    return state_ ? state_->pool->connections_opened() : 0;
}

std::size_t blocking_session::idle_connections() const noexcept {
    return state_ ? state_->pool->idle_connections() : 0;
}

void blocking_session::close() noexcept {
    if (state_) {
        state_->pool->close_idle();
    }
}

} // namespace corio::http
