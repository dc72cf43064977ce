#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SVG charts from run's results.json. One bar chart per workload: the median cost per operation
of every system, with its min-max as a whisker, on a log scale (the systems span three decades).
One line chart per scaling workload: cost per operation against the count (1k to 1M), one line
per system, both axes log-scaled.

    plot.py results.json OUT_DIR    # writes OUT_DIR/compare-<workload>.svg, scaling-<workload>.svg

With the timer and socket workloads in the JSON ("io"), also a bar chart per such workload
(compare-<family>-<parameter>.svg), and a scaling curve per timer family and for the
many-connection ping-pong (compare-scaling-<family>.svg: cost per timer against live timers, cost
per round trip against connections; both axes log-scaled).
With the HTTP workloads in the JSON ("http"), a bar chart per client and server workload
(compare-http_client-<connections>.svg, compare-http_server-<connections>.svg: requests/s, longer
is faster), one of bytes per idle connection at the largest count held
(compare-idle_connection_bytes.svg) and its scaling curve from 1 connection up
(compare-scaling-idle_connection_bytes.svg), and requests/s against connections
(compare-scaling-http_client.svg, compare-scaling-http_server.svg) when more than one count ran.
With all five of HEADLINE's workloads present, headline.svg too: the README's chart, each system's
median on each as a multiple of corio's.
Standard library only.
"""
import json
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, LEFT, RIGHT, TOP, ROW, BOTTOM = 720, 90, 80, 48, 30, 40
CORIO_COLOUR, OTHER_COLOUR, FLOOR_COLOUR = "#1f77b4", "#9aa5b1", "#2ca02c"
# Line colours for the scaling charts: corio and the floor as in the bar charts, the others apart.
LINE_COLOURS = {"corio": CORIO_COLOUR, "floor": FLOOR_COLOUR, "asio": "#d62728", "libuv": "#8c564b",
                "tokio": "#ff7f0e", "asyncio": "#9467bd", "uvloop": "#e377c2", "nginx": "#17becf",
                "aiohttp-asyncio": "#9467bd", "aiohttp-uvloop": "#e377c2", "wrk": "#bcbd22",
                "libcurl": "#7f7f7f"}
UNIT_LABELS = {"ns": "ns per operation", "bytes": "bytes per task", "requests/s": "requests per second",
               "bytes/connection": "bytes per idle connection (server RSS)"}
# The reference each HTTP chart colours like the floor: what corio is measured against.
HTTP_REFERENCES = {"http_client": "wrk", "http_server": "nginx", "idle_connection_bytes": "nginx"}


def decades(low_value, high_value):
    """The powers of ten around [low_value, high_value]."""
    return 10 ** math.floor(math.log10(low_value)), 10 ** math.ceil(math.log10(high_value))


ONE_TWO_FIVE = (1, 2, 5)


def one_two_five(low_value, high_value):
    """The 1-2-5 steps (..., 1, 2, 5, 10, 20, ...) from the one at or below low_value to the one at
    or above high_value: gridlines for a log axis that spans less than two decades."""
    steps = []
    power = 10.0 ** math.floor(math.log10(low_value))
    while not steps or steps[-1] < high_value:
        steps += [step * power for step in ONE_TWO_FIVE]
        power *= 10
    steps.append(power)
    first = max(index for index, step in enumerate(steps) if step <= low_value)
    last = min(index for index, step in enumerate(steps) if step >= high_value)
    return steps[first:last + 1]


def log_axis(low, high, start, length):
    """Maps a value in [low, high] to a position on a log axis that runs from start over length
    (a negative length runs upwards, as a y axis does)."""
    span = math.log10(high / low)
    return lambda value: start + length * math.log10(value / low) / span


def powers_of_ten(low, high):
    """low, 10 low, 100 low, ... up to high: where a log axis gets its gridlines."""
    while low <= high:
        yield low
        low *= 10


def svg_open(width, height, title):
    """The opening of every chart: the svg element, a white background and the title."""
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="12">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>']


def chart(title, rows, unit="ns", reference="floor"):
    """rows: [(system, median, min, max)] sorted fastest first; reference is drawn in the floor's colour."""
    low, high = decades(min(row[2] for row in rows), max(row[3] for row in rows))
    # Room for the longest name left of the bars (about 7 px a character at 12 px).
    left = max(LEFT, 16 + 7 * max(len(row[0]) for row in rows))
    plot_width = WIDTH - left - RIGHT
    x = log_axis(low, high, left, plot_width)
    height = TOP + ROW * len(rows) + BOTTOM
    parts = svg_open(WIDTH, height, title)
    for decade in powers_of_ten(low, high):
        position = x(decade)
        parts.append(f'<line x1="{position:.1f}" y1="{TOP - 6}" x2="{position:.1f}" '
                     f'y2="{height - BOTTOM + 4}" stroke="#ddd"/>')
        parts.append(f'<text x="{position:.1f}" y="{height - BOTTOM + 18}" text-anchor="middle">'
                     f'{decade:g}</text>')
    parts.append(f'<text x="{left + plot_width / 2}" y="{height - 6}" text-anchor="middle">'
                 f'{UNIT_LABELS[unit]} (log scale; bar = median, whisker = min-max)</text>')
    for index, (system, median, minimum, maximum) in enumerate(rows):
        top = TOP + index * ROW
        colour = CORIO_COLOUR if system == "corio" else FLOOR_COLOUR if system == reference else OTHER_COLOUR
        parts.append(f'<text x="{left - 8}" y="{top + 17}" text-anchor="end">{escape(system)}</text>')
        parts.append(f'<rect x="{left}" y="{top + 4}" width="{x(median) - left:.1f}" height="{ROW - 10}" '
                     f'fill="{colour}"/>')
        parts.append(f'<line x1="{x(minimum):.1f}" y1="{top + ROW / 2}" x2="{x(maximum):.1f}" '
                     f'y2="{top + ROW / 2}" stroke="black"/>')
        parts.append(f'<text x="{x(maximum) + 6:.1f}" y="{top + 17}">{median:,.1f}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def line_chart(title, unit, curves, x_label="count"):
    """curves: {system: {count: value}}; log-log, one line with dots per system, legend at right."""
    width, height, left, right, top, bottom = 720, 400, 70, 110, 40, 50
    right = max(right, 46 + 7 * max(len(system) for system in curves))  # room for the legend's names
    width += right - 110
    counts = sorted({count for points in curves.values() for count in points})
    values = [value for points in curves.values() for value in points.values()]
    x_low, x_high = decades(min(counts), max(counts))
    y_low, y_high = decades(min(values), max(values))
    # Curves that stay within a few multiples of each other get 1-2-5 gridlines, not decades that
    # would squeeze them into a sliver of the chart.
    y_grid = list(powers_of_ten(y_low, y_high))
    if max(values) / min(values) < 10 and len(one_two_five(min(values), max(values))) > 1:
        y_grid = one_two_five(min(values), max(values))
        y_low, y_high = y_grid[0], y_grid[-1]
    plot_width, plot_height = width - left - right, height - top - bottom

    x = log_axis(x_low, x_high, left, plot_width)
    y = log_axis(y_low, y_high, top + plot_height, -plot_height)
    parts = svg_open(width, height, title)
    for count in powers_of_ten(x_low, x_high):
        parts.append(f'<line x1="{x(count):.1f}" y1="{top}" x2="{x(count):.1f}" y2="{top + plot_height}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{x(count):.1f}" y="{top + plot_height + 16}" text-anchor="middle">'
                     f'{count:,.0f}</text>')
    for value in y_grid:
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_width}" y2="{y(value):.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>')
    parts.append(f'<text x="{left + plot_width / 2}" y="{height - 10}" text-anchor="middle">'
                 f'{escape(x_label)} (log scale)</text>')
    parts.append(f'<text x="16" y="{top + plot_height / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {top + plot_height / 2})">{UNIT_LABELS[unit]} (log scale)</text>')
    # Legend in the order of the last point, highest first, so it reads like the lines' ends.
    ordered = sorted(curves.items(), key=lambda item: -item[1][max(item[1])])
    for index, (system, points) in enumerate(ordered):
        colour = LINE_COLOURS.get(system, OTHER_COLOUR)
        line = " ".join(f"{x(count):.1f},{y(points[count]):.1f}" for count in sorted(points))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for count in sorted(points):
            parts.append(f'<circle cx="{x(count):.1f}" cy="{y(points[count]):.1f}" r="3" fill="{colour}"/>')
        legend_y = top + 10 + index * 18
        parts.append(f'<line x1="{width - right + 10}" y1="{legend_y}" x2="{width - right + 30}" '
                     f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{width - right + 36}" y="{legend_y + 4}">{escape(system)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# ---- Timer and socket workloads: bar charts, and scaling curves for timers and connections ----
# family: (chart title, x axis)
SCALING_TITLES = {"timer_insert_cancel": ("timer insert+cancel: ns per insert+cancel", "live timers"),
                  "timer_insert_fire": ("timer insert+fire: CPU ns per timer", "live timers"),
                  "ping_pong_connections": ("1-byte TCP ping-pong: ns per round trip", "connections")}


def plot_io(report, out):
    summary = report["io"]["summary"]
    for workload, systems in summary.items():
        rows = sorted(((system, row["median"], row["min"], row["max"]) for system, row in systems.items()),
                      key=lambda row: row[1])
        if rows:
            family, parameter = workload.split(":")
            title = f"{workload} ({report['machine']['cpu']})"
            (out / f"compare-{family}-{parameter}.svg").write_text(chart(title, rows))
    for family, (title, x_label) in SCALING_TITLES.items():
        curves = {}
        for workload, systems in summary.items():
            if workload.startswith(family + ":"):
                count = int(workload.split(":")[1])
                for system, row in systems.items():
                    curves.setdefault(system, {})[count] = row["median"]
        if family == "ping_pong_connections":  # its 1-connection point is ping_pong_tcp:1 (see run)
            for system, row in summary.get("ping_pong_tcp:1", {}).items():
                if system in curves:
                    curves[system][1] = row["median"]
        curves = {system: points for system, points in curves.items() if len(points) > 1}
        if curves:
            (out / f"compare-scaling-{family}.svg").write_text(
                line_chart(f"{title} ({report['machine']['cpu']})", "ns", curves, x_label))


def plot_http(http, cpu, out):
    for workload, systems in http["summary"].items():
        family, parameter = workload.split(":")
        if family == "idle_connection_bytes":
            continue
        rows = sorted(((system, row["median"], row["min"], row["max"]) for system, row in systems.items()),
                      key=lambda row: -row[1])
        if rows:
            (out / f"compare-{family}-{parameter}.svg").write_text(
                chart(f"{workload}, requests/s ({cpu})", rows, "requests/s", HTTP_REFERENCES[family]))
    # Requests/s as the connections grow (1, 16, 64 in a full run), one line per system.
    for family, label in [("http_client", "HTTP clients against nginx"), ("http_server", "HTTP servers under wrk")]:
        curves = {}
        for workload, systems in http["summary"].items():
            if workload.startswith(family + ":"):
                for system, row in systems.items():
                    curves.setdefault(system, {})[int(workload.split(":")[1])] = row["median"]
        if family == "ping_pong_connections":  # its 1-connection point is ping_pong_tcp:1 (see run)
            for system, row in summary.get("ping_pong_tcp:1", {}).items():
                if system in curves:
                    curves[system][1] = row["median"]
        curves = {system: points for system, points in curves.items() if len(points) > 1}
        if curves:
            (out / f"compare-scaling-{family}.svg").write_text(
                line_chart(f"{label}: requests/s by connections ({cpu})", "requests/s", curves, "connections"))
    # Bytes per idle connection: bars at the largest count held, and the curve over every count.
    # RSS moves in pages, so a small count can show no growth at all: such points (zero or less)
    # cannot sit on a log scale and are left out of the charts (results.md has them).
    curves = {system: {point["count"]: point["rss_bytes_per_connection"] for point in measured["points"]
                       if point["rss_bytes_per_connection"] > 0}
              for system, measured in http.get("idle", {}).items()}
    largest = max((count for points in curves.values() for count in points), default=None)
    rows = sorted(((system, points[largest], points[largest], points[largest])
                   for system, points in curves.items() if largest in points), key=lambda row: row[1])
    if rows:
        (out / "compare-idle_connection_bytes.svg").write_text(
            chart(f"bytes per idle connection, {largest:,} held ({cpu})", rows, "bytes/connection", "nginx"))
    curves = {system: points for system, points in curves.items() if len(points) > 1}
    if curves:
        (out / "compare-scaling-idle_connection_bytes.svg").write_text(
            line_chart(f"bytes per idle connection as connections grow ({cpu})", "bytes/connection", curves,
                       "idle connections held"))


# The README's headline: five workloads, each system's median as a multiple of corio's.
HEADLINE = [("spawn_join", "spawn+join"), ("yield", "yield"), ("handoff", "hand-off"),
            ("timer_insert_cancel:1000000", "timer insert+cancel, 1M live"),
            ("ping_pong_socketpair:1", "socketpair ping-pong, 1 B")]
HEADLINE_SYSTEMS = ["floor", "corio", "asio", "libuv", "tokio", "uvloop", "asyncio"]


def headline_medians(report):
    """{workload: {system: median}} for HEADLINE's workloads, from either part of the report."""
    found = {**report.get("summary", {}), **report.get("io", {}).get("summary", {})}
    return {workload: {system: row["median"] for system, row in found[workload].items()}
            for workload, _ in HEADLINE if workload in found and "corio" in found[workload]}


def headline_chart(title, medians):
    """Grouped bars, one group per workload, one bar per system: time as a multiple of corio's,
    on a log scale (left of the corio line is faster than corio, right is slower)."""
    systems = [system for system in HEADLINE_SYSTEMS if any(system in row for row in medians.values())]
    ratios = {workload: {system: value / row["corio"] for system, value in row.items()}
              for workload, row in medians.items()}
    values = [ratio for row in ratios.values() for ratio in row.values()]
    low, high = decades(min(values), max(values))
    width, left, right, top, bar, gap, bottom = 760, 190, 90, 48, 11, 14, 64
    plot_width = width - left - right
    height = top + len(ratios) * (bar * len(systems) + gap) + bottom

    x = log_axis(low, high, left, plot_width)
    parts = svg_open(width, height, title)
    for decade in powers_of_ten(low, high):
        parts.append(f'<line x1="{x(decade):.1f}" y1="{top - 6}" x2="{x(decade):.1f}" '
                     f'y2="{height - bottom + 4}" stroke="#ddd"/>')
        parts.append(f'<text x="{x(decade):.1f}" y="{height - bottom + 18}" text-anchor="middle">'
                     f'{decade:g}x</text>')
    parts.append(f'<text x="{left + plot_width / 2}" y="{height - bottom + 36}" text-anchor="middle">'
                 f'time per operation as a multiple of corio\'s (log scale; shorter is faster)</text>')
    group_top = top
    for (workload, label) in HEADLINE:
        if workload not in ratios:
            continue
        group_height = bar * len(systems)
        parts.append(f'<text x="{left - 8}" y="{group_top + group_height / 2 + 4}" '
                     f'text-anchor="end">{escape(label)}</text>')
        for index, system in enumerate(systems):
            if system not in ratios[workload]:
                continue
            colour = LINE_COLOURS.get(system, OTHER_COLOUR)
            bar_top = group_top + index * bar
            parts.append(f'<rect x="{left}" y="{bar_top + 1}" width="{max(x(ratios[workload][system]) - left, 1):.1f}" '
                         f'height="{bar - 2}" fill="{colour}"/>')
        group_top += group_height + gap
    parts.append(f'<line x1="{x(1):.1f}" y1="{top - 6}" x2="{x(1):.1f}" y2="{height - bottom + 4}" '
                 f'stroke="{CORIO_COLOUR}" stroke-dasharray="4 3"/>')
    for index, system in enumerate(systems):
        legend_y = top + 6 + index * 18
        colour = LINE_COLOURS.get(system, OTHER_COLOUR)
        parts.append(f'<rect x="{width - right + 12}" y="{legend_y - 6}" width="14" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 32}" y="{legend_y + 3}">{escape(system)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} results.json OUT_DIR", file=sys.stderr)
        return 2
    report = json.loads(Path(argv[1]).read_text())
    out = Path(argv[2])
    titles = {"spawn_join": "spawn+join of a no-op task", "yield": "yield round trip",
              "handoff": "hand-off through a one-slot queue",
              "chained_spawn": "chained spawn, per link", "post": "post from another thread",
              "parked_task_bytes": "bytes per task parked on an event"}
    units = report.get("units", {})
    if "io" in report:
        plot_io(report, out)
    if "http" in report:
        plot_http(report["http"], report["machine"]["cpu"], out)
    medians = headline_medians(report)
    if len(medians) == len(HEADLINE):
        (out / "headline.svg").write_text(headline_chart(
            f"corio side by side: five workloads ({report['machine']['cpu']})", medians))
    for workload, systems in report.get("summary", {}).items():
        rows = sorted(((system, row["median"], row["min"], row["max"]) for system, row in systems.items()),
                      key=lambda row: row[1])
        if rows:
            title = f"{titles.get(workload, workload)} ({report['machine']['cpu']})"
            (out / f"compare-{workload}.svg").write_text(chart(title, rows, units.get(workload, "ns")))
    for workload, curves in report.get("scaling", {}).items():
        numeric = {system: {int(count): value for count, value in points.items()}
                   for system, points in curves.items()}
        title = f"{titles.get(workload, workload)} as the count grows ({report['machine']['cpu']})"
        (out / f"scaling-{workload}.svg").write_text(line_chart(title, units.get(workload, "ns"), numeric))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
