// SPDX-License-Identifier: MIT
#include <corio/net/buffered_stream.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>

namespace corio::net {

namespace {

// A buffer grown past this (by one long record) is freed once it is empty again, rather than
// kept for the rest of the connection's life.
constexpr std::size_t min_retained = 64 * 1024;
// The most room one read asks for beyond read_size.
constexpr std::size_t max_first_room = 256 * 1024;

// The delimiter as a C string literal would spell it: "\r\n", "\x00".
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
                static constexpr char digits[] = "0123456789abcdef";
                out += "\\x";
                out += digits[static_cast<unsigned char>(c) >> 4];
                out += digits[static_cast<unsigned char>(c) & 0xf];
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

std::string bytes(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " byte" : " bytes");
}

} // namespace

// One read (or one write) at a time: a second one would move the buffer under the first.
class buffered_reader::busy_scope {
public:
    explicit busy_scope(bool& busy)
        : busy_(busy) {
        if (busy_) {
            throw usage_error("corio::net::buffered_reader: another read is under way");
        }
        busy_ = true;
    }
    ~busy_scope() { busy_ = false; }
    busy_scope(const busy_scope&) = delete;
    busy_scope& operator=(const busy_scope&) = delete;

private:
    bool& busy_;
};

class buffered_writer::busy_scope {
public:
    explicit busy_scope(bool& busy)
        : busy_(busy) {
        if (busy_) {
            throw usage_error("corio::net::buffered_writer: another write is under way");
        }
        busy_ = true;
    }
    ~busy_scope() { busy_ = false; }
    busy_scope(const busy_scope&) = delete;
    busy_scope& operator=(const busy_scope&) = delete;

private:
    bool& busy_;
};

// ---- buffered_reader ----

buffered_reader::buffered_reader(byte_stream& stream, std::size_t read_size)
    : stream_(&stream)
    , read_size_(std::max<std::size_t>(read_size, 1)) {}

buffered_reader::buffered_reader(buffered_reader&& other) noexcept
    : stream_(other.stream_)
    , tied_(std::exchange(other.tied_, nullptr))
    , read_size_(other.read_size_)
    , data_(std::move(other.data_))
    , capacity_(std::exchange(other.capacity_, 0))
    , begin_(std::exchange(other.begin_, 0))
    , end_(std::exchange(other.end_, 0))
    , eof_(other.eof_) {}

buffered_reader& buffered_reader::operator=(buffered_reader&& other) noexcept {
    if (this != &other) {
        stream_ = other.stream_;
        tied_ = std::exchange(other.tied_, nullptr);
        read_size_ = other.read_size_;
        data_ = std::move(other.data_);
        capacity_ = std::exchange(other.capacity_, 0);
        begin_ = std::exchange(other.begin_, 0);
        end_ = std::exchange(other.end_, 0);
        eof_ = other.eof_;
    }
    return *this;
}

buffered_reader::~buffered_reader() = default;

void buffered_reader::consume(std::size_t size) noexcept {
    begin_ += std::min(size, end_ - begin_);
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (capacity_ > std::max(min_retained, 4 * read_size_)) {
            data_.reset();
            capacity_ = 0;
        }
    }
}

