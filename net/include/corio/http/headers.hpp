// SPDX-License-Identifier: MIT
// headers.hpp - the header (or trailer) fields of one HTTP message.
//
// An ordered list of name/value pairs, kept in wire order. Names compare case-insensitively
// (ASCII only: field names are tokens) and may repeat, so get() returns the first value and
// get_all() every value in order; "Set-Cookie" and friends survive intact. The collection stores
// what it is given: names and values are checked where bytes cross the wire (the parser rejects
// malformed fields on receipt, the writer refuses to send them), not here.
// Thread-safety: a plain value type; const member functions may run concurrently.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::http {

struct header_field {
    std::string name;
    std::string value;

    friend bool operator==(const header_field&, const header_field&) = default;
};

namespace detail {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive for ASCII letters only; other bytes must match exactly (no locale involved).
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        // Most bytes match exactly (names differ in the case of a letter or two, if at all).
        if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

} // namespace detail

class headers {
public:
    using const_iterator = std::vector<header_field>::const_iterator;

    // Appends a field, keeping any existing ones with the same name.
    void add(std::string_view name, std::string_view value);
    // Replaces every field called `name` with one: the first keeps its position, the others go;
    // appended if there was none.
    void set(std::string_view name, std::string_view value);

    // Views into the collection: valid until it is next modified.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
    [[nodiscard]] std::vector<std::string_view> get_all(std::string_view name) const;
    [[nodiscard]] bool contains(std::string_view name) const;
    // Removes every field called `name`; returns how many there were.
    std::size_t erase(std::string_view name);

    // True if any comma-separated element of any field called `name`, with the optional
    // whitespace around it removed, equals `token` case-insensitively. For list-valued fields
    // such as Connection ("keep-alive, Upgrade"); whole elements only, so "close" does not
    // match "closed".
    [[nodiscard]] bool has_token(std::string_view name, std::string_view token) const;

    [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
    [[nodiscard]] bool empty() const noexcept { return fields_.empty(); }
    void clear() noexcept { fields_.clear(); }
    // Room for `count` fields without reallocating (a parser that expects a typical head).
    void reserve(std::size_t count) { fields_.reserve(count); }

    [[nodiscard]] const_iterator begin() const noexcept { return fields_.begin(); }
    [[nodiscard]] const_iterator end() const noexcept { return fields_.end(); }

    // Same fields in the same order; names compare exactly, as they would be written.
    friend bool operator==(const headers&, const headers&) = default;

private:
    std::vector<header_field> fields_;
};

} // namespace corio::http
CORIO_EXPORT_END
