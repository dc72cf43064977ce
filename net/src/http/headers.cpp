// SPDX-License-Identifier: MIT
#include <corio/http/headers.hpp>

#include "field_syntax.hpp"

#include <algorithm>

namespace corio::http {

void headers::add(std::string_view name, std::string_view value) {
    fields_.push_back(header_field{std::string(name), std::string(value)});
}

void headers::set(std::string_view name, std::string_view value) {
    const auto matches = [name](const header_field& field) {
        return detail::iequals(field.name, name);
    };
    const auto first = std::find_if(fields_.begin(), fields_.end(), matches);
    if (first == fields_.end()) {
        add(name, value);
        return;
    }
    first->value.assign(value);
    fields_.erase(std::remove_if(std::next(first), fields_.end(), matches), fields_.end());
}

std::optional<std::string_view> headers::get(std::string_view name) const {
    for (const header_field& field : fields_) {
        if (detail::iequals(field.name, name)) {
            return std::string_view(field.value);
        }
    }
    return std::nullopt;
}

std::vector<std::string_view> headers::get_all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (const header_field& field : fields_) {
        if (detail::iequals(field.name, name)) {
            values.emplace_back(field.value);
        }
    }
    return values;
}

bool headers::contains(std::string_view name) const {
    return get(name).has_value();
}

std::size_t headers::erase(std::string_view name) {
    return std::erase_if(
        fields_, [name](const header_field& field) { return detail::iequals(field.name, name); });
}

bool headers::has_token(std::string_view name, std::string_view token) const {
    if (token.empty()) {
        return false; // an empty list element is no token at all
    }
    for (const header_field& field : fields_) {
        if (!detail::iequals(field.name, name)) {
            continue;
        }
        std::string_view rest = field.value;
        while (true) {
            const std::size_t comma = rest.find(',');
            if (detail::iequals(detail::trim_ows(rest.substr(0, comma)), token)) {
                return true;
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return false;
}

} // namespace corio::http
