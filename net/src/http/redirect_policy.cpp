// SPDX-License-Identifier: MIT
#include "redirect_policy.hpp"

#include <corio/http/error.hpp>

#include <algorithm>
#include <string_view>

namespace corio::http::detail {

namespace {

std::string describe_chain(std::span<const redirect_hop> earlier, const client_request& request,
                           const client_request& next) {
    std::string chain;
    for (const redirect_hop& hop : earlier) {
        chain += hop.url;
        chain += " -> ";
    }
    chain += request.target.to_string();
    chain += " -> ";
    chain += next.target.to_string();
    return chain;
}

bool same_origin(const url& a, const url& b) noexcept {
    return a.scheme() == b.scheme() && a.host() == b.host() && a.port() == b.port();
}

} // namespace

bool is_followed_redirect(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<client_request> follow_redirect(const client_request& request, int status,
                                              const headers& fields,
                                              std::span<const redirect_hop> earlier,
                                              int max_redirects) {
    if (!is_followed_redirect(status)) {
        return std::nullopt;
    }
    const std::optional<std::string_view> location = fields.get("Location");
    if (!location) {
        return std::nullopt;
    }
    const std::string current = request.target.to_string();
    std::optional<url> target;
    try {
        target = request.target.resolve(*location);
    } catch (const invalid_url& failure) {
        throw redirect_error(current, std::to_string(status) +
                                          " redirect to an unusable Location '" + failure.url() +
                                          "': " + failure.what());
    }

    client_request next{request.method, std::move(*target), request.fields, request.body};
    if (status != 307 && status != 308 && request.method != "HEAD") {
        next.method = "GET";
        next.body.clear();
        // The body is gone, and with it everything that described it.
        for (const std::string_view name :
             {"Content-Type", "Content-Length", "Content-Encoding", "Content-Language",
              "Content-Location", "Transfer-Encoding"}) {
            next.fields.erase(name);
        }
    }
    if (!same_origin(request.target, next.target)) {
        for (const std::string_view name : {"Authorization", "Cookie", "Host"}) {
            next.fields.erase(name);
        }
    }

    const std::string next_url = next.target.to_string();
    bool loop = next.method == request.method && next_url == current;
    for (const redirect_hop& hop : earlier) {
        loop = loop || (hop.method == next.method && hop.url == next_url);
    }
    if (loop) {
        throw redirect_error(current, "redirect loop: " + describe_chain(earlier, request, next));
    }
    if (earlier.size() + 1 > static_cast<std::size_t>(std::max(max_redirects, 0))) {
        throw redirect_error(current, "too many redirects (limit " +
                                          std::to_string(std::max(max_redirects, 0)) +
                                          "): " + describe_chain(earlier, request, next));
    }
    return next;
}

std::optional<client_request> redirect_chain::follow(const client_request& request, int status,
                                                     const headers& fields) {
    std::optional<client_request> next =
        follow_redirect(request, status, fields, hops_, max_redirects_);
    if (next) {
        hops_.push_back(redirect_hop{request.method, request.target.to_string()});
    }
    return next;
}

std::vector<std::string> redirect_chain::history() const {
    std::vector<std::string> urls;
    urls.reserve(hops_.size());
    for (const redirect_hop& hop : hops_) {
        urls.push_back(hop.url);
    }
    return urls;
}

} // namespace corio::http::detail
