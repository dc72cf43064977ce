#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare_server_builds.sh OLD_SERVER NEW_SERVER - two builds of http_hello_server under wrk,
# interleaved: each round runs old then new (or new then old, alternating), each on a fresh
# process and port, with the same wrk flags. Prints per-round req/s and the server's CPU time
# per request (user + system, from /proc/PID/stat), then the medians and new/old ratios.
#
#     ROUNDS=7 SECONDS_PER_RUN=5 CONNECTIONS=16 \
#         benchmarks/net/compare_server_builds.sh /tmp/old/http_hello_server build/release/...
#
# Linux only (/proc); needs wrk.
set -euo pipefail

old=$1
new=$2
rounds=${ROUNDS:-7}
seconds=${SECONDS_PER_RUN:-5}
connections=${CONNECTIONS:-16}
port_base=${PORT_BASE:-18080}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench_common.sh
source "$here/bench_common.sh"

ticks=$(getconf CLK_TCK)

# cpu_ticks PID: user + system time of PID so far, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# run_once SERVER PORT: prints "req/s microseconds-of-server-CPU-per-request".
run_once() {
    local server=$1 port=$2
    "$server" "$port" >/dev/null &
    local pid=$!
    for _ in $(seq 50); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/hello"; then break; fi
        sleep 0.1
    done
    local before after output rate requests
    before=$(cpu_ticks "$pid")
    output=$(wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/hello")
    after=$(cpu_ticks "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rate=$(echo "$output" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
    requests=$(echo "$output" | awk '/requests in/ { print $1 }')
    awk -v r="$rate" -v n="$requests" -v t=$((after - before)) -v hz="$ticks" \
        'BEGIN { printf "%s %.2f\n", r, (n > 0) ? t / hz * 1e6 / n : 0 }'
}

old_rates=() new_rates=() old_cpu=() new_cpu=()
echo "round  old req/s  new req/s  old us/req  new us/req   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq "$rounds"); do
    port=$((port_base + 2 * round))
    if ((round % 2)); then
        read -r or oc < <(run_once "$old" "$port")
        read -r nr nc < <(run_once "$new" $((port + 1)))
    else
        read -r nr nc < <(run_once "$new" $((port + 1)))
        read -r or oc < <(run_once "$old" "$port")
    fi
    old_rates+=("$or") new_rates+=("$nr") old_cpu+=("$oc") new_cpu+=("$nc")
    printf '%5d %10s %10s %11s %11s\n' "$round" "$or" "$nr" "$oc" "$nc"
done
mo=$(median "${old_rates[@]}") mn=$(median "${new_rates[@]}")
co=$(median "${old_cpu[@]}") cn=$(median "${new_cpu[@]}")
printf 'median %9s %10s %11s %11s\n' "$mo" "$mn" "$co" "$cn"
awk -v a="$mo" -v b="$mn" -v c="$co" -v d="$cn" \
    'BEGIN { printf "new/old: req/s %.3f, CPU per request %.3f   (load: %s)\n", b / a, d / c, "'"$(cut -d' ' -f1-3 /proc/loadavg)"'" }'
