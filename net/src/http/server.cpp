// SPDX-License-Identifier: MIT
#include <corio/http/server.hpp>

#include "field_syntax.hpp"
#include "message_parser.hpp"
#include "message_writer.hpp"
#include "request_reader.hpp"
#include "route_table.hpp"
#include "server_response_head.hpp"

#include <corio/net/byte_stream.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/net/tls_stream.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task_group.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

// What stop() needs to know about one live connection.
struct connection_record {
    net::byte_stream* stream = nullptr;
    // Waiting for the next request, or lingering after the last response: closing it now loses
    // nothing, which is what stop() does to such connections.
    bool closable = false;
    // Our side of the connection has been ended (FIN; for TLS, close_notify first).
    bool write_ended = false;
    // The TCP socket under `stream` (the same connection, below TLS): watched for the client
    // leaving while a handler runs.
    net::tcp_stream* transport = nullptr;
    // The client closed or reset the connection while its handler ran; the handler was cancelled.
    bool client_gone = false;
};

// One receive buffer for all the connections of a server, which run on its loop's thread (nginx
// does the same per worker). A connection reads into it only once input is waiting and keeps a
// copy of just the bytes it has not consumed, so an idle connection holds no buffer at all. A
// read that suspends (TLS: a record arriving in pieces) holds the scratch until it completes;
// a connection that finds it taken meanwhile reads into memory of its own, freed right after.
class receive_scratch {
public:
    static constexpr std::size_t size = 16 * 1024;

    class lease {
    public:
        explicit lease(receive_scratch& owner)
            : owner_(owner) {
            if (owner.in_use_) {
                own_ = std::make_unique_for_overwrite<std::byte[]>(size); // not zero-filled
                data_ = own_.get();
                return;
            }
            if (!owner.memory_) {
                owner.memory_ = std::make_unique_for_overwrite<std::byte[]>(size);
            }
            owner.in_use_ = true;
            data_ = owner.memory_.get();
        }
        ~lease() {
            if (!own_) {
                owner_.in_use_ = false;
            }
        }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;

        [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {data_, size}; }

    private:
        receive_scratch& owner_;
        std::unique_ptr<std::byte[]> own_; // only while the shared memory is taken
        std::byte* data_ = nullptr;
    };

private:
    std::unique_ptr<std::byte[]> memory_; // allocated on the first read
    bool in_use_ = false;
};

struct server_state {
    explicit server_state(server_options opts)
        : options(std::move(opts)) {}

    server_options options;
    parse_limits limits;
    route_table routes;
    net::tcp_listener listener;
    std::optional<net::address> bound;
    bool serving = false;
    bool stopping = false;
    // stop(grace): when the connections still running are cancelled; none: they finish.
    std::optional<event_loop::time_point> grace_deadline;
    join_handle<> grace_timer; // armed for grace_deadline while serve() waits for connections
    std::size_t cancelled_at_deadline = 0;
    std::list<connection_record> connections; // stable addresses: each connection points at its own
    std::size_t accepted = 0;
    std::size_t served = 0;
    http_date_cache date;
    std::optional<net::tls_context> tls; // for HTTPS
    receive_scratch scratch;
    task_group group; // the connection tasks
};

} // namespace detail

