# SPDX-License-Identifier: MIT
"""The HTTP workloads of benchmarks/compare/run (issue 17): clients against one nginx, wrk against
each system's minimal server, and bytes per idle keep-alive connection held open against each
server, 1 to 10,000 connections (the scaling curve). Imported by run; standard library only.

  http_client:<connections>      keep-alive GETs of a 100-byte file from one nginx (one worker,
                                 access log off, started here from a private config on 127.0.0.1
                                 and stopped by its PID), requests/s. wrk is the reference.
  http_server:<connections>      wrk -t1 against each system's server answering GET /hello with
                                 "hello\\n" (nginx: a 6-byte file), requests/s.
  idle_connection_bytes:<count>  <count> idle keep-alive connections, each after one GET /hello,
                                 held by python/idle_connections.py against a fresh server: the
                                 server's VmRSS (and anonymous memory) after minus before, per connection.

Who runs what: corio (corio::http::client_session through benchmarks/net/http_client_bench;
corio::http::server through benchmarks/net/http_hello_server; the loop's automatic backend,
epoll on Linux), aiohttp on asyncio and on uvloop (python/http_client.py, python/http_server.py),
libcurl's multi interface (benchmarks/net/curl_multi_bench, clients only), nginx (servers and idle
connections) and wrk. Systems without an HTTP layer are listed as such in the tables.
"""
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEBIAN_PYTHON = "/usr/bin/python3"
NGINX_CANDIDATES = ["/usr/sbin/nginx"]
CARGO_REGISTRY = Path("/usr/share/cargo/registry")

CLIENT_CONNECTIONS = [1, 16, 64]
SERVER_CONNECTIONS = [16, 64]
IDLE_COUNTS = [1, 10, 100, 1_000, 10_000]
# Every client except wrk and libcurl (which run for a time: their programs take no request
# count) runs exactly this many timed requests per run; wrk and libcurl run WRK_SECONDS.
CLIENT_REQUESTS = 30_000
WRK_SECONDS = 3
ROUNDS = 3
QUICK = {"client_connections": [16], "server_connections": [16], "idle_counts": [1, 10, 100],
         "client_requests": 2_000, "wrk_seconds": 1, "rounds": 1}
RUN_TIMEOUT = 180  # seconds any one measurement may take before it counts as failed
SETTLE_SECONDS = 0.3  # after the last answer, before the server's memory is read

# What the tables say for systems that have no HTTP layer to measure.
NO_HTTP_LAYER = {
    "asio": "no HTTP layer (Boost.Beast, which has one, is not measured here)",
    "libuv": "no HTTP layer",
    "tokio": "no HTTP layer packaged (hyper is not in /usr/share/cargo/registry)",
}
TITLES = {
    "http_client": "HTTP client: keep-alive GET of a 100-byte file from nginx, {} connection(s), requests/s",
    "http_server": "HTTP server under wrk -t1, {} connections, GET /hello, requests/s",
    "idle_connection_bytes": "bytes per idle keep-alive connection held against the server, {} connections",
}
UNITS = {"http_client": "requests/s", "http_server": "requests/s", "idle_connection_bytes": "bytes"}


def say(message):
    print(f"compare: {message}", flush=True)


def family_of(workload):
    return workload.split(":")[0]


def title(workload):
    family, parameter = workload.split(":")
    return TITLES[family].format(f"{int(parameter):,}")


