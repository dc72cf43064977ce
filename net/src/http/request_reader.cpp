// SPDX-License-Identifier: MIT
#include "request_reader.hpp"

#include "field_syntax.hpp"
#include "uri_host.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::http::detail {

namespace {

constexpr int bad_request = 400;
constexpr int content_too_large = 413;
constexpr int uri_too_long = 414;
constexpr int expectation_failed = 417;
constexpr int fields_too_large = 431;
constexpr int not_implemented = 501;
constexpr int version_not_supported = 505;

// A declared Content-Length is trusted for the first allocation only up to this much, so a
// client cannot make the server reserve max_body_bytes by merely announcing them.
constexpr std::size_t max_body_reservation = 1024 * 1024;

int status_for(parse_error error) noexcept {
    if (error == parse_error::request_line_too_long) {
        return uri_too_long; // RFC 9112 §3: the target is all of a request line that can grow
    }
    if (error == parse_error::chunk_extensions_too_large) {
        // Part of the message body, not of the header section (431), and not malformed (400):
        // the client sent more body framing than the server accepts, as Node.js answers too.
        return content_too_large;
    }
    if (is_size_limit(error)) {
        return fields_too_large;
    }
    if (error == parse_error::bad_version) {
        return version_not_supported;
    }
    return bad_request;
}

// RFC 9112 §3.2: origin-form "/p?q"; absolute-form "http://host/p?q", which a server must accept
// (the host is ignored: this server has one site); asterisk-form "*" for OPTIONS only.
// authority-form belongs to CONNECT, which this server does not tunnel.
bool split_target(std::string_view method, std::string_view target, std::string& path,
                  std::string& query) {
    if (target == "*") {
        if (method != "OPTIONS") {
            return false;
        }
        // The path "*", with no query: what the code below makes of it.
    } else if (!target.starts_with('/')) {
        const std::size_t scheme_end = target.find("://");
        if (scheme_end == std::string_view::npos) {
            return false;
        }
        const std::string_view scheme = target.substr(0, scheme_end);
        if (!iequals(scheme, "http") && !iequals(scheme, "https")) {
            return false;
        }
        const std::string_view rest = target.substr(scheme_end + 3);
        const std::size_t authority_end = rest.find_first_of("/?");
        if (authority_end == 0 || rest.empty()) {
            return false; // no host
        }
        target = authority_end == std::string_view::npos ? std::string_view()
                                                         : rest.substr(authority_end);
    }
    const std::size_t question = target.find('?');
    const std::string_view asked = target.substr(0, question);
    // "http://host?q" asks for the root. Chosen before the one assignment, not patched in after
    // it: g++ 12 at -O3 takes `path = "/"` for a possibly overlapping copy (-Wrestrict, a false
    // positive).
    path.assign(asked.empty() ? std::string_view("/") : asked);
    if (question == std::string_view::npos) {
        query.clear();
    } else {
        query.assign(target.substr(question + 1));
    }
    return true;
}

// RFC 9112 §6.3: a request whose last transfer coding is not chunked has no knowable length
// (400), while "gzip, chunked" is framed correctly but asks for a coding we lack (501, §6.1).
// Empty list elements do not count: "chunked, " ends in chunked (RFC 9110 §5.6.1.2).
bool chunked_is_final_coding(const headers& fields) {
    std::string_view final_coding;
    for (const header_field& field : fields) {
        if (iequals(field.name, "transfer-encoding")) {
            for_each_list_element(
                field.value, [&final_coding](std::string_view coding) { final_coding = coding; });
        }
    }
    return iequals(final_coding, "chunked");
}

} // namespace

request_reader::request_reader(const parse_limits& limits, std::size_t max_body_bytes)
    : limits_(limits)
    , max_body_bytes_(max_body_bytes) {}

std::span<std::byte> request_reader::prepare(std::size_t capacity) {
    if (receives_into_body()) {
        // Nothing of the next request can be mixed in: receive straight into the body, no copy.
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(capacity, body_remaining_));
        const std::size_t start = body_.size();
        body_.resize(start + size);
        prepared_ = size;
        prepared_body_ = true;
        return std::as_writable_bytes(std::span<char>(body_.data() + start, size));
    }
    const std::size_t start = buffer_.size();
    buffer_.resize(start + capacity);
    prepared_ = capacity;
    prepared_body_ = false;
    return std::as_writable_bytes(std::span<char>(buffer_.data() + start, capacity));
}

void request_reader::commit(std::size_t received) {
    received = std::min(received, prepared_);
    if (prepared_body_) {
        body_.resize(body_.size() - prepared_ + received);
        body_remaining_ -= received;
    } else {
        buffer_.resize(buffer_.size() - prepared_ + received);
    }
    prepared_ = 0;
    prepared_body_ = false;
    drop_leading_empty_lines();
}

void request_reader::receive(std::span<const std::byte> received) {
    buffer_.append(reinterpret_cast<const char*>(received.data()), received.size());
    drop_leading_empty_lines();
}

bool request_reader::receives_into_body() const noexcept {
    return phase_ == phase::length_body && buffer_.empty() && body_remaining_ != 0;
}

void request_reader::drop_leading_empty_lines() {
    // Only before the parser has looked at the message: it keeps offsets into the buffer.
    if (phase_ != phase::head || head_.progress != head_progress{}) {
        return;
    }
    std::size_t start = 0;
    while (true) {
        if (buffer_.compare(start, 1, "\n") == 0) {
            start += 1;
        } else if (buffer_.compare(start, 2, "\r\n") == 0) {
            start += 2;
        } else {
            break;
        }
    }
    buffer_.erase(0, start);
}

