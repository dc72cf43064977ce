// SPDX-License-Identifier: MIT
// corio on the socket workloads of protocol.hpp: ../net/socket_ping_pong.hpp's two tasks on one
// loop (the default backend, epoll), reading and writing through corio::io_object as tcp_stream
// does.
#include "socket_workload.hpp"

#include <corio/runtime/event_loop.hpp>

int main(int argc, char** argv) {
    return corio_compare::run_socket_program(
        argc, argv, "corio",
        [](corio_bench::connected_pair pair, corio_compare::countdown& keep_going,
           std::size_t message_size) {
            corio::event_loop loop;
            loop.run_until_complete(corio_bench::corio_ping_pong(pair, keep_going, message_size));
        });
}