namespace {

using detail::connection_record;
using detail::request_reader;
using detail::server_state;

constexpr std::size_t receive_size = 16 * 1024;
// Bodies up to this size go out in the same write as the head; bigger ones are not copied.
constexpr std::size_t inline_body_limit = 16 * 1024;
// Lingering close (RFC 9112 §9.6) is bounded in time and bytes: it exists so that the client can
// read our last response, not to swallow an upload we refused.
constexpr event_loop::duration linger_time_limit = std::chrono::seconds(2);
constexpr std::size_t linger_byte_limit = 4 * 1024 * 1024;
// How long a closing TLS connection may take to send its close_notify.
constexpr event_loop::duration close_notify_limit = std::chrono::seconds(1);
// After accept() ran out of descriptors or memory (say): give connections a moment to close.
constexpr event_loop::duration accept_retry_delay = std::chrono::milliseconds(50);
constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";
// A handler still running after this long gets its connection watched for the client leaving.
// Most handlers answer well within it and never pay for a watch (docs/performance.md).
constexpr event_loop::duration disconnect_watch_delay = std::chrono::milliseconds(10);

std::span<const std::byte> as_wire(std::string_view text) noexcept {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

task<server_response> dispatch(server_state& state, server_request& request) {
    const detail::route_match match = state.routes.find(request.method, request.path);
    if (!match.handler) {
        if (!match.path_known) {
            co_return server_response::text(404,
                                            "404 Not Found: no route for " + request.path + "\n");
        }
        server_response refused =
            server_response::text(405, "405 Method Not Allowed: " + request.path +
                                           " does not accept " + request.method + "\n");
        refused.fields.add("Allow", match.allow);
        co_return refused;
    }
    std::string failure;
    try {
        task<server_response> work = (*match.handler)(request);
        co_return co_await work;
    } catch (const cancelled_error&) {
        throw;
    } catch (const std::exception& error) {
        failure = error.what();
    } catch (...) {
        failure = "an exception that is not a std::exception";
    }
    co_return server_response::text(
        500, "500 Internal Server Error: the handler threw: " + failure + "\n");
}

task<> send_response(server_state& state, net::byte_stream& stream, server_response& response,
                     bool head_request, bool close, int version_minor) {
    std::string wire = detail::prepare_response_head(
        response, {state.date.now(), state.options.server_name, close, version_minor});
    const bool send_body =
        !head_request && detail::status_has_body(response.status) && !response.body.empty();
    const bool body_inline = send_body && response.body.size() <= inline_body_limit;
    if (body_inline) {
        wire += response.body;
    }
    const event_loop::time_point until = now() + state.options.write_timeout;
    co_await stream.write_all(as_wire(wire), until);
    if (send_body && !body_inline) {
        co_await stream.write_all(as_wire(response.body), until);
    }
    ++state.served;
}

// RFC 9112 §9.6: closing a socket with unread input makes TCP send a reset, which can destroy
// the response before the client has read it. So: send FIN, then read and discard until the
// client closes too, within bounds.
task<> close_gracefully(server_state& state, net::byte_stream& stream, connection_record& record) {
    record.closable = true;
    record.write_ended = true;
    const event_loop::time_point until =
        now() + std::min<event_loop::duration>(state.options.read_timeout, linger_time_limit);
    std::array<std::byte, 4096> discard{};
    std::size_t discarded = 0;
    try {
        co_await stream.shutdown_write(until); // TLS: close_notify first
        while (discarded < linger_byte_limit) {
            const std::size_t received = co_await stream.read_some(discard, until);
            if (received == 0) {
                break;
            }
            discarded += received;
        }
    } catch (const corio::timeout_error&) {
        // The client kept the connection open: close it anyway.
    }
}

// Answers a request the server refuses, then closes: after a framing error, the next request's
// start cannot be found.
task<> refuse(server_state& state, net::byte_stream& stream, connection_record& record, int status,
              std::string message, bool head_request) {
    server_response response = server_response::text(
        status, std::to_string(status) + " " + std::string(detail::default_reason(status)) + ": " +
                    message + "\n");
    co_await send_response(state, stream, response, head_request, /*close=*/true, 1);
    co_await close_gracefully(state, stream, record);
}

// ---- Cancelling the handler of a client that left (nginx's client-abort check, Go's request
// context) ----
//
// While a handler runs, nothing reads the connection. After disconnect_watch_delay, a watcher
// task waits for input on the TCP socket without consuming it (tcp_stream::wait_for_input):
//  * end of stream or a reset: the client closed its end; the connection task is cancelled, so
//    the handler gets cancelled_error at its next suspension point and nothing is written. A
//    client that only shut down its sending side (half-close) looks the same and is treated the
//    same, as Go does: HTTP/1.1 gives a client no reason to half-close while it waits.
//  * bytes: a pipelined request (or, under TLS, any record, close_notify included) that cannot be
//    told from a departure without reading it; the watch ends for this request. Waiting again
//    would complete at once, forever: a busy loop.
// A request followed by pipelined bytes already read is not watched at all: such a client may
// have half-closed after sending everything, and it is waiting for every answer.
// The watcher owns no part of the connection: when the handler finishes first, it is cancelled
// and told (watch_link::connection = null) to touch nothing, even if its peek already completed.

// Shared by a connection and its watcher, which may outlive the handler (it unwinds later).
struct watch_link {
    corio::detail::task_state* connection = nullptr; // null once the watch has ended
    connection_record* record = nullptr;
};

task<> watch_for_departure(std::shared_ptr<watch_link> link, net::tcp_stream& transport) {
    if (link->connection == nullptr) {
        // The handler finished before this task first ran (on the turn it was spawned): the
        // connection may have closed its stream since, or ended and freed it. Touch nothing.
        co_return;
    }
    bool gone = false;
    try {
        gone = co_await transport.wait_for_input() == 0;
    } catch (const cancelled_error&) {
        co_return; // the handler finished first, or the server shut down
    } catch (const std::system_error&) {
        gone = true; // reset (or the socket closed under us: then link->connection is null)
    }
    if (!gone || link->connection == nullptr) {
        co_return;
    }
    link->record->client_gone = true;
    link->connection->request_cancel();
}

// The calling task's own bookkeeping, without suspending: what the watcher cancels.
struct current_task {
    corio::detail::task_state* state = nullptr;
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <corio::detail::corio_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) noexcept {
        state = &coroutine.promise().this_task();
        return false;
    }
    [[nodiscard]] corio::detail::task_state* await_resume() const noexcept { return state; }
};

// Lives in the connection's frame for as long as one handler runs. Costs a fast handler one
// timer armed and disarmed (no allocation, no system call); a slow one, a watcher task.
class departure_watch : private corio::detail::timer_node {
public:
    departure_watch(server_state& state, connection_record& record,
                    corio::detail::task_state& connection, bool wanted)
        : timer_node(&on_delay_over)
        , state_(state)
        , record_(record)
        , connection_(connection) {
        if (wanted && record.transport != nullptr) {
            event_loop& loop = connection.loop();
            loop.arm_timer(*this, loop.now() + disconnect_watch_delay);
        }
    }
    ~departure_watch() { end(); }
    departure_watch(const departure_watch&) = delete;
    departure_watch& operator=(const departure_watch&) = delete;

