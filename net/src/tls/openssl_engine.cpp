// SPDX-License-Identifier: MIT
// The TLS engine contract (tls_engine.hpp) with OpenSSL 3.
//
// OpenSSL reads and writes records through a BIO. Ours is a memory BIO of our own making: its
// read callback hands OpenSSL the ciphertext the transport delivered into the engine's input
// buffer, its write callback appends records to the engine's output buffer, and neither ever
// touches a socket. So SSL_do_handshake, SSL_read_ex and SSL_write_ex run to "want more input"
// or completion without blocking, and tls_stream moves the bytes through the reactor.
#include "tls_engine.hpp"

#include <corio/net/address.hpp>
#include <corio/runtime/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace corio::net::detail {

class tls_context_impl {
public:
    tls_context_impl(SSL_CTX* context, bool server) noexcept
        : ssl_context(context)
        , is_server(server) {}
    ~tls_context_impl() {
        while (!sessions.empty()) {
            forget(sessions.begin());
        }
        SSL_CTX_free(ssl_context);
    }
    tls_context_impl(const tls_context_impl&) = delete;
    tls_context_impl& operator=(const tls_context_impl&) = delete;

    // Keeps `session` for the next connection to `key`, taking over the caller's reference.
    void remember(const std::string& key, SSL_SESSION* session) {
        std::deque<SSL_SESSION*>& kept = sessions[key];
        if (std::find(kept.begin(), kept.end(), session) != kept.end()) {
            SSL_SESSION_free(session); // already kept: drop the extra reference
            return;
        }
        kept.push_back(session);
        if (kept.size() > sessions_per_server) {
            SSL_SESSION_free(kept.front()); // the oldest ticket is the likeliest to have expired
            kept.pop_front();
        }
        if (sessions.size() > max_servers) {
            // A client talking to that many servers gains little from any one of them: forget
            // another, any other.
            auto victim =
                sessions.begin()->first == key ? std::next(sessions.begin()) : sessions.begin();
            forget(victim);
        }
    }

    // A session to offer the next connection to `key`, with a reference of its own for the
    // caller, or null. TLS 1.3 tickets are handed out once (RFC 8446 §C.4: reuse would let an
    // observer link the connections); a TLS 1.2 session may serve many connections.
    [[nodiscard]] SSL_SESSION* take_session(const std::string& key) {
        const auto found = sessions.find(key);
        if (found == sessions.end()) {
            return nullptr;
        }
        std::deque<SSL_SESSION*>& kept = found->second;
        while (!kept.empty() && SSL_SESSION_is_resumable(kept.back()) != 1) {
            SSL_SESSION_free(kept.back()); // its connection failed after it came
            kept.pop_back();
        }
        if (kept.empty()) {
            sessions.erase(found);
            return nullptr;
        }
        SSL_SESSION* newest = kept.back();
        if (SSL_SESSION_get_protocol_version(newest) >= TLS1_3_VERSION) {
            kept.pop_back(); // its reference passes to the caller
            if (kept.empty()) {
                sessions.erase(found);
            }
        } else {
            SSL_SESSION_up_ref(newest);
        }
        return newest;
    }

    [[nodiscard]] std::size_t session_count() const noexcept {
        std::size_t count = 0;
        for (const auto& [key, kept] : sessions) {
            count += kept.size();
        }
        return count;
    }

    // A TLS 1.3 server sends two tickets per handshake by default (OpenSSL's number): a few per
    // server cover the connections a pool opens at once.
    static constexpr std::size_t sessions_per_server = 4;
    static constexpr std::size_t max_servers = 256;

    SSL_CTX* ssl_context;
    bool is_server;
    bool resume_sessions = false;
    std::vector<unsigned char> alpn_wire; // the ALPN list in wire format (length-prefixed)
    // Per "host:port", oldest first.
    std::unordered_map<std::string, std::deque<SSL_SESSION*>> sessions;

private:
    using session_map = std::unordered_map<std::string, std::deque<SSL_SESSION*>>;

    void forget(session_map::iterator entry) noexcept {
        for (SSL_SESSION* session : entry->second) {
            SSL_SESSION_free(session);
        }
        sessions.erase(entry);
    }
};

