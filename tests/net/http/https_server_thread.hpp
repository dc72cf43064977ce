// SPDX-License-Identifier: MIT
// https_server_thread.hpp - corio::http::server over TLS, on an event loop of its own thread, for
// clients that block the test's thread (blocking_session, the examples and corio-get as child
// processes) or that run their own loop (the typed client suites).
//
// The server presents the given certificate (made at test time, see test_certificates.hpp) and
// answers the default routes unless the test installs its own: GET /hello ("hello over TLS:
// <target>") and GET /to?url=U (a 302 to U). The constructor returns once it listens on
// 127.0.0.1; the destructor stops it and joins the thread. Not thread-safe otherwise.
#pragma once

#include <corio/http/server.hpp>
#include <corio/runtime/event_loop.hpp>

#include "support/test_certificates.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace corio_test {

class https_server_thread {
public:
    using route_setup = std::function<void(corio::http::server&)>;

    explicit https_server_thread(const pem_credentials& credentials,
                                 route_setup routes = default_routes);
    ~https_server_thread();
    https_server_thread(const https_server_thread&) = delete;
    https_server_thread& operator=(const https_server_thread&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // "https://127.0.0.1:<port><path>"
    [[nodiscard]] std::string url(const std::string& path) const;

    static void default_routes(corio::http::server& app);

private:
    std::thread thread_;
    corio::event_loop* loop_ = nullptr;
    corio::http::server* app_ = nullptr;
    std::uint16_t port_ = 0;
};

} // namespace corio_test
