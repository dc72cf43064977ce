#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python asyncio (or uvloop with --uvloop) on the socket workloads of ../protocol.hpp: the
ping-pong of ../net/socket_ping_pong.hpp with protocols (asyncio's fastest path: data_received
callbacks and transport.write, no stream objects), over socket.socketpair() or TCP connections
on 127.0.0.1 (asyncio and uvloop set TCP_NODELAY on TCP transports themselves): one, or N at once
for ping_pong_connections, the pings sharing one countdown. The connections are made and wrapped
before the clock starts.

Usage: sockets.py [--uvloop] ping_pong_socketpair|ping_pong_tcp:<message bytes> <ops>
       sockets.py [--uvloop] ping_pong_connections:<connections> <ops>
prints one JSON line like the C++ programs.
"""
import asyncio
import socket
import sys

import protocol


class Countdown:
    """The round trips left, shared by every Ping of a run."""

    def __init__(self, round_trips):
        self.left = round_trips

    def take(self):
        """True while round trips are left, counting this one."""
        self.left -= 1
        return self.left >= 0


class Ping(asyncio.Protocol):
    def __init__(self, countdown, message_size, finished):
        self.countdown = countdown
        self.message = b"p" * message_size
        self.received = 0
        self.finished = finished
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport  # the first ping waits for start(), after the clock starts

    def start(self):
        self.send_next()

    def send_next(self):
        if not self.countdown.take():
            self.transport.close()  # pong reads end of stream
            self.finished.set_result(None)
            return
        self.received = 0
        self.transport.write(self.message)

    def data_received(self, data):
        self.received += len(data)
        if self.received >= len(self.message):
            self.send_next()


class Pong(asyncio.Protocol):
    def __init__(self, closed):
        self.closed = closed
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def connection_lost(self, error):
        self.closed.set_result(None)


def connected_pairs(family, count):
    """(pinging end, echoing end) pairs: one socketpair, or `count` TCP connections to one listener.
    The accepted end pings and closes first, so TIME_WAIT stays on the listener's port (as
    make_tcp_connections in ../net/socket_ping_pong.hpp does)."""
    if family == "ping_pong_socketpair":
        return [socket.socketpair()]
    pairs = []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(min(count, socket.SOMAXCONN))
        for _ in range(count):
            client = socket.create_connection(listener.getsockname())
            server, _ = listener.accept()
            pairs.append((server, client))
    return pairs


class PingPong:
    """Every connection's Ping and Pong, wrapped in the loop's transports before the clock starts."""

    def __init__(self, loop):
        self.loop = loop
        self.pings = []
        self.done = []

    async def connect(self, family, count, round_trips, message_size):
        countdown = Countdown(round_trips)
        for a, b in connected_pairs(family, count):
            finished = self.loop.create_future()
            closed = self.loop.create_future()
            await self.loop.create_connection(lambda closed=closed: Pong(closed), sock=b)
            _, ping = await self.loop.create_connection(
                lambda finished=finished: Ping(countdown, message_size, finished), sock=a)
            self.pings.append(ping)
            self.done += [finished, closed]
        return self

    async def run(self):
        for ping in self.pings:
            ping.start()
        await asyncio.gather(*self.done)


async def ping_pong(loop, family, parameter, round_trips):
    """A connected PingPong for the workload: ping_pong_connections runs `parameter` connections
    of 1-byte messages, the others one connection of `parameter`-byte messages."""
    many = family == "ping_pong_connections"
    return await PingPong(loop).connect(family, parameter if many else 1, round_trips,
                                        1 if many else parameter)


async def measure(loop, family, parameter, ops):
    await (await ping_pong(loop, family, parameter, protocol.warm_up_ops(ops))).run()
    timed = await ping_pong(loop, family, parameter, ops)
    clock = protocol.clock(family)
    start = clock()
    await timed.run()
    return clock() - start


def main(argv):
    return protocol.run_program(argv, ["ping_pong_socketpair", "ping_pong_tcp", "ping_pong_connections"],
                                measure)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
