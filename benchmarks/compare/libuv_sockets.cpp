// SPDX-License-Identifier: MIT
// libuv on the socket workloads of protocol.hpp: ../net/libuv_ping_pong.hpp, uv_read_start on both
// ends and the reply written from the read callback (uv_pipe_t for the socketpair, uv_tcp_t for
// TCP).
#include "../net/libuv_ping_pong.hpp"
#include "socket_workload.hpp"

int main(int argc, char** argv) {
    // The transport decides between uv_pipe_t and uv_tcp_t; the workload name says which.
    const bool tcp = argc > 1 && std::string_view{argv[1]}.starts_with("ping_pong_tcp");
    return corio_compare::run_socket_program(
        argc, argv, "libuv",
        [tcp](corio_bench::connected_pair pair, corio_compare::countdown& keep_going,
              std::size_t message_size) {
            corio_bench::libuv_ping_pong(
                pair, tcp ? corio_bench::transport::tcp : corio_bench::transport::socketpair,
                keep_going, message_size);
        });
}
