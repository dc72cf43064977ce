#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aiohttp's server on asyncio (or uvloop with --uvloop) with one route, GET /hello -> "hello\n"
(what corio's benchmarks/net/http_hello_server answers), for wrk and the idle-connection count of
../http_workloads.py. Access log off (as nginx's and corio's are), keep-alive for 10 minutes so
idle connections stay open while they are counted.

Usage: http_server.py [--uvloop] <port>     # 0: any free port; prints "listening on HOST:PORT"
and runs until killed (SIGTERM).
"""
import asyncio
import sys

import protocol


async def serve(port):
    from aiohttp import web  # optional: the driver runs this only when python3-aiohttp is installed

    async def hello(_request):
        return web.Response(text="hello\n")

    app = web.Application()
    app.router.add_get("/hello", hello)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=600)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    host, bound_port = runner.addresses[0][:2]
    print(f"listening on {host}:{bound_port}", flush=True)
    await asyncio.Event().wait()  # until killed


def main(argv):
    use_uvloop, args = protocol.take_uvloop_flag(argv[1:])
    if len(args) != 1 or not args[0].isdigit() or int(args[0]) > 65535:
        print(f"usage: {argv[0]} [--uvloop] <port>", file=sys.stderr)
        return 2
    loop = protocol.new_loop("uvloop" if use_uvloop else "asyncio")
    loop.run_until_complete(serve(int(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
