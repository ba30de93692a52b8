"""The table of `make bench`: what run.py prints and writes into docs/performance.md.

`report` lays out the figures of `Results` (measure.py): the machine and the command, the
floors, every command at every clinic size, the history clinic and PostgreSQL, the speed
layer (seams.py), the targets and, with `--baseline REV`, the before/after table
(baseline.py). `targets` and its `*_targets` helpers hold each figure against its target
(issues 5, 16 and 25), `_ratio_line` being the one for "A within Nx of B".
"""

from __future__ import annotations

import itertools
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import baseline
import history
import rows
import seams
from measure import TABLE_PAIRS, Results
from timing import CHILD_CPU, Timing

# The issue's figures for the floors (2-core machine, medians of whole-process runs).
ISSUE_FLOORS = {
    "typer+pydantic": 0.12,
    "+sqlalchemy": 0.34,
    "+pandas": 0.65,
    "pandas from sqlite3 (50k)": 0.95,
    "pandas.read_sql via SQLAlchemy (50k)": 1.5,
}


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "nproc": subprocess.run(
            ["nproc"], capture_output=True, text=True, check=False  # noqa: S607
        ).stdout.strip(),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load": load,
    }  # fmt: skip


def _ok(flag: bool) -> str:
    return "met" if flag else "**missed**"


