// SPDX-License-Identifier: MIT
#include "message_writer.hpp"

#include "field_syntax.hpp"

#include <cstdio>
#include <stdexcept>

namespace corio::http::detail {

namespace {

// For error messages: the offending text with unprintable bytes escaped, so the message itself
// cannot carry the CR LF it complains about into a log.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(byte));
            out += escaped;
        }
    }
    return out;
}

void check_field(std::string_view name, std::string_view value) {
    if (!is_token(name)) {
        throw std::invalid_argument("invalid header name '" + printable(name) +
                                    "' (must be a non-empty token)");
    }
    if (!is_field_text(value)) {
        // The value itself stays out of the message: it may be a credential.
        throw std::invalid_argument("header '" + std::string(name) +
                                    "' has a value containing CR, LF, NUL or another control "
                                    "character");
    }
    if (!value.empty() && (is_ows(value.front()) || is_ows(value.back()))) {
        throw std::invalid_argument("header '" + std::string(name) +
                                    "' has a value with leading or trailing whitespace");
    }
}

void check_fields(const headers& fields) {
    for (const header_field& field : fields) {
        check_field(field.name, field.value);
    }
}

void check_request_line(std::string_view method, std::string_view target) {
    if (!is_token(method)) {
        throw std::invalid_argument("invalid HTTP method '" + printable(method) +
                                    "' (must be a non-empty token)");
    }
    if (!is_request_target(target)) {
        throw std::invalid_argument("invalid request target '" + printable(target) +
                                    "' (must be non-empty, without whitespace or control "
                                    "characters)");
    }
}

std::size_t fields_size(const headers& fields) noexcept {
    std::size_t size = 2; // the blank line
    for (const header_field& field : fields) {
        size += field.name.size() + 2 + field.value.size() + 2;
    }
    return size;
}

void append_fields(std::string& out, const headers& fields) {
    for (const header_field& field : fields) {
        out += field.name;
        out += ": ";
        out += field.value;
        out += "\r\n";
    }
    out += "\r\n";
}

struct status_phrase {
    int status;
    std::string_view reason;
};

// RFC 9110 §15, plus 428/429/431 from RFC 6585.
constexpr status_phrase status_phrases[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

} // namespace

void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        const headers& fields) {
    check_request_line(method, target);
    check_fields(fields);
    out.reserve(out.size() + method.size() + 1 + target.size() + 11 + fields_size(fields));
    out += method;
    out += ' ';
    out += target;
    out += " HTTP/1.1\r\n";
    append_fields(out, fields);
}

void write_request_line(std::string& out, std::string_view method, std::string_view target) {
    check_request_line(method, target);
    out += method;
    out += ' ';
    out += target;
    out += " HTTP/1.1\r\n";
}

void write_field(std::string& out, std::string_view name, std::string_view value) {
    check_field(name, value);
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void write_response_head(std::string& out, int status, std::string_view reason,
                         const headers& fields) {
    if (status < 100 || status > 999) {
        throw std::invalid_argument("invalid status code " + std::to_string(status) +
                                    " (must be 100-999)");
    }
    if (!is_field_text(reason)) {
        throw std::invalid_argument("invalid reason phrase '" + printable(reason) +
                                    "' (contains a control character)");
    }
    check_fields(fields);
    out.reserve(out.size() + 13 + reason.size() + 2 + fields_size(fields));
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' '; // present even before an empty reason (RFC 9112 §4)
    out += reason;
    out += "\r\n";
    append_fields(out, fields);
}

std::string_view default_reason(int status) noexcept {
    for (const status_phrase& entry : status_phrases) {
        if (entry.status == status) {
            return entry.reason;
        }
    }
    return "";
}

} // namespace corio::http::detail
