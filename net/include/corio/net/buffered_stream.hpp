// SPDX-License-Identifier: MIT
// buffered_stream.hpp - lines, delimited records and exact sizes over any byte_stream (TCP or
// TLS), with buffered writes: asyncio's StreamReader and StreamWriter.
//
//     corio::net::buffered_stream conn{co_await listener.accept()}; // takes the tcp_stream
//     while (std::optional<std::string> line = co_await conn.read_line(1024)) { // nullopt: EOF
//         co_await conn.write_all(*line);  // into the buffer; a read from the socket flushes it
//         co_await conn.write_all("\n");
//     }
//     co_await conn.close();               // flushes, sends end of stream, closes
//
// One type to reach for: buffered_stream owns the connection (a tcp_stream, a tls_stream or any
// byte_stream) and reads and writes through a buffer each way. (asyncio hands out a reader and a
// writer over one transport; in C++ a pair of objects sharing a socket would leave the program to
// keep the socket alive and close it once, so one object owns it.) It is made of two halves that
// are also usable alone, on a byte_stream the program keeps elsewhere (`buffered_reader in{tls};`):
// buffered_reader only reads and buffered_writer only writes, so a task may read while another
// writes. They work on a byte_stream, not on a tcp_stream, so that TCP and TLS read alike; a
// tcp_stream becomes one by moving it into a buffered_stream (or a tcp_byte_stream).
//
// Reading. Every read gathers bytes in the reader's buffer and takes them out only when it
// succeeds, so what a read fetched past its end (the next line, say) is there for the next call,
// and a read that fails, times out or is cancelled leaves all it fetched buffered(): the next
// read starts from the same bytes. Every read that searches takes a limit, so a peer cannot make
// it buffer without end:
//   read_until(d, limit)  the bytes up to and including the delimiter d. limit bounds the bytes
//                         before it (as asyncio's readuntil does): more than limit bytes without
//                         d throws limit_overrun_error, which says how many are buffered and
//                         consumes nothing (the stream stays as it was: the program may close
//                         the connection, consume() the bytes, or read again with a larger
//                         limit). The buffer never holds more than limit + d.size() plus one
//                         read's worth (read_size) of bytes.
//   read_line(limit)      read_until("\n", limit) without the line end ("\n" or "\r\n"), or
//                         nullopt when the stream ends where a line would begin.
//   read_exact(n)         exactly n bytes.
//   read_to_end(limit)    everything until the peer ends the stream, at most limit bytes.
// A stream that ends before a read is complete (before the delimiter, before n bytes, in the
// middle of a line) throws incomplete_read_error carrying the bytes it did get, which are then
// consumed: the stream is at its end. read_some() and fill() are the plain reads; buffered()
// shows what is buffered and consume() drops some of it.
//
// Writing. write_all() appends small writes to the writer's buffer and writes it out once it
// holds flush_threshold bytes or more (a write of flush_threshold bytes or more goes out
// directly, after what was buffered); flush() writes the buffer out now, close() flushes and
// then ends the stream's write side (shutdown_write: TCP FIN, TLS close_notify). A write that
// fails, times out or is cancelled drops what the buffer held: some of it may have reached the
// peer, and the exception says the output is incomplete.
// Unflushed data is never lost silently: destroying a writer that still holds bytes (without an
// exception unwinding through it, which already tells of the failure) is a bug that the writer
// reports as a corio::usage_error to the loop's unhandled-exception handler (by default a line on
// stderr: "... destroyed with 6 bytes unflushed ..."); the bytes are dropped, since a destructor
// cannot wait for a write. discard() drops them on purpose.
// buffered_stream ties its halves, as std::cin is tied to std::cout: a read that needs more bytes
// from the stream (one the buffer cannot serve) first flushes what the writer holds, so a
// request/response exchange cannot stall on a forgotten flush(). buffered_reader::tie() does the
// same for halves used alone.
//
// Every read and write takes a deadline (corio::timeout_error once it passes, as everywhere in
// net/) and is cancellable; both leave the buffers as described above. Not thread-safe: use a
// stream from tasks of the loop that created it, one read and one write at a time (a second
// concurrent read, or write, throws usage_error).
#pragma once

#include <corio/net/byte_stream.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task.hpp>

#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::net {

// A read found no delimiter within its limit, or read_to_end() more than its limit (asyncio's
// LimitOverrunError). Nothing was consumed: the reader still holds buffered() bytes.
class limit_overrun_error : public std::runtime_error {
public:
    limit_overrun_error(const std::string& what, std::size_t buffered, std::size_t limit)
        : std::runtime_error(what)
        , buffered_(buffered)
        , limit_(limit) {}

    // How many bytes the reader held when it gave up (more than limit()).
    [[nodiscard]] std::size_t buffered() const noexcept { return buffered_; }
    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

private:
    std::size_t buffered_;
    std::size_t limit_;
};

