// SPDX-License-Identifier: MIT
// corio on the socket workloads of protocol.hpp: ../net/socket_ping_pong.hpp's tasks on one loop
// (the default backend, epoll), a pinging and an echoing task per connection, reading and writing
// through corio::io_object as tcp_stream does.
#include "socket_workload.hpp"

#include <corio/runtime/event_loop.hpp>

int main(int argc, char** argv) {
    return corio_compare::run_socket_program(
        argc, argv, "corio",
        [](std::span<const corio_bench::connected_pair> connections,
           corio_compare::countdown& keep_going, corio_bench::transport /*kind*/,
           std::size_t message_size) {
            corio::event_loop loop;
            loop.run_until_complete(
                corio_bench::corio_ping_pong_connections(connections, keep_going, message_size));
        });
}
