// SPDX-License-Identifier: MIT
// Every example in a public header's opening comment, compiled: the lines are copied here as
// they stand in the header (check_comment_examples.cmake fails the tests when one is not), inside
// just enough context to compile. Names an example leaves to the reader (fetch(), compute(),
// buffer, ...) are declared first. Nothing here runs: compiling against the real API is the test.
// clang-format off: the lines below match the headers' comments, as they are written there.
#include <corio/corio.hpp>
#include <corio/http.hpp>
#include <corio/net.hpp>
#include <corio/runtime.hpp>

#include <array>
#include <csignal>
#include <fstream>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace comment_examples {

// What the examples leave to the reader.
corio::task<int> compute() { co_return 42; }
corio::task<int> compute(corio::oneshot_sender<int> sender) { sender.send(42); co_return 42; }
corio::task<int> fetch(int what) { co_return what; }
corio::task<> fetch(const std::string& /*url*/) { co_return; }
corio::task<> other_work() { co_return; }
corio::task<> work() { co_return; }
corio::task<> main_task() { co_return; }
corio::task<> update(int& state) { ++state; co_return; }
corio::task<int> step_one() { co_return 1; }
corio::task<int> step_two(int previous) { co_return previous + 1; }
corio::task<corio::http::server_response> hello(corio::http::server_request& /*request*/) {
    co_return corio::http::server_response::text(200, "hello\n");
}
std::string read_whole_file(std::string path) { return path; }
void process(int /*item*/) {}
void report() {}
void handle(int /*item*/) {}
void use(int /*value*/) {}
void first() {}
void second() {}
struct image {};
int encode(const image& /*picture*/) { return 0; }

// <corio/corio.hpp>, <corio/runtime.hpp>: main() in a namespace, as these must not be the
// program's, and so without the real main()'s implicit `return 0`.
namespace umbrellas {
corio::task<> main_task() { co_await corio::sleep_for(10ms); }
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wreturn-type"
#elif defined(_MSC_VER)
#pragma warning(push)
#pragma warning(disable : 4716)
#endif
int main() { corio::run(main_task()); }
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#pragma warning(pop)
#endif
} // namespace umbrellas

// <corio/runtime/version.hpp>
static_assert(CORIO_VERSION >= 100, "needs corio 0.1 or later");

// <corio/runtime/error.hpp>
class my_timeout : public corio::timeout_error {
public:
    explicit my_timeout(const std::string& what) : std::runtime_error(what) {}
};

// <corio/runtime/task.hpp>
corio::task<int> answer() { co_await corio::sleep_for(10ms); co_return 42; }

// <corio/runtime/generator.hpp>
corio::generator<int> count_to(int n) { for (int i = 1; i <= n; ++i) co_yield i; }
corio::generator<> steps() { first(); co_yield {}; second(); } // a bare `yield`: pause
void tracing() { // <corio/runtime/trace.hpp>, <corio/runtime/trace_export.hpp>
    corio::loop_options options;
    options.trace = true;
    corio::event_loop loop{options};
    loop.run_until_complete(main_task());
    std::ofstream{"run.json"} << corio::chrome_trace_json(*loop.trace());   // trace_export.hpp
    std::ofstream{"step4.svg"} << corio::timeline_svg(*loop.trace());
}

void choosing_a_backend() { // <corio/runtime/io_backend.hpp>
    corio::loop_options options;
    options.backend = corio::io_backend::epoll;
    corio::event_loop loop{options};
    std::cout << loop.backend_name() << "\n"; // "epoll"
}

void generators() {
    for (int i : count_to(3)) std::cout << i;      // 1 2 3
    corio::generator<> g = steps();
    while (g.next()) { }                           // Python's next(g); false = StopIteration
}

