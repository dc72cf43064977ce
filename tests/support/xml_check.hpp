// SPDX-License-Identifier: MIT
// xml_check.hpp - a small XML 1.0 well-formedness checker that also hands back the elements, for
// tests that check what corio writes (the SVG timeline) without an external library.
//
// It checks what a browser's XML parser refuses an SVG for: one root element, balanced and
// properly nested tags, names, quoted attributes without duplicates, '<' and '&' only where they
// belong, the five predefined entities and character references to allowed characters, valid
// UTF-8 without control characters. DOCTYPE declarations are refused: corio writes none, and
// without them no other entity can be defined.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_test {

struct xml_element {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes; // values with entities decoded
    std::string text;          // the element's own character data, decoded, children's left out
    std::size_t parent = npos; // index into xml_document::elements; npos for the root
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // The attribute's value, or nullptr.
    [[nodiscard]] const std::string* attribute(std::string_view key) const;
};

struct xml_document {
    bool well_formed = false;
    std::string error;                 // "offset 120: </g> closes <rect>"
    std::vector<xml_element> elements; // in document order; elements[0] is the root

    // Elements called `name` whose attribute `key` equals `value` (any value if value is empty).
    [[nodiscard]] std::vector<const xml_element*>
    find_all(std::string_view name, std::string_view key = {}, std::string_view value = {}) const;
    // The text of `element` and all its descendants, in document order.
    [[nodiscard]] std::string all_text(std::size_t element) const;
};

[[nodiscard]] xml_document check_xml(std::string_view text);

} // namespace corio_test
