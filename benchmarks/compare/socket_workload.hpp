// SPDX-License-Identifier: MIT
// socket_workload.hpp - what the C++ socket programs share on top of protocol.hpp: the transport a
// ping_pong_* workload names, and the countdown that stops the ping-pong loops of
// ../net/socket_ping_pong.hpp after an exact number of round trips. Each program runs a warm-up
// ping-pong on a connection of its own, then the timed one on a fresh connection.
#pragma once

#include "../net/socket_ping_pong.hpp"
#include "protocol.hpp"

#include <cstddef>
#include <cstdint>

namespace corio_compare {

inline corio_bench::transport transport_of(const parameterised_request& work) {
    return work.family == "ping_pong_tcp" ? corio_bench::transport::tcp
                                          : corio_bench::transport::socketpair;
}

inline std::size_t message_size_of(const parameterised_request& work) {
    return static_cast<std::size_t>(work.parameter);
}

// keep_going() for the ping-pong loops: true `round_trips` times, then false.
class countdown {
public:
    explicit countdown(std::int64_t round_trips)
        : left_(round_trips) {}
    bool operator()() noexcept { return left_-- > 0; }

private:
    std::int64_t left_;
};

// Runs ping_pong(pair, keep_going) for the warm-up and then timed, and prints the line.
template <class PingPong>
void measure_ping_pong(std::string_view system, const parameterised_request& work,
                       PingPong ping_pong) {
    countdown warm_up{warm_up_ops(work.ops)};
    ping_pong(corio_bench::make_connected_pair(transport_of(work)), warm_up);
    const corio_bench::connected_pair pair = corio_bench::make_connected_pair(transport_of(work));
    countdown timed{work.ops};
    const auto start = clock::now();
    ping_pong(pair, timed);
    report(system, work, clock::now() - start);
}

// The whole main() of a socket program: parses the command line (exit status 2 when it is bad),
// then measures ping_pong(pair, keep_going, message_size).
template <class PingPong>
int run_socket_program(int argc, char** argv, std::string_view system, PingPong ping_pong) {
    const auto work = parse_parameterised_arguments(argc, argv, socket_families);
    if (!work) {
        return 2;
    }
    measure_ping_pong(system, *work, [&](corio_bench::connected_pair pair, countdown& keep_going) {
        ping_pong(pair, keep_going, message_size_of(*work));
    });
    return 0;
}

} // namespace corio_compare