    // The handler has finished: stop watching.
    void end() noexcept {
        disarm();
        if (link_) {
            link_->connection = nullptr;
            link_.reset();
            watcher_.cancel();
            watcher_.detach(); // it unwinds on its own, in the server's task group
        }
    }

private:
    static void on_delay_over(timer_node& timer) noexcept {
        auto& self = static_cast<departure_watch&>(timer);
        try {
            self.link_ = std::make_shared<watch_link>(watch_link{&self.connection_, &self.record_});
            self.watcher_ =
                self.state_.group.spawn(watch_for_departure(self.link_, *self.record_.transport));
        } catch (...) {
            self.link_.reset(); // out of memory: this request goes unwatched, nothing worse
        }
    }

    server_state& state_;
    connection_record& record_;
    corio::detail::task_state& connection_;
    std::shared_ptr<watch_link> link_;
    join_handle<> watcher_;
};

enum class read_outcome : unsigned char { complete, refused, timed_out, peer_gone };

// Receives what has arrived into `reader`: 0 at end of stream. Over plain TCP (`plain` set), no
// memory is taken until input is waiting (`input_waiting`: the caller has just seen it); a
// Content-Length body is received in place.
task<std::size_t> receive_more(server_state& state, net::byte_stream& stream,
                               net::tcp_stream* plain, request_reader& reader,
                               event_loop::time_point until, bool input_waiting) {
    if (reader.receives_into_body()) {
        std::size_t received = 0;
        try {
            received = co_await stream.read_some(reader.prepare(receive_size), until);
        } catch (...) {
            reader.commit(0);
            throw;
        }
        reader.commit(received);
        co_return received;
    }
    if (plain != nullptr && !input_waiting && co_await plain->wait_for_input(until) == 0) {
        co_return 0;
    }
    const detail::receive_scratch::lease scratch{state.scratch};
    const std::size_t received = co_await stream.read_some(scratch.bytes(), until);
    reader.receive(scratch.bytes().first(received));
    co_return received;
}

// Reads one request's head and body into `reader`, by `until` at the latest.
task<read_outcome> read_request(server_state& state, net::byte_stream& stream,
                                net::tcp_stream* plain, request_reader& reader,
                                event_loop::time_point until, bool input_waiting) {
    bool continue_owed = false;
    for (;;) {
        const request_reader::step progress = reader.advance();
        if (progress == request_reader::step::head_done) {
            continue_owed = reader.expects_continue();
            continue;
        }
        if (progress == request_reader::step::message_done) {
            co_return read_outcome::complete;
        }
        if (progress == request_reader::step::failed) {
            co_return read_outcome::refused;
        }
        if (continue_owed) {
            // The client may hold the body back until it hears this (RFC 9110 §10.1.1). It is
            // not sent when the body arrived with the head: advance() finished the message.
            continue_owed = false;
            const event_loop::time_point write_until = now() + state.options.write_timeout;
            co_await stream.write_all(as_wire(continue_response), write_until);
        }
        std::size_t received = 0;
        bool timed_out = false;
        try {
            received = co_await receive_more(state, stream, plain, reader, until,
                                             std::exchange(input_waiting, false));
        } catch (const corio::timeout_error&) {
            timed_out = true;
        }
        if (timed_out) {
            co_return read_outcome::timed_out;
        }
        if (received == 0) {
            co_return read_outcome::peer_gone; // closed mid-request: nobody to answer
        }
    }
}

// One request: reads it (starting with what `reader` holds already), runs its handler and
// answers. False when the connection is done. Everything that lives only while a request is
// under way is in this frame, not in the connection's, which is all an idle connection keeps.
task<bool> serve_request(server_state& state, net::byte_stream& stream, net::tcp_stream* plain,
                         connection_record& record, request_reader& reader,
                         const net::address& peer, bool input_waiting) {
    const event_loop::time_point read_until = now() + state.options.read_timeout;
    const read_outcome outcome =
        co_await read_request(state, stream, plain, reader, read_until, input_waiting);
    if (outcome == read_outcome::peer_gone) {
        co_return false;
    }
    if (outcome != read_outcome::complete) {
        const bool head_request = reader.is_head_request();
        int status = 408;
        std::string message = "the request did not arrive within the read timeout";
        if (outcome == read_outcome::refused) {
            status = reader.failure().status;
            message = reader.failure().message;
        }
        co_await refuse(state, stream, record, status, std::move(message), head_request);
        co_return false;
    }
    server_request request;
    reader.take(request);
    request.peer = peer;
    corio::detail::task_state& this_connection = *co_await current_task{};
    // A client that has already pipelined its next request is not watched: it may well have
    // half-closed after sending all of them, and it expects every answer.
    departure_watch watch{state, record, this_connection, !reader.has_buffered_bytes()};
    server_response response = co_await dispatch(state, request);
    watch.end();
    if (record.client_gone) {
        co_return false; // the handler swallowed its cancellation: still nobody to answer
    }
    const bool close = state.stopping ||
                       !detail::keeps_alive(request.version_minor, request.fields) ||
                       response.fields.has_token("Connection", "close");
    co_await send_response(state, stream, response, request.method == "HEAD", close,
                           request.version_minor);
    if (close) {
        co_await close_gracefully(state, stream, record);
        co_return false;
    }
    co_return true;
}

// Lists a connection in server_state::connections for as long as its task runs.
class connection_registration {
public:
    connection_registration(server_state& state, net::byte_stream& stream, bool closable)
        : state_(state)
        , record_(state.connections.insert(state.connections.end(),
                                           connection_record{&stream, closable})) {}
    ~connection_registration() { state_.connections.erase(record_); }
    connection_registration(const connection_registration&) = delete;
    connection_registration& operator=(const connection_registration&) = delete;

