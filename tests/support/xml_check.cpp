// SPDX-License-Identifier: MIT
// A single pass over the bytes with a stack of open elements.
#include "support/xml_check.hpp"
#include "support/utf8.hpp"

#include <cstdint>
#include <stdexcept>

namespace corio_test {

const std::string* xml_element::attribute(std::string_view key) const {
    for (const auto& [attribute_name, value] : attributes) {
        if (attribute_name == key) {
            return &value;
        }
    }
    return nullptr;
}

std::vector<const xml_element*> xml_document::find_all(std::string_view name, std::string_view key,
                                                       std::string_view value) const {
    std::vector<const xml_element*> found;
    for (const xml_element& element : elements) {
        if (element.name != name) {
            continue;
        }
        if (!key.empty()) {
            const std::string* attribute = element.attribute(key);
            if (attribute == nullptr || (!value.empty() && *attribute != value)) {
                continue;
            }
        }
        found.push_back(&element);
    }
    return found;
}

std::string xml_document::all_text(std::size_t element) const {
    std::string text = elements.at(element).text;
    for (std::size_t i = element + 1; i < elements.size(); ++i) {
        // Descendants follow their ancestor in document order; stop at the first that is not one.
        std::size_t up = elements[i].parent;
        while (up != xml_element::npos && up != element) {
            up = elements[up].parent;
        }
        if (up != element) {
            break;
        }
        text += elements[i].text;
    }
    return text;
}

namespace {

struct xml_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_xml_char(std::uint32_t code) {
    return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
           (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
}

class checker {
public:
    explicit checker(std::string_view text)
        : text_(text) {}

