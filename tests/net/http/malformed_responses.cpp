// SPDX-License-Identifier: MIT
#include "malformed_responses.hpp"

#include <string_view>

using namespace std::string_literals;
using corio::http::error_kind;

namespace corio_test {

namespace {

std::string many_headers(int count) {
    std::string fields;
    for (int i = 0; i < count; ++i) {
        fields += "X-" + std::to_string(i) + ": v\r\n";
    }
    return fields;
}

std::vector<malformed_case> make_cases() {
    return {
        {"BadStatusLine", "HTTP/1.1 2OO OK\r\n\r\n", error_kind::protocol, false},
        {"NotHttp", "SSH-2.0-OpenSSH_9.0\r\n\r\n", error_kind::protocol, false},
        {"ContentLengthAndChunked",
         "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
         error_kind::protocol, false},
        {"ConflictingContentLength",
         "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
         error_kind::protocol, false},
        {"BareCr", "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\n\r\n", error_kind::protocol, false},
        {"Nul", "HTTP/1.1 200 OK\r\nX-A: \0\r\n\r\n"s, error_kind::protocol, false},
        {"ChunkSizeOverflow",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
         error_kind::protocol, true},
        {"BadChunkTerminator", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
         error_kind::protocol, true},
        // The core counts an over-long line as a size limit (is_size_limit), not bad syntax.
        {"OverLongChunkLine",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=" + std::string(9000, 'a') +
             "\r\n",
         error_kind::too_large, true},
        // Each line is short, but the body's extensions together exceed the limit (64 here).
        {"TooManyChunkExtensionBytes",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;e=" + std::string(40, 'a') +
             "\r\nx\r\n1;e=" + std::string(40, 'a') + "\r\ny\r\n0\r\n\r\n",
         error_kind::too_large, true},
        // A transfer-coding list of nothing but empty elements frames nothing.
        {"OnlyEmptyTransferCodings", "HTTP/1.1 200 OK\r\nTransfer-Encoding: , ,\r\n\r\nhello",
         error_kind::protocol, false},
        {"HeadTooLarge", "HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n",
         error_kind::too_large, false},
        {"TooManyHeaders", "HTTP/1.1 200 OK\r\n" + many_headers(11) + "\r\n", error_kind::too_large,
         false},
        {"BodyTooLargeByLength",
         "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'x'),
         error_kind::too_large, true},
        {"ChunkedBodyTooLarge",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'x') +
             "\r\n1\r\nx\r\n0\r\n\r\n",
         error_kind::too_large, true},
        {"ClosedMidBody", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", error_kind::closed,
         true},
        {"ClosedMidHead", "HTTP/1.1 200 OK\r\nContent-", error_kind::closed, false},
        {"ClosedBeforeAnyByte", "", error_kind::closed, false},
        // A client that did not ask to switch protocols cannot read what follows.
        {"UnexpectedSwitchingProtocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n",
         error_kind::protocol, false},
    };
}

} // namespace

corio::http::client_options malformed_case_limits(corio::http::client_options options) {
    options.limits.max_head_bytes = 1024;
    options.limits.max_header_count = 10;
    options.limits.max_body_bytes = 100;
    options.limits.max_chunk_extension_bytes = 64;
    return options;
}

const std::vector<malformed_case>& malformed_responses() {
    static const std::vector<malformed_case> cases = make_cases();
    return cases;
}

std::string malformed_case_name(const testing::TestParamInfo<malformed_case>& info) {
    return info.param.name;
}

void PrintTo(const malformed_case& param, std::ostream* out) {
    *out << param.name;
}

} // namespace corio_test
