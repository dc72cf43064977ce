#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python asyncio (or uvloop with --uvloop) on the scheduler workloads of ../protocol.hpp:

  spawn_join  await asyncio.create_task(noop())
  yield       await asyncio.sleep(0)
  handoff     two tasks bounce a number through two asyncio.Queue(1)
  chained_spawn  each task create_task()s the next; the last sets a future
  post        a threading.Thread hands callbacks to the loop with call_soon_threadsafe
  parked_task_bytes  tasks parked in asyncio.Event.wait(); bytes from tracemalloc (Python's
              allocations only: what a task object, its coroutine and its waiter future take)

Usage: scheduler.py [--uvloop] <workload> <ops>; prints one JSON line like the C++ programs.
"""
import asyncio
import gc
import json
import sys
import threading
import time
import tracemalloc

import protocol

CHAIN_LINKS = 100_000


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


async def chain_link(links_after, chain_done):
    if links_after == 0:
        chain_done.set_result(None)
    else:
        # The loop holds a scheduled task until it has run: no reference needs keeping here.
        asyncio.get_running_loop().create_task(chain_link(links_after - 1, chain_done))


async def chained_spawn(ops):
    loop = asyncio.get_running_loop()
    total = ops
    while ops > 0:
        links = min(ops, CHAIN_LINKS)
        chain_done = loop.create_future()
        loop.create_task(chain_link(links - 1, chain_done))
        await chain_done
        ops -= links
    return total


async def post(ops):
    loop = asyncio.get_running_loop()
    all_ran = loop.create_future()
    ran = 0

    def posted():
        nonlocal ran
        ran += 1
        if ran == ops:
            all_ran.set_result(None)

    def poster():
        for _ in range(ops):
            loop.call_soon_threadsafe(posted)

    thread = threading.Thread(target=poster)
    thread.start()
    await all_ran
    thread.join()
    return ran


PARKED_BYTES = {"per_task": 0.0}


async def parked_task_bytes(ops):
    wake = asyncio.Event()
    tasks = [None] * ops  # before the first count: not a task's bytes
    # Tasks form reference cycles: the collector would free the warm-up's in the middle of the
    # count, so it runs now and then stays off until the count is made.
    gc.collect()
    gc.disable()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(ops):
        tasks[index] = asyncio.create_task(wake.wait())
    await asyncio.sleep(0)  # the tasks ran before this one again: all wait on `wake`
    PARKED_BYTES["per_task"] = (tracemalloc.get_traced_memory()[0] - before) / ops
    gc.enable()
    wake.set()
    await asyncio.gather(*tasks)
    return ops


WORKLOADS = {"spawn_join": spawn_join, "yield": yield_round_trips, "handoff": handoff,
             "chained_spawn": chained_spawn, "post": post, "parked_task_bytes": parked_task_bytes}


async def measure(workload, ops):
    # parked_task_bytes warms up with as many tasks (see ../protocol.hpp), the others a tenth.
    await WORKLOADS[workload](ops if workload == "parked_task_bytes" else ops // 10 + 1)
    if workload == "parked_task_bytes":
        # Only now: the warm-up's tasks are still alive here and are freed while the count runs;
        # traced, their frees were subtracted from it (291 bytes a task instead of about 950).
        # Started now, tracemalloc sees only what the counted tasks allocate, and runs for half as long.
        tracemalloc.start()
    start = time.perf_counter_ns()
    await WORKLOADS[workload](ops)
    return time.perf_counter_ns() - start


def main(argv):
    use_uvloop, args = protocol.take_uvloop_flag(argv[1:])
    system = "uvloop" if use_uvloop else "asyncio"
    if len(args) != 2 or args[0] not in WORKLOADS or not args[1].isdigit() or int(args[1]) <= 0:
        print(f"usage: {argv[0]} [--uvloop] {'|'.join(WORKLOADS)} <ops>  (ops > 0)",
              file=sys.stderr)
        return 2
    workload, ops = args[0], int(args[1])
    loop = protocol.new_loop(system)
    try:
        nanoseconds = loop.run_until_complete(measure(workload, ops))
    finally:
        loop.close()
    if workload == "parked_task_bytes":
        print(json.dumps({"system": system, "workload": workload, "ops": ops,
                          "bytes_per_op": round(PARKED_BYTES["per_task"], 3), "unit": "bytes"}))
    else:
        print(json.dumps({"system": system, "workload": workload, "ops": ops,
                          "ns_per_op": round(nanoseconds / ops, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