    [[nodiscard]] connection_record& record() const noexcept { return *record_; }

private:
    server_state& state_;
    std::list<connection_record>::iterator record_;
};

// The TLS handshake, in a frame of its own: the connection's frame, which lives as long as the
// connection, need not make room for it.
task<std::unique_ptr<net::byte_stream>> secure(server_state& state,
                                               std::unique_ptr<net::byte_stream> stream) {
    const event_loop::time_point until = now() + state.options.handshake_timeout;
    net::tls_stream secured =
        co_await net::tls_stream::accept(std::move(stream), *state.tls, until);
    co_return std::make_unique<net::tls_stream>(std::move(secured));
}

// The state comes by shared_ptr and the socket by value: the task may outlive the server object.
task<> serve_connection(std::shared_ptr<server_state> state, net::tcp_stream socket,
                        net::address peer) {
    try {
        auto plain = std::make_unique<net::tcp_byte_stream>(std::move(socket));
        net::tcp_stream& transport = plain->tcp(); // stays put when TLS takes over `plain`
        std::unique_ptr<net::byte_stream> stream = std::move(plain);
        // Listed (as closable) during the handshake too: stop() need not wait for a client
        // that has not sent a request yet, let alone for one that stalls its handshake.
        const connection_registration registration{*state, *stream, state->tls.has_value()};
        registration.record().transport = &transport;
        if (state->tls) {
            if (state->stopping) {
                co_return; // stop() came before this task first ran: no handshake to wait for
            }
            stream = co_await secure(*state, std::move(stream));
            registration.record().stream = stream.get();
            registration.record().closable = false;
        }
        try {
            // Serves requests until the connection ends. While it waits for the next one, this
            // frame is all it holds: no reader, no buffer, and one frame rather than two (a
            // frame costs a few hundred bytes even when nearly empty). Over plain TCP it waits
            // for input before reading; under TLS, input may wait decrypted inside the TLS
            // stream, where the socket cannot see it, so it reads at once, into the shared
            // scratch buffer (or, if that is taken, memory of its own).
            connection_record& record = registration.record();
            net::tcp_stream* const plain_transport = state->tls ? nullptr : &transport;
            std::unique_ptr<request_reader> reader;
            while (!state->stopping) { // stop(): no new request, not even one already buffered
                bool input_waiting = false;
                if (!reader || !reader->has_buffered_bytes()) {
                    reader.reset(); // idle: no reader, nor what a large head made it grow to
                    bool ended = false;
                    record.closable = true;
                    try {
                        const event_loop::time_point idle_until =
                            now() + state->options.idle_timeout;
                        if (plain_transport != nullptr) {
                            ended = co_await plain_transport->wait_for_input(idle_until) == 0;
                            input_waiting = true;
                        } else {
                            reader = std::make_unique<request_reader>(
                                state->limits, state->options.max_body_bytes);
                            ended = co_await receive_more(*state, *stream, nullptr, *reader,
                                                          idle_until, false) == 0;
                        }
                    } catch (const corio::timeout_error&) {
                        ended = true;
                    }
                    record.closable = false;
                    if (ended || state->stopping) {
                        break;
                    }
                }
                if (!reader) {
                    reader = std::make_unique<request_reader>(state->limits,
                                                              state->options.max_body_bytes);
                }
                if (!co_await serve_request(*state, *stream, plain_transport, record, *reader, peer,
                                            input_waiting)) {
                    break;
                }
            }
        } catch (const cancelled_error&) {
            if (!registration.record().client_gone) {
                throw;
            }
            co_return; // the departure watch cancelled it: an ordinary end for this connection
        }
        if (registration.record().client_gone) {
            co_return; // the handler outlived its cancellation; nothing goes to a client that left
        }
        if (state->tls && stream->is_open() && !registration.record().write_ended) {
            // An idle connection closed, or the client's end: end TLS cleanly too, as nginx
            // does, so that a strict client does not take it for a truncation. Best effort.
            co_await stream->shutdown_write(now() + close_notify_limit);
        }
    } catch (const cancelled_error&) {
        throw;
    } catch (...) {
        // The peer reset or vanished, a write timed out, a TLS handshake failed or stalled, or
        // stop() closed the connection while it was idle: there is nobody left to answer, and
        // the socket closed on the way out. Letting this escape would make the task group cancel
        // every other connection.
    }
}

enum class accept_failure : unsigned char { retry_now, retry_later, fatal };

// accept(2) also reports failures of the one connection being accepted, and passing shortages
// of descriptors or memory; the listener itself is fine after those.
accept_failure classify(const std::error_code& code) {
    using std::errc;
    // Each of these used up the one pending connection it concerns, so retrying cannot spin.
    if (code == errc::connection_aborted || code == errc::connection_reset ||
        code == errc::protocol_error || code == errc::permission_denied) {
        return accept_failure::retry_now;
    }
    // These may last a while: retry after a pause rather than in a tight loop.
    if (code == errc::too_many_files_open || code == errc::too_many_files_open_in_system ||
        code == errc::no_buffer_space || code == errc::not_enough_memory ||
        code == errc::interrupted || code == errc::network_down ||
        code == errc::network_unreachable || code == errc::host_unreachable ||
        code == errc::no_protocol_option || code == errc::operation_not_supported ||
        code == errc::operation_would_block || code == errc::resource_unavailable_try_again) {
        return accept_failure::retry_later;
    }
    return accept_failure::fatal;
}

task<> accept_connections(const std::shared_ptr<server_state>& state) {
    server_state& shared = *state;
    while (!shared.stopping) {
        net::address peer;
        net::tcp_stream socket;
        std::error_code failure;
        try {
            socket = co_await shared.listener.accept(&peer);
        } catch (const std::system_error& error) {
            failure = error.code();
        }
        if (shared.stopping) {
            co_return; // stop() closed the listener under us, or ran while we resumed
        }
        if (failure) {
            const accept_failure kind = classify(failure);
            if (kind == accept_failure::fatal) {
                throw std::system_error(failure, "accept");
            }
            if (kind == accept_failure::retry_later) {
                co_await sleep_for(accept_retry_delay);
            }
            continue;
        }
        ++shared.accepted;
        shared.group.spawn(serve_connection(state, std::move(socket), peer));
    }
}

// Ends everything now: stops accepting and cancels every connection.
void shut_down(server_state& state) noexcept {
    state.stopping = true;
    state.grace_timer.cancel();
    state.grace_timer.detach();
    state.listener.close();
    state.group.cancel();
}

// stop(grace): what is still running when the grace period ends is cancelled.
task<> cancel_connections_at(std::shared_ptr<server_state> state, event_loop::time_point deadline) {
    co_await sleep_until(deadline);
    state->cancelled_at_deadline = state->connections.size();
    state->group.cancel();
}

// (Re)arms the timer for the current grace deadline; a stop() that shortens the period while
// serve() already waits re-arms it.
void arm_grace_timer(const std::shared_ptr<server_state>& state) {
    state->grace_timer.cancel();
    state->grace_timer = spawn(cancel_connections_at(state, *state->grace_deadline));
}

class serving_mark {
public:
    explicit serving_mark(server_state& state) noexcept
        : state_(state) {
        state_.serving = true;
    }
    ~serving_mark() { state_.serving = false; }
    serving_mark(const serving_mark&) = delete;
    serving_mark& operator=(const serving_mark&) = delete;

private:
    server_state& state_;
};

task<> run_server(std::shared_ptr<server_state> state) {
    if (state->serving) {
        throw usage_error("corio::http::server::serve() is already running");
    }
    if (!state->bound && !state->stopping) {
        throw usage_error("corio::http::server::serve() called before listen()");
    }
    const serving_mark mark{*state};
    std::exception_ptr failure;
    try {
        co_await accept_connections(state);
    } catch (...) {
        failure = std::current_exception(); // cancellation, or a listener that failed for good
    }
    if (failure) {
        shut_down(*state);
    }
    // Connections never outlive serve(): after stop() they finish their requests first, or are
    // cancelled when stop()'s grace period ends.
    if (state->grace_deadline && !failure) {
        arm_grace_timer(state);
    }
    co_await state->group.wait();
    state->grace_timer.cancel();
    state->grace_timer.detach(); // it unwinds on its own
    if (failure) {
        std::rethrow_exception(failure);
    }
}

} // namespace