corio::task<> runtime_examples(corio::native_handle_t fd, std::span<std::byte> buffer,
                               std::vector<int> big_batch, std::string path,
                               std::unique_ptr<image> img) {
    { // <corio/runtime/signal.hpp>
        corio::signal_set stop{SIGINT, SIGTERM};
        int which = co_await stop.wait();        // parks until one of them arrives
        (void)which;
    }
    {
        int which = co_await corio::signal(SIGINT, SIGTERM);   // the one-shot form
        (void)which;
    }
    { // <corio/runtime/io_object.hpp>
        corio::io_object pipe_end{fd};                          // takes ownership of fd
        std::size_t n = co_await pipe_end.read_some(buffer);    // 0 means end of stream
        (void)n;
    }
    // <corio/runtime/yield.hpp>
    for (auto& item : big_batch) { process(item); co_await corio::yield_now(); }
    { // <corio/runtime/join_handle.hpp>
        corio::join_handle<int> handle = corio::spawn(compute());
        co_await other_work();                // compute() runs concurrently from here on
        int value = co_await handle;          // wait for it; its exception is rethrown here
        (void)value;
    }
    { // <corio/runtime/wait_for.hpp>
        auto listener = corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0));
        corio::net::buffered_stream conn{co_await listener.accept()};
        auto line = co_await corio::wait_for(conn.read_line(1024), 5s); // or timeout_error
        (void)line;
        const auto deadline = corio::now() + 5s;
        auto a = co_await corio::wait_until(step_one(), deadline);
        auto b = co_await corio::wait_until(step_two(a), deadline);
        (void)b;
    }
    { // <corio/runtime/run_blocking.hpp>
        std::string text = co_await corio::run_blocking([&] { return read_whole_file(path); });
        std::string same = co_await corio::run_blocking(read_whole_file, path); // copies path
        co_await corio::run_blocking([](std::unique_ptr<image> owned) { return encode(*owned); },
                                     std::move(img));
        (void)text, (void)same;
    }
    { // <corio/runtime/file.hpp>
        corio::file log = co_await corio::file::open("app.log", corio::open_options::append_to());
        co_await log.write("started\n");
        corio::file data = co_await corio::file::open("data.bin");
        std::size_t n = co_await data.read_at(4096, buffer);          // 0 at the end of the file
        (void)n;
    }
    // <corio/runtime/sleep.hpp>
    co_await corio::sleep_for(250ms);     // asyncio.sleep(0.25)
    co_await corio::sleep_until(corio::now() + 1s);
    { // <corio/runtime/stopwatch.hpp>
        corio::stopwatch timer{"Task One elapsed time: {:.1f}"};
        timer.start();
        co_await corio::sleep_for(15s);
        timer.stop();                                  // prints "Task One elapsed time: 15.0"

        {                                              // like `with Timer(...):`
            corio::stopwatch::scope total{"\nTotal elapsed time: {:.1f}"};
            co_await work();
        }                                              // prints the total here
    }
}

// <corio/runtime/gather.hpp>
corio::task<> gather_example(int x, int y, std::vector<corio::task<int>> list) {
    auto [a, b] = co_await corio::gather(fetch(x), fetch(y));     // tuple, in argument order
    std::vector<int> all = co_await corio::gather(std::move(list)); // a range: vector
    (void)a, (void)b, (void)all;
}

// <corio/runtime/task_group.hpp>
corio::task<> task_group_example(int a, int b) {
    corio::task_group group;
    group.spawn(fetch(a));
    group.spawn(fetch(b));
    co_await group.wait();   // joins both; rethrows the first failure
}

// <corio/runtime/when_any.hpp>
corio::task<> when_any_example(int mirror_a, int mirror_b) {
    auto first = co_await corio::when_any(fetch(mirror_a), fetch(mirror_b));
    if (first.index == 0) use(std::get<0>(first.value));
}

// <corio/runtime/interval.hpp>
corio::task<> interval_example() {
    corio::interval every_second{1s};
    for (;;) {
        co_await every_second.tick();   // at start+1s, start+2s, start+3s, ...
        report();
    }
}

// <corio/runtime/join_set.hpp>
struct page {};
corio::task<page> fetch_page(const std::string& /*url*/) { co_return page{}; }
void show(const page& /*fetched*/) {}
namespace join_set_example {
corio::task<page> fetch(const std::string& url) { return fetch_page(url); }
corio::task<> example(const std::vector<std::string>& urls) {
    corio::join_set<page> fetches;
    for (const std::string& url : urls) {
        fetches.spawn(fetch(url));
    }
    while (auto done = co_await fetches.next()) {   // the first to finish comes first
        show(done->result());                       // its value, or its exception rethrown
    }
}
} // namespace join_set_example

