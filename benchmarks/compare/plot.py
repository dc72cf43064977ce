#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One SVG bar chart per workload from run's results.json: the median cost per operation of every
system, with its min-max as a whisker, on a log scale (the systems span three decades).

    plot.py results.json OUT_DIR    # writes OUT_DIR/compare-<workload>.svg

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


def chart(title, rows):
    """rows: [(system, median, min, max)] sorted fastest first."""
    low = 10 ** math.floor(math.log10(min(row[2] for row in rows)))
    high = 10 ** math.ceil(math.log10(max(row[3] for row in rows)))
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
                 f'ns per operation (log scale; bar = median, whisker = min-max)</text>')
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


# ---- Timer and socket workloads: bar charts, and scaling curves for the timers ----
SYSTEM_COLOURS = {"corio": CORIO_COLOUR, "floor": FLOOR_COLOUR, "asio": "#d62728", "libuv": "#9467bd",
                  "tokio": "#ff7f0e", "asyncio": "#8c564b", "uvloop": "#e377c2"}
SCALING_TITLES = {"timer_insert_cancel": "timer insert+cancel: ns per insert+cancel",
                  "timer_insert_fire": "timer insert+fire: CPU ns per timer"}


def decades(low, high):
    """The powers of ten around [low, high]."""
    return 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))


def scaling_chart(title, x_label, curves):
    """curves: {system: [(x, y)]}; both axes log-scaled; one line and a legend entry per system."""
    width, height, left, right, top, bottom = 720, 440, 70, 120, 48, 56
    xs = [x for points in curves.values() for x, _ in points]
    ys = [y for points in curves.values() for _, y in points]
    x_low, x_high = decades(min(xs), max(xs))
    y_low, y_high = decades(min(ys), max(ys))

    def position(x, y):
        px = left + (width - left - right) * math.log10(x / x_low) / math.log10(x_high / x_low)
        py = height - bottom - (height - top - bottom) * math.log10(y / y_low) / math.log10(y_high / y_low)
        return px, py

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>']
    decade = x_low
    while decade <= x_high:
        px, _ = position(decade, y_low)
        parts.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        parts.append(f'<text x="{px:.1f}" y="{height - bottom + 16}" text-anchor="middle">{decade:,.0f}</text>')
        decade *= 10
    decade = y_low
    while decade <= y_high:
        _, py = position(x_low, decade)
        parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{width - right}" y2="{py:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{py + 4:.1f}" text-anchor="end">{decade:g}</text>')
        decade *= 10
    parts.append(f'<text x="{left + (width - left - right) / 2}" y="{height - 16}" text-anchor="middle">'
                 f'{escape(x_label)} (log scale)</text>')
    parts.append(f'<text x="16" y="{top + (height - top - bottom) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {top + (height - top - bottom) / 2})">ns per operation (log scale)</text>')
    for index, (system, points) in enumerate(sorted(curves.items(), key=lambda item: item[1][-1][1])):
        colour = SYSTEM_COLOURS.get(system, OTHER_COLOUR)
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in (position(x, y) for x, y in sorted(points)))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            px, py = position(x, y)
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        legend_y = top + 6 + index * 18
        parts.append(f'<line x1="{width - right + 12}" y1="{legend_y}" x2="{width - right + 32}" '
                     f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{width - right + 38}" y="{legend_y + 4}">{escape(system)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


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
                    curves.setdefault(system, []).append((live, row["median"]))
        curves = {system: points for system, points in curves.items() if len(points) > 1}
        if curves:
            (out / f"compare-scaling-{family}.svg").write_text(
                scaling_chart(f"{title} ({report['machine']['cpu']})", "live timers", curves))


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} results.json OUT_DIR", file=sys.stderr)
        return 2
    report = json.loads(Path(argv[1]).read_text())
    out = Path(argv[2])
    titles = {"spawn_join": "spawn+join of a no-op task", "yield": "yield round trip",
              "handoff": "hand-off through a one-slot queue"}
    if "io" in report:
        plot_io(report, out)
    for workload, systems in report["summary"].items():
        rows = sorted(((system, row["median"], row["min"], row["max"]) for system, row in systems.items()),
                      key=lambda row: row[1])
        if rows:
            title = f"{titles.get(workload, workload)} ({report['machine']['cpu']})"
            (out / f"compare-{workload}.svg").write_text(chart(title, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