def report(results: Results, facts: dict[str, str], command: str) -> str:
    f = results.floors
    lines = [
        f"Measured {facts['date']} on {facts['nproc']} CPUs ({facts['cpu']}), Python "
        f"{facts['python']}, {facts['os']}; load average at the end {facts['load']}. The run "
        f"took {(time.perf_counter() - results.started) / 60:.1f} min of wall time and "
        f"{CHILD_CPU[0] / 60:.1f} min of its children's CPU time.",
        *interrupted_line(results),
        f"Command: `{command}`. Medians of whole-process runs (wall time from spawn to exit; "
        "CPU time (user + system) and peak RSS of the child from `wait4`, each child started "
        "by a small spawner process, so its RSS is its own). The interactive `scan add` row's "
        "time is the round trip from the confirmed summary to the saved line; its CPU and RSS "
        "are the whole process's.",
        "",
        "Floors (measured in the same run):",
        "",
        "| floor | median s | CPU s | peak RSS MB | issue's figure s |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, timing in f.items():
        lines.append(
            f"| {label} | {timing.wall:.3f} | {timing.cpu:.2f} | {timing.rss_mb:.0f} "
            f"| {ISSUE_FLOORS[label]:.2f} |"
        )
    if results.floor_rows != (0, 0):
        p, s = results.floor_rows
        lines.append("")
        lines.append(f"The data floors read the largest database: {p:,} patients, {s:,} scans.")
    lines += [
        "",
        "| patients | command | runs | median s | min-max s | CPU s | peak RSS MB | rows/s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    if results.help is not None:
        h = results.help
        lines.append(
            f"| - | `--help` | {len(h.walls)} | {h.wall:.3f} | "
            f"{min(h.walls):.2f}-{max(h.walls):.2f} | {h.cpu:.2f} | {h.rss_mb:.0f} | |"
        )
    for size, timings in (results.by_size | results.unfinished).items():
        for name, t in timings.items():
            rate = ""
            if name in ("import patients", "import scans"):
                rows = results.counts[size][name.split()[1]]
                rate = f"{rows / t.wall:,.0f}"
            lines.append(
                f"| {size:,} | `{name}` | {len(t.walls)} | {t.wall:.3f} | "
                f"{min(t.walls):.2f}-{max(t.walls):.2f} | {t.cpu:.2f} | {t.rss_mb:.0f} | {rate} |"
            )
    lines += history_rows(results)
    lines += seams.table(results.seams)
    lines += ["", *targets(results)]
    if results.baseline is not None:
        lines += baseline.table(*results.baseline, results.by_size | results.unfinished)
    return "\n".join(lines)


def interrupted_line(results: Results) -> list[str]:
    if results.interrupted is None:
        return []
    return [
        f'**Stopped (Ctrl-C or SIGTERM) during "{results.interrupted}"**: the figures of that '
        "part (but the commands of a clinic size already timed) and of every part after it "
        "(in order: floors, the data floors, the clinic sizes, the history clinic, "
        "PostgreSQL, the speed layer) are missing below."
    ]


def history_rows(results: Results) -> list[str]:
    """The history clinic, audit, raw-import floor and PostgreSQL timings (issue 16)."""
    if not results.extra:
        return []
    p, closed, s = results.history_counts
    lines = [
        "",
        f"History clinic: {p:,} pregnancies ({closed:,} closed), {s:,} scans. "
        f"Audit period {' to '.join(history.audit_period())}.",
        "",
        "| figure | runs | median s | min-max s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in results.extra.values():
        lines.append(
            f"| {t.label.strip()} | {len(t.walls)} | {t.wall:.3f} | "
            f"{min(t.walls):.2f}-{max(t.walls):.2f} | {t.cpu:.2f} | {t.rss_mb:.0f} |"
        )
    return lines


def _ratio_line(what: str, value: Timing | None, floor: Timing | None, limit: float) -> str:
    if value is None or floor is None:
        return f"| {what} | not measured | - |"
    ratio = value.wall / floor.wall
    figure = f"{value.wall:.3f} s / {floor.wall:.3f} s = {ratio:.2f}x"
    return f"| {what} | {figure} | {_ok(ratio <= limit)} |"


def history_targets(results: Results, big: dict[str, Timing], size: int) -> list[str]:
    x, f = results.extra, results.floors
    out = [
        _ratio_line(f"`review --format json` ({size:,}) within 1.5x of pandas-from-sqlite3 "
                    "(2x at the very least)", big.get("review --format json"),
                    f.get("pandas from sqlite3 (50k)"), 1.5),
    ]  # fmt: skip
    if not x:
        return out
    out += [
        _ratio_line(f"history clinic `review --format json` within 1.2x of the {size:,} clinic",
                    x.get("history review"), big.get("review --format json"), 1.2),
        _ratio_line("`scan add` into the history clinic within 1.5x of +sqlalchemy",
                    x.get("history scan add"), f.get("+sqlalchemy"), 1.5),
        _ratio_line(f"`import scans` ({results.counts[size]['scans']:,} rows) within 5x of a raw "
                    "sqlite3 executemany", big.get("import scans"), x.get("raw import"), 5.0),
        _ratio_line("history clinic `audit` within 2x of its pandas floor",
                    x.get("history audit"), x.get("audit floor"), 2.0),
    ]  # fmt: skip
    if "pg review" in x:
        sqlite_review, sqlite_import = big["review --format json"], big["import scans"]
        out.append(
            f"| PostgreSQL beside SQLite (no target) | review {x['pg review'].wall:.2f} s vs "
            f"{sqlite_review.wall:.2f} s; import scans {x['pg import scans'].wall:.2f} s vs "
            f"{sqlite_import.wall:.2f} s | - |"
        )
    return out


def targets(results: Results) -> list[str]:
    f, out = results.floors, ["| target | figure | result |", "|---|---|---|"]
    if results.help is not None and "typer+pydantic" in f:
        ratio = results.help.wall / f["typer+pydantic"].wall
        out.append(
            f"| `--help` within 1.5x of typer+pydantic | {ratio:.2f}x | {_ok(ratio <= 1.5)} |"
        )
    sizes = sorted(results.by_size)
    if not sizes:
        return out
    big = results.by_size[sizes[-1]]
    if "+sqlalchemy" in f:
        ratio = big["scan add"].wall / f["+sqlalchemy"].wall
        out.append(
            f"| `scan add` ({sizes[-1]:,} patients) within 1.5x of +sqlalchemy | {ratio:.2f}x "
            f"| {_ok(ratio <= 1.5)} |"
        )
    scan_rows = results.counts[sizes[-1]]["scans"]
    rate = scan_rows / big["import scans"].wall
    out.append(
        f"| `import scans` ({scan_rows:,} rows) at least 50,000 rows/s | {rate:,.0f} rows/s "
        f"| {_ok(rate >= 50_000)} |"
    )
    first = results.by_size[sizes[0]]
    out.append(
        f"| `import scans` memory bounded | peak {first['import scans'].rss_mb:.0f} MB "
        f"({results.counts[sizes[0]]['scans']:,} rows) -> {big['import scans'].rss_mb:.0f} MB "
        f"({scan_rows:,} rows) | see notes |"
    )
    review = big["review --format json"].wall
    out.append(
        f"| `review --format json` ({sizes[-1]:,}) under 2 s | {review:.2f} s "
        f"| {_ok(review < 2.0)} |"
    )
    out += table_targets(big, sizes[-1])
    out += export_targets(results)
    out += rows.targets(results.by_size)
    out += history_targets(results, big, sizes[-1])
    if len(sizes) > 1:
        points = [(s, results.by_size[s]["review --format json"].wall) for s in sizes]
        steps = list(itertools.pairwise(points))
        growth = ", ".join(
            f"{b:,}/{a:,}: {wb / wa:.2f}x time for {b / a:.0f}x patients"
            for (a, wa), (b, wb) in steps
        )
        slopes = ", ".join(
            f"{(wb - wa) / (b - a) * 1000:.3f} s per 1,000 patients ({a:,}->{b:,})"
            for (a, wa), (b, wb) in steps
        )
        out.append(f"| `review` grows linearly | {growth}; marginal {slopes} | see notes |")
    return out


def table_targets(big: dict[str, Timing], size: int) -> list[str]:
    """Each table within 1.5x of the same command's JSON, in time and in peak RSS."""
    out = []
    pairs = {name: f"{name} --format table" for name in TABLE_PAIRS}
    pairs["review (colour terminal)"] = "review, colour"
    for name, table_label in pairs.items():
        json_label = f"{name.split(' (')[0]} --format json"
        table, as_json = big.get(table_label), big.get(json_label)
        if table is None or as_json is None:
            continue
        ratio, memory = table.wall / as_json.wall, table.rss_mb / as_json.rss_mb
        out.append(
            f"| `{name}` table ({size:,}) within 1.5x of its JSON, time and peak RSS "
            f"| {table.wall:.2f} s / {as_json.wall:.2f} s = {ratio:.2f}x, {memory:.2f}x RSS "
            f"| {_ok(ratio <= 1.5 and memory <= 1.5)} |"
        )
    return out


def export_targets(results: Results) -> list[str]:
    """Issue 25.3/25.4: the NDJSON export against `export scans`, and its memory."""
    sizes = sorted(results.by_size)
    big = results.by_size[sizes[-1]]
    fhir, scans = big.get("export fhir --ndjson"), big.get("export scans")
    if fhir is None or scans is None:
        return []
    out = [
        _ratio_line(f"`export fhir --ndjson` ({sizes[-1]:,}) within 3x of `export scans`",
                    fhir, scans, 3.0),
        f"| `export fhir --ndjson` ({sizes[-1]:,}) peak RSS under 300 MB | "
        f"{fhir.rss_mb:.0f} MB | {_ok(fhir.rss_mb < 300)} |",
    ]  # fmt: skip
    smaller = [s for s in sizes if s < sizes[-1] and "export fhir --ndjson" in results.by_size[s]]
    if smaller:
        before = results.by_size[smaller[-1]]["export fhir --ndjson"]
        growth = fhir.rss_mb / before.rss_mb
        out.append(
            f"| `export fhir --ndjson` peak RSS at {sizes[-1]:,} within 1.2x of {smaller[-1]:,} "
            f"| {fhir.rss_mb:.0f} MB / {before.rss_mb:.0f} MB = {growth:.2f}x "
            f"| {_ok(growth <= 1.2)} |"
        )
    return out
