// SPDX-License-Identifier: MIT
// socket_workload.hpp - what the C++ socket programs share on top of protocol.hpp: the
// connections a ping_pong_* workload names (one socketpair, one TCP connection, or N of them), and
// the countdown that stops the ping-pong loops of ../net/socket_ping_pong.hpp after an exact
// number of round trips. Each program runs a warm-up ping-pong on connections of its own, then the
// timed one on fresh connections.
#pragma once

#include "../net/socket_ping_pong.hpp"
#include "protocol.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace corio_compare {

inline bool many_connections(const parameterised_request& work) {
    return work.family == "ping_pong_connections";
}

inline corio_bench::transport transport_of(const parameterised_request& work) {
    return work.family == "ping_pong_socketpair" ? corio_bench::transport::socketpair
                                                 : corio_bench::transport::tcp;
}

inline std::size_t message_size_of(const parameterised_request& work) {
    return many_connections(work) ? 1 : static_cast<std::size_t>(work.parameter);
}

// The connections one run of the workload uses: work.parameter TCP connections for
// ping_pong_connections, else one socketpair or TCP connection.
inline std::vector<corio_bench::connected_pair> connections_for(const parameterised_request& work) {
    if (many_connections(work)) {
        return corio_bench::make_tcp_connections(static_cast<std::size_t>(work.parameter));
    }
    return {corio_bench::make_connected_pair(transport_of(work))};
}

// keep_going() for the ping-pong loops: true `round_trips` times, then false. The many-connection
// ping-pong shares one among all its pingers.
class countdown {
public:
    explicit countdown(std::int64_t round_trips)
        : left_(round_trips) {}
    bool operator()() noexcept { return left_-- > 0; }

private:
    std::int64_t left_;
};

// Runs ping_pong(connections, keep_going) for the warm-up and then timed, and prints the line.
// ping_pong owns (and closes) the connections it is given.
template <class PingPong>
void measure_ping_pong(std::string_view system, const parameterised_request& work,
                       PingPong ping_pong) {
    countdown warm_up{warm_up_ops(work.ops)};
    ping_pong(std::span<const corio_bench::connected_pair>(connections_for(work)), warm_up);
    const std::vector<corio_bench::connected_pair> connections = connections_for(work);
    countdown timed{work.ops};
    const auto start = clock::now();
    ping_pong(std::span(connections), timed);
    report(system, work, clock::now() - start);
}

// The whole main() of a socket program: parses the command line (exit status 2 when it is bad),
// then measures ping_pong(connections, keep_going, transport, message_size).
template <class PingPong>
int run_socket_program(int argc, char** argv, std::string_view system, PingPong ping_pong) {
    const auto work = parse_parameterised_arguments(argc, argv, socket_families);
    if (!work) {
        return 2;
    }
    measure_ping_pong(
        system, *work,
        [&](std::span<const corio_bench::connected_pair> connections, countdown& keep_going) {
            ping_pong(connections, keep_going, transport_of(*work), message_size_of(*work));
        });
    return 0;
}

} // namespace corio_compare