    void run(xml_document& document) {
        check_characters();
        if (starts_with("\xEF\xBB\xBF")) {
            pos_ += 3; // a byte order mark
        }
        if (starts_with("<?xml")) {
            skip_processing_instruction();
        }
        bool root_seen = false;
        while (pos_ < text_.size()) {
            if (is_space(text_[pos_])) {
                ++pos_;
            } else if (starts_with("<!--")) {
                skip_comment();
            } else if (starts_with("<?")) {
                skip_processing_instruction();
            } else if (starts_with("<!")) {
                fail("DOCTYPE and other declarations are not supported");
            } else if (text_[pos_] == '<') {
                if (root_seen) {
                    fail("a second root element");
                }
                root_seen = true;
                parse_element(document);
            } else {
                fail("character data outside the root element");
            }
        }
        if (!root_seen) {
            fail("no root element");
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw xml_error("offset " + std::to_string(pos_) + ": " + what);
    }

    bool starts_with(std::string_view prefix) const {
        return text_.substr(pos_, prefix.size()) == prefix;
    }

    // Valid UTF-8 and XML characters only, everywhere in the document.
    void check_characters() {
        std::size_t i = 0;
        while (i < text_.size()) {
            const auto lead = static_cast<unsigned char>(text_[i]);
            std::size_t length = 1;
            std::uint32_t code = lead;
            std::uint32_t minimum = 0;
            if (lead >= 0x80) {
                if ((lead & 0xE0) == 0xC0) {
                    length = 2, code = lead & 0x1Fu, minimum = 0x80;
                } else if ((lead & 0xF0) == 0xE0) {
                    length = 3, code = lead & 0x0Fu, minimum = 0x800;
                } else if ((lead & 0xF8) == 0xF0) {
                    length = 4, code = lead & 0x07u, minimum = 0x10000;
                } else {
                    pos_ = i;
                    fail("invalid UTF-8");
                }
                if (i + length > text_.size()) {
                    pos_ = i;
                    fail("truncated UTF-8");
                }
                for (std::size_t k = 1; k < length; ++k) {
                    const auto next = static_cast<unsigned char>(text_[i + k]);
                    if ((next & 0xC0) != 0x80) {
                        pos_ = i;
                        fail("invalid UTF-8");
                    }
                    code = (code << 6) | (next & 0x3Fu);
                }
                if (code < minimum) {
                    pos_ = i;
                    fail("overlong UTF-8");
                }
            }
            if (!is_xml_char(code)) {
                pos_ = i;
                fail("a character XML does not allow");
            }
            i += length;
        }
    }

    void skip_comment() {
        const std::size_t end = text_.find("--", pos_ + 4);
        if (end == std::string_view::npos || text_.substr(end, 3) != "-->") {
            fail("'--' inside a comment, or an unterminated comment");
        }
        pos_ = end + 3;
    }

    void skip_processing_instruction() {
        const std::size_t end = text_.find("?>", pos_ + 2);
        if (end == std::string_view::npos) {
            fail("unterminated processing instruction");
        }
        pos_ = end + 2;
    }

    std::string name() {
        if (pos_ >= text_.size() || !is_name_start(text_[pos_])) {
            fail("expected a name");
        }
        const std::size_t start = pos_;
        while (pos_ < text_.size() && is_name_char(text_[pos_])) {
            ++pos_;
        }
        return std::string{text_.substr(start, pos_ - start)};
    }

    void skip_space() {
        while (pos_ < text_.size() && is_space(text_[pos_])) {
            ++pos_;
        }
    }

    // After '&': an entity or character reference, decoded onto `out`.
    void reference(std::string& out) {
        const std::size_t end = text_.find(';', pos_);
        if (end == std::string_view::npos || end - pos_ > 12) {
            fail("'&' that starts no reference (write &amp;)");
        }
        const std::string_view body = text_.substr(pos_, end - pos_);
        if (body == "amp") {
            out += '&';
        } else if (body == "lt") {
            out += '<';
        } else if (body == "gt") {
            out += '>';
        } else if (body == "quot") {
            out += '"';
        } else if (body == "apos") {
            out += '\'';
        } else if (body.size() >= 2 && body[0] == '#') {
            const bool hex = body[1] == 'x';
            const std::string_view digits = body.substr(hex ? 2 : 1);
            if (digits.empty()) {
                fail("empty character reference");
            }
            std::uint32_t code = 0;
            for (char c : digits) {
                std::uint32_t digit = 0;
                if (c >= '0' && c <= '9') {
                    digit = static_cast<std::uint32_t>(c - '0');
                } else if (hex && c >= 'a' && c <= 'f') {
                    digit = static_cast<std::uint32_t>(c - 'a' + 10);
                } else if (hex && c >= 'A' && c <= 'F') {
                    digit = static_cast<std::uint32_t>(c - 'A' + 10);
                } else {
                    fail("bad digit in a character reference");
                }
                code = code * (hex ? 16 : 10) + digit;
                if (code > 0x10FFFF) {
                    fail("character reference past U+10FFFF");
                }
            }
            if (!is_xml_char(code)) {
                fail("character reference to a character XML does not allow");
            }
            append_utf8(out, code);
        } else {
            fail("unknown entity &" + std::string{body} + ";");
        }
        pos_ = end + 1;
    }

    void parse_element(xml_document& document) {
        struct open_element {
            std::size_t index;
        };
        std::vector<open_element> stack;
        for (;;) {
            // At '<' of a start tag, an end tag, a comment, a CDATA section or a PI.
            if (starts_with("<!--")) {
                skip_comment();
            } else if (starts_with("<![CDATA[")) {
                const std::size_t end = text_.find("]]>", pos_);
                if (end == std::string_view::npos) {
                    fail("unterminated CDATA section");
                }
                document.elements[stack.back().index].text.append(
                    text_.substr(pos_ + 9, end - pos_ - 9));
                pos_ = end + 3;
            } else if (starts_with("<?")) {
                skip_processing_instruction();
            } else if (starts_with("</")) {
                pos_ += 2;
                const std::string closing = name();
                skip_space();
                if (pos_ >= text_.size() || text_[pos_] != '>') {
                    fail("expected '>' after </" + closing);
                }
                ++pos_;
                if (stack.empty()) {
                    fail("</" + closing + "> closes nothing");
                }
                const std::string& opened = document.elements[stack.back().index].name;
                if (opened != closing) {
                    fail("</" + closing + "> closes <" + opened + ">");
                }
                stack.pop_back();
                if (stack.empty()) {
                    return;
                }
            } else if (starts_with("<!")) {
                fail("declarations are not allowed inside elements");
            } else {
                ++pos_;
                xml_element element;
                element.name = name();
                element.parent = stack.empty() ? xml_element::npos : stack.back().index;
                bool empty = false;
                for (;;) {
                    const bool spaced = pos_ < text_.size() && is_space(text_[pos_]);
                    skip_space();
                    if (pos_ >= text_.size()) {
                        fail("unterminated start tag <" + element.name);
                    }
                    if (text_[pos_] == '>') {
                        ++pos_;
                        break;
                    }
                    if (starts_with("/>")) {
                        pos_ += 2;
                        empty = true;
                        break;
                    }
                    if (!spaced) {
                        fail("attributes must be separated by white space");
                    }
                    std::string key = name();
                    skip_space();
                    if (pos_ >= text_.size() || text_[pos_] != '=') {
                        fail("attribute " + key + " has no '='");
                    }
                    ++pos_;
                    skip_space();
                    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
                        fail("attribute " + key + " is not quoted");
                    }
                    const char quote = text_[pos_++];
                    std::string value;
                    for (;;) {
                        if (pos_ >= text_.size()) {
                            fail("unterminated attribute value");
                        }
                        const char c = text_[pos_];
                        if (c == quote) {
                            ++pos_;
                            break;
                        }
                        if (c == '<') {
                            fail("'<' in an attribute value");
                        }
                        ++pos_;
                        if (c == '&') {
                            reference(value);
                        } else {
                            value += c;
                        }
                    }
                    if (element.attribute(key) != nullptr) {
                        fail("attribute " + key + " given twice");
                    }
                    element.attributes.emplace_back(std::move(key), std::move(value));
                }
                document.elements.push_back(std::move(element));
                if (empty) {
                    if (stack.empty()) {
                        return;
                    }
                } else {
                    stack.push_back({document.elements.size() - 1});
                }
            }
            // Character data up to the next '<'.
            std::string& text = document.elements[stack.back().index].text;
            while (pos_ < text_.size() && text_[pos_] != '<') {
                if (starts_with("]]>")) {
                    fail("']]>' in character data");
                }
                const char c = text_[pos_++];
                if (c == '&') {
                    reference(text);
                } else {
                    text += c;
                }
            }
            if (pos_ >= text_.size()) {
                fail("<" + document.elements[stack.back().index].name + "> is never closed");
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace

xml_document check_xml(std::string_view text) {
    xml_document document;
    try {
        checker{text}.run(document);
        document.well_formed = true;
    } catch (const xml_error& error) {
        document.error = error.what();
    }
    return document;
}

} // namespace corio_test
