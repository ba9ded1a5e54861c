"""The extractor against the shared seed and dev gold (skipped when ../shared is absent)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl
import pytest

from transforms.extract import figures_from_articles
from transforms.scoring import score_figures

SHARED = Path(os.environ.get("LOSSTALLY_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def corpus(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Articles and gold figures of one shared folder, or a skip when it is absent."""
    if not (folder / "gold.jsonl").is_file() or not (folder / "articles").is_dir():
        pytest.skip(f"shared corpus not found at {folder}")
    paths = sorted((folder / "articles").glob("*.txt"))
    articles = pl.DataFrame(
        {
            "article_id": [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths],
            "file": [p.name for p in paths],
            "text": [p.read_text("utf-8") for p in paths],
        }
    )
    return articles, pl.read_ndjson(folder / "gold.jsonl", infer_schema_length=None)


def test_seed_figures_are_all_found_and_nothing_else():
    articles, gold = corpus(SHARED / "seeds")
    figures = figures_from_articles(articles)
    scores = score_figures(figures, gold)
    assert scores["misses"] == [] and scores["false_positives"] == []
    assert scores["accuracy"] == {"party": 1.0, "claimant_party": 1.0, "qualifier": 1.0}


def test_seed_offsets_point_at_the_numbers():
    articles, _ = corpus(SHARED / "seeds")
    texts = dict(zip(articles["file"], articles["text"]))
    for figure in figures_from_articles(articles).iter_rows(named=True):
        surface = texts[figure["file"]][figure["start"] : figure["end"]]
        assert surface.replace(",", "") == str(figure["value"]), figure
        assert surface in figure["sentence"]


def test_dev_scores_reach_the_targets():
    articles, gold = corpus(SHARED / "corpus" / "dev")
    scores = score_figures(figures_from_articles(articles), gold)
    assert scores["value_category"]["f1"] >= 0.92
    assert scores["value_only"]["f1"] >= 0.96
    assert scores["accuracy"]["party"] >= 0.95
    assert scores["accuracy"]["claimant_party"] >= 0.90
    assert scores["accuracy"]["qualifier"] >= 0.95
