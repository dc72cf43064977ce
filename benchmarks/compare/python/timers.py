#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python asyncio (or uvloop with --uvloop) on the timer workloads of ../protocol.hpp:

  timer_insert_cancel  loop.call_later(delay, callback), then handle.cancel()
  timer_insert_fire    loop.call_later(delay, callback); the last callback of a round resolves a
                       future the measuring coroutine awaits

Usage: timers.py [--uvloop] timer_insert_cancel|timer_insert_fire:<live timers> <ops>; prints one
JSON line like the C++ programs.
"""
import sys

import protocol


def nothing():
    pass


class Run:
    def __init__(self, loop):
        self.loop = loop
        self.next_timer = 0

    def insert_cancel(self, ops):
        call_later = self.loop.call_later
        first = self.next_timer
        for index in range(first, first + ops):
            call_later(protocol.far_delay_us(index) / 1e6, nothing).cancel()
        self.next_timer += ops

    async def insert_fire(self, live, ops):
        done = 0
        while done < ops:
            size = min(live, ops - done)
            all_fired = self.loop.create_future()
            fired = 0

            def on_fire():
                nonlocal fired
                fired += 1
                if fired == size:
                    all_fired.set_result(None)

            call_later = self.loop.call_later
            first = self.next_timer
            for index in range(first, first + size):
                call_later(protocol.fire_delay_us(index) / 1e6, on_fire)
            self.next_timer += size
            await all_fired
            done += size


async def measure(loop, family, live, ops):
    run = Run(loop)
    clock = protocol.clock(family)
    if family == "timer_insert_cancel":
        handles = [loop.call_later(protocol.far_delay_us(index) / 1e6, nothing) for index in range(live)]
        run.next_timer = live
        run.insert_cancel(protocol.warm_up_ops(ops))
        start = clock()
        run.insert_cancel(ops)
        elapsed = clock() - start
        for handle in handles:
            handle.cancel()
        return elapsed
    await run.insert_fire(live, protocol.warm_up_ops(ops))
    start = clock()
    await run.insert_fire(live, ops)
    return clock() - start


def main(argv):
    return protocol.run_program(argv, ["timer_insert_cancel", "timer_insert_fire"], measure)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