namespace {

// Per receive from the transport: a whole TLS record (16 KiB of plaintext plus overhead) fits.
constexpr std::size_t min_input_space = 16 * 1024 + 512;

// What this thread's OpenSSL error queue says went wrong, emptying it: the oldest error from
// the TLS library itself if there is one (other libraries' errors, a decoder's say, can be queued
// before it), else the oldest of any library. Reason codes are only unique within a library.
struct openssl_reason {
    int library = 0;
    int code = 0;
    std::string text;
};

openssl_reason take_openssl_reason() {
    openssl_reason chosen;
    bool chose_ssl = false;
    for (unsigned long error = ERR_get_error(); error != 0; error = ERR_get_error()) {
        const bool is_ssl = ERR_GET_LIB(error) == ERR_LIB_SSL;
        if (chosen.library == 0 || (is_ssl && !chose_ssl)) {
            chosen.library = ERR_GET_LIB(error);
            chosen.code = ERR_GET_REASON(error);
            const char* text = ERR_reason_error_string(error);
            chosen.text = text != nullptr ? text : "error " + std::to_string(chosen.code);
            chose_ssl = is_ssl;
        }
    }
    return chosen;
}

[[noreturn]] void throw_configuration(const std::string& what) {
    const std::string reason = take_openssl_reason().text;
    throw tls_error(tls_failure::configuration, reason.empty() ? what : what + ": " + reason);
}

// Pass phrases are never asked for: OpenSSL would otherwise prompt on the terminal. This callback
// refuses, and says it was asked.
int refuse_pass_phrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* asked) {
    *static_cast<bool*>(asked) = true;
    return -1;
}

// A key that cannot be used, said plainly in the two common cases: an encrypted key, and the key
// of another certificate.
[[noreturn]] void throw_unusable_key(const std::string& what, bool pass_phrase_asked) {
    if (pass_phrase_asked) {
        ERR_clear_error();
        throw tls_error(tls_failure::configuration,
                        what + ": the key is encrypted, and corio takes no pass phrase (decrypt it "
                               "with `openssl pkey`)");
    }
    if (ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_X509 &&
        ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
        ERR_clear_error();
        throw tls_error(tls_failure::configuration,
                        what + ": the private key does not match the certificate");
    }
    throw_configuration(what);
}

// Checked before OpenSSL tries, so that a missing file says so in the system's words.
void require_readable(const std::string& path, const char* what) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        const int error = errno;
        throw tls_error(tls_failure::configuration,
                        std::string("cannot read ") + what + " '" + path +
                            "': " + std::generic_category().message(error));
    }
    std::fclose(file);
}

int openssl_version(tls_version version) noexcept {
    return version == tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

std::vector<unsigned char> alpn_wire_format(const std::vector<std::string>& protocols) {
    std::vector<unsigned char> wire;
    for (const std::string& protocol : protocols) {
        if (protocol.empty() || protocol.size() > 255) {
            throw tls_error(tls_failure::configuration,
                            "an ALPN protocol name must be 1 to 255 bytes long");
        }
        wire.push_back(static_cast<unsigned char>(protocol.size()));
        wire.insert(wire.end(), protocol.begin(), protocol.end());
    }
    return wire;
}

// SSL_get_error() needs this thread's error queue empty before each TLS call. Clearing it walks
// every slot, so look first: it is almost always empty already (fail() empties it after each
// failure), and this runs before every read and write.
void empty_error_queue() noexcept {
    if (ERR_peek_error() != 0) {
        ERR_clear_error();
    }
}

class openssl_engine;

// The SSL object's back pointer to its engine (for the session callback).
int engine_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// ---- the memory BIO ----

int bio_read(BIO* bio, char* out, int size);
int bio_write(BIO* bio, const char* data, int size);
long bio_ctrl(BIO* bio, int command, long number, void* pointer);

int bio_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

BIO_METHOD* engine_bio_method() {
    // Made once and kept for the life of the process, as OpenSSL's own methods are.
    static BIO_METHOD* const method = [] {
        BIO_METHOD* made =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "corio engine buffers");
        if (made == nullptr || BIO_meth_set_read(made, &bio_read) != 1 ||
            BIO_meth_set_write(made, &bio_write) != 1 || BIO_meth_set_ctrl(made, &bio_ctrl) != 1 ||
            BIO_meth_set_create(made, &bio_create) != 1) {
            throw std::bad_alloc();
        }
        return made;
    }();
    return method;
}