corio::task<> sync_examples(std::string url, int shared, std::vector<int> jobs) {
    { // <corio/runtime/sync/semaphore.hpp>
        corio::semaphore slots{4};                    // at most 4 tasks inside at once
        {
            auto permit = co_await slots.scoped_acquire();
            co_await fetch(url);
        }                                            // the permit goes back here
    }
    { // <corio/runtime/sync/event.hpp>
        corio::event ready;
        co_await ready.wait();   // in one task: parks until the flag is set
        ready.set();             // in another: wakes every waiter, in the order they came
    }
    { // <corio/runtime/sync/mutex.hpp>
        corio::mutex lock;
        {
            corio::mutex::guard held = co_await lock.scoped_lock(); // parks while another has it
            co_await update(shared);          // others stay out, even while this task is parked
        }                                     // released by the guard
    }
    { // <corio/runtime/sync/condition_variable.hpp>
        corio::mutex lock;
        corio::condition_variable ready;
        auto held = co_await lock.scoped_lock();
        co_await ready.wait(held, [&] { return !jobs.empty(); });  // unlocks while parked
        handle(jobs.front());   // jobs is not empty, and the lock is held again, here
    }
    { // <corio/runtime/sync/queue.hpp>
        corio::queue<int> work{10};          // maxsize 10; 0 (the default) means unbounded
        co_await work.put(15);               // waits while the queue is full
        int item = co_await work.get();      // waits while it is empty
        work.task_done();                    // and co_await work.join() waits for all of them
        (void)item;
        try { for (;;) handle(co_await work.get()); } catch (const corio::queue_closed&) {}
    }
    { // <corio/runtime/sync/oneshot.hpp>
        auto [sender, receiver] = corio::make_oneshot<int>();
        corio::spawn(compute(std::move(sender))).detach(); // compute() calls sender.send(42)
        int answer = co_await receiver.receive();    // parks until it has
        (void)answer;
    }
}

// <corio/net/udp_socket.hpp>
corio::task<> udp_example(corio::net::address server_address, std::span<const std::byte> bytes,
                          corio::event_loop::time_point deadline) {
    auto server = corio::net::udp_socket::bind(corio::net::address::loopback_v4(9000));
    std::array<std::byte, 1500> buffer;
    auto got = co_await server.receive_from(buffer);        // got.size, got.truncated, got.sender
    co_await server.send_to(std::span(buffer).first(got.size), got.sender);

    auto client = corio::net::udp_socket::bind(corio::net::address::loopback_v4(0));
    client.connect(server_address);                         // fixes the peer; sends nothing
    co_await client.send(bytes);
    auto reply = co_await client.receive(buffer, deadline);
    (void)reply;
}

