// SPDX-License-Identifier: MIT
#include "route_table.hpp"

#include "field_syntax.hpp"

#include <stdexcept>
#include <utility>

namespace corio::http::detail {

void route_table::add(std::string method, std::string path, request_handler handler) {
    if (method != "*" && !is_token(method)) {
        throw std::invalid_argument("route method must be a token such as \"GET\", or \"*\"");
    }
    if (path != "*" && (!path.starts_with('/') || !is_request_target(path))) {
        throw std::invalid_argument("route path must start with '/' (or be \"*\") and contain no "
                                    "whitespace or control characters");
    }
    if (!handler) {
        throw std::invalid_argument("route handler is empty");
    }
    auto shared = std::make_shared<const request_handler>(std::move(handler));
    std::vector<entry>& entries = paths_.try_emplace(std::move(path)).first->second;
    for (entry& existing : entries) {
        if (existing.method == method) {
            existing.handler = std::move(shared);
            return;
        }
    }
    entries.push_back(entry{std::move(method), std::move(shared)});
}

route_match route_table::find(std::string_view method, std::string_view path) const {
    route_match match;
    const auto found = paths_.find(path);
    if (found == paths_.end()) {
        return match;
    }
    match.path_known = true;
    const entry* get = nullptr;
    const entry* any = nullptr;
    for (const entry& candidate : found->second) {
        if (candidate.method == method) {
            match.handler = candidate.handler;
            return match;
        }
        if (candidate.method == "GET") {
            get = &candidate;
        } else if (candidate.method == "*") {
            any = &candidate;
        }
    }
    if (method == "HEAD" && get != nullptr) {
        match.handler = get->handler;
    } else if (any != nullptr) {
        match.handler = any->handler;
    } else {
        for (const entry& candidate : found->second) {
            match.allow += match.allow.empty() ? "" : ", ";
            match.allow += candidate.method;
        }
        if (get != nullptr) {
            match.allow += ", HEAD"; // no HEAD route, or it would have matched
        }
    }
    return match;
}

} // namespace corio::http::detail