std::span<std::byte> buffered_reader::prepare(std::size_t size) {
    if (capacity_ - end_ < size && begin_ > 0) { // reclaim the space in front of the unread bytes
        std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (capacity_ - end_ < size) {
        const std::size_t capacity = std::max(capacity_ * 2, end_ + size);
        auto grown = std::make_unique_for_overwrite<char[]>(capacity);
        if (end_ > 0) {
            std::memcpy(grown.get(), data_.get(), end_);
        }
        data_ = std::move(grown);
        capacity_ = capacity;
    }
    return std::as_writable_bytes(std::span<char>(data_.get() + end_, size));
}

task<std::size_t> buffered_reader::fill_once(std::size_t at_least, deadline until) {
    if (eof_) {
        co_return 0;
    }
    if (tied_ != nullptr && tied_->buffered_size() > 0 && !tied_->busy()) {
        co_await tied_->flush(until);
    }
    // Bytes arrive straight into the buffer, so a read cancelled or timed out here loses nothing:
    // end_ moves only once they are there. A large read_exact() grows the room as bytes come
    // (prepare() doubles it) rather than all at once for a peer that may send far less.
    const std::span<std::byte> space =
        prepare(std::max(std::min(at_least, max_first_room), read_size_));
    const std::size_t got = co_await stream_->read_some(space, until);
    if (got == 0) {
        eof_ = true;
    }
    end_ += got;
    co_return got;
}

std::string buffered_reader::take(std::size_t size) {
    std::string out(buffered().substr(0, size));
    consume(size);
    return out;
}

void buffered_reader::throw_incomplete(std::string_view what_was_read,
                                       std::optional<std::size_t> expected) {
    const std::size_t got = end_ - begin_;
    std::string what = "stream ended after " + bytes(got);
    if (expected) {
        what = "stream ended after " + std::to_string(got) + " of " + bytes(*expected);
    }
    what += std::string(what_was_read);
    throw incomplete_read_error(what, take(got), expected);
}

task<std::optional<std::size_t>>
buffered_reader::find_delimiter(std::string_view delimiter, std::size_t limit, deadline until) {
    // Resumes the search where the last one stopped, so a record that arrives a byte at a time
    // costs linear time, not quadratic.
    std::size_t searched = 0;
    for (;;) {
        const std::string_view data = buffered();
        // The delimiter may begin at most `limit` bytes in: look no further than that.
        const std::size_t window =
            limit >= data.size() ? data.size() : std::min(data.size(), limit + delimiter.size());
        const std::size_t at = data.substr(0, window).find(delimiter, searched);
        if (at != std::string_view::npos) {
            co_return at + delimiter.size();
        }
        if (limit < data.size() && window == limit + delimiter.size()) {
            throw limit_overrun_error("no " + quoted(delimiter) + " within " + bytes(limit) + " (" +
                                          bytes(data.size()) + " buffered)",
                                      data.size(), limit);
        }
        searched = window >= delimiter.size() ? window - delimiter.size() + 1 : 0;
        if (co_await fill_once(0, until) == 0) {
            co_return std::nullopt;
        }
    }
}

task<std::string> buffered_reader::read_until(std::string delimiter, std::size_t limit,
                                              deadline until) {
    if (delimiter.empty()) {
        throw std::invalid_argument("corio::net::buffered_reader::read_until: empty delimiter");
    }
    busy_scope busy{busy_};
    const std::optional<std::size_t> size = co_await find_delimiter(delimiter, limit, until);
    if (!size) {
        throw_incomplete(", before " + quoted(delimiter), std::nullopt);
    }
    co_return take(*size);
}

task<std::optional<std::string>> buffered_reader::read_line(std::size_t limit, deadline until) {
    busy_scope busy{busy_};
    std::optional<std::size_t> size;
    try {
        size = co_await find_delimiter("\n", limit, until);
    } catch (const limit_overrun_error& overrun) {
        throw limit_overrun_error("line longer than " + bytes(limit) + " (" +
                                      bytes(overrun.buffered()) + " buffered, no line end)",
                                  overrun.buffered(), limit);
    }
    if (!size) {
        if (begin_ == end_) {
            co_return std::nullopt;
        }
        throw_incomplete(" in the middle of a line", std::nullopt);
    }
    std::string line = take(*size);
    line.pop_back();
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    co_return line;
}

task<std::string> buffered_reader::read_exact(std::size_t size, deadline until) {
    busy_scope busy{busy_};
    while (end_ - begin_ < size) {
        if (co_await fill_once(size - (end_ - begin_), until) == 0) {
            throw_incomplete("", size);
        }
    }
    co_return take(size);
}

task<std::string> buffered_reader::read_to_end(std::size_t limit, deadline until) {
    busy_scope busy{busy_};
    for (;;) {
        const std::size_t held = end_ - begin_;
        if (held > limit) {
            throw limit_overrun_error("more than " + bytes(limit) +
                                          " before the end of the stream (" + bytes(held) +
                                          " buffered)",
                                      held, limit);
        }
        if (co_await fill_once(0, until) == 0) {
            co_return take(held);
        }
    }
}

task<std::size_t> buffered_reader::read_some(std::span<std::byte> buffer, deadline until) {
    busy_scope busy{busy_};
    if (buffer.empty()) {
        co_return 0;
    }
    if (begin_ == end_) {
        if (buffer.size() >= read_size_ && !eof_) { // a large read: no point copying it twice
            if (tied_ != nullptr && tied_->buffered_size() > 0 && !tied_->busy()) {
                co_await tied_->flush(until);
            }
            const std::size_t got = co_await stream_->read_some(buffer, until);
            eof_ = got == 0;
            co_return got;
        }
        if (co_await fill_once(0, until) == 0) {
            co_return 0;
        }
    }
    const std::size_t size = std::min(buffer.size(), end_ - begin_);
    std::memcpy(buffer.data(), data_.get() + begin_, size);
    consume(size);
    co_return size;
}

task<std::size_t> buffered_reader::fill(deadline until) {
    busy_scope busy{busy_};
    co_return co_await fill_once(0, until);
}

// ---- buffered_writer ----

buffered_writer::buffered_writer(byte_stream& stream, std::size_t flush_threshold)
    : stream_(&stream)
    , threshold_(flush_threshold) {}

buffered_writer::buffered_writer(buffered_writer&& other) noexcept
    : stream_(other.stream_)
    , threshold_(other.threshold_)
    , buffer_(std::move(other.buffer_))
    , closed_(other.closed_) {
    other.buffer_.clear();
}

buffered_writer& buffered_writer::operator=(buffered_writer&& other) noexcept {
    if (this != &other) {
        if (!buffer_.empty()) {
            report_unflushed();
        }
        stream_ = other.stream_;
        threshold_ = other.threshold_;
        buffer_ = std::move(other.buffer_);
        other.buffer_.clear();
        closed_ = other.closed_;
    }
    return *this;
}

buffered_writer::~buffered_writer() {
    // An exception unwinding through here (a failed read, a cancellation) already tells the
    // program that the exchange is incomplete; anything else is a forgotten flush().
    if (!buffer_.empty() && std::uncaught_exceptions() == 0) {
        report_unflushed();
    }
}

void buffered_writer::report_unflushed() noexcept {
    try {
        const std::string what = "corio::net::buffered_writer destroyed with " +
                                 bytes(buffer_.size()) +
                                 " unflushed (they were dropped): flush() or close() it before it "
                                 "goes, or discard() them";
        if (event_loop* loop = event_loop::try_current()) {
            loop->report_unhandled(std::make_exception_ptr(usage_error(what)));
        } else {
            std::fprintf(stderr, "corio::usage_error: %s\n", what.c_str());
        }
    } catch (...) { // out of memory for the message: nothing more to do
    }
    buffer_.clear();
}

task<> buffered_writer::write_buffer(deadline until) {
    if (buffer_.empty()) {
        co_return;
    }
    try {
        co_await stream_->write_all(buffer_, until);
    } catch (...) {
        buffer_.clear(); // some of it may be out: the stream's position is unknown now
        throw;
    }
    buffer_.clear();
}

task<> buffered_writer::write_all(std::span<const std::byte> data, deadline until) {
    busy_scope busy{busy_};
    if (closed_) {
        throw usage_error("corio::net::buffered_writer: write after close()");
    }
    if (data.size() < threshold_) {
        buffer_.insert(buffer_.end(), data.begin(), data.end());
        if (buffer_.size() >= threshold_) {
            co_await write_buffer(until);
        }
        co_return;
    }
    co_await write_buffer(until); // what came first goes first
    co_await stream_->write_all(data, until);
}

task<> buffered_writer::flush(deadline until) {
    busy_scope busy{busy_};
    co_await write_buffer(until);
}

task<> buffered_writer::close(deadline until) {
    busy_scope busy{busy_};
    if (closed_) {
        co_return;
    }
    closed_ = true;
    co_await write_buffer(until);
    co_await stream_->shutdown_write(until);
}

// ---- buffered_stream ----

buffered_stream::buffered_stream(tcp_stream stream, buffered_options options)
    : buffered_stream(std::make_unique<tcp_byte_stream>(std::move(stream)), options) {}

buffered_stream::buffered_stream(std::unique_ptr<byte_stream> stream, buffered_options options)
    : stream_(std::move(stream))
    , reader_((stream_ ? *stream_
                       : throw std::invalid_argument("corio::net::buffered_stream: null stream")),
              options.read_size)
    , writer_(*stream_, options.flush_threshold) {
    reader_.tie(&writer_);
}

buffered_stream::buffered_stream(buffered_stream&& other) noexcept
    : stream_(std::move(other.stream_))
    , reader_(std::move(other.reader_))
    , writer_(std::move(other.writer_)) {
    reader_.tie(&writer_);
}

buffered_stream& buffered_stream::operator=(buffered_stream&& other) noexcept {
    if (this != &other) {
        writer_ = std::move(other.writer_);
        reader_ = std::move(other.reader_);
        stream_ = std::move(other.stream_);
        reader_.tie(&writer_);
    }
    return *this;
}

buffered_stream::~buffered_stream() = default;

task<> buffered_stream::close(deadline until) {
    try {
        co_await writer_.close(until);
    } catch (...) {
        stream_->close();
        throw;
    }
    stream_->close();
}

} // namespace corio::net
