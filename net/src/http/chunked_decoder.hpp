// SPDX-License-Identifier: MIT
// chunked_decoder.hpp - incremental decoder for "Transfer-Encoding: chunked" (RFC 9112 §7.1).
//
// A chunked body is a series of "<hex size>[;ext]\r\n<size bytes>\r\n" chunks, ended by a
// "0\r\n" chunk, optional trailer fields and an empty line. Feed decode() whatever has arrived;
// each step consumes a prefix of it and hands back the chunk data it covered as a view into the
// input - no copy. A size or trailer line cut by a read boundary is kept internally (never more
// than max_line_bytes + 1 bytes), so the caller can always drop what was consumed, and any split
// of the input, down to one byte per call, decodes identically in linear time. Chunk extensions
// are checked and dropped; their total size over the body is bounded by
// max_chunk_extension_bytes (chunk_extensions_too_large).
// One decoder per body; not thread-safe.
#pragma once

#include "message_parser.hpp"

#include <corio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace corio::http::detail {

class chunked_decoder {
public:
    explicit chunked_decoder(const parse_limits& limits = {});

    struct step {
        // need_more: the body is not finished. Drop `consumed` bytes; if input remains, call
        //            again with it, otherwise call again once more has arrived.
        // done:      the last chunk and the trailer section are complete; consumed stops right
        //            after them, and later bytes belong to the next message.
        // error:     malformed or over a limit; see `error`. Repeated by every later call.
        parse_status status;
        std::size_t consumed;
        // Body bytes decoded by this step (a view into the input, possibly empty). Valid with any
        // status: on error it holds the data that preceded the fault.
        std::string_view data;
        parse_error error = parse_error::none;
    };

    // Consumes a prefix of `input`. Unless it returns done or error, a call with non-empty input
    // consumes at least one byte, so this caller loop always terminates:
    //     while (!input.empty()) { step s = d.decode(input); use(s.data);
    //                              input.remove_prefix(s.consumed);
    //                              if (s.status != parse_status::need_more) break; }
    // Each step returns at most one chunk's data, so a step may stop short of the input's end.
    step decode(std::string_view input);

    [[nodiscard]] bool done() const noexcept { return state_ == state::done; }
    // The trailer fields, complete once done().
    [[nodiscard]] const headers& trailers() const noexcept { return trailers_; }

private:
    enum class state : unsigned char {
        size_line,    // expecting "<hex>[;ext]" CRLF
        data,         // inside a chunk, remaining_ bytes to go
        data_cr,      // chunk data done, expecting CR or LF
        data_lf,      // after that CR, expecting LF
        trailer_line, // after the last chunk: a trailer field or the empty line
        done,
        failed,
    };

    bool next_line(std::string_view input, std::size_t& pos, std::string_view& line);
    parse_error on_size_line(std::string_view line);
    parse_error on_trailer_line(std::string_view line, std::size_t wire_bytes);
    void fail(parse_error error) noexcept;

    parse_limits limits_;
    state state_ = state::size_line;
    parse_error error_ = parse_error::none;
    std::uint64_t remaining_ = 0;
    std::size_t trailer_bytes_ = 0;
    std::size_t extension_bytes_ = 0; // of every size line so far, for max_chunk_extension_bytes
    std::string partial_line_;
    headers trailers_;
};

} // namespace corio::http::detail
