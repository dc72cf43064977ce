#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare_http_clients.sh - requests/s of wrk, libcurl's multi interface and corio's
# client_session against one nginx on 127.0.0.1, in one run, with 1, 16 and 64 keep-alive
# connections, each client on one thread, fetching a 100-byte file. Prints one table.
#
#     benchmarks/net/compare_http_clients.sh [BUILD_DIR]        (default: build/release)
#     SCHEME=https benchmarks/net/compare_http_clients.sh       (the same over TLS)
#
# Over TLS, libcurl and corio verify nginx's certificate (made for the run, bench_nginx.sh) and
# wrk does not verify; on keep-alive connections that only matters for the first handshake.
# Needs nginx (Debian's nginx) and a BUILD_DIR with http_client_bench built; wrk and
# curl_multi_bench (built when CMake found libcurl) are used when present, "n/a" otherwise.
# nginx runs from a private config in a fresh temporary directory (bench_nginx.sh: one worker,
# access log off, 127.0.0.1 on a free port) and is stopped and the directory removed on exit, so
# the script can be run again at any time. Each measurement lasts DURATION seconds (default 5)
# and is killed if it overruns. With ROUNDS=n (default 1) each row repeats the three clients n
# times, interleaved, and reports medians: on a shared machine one round can be off by 2x. One
# round takes about a minute. Compare within a row; the load average is printed before and after.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/release}
duration=${DURATION:-5}
rounds=${ROUNDS:-1}
connection_counts=${CONNECTIONS:-"1 16 64"}
limit=$((duration * 4 + 30)) # seconds any one measurement may take

bench_dir=$build/benchmarks/net
corio_bench=$bench_dir/http_client_bench
curl_bench=$bench_dir/curl_multi_bench

if [[ ! -x $corio_bench ]]; then
    echo "error: $corio_bench not found; build it first:" >&2
    echo "  cmake --build $build --target http_client_bench curl_multi_bench" >&2
    exit 1
fi
have_wrk=no
command -v wrk >/dev/null && have_wrk=yes
have_curl=no
[[ -x $curl_bench ]] && have_curl=yes

. "$root/benchmarks/net/bench_common.sh"
# Starts nginx (plain, or with TLS for SCHEME=https): sets $url, $ca_file, $nginx_version.
. "$root/benchmarks/net/bench_nginx.sh"
export CORIO_BENCH_CAFILE=$ca_file

# Each prints requests/s, or "failed".
run_wrk() {
    timeout "$limit" wrk -t1 -c"$1" -d"${duration}s" "$url" 2>&1 |
        awk '/^Requests\/sec:/ { printf "%.0f\n", $2; found = 1 } END { if (!found) print "failed" }'
}
run_curl() {
    timeout "$limit" "$curl_bench" "$url" "$1" "$duration" 2>&1 |
        awk '/^requests\/s:/ { print $2; found = 1 } END { if (!found) print "failed" }'
}
run_corio() {
    CORIO_BENCH_URL=$url corio_rate "$corio_bench" "^http_client_get/external/connections:$1/" \
        "$duration"
}

echo "nginx $nginx_version on $url (one worker)"
echo "${duration} s per measurement, $rounds round(s), medians; $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for connections in $connection_counts; do
    wrk_rates=()
    curl_rates=()
    corio_rates=()
    # Rounds interleave the clients, so a burst of load elsewhere hits all three alike.
    for round in $(seq "$rounds"); do
        [[ $have_wrk == yes ]] && wrk_rates+=("$(run_wrk "$connections")")
        [[ $have_curl == yes ]] && curl_rates+=("$(run_curl "$connections")")
        corio_rates+=("$(run_corio "$connections")")
        echo "$connections connection(s), round $round: wrk $(last "${wrk_rates[@]}")," \
            "libcurl multi $(last "${curl_rates[@]}"), corio $(last "${corio_rates[@]}") req/s"
    done
    results+=("$connections $(median "${wrk_rates[@]}") $(median "${curl_rates[@]}") $(median "${corio_rates[@]}")")
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
ratio_table connections "wrk -t1 req/s" "libcurl multi req/s" "corio req/s" "${results[@]}"
