// SPDX-License-Identifier: MIT
// threaded_server_support.hpp - what the suites whose server runs on a thread of its own
// (server_thread.hpp) share: the bound on every wait, the way the server signals the test's
// thread, client options that turn a hang into an error, and the leak-checked run.
#pragma once

#include "raw_http_server.hpp"
#include "server_thread.hpp"

#include <corio/http/client_options.hpp>

#include <chrono>
#include <functional>
#include <semaphore>

namespace corio_test {

// Failure bound for waits that should end quickly: a hang becomes a test failure.
inline constexpr std::chrono::seconds wait_bound{10};

// Signals from the server thread to the test's.
using signal = std::counting_semaphore<64>;

// Options whose total timeout turns a hang in the client into an error, not a stuck run.
[[nodiscard]] corio::http::client_options bounded();

// Runs `body` against a server on its own thread, then checks that nothing - coroutine frame,
// file descriptor, or an event loop on the test's thread - was left behind. A body that makes
// its client inside destroys it before the server stops.
void with_server(raw_http_server::handler on_connection,
                 const std::function<void(server_thread&)>& body);

// Serves keep-alive requests with "ok" until the client closes, then says so through `closed`.
[[nodiscard]] raw_http_server::handler ok_until_closed(signal& closed);

} // namespace corio_test
