// SPDX-License-Identifier: MIT
#include <corio/http/response.hpp>

#include <corio/http/error.hpp>

#include "client_exchange.hpp"

#include <span>
#include <utility>

namespace corio::http {

response::response(int status, std::string reason, int version_minor, headers fields,
                   std::shared_ptr<const url> final_url, std::vector<std::string> history,
                   std::unique_ptr<detail::client_exchange> body)
    : status_(status)
    , reason_(std::move(reason))
    , version_minor_(version_minor)
    , fields_(std::move(fields))
    , final_url_(std::move(final_url))
    , history_(std::move(history))
    , body_(std::move(body)) {}

// The URL is shared, not moved: a moved-from response still has one, as it had when the URL
// was a plain member, so final_url() and the usage errors that name it never see null.
response::response(response&& other) noexcept
    : status_(other.status_)
    , reason_(std::move(other.reason_))
    , version_minor_(other.version_minor_)
    , fields_(std::move(other.fields_))
    , final_url_(other.final_url_)
    , history_(std::move(other.history_))
    , body_(std::move(other.body_))
    , body_claimed_(other.body_claimed_) {}

response& response::operator=(response&& other) noexcept {
    if (this != &other) {
        status_ = other.status_;
        reason_ = std::move(other.reason_);
        version_minor_ = other.version_minor_;
        fields_ = std::move(other.fields_);
        final_url_ = other.final_url_;
        history_ = std::move(other.history_);
        body_ = std::move(other.body_);
        body_claimed_ = other.body_claimed_;
    }
    return *this;
}

response::~response() = default;

void response::claim_whole_body(std::string_view caller) {
    if (body_claimed_) {
        throw error(error_kind::usage, final_url_->to_string(),
                    std::string(caller) +
                        " called after the body was already read (read it once, with text(), "
                        "bytes() or next_chunk())");
    }
    body_claimed_ = true;
}

task<std::string> response::text() {
    claim_whole_body("text()");
    std::string all;
    if (body_) {
        all.reserve(body_->body_size_hint());
        while (const std::optional<std::string_view> piece = co_await body_->next_piece()) {
            all.append(*piece);
        }
        body_.reset();
    }
    co_return all;
}

task<std::vector<std::byte>> response::bytes() {
    claim_whole_body("bytes()");
    std::vector<std::byte> all;
    if (body_) {
        all.reserve(body_->body_size_hint());
        while (const std::optional<std::string_view> piece = co_await body_->next_piece()) {
            const std::span<const std::byte> data = std::as_bytes(std::span(*piece));
            all.insert(all.end(), data.begin(), data.end());
        }
        body_.reset();
    }
    co_return all;
}

task<std::optional<std::string>> response::next_chunk() {
    body_claimed_ = true;
    if (!body_) {
        co_return std::nullopt;
    }
    const std::optional<std::string_view> piece = co_await body_->next_piece();
    if (!piece) {
        body_.reset();
        co_return std::nullopt;
    }
    co_return std::string(*piece);
}

task<> response::discard() {
    if (body_ && !body_->failed()) {
        body_->skip_decoding(); // dropped anyway: no inflating
        // Not `while (co_await ...)`: g++ 12 miscompiles an await as a plain loop condition.
        while (const std::optional<std::string_view> piece = co_await body_->next_piece()) {
        }
    }
    body_.reset();
}

} // namespace corio::http
