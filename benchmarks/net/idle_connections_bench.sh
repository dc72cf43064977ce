#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# idle_connections_bench.sh - heap and RSS per idle keep-alive connection: corio's server and
# nginx (one worker, private config on 127.0.0.1) in the same run (issue 14).
#
#     benchmarks/net/idle_connections_bench.sh [build-dir] [connections]
#
# Build first: cmake --preset release && cmake --build build/release --target idle_connections_bench
# nginx serves /hello (6 bytes, "hello\n", as corio's route does) with keepalive_timeout 10 min.
set -euo pipefail
build=${1:-build/release}
connections=${2:-10000}
bench=$build/benchmarks/net/idle_connections_bench
[[ -x $bench ]] || { echo "error: $bench not built" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || { echo "error: nginx not found (apt-get install nginx)" >&2; exit 1; }

ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d "${TMPDIR:-/tmp}/corio-idle-nginx.XXXXXX")
chmod 755 "$work"
nginx_pid=
cleanup() {
    if [[ -n $nginx_pid ]]; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www"
printf 'hello\n' >"$work/www/hello"
chmod -R a+rX "$work/www"
port=$((20000 + RANDOM % 30000))
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile $(ulimit -Hn);
daemon off;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections $((connections + 100)); }
http {
    access_log off;
    client_body_temp_path $work/client_body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    default_type text/plain;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
    server {
        listen 127.0.0.1:$port;
        root $work/www;
    }
}
CONF
"$nginx" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" &
nginx_pid=$!
worker=
for _ in $(seq 50); do
    worker=$(pgrep -P "$nginx_pid" | head -1 || true)
    [[ -n $worker ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
[[ -n $worker ]] || { echo "error: nginx did not start" >&2; cat "$work/error.log" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -sr), nginx $("$nginx" -v 2>&1 | sed 's|.*/||')"
"$bench" --connections "$connections" --nginx-port "$port" --nginx-worker-pid "$worker"
