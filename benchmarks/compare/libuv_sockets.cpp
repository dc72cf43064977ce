// SPDX-License-Identifier: MIT
// libuv on the socket workloads of protocol.hpp: ../net/libuv_ping_pong.hpp, uv_read_start on both
// ends and the reply written from the read callback (uv_pipe_t for the socketpair, uv_tcp_t for
// TCP).
#include "../net/libuv_ping_pong.hpp"
#include "socket_workload.hpp"

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::socket_families);
    if (!work) {
        return 2;
    }
    corio_compare::measure_ping_pong(
        "libuv", *work,
        [&](corio_bench::connected_pair pair, corio_compare::countdown& keep_going) {
            corio_bench::libuv_ping_pong(pair, corio_compare::transport_of(*work), keep_going,
                                         corio_compare::message_size_of(*work));
        });
    return 0;
}
