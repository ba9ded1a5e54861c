"""The extractor against each project fixture (tests/fixtures/extraction): exact figures, sides and qualifiers."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from transforms.extract import figures_from_articles
from transforms.scoring import matched_pairs

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "extraction"
ARTICLES = sorted((FIXTURES / "articles").glob("*.txt"))
CHECKED_FIELDS = ("party", "claimant_party", "qualifier")


@cache
def predicted_figures() -> pl.DataFrame:
    """The extractor's figures for all fixture articles, extracted once (as the pipeline does)."""
    articles = pl.DataFrame(
        {
            "article_id": [hashlib.sha256(p.read_bytes()).hexdigest() for p in ARTICLES],
            "file": [p.name for p in ARTICLES],
            "text": [p.read_text("utf-8") for p in ARTICLES],
        }
    )
    return figures_from_articles(articles)


@cache
def gold_figures() -> pl.DataFrame:
    """The fixtures' gold figures."""
    rows = [json.loads(line) for line in (FIXTURES / "gold.jsonl").read_text("utf-8").splitlines() if line.strip()]
    schema = {"file": pl.String, "value": pl.Int64, "value_high": pl.Int64, "category": pl.String, "party": pl.String,
              "claimant": pl.String, "claimant_party": pl.String, "qualifier": pl.String, "quote": pl.String}
    return pl.DataFrame(rows, schema=schema, strict=False)


def figures_of(frame: pl.DataFrame, file: str) -> list[tuple[int, str]]:
    """The (value, category) pairs of one article, sorted."""
    return sorted(frame.filter(pl.col("file") == file).select("value", "category").iter_rows())


@pytest.mark.parametrize("article", ARTICLES, ids=[p.name for p in ARTICLES])
def test_fixture_figures_are_exactly_the_gold(article: Path):
    assert figures_of(predicted_figures(), article.name) == figures_of(gold_figures(), article.name)


@pytest.mark.parametrize("article", ARTICLES, ids=[p.name for p in ARTICLES])
def test_fixture_sides_and_qualifiers_match_the_gold(article: Path):
    predicted = predicted_figures().filter(pl.col("file") == article.name)
    gold = gold_figures().filter(pl.col("file") == article.name)
    pairs = matched_pairs(predicted, gold, ["match_category"])
    wrong = [
        (row["value"], row["match_category"], name, row[f"{name}_pred"], row[f"{name}_gold"])
        for row in pairs.iter_rows(named=True)
        for name in CHECKED_FIELDS
        if row[f"{name}_pred"] != row[f"{name}_gold"]
    ]
    assert wrong == []


def test_every_fixture_article_has_a_gold_line_or_is_a_trap():
    gold_files = set(gold_figures()["file"])
    assert all(p.name in gold_files or "_trap_" in p.name for p in ARTICLES)
