// SPDX-License-Identifier: MIT
#include "threaded_server_support.hpp"

#include "support/leak_check.hpp"

#include <corio/runtime/event_loop.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <utility>

namespace corio_test {

corio::http::client_options bounded() {
    corio::http::client_options options;
    options.timeouts.total = wait_bound;
    return options;
}

void with_server(raw_http_server::handler on_connection,
                 const std::function<void(server_thread&)>& body) {
    leak_check check;
    {
        server_thread server{std::move(on_connection)};
        body(server);
        server.stop();
    }
    EXPECT_EQ(corio::event_loop::try_current(), nullptr)
        << "an event loop was left on the test's thread";
}

raw_http_server::handler ok_until_closed(signal& closed) {
    return [&closed](corio::net::tcp_stream& stream, std::size_t) -> corio::task<> {
        request_buffer buffer;
        while (std::optional<received_request> request = co_await read_request(stream, buffer)) {
            co_await write_text(stream, response_text(200, "ok"));
        }
        closed.release();
    };
}

} // namespace corio_test
