#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare_tls_handshakes.sh - TLS handshakes per second against one nginx on 127.0.0.1: openssl
# s_time, libcurl and corio's client_session, in one run, each opening one connection at a time,
# fetching a 100-byte file over it and closing it. Two rows: full handshakes (no session
# resumption) and resumed ones (each client reusing the session of its previous connection).
# Prints one table.
#
#     benchmarks/net/compare_tls_handshakes.sh [BUILD_DIR]      (default: build/release)
#
# nginx presents an ECDSA P-256 certificate made for the run (bench_nginx.sh), which every client
# verifies. The handshake costs both sides: nginx runs on the other core, so the rate is set by
# whichever side is slower per handshake, and what differs between the clients is their own
# share. Needs nginx, the openssl command and a BUILD_DIR with http_client_bench built;
# curl_multi_bench is used when CMake found libcurl. DURATION (default 5) seconds per
# measurement, ROUNDS (default 1) interleaved rounds with medians, as compare_http_clients.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/release}
duration=${DURATION:-5}
rounds=${ROUNDS:-1}
limit=$((duration * 4 + 30))

bench_dir=$build/benchmarks/net
corio_bench=$bench_dir/http_client_bench
curl_bench=$bench_dir/curl_multi_bench
if [[ ! -x $corio_bench ]]; then
    echo "error: $corio_bench not found; build it first:" >&2
    echo "  cmake --build $build --target http_client_bench curl_multi_bench" >&2
    exit 1
fi
have_curl=no
[[ -x $curl_bench ]] && have_curl=yes

. "$root/benchmarks/net/bench_common.sh"
SCHEME=https
. "$root/benchmarks/net/bench_nginx.sh"
export CORIO_BENCH_CAFILE=$ca_file

# Each prints handshakes/s, or "failed". $1: full or resumed.
run_s_time() {
    local mode=-new
    [[ $1 == resumed ]] && mode=-reuse
    timeout "$limit" openssl s_time -connect "127.0.0.1:$port" "$mode" -time "$duration" \
        -www /100b.txt -CAfile "$ca_file" -verify 1 2>&1 |
        awk '/connections in .* real seconds/ { n = $1; s = $4; found = 1 }
             END { if (found && s > 0) printf "%.0f\n", n / s; else print "failed" }'
}
run_curl() {
    CURL_BENCH_NEW_CONNECTIONS=$1 timeout "$limit" "$curl_bench" "$url" 1 "$duration" 2>&1 |
        awk '/^requests\/s:/ { print $2; found = 1 } END { if (!found) print "failed" }'
}
run_corio() {
    local resumed=0
    [[ $1 == resumed ]] && resumed=1
    CORIO_BENCH_URL=$url corio_rate "$corio_bench" "^http_client_new_connection/resumed:$resumed/" \
        "$duration"
}

echo "nginx $nginx_version on $url (one worker, ECDSA P-256)"
echo "${duration} s per measurement, $rounds round(s), medians; $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for handshake in full resumed; do
    s_time_rates=()
    curl_rates=()
    corio_rates=()
    for round in $(seq "$rounds"); do
        s_time_rates+=("$(run_s_time "$handshake")")
        [[ $have_curl == yes ]] && curl_rates+=("$(run_curl "$handshake")")
        corio_rates+=("$(run_corio "$handshake")")
        echo "$handshake handshakes, round $round: openssl s_time $(last "${s_time_rates[@]}")," \
            "libcurl $(last "${curl_rates[@]}"), corio $(last "${corio_rates[@]}") per second"
    done
    results+=("$handshake $(median "${s_time_rates[@]}") $(median "${curl_rates[@]}") $(median "${corio_rates[@]}")")
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
ratio_table handshakes "s_time /s" "libcurl /s" "corio /s" "${results[@]}"
