#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare_http_clients.sh - requests/s of wrk, libcurl's multi interface and corio's
# client_session against one nginx on 127.0.0.1, in one run, with 1, 16 and 64 keep-alive
# connections, each client on one thread, fetching a 100-byte file; corio's client runs once per
# event-loop backend (BACKENDS, default "epoll io_uring" on Linux), next to its peers. Then, per
# backend, corio's client against corio's own server in the same process (both loops on that
# backend), and wrk against corio's http_hello_server on that backend next to wrk against nginx.
# Prints one table each.
#
#     benchmarks/net/compare_http_clients.sh [BUILD_DIR]        (default: build/release)
#     SCHEME=https benchmarks/net/compare_http_clients.sh       (the nginx table over TLS only)
#     BACKENDS=default ...        one corio run with CORIO_BACKEND unset (the loop's own choice)
#     SYSCALLS=1 ...              also system calls per request, per client and backend
#     SERVERS=0 ...               only the nginx table
#
# Over TLS, libcurl and corio verify nginx's certificate (made for the run, bench_nginx.sh) and
# wrk does not verify; on keep-alive connections that only matters for the first handshake.
# Needs nginx (Debian's nginx) and a BUILD_DIR with http_client_bench built; wrk and
# curl_multi_bench (built when CMake found libcurl) are used when present, "n/a" otherwise, and
# http_hello_server for the last table. A backend is chosen with the CORIO_BACKEND environment
# variable, which overrides every loop's loop_options::backend (docs/design.md, "Choosing the
# backend"); a backend the machine cannot run makes its column "failed".
# nginx runs from a private config in a fresh temporary directory (bench_nginx.sh: one worker,
# access log off, 127.0.0.1 on a free port) and is stopped and the directory removed on exit, so
# the script can be run again at any time. Each measurement lasts DURATION seconds (default 5)
# and is killed if it overruns. With ROUNDS=n (default 1) each row repeats every client n
# times, interleaved (the backends' order alternates between rounds), and reports medians: on a
# shared machine one round can be off by 2x. Compare within a row; the load average is printed
# before and after.
#
# SYSCALLS=1 counts system calls with perf's raw_syscalls:sys_enter tracepoint (no ptrace, so the
# timing is barely touched): corio runs exactly SYSCALL_REQUESTS (default 100000) and 10000
# timed requests (CORIO_BENCH_ITERATIONS) and the difference in calls is divided by the
# difference in requests, so connection setup cancels out; wrk and curl_multi_bench run 2 s and
# their whole count is divided by the requests they report. For the corio server, perf counts
# the server process while wrk loads it for 2 s. Needs perf (linux-perf) and permission to use
# tracepoints (root, or kernel.perf_event_paranoid <= -1).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/release}
duration=${DURATION:-5}
rounds=${ROUNDS:-1}
connection_counts=${CONNECTIONS:-"1 16 64"}
default_backends=default
[[ $(uname -s) == Linux ]] && default_backends="epoll io_uring"
backends=${BACKENDS:-$default_backends}
count_syscalls=${SYSCALLS:-0}
syscall_requests=${SYSCALL_REQUESTS:-100000}
with_servers=${SERVERS:-1}
limit=$((duration * 4 + 30)) # seconds any one measurement may take

bench_dir=$build/benchmarks/net
corio_bench=$bench_dir/http_client_bench
curl_bench=$bench_dir/curl_multi_bench
hello_server=$bench_dir/http_hello_server

if [[ ! -x $corio_bench ]]; then
    echo "error: $corio_bench not found; build it first:" >&2
    echo "  cmake --build $build --target http_client_bench curl_multi_bench http_hello_server" >&2
    exit 1
fi
have_wrk=no
command -v wrk >/dev/null && have_wrk=yes
have_curl=no
[[ -x $curl_bench ]] && have_curl=yes
if [[ $count_syscalls == 1 ]] && ! command -v perf >/dev/null; then
    echo "error: SYSCALLS=1 needs perf (apt-get install linux-perf)" >&2
    exit 1