corio::task<> net_examples(std::span<const std::byte> request_bytes, std::span<std::byte> buffer) {
    { // <corio/net.hpp>, <corio/net/tcp_stream.hpp>
        auto stream = co_await corio::net::tcp_stream::connect("example.com", 80, 5s);
        co_await stream.write_all(request_bytes);
        std::size_t n = co_await stream.read_some(buffer);   // 0: the peer closed its side
        (void)n;
    }
    { // <corio/net/address.hpp>
        auto a = corio::net::address::parse("127.0.0.1:8080");   // std::optional<address>
        auto b = corio::net::address::parse("[::1]:443");
        std::cout << a->to_string();                              // "127.0.0.1:8080"
        (void)b;
    }
    { // <corio/net/address.hpp>: Unix domain
        auto c = corio::net::address::unix_path("/run/app.sock"); // a socket file
        auto d = corio::net::address::unix_abstract("app");       // Linux: no file, "@app"
        (void)c, (void)d;
    }
    { // <corio/net/unix_stream.hpp>
        using corio::net::address;
        auto stream = co_await corio::net::unix_stream::connect(address::unix_path("/run/app.sock"));
        co_await stream.write_all("status\n");
        std::size_t n = co_await stream.read_some(buffer);       // 0: the peer closed its side
        corio::net::buffered_stream text{corio::net::unix_byte_stream{std::move(stream)}};
        (void)n;
    }
    { // <corio/net/unix_listener.hpp>
        using corio::net::address;
        auto listener = corio::net::unix_listener::bind(address::unix_path("/tmp/app.sock"));
        corio::net::unix_stream client = co_await listener.accept();
        (void)client;
    }
    { // <corio/net/resolver.hpp>
        std::vector<corio::net::address> all = co_await corio::net::resolve("example.com", 80);
        corio::net::resolve_options v4_within_2s{.family = corio::net::address_family::ipv4,
                                                 .timeout = 2s};   // named: see README on g++ 12
        auto v4 = co_await corio::net::resolve("example.com", 80, v4_within_2s);
        (void)all, (void)v4;
    }
    { // <corio/net/socket_options.hpp>
        auto stream = co_await corio::net::tcp_stream::connect("example.com", 80, 5s);
        corio::net::address where = corio::net::address::loopback_v4(0);
        stream.set_keep_alive({.idle = 60s, .interval = 10s, .probes = 5});
        stream.set_linger(0s);                  // close() resets the connection (RST, no FIN)
        auto listener = corio::net::tcp_listener::bind(where, {.reuse_port = true});
        (void)listener;
    }
    { // <corio/net/tcp_listener.hpp>, <corio/net/buffered_stream.hpp>
        auto listener = corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0));
        std::uint16_t port = listener.local_address().port();   // the ephemeral port chosen
        corio::net::tcp_stream client = co_await listener.accept();
        (void)port, (void)client;

        corio::net::buffered_stream conn{co_await listener.accept()}; // takes the tcp_stream
        while (std::optional<std::string> line = co_await conn.read_line(1024)) { // nullopt: EOF
            co_await conn.write_all(*line);  // into the buffer; a read from the socket flushes it
            co_await conn.write_all("\n");
        }
        co_await conn.close();               // flushes, sends end of stream, closes
    }
    { // <corio/net/tls_context.hpp>
        auto client = corio::net::tls_context::client();            // the system's trusted CAs
        auto server = corio::net::tls_context::server(
            corio::net::tls_server_options::from_files("chain.pem", "key.pem"));
        (void)client, (void)server;
    }
    { // <corio/net/tls_stream.hpp>
        auto context = corio::net::tls_context::client();
        corio::net::tls_stream tls = co_await corio::net::tls_stream::connect("example.com", 443,
                                                                               context, 10s);
        co_await tls.write_all("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    }
}

corio::task<> process_examples() {
    { // <corio/net/process.hpp>
        using corio::net::stdio;
        corio::net::child_process child = corio::net::spawn_process(
            {.program = "cat", .stdin_mode = stdio::pipe, .stdout_mode = stdio::pipe});
        co_await child.stdin_pipe().write_all("hello\n");
        co_await child.stdin_pipe().shutdown_write();            // cat sees the end of its input
        corio::net::buffered_reader out{child.stdout_pipe()};    // read_line() etc. work on it
        std::optional<std::string> line = co_await out.read_line(1024); // "hello"
        corio::net::exit_status status = co_await child.wait();  // to_string(): "exited with code 0"
        (void)line, (void)status;

        corio::net::process_options git{.program = "git", .args = {"status"}};
        corio::net::process_output result = co_await corio::net::run_process(git);
        // result.status, result.out, result.err (each stream up to a limit, 1 MiB by default)
        (void)result;
    }
}

corio::task<> http_examples(std::string url) {
    { // <corio/http/client.hpp>
        corio::http::client_session session;
        corio::http::response r = co_await session.get("http://example.com/"); // head arrived
        std::string page = co_await r.text();                                  // then the body
    }
    { // <corio/http/response.hpp>
        corio::http::client_session session;
        std::string page;
        corio::http::response r = co_await session.get(url);
        if (r.status() == 200) page = co_await r.text(); // or next_chunk(), bytes(), discard()
    }
    { // <corio/http/client_options.hpp>
        corio::http::client_options options;
        options.timeouts.total = std::chrono::seconds(10);
        options.tls.ca_file = "ca.pem";            // trust one more CA for https://
        corio::http::client_session session{options};
    }
    { // <corio/http/server.hpp>
        corio::http::server app;
        app.route("GET", "/hello", hello);   // hello: task<server_response>(server_request&)
        app.listen(corio::net::address::loopback_v4(8080));
        co_await app.serve();                // until app.stop()
        corio::http::server_options options;
        options.tls = corio::net::tls_server_options::from_files("chain.pem", "key.pem");
    }
}

void blocking_examples() {
    { // <corio/http.hpp>
        corio::http::blocking_session session;
        std::cout << session.get("https://example.com/").text();
    }
    { // <corio/http/blocking_client.hpp>
        corio::http::blocking_session session;
        corio::http::blocking_response r = session.get("http://example.com/"); // blocks
        std::cout << r.status() << " " << r.text().size() << " bytes\n";     // body already read
    }
}

} // namespace comment_examples