def raise_fd_limit():
    """Soft RLIMIT_NOFILE up to the hard limit, for this process and every child it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# ---- nginx: one worker, private config in a temporary directory, stopped by its PID ----

class Nginx:
    """One nginx serving /100b.txt (100 bytes) and /hello ("hello\\n") on 127.0.0.1:<free port>."""

    def __init__(self, executable, max_connections):
        self.work = Path(tempfile.mkdtemp(prefix="corio-compare-nginx."))
        os.chmod(self.work, 0o755)  # the worker drops root privileges and reads the root
        www = self.work / "www"
        www.mkdir(mode=0o755)
        (www / "100b.txt").write_text("0" * 100)
        (www / "hello").write_text("hello\n")
        for served in www.iterdir():
            os.chmod(served, 0o644)
        self.port = free_port()
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        (self.work / "nginx.conf").write_text(f"""worker_processes 1;
worker_rlimit_nofile {hard};
daemon off;
pid {self.work}/nginx.pid;
error_log {self.work}/error.log warn;
events {{ worker_connections {worker_connections(max_connections)}; }}
http {{
    access_log off;
    client_body_temp_path {self.work}/client_body;
    proxy_temp_path {self.work}/proxy;
    fastcgi_temp_path {self.work}/fastcgi;
    uwsgi_temp_path {self.work}/uwsgi;
    scgi_temp_path {self.work}/scgi;
    default_type text/plain;
    open_file_cache max=16;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
    server {{
        listen 127.0.0.1:{self.port};
        root {self.work}/www;
    }}
}}
""")
        self.process = subprocess.Popen([executable, "-p", f"{self.work}/", "-c", str(self.work / "nginx.conf"),
                                         "-e", str(self.work / "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.worker_pid = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            children = children_of(self.process.pid)
            if children and answers(self.port):
                self.worker_pid = children[0]
                return
            time.sleep(0.05)
        log = (self.work / "error.log").read_text() if (self.work / "error.log").exists() else ""
        self.stop()
        raise RuntimeError(f"nginx did not start on 127.0.0.1:{self.port}: {log.strip()}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(3)  # SIGQUIT: graceful, the master stops its worker
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def worker_connections(max_connections):
    """nginx's worker_connections for holding max_connections at once. Once fewer than a sixteenth
    of its connection slots are free, nginx closes idle keep-alive connections to make room
    (ngx_drain_connections): with max_connections + 100 slots it closed 544 of 10,000 held ones.
    So an eighth more, and the 100 for the listener and the rest."""
    return max_connections + max_connections // 8 + 100


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port):
    import socket
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def children_of(pid):
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# ---- the systems' servers (nginx aside): started, then asked for their port ----

class Server:
    """A server program that prints "listening on HOST:PORT" and runs until SIGTERM."""

    def __init__(self, command):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # blocks until the line or the program's end
        match = re.match(r"listening on [^:]+:(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"{' '.join(command)} did not start: {line.strip()} "
                               f"{self.process.stderr.read().strip()}")
        self.port = int(match.group(1))
        self.pid = self.process.pid

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


# ---- finding the programs ----

def find_http_systems(build_dir, available_python):
    """{"clients": {system: kind}, "servers": {system: command}, "missing": [one-line reasons]}."""
    net = build_dir / "benchmarks" / "net"
    missing = []
    nginx = next((path for path in [shutil.which("nginx"), *NGINX_CANDIDATES] if path and os.access(path, os.X_OK)),
                 None)
    wrk = shutil.which("wrk")
    if nginx is None:
        missing.append("skipping the HTTP workloads against nginx: no nginx (apt-get install -y nginx)")
    if wrk is None:
        missing.append("skipping wrk and the HTTP server workload: no wrk (apt-get install -y wrk)")
    clients, servers = {}, {}
    if nginx and wrk:
        clients["wrk"] = [wrk]
    if nginx and (net / "curl_multi_bench").exists():
        clients["libcurl"] = [str(net / "curl_multi_bench")]
    elif nginx:
        missing.append("skipping libcurl: curl_multi_bench not built (apt-get install -y libcurl4-openssl-dev)")
    if nginx and (net / "http_client_bench").exists():
        clients["corio"] = [str(net / "http_client_bench")]
    elif nginx:
        missing.append("skipping corio's HTTP client: http_client_bench not built (it needs Google Benchmark)")
    if (net / "http_hello_server").exists():
        servers["corio"] = [str(net / "http_hello_server"), "0", "600"]
    else:
        missing.append("skipping corio's HTTP server: http_hello_server not built")
    if nginx:
        servers["nginx"] = [nginx]
    for loop in ["asyncio", "uvloop"]:
        if loop in available_python:
            flags = ["--uvloop"] if loop == "uvloop" else []
            clients[f"aiohttp-{loop}"] = [DEBIAN_PYTHON, str(HERE / "python" / "http_client.py"), *flags]
            servers[f"aiohttp-{loop}"] = [DEBIAN_PYTHON, str(HERE / "python" / "http_server.py"), *flags, "0"]
    not_measured = dict(NO_HTTP_LAYER)
    if CARGO_REGISTRY.is_dir() and any(entry.name.startswith("hyper-") for entry in CARGO_REGISTRY.iterdir()):
        not_measured["tokio"] = ("hyper is packaged but no Tokio/hyper program exists in "
                                 "benchmarks/compare/tokio yet")
    return {"nginx": nginx, "clients": clients, "servers": servers, "missing": missing,
            "not_measured": not_measured}


# ---- one measurement each ----

def run_checked(command, env=None, timeout=RUN_TIMEOUT):
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                               env={**os.environ, **(env or {})})
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}: {completed.stderr.strip()[-400:]}")
    return completed.stdout


def wrk_rate(url, connections, seconds):
    """wrk's Requests/sec; an error if any answer was not 2xx/3xx or a socket error occurred."""
    output = run_checked(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url])
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk on {url}: errors: {output.strip()}")
    return float(re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M).group(1))


