// SPDX-License-Identifier: MIT
// content_decoder_fuzz.cpp - gzip and deflate Content-Encoding (zlib), fed the encoded body in
// one piece and in pieces cut by the input's first bytes. The first payload byte picks the
// coding: odd for gzip, even for deflate.
//
// Invariants: no next() hands out more than output_piece bytes, so the caller's body limit is
// checked often; with the client's rule (stop once the decoded body exceeds its limit) the decoded
// bytes never exceed the limit by more than one piece, and a decompression bomb stops there;
// both feedings decode the same bytes, or both fail (with the same message if both find the data
// corrupt); corrupt data is a protocol_error (anything
// else escapes and libFuzzer reports it).
#include "fuzz_support.hpp"

#include "http/content_decoder.hpp"

#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

using corio::fuzz::check;
using corio::http::detail::content_decoder;

// The client's max_body_bytes, small so that bombs reach it quickly.
constexpr std::size_t max_decoded_bytes = 256 * 1024;

enum class outcome : unsigned char { complete, too_large, corrupt };

struct decoded {
    std::string data;
    outcome result = outcome::complete;
    std::string error;
};

template <typename PieceSize>
decoded decode(std::string_view coding, std::string_view body, PieceSize piece_size) {
    corio::http::headers fields;
    fields.add("Content-Encoding", coding);
    const std::unique_ptr<content_decoder> decoder = content_decoder::for_response(200, fields);
    check(decoder != nullptr, "no decoder for a single known coding");
    decoded out;
    try {
        while (!body.empty()) {
            const std::string_view piece = body.substr(0, piece_size(body.size()));
            body.remove_prefix(piece.size());
            decoder->feed(piece);
            for (std::string_view bytes = decoder->next(); !bytes.empty();
                 bytes = decoder->next()) {
                check(bytes.size() <= content_decoder::output_piece,
                      "next() handed out more than output_piece bytes");
                out.data.append(bytes);
                if (out.data.size() > max_decoded_bytes) {
                    check(out.data.size() <= max_decoded_bytes + content_decoder::output_piece,
                          "the decoded body overshot its limit by more than one piece");
                    out.result = outcome::too_large;
                    return out;
                }
            }
        }
        decoder->finish();
    } catch (const corio::http::protocol_error& failure) {
        out.result = outcome::corrupt;
        out.error = failure.what();
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!content_decoder::available()) {
        return 0;
    }
    std::string_view input = corio::fuzz::as_text(data, size);
    corio::fuzz::input_pieces pieces{input};
    if (input.empty()) {
        return 0;
    }
    const std::string_view coding =
        (static_cast<unsigned char>(input.front()) & 1U) != 0 ? "gzip" : "deflate";
    input.remove_prefix(1);
    const decoded whole = decode(coding, input, [](std::size_t remaining) { return remaining; });
    const decoded split =
        decode(coding, input, [&](std::size_t remaining) { return pieces.next(remaining); });
    // Which failure comes first may depend on the split: zlib finds a bad checksum in the call
    // that also produced the member's last bytes, and the decoder drops them with the error, so
    // fed whole, a body can fail as corrupt just under the limit that a split feeding crosses.
    check((whole.result == outcome::complete) == (split.result == outcome::complete),
          "whether the body decodes depends on the split");
    if (whole.result == outcome::corrupt && split.result == outcome::corrupt) {
        check(whole.error == split.error,
              "the error depends on the split: \"" + whole.error + "\" vs \"" + split.error + "\"");
    }
    if (whole.result == outcome::complete) {
        check(whole.data == split.data, "the decoded body depends on the split");
    } else {
        // Both stopped early, perhaps at different places: what each got must agree.
        const std::size_t common = std::min(whole.data.size(), split.data.size());
        check(whole.data.compare(0, common, split.data, 0, common) == 0,
              "the decoded bytes depend on the split");
    }
    return 0;
}
