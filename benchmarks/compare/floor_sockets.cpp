// SPDX-License-Identifier: MIT
// The floor for the socket workloads of protocol.hpp: ../net/socket_ping_pong.hpp's ping-pong
// hand-written against epoll, no runtime (edge-triggered, epoll_wait + read + write per side, one
// epoll_wait shared by every connection ready at once).
#include "socket_workload.hpp"

int main(int argc, char** argv) {
    return corio_compare::run_socket_program(
        argc, argv, "floor",
        [](std::span<const corio_bench::connected_pair> connections,
           corio_compare::countdown& keep_going, corio_bench::transport /*kind*/,
           std::size_t message_size) {
            corio_bench::raw_ping_pong_connections(connections, keep_going, message_size);
        });
}