def client_rate(system, command, url, connections, requests, seconds):
    if system == "wrk":
        return wrk_rate(url, connections, seconds)
    if system == "libcurl":
        output = run_checked([*command, url, str(connections), str(seconds)])
        return float(re.search(r"^requests/s:\s+([\d.]+)", output, re.M).group(1))
    if system == "corio":
        output = run_checked([*command, f"--benchmark_filter=^http_client_get/external/connections:{connections}/",
                              "--benchmark_format=json"],
                             env={"CORIO_BENCH_URL": url, "CORIO_BENCH_ITERATIONS": str(requests)})
        benchmarks = json.loads(output)["benchmarks"]
        if len(benchmarks) != 1 or benchmarks[0].get("error_occurred"):
            raise RuntimeError(f"http_client_bench on {url}: {benchmarks}")
        return float(benchmarks[0]["items_per_second"])
    result = json.loads(run_checked([*command, url, str(connections), str(requests)]).strip().splitlines()[-1])
    return float(result["requests_per_second"])


def memory_kib(pid):
    """(VmRSS, anonymous) of a process, in KiB: anonymous is smaps_rollup's Anonymous, the pages
    backed by no file (heap, stacks), which is where connections live. Pss or Private_* would
    move with other processes: the idle client is a python3 too, and its mapping libpython turns
    the Python server's private clean pages into shared ones, so they would seem to shrink."""
    rss = int(re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))
    anonymous = int(re.search(r"^Anonymous:\s+(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text(),
                              re.M).group(1))
    return rss, anonymous


