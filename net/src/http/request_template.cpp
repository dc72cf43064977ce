// SPDX-License-Identifier: MIT
#include "request_template.hpp"

#include "client_request.hpp"

#include <string_view>
#include <utility>

namespace corio::http::detail {

request_template::request_template(std::string method_name, std::string url_spelling, url parsed)
    : method(std::move(method_name))
    , spelling(std::move(url_spelling))
    , target(std::move(parsed))
    , url_text(target.to_string())
    , origin{std::string(target.scheme()), std::string(target.host()), target.port()} {}

request_template::request_template(std::string method_name, const url& parsed)
    : request_template(std::move(method_name), std::string(), parsed) {}

const std::string& request_template::plain_head_for(const headers& defaults) const {
    if (plain_head_.empty()) {
        plain_head_ = checked_request_head(method, target, defaults, {}, url_text);
    }
    return plain_head_;
}

outgoing_request::outgoing_request(const request_template& request, const headers& defaults,
                                   const headers& extra, std::string_view body)
    : defaults_(&defaults) {
    if (!extra.empty()) {
        merged_ = merge_fields(defaults, extra);
    }
    if (extra.empty() && body.empty()) {
        plain_ = &request.plain_head_for(defaults);
    } else {
        own_ =
            checked_request_head(request.method, request.target, fields(), body, request.url_text);
    }
}

std::shared_ptr<const request_template>
request_templates::find(std::string_view method, std::string_view spelling) const noexcept {
    for (const std::shared_ptr<const request_template>& entry : entries_) {
        if (entry && entry->spelling == spelling && entry->method == method) {
            return entry;
        }
    }
    return nullptr;
}

std::shared_ptr<const request_template> request_templates::get(std::string_view method,
                                                               std::string_view spelling) {
    if (std::shared_ptr<const request_template> known = find(method, spelling)) {
        return known;
    }
    // Parsed first: a URL that throws invalid_url leaves the cache as it was.
    url parsed = url::parse(spelling);
    auto made = std::make_shared<const request_template>(std::string(method), std::string(spelling),
                                                         std::move(parsed));
    return next_slot() = std::move(made);
}

std::shared_ptr<const request_template>& request_templates::next_slot() noexcept {
    std::shared_ptr<const request_template>& slot = entries_[next_];
    next_ = (next_ + 1) % capacity;
    return slot;
}

} // namespace corio::http::detail
