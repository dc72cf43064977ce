#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aiohttp's client on asyncio (or uvloop with --uvloop): keep-alive GETs of one URL over
<connections> connections, one task per connection, all on one loop; the HTTP client workload of
../http_workloads.py, which runs corio's client, libcurl and wrk against the same nginx.

Usage: http_client.py [--uvloop] <url> <connections> <requests>

Every connection first completes two requests, untimed (as corio's http_client_bench does), then
the tasks share <requests> timed requests and read each body whole. Prints one JSON line:
{"system": ..., "connections": ..., "requests": ..., "requests_per_second": ...}.
"""
import asyncio
import json
import sys
import time

import protocol


def parse_arguments(argv):
    use_uvloop, args = protocol.take_uvloop_flag(argv[1:])
    system = "aiohttp-uvloop" if use_uvloop else "aiohttp-asyncio"
    if len(args) == 3 and args[1].isdigit() and args[2].isdigit() and int(args[1]) > 0 and int(args[2]) > 0:
        return system, args[0], int(args[1]), int(args[2])
    print(f"usage: {argv[0]} [--uvloop] <url> <connections> <requests>", file=sys.stderr)
    sys.exit(2)


async def measure(url, connections, requests):
    import aiohttp  # optional: the driver runs this only when python3-aiohttp is installed

    # limit=connections: the pool opens at most that many and keeps them alive between requests.
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def get():
            async with session.get(url) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url}: status {response.status}")

        async def warm_up():
            for _ in range(2):
                await get()

        await asyncio.gather(*(warm_up() for _ in range(connections)))
        left = requests

        async def worker():
            nonlocal left
            while left > 0:
                left -= 1
                await get()

        start = time.perf_counter_ns()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return time.perf_counter_ns() - start


def main(argv):
    system, url, connections, requests = parse_arguments(argv)
    loop = protocol.new_loop("uvloop" if system == "aiohttp-uvloop" else "asyncio")
    try:
        nanoseconds = loop.run_until_complete(measure(url, connections, requests))
    finally:
        loop.close()
    print(json.dumps({"system": system, "connections": connections, "requests": requests,
                      "requests_per_second": round(requests * 1e9 / nanoseconds, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
