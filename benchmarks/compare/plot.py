#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SVG charts from run's results.json. One bar chart per workload: the median cost per operation
of every system, with its min-max as a whisker, on a log scale (the systems span three decades).
One line chart per scaling workload: cost per operation against the count (1k to 1M), one line
per system, both axes log-scaled.

    plot.py results.json OUT_DIR    # writes OUT_DIR/compare-<workload>.svg, scaling-<workload>.svg

With the timer and socket workloads in the JSON ("io"), also a bar chart per such workload
(compare-<family>-<parameter>.svg) and a scaling curve per timer family
(compare-scaling-<family>.svg: cost per timer against live timers, both axes log-scaled).
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
                "tokio": "#ff7f0e", "asyncio": "#9467bd", "uvloop": "#e377c2"}
UNIT_LABELS = {"ns": "ns per operation", "bytes": "bytes per task"}


def decades(low_value, high_value):
    """The powers of ten around [low_value, high_value]."""
    return 10 ** math.floor(math.log10(low_value)), 10 ** math.ceil(math.log10(high_value))


def chart(title, rows, unit="ns"):
    """rows: [(system, median, min, max)] sorted fastest first."""
    low, high = decades(min(row[2] for row in rows), max(row[3] for row in rows))
    span = math.log10(high) - math.log10(low)
    plot_width = WIDTH - LEFT - RIGHT

    def x(value):
        return LEFT + plot_width * (math.log10(value) - math.log10(low)) / span

    height = TOP + ROW * len(rows) + BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>']
    decade = low
    while decade <= high:
        position = x(decade)
        parts.append(f'<line x1="{position:.1f}" y1="{TOP - 6}" x2="{position:.1f}" '
                     f'y2="{height - BOTTOM + 4}" stroke="#ddd"/>')
        parts.append(f'<text x="{position:.1f}" y="{height - BOTTOM + 18}" text-anchor="middle">'
                     f'{decade:g}</text>')
        decade *= 10
    parts.append(f'<text x="{LEFT + plot_width / 2}" y="{height - 6}" text-anchor="middle">'
                 f'{UNIT_LABELS[unit]} (log scale; bar = median, whisker = min-max)</text>')
    for index, (system, median, minimum, maximum) in enumerate(rows):
        top = TOP + index * ROW
        colour = CORIO_COLOUR if system == "corio" else FLOOR_COLOUR if system == "floor" else OTHER_COLOUR
        parts.append(f'<text x="{LEFT - 8}" y="{top + 17}" text-anchor="end">{escape(system)}</text>')
        parts.append(f'<rect x="{LEFT}" y="{top + 4}" width="{x(median) - LEFT:.1f}" height="{ROW - 10}" '
                     f'fill="{colour}"/>')
        parts.append(f'<line x1="{x(minimum):.1f}" y1="{top + ROW / 2}" x2="{x(maximum):.1f}" '
                     f'y2="{top + ROW / 2}" stroke="black"/>')
        parts.append(f'<text x="{x(maximum) + 6:.1f}" y="{top + 17}">{median:,.1f}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def line_chart(title, unit, curves, x_label="count"):
    """curves: {system: {count: value}}; log-log, one line with dots per system, legend at right."""
    width, height, left, right, top, bottom = 720, 400, 70, 110, 40, 50
    counts = sorted({count for points in curves.values() for count in points})
    values = [value for points in curves.values() for value in points.values()]
    x_low, x_high = decades(min(counts), max(counts))
    y_low, y_high = decades(min(values), max(values))
    plot_width, plot_height = width - left - right, height - top - bottom

    def x(count):
        return left + plot_width * math.log10(count / x_low) / math.log10(x_high / x_low)

    def y(value):
        return top + plot_height * (1 - math.log10(value / y_low) / math.log10(y_high / y_low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>']
    count = x_low
    while count <= x_high:
        parts.append(f'<line x1="{x(count):.1f}" y1="{top}" x2="{x(count):.1f}" y2="{top + plot_height}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{x(count):.1f}" y="{top + plot_height + 16}" text-anchor="middle">'
                     f'{count:,.0f}</text>')
        count *= 10
    value = y_low
    while value <= y_high:
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_width}" y2="{y(value):.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>')
        value *= 10
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


# ---- Timer and socket workloads: bar charts, and scaling curves for the timers ----
SCALING_TITLES = {"timer_insert_cancel": "timer insert+cancel: ns per insert+cancel",
                  "timer_insert_fire": "timer insert+fire: CPU ns per timer"}


def plot_io(report, out):
    summary = report["io"]["summary"]
    for workload, systems in summary.items():
        rows = sorted(((system, row["median"], row["min"], row["max"]) for system, row in systems.items()),
                      key=lambda row: row[1])
        if rows:
            family, parameter = workload.split(":")
            title = f"{workload} ({report['machine']['cpu']})"
            (out / f"compare-{family}-{parameter}.svg").write_text(chart(title, rows))
    for family, title in SCALING_TITLES.items():
        curves = {}
        for workload, systems in summary.items():
            if workload.startswith(family + ":"):
                live = int(workload.split(":")[1])
                for system, row in systems.items():
                    curves.setdefault(system, {})[live] = row["median"]
        curves = {system: points for system, points in curves.items() if len(points) > 1}
        if curves:
            (out / f"compare-scaling-{family}.svg").write_text(
                line_chart(f"{title} ({report['machine']['cpu']})", "ns", curves, "live timers"))


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
    for workload, systems in report["summary"].items():
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