// The stream ended before a read was complete (asyncio's IncompleteReadError). partial() holds
// the bytes it got, which the reader no longer holds: it is at the end of the stream.
class incomplete_read_error : public std::runtime_error {
public:
    incomplete_read_error(const std::string& what, std::string partial,
                          std::optional<std::size_t> expected)
        : std::runtime_error(what)
        , partial_(std::make_shared<const std::string>(std::move(partial)))
        , expected_(expected) {}

    [[nodiscard]] const std::string& partial() const noexcept { return *partial_; }
    // read_exact()'s size; nullopt for a read up to a delimiter.
    [[nodiscard]] std::optional<std::size_t> expected() const noexcept { return expected_; }

private:
    std::shared_ptr<const std::string> partial_; // shared: copying an exception must not throw
    std::optional<std::size_t> expected_;
};

class buffered_writer;

class buffered_reader {
public:
    static constexpr std::size_t default_read_size = 8 * 1024;

    // Reads from `stream`, which must outlive the reader, at most `read_size` bytes at a time.
    explicit buffered_reader(byte_stream& stream, std::size_t read_size = default_read_size);
    buffered_reader(buffered_reader&& other) noexcept;
    buffered_reader& operator=(buffered_reader&& other) noexcept;
    buffered_reader(const buffered_reader&) = delete;
    buffered_reader& operator=(const buffered_reader&) = delete;
    ~buffered_reader();

    // The bytes up to and including `delimiter` (not empty), which at most `limit` bytes may
    // precede; limit_overrun_error past that, incomplete_read_error if the stream ends first.
    task<std::string> read_until(std::string delimiter, std::size_t limit, deadline until = {});
    // The next line without its "\n" or "\r\n" (at most `limit` bytes before the "\n"), or
    // nullopt once the stream has ended and nothing is buffered. A stream that ends in the middle
    // of a line throws incomplete_read_error with the line's bytes.
    task<std::optional<std::string>> read_line(std::size_t limit, deadline until = {});
    // Exactly `size` bytes; incomplete_read_error (expected() == size) if the stream ends first.
    task<std::string> read_exact(std::size_t size, deadline until = {});
    // Everything up to the end of the stream; limit_overrun_error once more than `limit` bytes
    // have arrived.
    task<std::string> read_to_end(std::size_t limit, deadline until = {});
    // What is buffered (up to buffer.size() bytes), or else one read from the stream; 0 at its end.
    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until = {});
    // Reads once from the stream into the buffer: the number of bytes added, 0 at the end.
    task<std::size_t> fill(deadline until = {});

    // The bytes read from the stream and not taken yet; valid until the next read or consume().
    [[nodiscard]] std::string_view buffered() const noexcept {
        return {data_.get() + begin_, end_ - begin_};
    }
    // Drops the first `size` bytes of buffered() (all of them if it holds fewer).
    void consume(std::size_t size) noexcept;
    // The stream has ended and every byte of it was taken.
    [[nodiscard]] bool at_eof() const noexcept { return eof_ && begin_ == end_; }

    // Before reading from the stream, flush `writer` if it holds anything (and is not already
    // writing): a program never waits for an answer to a request still in its own buffer. nullptr
    // unties.
    void tie(buffered_writer* writer) noexcept { tied_ = writer; }
    [[nodiscard]] buffered_writer* tied() const noexcept { return tied_; }

    [[nodiscard]] byte_stream& stream() const noexcept { return *stream_; }
    [[nodiscard]] std::size_t read_size() const noexcept { return read_size_; }

private:
    class busy_scope;

    // Reads once into the buffer (at least read_size bytes of room); 0 at the end of the stream.
    task<std::size_t> fill_once(std::size_t at_least, deadline until);
    // The length of the next record through `delimiter`, or nullopt if the stream ended first.
    task<std::optional<std::size_t>> find_delimiter(std::string_view delimiter, std::size_t limit,
                                                    deadline until);
    std::string take(std::size_t size);
    [[noreturn]] void throw_incomplete(std::string_view what_was_read,
                                       std::optional<std::size_t> expected);
    std::span<std::byte> prepare(std::size_t size);

    byte_stream* stream_;
    buffered_writer* tied_ = nullptr;
    std::size_t read_size_;
    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0; // first unread byte
    std::size_t end_ = 0;   // one past the last byte read
    bool eof_ = false;
    bool busy_ = false;
};

class buffered_writer {
public:
    static constexpr std::size_t default_flush_threshold = 8 * 1024;

