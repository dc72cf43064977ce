# SPDX-License-Identifier: MIT
"""The Python side of ../protocol.hpp for the `<family>:<parameter>` workloads (timers and
sockets), shared by timers.py and sockets.py: argument checking, the delays, the clocks and the
output line. What each workload is: protocol.hpp. The --uvloop flag (take_uvloop_flag) and the loop
it picks (new_loop) are shared by every program here."""
import json
import sys
import time

FAR_DELAY_BASE_US = 3_600_000_000
FAR_DELAY_RANGE_US = 3_600_000_000
FIRE_DELAY_RANGE_US = 20_000


def spread(index, range_us):
    return (index * 2654435761) % 4294967296 % range_us


def far_delay_us(index):
    return FAR_DELAY_BASE_US + spread(index, FAR_DELAY_RANGE_US)


def fire_delay_us(index):
    return spread(index, FIRE_DELAY_RANGE_US)


def warm_up_ops(ops):
    return ops // 10 + 1


MAX_MESSAGE_BYTES = 64
MAX_CONNECTIONS = 10_000


def max_parameter_of(family):
    """The largest parameter a family takes; timers have no limit."""
    if family == "ping_pong_connections":
        return MAX_CONNECTIONS
    return MAX_MESSAGE_BYTES if family.startswith("ping_pong") else float("inf")


def take_uvloop_flag(args):
    """(True, the rest) when the arguments start with --uvloop, else (False, args)."""
    if args[:1] == ["--uvloop"]:
        return True, args[1:]
    return False, args


def parse_arguments(argv, families):
    """Returns (system, workload, family, parameter, ops); exits with status 2 on a bad line."""
    use_uvloop, args = take_uvloop_flag(argv[1:])
    system = "uvloop" if use_uvloop else "asyncio"
    if len(args) == 2 and ":" in args[0]:
        family, parameter = args[0].split(":", 1)
        if (family in families and parameter.isdigit() and int(parameter) > 0 and args[1].isdigit()
                and int(args[1]) > 0 and int(parameter) <= max_parameter_of(family)):
            return system, args[0], family, int(parameter), int(args[1])
    print(f"usage: {argv[0]} [--uvloop] {'|'.join(families)}:<live timers, message bytes 1-64, or "
          f"connections 1-10000> <ops>  (ops > 0)", file=sys.stderr)
    sys.exit(2)


def run_program(argv, families, measure):
    """The whole program: parses argv, runs measure(loop, family, parameter, ops) on a new loop
    (it returns the nanoseconds of the timed part) and prints the line."""
    system, workload, family, parameter, ops = parse_arguments(argv, families)
    loop = new_loop(system)
    try:
        nanoseconds = loop.run_until_complete(measure(loop, family, parameter, ops))
    finally:
        loop.close()
    report(system, workload, ops, nanoseconds)
    return 0


def new_loop(system):
    if system == "uvloop":
        import uvloop  # optional: the driver runs this only when python3-uvloop is installed
        return uvloop.new_event_loop()
    import asyncio
    return asyncio.new_event_loop()


def clock(family):
    """Wall time, or the process's CPU time for timer_insert_fire (see protocol.hpp)."""
    return time.process_time_ns if family == "timer_insert_fire" else time.perf_counter_ns


def report(system, workload, ops, nanoseconds):
    print(json.dumps({"system": system, "workload": workload, "ops": ops,
                      "ns_per_op": round(nanoseconds / ops, 3)}))
