// SPDX-License-Identifier: MIT
// https_test_support.hpp - what the HTTPS tests share: the test CA, client options that trust it,
// and corio::http::server over TLS on an event loop of its own thread.
//
// The server is for clients that block the test's thread (blocking_session, the examples and
// corio-get as child processes) or that run their own loop (the typed client suites). It
// presents the given certificate (made at test time, see test_certificates.hpp) and answers the
// default routes unless the test installs its own: GET /hello ("hello over TLS: <target>") and
// GET /to?url=U (a 302 to U). The constructor returns once it listens on 127.0.0.1; the
// destructor stops it and joins the thread. Not thread-safe otherwise.
#pragma once

#include <corio/http/client_options.hpp>
#include <corio/http/server.hpp>
#include <corio/runtime/event_loop.hpp>

#include "support/test_certificates.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace corio_test {

// One CA for the whole test program: making keys is the slow part of a TLS test.
[[nodiscard]] const test_authority& test_ca();

// Client options that trust test_ca() - through a file, as a user gives it - and bound every
// request by a total timeout, so that a hang fails instead of stalling.
struct trusting_options {
    trusting_options();

    scratch_directory directory;
    std::string ca_file;
    corio::http::client_options options;
};

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