fi

. "$root/benchmarks/net/bench_common.sh"
# Starts nginx (plain, or with TLS for SCHEME=https): sets $url, $ca_file, $nginx_version.
. "$root/benchmarks/net/bench_nginx.sh"
export CORIO_BENCH_CAFILE=$ca_file
trap 'stop_hello_server; stop_nginx' EXIT

# use_backend BACKEND: makes this (sub)shell's commands run on BACKEND (CORIO_BACKEND exported),
# or, for "default", with CORIO_BACKEND unset. Called in the $(...) subshell of a measurement.
use_backend() {
    if [[ $1 == default ]]; then
        unset CORIO_BACKEND
    else
        export CORIO_BACKEND=$1
    fi
}

# The backends in the order round $1 runs them: reversed every other round, so that neither
# always runs right after a peer.
backends_for_round() {
    if (($1 % 2 == 1)); then
        echo "$backends"
    else
        echo "$backends" | awk '{ for (i = NF; i > 0; --i) printf "%s%s", $i, (i > 1 ? " " : "\n") }'
    fi
}

# Each prints requests/s, or "failed".
run_wrk() { # CONNECTIONS [URL]
    timeout "$limit" wrk -t1 -c"$1" -d"${duration}s" "${2:-$url}" 2>&1 |
        awk '/^Requests\/sec:/ { printf "%.0f\n", $2; found = 1 } END { if (!found) print "failed" }'
}
run_curl() {
    timeout "$limit" "$curl_bench" "$url" "$1" "$duration" 2>&1 |
        awk '/^requests\/s:/ { print $2; found = 1 } END { if (!found) print "failed" }'
}
run_corio() { # BACKEND CONNECTIONS
    use_backend "$1"
    CORIO_BENCH_URL=$url corio_rate "$corio_bench" "^http_client_get/external/connections:$2/" \
        "$duration"
}
run_corio_server() { # BACKEND CONNECTIONS: corio's client and server, both on BACKEND
    use_backend "$1"
    corio_rate "$corio_bench" "^http_client_get/corio_server/connections:$2/" "$duration"
}

# start_hello_server BACKEND: starts http_hello_server on a free port on BACKEND; sets
# $hello_pid and $hello_url. stop_hello_server stops it.
hello_pid=
start_hello_server() {
    local listening=$work/hello-listening
    : >"$listening"
    (
        use_backend "$1"
        exec "$hello_server" 0 >"$listening" 2>&1
    ) &
    hello_pid=$!
    for _ in $(seq 50); do
        grep -q '^listening on ' "$listening" && break
        kill -0 "$hello_pid" 2>/dev/null || break
        sleep 0.1
    done
    hello_url=$(awk '/^listening on / { print "http://" $3 "/hello" }' "$listening")
    if [[ -z $hello_url ]]; then
        echo "error: http_hello_server did not start on $1:" >&2
        cat "$listening" >&2
        stop_hello_server
        return 1
    fi
}
stop_hello_server() {
    if [[ -n $hello_pid ]]; then
        kill "$hello_pid" 2>/dev/null || true
        wait "$hello_pid" 2>/dev/null || true
        hello_pid=
    fi
}
run_wrk_on_corio_server() { # BACKEND CONNECTIONS
    if start_hello_server "$1" >&2; then
        run_wrk "$2" "$hello_url"
        stop_hello_server
    else
        echo failed
    fi
}

