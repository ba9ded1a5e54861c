"""Chart of the benchmark results: time and peak RSS against N (bench/results/scaling.png).

Usage: .venv/bin/python bench/chart.py   (or `make bench-chart`)
Reads the dated result files bench/results/<date>-<N>.json; for each N the newest file that has the
end-to-end figures is used. The targets of issue 8 are drawn as dashed lines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def newest_per_n() -> dict[int, dict]:
    """The newest complete result for each N, from the dated result files."""
    chosen: dict[int, tuple[str, dict]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})-(\d+)\.json", path.name)
        if not match:
            continue
        result = json.loads(path.read_text())
        if result.get("end_to_end_s") is None:
            continue
        key = result.get("date", match.group(1))
        n = int(match.group(2))
        if n not in chosen or key >= chosen[n][0]:
            chosen[n] = (key, result)
    return {n: result for n, (_, result) in sorted(chosen.items())}


def main() -> None:
    results = newest_per_n()
    if not results:
        raise SystemExit("bench/chart.py: no result files with end-to-end figures in bench/results/")
    ns = list(results)
    fig, (time_ax, rss_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = (("end_to_end_s", "end to end (first run)", "o-"), ("transforms_s", "transforms alone", "s-"),
              ("noop_rerun_s", "no-op rerun", "^-"))
    for key, label, style in series:
        points = [(n, results[n][key]) for n in ns if results[n].get(key) is not None]
        if points:
            time_ax.plot(*zip(*points), style, label=label)
    time_ax.plot([100_000], [30], "r*", markersize=10, label="targets at 100k (30 s, 5 s)")
    time_ax.plot([100_000], [5], "r*", markersize=10)
    time_ax.set(xscale="log", yscale="log", xlabel="articles (N)", ylabel="seconds", title="Time against N")
    time_ax.grid(True, which="both", alpha=0.3)
    time_ax.legend(fontsize=8)

    rss = [(n, results[n]["peak_rss_mb"]) for n in ns if results[n].get("peak_rss_mb") is not None]
    rss_ax.plot(*zip(*rss), "o-", label="peak RSS, first run")
    noop = [(n, results[n]["noop_peak_rss_mb"]) for n in ns if results[n].get("noop_peak_rss_mb") is not None]
    if noop:
        rss_ax.plot(*zip(*noop), "^-", label="peak RSS, no-op rerun")
    rss_ax.axhline(1.5e9 / 2**20, color="r", linestyle="--", label="target at 1M (1.5 GB = 1,431 MiB)")
    rss_ax.set(xscale="log", xlabel="articles (N)", ylabel="MiB", title="Peak RSS of the run against N",
               ylim=(0, max(1700, max(v for _, v in rss) * 1.1)))
    rss_ax.grid(True, which="both", alpha=0.3)
    rss_ax.legend(fontsize=8)
    machine = next(iter(results.values())).get("machine", {})
    fig.suptitle(f"losstally benchmark (synthetic corpus, {machine.get('cores', '?')} cores; "
                 f"N = {', '.join(f'{n:,}' for n in ns)})", fontsize=10)
    fig.tight_layout()
    out = RESULTS / "scaling.png"
    fig.savefig(out, dpi=110)
    print(f"bench/chart.py: wrote {out}")


if __name__ == "__main__":
    main()
