// SPDX-License-Identifier: MIT
// unix_listener.hpp - a listening Unix domain stream socket that hands out unix_streams.
//
//     using corio::net::address;
//     auto listener = corio::net::unix_listener::bind(address::unix_path("/tmp/app.sock"));
//     corio::net::unix_stream client = co_await listener.accept();
//
// asyncio's start_unix_server. Who removes the socket file: the listener, both ends of its life.
//  * bind() over a path that already holds a socket file asks whether anybody accepts there: if
//    the connection is refused, the file is a leftover of a server that died, and bind() removes
//    it (asyncio removes any socket file; probing first keeps a second server from silently
//    stealing the path of a live one). If somebody answers, or the path is not a socket, bind()
//    throws std::system_error with std::errc::address_in_use and leaves the file alone.
//  * close() (and the destructor) removes the file this listener created, and only if it is still
//    that file: if another server has since bound the same path, its file stays.
// An abstract address (Linux) has no file: nothing to remove, and the name is free again as soon
// as the socket closes. POSIX only (see unix_stream.hpp). accept() waits through the reactor and
// is cancellable; closing the listener fails pending accepts with operation_canceled.
// Not thread-safe: use a listener from tasks of the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/unix_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

#include <cstdint>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio::net {

class unix_listener {
public:
    unix_listener() = default;
    unix_listener(unix_listener&& other) noexcept;
    unix_listener& operator=(unix_listener&& other) noexcept;
    unix_listener(const unix_listener&) = delete;
    unix_listener& operator=(const unix_listener&) = delete;
    ~unix_listener() { close(); }

    // Binds to the Unix domain address `endpoint` (usage_error for an IP address) and listens.
    static unix_listener bind(const address& endpoint, int backlog = 512);

    task<unix_stream> accept(deadline until = {});

    [[nodiscard]] address local_address() const;
    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }
    // Closes the socket and removes the socket file it created (see above).
    void close() noexcept;

private:
    io_object socket_;
    std::string path_; // the socket file to remove; empty for abstract names
    std::uint64_t device_ = 0;
    std::uint64_t inode_ = 0;
};

} // namespace corio::net
CORIO_EXPORT_END
