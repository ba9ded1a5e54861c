"""`losstally evaluate`: read gold figures and articles, run the extractor, score it (transforms/scoring)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

GOLD_SCHEMA = {"file": pl.String, "value": pl.Int64, "value_high": pl.Int64, "category": pl.String,
               "party": pl.String, "claimant": pl.String, "claimant_party": pl.String,
               "qualifier": pl.String, "quote": pl.String}


def gold_figures(path: Path) -> pl.DataFrame:
    """Gold figures from a .jsonl file, one object per figure."""
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"losstally evaluate: {path}:{number}: not valid JSON: {exc.msg}") from exc
    return pl.DataFrame(rows, schema=GOLD_SCHEMA, strict=False)


def evaluation(gold_path: Path, articles_dir: Path) -> dict:
    """The scores of the extractor on the articles of a gold file."""
    from flows.cli import articles_of
    from transforms.extract import figures_from_articles
    from transforms.scoring import score_figures

    gold = gold_figures(gold_path)
    articles = articles_of([articles_dir])
    predicted = figures_from_articles(articles.select("article_id", "file", "text"))
    return score_figures(predicted, gold)


def evaluation_text(report: dict) -> str:
    """A scoring report for people: the headline scores, per-article scores, misses and false positives."""
    lines = [json.dumps({k: v for k, v in report.items() if not isinstance(v, (list, dict))}, indent=2)]
    for key, value in report.items():
        if isinstance(value, dict):
            lines += ["", f"{key}:", json.dumps(value, indent=2, default=str)]
        elif isinstance(value, list):
            lines += ["", f"{key} ({len(value)}):"]
            lines += [f"  {json.dumps(item, ensure_ascii=False, default=str)}" for item in value]
    return "\n".join(lines)
