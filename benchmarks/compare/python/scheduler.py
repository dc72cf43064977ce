#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python asyncio (or uvloop with --uvloop) on the scheduler workloads of ../protocol.hpp:

  spawn_join  await asyncio.create_task(noop())
  yield       await asyncio.sleep(0)
  handoff     two tasks bounce a number through two asyncio.Queue(1)

Usage: scheduler.py [--uvloop] <workload> <ops>; prints one JSON line like the C++ programs.
"""
import asyncio
import json
import sys
import time


async def noop():
    return 1


async def spawn_join(ops):
    total = 0
    for _ in range(ops):
        total += await asyncio.create_task(noop())
    return total


async def yield_round_trips(ops):
    for _ in range(ops):
        await asyncio.sleep(0)
    return ops


async def pong(to_pong, to_ping):
    while True:
        value = await to_pong.get()
        if value < 0:
            return
        await to_ping.put(value)


async def handoff(ops):
    to_pong = asyncio.Queue(1)
    to_ping = asyncio.Queue(1)
    ponger = asyncio.create_task(pong(to_pong, to_ping))
    total = 0
    for i in range(ops // 2):
        await to_pong.put(i)
        total += await to_ping.get()
    await to_pong.put(-1)
    await ponger
    return total


WORKLOADS = {"spawn_join": spawn_join, "yield": yield_round_trips, "handoff": handoff}


async def measure(workload, ops):
    await WORKLOADS[workload](ops // 10 + 1)
    start = time.perf_counter_ns()
    await WORKLOADS[workload](ops)
    return time.perf_counter_ns() - start


def main(argv):
    args = argv[1:]
    system = "asyncio"
    if args[:1] == ["--uvloop"]:
        system = "uvloop"
        args = args[1:]
    if len(args) != 2 or args[0] not in WORKLOADS or not args[1].isdigit() or int(args[1]) <= 0:
        print(f"usage: {argv[0]} [--uvloop] spawn_join|yield|handoff <ops>  (ops > 0)",
              file=sys.stderr)
        return 2
    workload, ops = args[0], int(args[1])
    if system == "uvloop":
        import uvloop  # optional: the driver runs this only when python3-uvloop is installed
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        nanoseconds = loop.run_until_complete(measure(workload, ops))
    finally:
        loop.close()
    print(json.dumps({"system": system, "workload": workload, "ops": ops,
                      "ns_per_op": round(nanoseconds / ops, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
