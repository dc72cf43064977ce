#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare_http_clients.sh - requests/s of wrk, libcurl's multi interface and corio's
# client_session against one nginx on 127.0.0.1, in one run, with 1, 16 and 64 keep-alive
# connections, each client on one thread, fetching a 100-byte file. Prints one table.
#
#     benchmarks/net/compare_http_clients.sh [BUILD_DIR]        (default: build/release)
#
# Needs nginx (Debian's nginx-light) and a BUILD_DIR with http_client_bench built; wrk and
# curl_multi_bench (built when CMake found libcurl) are used when present, "n/a" otherwise.
# nginx runs from a private config in a fresh temporary directory (one worker, access log off,
# 127.0.0.1 on a free port) and is stopped and the directory removed on exit, so the script can
# be run again at any time. Each measurement lasts DURATION seconds (default 5) and is killed if
# it overruns. With ROUNDS=n (default 1) each row repeats the three clients n times, interleaved,
# and reports medians: on a shared machine one round can be off by 2x. One round takes about a
# minute. Compare within a row; the load average is printed before and after.
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
nginx=$(command -v nginx || echo /usr/sbin/nginx)

if [[ ! -x $corio_bench ]]; then
    echo "error: $corio_bench not found; build it first:" >&2
    echo "  cmake --build $build --target http_client_bench curl_multi_bench" >&2
    exit 1
fi
if [[ ! -x $nginx ]]; then
    echo "error: nginx not found (apt-get install nginx-light)" >&2
    exit 1
fi
have_wrk=no
command -v wrk >/dev/null && have_wrk=yes
have_curl=no
[[ -x $curl_bench ]] && have_curl=yes

work=$(mktemp -d "${TMPDIR:-/tmp}/corio-http-compare.XXXXXX")
nginx_pid=
cleanup() {
    if [[ -n $nginx_pid ]] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true # graceful: the master stops its worker
        for _ in $(seq 50); do
            kill -0 "$nginx_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nginx's worker drops root privileges, so it must be able to read the document root.
chmod 755 "$work"
mkdir -m 755 "$work/www"
printf '%0100d' 0 >"$work/www/100b.txt"
chmod 644 "$work/www/100b.txt"

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_config() {
    cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/client_body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    default_type text/plain;
    open_file_cache max=16;
    keepalive_requests 1000000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$1;
        root $work/www;
    }
}
EOF
}

# A random free port; retried if another process takes it first.
port=
for _ in $(seq 10); do
    candidate=$((20000 + RANDOM % 30000))
    port_in_use "$candidate" && continue
    write_config "$candidate"
    "$nginx" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do
        if port_in_use "$candidate"; then
            port=$candidate
            break
        fi
        kill -0 "$nginx_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $port ]] && break
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=
done
if [[ -z $port ]]; then
    echo "error: nginx did not start; its log:" >&2
    cat "$work/error.log" >&2 || true
    exit 1
fi
url=http://127.0.0.1:$port/100b.txt

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
    CORIO_BENCH_URL=$url timeout "$limit" "$corio_bench" \
        --benchmark_filter="^http_client_get/external/connections:$1/" \
        --benchmark_min_time="$duration" --benchmark_format=csv 2>/dev/null |
        awk -F, '
            /^name,/ { for (i = 1; i <= NF; ++i) if ($i == "items_per_second") column = i; next }
            column && $0 ~ /^"?http_client_get/ && $column != "" { printf "%.0f\n", $column; found = 1 }
            END { if (!found) print "failed" }'
}

# The last of its arguments, "n/a" if there are none (for a client that is not installed).
last() {
    if [[ $# -eq 0 ]]; then
        echo n/a
    else
        echo "${@: -1}"
    fi
}

# The median of its arguments ("failed" if any failed, "n/a" if there are none).
median() {
    if [[ $# -eq 0 ]]; then
        echo n/a
    elif [[ " $* " == *" failed "* ]]; then
        echo failed
    else
        printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
    fi
}

echo "nginx $("$nginx" -v 2>&1 | sed 's|.*/||') on $url (one worker)"
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
echo "| connections | wrk -t1 req/s | libcurl multi req/s | corio req/s | corio / wrk | corio / libcurl |"
echo "|---:|---:|---:|---:|---:|---:|"
for row in "${results[@]}"; do
    echo "$row" | awk '
        function ratio(a, b) { return (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b > 0) ? sprintf("%.2f", a / b) : "-" }
        { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ratio($4, $2), ratio($4, $3) }'
done
