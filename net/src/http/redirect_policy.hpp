// SPDX-License-Identifier: MIT
// redirect_policy.hpp - which request follows a 3xx response: a pure function, no I/O.
//
// 301/302/303 become a GET without body (a HEAD stays a HEAD); 307/308 repeat method, fields and
// body. Location resolves against the request's URL. A new origin (scheme, host or port) loses
// Authorization, Cookie and an explicit Host. Exceeding the limit or revisiting a request of the
// chain (a loop) throws redirect_error naming the chain; other 3xx codes, or any without
// Location, are final responses. Thread-safety: pure functions.
#pragma once

#include "client_request.hpp"

#include <corio/http/headers.hpp>

#include <optional>
#include <span>
#include <string>

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

} // namespace corio::http::detail