server_response server_response::text(int status, std::string body) {
    server_response response;
    response.status = status;
    response.fields.add("Content-Type", "text/plain; charset=utf-8");
    response.body = std::move(body);
    return response;
}

server::server(server_options options)
    : state_(std::make_shared<detail::server_state>(std::move(options))) {
    const std::string& name = state_->options.server_name;
    if (!detail::is_field_text(name) ||
        (!name.empty() && (detail::is_ows(name.front()) || detail::is_ows(name.back())))) {
        throw std::invalid_argument("server_options::server_name is not a valid header value");
    }
    const request_limits& limits = state_->options.limits;
    state_->limits.max_head_bytes = limits.max_head_bytes;
    state_->limits.max_header_count = limits.max_header_count;
    state_->limits.max_line_bytes = limits.max_line_bytes;
    state_->limits.max_head_line_bytes = limits.max_line_bytes; // the request line too: 414
    state_->limits.max_chunk_extension_bytes = limits.max_chunk_extension_bytes;
    if (const std::optional<net::tls_server_options>& tls = state_->options.tls) {
        net::tls_server_options http_only = *tls;
        http_only.alpn_protocols = {"http/1.1"}; // the one protocol this server speaks
        state_->tls = net::tls_context::server(http_only);
    }
}

server::~server() {
    shut_down(*state_);
}

