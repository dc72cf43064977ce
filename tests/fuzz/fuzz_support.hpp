// SPDX-License-Identifier: MIT
// fuzz_support.hpp - what every corio fuzz target shares: invariant checks that stop the fuzzer
// with a sentence, and read boundaries chosen by the input itself.
//
// A crash is not the only bug a fuzzer can find: a parser that accepts a message in one piece and
// rejects it in three, or a body that outgrows its limit, is wrong without crashing. Each target
// therefore checks what must hold and calls check(), which prints what broke and aborts - libFuzzer
// then saves the input as a crash file like any other crash.
//
// Where the result must not depend on how the bytes arrive, the input starts with a few bytes
// that seed the piece sizes (input_pieces below), so the fuzzer explores read boundaries as well
// as contents, and every crash file replays the same split.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace corio::fuzz {

// Stops the run with `what` on stderr unless `holds`.
inline void check(bool holds, std::string_view what) {
    if (!holds) {
        std::fprintf(stderr, "\ncorio fuzz invariant broken: %.*s\n", static_cast<int>(what.size()),
                     what.data());
        std::abort();
    }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
    return {reinterpret_cast<const char*>(data), size};
}

// Cuts a byte string into pieces whose sizes come from a seed, so the same input always cuts
// the same way. Mostly small pieces (1 to 16 bytes: every boundary inside a line gets hit),
// sometimes single bytes, sometimes up to 512 bytes.
class input_pieces {
public:
    static constexpr std::size_t seed_bytes = 4;

    // Takes up to seed_bytes bytes off the front of `input` as the seed; the rest is the payload.
    explicit input_pieces(std::string_view& input) noexcept {
        const std::size_t taken = std::min(seed_bytes, input.size());
        for (std::size_t i = 0; i < taken; ++i) {
            state_ = (state_ << 8U) | static_cast<unsigned char>(input[i]);
        }
        input.remove_prefix(taken);
    }

    // The next piece's size: between 1 and `remaining` (which must not be 0).
    [[nodiscard]] std::size_t next(std::size_t remaining) noexcept {
        const std::uint64_t random = step();
        std::size_t size = 0;
        switch (random % 8) {
        case 0:
            size = 1;
            break;
        case 1:
            size = 1 + (random >> 8U) % 512;
            break;
        default:
            size = 1 + (random >> 8U) % 16;
            break;
        }
        return std::min(size, remaining);
    }

private:
    // splitmix64: tiny, and every seed gives a different, well-mixed sequence.
    std::uint64_t step() noexcept {
        state_ += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }

    std::uint64_t state_ = 0;
};

} // namespace corio::fuzz
