// SPDX-License-Identifier: MIT
#include "compression.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

#if defined(CORIO_WITH_ZLIB)
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>
#endif

namespace corio_test {

namespace {

#if defined(CORIO_WITH_ZLIB)

int window_bits_for(compressed_format format) noexcept {
    switch (format) {
    case compressed_format::gzip:
        return 16 + MAX_WBITS;
    case compressed_format::zlib:
        return MAX_WBITS;
    case compressed_format::raw_deflate:
        return -MAX_WBITS;
    }
    return MAX_WBITS;
}

// One deflate stream, fed by `next_input` (which returns an empty view at the end).
template <class Source>
std::string deflate_stream(compressed_format format, Source next_input) {
    z_stream stream;
    std::memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits_for(format), 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    std::string out;
    std::vector<unsigned char> buffer(64 * 1024);
    int status = Z_OK;
    bool input_ended = false;
    while (status != Z_STREAM_END) {
        if (stream.avail_in == 0 && !input_ended) {
            const std::string_view input = next_input();
            input_ended = input.empty();
            // zlib does not write through next_in; its API just predates const.
            stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
            stream.avail_in = static_cast<uInt>(input.size());
        }
        stream.next_out = buffer.data();
        stream.avail_out = static_cast<uInt>(buffer.size());
        status = deflate(&stream, input_ended ? Z_FINISH : Z_NO_FLUSH);
        if (status == Z_STREAM_ERROR) {
            deflateEnd(&stream);
            throw std::runtime_error("deflate failed");
        }
        out.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - stream.avail_out);
    }
    deflateEnd(&stream);
    return out;
}

#else

[[noreturn]] void unavailable() {
    throw std::logic_error("this build has no zlib to compress with");
}

#endif

} // namespace

bool compression_available() noexcept {
#if defined(CORIO_WITH_ZLIB)
    return true;
#else
    return false;
#endif
}

std::string compress(std::string_view data, compressed_format format) {
#if defined(CORIO_WITH_ZLIB)
    bool given = false;
    return deflate_stream(format, [&]() -> std::string_view {
        if (given) {
            return {};
        }
        given = true;
        return data;
    });
#else
    (void)data;
    (void)format;
    unavailable();
#endif
}

std::string gzip_of_zeros(std::size_t size) {
#if defined(CORIO_WITH_ZLIB)
    const std::string zeros(1024 * 1024, '\0');
    std::size_t left = size;
    return deflate_stream(compressed_format::gzip, [&]() -> std::string_view {
        const std::size_t piece = std::min(left, zeros.size());
        left -= piece;
        return std::string_view(zeros).substr(0, piece);
    });
#else
    (void)size;
    unavailable();
#endif
}

std::string varied_text(std::size_t size) {
    std::string text;
    text.reserve(size);
    // A linear congruential sequence over a small alphabet: compressible, never periodic.
    std::uint32_t state = 12345;
    while (text.size() < size) {
        state = state * 1103515245U + 12345U;
        text.push_back("abcdefghijklmnopqrstuvwxyz \n"[(state >> 16) % 28]);
    }
    return text;
}

} // namespace corio_test
