// SPDX-License-Identifier: MIT
// libuv on the socket workloads of protocol.hpp: ../net/libuv_ping_pong.hpp, uv_read_start on both
// ends of every connection and the reply written from the read callback (uv_pipe_t for the
// socketpair, uv_tcp_t for TCP).
#include "../net/libuv_ping_pong.hpp"
#include "socket_workload.hpp"

int main(int argc, char** argv) {
    return corio_compare::run_socket_program(
        argc, argv, "libuv",
        [](std::span<const corio_bench::connected_pair> connections,
           corio_compare::countdown& keep_going, corio_bench::transport kind,
           std::size_t message_size) {
            corio_bench::libuv_ping_pong_connections(connections, kind, keep_going, message_size);
        });
}
