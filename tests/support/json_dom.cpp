// SPDX-License-Identifier: MIT
// A recursive-descent JSON parser; depth is bounded so hostile input cannot exhaust the stack.
#include "support/json_dom.hpp"
#include "support/utf8.hpp"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace corio_test {

const json_value* json_value::find(std::string_view key) const {
    if (!is_object()) {
        return nullptr;
    }
    for (const auto& [name, value] : object()) {
        if (name == key) {
            return &value;
        }
    }
    return nullptr;
}

namespace {

struct parse_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class parser {
public:
    explicit parser(std::string_view text)
        : text_(text) {}

    json_value document() {
        json_value value = parse_value(0);
        skip_space();
        if (pos_ != text_.size()) {
            fail("bytes after the document");
        }
        return value;
    }

private:
    static constexpr int max_depth = 256;

    [[noreturn]] void fail(const std::string& what) const {
        throw parse_error("offset " + std::to_string(pos_) + ": " + what);
    }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    void expect(char c) {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != c) {
            fail(std::string{"expected '"} + c + "'");
        }
        ++pos_;
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    json_value parse_value(int depth) {
        if (depth > max_depth) {
            fail("nested too deeply");
        }
        skip_space();
        if (pos_ >= text_.size()) {
            fail("unexpected end");
        }
        const char c = text_[pos_];
        if (c == '{') {
            return parse_object(depth);
        }
        if (c == '[') {
            return parse_array(depth);
        }
        if (c == '"') {
            return json_value{parse_string()};
        }
        if (literal("true")) {
            return json_value{true};
        }
        if (literal("false")) {
            return json_value{false};
        }
        if (literal("null")) {
            return json_value{nullptr};
        }
        return json_value{parse_number()};
    }

    json_value parse_object(int depth) {
        ++pos_;
        json_object members;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return json_value{std::move(members)};
        }
        for (;;) {
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != '"') {
                fail("expected a member name");
            }
            std::string name = parse_string();
            expect(':');
            members.push_back(json_member{std::move(name), parse_value(depth + 1)});
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return json_value{std::move(members)};
        }
    }

    json_value parse_array(int depth) {
        ++pos_;
        json_array items;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return json_value{std::move(items)};
        }
        for (;;) {
            items.push_back(parse_value(depth + 1));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            expect(']');
            return json_value{std::move(items)};
        }
    }

    std::uint32_t hex4() {
        if (pos_ + 4 > text_.size()) {
            fail("short \\u escape");
        }
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            value <<= 4;
            if (c >= '0' && c <= '9') {
                value |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                value |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                value |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                fail("bad hex digit in \\u escape");
            }
        }
        return value;
    }

    // One UTF-8 sequence copied as it is, after checking it is one.
    void copy_utf8(std::string& out) {
        const auto lead = static_cast<unsigned char>(text_[pos_]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        std::uint32_t minimum = 0;
        if ((lead & 0xE0) == 0xC0) {
            length = 2, code = lead & 0x1Fu, minimum = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3, code = lead & 0x0Fu, minimum = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4, code = lead & 0x07u, minimum = 0x10000;
        } else {
            fail("invalid UTF-8 lead byte");
        }
        if (pos_ + length > text_.size()) {
            fail("truncated UTF-8 sequence");
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text_[pos_ + k]);
            if ((next & 0xC0) != 0x80) {
                fail("invalid UTF-8 continuation byte");
            }
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            fail("invalid UTF-8 sequence");
        }
        out.append(text_.substr(pos_, length));
        pos_ += length;
    }

    std::string parse_string() {
        ++pos_; // the opening quote
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) {
                fail("unterminated string");
            }
            const char c = text_[pos_];
            const auto byte = static_cast<unsigned char>(c);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (byte < 0x20) {
                fail("raw control character in a string");
            }
            if (byte >= 0x80) {
                copy_utf8(out);
                continue;
            }
            ++pos_;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) {
                fail("unterminated escape");
            }
            const char e = text_[pos_++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                std::uint32_t code = hex4();
                if (code >= 0xD800 && code <= 0xDBFF) {
                    if (!literal("\\u")) {
                        fail("lone high surrogate");
                    }
                    const std::uint32_t low = hex4();
                    if (low < 0xDC00 || low > 0xDFFF) {
                        fail("bad low surrogate");
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                } else if (code >= 0xDC00 && code <= 0xDFFF) {
                    fail("lone low surrogate");
                }
                append_utf8(out, code);
                break;
            }
            default:
                fail(std::string{"invalid escape \\"} + e);
            }
        }
    }

    double parse_number() {
        const std::size_t start = pos_;
        auto digits = [&] {
            const std::size_t before = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
                ++pos_;
            }
            return pos_ - before;
        };
        if (pos_ < text_.size() && text_[pos_] == '-') {
            ++pos_;
        }
        if (pos_ < text_.size() && text_[pos_] == '0') {
            ++pos_;
        } else if (digits() == 0) {
            fail("expected a value");
        }
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) {
                fail("expected digits after '.'");
            }
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
                ++pos_;
            }
            if (digits() == 0) {
                fail("expected exponent digits");
            }
        }
        // strtod would follow the C locale's decimal point; the tests never change the locale.
        const std::string number{text_.substr(start, pos_ - start)};
        return std::strtod(number.c_str(), nullptr);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace

json_parse_result parse_json(std::string_view text) {
    json_parse_result result;
    try {
        result.value = parser{text}.document();
    } catch (const parse_error& error) {
        result.error = error.what();
    }
    return result;
}

} // namespace corio_test
