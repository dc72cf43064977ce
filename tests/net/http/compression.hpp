// SPDX-License-Identifier: MIT
// compression.hpp - gzip and deflate data made with zlib, for the tests of content decoding (the
// decoder's own, and both clients' against a server that compresses).
//
// The library only ever inflates; tests need the other direction, so they link zlib themselves
// when the build found it (CORIO_WITH_ZLIB). Without it compression_available() is false, every
// other function throws std::logic_error, and the tests that need them skip saying why.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corio_test {

// The three containers a "Content-Encoding: gzip" or "deflate" body may come in.
enum class compressed_format {
    gzip,        // RFC 1952, what "gzip" names
    zlib,        // RFC 1950, what "deflate" names
    raw_deflate, // RFC 1951 with no wrapper, what some servers send as "deflate" instead
};

// Whether this build can compress (zlib was found).
[[nodiscard]] bool compression_available() noexcept;

// `data`, compressed in `format`.
[[nodiscard]] std::string compress(std::string_view data, compressed_format format);

// `size` zero bytes as one gzip member, compressed a piece at a time so that the zeros never
// exist in memory at once: a decompression bomb (100 MB make about 100 KB).
[[nodiscard]] std::string gzip_of_zeros(std::size_t size);

// Text that does not repeat in any short period: compresses, but not to nothing.
[[nodiscard]] std::string varied_text(std::size_t size);

} // namespace corio_test
