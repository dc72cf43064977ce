// SPDX-License-Identifier: MIT
// The async driver: client_flow's request policy on the event loop. Its I/O is the loop's clock,
// name resolution on the blocking pool and TCP connections through the reactor.
#include <corio/http/client.hpp>

#include <corio/net/address.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/net/resolver.hpp>
#include <corio/net/tcp_stream.hpp>

#include "client_flow.hpp"
#include "client_transport.hpp"
#include "connection_pool.hpp"
#include "request_template.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

namespace {

task<std::unique_ptr<net::byte_stream>>
connect_through_reactor(net::address peer, std::optional<client_transport::duration> limit) {
    net::tcp_stream stream = co_await net::tcp_stream::connect(peer, limit);
    co_return std::make_unique<net::tcp_byte_stream>(std::move(stream));
}

class loop_transport final : public client_transport {
public:
    [[nodiscard]] time_point now() const override { return event_loop::current().now(); }
    [[nodiscard]] event_loop* loop() const noexcept override { return event_loop::try_current(); }
    [[nodiscard]] task<std::vector<net::address>> resolve(std::string host,
                                                          std::uint16_t port) const override {
        return net::resolve(std::move(host), port);
    }
    [[nodiscard]] task<std::unique_ptr<net::byte_stream>>
    connect(net::address peer, std::optional<duration> limit) const override {
        return connect_through_reactor(peer, limit);
    }
};

const loop_transport event_loop_io;

} // namespace

struct session_state : client_core {
    using client_core::client_core;
};

} // namespace detail

client_session::client_session(client_options options)
    : state_(std::make_shared<detail::session_state>(std::move(options), detail::event_loop_io)) {}

client_session::client_session(client_session&& other) noexcept = default;

client_session& client_session::operator=(client_session&& other) noexcept {
    if (this != &other) {
        if (state_) {
            state_->pool->shut_down();
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

client_session::~client_session() {
    if (state_) {
        state_->pool->shut_down();
    }
}

task<response> client_session::get(std::string_view url, headers extra) {
    return request("GET", url, std::move(extra));
}

task<response> client_session::head(std::string_view url, headers extra) {
    return request("HEAD", url, std::move(extra));
}

task<response> client_session::post(std::string_view url, std::string body, headers extra) {
    return request("POST", url, std::move(extra), std::move(body));
}

// Not a coroutine: the URL view is looked up, or else copied, now, so a temporary string may be
// passed.
task<response> client_session::request(std::string method, std::string_view url, headers extra,
                                       std::string body) {
    std::shared_ptr<const detail::request_template> known;
    if (state_) {
        known = state_->templates.find(method, url);
    }
    std::string spelling;
    if (!known) {
        spelling.assign(url);
    }
    return detail::perform(state_, std::move(known), std::move(spelling), std::move(method),
                           std::move(extra), std::move(body));
}

std::size_t client_session::connections_opened() const noexcept {
    return state_ ? state_->pool->connections_opened() : 0;
}

std::size_t client_session::idle_connections() const noexcept {
    return state_ ? state_->pool->idle_connections() : 0;
}

void client_session::close() noexcept {
    if (state_) {
        state_->pool->close_idle();
    }
}

} // namespace corio::http
