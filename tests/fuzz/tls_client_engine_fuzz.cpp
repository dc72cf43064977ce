// SPDX-License-Identifier: MIT
// tls_client_engine_fuzz.cpp - the TLS record path as a client sees it: the OpenSSL engine
// (net/src/tls/openssl_engine.cpp), which speaks TLS through memory buffers and never touches a
// socket, is fed the input as the server's bytes, in one piece and in pieces cut by the input's
// first bytes, then the end of the stream.
//
// What this reaches: corio's side of the seam (its BIO over the input buffer, the buffer's
// compaction and growth, mapping OpenSSL's errors to tls_error) and OpenSSL's parsing of plaintext
// records and the server's first handshake messages. It cannot get past the handshake - the
// server's Finished needs keys the fuzzer does not have - and OpenSSL itself is the system's
// library, not instrumented, so libFuzzer sees coverage of corio's code only.
// Invariants: a bad peer is a tls_error (anything else escapes and libFuzzer reports it); the
// engine never claims a finished handshake; both feedings end alike (same failure kind).
#include "fuzz_support.hpp"

#include "tls/tls_engine.hpp"

#include <corio/net/tls_context.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/net/tls_stream.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corio::fuzz::check;
using namespace corio::net;
using namespace corio::net::detail;

const std::shared_ptr<tls_context_impl>& client_context() {
    static const std::shared_ptr<tls_context_impl> context = [] {
        tls_client_options options;
        options.insecure_skip_verify = true; // no trust store to load per process
        options.resume_sessions = false;     // every run starts alike
        options.alpn_protocols = {"http/1.1"};
        return make_tls_client_context(options);
    }();
    return context;
}

// The failure the handshake ended with, or nullopt if it still wants input at the end.
template <typename PieceSize>
std::optional<tls_failure> handshake(std::string_view server_bytes, PieceSize piece_size) {
    const std::unique_ptr<tls_engine> engine =
        make_tls_client_engine(client_context(), tls_peer{"example.com", 443});
    std::vector<std::byte> sent;
    try {
        check(engine->handshake() == tls_progress::want_input, "a handshake with no peer finished");
        check(engine->has_output(), "no ClientHello");
        engine->take_output(sent);
        while (!server_bytes.empty()) {
            const std::size_t size = piece_size(server_bytes.size());
            const std::span<std::byte> space = engine->input_space(size);
            check(space.size() >= size, "input_space() gave less room than asked");
            std::memcpy(space.data(), server_bytes.data(), size);
            engine->input_received(size);
            server_bytes.remove_prefix(size);
            check(engine->handshake() == tls_progress::want_input,
                  "the handshake finished without the server's keys");
            sent.clear();
            engine->take_output(sent);
        }
        engine->input_ended();
        check(engine->handshake() == tls_progress::want_input,
              "the handshake finished without the server's keys");
    } catch (const tls_error& failure) {
        return failure.failure();
    }
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = corio::fuzz::as_text(data, size);
    corio::fuzz::input_pieces pieces{input};
    const std::optional<tls_failure> whole =
        handshake(input, [](std::size_t remaining) { return remaining; });
    const std::optional<tls_failure> split =
        handshake(input, [&](std::size_t remaining) { return pieces.next(remaining); });
    check(whole == split, "how the handshake fails depends on the split");
    return 0;
}