echo "nginx $nginx_version on $url (one worker); corio backends: $backends"
echo "${duration} s per measurement, $rounds round(s), medians; $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for connections in $connection_counts; do
    wrk_rates=()
    curl_rates=()
    declare -A corio_rates=()
    # Rounds interleave the clients, so a burst of load elsewhere hits all of them alike.
    for round in $(seq "$rounds"); do
        [[ $have_wrk == yes ]] && wrk_rates+=("$(run_wrk "$connections")")
        [[ $have_curl == yes ]] && curl_rates+=("$(run_curl "$connections")")
        line="$connections connection(s), round $round: wrk $(last "${wrk_rates[@]}"), libcurl multi $(last "${curl_rates[@]}")"
        for backend in $(backends_for_round "$round"); do
            rate=$(run_corio "$backend" "$connections")
            corio_rates[$backend]+=" $rate"
            line+=", corio $backend $rate"
        done
        echo "$line req/s"
    done
    row="$connections $(median "${wrk_rates[@]}") $(median "${curl_rates[@]}")"
    for backend in $backends; do
        # shellcheck disable=SC2086 # the rates are words
        row+=" $(median ${corio_rates[$backend]})"
    done
    results+=("$row")
    unset corio_rates
done

server_results=()
if [[ $with_servers == 1 && $bench_scheme == http ]]; then
    for connections in $connection_counts; do
        declare -A client_rates=() wrk_server_rates=()
        nginx_rates=()
        for round in $(seq "$rounds"); do
            [[ $have_wrk == yes ]] && nginx_rates+=("$(run_wrk "$connections")")
            line="$connections connection(s), round $round, corio's server: wrk on nginx $(last "${nginx_rates[@]}")"
            for backend in $(backends_for_round "$round"); do
                rate=$(run_corio_server "$backend" "$connections")
                client_rates[$backend]+=" $rate"
                line+=", corio client+server $backend $rate"
                if [[ $have_wrk == yes && -x $hello_server ]]; then
                    rate=$(run_wrk_on_corio_server "$backend" "$connections")
                else
                    rate=n/a
                fi
                wrk_server_rates[$backend]+=" $rate"
                line+=", wrk on corio's server $backend $rate"
            done
            echo "$line req/s"
        done
        row="$connections $(median "${nginx_rates[@]}")"
        for backend in $backends; do
            # shellcheck disable=SC2086
            row+=" $(median ${client_rates[$backend]}) $(median ${wrk_server_rates[$backend]})"
        done
        server_results+=("$row")
        unset client_rates wrk_server_rates
    done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# count_calls OUTPUT COMMAND...: runs COMMAND under perf stat; OUTPUT gets the number of system
