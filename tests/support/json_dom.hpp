// SPDX-License-Identifier: MIT
// json_dom.hpp - a small strict JSON parser (RFC 8259) to a DOM, for tests that check what corio
// writes (the Chrome trace export) without an external library.
//
// Strict on purpose: a trailing comma, a raw control character in a string, an invalid escape,
// a lone surrogate, bytes after the document or invalid UTF-8 are errors, because a viewer
// (Perfetto, chrome://tracing) may refuse what a lenient parser would let through.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace corio_test {

struct json_value;
struct json_member;
using json_array = std::vector<json_value>;
// Members in document order (a std::map would hide duplicates and the order). A struct rather
// than std::pair: a pair of an incomplete type cannot be named inside json_value's variant.
using json_object = std::vector<json_member>;

struct json_value {
    std::variant<std::nullptr_t, bool, double, std::string, json_array, json_object> data;

    [[nodiscard]] bool is_null() const { return std::holds_alternative<std::nullptr_t>(data); }
    [[nodiscard]] bool is_object() const { return std::holds_alternative<json_object>(data); }
    [[nodiscard]] bool is_array() const { return std::holds_alternative<json_array>(data); }
    [[nodiscard]] bool is_string() const { return std::holds_alternative<std::string>(data); }
    [[nodiscard]] bool is_number() const { return std::holds_alternative<double>(data); }
    [[nodiscard]] const json_array& array() const { return std::get<json_array>(data); }
    [[nodiscard]] const json_object& object() const { return std::get<json_object>(data); }
    [[nodiscard]] const std::string& string() const { return std::get<std::string>(data); }
    [[nodiscard]] double number() const { return std::get<double>(data); }
    // The member called `key` of an object; nullptr if this is no object or has no such member.
    [[nodiscard]] const json_value* find(std::string_view key) const;
};

struct json_member {
    std::string name;
    json_value value;
};

struct json_parse_result {
    std::optional<json_value> value; // empty on error
    std::string error;               // "offset 12: expected ':'"
};

[[nodiscard]] json_parse_result parse_json(std::string_view text);

} // namespace corio_test
