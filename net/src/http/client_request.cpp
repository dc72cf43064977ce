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

bool request_keeps_alive(const headers& fields) {
    return !fields.has_token("Connection", "close");
}

std::string serialize_request_head(std::string_view method, const url& target,
                                   const headers& fields, std::string_view body) {
    std::string out;
    out.reserve(256);
    write_request_line(out, method, target.target());
    if (!fields.contains("Host")) {
        write_field(out, "Host", target.host_header());
    }
    for (const header_field& field : fields) {
        if (!iequals(field.name, "Content-Length") && !iequals(field.name, "Transfer-Encoding")) {
            write_field(out, field.name, field.value);
        }
    }
    if (!fields.contains("User-Agent")) {
        write_field(out, "User-Agent", default_user_agent);
    }
    // RFC 9110 §8.6: a method that expects content announces its length even when it is zero,
    // or the server cannot tell the request has ended.
    const bool expects_content = method == "POST" || method == "PUT" || method == "PATCH";
    if (!body.empty() || expects_content) {
        write_field(out, "Content-Length", std::to_string(body.size()));
    }
    out += "\r\n";
    return out;
}

std::string serialize_request_head(const client_request& request) {
    return serialize_request_head(request.method, request.target, request.fields, request.body);
}

std::string checked_request_head(std::string_view method, const url& target, const headers& fields,
                                 std::string_view body, const std::string& url_text) {
    try {
        return serialize_request_head(method, target, fields, body);
    } catch (const std::invalid_argument& failure) {
        throw error(error_kind::usage, url_text, failure.what());
    }
}

bool retry_on_fresh_connection(std::string_view method, bool reused, bool received_any,
                               bool already_retried) noexcept {
    return reused && !received_any && !already_retried && is_idempotent(method);
}

} // namespace corio::http::detail