class openssl_engine final : public tls_engine {
public:
    openssl_engine(std::shared_ptr<tls_context_impl> context, std::string session_key)
        : context_(std::move(context))
        , session_key_(std::move(session_key)) {
        ssl_ = SSL_new(context_->ssl_context);
        BIO* bio = ssl_ != nullptr ? BIO_new(engine_bio_method()) : nullptr;
        if (bio == nullptr) {
            SSL_free(ssl_);
            throw std::bad_alloc();
        }
        BIO_set_data(bio, this);
        SSL_set_bio(ssl_, bio, bio); // one BIO both ways: the SSL object owns it now
        SSL_set_ex_data(ssl_, engine_index(), this);
        // Take whole records, and what follows them, in one BIO read rather than a header read
        // and a body read: the input is in memory already.
        SSL_set_read_ahead(ssl_, 1);
    }
    ~openssl_engine() override {
        if (handshake_done_ && !failed_) {
            // Closing without close_notify (an idle pooled connection, say) is our choice, not a
            // broken session: OpenSSL would otherwise mark the session, which in TLS 1.3 is the
            // ticket just remembered, as not resumable when the SSL object is freed.
            SSL_set_shutdown(ssl_, SSL_get_shutdown(ssl_) | SSL_SENT_SHUTDOWN);
        }
        SSL_free(ssl_);
    }
    openssl_engine(const openssl_engine&) = delete;
    openssl_engine& operator=(const openssl_engine&) = delete;

