// SPDX-License-Identifier: MIT
#include "client_adapters.hpp"

#include <corio/http/response.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>

#include "support/leak_check.hpp"

#include <thread>
#include <utility>

namespace corio_test {

namespace {

// Awaits the response head, then reads the body: what the blocking client does in one call.
corio::task<fetched> whole(corio::task<corio::http::response> pending) {
    corio::http::response r = co_await pending;
    fetched out{r.status(), std::string(r.reason()),   r.version_minor(),
                r.fields(), r.final_url().to_string(), r.history(),
                {}};
    out.body = co_await r.text();
    co_return out;
}

corio::task<> sleep_on_loop(std::chrono::steady_clock::duration duration) {
    co_await corio::sleep_for(duration);
}

fetched from(const corio::http::blocking_response& r) {
    return fetched{r.status(), std::string(r.reason()),   r.version_minor(),
                   r.fields(), r.final_url().to_string(), r.history(),
                   r.text()};
}

} // namespace

// ---- async_client ----

async_client::async_client(corio::http::client_options options)
    : session_(std::in_place, std::move(options)) {}

async_client::~async_client() {
    session_.reset(); // closes its pooled connections: the loop must be clean after that
    expect_loop_is_clean(loop_);
}

fetched async_client::get(std::string_view url, const corio::http::headers& extra) {
    return loop_.run_until_complete(whole(session_->get(url, extra)));
}

fetched async_client::head(std::string_view url, const corio::http::headers& extra) {
    return loop_.run_until_complete(whole(session_->head(url, extra)));
}

fetched async_client::post(std::string_view url, std::string body,
                           const corio::http::headers& extra) {
    return loop_.run_until_complete(whole(session_->post(url, std::move(body), extra)));
}

fetched async_client::request(std::string_view method, std::string_view url,
                              const corio::http::headers& extra, std::string body) {
    return loop_.run_until_complete(
        whole(session_->request(std::string(method), url, extra, std::move(body))));
}

std::size_t async_client::connections_opened() const noexcept {
    return session_->connections_opened();
}

std::size_t async_client::idle_connections() const noexcept {
    return session_->idle_connections();
}

void async_client::close() noexcept {
    session_->close();
}

void async_client::pause(std::chrono::steady_clock::duration duration) {
    loop_.run_until_complete(sleep_on_loop(duration));
}

// ---- blocking_client ----

blocking_client::blocking_client(corio::http::client_options options)
    : session_(std::move(options)) {}

fetched blocking_client::get(std::string_view url, const corio::http::headers& extra) {
    return from(session_.get(url, extra));
}

fetched blocking_client::head(std::string_view url, const corio::http::headers& extra) {
    return from(session_.head(url, extra));
}

fetched blocking_client::post(std::string_view url, std::string body,
                              const corio::http::headers& extra) {
    return from(session_.post(url, std::move(body), extra));
}

fetched blocking_client::request(std::string_view method, std::string_view url,
                                 const corio::http::headers& extra, std::string body) {
    return from(session_.request(method, url, extra, std::move(body)));
}

std::size_t blocking_client::connections_opened() const noexcept {
    return session_.connections_opened();
}

std::size_t blocking_client::idle_connections() const noexcept {
    return session_.idle_connections();
}

void blocking_client::close() noexcept {
    session_.close();
}

void blocking_client::pause(std::chrono::steady_clock::duration duration) {
    std::this_thread::sleep_for(duration);
}

} // namespace corio_test