def idle_curve(port, pid, counts):
    """Holds counts[i] idle connections in turn (one client, growing); returns [{count, rss_bytes_per_connection,
    anonymous_bytes_per_connection, closed}] and the server's memory before them (KiB)."""
    # One request on a connection of its own first, closed, so the server's request path is set up
    # (lazy initialisation is not a per-connection cost).
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=10) as answer:
        answer.read()
    time.sleep(SETTLE_SECONDS)
    before = memory_kib(pid)
    client = subprocess.Popen([DEBIAN_PYTHON, str(HERE / "python" / "idle_connections.py"), str(port)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    points = []
    try:
        for count in counts:
            client.stdin.write(f"open {count}\n")
            client.stdin.flush()
            line = client.stdout.readline()
            match = re.match(r"held (\d+) closed (\d+)", line)
            if not match or int(match.group(1)) != count:
                raise RuntimeError(f"idle_connections.py at {count}: {line.strip()} {client.stderr.read().strip()}")
            time.sleep(SETTLE_SECONDS)
            rss, anonymous = memory_kib(pid)
            points.append({"count": count, "closed": int(match.group(2)),
                           "rss_bytes_per_connection": (rss - before[0]) * 1024 / count,
                           "anonymous_bytes_per_connection": (anonymous - before[1]) * 1024 / count})
        client.stdin.write("quit\n")
        client.stdin.flush()
        client.wait(timeout=60)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        for stream in (client.stdin, client.stdout, client.stderr):
            stream.close()
    return points, {"rss_kib": before[0], "anonymous_kib": before[1]}


# ---- the whole HTTP part ----

def run_http(found, quick):
    settings = QUICK if quick else {"client_connections": CLIENT_CONNECTIONS, "server_connections": SERVER_CONNECTIONS,
                                    "idle_counts": IDLE_COUNTS, "client_requests": CLIENT_REQUESTS,
                                    "wrk_seconds": WRK_SECONDS, "rounds": ROUNDS}
    hard = raise_fd_limit()
    # The client and the server each hold one descriptor per connection, plus their own few.
    idle_counts = [count for count in settings["idle_counts"] if count + 200 <= hard]
    if len(idle_counts) < len(settings["idle_counts"]):
        say(f"idle connections: RLIMIT_NOFILE's hard limit {hard} allows up to {idle_counts[-1]:,}")
    for line in found["missing"]:
        say(line)
    start = time.monotonic()
    load_before = os.getloadavg()
    runs = []
    nginx = Nginx(found["nginx"], max(idle_counts)) if found["nginx"] else None
    try:
        if nginx:
            for round_number in range(1, settings["rounds"] + 1):
                for connections in settings["client_connections"]:
                    # The order rotates every round, so that no client always follows the same one.
                    order = list(found["clients"].items())
                    shift = round_number % len(order)
                    for system, command in order[shift:] + order[:shift]:
                        rate = client_rate(system, command, nginx.url("/100b.txt"), connections,
                                           settings["client_requests"], settings["wrk_seconds"])
                        runs.append({"workload": f"http_client:{connections}", "system": system,
                                     "round": round_number, "value": rate})
                say(f"HTTP client round {round_number} done ({time.monotonic() - start:.0f} s)")
        if shutil.which("wrk"):
            servers = {}
            try:
                for system, command in found["servers"].items():
                    servers[system] = nginx if system == "nginx" else Server(command)
                for round_number in range(1, settings["rounds"] + 1):
                    for connections in settings["server_connections"]:
                        order = list(servers.items())
                        shift = round_number % len(order)
                        for system, server in order[shift:] + order[:shift]:
                            rate = wrk_rate(server.url("/hello"), connections, settings["wrk_seconds"])
                            runs.append({"workload": f"http_server:{connections}", "system": system,
                                         "round": round_number, "value": rate})
                    say(f"HTTP server round {round_number} done ({time.monotonic() - start:.0f} s)")
            finally:
                for system, server in servers.items():
                    if system != "nginx":
                        server.stop()
    finally:
        if nginx:
            nginx.stop()
    idle = {}
    for system, command in found["servers"].items():
        # A fresh server each, so the connections counted are the only ones it ever held.
        server = Nginx(found["nginx"], max(idle_counts)) if system == "nginx" else Server(command)
        try:
            pid = server.worker_pid if system == "nginx" else server.pid
            points, before = idle_curve(server.port, pid, idle_counts)
        finally:
            server.stop()
        idle[system] = {"before": before, "points": points}
        closed = sum(point["closed"] for point in points)
        if closed:
            say(f"warning: {system} closed {closed} idle connections while they were counted")
    say(f"idle connections done ({time.monotonic() - start:.0f} s)")
    summary = {}
    for run in runs:
        summary.setdefault(run["workload"], {}).setdefault(run["system"], []).append(run["value"])
    summary = {workload: {system: {"median": statistics.median(values), "min": min(values),
                                   "max": max(values), "runs": len(values)}
                          for system, values in rows.items()}
               for workload, rows in summary.items()}
    for system, measured in idle.items():
        for point in measured["points"]:
            summary.setdefault(f"idle_connection_bytes:{point['count']}", {})[system] = {
                "median": point["rss_bytes_per_connection"], "min": point["rss_bytes_per_connection"],
                "max": point["rss_bytes_per_connection"], "runs": 1,
                "anonymous_bytes_per_connection": point["anonymous_bytes_per_connection"], "closed": point["closed"]}
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "settings": settings, "elapsed_seconds": time.monotonic() - start,
            "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
            "nginx_version": subprocess.run([found["nginx"], "-v"], capture_output=True, text=True).stderr.strip()
            if found["nginx"] else None,
            "clients": list(found["clients"]), "servers": list(found["servers"]),
            "not_measured": found["not_measured"], "runs": runs, "idle": idle, "summary": summary}


def ratios_within_rounds(runs, workload, reference):
    """{system: [its rate / reference's rate, one per round]}: on a shared machine the load can
    shift between rounds (every system's rate moving together), which the medians mix and a
    ratio within one round cancels."""
    by_round = {}
    for run in runs:
        if run["workload"] == workload:
            by_round.setdefault(run["round"], {})[run["system"]] = run["value"]
    ratios = {}
    for rates in by_round.values():
        if reference in rates:
            for system, rate in rates.items():
                ratios.setdefault(system, []).append(rate / rates[reference])
    return ratios


def http_markdown(http):
    settings = http["settings"]
    lines = ["# HTTP workloads", "",
             f"Measured {http['date']} in {http['elapsed_seconds']:.0f} s, {settings['rounds']} interleaved "
             f"round(s), load average (1, 5, 15 min) before {http['load_average']['before']}, after "
             f"{http['load_average']['after']}; {http['nginx_version']}, one worker, access log off. "
             f"corio, aiohttp-asyncio and aiohttp-uvloop run {settings['client_requests']:,} timed requests per "
             f"client run (after two untimed ones per connection); wrk and libcurl's multi interface "
             f"(curl_multi_bench) run {settings['wrk_seconds']} s, as their programs take a duration, not "
             f"a count. Every client and every wrk is one thread; corio's loop is the automatic backend "
             f"(epoll on Linux).", ""]
    not_measured = "; ".join(f"{system}: {reason}" for system, reason in http["not_measured"].items())
    for workload, rows in sorted(http["summary"].items(), key=lambda item: (family_of(item[0]),
                                                                            int(item[0].split(":")[1]))):
        family = family_of(workload)
        if family == "idle_connection_bytes":
            continue
        corio = rows.get("corio", {}).get("median")
        reference = "wrk" if family == "http_client" else "nginx"
        lines += [f"## {title(workload)}", "",
                  f"| system | median req/s | min-max req/s | runs | ratio to corio | ratio to {reference} | "
                  f"ratio to {reference} in the same round (median, min-max) |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        same_round = ratios_within_rounds(http["runs"], workload, reference)
        for system, row in sorted(rows.items(), key=lambda item: -item[1]["median"]):
            ratio = f"{row['median'] / corio:.2f}x" if corio else "-"
            to_reference = f"{row['median'] / rows[reference]['median']:.2f}x" if reference in rows else "-"
            paired = same_round.get(system)
            paired_cell = (f"{statistics.median(paired):.2f}x ({min(paired):.2f}-{max(paired):.2f})"
                           if paired else "-")
            lines.append(f"| {system} | {row['median']:,.0f} | {row['min']:,.0f}-{row['max']:,.0f} | "
                         f"{row['runs']} | {ratio} | {to_reference} | {paired_cell} |")
        lines += ["", f"Not measured: {not_measured}.", ""]
    idle = http["idle"]
    if idle:
        counts = [point["count"] for point in next(iter(idle.values()))["points"]]
        lines += ["## bytes per idle keep-alive connection, by connections held (server VmRSS after minus "
                  "before, per connection)", "",
                  "| server | memory before (RSS KiB) | " + " | ".join(f"{count:,}" for count in counts) +
                  " | anonymous memory at the largest count | ratio to nginx at the largest count | closed by the server |",
                  "|---|---:|" + "---:|" * len(counts) + "---:|---:|---:|"]
        largest = counts[-1]
        nginx_largest = next((point["rss_bytes_per_connection"] for point in idle.get("nginx", {}).get("points", [])
                              if point["count"] == largest), None)
        for system, measured in idle.items():
            by_count = {point["count"]: point for point in measured["points"]}
            cells = [f"{by_count[count]['rss_bytes_per_connection']:,.0f}" if count in by_count else "-"
                     for count in counts]
            top = by_count.get(largest)
            anonymous = f"{top['anonymous_bytes_per_connection']:,.0f}" if top else "-"
            ratio = (f"{top['rss_bytes_per_connection'] / nginx_largest:.1f}x"
                     if top and nginx_largest and nginx_largest > 0 else "-")
            lines.append(f"| {system} | {measured['before']['rss_kib']:,} | " + " | ".join(cells) +
                         f" | {anonymous} | {ratio} | {sum(point['closed'] for point in measured['points'])} |")
        lines += ["", "Each server is fresh, answers one request on a connection of its own (closed) before "
                  "the count starts, then one client (python/idle_connections.py) opens connections up to "
                  "each count in turn, one GET /hello on each, and holds them; the server's memory is read "
                  f"{SETTLE_SECONDS} s after the last answer. RSS moves in 4 KiB pages, so the small counts "
                  "are coarse (a page or two over a few connections). nginx allocates and touches its "
                  "connection and event arrays for all worker_connections (the largest count plus an "
                  "eighth, so that it never closes idle connections to make room) at start "
                  "(ngx_event_process_init), so those are in its 'before', not in the per-connection "
                  "figure. 'closed by the server' counts held connections found closed at any count "
                  "(0: every connection counted was open). corio's http_hello_server runs with a "
                  "10-minute idle timeout, aiohttp with keepalive_timeout 600, nginx with keepalive_timeout 600s.",
                  "", f"Not measured: {not_measured}.", ""]
    return "\n".join(lines)