request_reader::step request_reader::advance() {
    switch (phase_) {
    case phase::head: {
        const parse_result result = parse_request_head(buffer_, limits_, head_);
        if (result.status == parse_status::need_more) {
            return step::need_more;
        }
        if (result.status == parse_status::error) {
            return fail(status_for(result.error), std::string(describe(result.error)));
        }
        return on_head(result.consumed);
    }
    case phase::length_body:
        return read_length_body();
    case phase::chunked_body:
        return read_chunked_body();
    case phase::complete:
        return step::message_done;
    case phase::failed:
        return step::failed;
    }
    return step::failed;
}

request_reader::step request_reader::on_head(std::size_t head_size) {
    buffer_.erase(0, head_size);
    head_complete_ = true;
    const headers& fields = head_.fields;
    if (head_.version_minor == 0 && fields.contains("Transfer-Encoding")) {
        // RFC 9112 §6.1: HTTP/1.0 has no transfer codings, so the framing must be presumed faulty.
        return fail(bad_request, "Transfer-Encoding in an HTTP/1.0 request");
    }
    const std::vector<std::string_view> hosts = fields.get_all("Host");
    if (hosts.size() > 1) {
        return fail(bad_request, "more than one Host header field");
    }
    if (hosts.empty() && head_.version_minor == 1) {
        return fail(bad_request, "HTTP/1.1 request without a Host header field");
    }
    if (!hosts.empty() && !is_host_field_value(hosts.front())) {
        // RFC 9112 §3.2 requires the 400, also for an absolute-form target, whose host wins.
        return fail(bad_request, "the Host header field is not a valid host[:port]");
    }
    if (!split_target(head_.method, head_.target, path_, query_)) {
        return fail(bad_request, "request target must be a path ('/...'), an absolute http URL, "
                                 "or '*' for OPTIONS");
    }
    const framing_result framing = request_framing(fields);
    if (framing.error == parse_error::unsupported_transfer_coding) {
        if (chunked_is_final_coding(fields)) {
            return fail(not_implemented, "only the chunked transfer coding is implemented");
        }
        return fail(bad_request, "chunked is not the final transfer coding, so the body length "
                                 "cannot be determined");
    }
    if (framing.error != parse_error::none) {
        return fail(status_for(framing.error), std::string(describe(framing.error)));
    }
    // Expect is a list (RFC 9110 §10.1.1): "100-continue, " asks for 100-continue only, and a
    // field listing nothing asks for nothing.
    bool continue_expected = false;
    bool unknown_expectation = false;
    for (const std::string_view value : fields.get_all("Expect")) {
        for_each_list_element(value, [&](std::string_view expectation) {
            if (iequals(expectation, "100-continue")) {
                continue_expected = true;
            } else {
                unknown_expectation = true;
            }
        });
    }
    if (unknown_expectation) {
        return fail(expectation_failed, "the only expectation supported is 100-continue");
    }
    switch (framing.framing.kind) {
    case body_kind::none:
    case body_kind::until_close: // never for a request; listed for completeness
        phase_ = phase::complete;
        break;
    case body_kind::content_length:
        if (framing.framing.length > max_body_bytes_) {
            return fail(content_too_large, "request body exceeds the size limit");
        }
        body_remaining_ = framing.framing.length;
        body_.reserve(static_cast<std::size_t>(
            std::min<std::uint64_t>(body_remaining_, max_body_reservation)));
        phase_ = body_remaining_ == 0 ? phase::complete : phase::length_body;
        break;
    case body_kind::chunked:
        decoder_.emplace(limits_);
        phase_ = phase::chunked_body;
        break;
    }
    expects_continue_ = continue_expected && head_.version_minor == 1;
    return step::head_done;
}

request_reader::step request_reader::read_length_body() {
    const auto taken =
        static_cast<std::size_t>(std::min<std::uint64_t>(body_remaining_, buffer_.size()));
    body_.append(buffer_, 0, taken);
    buffer_.erase(0, taken);
    body_remaining_ -= taken;
    if (body_remaining_ != 0) {
        return step::need_more;
    }
    phase_ = phase::complete;
    return step::message_done;
}

request_reader::step request_reader::read_chunked_body() {
    std::size_t offset = 0;
    while (offset < buffer_.size()) {
        const chunked_decoder::step decoded =
            decoder_->decode(std::string_view(buffer_).substr(offset));
        if (body_.size() + decoded.data.size() > max_body_bytes_) {
            return fail(content_too_large, "request body exceeds the size limit");
        }
        body_.append(decoded.data);
        offset += decoded.consumed;
        if (decoded.status == parse_status::error) {
            return fail(status_for(decoded.error), std::string(describe(decoded.error)));
        }
        if (decoded.status == parse_status::done) {
            buffer_.erase(0, offset);
            phase_ = phase::complete;
            return step::message_done;
        }
    }
    buffer_.erase(0, offset);
    return step::need_more;
}

request_reader::step request_reader::fail(int status, std::string message) {
    phase_ = phase::failed;
    failure_ = request_failure{status, std::move(message)};
    return step::failed;
}

void request_reader::take(server_request& out) {
    if (phase_ != phase::complete) {
        throw std::logic_error("request_reader::take() before the request is complete");
    }
    out.method = std::move(head_.method);
    out.target = std::move(head_.target);
    out.path = std::move(path_);
    out.query = std::move(query_);
    out.version_minor = head_.version_minor;
    out.fields = std::move(head_.fields);
    out.trailers = decoder_ ? decoder_->trailers() : headers{};
    out.body = std::move(body_);

    head_ = request_head{};
    path_.clear();
    query_.clear();
    body_.clear();
    body_remaining_ = 0;
    decoder_.reset();
    head_complete_ = false;
    expects_continue_ = false;
    phase_ = phase::head;
    drop_leading_empty_lines();
}

} // namespace corio::http::detail
