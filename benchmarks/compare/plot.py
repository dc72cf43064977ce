#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One SVG bar chart per workload from run's results.json: the median cost per operation of every
system, with its min-max as a whisker, on a log scale (the systems span three decades).

    plot.py results.json OUT_DIR    # writes OUT_DIR/compare-<workload>.svg
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


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} results.json OUT_DIR", file=sys.stderr)
        return 2
    report = json.loads(Path(argv[1]).read_text())
    out = Path(argv[2])
    titles = {"spawn_join": "spawn+join of a no-op task", "yield": "yield round trip",
              "handoff": "hand-off through a one-slot queue"}
    for workload, systems in report["summary"].items():
        rows = sorted(((system, row["median"], row["min"], row["max"]) for system, row in systems.items()),
                      key=lambda row: row[1])
        if rows:
            title = f"{titles.get(workload, workload)} ({report['machine']['cpu']})"
            (out / f"compare-{workload}.svg").write_text(chart(title, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