# calls it made on its first line and COMMAND's own output after it.
count_calls() {
    local output=$1 counts=$work/perf-counts
    shift
    perf stat -x, -e raw_syscalls:sys_enter -o "$counts" "$@" >"$output.out" 2>&1 || true
    awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$counts" >"$output"
    cat "$output.out" >>"$output"
}
# per_request CALLS REQUESTS: CALLS / REQUESTS to two decimals, or "-".
per_request() {
    awk -v c="$1" -v r="$2" 'BEGIN { if (c ~ /^[0-9]+$/ && r ~ /^[0-9]+$/ && r > 0) printf "%.2f\n", c / r; else print "-" }'
}
# corio_calls BACKEND CONNECTIONS FILTER_PREFIX: corio's calls per request (see SYSCALLS above).
corio_calls() {
    local n counts=()
    for n in $((syscall_requests / 10)) "$syscall_requests"; do
        (
            use_backend "$1"
            CORIO_BENCH_URL=$url CORIO_BENCH_ITERATIONS=$n count_calls "$work/corio" \
                timeout "$limit" "$corio_bench" --benchmark_filter="^http_client_get/$3/connections:$2/"
        )
        counts+=("$(head -1 "$work/corio")")
    done
    if [[ ${counts[0]} =~ ^[0-9]+$ && ${counts[1]} =~ ^[0-9]+$ ]]; then
        per_request $((counts[1] - counts[0])) $((syscall_requests - syscall_requests / 10))
    else
        echo -
    fi
}
# server_calls BACKEND CONNECTIONS: calls per request of http_hello_server on BACKEND under wrk.
server_calls() {
    if ! start_hello_server "$1" >&2; then
        echo -
        return
    fi
    wrk -t1 -c"$2" -d3s "$hello_url" >"$work/wrk-server" 2>&1 &
    local wrk_pid=$!
    sleep 0.5 # past wrk's connection setup
    perf stat -x, -e raw_syscalls:sys_enter -o "$work/perf-server" -p "$hello_pid" -- sleep 2 \
        >/dev/null 2>&1 || true
    wait "$wrk_pid" || true
    stop_hello_server
    # wrk's rate over its 3 s stands for the rate during perf's 2 s.
    local calls rate
    calls=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$work/perf-server")
    rate=$(awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$work/wrk-server")
    per_request "$calls" "$((${rate:-0} * 2))"
}

syscall_rows=()
server_syscall_rows=()
if [[ $count_syscalls == 1 ]]; then
    for connections in $connection_counts; do
        row="$connections"
        if [[ $have_wrk == yes ]]; then
            count_calls "$work/wrk" timeout "$limit" wrk -t1 -c"$connections" -d2s "$url"
            row+=" $(per_request "$(head -1 "$work/wrk")" "$(awk '/requests in/ { print $1 }' "$work/wrk")")"
        else
            row+=" -"
        fi
        if [[ $have_curl == yes ]]; then
            count_calls "$work/curl" timeout "$limit" "$curl_bench" "$url" "$connections" 2
            row+=" $(per_request "$(head -1 "$work/curl")" "$(awk '/requests in/ { print $1 }' "$work/curl")")"
        else
            row+=" -"
        fi
        for backend in $backends; do
            row+=" $(corio_calls "$backend" "$connections" external)"
        done
        syscall_rows+=("$row")
        if [[ $with_servers == 1 && $bench_scheme == http && $have_wrk == yes && -x $hello_server ]]; then
            row="$connections"
            for backend in $backends; do
                row+=" $(corio_calls "$backend" "$connections" corio_server) $(server_calls "$backend" "$connections")"
            done
            server_syscall_rows+=("$row")
        fi
    done
fi

echo
echo "HTTP client against nginx, requests/s:"
echo
backend_table connections "wrk -t1 req/s" "libcurl multi req/s" "$backends" "${results[@]}"

# The server tables: per backend, corio's client against corio's server in one process, and wrk
# against http_hello_server, with wrk against nginx in the same rounds for scale.
if ((${#server_results[@]} > 0)); then
    echo
    echo "Against corio's server, requests/s (client+server: both in http_client_bench; wrk: http_hello_server):"
    echo
    header="| connections | wrk on nginx |"
    rule="|---|---:|"
    for backend in $backends; do
        header+=" corio client+server $backend | wrk on corio server $backend | wrk on corio $backend / on nginx |"
        rule+="---:|---:|---:|"
    done
    echo "$header"
    echo "$rule"
    for row in "${server_results[@]}"; do
        echo "$row" | awk "$awk_ratio_function"'
            {
                line = "| " $1 " | " $2 " |"
                for (i = 3; i < NF; i += 2) line = line " " $i " | " $(i + 1) " | " ratio($(i + 1), $2) " |"
                print line
            }'
    done
fi

if ((${#syscall_rows[@]} > 0)); then
    echo
    echo "System calls per request against nginx:"
    echo
    header="| connections | wrk | libcurl multi |"
    rule="|---|---:|---:|"
    for backend in $backends; do
        header+=" corio $backend |"
        rule+="---:|"
    done
    print_table "${syscall_rows[@]}"
fi
if ((${#server_syscall_rows[@]} > 0)); then
    echo
    echo "System calls per request with corio's server (client+server: both sides' calls):"
    echo
    header="| connections |"
    rule="|---|"
    for backend in $backends; do
        header+=" corio client+server $backend | http_hello_server $backend under wrk |"
        rule+="---:|---:|"
    done
    print_table "${server_syscall_rows[@]}"
fi