    void start_client(const tls_peer& peer, bool verify) {
        SSL_set_connect_state(ssl_);
        const bool ip_literal = address::from_ip(peer.name, 0).has_value();
        // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
        if (!ip_literal && SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                    const_cast<char*>(peer.name.c_str())) != 1) {
            throw_configuration("cannot use '" + peer.name + "' as a TLS server name");
        }
        if (verify) {
            // RFC 6125: a name is matched against the certificate's DNS names, an IP literal
            // against its IP addresses - never against the subject's CN, which RFC 9110 §4.3.4
            // leaves behind. Wildcards only as a whole leftmost label.
            X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                                       X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
            const int set = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, peer.name.c_str())
                                       : X509_VERIFY_PARAM_set1_host(param, peer.name.c_str(), 0);
            if (set != 1) {
                throw_configuration("cannot verify certificates for '" + peer.name + "'");
            }
        }
        if (context_->resume_sessions) {
            if (SSL_SESSION* known = context_->take_session(session_key_)) {
                SSL_set_session(ssl_, known); // takes its own reference
                SSL_SESSION_free(known);
            }
        }
        peer_name_ = peer.name;
    }

    void start_server() { SSL_set_accept_state(ssl_); }

    // ---- ciphertext in ----
    std::span<std::byte> input_space(std::size_t size) override {
        size = std::max(size, min_input_space);
        if (input_begin_ == input_end_) {
            input_begin_ = input_end_ = 0;
        }
        if (input_.size() - input_end_ < size && input_begin_ > 0) {
            // Move the unread bytes to the front, and grow only if that is not enough.
            std::memmove(input_.data(), input_.data() + input_begin_, input_end_ - input_begin_);
            input_end_ -= input_begin_;
            input_begin_ = 0;
        }
        if (input_.size() - input_end_ < size) {
            input_.resize(input_end_ + size);
        }
        return {input_.data() + input_end_, input_.size() - input_end_};
    }
    void input_received(std::size_t size) noexcept override { input_end_ += size; }
    void input_ended() noexcept override { input_ended_ = true; }
    [[nodiscard]] bool has_buffered_input() const noexcept override {
        return input_begin_ != input_end_ || input_ended_ || SSL_has_pending(ssl_) == 1 ||
               (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0; // read() says closed
    }

    // ---- ciphertext out ----
    [[nodiscard]] bool has_output() const noexcept override { return !output_.empty(); }
    void take_output(std::vector<std::byte>& into) noexcept override { into.swap(output_); }

    // ---- the protocol ----
    tls_progress handshake() override {
        empty_error_queue();
        const int result = SSL_do_handshake(ssl_);
        if (result == 1) {
            handshake_done_ = true;
            return tls_progress::done;
        }
        const int error = SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_WANT_READ && !input_ended_) {
            return tls_progress::want_input;
        }
        fail(error);
    }

    tls_read_result read(std::span<std::byte> buffer) override {
        empty_error_queue();
        std::size_t size = 0;
        const int result = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &size);
        if (result == 1) {
            return {tls_progress::done, size};
        }
        const int error = SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_ZERO_RETURN) {
            return {tls_progress::closed, 0};
        }
        if (error == SSL_ERROR_WANT_READ && !input_ended_) {
            return {tls_progress::want_input, 0};
        }
        fail(error);
    }

    tls_write_result write(std::span<const std::byte> data) override {
        std::size_t taken = 0;
        while (taken < data.size()) {
            empty_error_queue();
            std::size_t written = 0;
            const int result =
                SSL_write_ex(ssl_, data.data() + taken, data.size() - taken, &written);
            if (result != 1) {
                const int error = SSL_get_error(ssl_, result);
                if (error == SSL_ERROR_WANT_READ && !input_ended_) {
                    return {tls_progress::want_input, taken};
                }
                fail(error);
            }
            taken += written;
        }
        return {tls_progress::done, taken};
    }

    void close_notify() override {
        ERR_clear_error();
        // 0: sent, the peer's close_notify not seen yet (nor waited for: this only ends our side).
        // Negative after a fatal error, when no close_notify may be sent: nothing to do then.
        (void)SSL_shutdown(ssl_);
        ERR_clear_error();
    }

    // ---- after the handshake ----
    [[nodiscard]] std::string_view alpn_protocol() const noexcept override {
        const unsigned char* name = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(ssl_, &name, &length);
        return name == nullptr ? std::string_view()
                               : std::string_view(reinterpret_cast<const char*>(name), length);
    }
    [[nodiscard]] tls_version version() const noexcept override {
        return SSL_version(ssl_) == TLS1_3_VERSION ? tls_version::tls1_3 : tls_version::tls1_2;
    }
    [[nodiscard]] bool session_resumed() const noexcept override {
        return SSL_session_reused(ssl_) == 1;
    }

    // ---- for the BIO and the session callback ----
    int on_bio_read(BIO* bio, char* out, int size) noexcept {
        BIO_clear_retry_flags(bio);
        const std::size_t available = input_end_ - input_begin_;
        if (available == 0) {
            if (input_ended_) {
                return 0; // end of stream
            }
            BIO_set_retry_read(bio);
            return -1;
        }
        const std::size_t taken = std::min(available, static_cast<std::size_t>(size));
        std::memcpy(out, input_.data() + input_begin_, taken);
        input_begin_ += taken;
        return static_cast<int>(taken);
    }
    int on_bio_write(const char* data, int size) noexcept {
        try {
            const auto* bytes = reinterpret_cast<const std::byte*>(data);
            output_.insert(output_.end(), bytes, bytes + size);
            return size;
        } catch (...) {
            out_of_memory_ = true; // OpenSSL sees a failed write; fail() says why
            return -1;
        }
    }
    long on_bio_ctrl(int command) const noexcept {
        switch (command) {
        case BIO_CTRL_FLUSH:
            return 1; // the records are in output_; tls_stream writes them
        case BIO_CTRL_PENDING:
            return static_cast<long>(input_end_ - input_begin_);
        case BIO_CTRL_WPENDING:
            return static_cast<long>(output_.size());
        case BIO_CTRL_EOF:
            return input_ended_ && input_begin_ == input_end_ ? 1 : 0;
        default:
            return 0;
        }
    }
    void on_new_session(SSL_SESSION* session) { context_->remember(session_key_, session); }

