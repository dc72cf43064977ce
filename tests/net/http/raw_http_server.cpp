// SPDX-License-Identifier: MIT
#include "raw_http_server.hpp"

#include "http/message_parser.hpp"
#include "http/message_writer.hpp"
#include "support/leak_check.hpp"

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task_group.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <span>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace corio_test {

namespace {

namespace http_detail = corio::http::detail;

corio::task<std::size_t> receive_into(corio::net::tcp_stream& stream, std::string& out) {
    std::array<std::byte, 4096> chunk{};
    const std::size_t received = co_await stream.read_some(chunk);
    out.append(reinterpret_cast<const char*>(chunk.data()), received);
    co_return received;
}

corio::task<> serve_keep_alive(corio::net::tcp_stream& stream,
                               std::function<std::string(const received_request&)> respond) {
    request_buffer buffer;
    while (true) {
        std::optional<received_request> request = co_await read_request(stream, buffer);
        if (!request) {
            co_return;
        }
        std::string reply = respond(*request);
        const bool closes = reply.find("Connection: close\r\n") != std::string::npos;
        co_await write_text(stream, std::move(reply));
        if (closes) {
            co_return;
        }
    }
}

} // namespace

corio::task<std::optional<received_request>> read_request(corio::net::tcp_stream& stream,
                                                          request_buffer& buffer) {
    http_detail::request_head head;
    while (true) {
        const http_detail::parse_result parsed =
            http_detail::parse_request_head(buffer.pending, http_detail::parse_limits{}, head);
        if (parsed.status == http_detail::parse_status::error) {
            throw std::runtime_error("test server: malformed request: " +
                                     std::string(http_detail::describe(parsed.error)));
        }
        if (parsed.status == http_detail::parse_status::done) {
            buffer.pending.erase(0, parsed.consumed);
            break;
        }
        if (co_await receive_into(stream, buffer.pending) == 0) {
            if (!buffer.pending.empty()) {
                throw std::runtime_error("test server: connection closed mid-request");
            }
            co_return std::nullopt;
        }
    }
    const http_detail::framing_result framing = http_detail::request_framing(head.fields);
    if (framing.error != http_detail::parse_error::none ||
        framing.framing.kind == http_detail::body_kind::chunked) {
        throw std::runtime_error("test server: unsupported request framing");
    }
    const auto length = static_cast<std::size_t>(framing.framing.length);
    while (buffer.pending.size() < length) {
        if (co_await receive_into(stream, buffer.pending) == 0) {
            throw std::runtime_error("test server: connection closed mid-body");
        }
    }
    received_request request{std::move(head.method), std::move(head.target), std::move(head.fields),
                             buffer.pending.substr(0, length)};
    buffer.pending.erase(0, length);
    co_return request;
}

corio::task<> write_text(corio::net::tcp_stream& stream, std::string text) {
    co_await stream.write_all(std::as_bytes(std::span(text)));
}

corio::task<std::string> read_until_closed(corio::net::tcp_stream& stream) {
    std::string all;
    try {
        // Not `while (co_await ...)`: g++ 12 miscompiles an await as a plain loop condition.
        while (const std::size_t received = co_await receive_into(stream, all)) {
        }
    } catch (const std::system_error&) {
        // A reset is a close too.
    }
    co_return all;
}

std::string response_text(int status, std::string_view body, std::string_view extra_fields) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                      std::string(http_detail::default_reason(status)) + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += extra_fields;
    out += "\r\n";
    out += body;
    return out;
}

raw_http_server::raw_http_server(handler on_connection)
    : on_connection_(std::move(on_connection))
    , listener_(corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0)))
    , port_(listener_.local_address().port()) {}

std::string raw_http_server::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

corio::task<> raw_http_server::run_connection(corio::net::tcp_stream stream, std::size_t index) {
    ++open_;
    max_open_ = std::max(max_open_, open_);
    try {
        co_await on_connection_(stream, index);
    } catch (const std::system_error&) {
        // The client may close or reset a connection under a handler: that is what some tests do.
    } catch (const corio::timeout_error&) {
    } catch (...) {
        --open_;
        throw;
    }
    --open_;
}

corio::task<> raw_http_server::serve() {
    corio::task_group connections;
    try {
        while (!stopped_) {
            corio::net::tcp_stream stream = co_await listener_.accept();
            connections.spawn(run_connection(std::move(stream), accepted_++));
        }
    } catch (const std::system_error&) {
        // stop() closed the listener under the pending accept.
    }
    connections.cancel();
    co_await connections.wait();
}

void raw_http_server::stop() noexcept {
    stopped_ = true;
    listener_.close();
}

void run_checked(const std::function<corio::task<>()>& scenario) {
    leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(scenario());
    expect_loop_is_clean(loop);
}

raw_http_server::handler
keep_alive_handler(std::function<std::string(const received_request&)> respond) {
    return [respond = std::move(respond)](corio::net::tcp_stream& stream, std::size_t) {
        return serve_keep_alive(stream, respond);
    };
}

raw_http_server::handler answer_once(std::string wire, bool keep_open) {
    return [wire = std::move(wire), keep_open](corio::net::tcp_stream& stream,
                                               std::size_t) -> corio::task<> {
        request_buffer buffer;
        if (co_await read_request(stream, buffer)) {
            co_await write_text(stream, wire);
            if (keep_open) {
                (void)co_await read_until_closed(stream);
            }
        }
    };
}

raw_http_server::handler stay_silent() {
    return [](corio::net::tcp_stream& stream, std::size_t) -> corio::task<> {
        (void)co_await read_until_closed(stream);
    };
}

raw_http_server::handler echo_target() {
    return keep_alive_handler(
        [](const received_request& request) { return response_text(200, request.target); });
}

raw_http_server::handler logging_site(std::vector<received_request>& log,
                                      std::function<std::string(const received_request&)> route) {
    return keep_alive_handler([&log, route = std::move(route)](const received_request& request) {
        log.push_back(request);
        return route(request);
    });
}

} // namespace corio_test
