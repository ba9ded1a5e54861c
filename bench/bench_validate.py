"""Benchmark: the data-quality step on 1 million synthetic figures (GX suites + consistency checks).

Usage: .venv/bin/python bench/bench_validate.py [--figures N]; prints one JSON object of timings.
The figures are generated deterministically (no randomness): every run validates the same rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.contract import ARTICLE_SCHEMA, FIGURE_SCHEMA  # noqa: E402

FIGURES_PER_ARTICLE = 10
CATEGORIES = ("killed", "wounded", "casualties", "tanks", "artillery", "drones", "aircraft",
              "armored_vehicles", "captured", "missing")  # fmt: skip
CLAIMANTS = ("russia_mod", "ukraine_general_staff", "uk_mod", "reporter", "un")
PARTIES = ("ukraine", "russia", "russia", "ukraine", "civilians")
TEXT = "x" * 400


def synthetic_articles(n_articles: int) -> pl.DataFrame:
    """n articles with a 400-character text; 50 articles are published per day from 2022-02-24 on."""
    number = pl.int_range(n_articles, eager=True)
    return pl.DataFrame({"number": number}).select(
        article_id="a" + pl.col("number").cast(pl.String),
        file="bench/" + pl.col("number").cast(pl.String) + ".txt",
        text=pl.lit(TEXT),
        published_at=pl.lit(date(2022, 2, 24)) + pl.duration(days=pl.col("number") // 50),
    ).cast(ARTICLE_SCHEMA)


def synthetic_figures(n_figures: int) -> pl.DataFrame:
    """n figures, FIGURES_PER_ARTICLE per article; values grow with the article number (rising series)."""
    row = pl.int_range(n_figures, eager=True)
    article = row // FIGURES_PER_ARTICLE
    slot = row % FIGURES_PER_ARTICLE
    claimant = article % len(CLAIMANTS)
    frame = pl.DataFrame({"row": row, "article": article, "slot": slot, "claimant": claimant})
    return frame.select(
        figure_id="f" + pl.col("row").cast(pl.String),
        article_id="a" + pl.col("article").cast(pl.String),
        file="bench/" + pl.col("article").cast(pl.String) + ".txt",
        value=1000 + pl.col("article") * 3 + pl.col("slot"),
        value_high=pl.when(pl.col("slot") == 9).then(2000 + pl.col("article") * 3).otherwise(None),
        qualifier=pl.lit("exact"),
        qualifier_rule=pl.lit("default"),
        category=pl.col("slot").replace_strict(list(range(10)), list(CATEGORIES)),
        party=pl.col("claimant").replace_strict(list(range(5)), list(PARTIES)),
        claimant=pl.col("claimant").replace_strict(list(range(5)), list(CLAIMANTS)),
        claimant_party=pl.lit(None, pl.String),
        start=pl.col("slot") * 30,
        end=pl.col("slot") * 30 + 5,
        sentence=pl.lit("A synthetic sentence."),
    ).cast(FIGURE_SCHEMA)


def timed(seconds: dict, name: str, fn, *args):
    """Run fn(*args), record its wall time under name, return its result."""
    t0 = time.perf_counter()
    result = fn(*args)
    seconds[name] = round(time.perf_counter() - t0, 3)
    return result


def main() -> None:
    """Generate the figures, validate them with the GX suite, run the consistency checks; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--figures", type=int, default=1_000_000)
    n = parser.parse_args().figures
    seconds: dict[str, float] = {}
    figures = timed(seconds, "generate", synthetic_figures, n)
    articles = synthetic_articles(n // FIGURES_PER_ARTICLE)

    import duckdb

    from expectations.consistency import consistency_failures, consistency_results
    from expectations.validate import gx_setup, validate_figures
    from warehouse.load import ensure_schema, load_batch

    timed(seconds, "gx_import_and_setup", gx_setup)
    checked = timed(seconds, "validate_figures", validate_figures, figures,
                    articles.select("article_id", "file", "text"))
    con = duckdb.connect()
    ensure_schema(con)
    stamp = pl.lit(datetime(2024, 1, 1))
    staged_article = articles.with_columns(source_file="file", file_sha256=pl.lit("x"), format=pl.lit("txt"),
                                           encoding=pl.lit("utf-8"), extractor_version=pl.lit("bench"),
                                           ingested_at=stamp, run_id=pl.lit("bench"))
    staged_figure = checked.passed.with_columns(run_id=pl.lit("bench"), loaded_at=stamp)
    timed(seconds, "load_into_duckdb", load_batch, con, {"article": staged_article, "figure": staged_figure})
    failures = timed(seconds, "consistency_checks", consistency_failures, con)
    results = consistency_results(failures, staged_figure.height)
    seconds["validation_total"] = round(seconds["validate_figures"] + seconds["consistency_checks"], 3)
    print(json.dumps({
        "figures": n, "seconds": seconds, "under_10s": seconds["validation_total"] < 10,
        "gx_checks_failed": int((~checked.results["success"]).sum()),
        "consistency_failing_rows": dict(results.select("check", "unexpected_count").iter_rows()),
    }, indent=2))


if __name__ == "__main__":
    main()
