// SPDX-License-Identifier: MIT
#include "server_response_head.hpp"

#include "message_writer.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace corio::http::detail {

std::string format_http_date(std::chrono::sys_seconds when) {
    static constexpr std::array<const char*, 7> weekdays{"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = std::chrono::floor<std::chrono::days>(when);
    const std::chrono::year_month_day date{day};
    const std::chrono::weekday weekday{day};
    const std::chrono::hh_mm_ss time{when - day};
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                  weekdays[weekday.c_encoding()], static_cast<unsigned>(date.day()),
                  months[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return text;
}

const std::string& http_date_cache::now() {
    const auto second = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (text_.empty() || second != second_) {
        second_ = second;
        text_ = format_http_date(second);
    }
    return text_;
}

namespace {

std::string serialize(const server_response& response, const response_head_context& context) {
    headers fields;
    if (!response.fields.contains("Date")) {
        fields.add("Date", context.date);
    }
    if (!context.server_name.empty() && !response.fields.contains("Server")) {
        fields.add("Server", context.server_name);
    }
    for (const header_field& field : response.fields) {
        // Framing and persistence are the server's to decide: a stale value would corrupt them.
        if (!iequals(field.name, "content-length") && !iequals(field.name, "transfer-encoding") &&
            !iequals(field.name, "connection")) {
            fields.add(field.name, field.value);
        }
    }
    if (status_has_body(response.status)) {
        fields.add("Content-Length", std::to_string(response.body.size()));
    }
    if (context.close) {
        fields.add("Connection", "close");
    } else if (context.version_minor == 0) {
        fields.add("Connection", "keep-alive"); // HTTP/1.0 closes unless told otherwise
    }
    const std::string_view reason =
        response.reason.empty() ? default_reason(response.status) : response.reason;
    std::string out;
    write_response_head(out, response.status, reason, fields);
    return out;
}

} // namespace

std::string prepare_response_head(server_response& response, const response_head_context& context) {
    try {
        if (response.status < 200 || response.status > 999) {
            throw std::invalid_argument("status " + std::to_string(response.status) +
                                        " cannot be a final response");
        }
        return serialize(response, context);
    } catch (const std::invalid_argument& error) {
        response = server_response::text(
            500, std::string("500 Internal Server Error: the handler's response is invalid: ") +
                     error.what() + "\n");
        return serialize(response, context);
    }
}

} // namespace corio::http::detail
