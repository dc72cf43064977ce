// SPDX-License-Identifier: MIT
// route_table.hpp - the server's routes: which handler answers a method on a path.
//
// Paths match exactly (no patterns: a small server's routes are a short, fixed list). For one
// path the exact method wins, then a GET route answers HEAD too (RFC 9110 §9.3.2), then a "*"
// route takes any method. A path with routes but none for the method is a 405, and the match
// carries the Allow list for it; an unknown path is a 404. Handlers are shared, so a handler
// being awaited survives add() replacing it. Not thread-safe: routes are set up before serving.
#pragma once

#include <corio/http/server.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corio::http::detail {

struct route_match {
    std::shared_ptr<const request_handler> handler; // null: 404 or 405
    bool path_known = false;                        // true: 405, not 404
    std::string allow;                              // the methods the path accepts, for 405
};

class route_table {
public:
    // Adds a route, or replaces the handler of the same method and path. Throws
    // std::invalid_argument for a method that is neither a token nor "*", a path that does not
    // start with '/' (or is not "*") or holds whitespace or control bytes, or an empty handler.
    void add(std::string method, std::string path, request_handler handler);

    [[nodiscard]] route_match find(std::string_view method, std::string_view path) const;

private:
    struct entry {
        std::string method;
        std::shared_ptr<const request_handler> handler;
    };

    std::map<std::string, std::vector<entry>, std::less<>> paths_;
};

} // namespace corio::http::detail
