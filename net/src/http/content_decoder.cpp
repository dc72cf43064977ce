// SPDX-License-Identifier: MIT
#include "content_decoder.hpp"

#include "field_syntax.hpp"

#include <corio/http/error.hpp>

#include <string>
#include <vector>

#if defined(CORIO_WITH_ZLIB)
#include <zlib.h>

#include <array>
#include <cstring>
#endif

namespace corio::http::detail {

namespace {

enum class coding : unsigned char { gzip, deflate, unknown };

coding coding_named(std::string_view name) noexcept {
    if (iequals(name, "gzip") || iequals(name, "x-gzip")) {
        return coding::gzip;
    }
    if (iequals(name, "deflate")) {
        return coding::deflate;
    }
    return coding::unknown;
}

// The codings applied to the body, in the order they were applied, identity left out.
std::vector<std::string_view> codings_of(const headers& fields) {
    std::vector<std::string_view> codings;
    for (std::string_view value : fields.get_all("Content-Encoding")) {
        while (!value.empty()) {
            const std::size_t comma = value.find(',');
            std::string_view element = value.substr(0, comma);
            value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
            while (!element.empty() && is_ows(element.front())) {
                element.remove_prefix(1);
            }
            while (!element.empty() && is_ows(element.back())) {
                element.remove_suffix(1);
            }
            if (!element.empty() && !iequals(element, "identity")) {
                codings.push_back(element);
            }
        }
    }
    return codings;
}

#if defined(CORIO_WITH_ZLIB)

class zlib_decoder final : public content_decoder {
public:
    explicit zlib_decoder(coding format)
        : format_(format) {}
    ~zlib_decoder() override {
        if (initialised_) {
            inflateEnd(&stream_);
        }
    }
    zlib_decoder(const zlib_decoder&) = delete;
    zlib_decoder& operator=(const zlib_decoder&) = delete;

    void feed(std::string_view encoded) override {
        pending_ = encoded;
        fed_any_ = fed_any_ || !encoded.empty();
    }

    std::string_view next() override {
        if (!initialised_ && !start()) {
            return {}; // deflate: its first two bytes say which format, and one has come
        }
        for (;;) {
            // A deflate body's first two bytes, held back by start(), go in first.
            std::string_view& input = !prefix_view_.empty() ? prefix_view_ : pending_;
            // zlib may hold output it had no room for even when it has taken all the input.
            if (input.empty() && !output_pending_) {
                return {};
            }
            if (ended_ && !input.empty()) {
                if (format_ != coding::gzip) {
                    fail("data after the end of the deflate stream");
                }
                if (skip_padding(input)) {
                    continue;
                }
                // Another gzip member (RFC 1952 §2.2): its data follows the first one's.
                inflateReset(&stream_);
                ended_ = false;
            }
            if (ended_) {
                return {};
            }
            stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
            stream_.avail_in = static_cast<uInt>(input.size());
            stream_.next_out = reinterpret_cast<Bytef*>(output_.data());
            stream_.avail_out = static_cast<uInt>(output_.size());
            const int status = inflate(&stream_, Z_NO_FLUSH);
            const std::size_t consumed = input.size() - stream_.avail_in;
            input.remove_prefix(consumed);
            const std::size_t produced = output_.size() - stream_.avail_out;
            output_pending_ = stream_.avail_out == 0;
            if (status == Z_STREAM_END) {
                ended_ = true;
                output_pending_ = false;
            } else if (status != Z_OK && status != Z_BUF_ERROR) {
                fail(stream_.msg != nullptr ? stream_.msg : "inflate failed");
            }
            if (produced > 0) {
                return {output_.data(), produced};
            }
            if (consumed == 0 && status == Z_BUF_ERROR) {
                output_pending_ = false;
                return {}; // nothing more can be done with this input
            }
        }
    }

    void finish() override {
        if (fed_any_ && !ended_) {
            fail("the body ended before the compressed stream did (truncated)");
        }
    }

private:
    // Initialises zlib for the format; false while a deflate body has shown only one byte.
    bool start() {
        int window_bits = 16 + MAX_WBITS; // gzip
        if (format_ == coding::deflate) {
            while (prefix_size_ < 2 && !pending_.empty()) {
                prefix_[prefix_size_++] = pending_.front();
                pending_.remove_prefix(1);
            }
            if (prefix_size_ < 2) {
                return false;
            }
            // RFC 1950 §2.2: compression method 8, and the header's two bytes a multiple of 31.
            const auto first = static_cast<unsigned char>(prefix_[0]);
            const auto second = static_cast<unsigned char>(prefix_[1]);
            const bool zlib_header = (first & 0x0f) == 8 && (first * 256 + second) % 31 == 0;
            window_bits = zlib_header ? MAX_WBITS : -MAX_WBITS;
            prefix_view_ = std::string_view(prefix_.data(), prefix_size_);
        }
        std::memset(&stream_, 0, sizeof stream_);
        if (inflateInit2(&stream_, window_bits) != Z_OK) {
            throw std::bad_alloc();
        }
        initialised_ = true;
        return true;
    }

    // Zero bytes after a gzip stream are padding that gzip(1) and browsers ignore (some servers
    // and tape-era tools write it). Consumes them; true if `input` held nothing else so far.
    bool skip_padding(std::string_view& input) {
        if (!padding_ && input.front() != '\0') {
            return false; // a new member, or garbage that inflate() will refuse
        }
        padding_ = true;
        while (!input.empty() && input.front() == '\0') {
            input.remove_prefix(1);
        }
        if (!input.empty()) {
            fail("data after the zero padding that follows the gzip stream");
        }
        return true;
    }

    [[noreturn]] void fail(const std::string& reason) const {
        throw protocol_error({}, std::string("corrupt ") +
                                     (format_ == coding::gzip ? "gzip" : "deflate") +
                                     " response body: " + reason);
    }

    coding format_;
    z_stream stream_{};
    bool initialised_ = false;
    bool ended_ = false;
    bool fed_any_ = false;
    bool output_pending_ = false; // the last inflate() filled the output: it may have more
    bool padding_ = false;        // zero bytes after the end of a gzip stream
    std::string_view pending_;
    // A deflate body's first two bytes, held until both have come.
    std::array<char, 2> prefix_{};
    std::size_t prefix_size_ = 0;
    std::string_view prefix_view_; // what zlib has not taken of them yet
    std::array<char, output_piece> output_{};
};

#endif

} // namespace

bool content_decoder::available() noexcept {
#if defined(CORIO_WITH_ZLIB)
    return true;
#else
    return false;
#endif
}

std::unique_ptr<content_decoder> content_decoder::for_response(int status, const headers& fields) {
    if (!available() || status == 206 || !fields.contains("Content-Encoding")) {
        return nullptr;
    }
    const std::vector<std::string_view> codings = codings_of(fields);
    if (codings.size() != 1) {
        return nullptr; // nothing to undo, or a stack of codings: delivered as received
    }
    const coding format = coding_named(codings.front());
    if (format == coding::unknown) {
        return nullptr;
    }
#if defined(CORIO_WITH_ZLIB)
    return std::make_unique<zlib_decoder>(format);
#else
    return nullptr;
#endif
}

} // namespace corio::http::detail
