"""The data checks of the contract (../shared/corpus/ANNOTATION.md) as Great Expectations suites.

Each suite is a tuple of `Check`s, plain data (listing them needs no GX import); every GX
expectation built from a check carries meta={"severity": ..., "check": ...}: a failed `critical`
check keeps the row out of the warehouse (quarantine), a failed `warning` check loads the row and
flags it (figure_flag); an `info` check reports and never fails. `REASONS` says, per
check, how to explain a failed row in words; it is a polars expression over the validated frame.

Great Expectations is imported inside the functions: the import alone takes seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from transforms.contract import QUALIFIERS, categories

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

CRITICAL = "critical"
WARNING = "warning"
INFO = "info"

ARTICLES = "articles"
FIGURES = "figures"
CLAIMS = "claims"

# Figure columns that must never be null (party may be: unknown side is a warning, not an error).
REQUIRED_FIGURE_COLUMNS: tuple[str, ...] = (
    "figure_id", "article_id", "value", "qualifier", "category", "claimant", "start", "end",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One check of a suite: its name, severity, GX expectation type and the expectation's arguments."""

    check: str
    severity: str
    expectation: str  # a class of great_expectations.expectations
    kwargs: dict[str, Any]

    @property
    def expectation_type(self) -> str:
        """The GX expectation's snake_case type name, as GX reports it in results."""
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in self.expectation).lstrip("_")


def article_checks() -> tuple[Check, ...]:
    """The articles suite: a unique article_id and a non-empty text for every article."""
    return (
        Check("article_id_not_null", CRITICAL, "ExpectColumnValuesToNotBeNull", {"column": "article_id"}),
        Check("article_id_unique", CRITICAL, "ExpectColumnValuesToBeUnique", {"column": "article_id"}),
        Check("text_not_null", CRITICAL, "ExpectColumnValuesToNotBeNull", {"column": "text"}),
        Check("text_not_empty", CRITICAL, "ExpectColumnValueLengthsToBeBetween",
              {"column": "text", "min_value": 1}),
        Check("file_not_null", WARNING, "ExpectColumnValuesToNotBeNull", {"column": "file"}),
    )  # fmt: skip


def figure_checks() -> tuple[Check, ...]:
    """The figures suite; the frame must carry `text_length`, the length of its article's text."""
    not_null = tuple(
        Check(f"{column}_not_null", CRITICAL, "ExpectColumnValuesToNotBeNull", {"column": column})
        for column in REQUIRED_FIGURE_COLUMNS
    )
    return not_null + (
        Check("figure_id_unique", CRITICAL, "ExpectColumnValuesToBeUnique", {"column": "figure_id"}),
        Check("article_known", CRITICAL, "ExpectColumnValuesToNotBeNull", {"column": "text_length"}),
        Check("value_positive", CRITICAL, "ExpectColumnValuesToBeBetween",
              {"column": "value", "min_value": 0, "strict_min": True}),
        Check("value_high_at_least_value", CRITICAL, "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "value_high", "column_B": "value", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("qualifier_in_vocabulary", CRITICAL, "ExpectColumnValuesToBeInSet",
              {"column": "qualifier", "value_set": list(QUALIFIERS)}),
        Check("category_in_vocabulary", CRITICAL, "ExpectColumnValuesToBeInSet",
              {"column": "category", "value_set": list(categories())}),
        Check("start_not_negative", CRITICAL, "ExpectColumnValuesToBeBetween",
              {"column": "start", "min_value": 0}),
        Check("end_after_start", CRITICAL, "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "end", "column_B": "start", "or_equal": False,
               "ignore_row_if": "either_value_is_missing"}),
        Check("end_inside_text", CRITICAL, "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "text_length", "column_B": "end", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("party_not_null", WARNING, "ExpectColumnValuesToNotBeNull", {"column": "party"}),
    )  # fmt: skip


def claim_checks() -> tuple[Check, ...]:
    """The claims suite over the rebuilt claim table: ids unique, counts and dates coherent."""
    return (
        Check("claim_id_unique", CRITICAL, "ExpectColumnValuesToBeUnique", {"column": "claim_id"}),
        Check("claim_value_positive", CRITICAL, "ExpectColumnValuesToBeBetween",
              {"column": "value", "min_value": 0, "strict_min": True}),
        Check("mentions_at_least_one", CRITICAL, "ExpectColumnValuesToBeBetween",
              {"column": "mention_count", "min_value": 1}),
        Check("outlets_within_mentions", CRITICAL, "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "mention_count", "column_B": "outlet_count", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("last_seen_not_before_first_seen", CRITICAL, "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "last_seen", "column_B": "first_seen", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"}),
        Check("claim_date_known", WARNING, "ExpectColumnValuesToNotBeNull", {"column": "first_seen"}),
    )  # fmt: skip


# The suites, by name: every suite listed here is validated, recorded in dq_result and in the
# Data Docs. articles and figures run on each batch before its load; claims on the claim table
# after it is rebuilt (claims are derived, so a failure is reported, never quarantined).
SUITE_CHECKS: dict[str, Callable[[], tuple[Check, ...]]] = {
    ARTICLES: article_checks, FIGURES: figure_checks, CLAIMS: claim_checks,
}


def expectation_of(check: Check) -> Expectation:
    """The GX expectation of a check, tagged with its check name and severity."""
    import great_expectations as gx

    expectation_class = getattr(gx.expectations, check.expectation)
    return expectation_class(**check.kwargs, meta={"severity": check.severity, "check": check.check})


def article_expectations() -> list[Expectation]:
    """The articles suite as GX expectations."""
    return [expectation_of(check) for check in article_checks()]


def figure_expectations() -> list[Expectation]:
    """The figures suite as GX expectations."""
    return [expectation_of(check) for check in figure_checks()]


def claim_expectations() -> list[Expectation]:
    """The claims suite as GX expectations."""
    return [expectation_of(check) for check in claim_checks()]


SUITES = {ARTICLES: article_expectations, FIGURES: figure_expectations, CLAIMS: claim_expectations}


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
    "claim_id_unique": duplicate_reason("claim_id"),
    "claim_value_positive": pl.format("claim value {} is not > 0", pl.col("value")),
    "mentions_at_least_one": pl.format("mention_count {} < 1", pl.col("mention_count")),
    "outlets_within_mentions": pl.format(
        "outlet_count {} > mention_count {}", pl.col("outlet_count"), pl.col("mention_count")
    ),
    "last_seen_not_before_first_seen": pl.format(
        "last_seen {} < first_seen {}", pl.col("last_seen"), pl.col("first_seen")
    ),
    "claim_date_known": pl.lit("no claim date: the articles have no publication date"),
}  # fmt: skip
