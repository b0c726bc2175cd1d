"""Chart-page reading speed: `crossmusim songs`' table reader against pandas.read_html (lxml flavour) on
the same pages, in the same run, and the rows each gets.

Pages: year-end-list pages built from the real Billboard tables in `benchmarks/data/charts/` (the
English encyclopedia's shape: a navigation table, then one table per year with the rank as <th>,
quoted titles, footnote marks and an artist written once for consecutive singles with rowspan),
`--pages` of them. The peer reads every table into a DataFrame (spans filled in, as it does); crossmusim
also finds the song tables, cleans the cells and splits the credits, which the peer does not.
Goal: crossmusim >= 0.5x pandas' pages/s.

    python benchmarks/songs.py [--pages 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import statistics
import time
from collections import Counter
from pathlib import Path

CHARTS = sorted((Path(__file__).resolve().parent / "data" / "charts").glob("*.csv"))


def chart_page() -> str:
    """One page with the three years' tables; an artist charting twice in a row gets one rowspan cell."""
    parts = ["<html><head><title>Year-End Hot 100 singles</title></head><body>",
             "<table class='navbox'><tr><th>Years</th><td>2010 · 2018 · 2019</td></tr></table>"]  # fmt: skip
    for path in CHARTS:
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        parts.append(f"<h2>{path.stem[-4:]}</h2><table class='wikitable'><tr><th>No.</th><th>Title</th>"
                     "<th>Artist(s)</th></tr>")  # fmt: skip
        i = 0
        while i < len(rows):
            span = 2 if i + 1 < len(rows) and rows[i + 1]["artist"] == rows[i]["artist"] else 1
            for j in range(span):
                row = rows[i + j]
                artist = f"<td rowspan='{span}'>{html.escape(row['artist'])}</td>" if j == 0 else ""
                parts.append(f"<tr><th>{row['rank']}</th><td>\"{html.escape(row['song'])}\"<sup>[{i + j}]</sup>"
                             f"</td>{artist}</tr>")  # fmt: skip
            i += span
        parts.append("</table>")
    return "".join(parts) + "</body></html>"


def crossmusim_read(pages: list[str]) -> int:
    from crossmusim.songlists.html_tables import page_entries

    return sum(len(page_entries(page, "bench", Counter()).entries) for page in pages)


def pandas_read(pages: list[str]) -> int:
    import pandas as pd

    return sum(sum(len(t) for t in pd.read_html(io.StringIO(page), flavor="lxml")[1:]) for page in pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = [chart_page()] * args.pages
    timings: dict[str, list[float]] = {"crossmusim": [], "pandas.read_html": []}
    rows: dict[str, int] = {}
    for _ in range(args.rounds):  # alternating, so neither side always runs on a warmer machine
        for name, read in (("crossmusim", crossmusim_read), ("pandas.read_html", pandas_read)):
            started = time.perf_counter()
            rows[name] = read(pages)
            timings[name].append(time.perf_counter() - started)
    best = {name: args.pages / min(t) for name, t in timings.items()}
    for name, pages_per_s in best.items():
        median = statistics.median(timings[name])
        print(f"{name:18s} {pages_per_s:8.1f} pages/s  rows {rows[name]}  (median {median:.2f} s)")
    print(f"ratio crossmusim / pandas: {best['crossmusim'] / best['pandas.read_html']:.2f}x (goal >= 0.5x)")


if __name__ == "__main__":
    main()
