// SPDX-License-Identifier: MIT
// content_decoder.hpp - undoes a response's Content-Encoding (gzip or deflate) as the body
// arrives, sans I/O.
//
// Feed it the body's pieces as the response reader delivers them; next() hands out the decoded
// bytes, at most output_piece of them per call, so a small compressed body that expands to
// gigabytes (a decompression bomb) costs bounded work between two checks of the body limit, which
// the caller makes on every piece. finish() at the end of the body refuses a stream that stopped
// short. "deflate" is the zlib format of RFC 9110 §8.4.1.2, or the raw deflate some servers send
// instead (told apart by its first bytes, as browsers do); gzip bodies may hold several members,
// and zero bytes after the last are ignored as padding, as gzip(1) does. A 206 is never decoded:
// its body is a range of the encoded representation (RFC 9110 §14), which cannot be decoded
// alone.
// Built with zlib (CMake finds it); without it available() is false, the client does not offer
// compression, and for_response() never decodes. Errors are protocol_error with an empty URL,
// which the driver stamps. One per response body; not thread-safe.
#pragma once

#include <corio/http/headers.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

namespace corio::http::detail {

class content_decoder {
public:
    // What a client offers in Accept-Encoding when it can decode.
    static constexpr std::string_view accepted_codings = "gzip, deflate";
    // The most decoded bytes one next() returns.
    static constexpr std::size_t output_piece = 16 * 1024;

    [[nodiscard]] static bool available() noexcept;
    // The decoder for a response with this status and these fields, or null if its body is
    // delivered as it came: no Content-Encoding (or only identity), a 206, or codings this build
    // cannot undo - one it does not know ("br"), or several stacked ("gzip, gzip").
    [[nodiscard]] static std::unique_ptr<content_decoder> for_response(int status,
                                                                       const headers& fields);

    virtual ~content_decoder() = default;
    content_decoder(const content_decoder&) = delete;
    content_decoder& operator=(const content_decoder&) = delete;

    // The next piece of the encoded body; it must stay valid until next() returns empty.
    virtual void feed(std::string_view encoded) = 0;
    // Decoded bytes (valid until the next call), or empty once everything fed is decoded.
    // Throws protocol_error if the data is corrupt.
    [[nodiscard]] virtual std::string_view next() = 0;
    // The encoded body ended: throws protocol_error if the compressed stream had not.
    virtual void finish() = 0;

protected:
    content_decoder() = default;
};

} // namespace corio::http::detail
