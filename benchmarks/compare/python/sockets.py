#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python asyncio (or uvloop with --uvloop) on the socket workloads of ../protocol.hpp: the
ping-pong of ../net/socket_ping_pong.hpp with protocols (asyncio's fastest path: data_received
callbacks and transport.write, no stream objects), over socket.socketpair() or a TCP connection
on 127.0.0.1 (asyncio and uvloop set TCP_NODELAY on TCP transports themselves).

Usage: sockets.py [--uvloop] ping_pong_socketpair|ping_pong_tcp:<message bytes> <ops>; prints one
JSON line like the C++ programs.
"""
import asyncio
import socket
import sys

import protocol


class Ping(asyncio.Protocol):
    def __init__(self, round_trips, message_size, finished):
        self.left = round_trips
        self.message = b"p" * message_size
        self.received = 0
        self.finished = finished
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.send_next()

    def send_next(self):
        if self.left == 0:
            self.transport.close()  # pong reads end of stream
            self.finished.set_result(None)
            return
        self.left -= 1
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


def connected_pair(tcp):
    if not tcp:
        return socket.socketpair()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        return client, server


async def ping_pong(loop, tcp, round_trips, message_size):
    a, b = connected_pair(tcp)
    finished = loop.create_future()
    closed = loop.create_future()
    await loop.create_connection(lambda: Pong(closed), sock=b)
    await loop.create_connection(lambda: Ping(round_trips, message_size, finished), sock=a)
    await finished
    await closed


async def measure(loop, family, message_size, ops):
    tcp = family == "ping_pong_tcp"
    await ping_pong(loop, tcp, protocol.warm_up_ops(ops), message_size)
    clock = protocol.clock(family)
    start = clock()
    await ping_pong(loop, tcp, ops, message_size)
    return clock() - start


def main(argv):
    return protocol.run_program(argv, ["ping_pong_socketpair", "ping_pong_tcp"], measure)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
