# SPDX-License-Identifier: MIT
# bench_nginx.sh - sourced by the comparison scripts: starts one nginx on 127.0.0.1 that serves a
# 100-byte file, plain or (SCHEME=https) with TLS, from a private config in a fresh temporary
# directory, and stops it and removes the directory on exit.
#
#     SCHEME=https . benchmarks/net/bench_nginx.sh    # sets $url, $nginx_version and, for
#                                                     # https, $ca_file and $port
#
# nginx runs one worker with the access log off. For https it presents an ECDSA P-256 certificate
# for 127.0.0.1 made now with the openssl command (self-signed: $ca_file is the certificate
# itself), TLS 1.2 and 1.3, nginx's shared session cache and tickets both on, so that clients can
# resume sessions either way. Needs nginx (Debian's nginx package) and, for https, openssl.

bench_scheme=${SCHEME:-http}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [[ ! -x $nginx ]]; then
    echo "error: nginx not found (apt-get install nginx)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/corio-bench-nginx.XXXXXX")
nginx_pid=
stop_nginx() {
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
trap stop_nginx EXIT
trap 'exit 130' INT TERM

# nginx's worker drops root privileges, so it must be able to read the document root.
chmod 755 "$work"
mkdir -m 755 "$work/www"
printf '%0100d' 0 >"$work/www/100b.txt"
chmod 644 "$work/www/100b.txt"

tls_directives=
ca_file=
if [[ $bench_scheme == https ]]; then
    if ! command -v openssl >/dev/null; then
        echo "error: the openssl command is needed to make a certificate (apt-get install openssl)" >&2
        exit 1
    fi
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
    ca_file=$work/cert.pem
    tls_directives="
        ssl_certificate $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:bench:10m;
        ssl_session_tickets on;"
fi

bench_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

bench_write_config() {
    local listen_flags=
    [[ $bench_scheme == https ]] && listen_flags=" ssl"
    cat >"$work/nginx.conf" <<CONF
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
        listen 127.0.0.1:$1$listen_flags;
        root $work/www;$tls_directives
    }
}
CONF
}

# A random free port; retried if another process takes it first.
port=
for _ in $(seq 10); do
    candidate=$((20000 + RANDOM % 30000))
    bench_port_in_use "$candidate" && continue
    bench_write_config "$candidate"
    "$nginx" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do
        if bench_port_in_use "$candidate"; then
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
url=$bench_scheme://127.0.0.1:$port/100b.txt
nginx_version=$("$nginx" -v 2>&1 | sed 's|.*/||')
