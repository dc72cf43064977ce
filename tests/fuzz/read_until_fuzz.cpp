// SPDX-License-Identifier: MIT
// read_until_fuzz.cpp - buffered_reader::read_until on an event loop, over an in-memory stream
// that hands out the payload in pieces cut by the input's first bytes.
//
// Input: the split seed (fuzz_support.hpp), one byte for the delimiter's length (1-4), the
// delimiter, one byte for the limit (0-255), one for the reader's read_size (1-64), then the
// stream's bytes. The reader reads records until the stream ends or a record overruns the limit.
// Invariants: the records, the overrun and the incomplete tail are exactly what a plain search of
// the payload predicts (so any split gives the same result); the buffer never holds more than
// limit + delimiter + read_size bytes, as buffered_stream.hpp promises; an overrun consumes
// nothing.
#include "fuzz_support.hpp"

#include <corio/net/buffered_stream.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corio::fuzz::check;

// A byte stream whose reads return the payload in the pieces `pieces` chooses, then the end.
// Every read completes at once: nothing here waits.
class memory_stream final : public corio::net::byte_stream {
public:
    memory_stream(std::string_view payload, corio::fuzz::input_pieces pieces)
        : payload_(payload)
        , pieces_(pieces) {}

    using byte_stream::write_all;
    corio::task<std::size_t> read_some(std::span<std::byte> buffer,
                                       corio::net::deadline /*until*/) override {
        if (payload_.empty() || buffer.empty()) {
            co_return 0;
        }
        const std::size_t size = std::min(pieces_.next(payload_.size()), buffer.size());
        std::memcpy(buffer.data(), payload_.data(), size);
        payload_.remove_prefix(size);
        co_return size;
    }
    corio::task<> write_all(std::span<const std::byte> /*data*/,
                            corio::net::deadline /*until*/) override {
        co_return;
    }
    corio::task<> shutdown_write(corio::net::deadline /*until*/) override { co_return; }
    void close() noexcept override {}
    [[nodiscard]] bool is_open() const noexcept override { return true; }

private:
    std::string_view payload_;
    corio::fuzz::input_pieces pieces_;
};

// What a read of the stream ends with.
struct reading {
    std::vector<std::string> records;
    bool overrun = false;
    bool incomplete = false;
    std::string tail; // incomplete_read_error's partial()
};

// What reading must give, from a plain search of the whole payload.
reading predict(std::string_view payload, std::string_view delimiter, std::size_t limit) {
    reading expected;
    for (;;) {
        const std::size_t at = payload.find(delimiter);
        if (at != std::string_view::npos && at <= limit) {
            expected.records.emplace_back(payload.substr(0, at + delimiter.size()));
            payload.remove_prefix(at + delimiter.size());
        } else if (payload.size() >= limit + delimiter.size()) {
            expected.overrun = true;
            return expected;
        } else {
            expected.incomplete = true;
            expected.tail = payload;
            return expected;
        }
    }
}

corio::task<reading> read_records(corio::net::buffered_reader& reader, std::string delimiter,
                                  std::size_t limit) {
    reading got;
    const std::size_t most_buffered = limit + delimiter.size() + reader.read_size();
    for (;;) {
        try {
            got.records.push_back(co_await reader.read_until(delimiter, limit));
            check(reader.buffered().size() <= most_buffered, "the reader buffered too much");
        } catch (const corio::net::limit_overrun_error& overrun) {
            got.overrun = true;
            check(overrun.buffered() == reader.buffered().size(),
                  "an overrun consumed bytes or misreports what is buffered");
            check(overrun.buffered() <= most_buffered, "the reader buffered too much");
            co_return got;
        } catch (const corio::net::incomplete_read_error& incomplete) {
            got.incomplete = true;
            got.tail = incomplete.partial();
            check(reader.at_eof(), "after an incomplete read the reader is not at the end");
            co_return got;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = corio::fuzz::as_text(data, size);
    const corio::fuzz::input_pieces pieces{input};
    if (input.size() < 3) {
        return 0;
    }
    const std::size_t delimiter_size = 1 + static_cast<unsigned char>(input[0]) % 4;
    input.remove_prefix(1);
    if (input.size() < delimiter_size + 2) {
        return 0;
    }
    const std::string delimiter{input.substr(0, delimiter_size)};
    input.remove_prefix(delimiter_size);
    const std::size_t limit = static_cast<unsigned char>(input[0]);
    const std::size_t read_size = 1 + static_cast<unsigned char>(input[1]) % 64;
    input.remove_prefix(2);

    memory_stream stream{input, pieces};
    corio::net::buffered_reader reader{stream, read_size};
    corio::event_loop loop;
    const reading got = loop.run_until_complete(read_records(reader, delimiter, limit));
    const reading expected = predict(input, delimiter, limit);
    check(got.records == expected.records, "read_until's records differ from a plain search");
    check(got.overrun == expected.overrun, "read_until overran where a plain search does not");
    check(got.incomplete == expected.incomplete && got.tail == expected.tail,
          "read_until's incomplete tail differs from a plain search");
    return 0;
}
