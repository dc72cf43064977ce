// SPDX-License-Identifier: MIT
// redirect_policy.hpp - which request follows a 3xx response: a pure function, no I/O.
//
// 301/302/303 become a GET without body (a HEAD stays a HEAD); 307/308 repeat method, fields and
// body. Location resolves against the request's URL. A new origin (scheme, host or port) loses
// Authorization, Cookie and an explicit Host. Exceeding the limit or revisiting a request of the
// chain (a loop) throws redirect_error naming the chain; other 3xx codes, or any without
// Location, are final responses. redirect_chain keeps a request's hops for both client drivers.
// Thread-safety: pure functions, and a plain value.
#pragma once

#include "client_request.hpp"

#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace corio::http::detail {

// One request of a redirect chain, as loop detection and error messages need it.
struct redirect_hop {
    std::string method;
    std::string url;
};

// 301, 302, 303, 307 and 308: the codes whose Location the client follows.
[[nodiscard]] bool is_followed_redirect(int status) noexcept;

// `request` was answered with `status` and `fields`. Returns nullopt if that response is final,
// otherwise the request to send next. `earlier` holds the requests that redirected before this
// one, oldest first. Throws redirect_error, carrying the request's URL, if Location is not a
// usable URL, if the next request repeats one of the chain, or if following it would make more
// than `max_redirects` redirects.
[[nodiscard]] std::optional<client_request> follow_redirect(const client_request& request,
                                                            int status, const headers& fields,
                                                            std::span<const redirect_hop> earlier,
                                                            int max_redirects);

// A redirect's body is read and dropped to keep its connection, unless it is bigger than this.
inline constexpr std::size_t redirect_drain_limit = 64 * 1024;

// A failure while dropping a redirect's body only costs that connection, and the chain goes on;
// but a timeout means the request's deadline passed, so the next hop could not make it either.
[[nodiscard]] inline bool ends_the_chain(const error& drain_failure) noexcept {
    return drain_failure.kind() == error_kind::timeout;
}

// The redirects of one request so far.
class redirect_chain {
public:
    explicit redirect_chain(int max_redirects) noexcept
        : max_redirects_(max_redirects) {}

    // follow_redirect() with this chain's earlier hops; records `request` as a hop when its
    // response redirects.
    [[nodiscard]] std::optional<client_request> follow(const client_request& request, int status,
                                                       const headers& fields);
    // The URLs that redirected, oldest first: the final response's history().
    [[nodiscard]] std::vector<std::string> history() const;

private:
    int max_redirects_;
    std::vector<redirect_hop> hops_;
};

} // namespace corio::http::detail
