// SPDX-License-Identifier: MIT
// request_template.hpp - what every request with one method to one URL has in common, worked out
// once per session instead of once per request.
//
// A session that requests the same URL again and again (polling, an API client, a benchmark)
// would otherwise parse and normalise the URL, format it back into text for error messages,
// build its pool key and serialise the same head every time. request_templates keeps the few
// most recently added templates, found by method and by the URL exactly as the caller spelled
// it; a miss costs what every request used to, plus the cache entry. A template is shared, so a
// request keeps its own alive if it is evicted meanwhile. Nothing in it changes once built but
// the head of a request without extra fields or body, which is made on first use and then kept:
// it depends on nothing else (a session's default fields are fixed). outgoing_request is one
// request on top of its template: it sends that cached head, or its own when the caller added
// fields or a body. Not thread-safe.
#pragma once

#include "connection_pool.hpp"

#include <corio/http/headers.hpp>
#include <corio/http/url.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

struct request_template {
    request_template(std::string method_name, std::string url_spelling, url parsed);
    // Not cached: for a redirect's target, which has no spelling of the caller's.
    request_template(std::string method_name, const url& parsed);

    std::string method;
    std::string spelling; // the URL as the caller wrote it: the cache key
    url target;
    std::string url_text; // target.to_string(): how errors name the request
    pool_key origin;

    // The head of a request with no fields but `defaults` and no body, serialised on first use;
    // the string then never changes, so requests in flight may keep sending from it. Throws
    // tls_error or an error of kind usage as checked_request_head() does.
    [[nodiscard]] const std::string& plain_head_for(const headers& defaults) const;

private:
    mutable std::string plain_head_;
};

// One request on top of its template: its fields (the session's defaults, with the caller's extra
// fields merged in) and the head to send. Without extra fields or a body that is the template's
// cached head; otherwise the request serialises its own. Throws as checked_request_head() does.
// Refers to `request` and `defaults`, which must outlive it.
class outgoing_request {
public:
    outgoing_request(const request_template& request, const headers& defaults, const headers& extra,
                     std::string_view body);

    [[nodiscard]] const headers& fields() const noexcept { return merged_ ? *merged_ : *defaults_; }
    // Valid as long as this object and the template are.
    [[nodiscard]] std::string_view text() const noexcept {
        return plain_ != nullptr ? std::string_view(*plain_) : std::string_view(own_);
    }

private:
    const headers* defaults_;
    std::optional<headers> merged_;
    std::string own_;
    const std::string* plain_ = nullptr;
};

class request_templates {
public:
    // The cached template for `method` and the URL `spelling`, or null.
    [[nodiscard]] std::shared_ptr<const request_template>
    find(std::string_view method, std::string_view spelling) const noexcept;
    // find()'s, or a new one, which evicts the oldest entry when the cache is full. Throws
    // invalid_url.
    [[nodiscard]] std::shared_ptr<const request_template> get(std::string_view method,
                                                              std::string_view spelling);

private:
    // A handful: enough for a client cycling through a few endpoints, small enough that a miss
    // (a crawler never asks twice) scans little and keeps little alive.
    static constexpr std::size_t capacity = 8;

    std::shared_ptr<const request_template>& next_slot() noexcept;

    std::array<std::shared_ptr<const request_template>, capacity> entries_;
    std::size_t next_ = 0; // the slot the next new template replaces
};

} // namespace corio::http::detail
