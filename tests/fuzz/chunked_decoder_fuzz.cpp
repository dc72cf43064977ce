// SPDX-License-Identifier: MIT
// chunked_decoder_fuzz.cpp - the chunked transfer decoder, fed the body in one piece and in
// pieces cut by the input's first bytes (fuzz_support.hpp).
//
// Invariants: both feedings decode the same data, end with the same status and error, finish at
// the same byte, and collect the same trailers; a step consumes no more than it was given and at
// least one byte while it asks for more (so the caller's loop ends); a done decoder says so.
#include "fuzz_support.hpp"

#include "http/chunked_decoder.hpp"
#include "http/message_parser.hpp"
#include "http/parse_error.hpp"

#include <corio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using corio::fuzz::check;
using corio::http::headers;
using namespace corio::http::detail;

struct decoded {
    std::string data;
    parse_status status = parse_status::need_more;
    parse_error error = parse_error::none;
    std::size_t consumed = 0; // bytes of the input the decoder took, in total
    headers trailers;
};

// Small limits, so that the fuzzer reaches them.
parse_limits small_limits() {
    parse_limits limits;
    limits.max_head_bytes = 512;
    limits.max_header_count = 8;
    limits.max_line_bytes = 64;
    return limits;
}

// Feeds `body` to a fresh decoder in pieces of the sizes `piece_size` returns.
template <typename PieceSize>
decoded decode(std::string_view body, PieceSize piece_size) {
    chunked_decoder decoder{small_limits()};
    decoded out;
    while (!body.empty() && out.status == parse_status::need_more) {
        std::string_view piece = body.substr(0, piece_size(body.size()));
        body.remove_prefix(piece.size());
        while (!piece.empty()) {
            const chunked_decoder::step step = decoder.decode(piece);
            check(step.consumed <= piece.size(), "a step consumed more than it was given");
            check(step.status != parse_status::need_more || step.consumed > 0,
                  "a step asked for more without consuming any of its input");
            out.data.append(step.data);
            out.consumed += step.consumed;
            out.status = step.status;
            out.error = step.error;
            piece.remove_prefix(step.consumed);
            if (step.status != parse_status::need_more) {
                break;
            }
        }
    }
    check(decoder.done() == (out.status == parse_status::done), "done() disagrees with the step");
    if (decoder.done()) {
        out.trailers = decoder.trailers();
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body = corio::fuzz::as_text(data, size);
    corio::fuzz::input_pieces pieces{body};
    const decoded whole = decode(body, [](std::size_t remaining) { return remaining; });
    const decoded split =
        decode(body, [&](std::size_t remaining) { return pieces.next(remaining); });
    check(whole.status == split.status, "the status depends on the split");
    check(whole.error == split.error, "the error depends on the split");
    check(whole.data == split.data, "the decoded data depends on the split");
    // Where a failed decoder stopped means nothing (the connection is closed); where a finished
    // one did is where the next message starts.
    if (whole.status == parse_status::done) {
        check(whole.consumed == split.consumed, "where decoding stops depends on the split");
    }
    check(whole.trailers == split.trailers, "the trailers depend on the split");
    return 0;
}
