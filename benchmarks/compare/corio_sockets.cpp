// SPDX-License-Identifier: MIT
// corio on the socket workloads of protocol.hpp: ../net/socket_ping_pong.hpp's two tasks on one
// loop (the default backend, epoll), reading and writing through corio::io_object as tcp_stream
// does.
#include "socket_workload.hpp"

#include <corio/runtime/event_loop.hpp>

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::socket_families);
    if (!work) {
        return 2;
    }
    corio_compare::measure_ping_pong(
        "corio", *work,
        [&](corio_bench::connected_pair pair, corio_compare::countdown& keep_going) {
            corio::event_loop loop;
            loop.run_until_complete(corio_bench::corio_ping_pong(
                pair, keep_going, corio_compare::message_size_of(*work)));
        });
    return 0;
}