    // Writes to `stream`, which must outlive the writer, once `flush_threshold` bytes are
    // buffered (0: every write goes out at once).
    explicit buffered_writer(byte_stream& stream,
                             std::size_t flush_threshold = default_flush_threshold);
    buffered_writer(buffered_writer&& other) noexcept;
    // Reports the bytes this writer held, as the destructor does.
    buffered_writer& operator=(buffered_writer&& other) noexcept;
    buffered_writer(const buffered_writer&) = delete;
    buffered_writer& operator=(const buffered_writer&) = delete;
    // Holding unflushed bytes, reports them as lost (see the top of this file).
    ~buffered_writer();

    // Buffers `data`, writing the buffer out once it reaches the threshold. `data` must stay
    // valid until the returned task is awaited (as for byte_stream::write_all).
    task<> write_all(std::span<const std::byte> data, deadline until = {});
    task<> write_all(std::string_view text, deadline until = {}) {
        return write_all(std::as_bytes(std::span<const char>(text.data(), text.size())), until);
    }
    // Writes out what is buffered.
    task<> flush(deadline until = {});
    // Flushes, then ends the stream's write side (shutdown_write); later writes throw
    // usage_error. Reading from the stream still works. Closing twice does nothing.
    task<> close(deadline until = {});
    // Drops what is buffered, unwritten.
    void discard() noexcept { buffer_.clear(); }

    [[nodiscard]] std::span<const std::byte> buffered() const noexcept { return buffer_; }
    [[nodiscard]] std::size_t buffered_size() const noexcept { return buffer_.size(); }
    [[nodiscard]] std::size_t flush_threshold() const noexcept { return threshold_; }
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    // A write, flush or close is under way.
    [[nodiscard]] bool busy() const noexcept { return busy_; }
    [[nodiscard]] byte_stream& stream() const noexcept { return *stream_; }

private:
    class busy_scope;

    task<> write_buffer(deadline until);
    void report_unflushed() noexcept;

    byte_stream* stream_;
    std::size_t threshold_;
    std::vector<std::byte> buffer_;
    bool closed_ = false;
    bool busy_ = false;
};

// Buffer sizes for a buffered_stream.
struct buffered_options {
    std::size_t read_size = buffered_reader::default_read_size;
    std::size_t flush_threshold = buffered_writer::default_flush_threshold;
};

class buffered_stream {
public:
    // Takes over a TCP connection, ...
    explicit buffered_stream(tcp_stream stream, buffered_options options = {});
    // ... any byte_stream by value (a tls_stream, say; an rvalue: an lvalue makes Stream a
    // reference, which derives from nothing) ...
    template <std::derived_from<byte_stream> Stream>
    explicit buffered_stream(Stream&& stream, buffered_options options = {})
        : buffered_stream(std::unique_ptr<byte_stream>(std::make_unique<Stream>(std::move(stream))),
                          options) {}
    // ... or one already on the heap (not null).
    explicit buffered_stream(std::unique_ptr<byte_stream> stream, buffered_options options = {});
    buffered_stream(buffered_stream&& other) noexcept;
    buffered_stream& operator=(buffered_stream&& other) noexcept;
    buffered_stream(const buffered_stream&) = delete;
    buffered_stream& operator=(const buffered_stream&) = delete;
    ~buffered_stream();

    // Reading: see buffered_reader.
    task<std::optional<std::string>> read_line(std::size_t limit, deadline until = {}) {
        return reader_.read_line(limit, until);
    }
    task<std::string> read_until(std::string delimiter, std::size_t limit, deadline until = {}) {
        return reader_.read_until(std::move(delimiter), limit, until);
    }
    task<std::string> read_exact(std::size_t size, deadline until = {}) {
        return reader_.read_exact(size, until);
    }
    task<std::string> read_to_end(std::size_t limit, deadline until = {}) {
        return reader_.read_to_end(limit, until);
    }
    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until = {}) {
        return reader_.read_some(buffer, until);
    }

    // Writing: see buffered_writer.
    task<> write_all(std::span<const std::byte> data, deadline until = {}) {
        return writer_.write_all(data, until);
    }
    task<> write_all(std::string_view text, deadline until = {}) {
        return writer_.write_all(text, until);
    }
    task<> flush(deadline until = {}) { return writer_.flush(until); }
    // Flushes, ends the write side (TCP FIN, TLS close_notify), then closes the connection. If
    // the peer may still be sending, read to the end first: a socket closed with unread input
    // may be reset, losing what was sent last.
    task<> close(deadline until = {});

    [[nodiscard]] buffered_reader& reader() noexcept { return reader_; }
    [[nodiscard]] buffered_writer& writer() noexcept { return writer_; }
    [[nodiscard]] byte_stream& stream() const noexcept { return *stream_; }

private:
    std::unique_ptr<byte_stream> stream_;
    buffered_reader reader_;
    buffered_writer writer_;
};

} // namespace corio::net
CORIO_EXPORT_END
