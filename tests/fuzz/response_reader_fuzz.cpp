// SPDX-License-Identifier: MIT
// response_reader_fuzz.cpp - the client's response reader (status line and fields through
// message_parser, interim responses, framing, body), fed the server's bytes in one piece and in
// pieces cut by the input's first bytes, then the end of the stream.
//
// Invariants: both feedings give the same head, body and trailers, or the same head and error
// (type and message); the body never exceeds max_body_bytes and matches body_bytes(); a
// Content-Length body that ended has exactly that length; the connection is reusable the same way
// (judged only when the split feeding had delivered every byte by the end, since bytes after the
// message make it not reusable).
#include "fuzz_support.hpp"

#include "http/message_parser.hpp"
#include "http/response_reader.hpp"

#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <string_view>

namespace {

using corio::fuzz::check;
using namespace corio::http::detail;

constexpr std::size_t max_body_bytes = 512;

struct read_result {
    bool got_head = false;
    int status = 0;
    int version_minor = 0;
    std::string reason;
    corio::http::headers fields;
    std::string body;
    bool ended = false;
    bool reusable = false;
    bool all_delivered = false; // every input byte was committed when the reader finished
    corio::http::headers trailers;
    std::string error; // the exception's type and message
};

std::string describe(const std::exception& failure) {
    std::string kind = "other";
    if (dynamic_cast<const corio::http::protocol_error*>(&failure) != nullptr) {
        kind = "protocol_error";
    } else if (dynamic_cast<const corio::http::too_large_error*>(&failure) != nullptr) {
        kind = "too_large_error";
    } else if (dynamic_cast<const corio::http::connection_closed_error*>(&failure) != nullptr) {
        kind = "connection_closed_error";
    }
    return kind + ": " + failure.what();
}

// Reads the events until the reader needs more bytes or finishes; false when it finished.
bool drain(response_reader& reader, read_result& result) {
    for (;;) {
        const response_reader::step step = reader.next();
        switch (step.event) {
        case reader_event::need_more:
            return true;
        case reader_event::head:
            check(!result.got_head, "a second final head");
            result.got_head = true;
            result.status = reader.head().status;
            result.version_minor = reader.head().version_minor;
            result.reason = reader.head().reason;
            result.fields = reader.head().fields;
            check(result.status >= 200 && result.status <= 999,
                  "a final head with status " + std::to_string(result.status));
            break;
        case reader_event::data:
            check(result.got_head, "body data before the head");
            result.body.append(step.data);
            check(result.body.size() <= max_body_bytes, "the body exceeds max_body_bytes");
            check(result.body.size() == reader.body_bytes(), "body_bytes() miscounts");
            break;
        case reader_event::end:
            result.ended = true;
            result.reusable = reader.reusable();
            result.trailers = reader.trailers();
            if (reader.framing().kind == body_kind::content_length) {
                check(result.body.size() == reader.framing().length,
                      "a Content-Length body ended at another length");
            }
            return false;
        }
    }
}

template <typename PieceSize>
read_result read_all(std::string_view method, std::string_view input, PieceSize piece_size) {
    reader_limits limits;
    limits.max_head_bytes = 1024;
    limits.max_header_count = 16;
    limits.max_body_bytes = max_body_bytes;
    limits.max_interim_responses = 4;
    response_reader reader{std::string(method), true, limits};
    read_result result;
    try {
        bool more = drain(reader, result);
        while (more && !input.empty()) {
            const std::size_t count = piece_size(input.size());
            const std::span<std::byte> space = reader.prepare(count);
            check(space.size() >= count, "prepare() gave less room than asked");
            std::memcpy(space.data(), input.data(), count);
            reader.commit(count);
            input.remove_prefix(count);
            more = drain(reader, result);
        }
        result.all_delivered = input.empty();
        if (more) {
            reader.eof();
            more = drain(reader, result);
            check(!more, "the reader wants more after the end of the stream");
        }
    } catch (const std::exception& failure) {
        result.error = describe(failure);
        check(!result.error.starts_with("other"), "an unexpected exception: " + result.error);
    }
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = corio::fuzz::as_text(data, size);
    corio::fuzz::input_pieces pieces{input};
    // The first payload byte picks the request method, which changes the framing (HEAD: no body).
    std::string_view method = "GET";
    if (!input.empty()) {
        method = (static_cast<unsigned char>(input.front()) & 1U) != 0 ? "HEAD" : "GET";
        input.remove_prefix(1);
    }
    const read_result whole =
        read_all(method, input, [](std::size_t remaining) { return remaining; });
    const read_result split =
        read_all(method, input, [&](std::size_t remaining) { return pieces.next(remaining); });
    check(whole.error == split.error,
          "the error depends on the split: \"" + whole.error + "\" vs \"" + split.error + "\"");
    check(whole.got_head == split.got_head && whole.status == split.status &&
              whole.version_minor == split.version_minor && whole.reason == split.reason &&
              whole.fields == split.fields,
          "the head depends on the split");
    // After an error the body may stop at different places: a piece that crosses a limit is
    // refused whole, so a smaller piece before it gets through.
    if (whole.error.empty()) {
        check(whole.body == split.body, "the body depends on the split");
    }
    check(whole.ended == split.ended, "the end depends on the split");
    check(whole.trailers == split.trailers, "the trailers depend on the split");
    if (split.all_delivered) {
        check(whole.reusable == split.reusable, "reusable() depends on the split");
    }
    return 0;
}
