// SPDX-License-Identifier: MIT
// http_parse_bench.cpp - throughput of the HTTP/1.1 response-head parser and chunked decoder.
//
// The heads are parsed from memory, so these figures are the parser's own cost: what a client
// pays per response on top of the network. Bytes/s counts the wire bytes (head, or chunked body
// with its framing).
#include "http/chunked_decoder.hpp"
#include "http/message_parser.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

namespace detail = corio::http::detail;

// A typical response head: 10 fields, 319 bytes.
constexpr std::string_view typical_head = "HTTP/1.1 200 OK\r\n"
                                          "Date: Mon, 27 Jul 2009 12:28:53 GMT\r\n"
                                          "Server: Apache/2.4.57 (Unix)\r\n"
                                          "Last-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\n"
                                          "ETag: \"34aa387-d-1568eb00\"\r\n"
                                          "Accept-Ranges: bytes\r\n"
                                          "Content-Length: 51\r\n"
                                          "Vary: Accept-Encoding\r\n"
                                          "Cache-Control: max-age=3600\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n"
                                          "Connection: keep-alive\r\n"
                                          "\r\n";

void report_bytes(benchmark::State& state, std::size_t bytes_per_iteration) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(bytes_per_iteration));
}

void parse_typical_response_head(benchmark::State& state) {
    detail::response_head head;
    const detail::parse_limits limits;
    for (auto _ : state) {
        const detail::parse_result result = detail::parse_response_head(typical_head, limits, head);
        benchmark::DoNotOptimize(result);
        benchmark::ClobberMemory();
    }
    state.counters["head_bytes"] = static_cast<double>(typical_head.size());
    report_bytes(state, typical_head.size());
}
BENCHMARK(parse_typical_response_head);

// Many long fields: the per-byte cost, with per-head overheads amortised.
void parse_large_response_head(benchmark::State& state) {
    std::string text = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 40; ++i) {
        text += "X-Field-" + std::to_string(i) + ": " + std::string(90, 'v') + "\r\n";
    }
    text += "\r\n";
    detail::response_head head;
    const detail::parse_limits limits;
    for (auto _ : state) {
        const detail::parse_result result = detail::parse_response_head(text, limits, head);
        benchmark::DoNotOptimize(result);
        benchmark::ClobberMemory();
    }
    state.counters["head_bytes"] = static_cast<double>(text.size());
    report_bytes(state, text.size());
}
BENCHMARK(parse_large_response_head);

// The typical head arriving in reads of state.range(0) bytes: the cost of resuming.
void parse_response_head_in_pieces(benchmark::State& state) {
    const auto piece = static_cast<std::size_t>(state.range(0));
    detail::response_head head;
    const detail::parse_limits limits;
    for (auto _ : state) {
        detail::parse_result result{detail::parse_status::need_more};
        for (std::size_t size = piece; result.status == detail::parse_status::need_more;
             size += piece) {
            result = detail::parse_response_head(typical_head.substr(0, size), limits, head);
        }
        benchmark::DoNotOptimize(result);
        benchmark::ClobberMemory();
    }
    report_bytes(state, typical_head.size());
}
BENCHMARK(parse_response_head_in_pieces)->Arg(1)->Arg(16)->Arg(64);

// A 1 MiB body in chunks of state.range(0) bytes, decoded from one buffer and appended to a
// body string, as a client collecting the body does. The decoder itself copies nothing.
void decode_chunked_body(benchmark::State& state) {
    const auto chunk_size = static_cast<std::size_t>(state.range(0));
    constexpr std::size_t body_size = 1 << 20;
    std::string encoded;
    char size_line[32];
    for (std::size_t sent = 0; sent < body_size; sent += chunk_size) {
        const std::size_t length = std::min(chunk_size, body_size - sent);
        const int written = std::snprintf(size_line, sizeof size_line, "%zx\r\n", length);
        encoded.append(size_line, static_cast<std::size_t>(written));
        encoded.append(length, 'b');
        encoded += "\r\n";
    }
    encoded += "0\r\n\r\n";
    std::string body;
    body.reserve(body_size);
    for (auto _ : state) {
        body.clear();
        detail::chunked_decoder decoder;
        std::string_view input = encoded;
        while (true) {
            const detail::chunked_decoder::step step = decoder.decode(input);
            body.append(step.data);
            input.remove_prefix(step.consumed);
            if (step.status != detail::parse_status::need_more) {
                break;
            }
        }
        if (body.size() != body_size || !decoder.done()) {
            state.SkipWithError("chunked body did not decode");
            break;
        }
        benchmark::DoNotOptimize(body.data());
        benchmark::ClobberMemory();
    }
    state.counters["framing_pct"] =
        100.0 * static_cast<double>(encoded.size() - body_size) / static_cast<double>(body_size);
    report_bytes(state, encoded.size());
}
BENCHMARK(decode_chunked_body)->Arg(16)->Arg(256)->Arg(4096)->Arg(65536);

} // namespace
