// SPDX-License-Identifier: MIT
// request_reader_fuzz.cpp - the server's request reader (head, body, pipelining), fed the
// client's bytes in one piece and in pieces cut by the input's first bytes.
//
// Invariants: both feedings read the same requests (method, target, path, query, version, fields,
// trailers, body), pause after the same number of heads, and end in the same state - or fail
// with the same status and message; no body exceeds max_body_bytes; a failure carries one of
// the statuses the reader documents.
#include "fuzz_support.hpp"

#include "http/message_parser.hpp"
#include "http/request_reader.hpp"

#include <corio/http/server.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corio::fuzz::check;
using corio::http::server_request;
using namespace corio::http::detail;

constexpr std::size_t max_body_bytes = 256;

struct read_result {
    std::vector<server_request> requests;
    std::size_t heads = 0;
    request_reader::step last = request_reader::step::need_more;
    request_failure failure;
};

bool same_request(const server_request& a, const server_request& b) {
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.version_minor == b.version_minor && a.fields == b.fields && a.trailers == b.trailers &&
           a.body == b.body;
}

// Small limits, so that the fuzzer reaches them.
parse_limits small_limits() {
    parse_limits limits;
    limits.max_head_bytes = 1024;
    limits.max_header_count = 16;
    limits.max_line_bytes = 128;
    return limits;
}

// Reads `input` as the server does: prepare, commit what arrived, advance until it needs more.
// Two ways in: prepare()/commit() only, or as the server feeds it: receive() a copy of what
// arrived, except that a Content-Length body with nothing buffered is read into the body itself.
enum class feed : unsigned char { prepare_commit, as_the_server_does };

template <typename PieceSize>
read_result read_all(std::string_view input, feed feeding, PieceSize piece_size) {
    request_reader reader{small_limits(), max_body_bytes};
    read_result result;
    for (;;) {
        result.last = reader.advance();
        switch (result.last) {
        case request_reader::step::head_done:
            check(reader.head_complete(), "head_done without a complete head");
            ++result.heads;
            continue;
        case request_reader::step::message_done:
            reader.take(result.requests.emplace_back());
            check(result.requests.back().body.size() <= max_body_bytes,
                  "a request body exceeds max_body_bytes");
            continue;
        case request_reader::step::failed:
            result.failure = reader.failure();
            return result;
        case request_reader::step::need_more:
            break;
        }
        if (input.empty()) {
            return result;
        }
        const std::size_t wanted = piece_size(input.size());
        if (feeding == feed::as_the_server_does && !reader.receives_into_body()) {
            // The server reads into a scratch buffer of its own and hands the reader a copy.
            const std::size_t count = std::min(wanted, input.size());
            reader.receive(std::as_bytes(std::span{input.data(), count}));
            input.remove_prefix(count);
            continue;
        }
        const std::span<std::byte> space = reader.prepare(wanted);
        check(!space.empty(), "prepare() gave no room");
        const std::size_t count = std::min(space.size(), input.size());
        std::memcpy(space.data(), input.data(), count);
        reader.commit(count);
        input.remove_prefix(count);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = corio::fuzz::as_text(data, size);
    corio::fuzz::input_pieces pieces{input};
    const read_result whole =
        read_all(input, feed::prepare_commit, [](std::size_t remaining) { return remaining; });
    const read_result split = read_all(input, feed::as_the_server_does, [&](std::size_t remaining) {
        return pieces.next(remaining);
    });
    check(whole.requests.size() == split.requests.size(), "the request count depends on the split");
    for (std::size_t i = 0; i < whole.requests.size(); ++i) {
        check(same_request(whole.requests[i], split.requests[i]),
              "request " + std::to_string(i) + " depends on the split");
    }
    check(whole.heads == split.heads, "the number of heads depends on the split");
    check(whole.last == split.last, "the final step depends on the split");
    check(whole.failure.status == split.failure.status &&
              whole.failure.message == split.failure.message,
          "the failure depends on the split: " + std::to_string(whole.failure.status) + " \"" +
              whole.failure.message + "\" vs " + std::to_string(split.failure.status) + " \"" +
              split.failure.message + "\"");
    if (whole.last == request_reader::step::failed) {
        const int status = whole.failure.status;
        check(status == 400 || status == 413 || status == 414 || status == 417 || status == 431 ||
                  status == 501 || status == 505,
              "a failure with the undocumented status " + std::to_string(status));
    }
    return 0;
}
