"""The data checks of the contract (../shared/corpus/ANNOTATION.md) as Great Expectations suites.

Every expectation carries meta={"severity": ..., "check": ...}: a failed `critical` check keeps the
row out of the warehouse (quarantine), a failed `warning` check only flags it. `REASONS` says, per
check, how to explain a failed row in words; it is a polars expression over the validated frame.

Great Expectations is imported inside the functions: the import alone takes seconds.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import polars as pl

from transforms.contract import QUALIFIERS, categories

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

CRITICAL = "critical"
WARNING = "warning"

ARTICLES = "articles"
FIGURES = "figures"

# Figure columns that must never be null (party may be: unknown side is a warning, not an error).
REQUIRED_FIGURE_COLUMNS: tuple[str, ...] = (
    "figure_id", "article_id", "value", "qualifier", "category", "claimant", "start", "end",
)  # fmt: skip


def tagged(expectation_type: str, check: str, severity: str, **kwargs: Any) -> Expectation:
    """One GX expectation of the named type, tagged with its check name and severity."""
    import great_expectations as gx

    expectation_class = getattr(gx.expectations, expectation_type)
    return expectation_class(**kwargs, meta={"severity": severity, "check": check})


def article_expectations() -> list[Expectation]:
    """The articles suite: a unique article_id and a non-empty text for every article."""
    return [
        tagged("ExpectColumnValuesToNotBeNull", "article_id_not_null", CRITICAL, column="article_id"),
        tagged("ExpectColumnValuesToBeUnique", "article_id_unique", CRITICAL, column="article_id"),
        tagged("ExpectColumnValuesToNotBeNull", "text_not_null", CRITICAL, column="text"),
        tagged("ExpectColumnValueLengthsToBeBetween", "text_not_empty", CRITICAL, column="text", min_value=1),
        tagged("ExpectColumnValuesToNotBeNull", "file_not_null", WARNING, column="file"),
    ]  # fmt: skip


def figure_expectations() -> list[Expectation]:
    """The figures suite; the frame must carry `text_length`, the length of its article's text."""
    not_null = [
        tagged("ExpectColumnValuesToNotBeNull", f"{column}_not_null", CRITICAL, column=column)
        for column in REQUIRED_FIGURE_COLUMNS
    ]
    return not_null + [
        tagged("ExpectColumnValuesToBeUnique", "figure_id_unique", CRITICAL, column="figure_id"),
        tagged("ExpectColumnValuesToNotBeNull", "article_known", CRITICAL, column="text_length"),
        tagged("ExpectColumnValuesToBeBetween", "value_positive", CRITICAL,
               column="value", min_value=0, strict_min=True),
        tagged("ExpectColumnPairValuesAToBeGreaterThanB", "value_high_at_least_value", CRITICAL,
               column_A="value_high", column_B="value", or_equal=True,
               ignore_row_if="either_value_is_missing"),
        tagged("ExpectColumnValuesToBeInSet", "qualifier_in_vocabulary", CRITICAL,
               column="qualifier", value_set=list(QUALIFIERS)),
        tagged("ExpectColumnValuesToBeInSet", "category_in_vocabulary", CRITICAL,
               column="category", value_set=list(categories())),
        tagged("ExpectColumnValuesToBeBetween", "start_not_negative", CRITICAL,
               column="start", min_value=0),
        tagged("ExpectColumnPairValuesAToBeGreaterThanB", "end_after_start", CRITICAL,
               column_A="end", column_B="start", or_equal=False,
               ignore_row_if="either_value_is_missing"),
        tagged("ExpectColumnPairValuesAToBeGreaterThanB", "end_inside_text", CRITICAL,
               column_A="text_length", column_B="end", or_equal=True,
               ignore_row_if="either_value_is_missing"),
        tagged("ExpectColumnValuesToNotBeNull", "party_not_null", WARNING, column="party"),
    ]  # fmt: skip


SUITES = {ARTICLES: article_expectations, FIGURES: figure_expectations}


def checked_columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation's kwargs name, in the order its reason names them."""
    return tuple(kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs)


def null_reason(column: str) -> pl.Expr:
    """The reason for a null in a required column."""
    return pl.lit(f"{column} is null")


def duplicate_reason(column: str) -> pl.Expr:
    """The reason for a duplicated id; every copy of it is quarantined, none is kept."""
    return pl.format(
        "{} {} appears {} times; every copy is quarantined",
        pl.lit(column), pl.col(column), pl.len().over(column),
    )  # fmt: skip


REASONS: dict[str, pl.Expr] = {
    **{f"{column}_not_null": null_reason(column) for column in REQUIRED_FIGURE_COLUMNS},
    "text_not_null": null_reason("text"),
    "file_not_null": null_reason("file"),
    "party_not_null": pl.lit("party is null (whose loss is unknown)"),
    "article_id_unique": duplicate_reason("article_id"),
    "figure_id_unique": duplicate_reason("figure_id"),
    "text_not_empty": pl.lit("text is empty"),
    "article_known": pl.format("article_id {} is not among the articles", pl.col("article_id")),
    "value_positive": pl.format("value {} is not > 0", pl.col("value")),
    "value_high_at_least_value": pl.format(
        "value_high {} < value {}", pl.col("value_high"), pl.col("value")
    ),
    "qualifier_in_vocabulary": pl.format(
        "qualifier '{}' is not one of {}", pl.col("qualifier"), pl.lit(", ".join(QUALIFIERS))
    ),
    "category_in_vocabulary": pl.format(
        "category '{}' is not in the category vocabulary", pl.col("category")
    ),
    "start_not_negative": pl.format("start {} < 0", pl.col("start")),
    "end_after_start": pl.format("end {} <= start {}", pl.col("end"), pl.col("start")),
    "end_inside_text": pl.format("end {} > text_length {}", pl.col("end"), pl.col("text_length")),
}  # fmt: skip
