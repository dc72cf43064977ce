// SPDX-License-Identifier: MIT
#include "client_request.hpp"

#include "message_writer.hpp"

#include <corio/http/error.hpp>

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace corio::http::detail {

headers merge_fields(const headers& defaults, const headers& extra) {
    const auto overridden = [&extra](std::string_view name) { return extra.contains(name); };
    headers merged;
    for (const header_field& field : defaults) {
        if (!overridden(field.name)) {
            merged.add(field.name, field.value);
        }
    }
    for (const header_field& field : extra) {
        merged.add(field.name, field.value);
    }
    return merged;
}

bool is_idempotent(std::string_view method) noexcept {
    constexpr std::string_view idempotent[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    return std::find(std::begin(idempotent), std::end(idempotent), method) != std::end(idempotent);
}

bool request_keeps_alive(const client_request& request) {
    return !request.fields.has_token("Connection", "close");
}

std::string serialize_request_head(const client_request& request) {
    headers fields;
    if (!request.fields.contains("Host")) {
        fields.add("Host", request.target.host_header());
    }
    for (const header_field& field : request.fields) {
        if (!iequals(field.name, "Content-Length") && !iequals(field.name, "Transfer-Encoding")) {
            fields.add(field.name, field.value);
        }
    }
    if (!fields.contains("User-Agent")) {
        fields.add("User-Agent", default_user_agent);
    }
    // RFC 9110 §8.6: a method that expects content announces its length even when it is zero,
    // or the server cannot tell the request has ended.
    const bool expects_content =
        request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (!request.body.empty() || expects_content) {
        fields.add("Content-Length", std::to_string(request.body.size()));
    }
    std::string out;
    out.reserve(256);
    write_request_head(out, request.method, request.target.target(), fields);
    return out;
}

std::string checked_request_head(const client_request& request, const std::string& url_text) {
    if (request.target.scheme() == "https") {
        throw tls_error(url_text, "TLS is not available in this build");
    }
    try {
        return serialize_request_head(request);
    } catch (const std::invalid_argument& failure) {
        throw error(error_kind::usage, url_text, failure.what());
    }
}

bool retry_on_fresh_connection(const client_request& request, bool reused, bool received_any,
                               bool already_retried) noexcept {
    return reused && !received_any && !already_retried && is_idempotent(request.method);
}

} // namespace corio::http::detail
