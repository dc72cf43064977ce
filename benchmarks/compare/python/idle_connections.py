#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The client side of the idle-connection workload of ../http_workloads.py: opens keep-alive
connections to one HTTP server on 127.0.0.1, completes one GET /hello on each (so the server has
set the connection up fully and is waiting for the next request), and holds them idle while the
driver reads the server's memory. Standard library only; blocking sockets, one at a time.

Usage: idle_connections.py <port>, then one command a line on stdin:
    open <total>   opens connections until <total> are held; answers "held <n> closed <k>", where
                   k counts held connections the server has closed meanwhile (it must be 0 for the
                   figure to mean anything)
    quit           closes every connection and exits
RLIMIT_NOFILE's soft limit is raised to the hard limit first; a failed connect or request is an
error line on stderr and exit status 1.
"""
import resource
import select
import socket
import sys

REQUEST = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
BODY = b"hello\n"


def open_one(port):
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(REQUEST)
    received = b""
    while BODY not in received:  # the whole answer: its body ends it
        chunk = connection.recv(4096)
        if not chunk:
            raise RuntimeError(f"the server closed a connection before answering: {received[:80]!r}")
        received += chunk
    return connection


def closed_by_peer(held):
    """How many held connections are readable with nothing to read (closed) or in error."""
    poller = select.poll()
    by_fd = {}
    for connection in held:
        poller.register(connection, select.POLLIN | select.POLLRDHUP)
        by_fd[connection.fileno()] = connection
    closed = 0
    for fd, _events in poller.poll(0):
        try:
            closed += by_fd[fd].recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except OSError:
            closed += 1
    return closed


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit():
        print(f"usage: {argv[0]} <port>", file=sys.stderr)
        return 2
    port = int(argv[1])
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held = []
    try:
        for line in sys.stdin:
            words = line.split()
            if words[:1] == ["open"] and len(words) == 2 and words[1].isdigit():
                while len(held) < int(words[1]):
                    held.append(open_one(port))
                print(f"held {len(held)} closed {closed_by_peer(held)}", flush=True)
            elif words == ["quit"]:
                break
            else:
                print(f"idle_connections.py: unknown command {line.strip()!r}", file=sys.stderr)
                return 2
    except (OSError, RuntimeError) as error:
        print(f"idle_connections.py: after {len(held)} connections: {error}", file=sys.stderr)
        return 1
    finally:
        for connection in held:
            connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
