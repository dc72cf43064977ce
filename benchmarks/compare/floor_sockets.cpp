// SPDX-License-Identifier: MIT
// The floor for the socket workloads of protocol.hpp: ../net/socket_ping_pong.hpp's ping-pong
// hand-written against epoll, no runtime (level-triggered, epoll_wait + read + write per side).
#include "socket_workload.hpp"

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::socket_families);
    if (!work) {
        return 2;
    }
    corio_compare::measure_ping_pong(
        "floor", *work,
        [&](corio_bench::connected_pair pair, corio_compare::countdown& keep_going) {
            corio_bench::raw_ping_pong(pair, keep_going, corio_compare::message_size_of(*work));
        });
    return 0;
}