void server::route(std::string method, std::string path, request_handler handler) {
    state_->routes.add(std::move(method), std::move(path), std::move(handler));
}

void server::listen(const net::address& endpoint, int backlog) {
    if (state_->bound) {
        throw usage_error("corio::http::server::listen() called twice");
    }
    if (state_->stopping) {
        throw usage_error("corio::http::server::listen() called after stop()");
    }
    state_->listener = net::tcp_listener::bind(endpoint, backlog);
    state_->bound = state_->listener.local_address();
}

net::address server::local_address() const {
    if (!state_->bound) {
        throw usage_error("corio::http::server::local_address() called before listen()");
    }
    return *state_->bound;
}

task<> server::serve() {
    return run_server(state_);
}

void server::stop(std::optional<event_loop::duration> grace) {
    server_state& state = *state_;
    if (grace) {
        // A second stop() may shorten the grace period, never lengthen it.
        const event_loop::time_point deadline = now() + std::max(*grace, event_loop::duration{});
        if (!state.grace_deadline || deadline < *state.grace_deadline) {
            state.grace_deadline = deadline;
            if (state.stopping && state.serving) {
                arm_grace_timer(state_); // serve() is already waiting for the connections
            }
        }
    }
    if (state.stopping) {
        return;
    }
    state.stopping = true;
    state.listener.close(); // a pending accept fails with operation_canceled
    for (connection_record& connection : state.connections) {
        if (connection.closable) {
            connection.stream->close(); // its pending read fails: the task ends
        }
    }
}

std::size_t server::connections_accepted() const noexcept {
    return state_->accepted;
}

std::size_t server::requests_served() const noexcept {
    return state_->served;
}

std::size_t server::connections_cancelled_after_grace() const noexcept {
    return state_->cancelled_at_deadline;
}

std::size_t server::open_connections() const noexcept {
    return state_->connections.size();
}

} // namespace corio::http