private:
    // Throws the tls_error that SSL_get_error's `error` and the error queue describe.
    [[noreturn]] void fail(int error) {
        failed_ = true;
        const openssl_reason reason = take_openssl_reason();
        if (out_of_memory_) {
            throw std::bad_alloc();
        }
        const bool ssl_reason = reason.library == ERR_LIB_SSL;
        const bool peer_ended =
            input_ended_ && (error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN ||
                             (ssl_reason && reason.code == SSL_R_UNEXPECTED_EOF_WHILE_READING));
        const std::string detail = reason.text.empty() ? describe_ssl_error(error) : reason.text;
        if (!handshake_done_) {
            // A certificate that failed verification says why in the verify result, whatever
            // else went onto the error queue first.
            const long verify = SSL_get_verify_result(ssl_);
            if (SSL_get_verify_mode(ssl_) != SSL_VERIFY_NONE && verify != X509_V_OK) {
                throw_verify_failure(verify);
            }
            if (peer_ended) {
                throw tls_error(tls_failure::handshake_failure,
                                "handshake failure: the peer closed the connection during the "
                                "TLS handshake");
            }
            switch (ssl_reason ? reason.code : 0) {
            case SSL_R_UNSUPPORTED_PROTOCOL:
            case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
            case SSL_R_UNSUPPORTED_SSL_VERSION:
            case SSL_R_VERSION_TOO_LOW:
            case SSL_R_NO_PROTOCOLS_AVAILABLE:
                throw tls_error(tls_failure::protocol_version,
                                "protocol version: no TLS version both sides accept (" + detail +
                                    "; corio requires TLS 1.2 or later)");
            case SSL_R_WRONG_VERSION_NUMBER:
            case SSL_R_PACKET_LENGTH_TOO_LONG:
            case SSL_R_RECORD_LENGTH_MISMATCH:
                throw tls_error(tls_failure::handshake_failure,
                                "handshake failure: the peer does not speak TLS (" + detail + ")");
            case SSL_R_HTTP_REQUEST:
            case SSL_R_HTTPS_PROXY_REQUEST:
                throw tls_error(tls_failure::handshake_failure,
                                "handshake failure: the peer sent plain HTTP to a TLS port");
            default:
                break;
            }
            throw tls_error(tls_failure::handshake_failure, "handshake failure: " + detail);
        }
        if (peer_ended) {
            throw tls_error(tls_failure::truncated,
                            "truncated: the peer closed the connection without a TLS "
                            "close_notify, so the data may have been cut short");
        }
        throw tls_error(tls_failure::protocol, "protocol: " + detail);
    }

    [[noreturn]] void throw_verify_failure(long verify) const {
        const std::string detail = X509_verify_cert_error_string(verify);
        switch (verify) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            throw tls_error(tls_failure::hostname_mismatch,
                            "hostname mismatch: the certificate is not valid for '" + peer_name_ +
                                "'");
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
        case X509_V_ERR_CRL_HAS_EXPIRED:
            throw tls_error(tls_failure::expired_certificate, "expired certificate: " + detail);
        default:
            throw tls_error(tls_failure::untrusted_certificate, "untrusted certificate: " + detail);
        }
    }

    static std::string describe_ssl_error(int error) {
        switch (error) {
        case SSL_ERROR_SYSCALL:
            return "the transport failed";
        case SSL_ERROR_ZERO_RETURN:
            return "the peer closed the TLS session";
        default:
            return "OpenSSL error " + std::to_string(error);
        }
    }

    std::shared_ptr<tls_context_impl> context_;
    std::string session_key_;
    std::string peer_name_;
    SSL* ssl_ = nullptr;
    std::vector<std::byte> input_;
    std::size_t input_begin_ = 0;
    std::size_t input_end_ = 0;
    bool input_ended_ = false;
    std::vector<std::byte> output_;
    bool handshake_done_ = false;
    bool failed_ = false;        // a fatal error: the session must not be resumed
    bool out_of_memory_ = false; // a record could not be appended to output_
};

openssl_engine& engine_of(BIO* bio) noexcept {
    return *static_cast<openssl_engine*>(BIO_get_data(bio));
}

int bio_read(BIO* bio, char* out, int size) {
    return engine_of(bio).on_bio_read(bio, out, size);
}

int bio_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    return engine_of(bio).on_bio_write(data, size);
}

long bio_ctrl(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
    return engine_of(bio).on_bio_ctrl(command);
}

// A client's new session (in TLS 1.3 a ticket, which arrives after the handshake): remembered
// for the next connection to the same server.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* engine = static_cast<openssl_engine*>(SSL_get_ex_data(ssl, engine_index()));
    if (engine == nullptr) {
        return 0;
    }
    try {
        engine->on_new_session(session);
    } catch (...) {
        return 0; // not kept: OpenSSL frees it
    }
    return 1; // we keep the reference
}

