// SPDX-License-Identifier: MIT
// demo_server.hpp - the embedded local server that stands in for the tutorial's six web sites.
//
// The tutorial's HTTP programs fetch google.com, yahoo.com and four more. So that the examples
// run offline and tell the same story every time, each one (when given no URLs) starts this
// server: corio's own HTTP server on 127.0.0.1 at an ephemeral port, on a thread of its own with
// its own event loop. Path /google.com answers after 0.7 s (times the time scale), and so on for
// every site, with the delays of the tutorial's blocking run and a body of realistic size.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace example {

struct demo_site {
    std::string name;       // "google.com"; also the path, "/google.com"
    double delay_seconds;   // before the response, at time scale 1
    std::size_t body_bytes; // the size of the page it returns
};

class demo_server {
public:
    // Starts serving; returns once the server accepts connections.
    explicit demo_server(double time_scale);
    // Stops the server gracefully and joins its thread.
    ~demo_server();
    demo_server(const demo_server&) = delete;
    demo_server& operator=(const demo_server&) = delete;

    // The six sites in the tutorial's order.
    static const std::vector<demo_site>& sites();
    // "http://127.0.0.1:<port>/google.com", ... in the tutorial's order.
    [[nodiscard]] std::vector<std::string> urls() const;

private:
    struct running;
    std::unique_ptr<running> running_;
};

// The URLs the example fetches: the command line's if it gave any, else the demo server's
// (started into `server`).
std::vector<std::string> urls_to_fetch(const std::vector<std::string>& from_command_line,
                                       double time_scale, std::unique_ptr<demo_server>& server);

} // namespace example
