"""The figure contract (../shared/corpus/ANNOTATION.md) as code: columns, types, vocabularies."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import polars as pl

QUALIFIERS: tuple[str, ...] = ("exact", "approx", "at_least", "at_most")

# Input of the extractor: one row per article.
ARTICLE_SCHEMA: dict[str, pl.DataType] = {
    "article_id": pl.String(),  # sha256 of the file content
    "file": pl.String(),  # the article's file name (path relative to the raw folder)
    "text": pl.String(),  # the full article text; figure offsets index into it
}

# Output of the extractor: one row per figure, in this column order.
FIGURE_SCHEMA: dict[str, pl.DataType] = {
    "figure_id": pl.String(),  # stable: article_id + start + end + category
    "article_id": pl.String(),
    "file": pl.String(),
    "value": pl.Int64(),
    "value_high": pl.Int64(),  # null unless a range
    "qualifier": pl.String(),  # one of QUALIFIERS
    "qualifier_rule": pl.String(),  # name of the rule that decided the qualifier
    "category": pl.String(),  # one of categories()
    "party": pl.String(),  # whose loss; null when unknown
    "claimant": pl.String(),  # who states it; "reporter" when no one is named
    "claimant_party": pl.String(),  # side the claimant speaks for; null for third parties
    "start": pl.Int64(),  # character offsets of the number in text
    "end": pl.Int64(),
    "sentence": pl.String(),
}


@cache
def category_rows() -> tuple[dict[str, str], ...]:
    """The category vocabulary with its group, from vocabulary/categories.csv."""
    text = resources.files("transforms").joinpath("vocabulary/categories.csv").read_text("utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def categories() -> tuple[str, ...]:
    """The category names of the contract."""
    return tuple(row["category"] for row in category_rows())


def empty_figures() -> pl.DataFrame:
    """A figure frame with no rows and the contract's columns."""
    return pl.DataFrame(schema=FIGURE_SCHEMA)