int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void* argument) {
    const auto& accepted = *static_cast<const std::vector<unsigned char>*>(argument);
    unsigned char* chosen = nullptr;
    // The server's preference wins; a client offering nothing we accept is served without ALPN.
    if (SSL_select_next_proto(&chosen, out_length, accepted.data(),
                              static_cast<unsigned int>(accepted.size()), offered,
                              offered_length) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

SSL_CTX* new_ssl_context(const SSL_METHOD* method, tls_version min_version) {
    SSL_CTX* context = SSL_CTX_new(method);
    if (context == nullptr) {
        throw_configuration("cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(context, openssl_version(min_version));
    // Renegotiation would let a read need a write (and has a history of attacks); compression
    // leaks secrets (CRIME).
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    return context;
}

// Loads the certificate chain and key of `options` into `context`.
void use_certificate(SSL_CTX* context, const tls_server_options& options) {
    if (!options.certificate_chain_pem.empty()) {
        BIO* pem = BIO_new_mem_buf(options.certificate_chain_pem.data(),
                                   static_cast<int>(options.certificate_chain_pem.size()));
        X509* leaf = pem != nullptr ? PEM_read_bio_X509(pem, nullptr, nullptr, nullptr) : nullptr;
        const bool used = leaf != nullptr && SSL_CTX_use_certificate(context, leaf) == 1;
        X509_free(leaf);
        bool chained = used;
        while (chained) {
            X509* intermediate = PEM_read_bio_X509(pem, nullptr, nullptr, nullptr);
            if (intermediate == nullptr) {
                // The end of the PEM text - or a damaged certificate, which must not quietly
                // shorten the chain.
                const unsigned long last = ERR_peek_last_error();
                chained =
                    ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
                if (chained) {
                    ERR_clear_error();
                }
                break;
            }
            chained = SSL_CTX_add0_chain_cert(context, intermediate) == 1;
            if (!chained) {
                X509_free(intermediate);
            }
        }
        BIO_free(pem);
        if (!chained) {
            throw_configuration("cannot use the certificate chain given in memory");
        }
    } else if (!options.certificate_chain_file.empty()) {
        require_readable(options.certificate_chain_file, "certificate chain file");
        if (SSL_CTX_use_certificate_chain_file(context, options.certificate_chain_file.c_str()) !=
            1) {
            throw_configuration("cannot use the certificate chain file '" +
                                options.certificate_chain_file + "'");
        }
    } else {
        throw tls_error(tls_failure::configuration,
                        "a TLS server needs a certificate chain (certificate_chain_file or "
                        "certificate_chain_pem)");
    }

    bool pass_phrase_asked = false;
    if (!options.private_key_pem.empty()) {
        BIO* pem = BIO_new_mem_buf(options.private_key_pem.data(),
                                   static_cast<int>(options.private_key_pem.size()));
        EVP_PKEY* key = pem != nullptr ? PEM_read_bio_PrivateKey(pem, nullptr, &refuse_pass_phrase,
                                                                 &pass_phrase_asked)
                                       : nullptr;
        const bool used = key != nullptr && SSL_CTX_use_PrivateKey(context, key) == 1;
        EVP_PKEY_free(key);
        BIO_free(pem);
        if (!used) {
            throw_unusable_key("cannot use the private key given in memory", pass_phrase_asked);
        }
    } else if (!options.private_key_file.empty()) {
        require_readable(options.private_key_file, "private key file");
        SSL_CTX_set_default_passwd_cb(context, &refuse_pass_phrase);
        SSL_CTX_set_default_passwd_cb_userdata(context, &pass_phrase_asked);
        const bool used = SSL_CTX_use_PrivateKey_file(context, options.private_key_file.c_str(),
                                                      SSL_FILETYPE_PEM) == 1;
        SSL_CTX_set_default_passwd_cb(context, nullptr);
        SSL_CTX_set_default_passwd_cb_userdata(context, nullptr);
        if (!used) {
            throw_unusable_key("cannot use the private key file '" + options.private_key_file + "'",
                               pass_phrase_asked);
        }
    } else {
        throw tls_error(tls_failure::configuration,
                        "a TLS server needs a private key (private_key_file or private_key_pem)");
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        throw_unusable_key("cannot use the private key", false);
    }
}

} // namespace

std::shared_ptr<tls_context_impl> make_tls_client_context(const tls_client_options& options) {
    auto made = std::make_shared<tls_context_impl>(
        new_ssl_context(TLS_client_method(), options.min_version), false);
    SSL_CTX* context = made->ssl_context;
    if (options.insecure_skip_verify) {
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    } else {
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
        // The system's trust store (SSL_CERT_FILE and SSL_CERT_DIR override it, as everywhere
        // OpenSSL is used). Loaded lazily by OpenSSL: a directory is read certificate by
        // certificate as chains need them.
        if (SSL_CTX_set_default_verify_paths(context) != 1) {
            throw_configuration("cannot use the system's trusted certificates");
        }
        if (!options.ca_file.empty()) {
            require_readable(options.ca_file, "CA file");
            if (SSL_CTX_load_verify_file(context, options.ca_file.c_str()) != 1) {
                throw_configuration("cannot load CA file '" + options.ca_file + "'");
            }
        }
        if (!options.ca_directory.empty() &&
            SSL_CTX_load_verify_dir(context, options.ca_directory.c_str()) != 1) {
            throw_configuration("cannot use CA directory '" + options.ca_directory + "'");
        }
    }
    made->alpn_wire = alpn_wire_format(options.alpn_protocols);
    // Unlike its other setters, SSL_CTX_set_alpn_protos returns 0 on success.
    if (!made->alpn_wire.empty() &&
        SSL_CTX_set_alpn_protos(context, made->alpn_wire.data(),
                                static_cast<unsigned int>(made->alpn_wire.size())) != 0) {
        throw_configuration("cannot set the ALPN protocols");
    }
    made->resume_sessions = options.resume_sessions;
    if (options.resume_sessions) {
        // OpenSSL's client "cache" only calls us with each new session; we keep them per server.
        SSL_CTX_set_session_cache_mode(context,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(context, &on_new_session);
    }
    return made;
}

std::shared_ptr<tls_context_impl> make_tls_server_context(const tls_server_options& options) {
    auto made = std::make_shared<tls_context_impl>(
        new_ssl_context(TLS_server_method(), options.min_version), true);
    SSL_CTX* context = made->ssl_context;
    use_certificate(context, options);
    SSL_CTX_set_options(context, SSL_OP_CIPHER_SERVER_PREFERENCE);
    // An idle connection keeps no record buffers (about 34 KiB each), as nginx configures it.
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
    static constexpr unsigned char session_context[] = "corio";
    SSL_CTX_set_session_id_context(context, session_context, sizeof session_context - 1);
    made->alpn_wire = alpn_wire_format(options.alpn_protocols);
    if (!made->alpn_wire.empty()) {
        SSL_CTX_set_alpn_select_cb(context, &select_alpn, &made->alpn_wire);
    }
    return made;
}

std::unique_ptr<tls_engine> make_tls_client_engine(std::shared_ptr<tls_context_impl> context,
                                                   const tls_peer& peer) {
    if (context->is_server) {
        throw usage_error("tls_stream::connect needs a client context (tls_context::client)");
    }
    const bool verify = SSL_CTX_get_verify_mode(context->ssl_context) != SSL_VERIFY_NONE;
    auto engine = std::make_unique<openssl_engine>(std::move(context),
                                                   peer.name + ":" + std::to_string(peer.port));
    engine->start_client(peer, verify);
    return engine;
}

std::unique_ptr<tls_engine> make_tls_server_engine(std::shared_ptr<tls_context_impl> context) {
    if (!context->is_server) {
        throw usage_error("tls_stream::accept needs a server context (tls_context::server)");
    }
    auto engine = std::make_unique<openssl_engine>(std::move(context), std::string());
    engine->start_server();
    return engine;
}

bool tls_backend_available() noexcept {
    return true;
}

bool is_server_context(const tls_context_impl& context) noexcept {
    return context.is_server;
}

std::size_t cached_session_count(const tls_context_impl& context) noexcept {
    return context.session_count();
}

} // namespace corio::net::detail
