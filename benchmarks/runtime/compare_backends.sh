#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare_backends.sh - the scheduler and timer benchmarks once per event-loop backend, in one
# run: each round runs every benchmark program on every backend in turn (the backends' order
# alternating between rounds), and the table gives each benchmark's median time per iteration
# per backend and each later backend's time over the first's (above 1: slower).
#
#     benchmarks/runtime/compare_backends.sh [BUILD_DIR]     (default: build/release)
#     ROUNDS=5 BACKENDS="epoll io_uring" MIN_TIME=0.5 PROGRAMS="spawn_bench yield_bench" ...
#
# The backend is chosen with the CORIO_BACKEND environment variable, which overrides every loop's
# loop_options::backend (docs/design.md, "Choosing the backend"). Times are Google Benchmark's
# real time per iteration (wall clock), in ns. Defaults: 3 rounds, "epoll io_uring", 0.2 s per
# benchmark, the programs below (timer_wheel_bench is not among them: it drives the timer wheel
# alone, with no event loop, so no backend is involved; PROGRAMS=timer_wheel_bench runs it
# anyway). Compare within a row; the load average is printed before and
# after. Needs python3 (to read Google Benchmark's JSON).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/release}
rounds=${ROUNDS:-3}
backends=${BACKENDS:-"epoll io_uring"}
min_time=${MIN_TIME:-0.2}
programs=${PROGRAMS:-"spawn_bench yield_bench post_bench sleep_bench"}
# shellcheck source=benchmarks/net/bench_common.sh
. "$root/benchmarks/net/bench_common.sh"

for program in $programs; do
    if [[ ! -x $build/benchmarks/runtime/$program ]]; then
        echo "error: $build/benchmarks/runtime/$program not found; build it first:" >&2
        echo "  cmake --build $build --target $programs" >&2
        exit 1
    fi
done

results=$(mktemp "${TMPDIR:-/tmp}/corio-compare-backends.XXXXXX")
trap 'rm -f "$results"' EXIT

# run PROGRAM BACKEND: appends "name backend ns" lines for every benchmark PROGRAM runs. JSON, not
# CSV: Google Benchmark's CSV reporter aborts when benchmarks of one program have different
# counters (timer_wheel_bench's do).
run() {
    CORIO_BACKEND=$2 "$build/benchmarks/runtime/$1" --benchmark_min_time="$min_time" \
        --benchmark_format=json 2>/dev/null |
        python3 -c '
import json, sys
scale = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1}
for run in json.load(sys.stdin)["benchmarks"]:
    if "real_time" in run and not run.get("error_occurred"):
        print(run["name"].replace(" ", "_"), sys.argv[1], "%.1f" % (run["real_time"] * scale[run["time_unit"]]))
' "$2" >>"$results"
}

echo "backends: $backends; $rounds round(s), medians of real time per iteration; $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
    order=$backends
    if ((round % 2 == 0)); then
        order=$(echo "$backends" | awk '{ for (i = NF; i > 0; --i) printf "%s%s", $i, (i > 1 ? " " : "\n") }')
    fi
    for program in $programs; do
        for backend in $order; do
            run "$program" "$backend"
        done
    done
    echo "round $round done"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

header="| benchmark |"
rule="|---|"
for backend in $backends; do
    header+=" $backend ns |"
    rule+="---:|"
done
append_over_first_columns "$backends"
echo "$header"
echo "$rule"
# Benchmarks in the order they first ran; each cell the median over the rounds.
awk '!seen[$1]++ { print $1 }' "$results" | while read -r name; do
    row="| $name |"
    medians=()
    for backend in $backends; do
        # shellcheck disable=SC2046 # the times are words
        value=$(median $(awk -v n="$name" -v b="$backend" '$1 == n && $2 == b { print $3 }' "$results"))
        medians+=("$value")
        row+=" $value |"
    done
    for ((i = 1; i < ${#medians[@]}; ++i)); do
        row+=" $(awk -v a="${medians[i]}" -v b="${medians[0]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }') |"
    done
    echo "$row"
done
