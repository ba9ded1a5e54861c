"""Validate article and figure frames against the suites; split the rows into passed, quarantined, flagged.

Great Expectations 1.x cannot read a polars frame, so the columns a suite looks at go to it as one
pandas batch whose index is the row position. The context, batch definitions and suites are built
once per process.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import polars as pl

from expectations.suites import ARTICLES, CLAIMS, CRITICAL, FIGURES, REASONS, SUITES, WARNING, checked_columns

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.core.batch_definition import BatchDefinition

ROW = "_row"  # helper column: a row's position in the validated frame (its pandas index)
SAMPLE_SIZE = 5

ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "figure_id": pl.String(),  # null for an article
    "article_id": pl.String(),
    "check": pl.String(),
    "severity": pl.String(),
    "reason": pl.String(),  # in words: "value_high 10 < value 15"
    "offending": pl.String(),  # the checked columns: "value_high=10, value=15"
}

RESULT_SCHEMA: dict[str, pl.DataType] = {
    "suite": pl.String(),
    "check": pl.String(),
    "expectation": pl.String(),  # the GX expectation type
    "severity": pl.String(),
    "success": pl.Boolean(),
    "unexpected_count": pl.Int64(),
    "sample": pl.String(),  # up to SAMPLE_SIZE offending values, " | "-separated
    "rows_checked": pl.Int64(),  # rows the check looked at
}


@dataclass(frozen=True)
class Validation:
    """The outcome of one suite on one frame."""

    passed: pl.DataFrame  # input rows that failed no critical check: the rows to load
    quarantined: pl.DataFrame  # ISSUE_SCHEMA: one row per (row, failed critical check)
    flagged: pl.DataFrame  # ISSUE_SCHEMA: one row per (row, failed warning check); these rows still load
    results: pl.DataFrame  # RESULT_SCHEMA: one row per check
    suite_results: tuple = ()  # GX's ExpectationSuiteValidationResult(s), for the Data Docs
    quarantined_rows: pl.DataFrame | None = None  # the failed input rows, one per (row, failed critical check)

    @property
    def success(self) -> bool:
        """True when no row is quarantined."""
        return self.quarantined.is_empty()


_GX_SETUP_LOCK = threading.Lock()


def gx_setup() -> tuple[dict[str, BatchDefinition], dict[str, ExpectationSuite]]:
    """Per suite name, a batch definition and the suite; the context has no analytics and no progress bars.
    Set up once per process, by whichever thread asks first (see gx_setup_in_background)."""
    with _GX_SETUP_LOCK:
        return _gx_setup()


def gx_setup_in_background() -> threading.Thread:
    """Start GX's import and context set-up (about 6 s, mostly the import) in a background thread, so that
    it overlaps with reading and extracting the first batch instead of holding up its validation."""
    thread = threading.Thread(target=gx_setup, name="gx-setup", daemon=True)
    thread.start()
    return thread


@cache
def _gx_setup() -> tuple[dict[str, BatchDefinition], dict[str, ExpectationSuite]]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import logging

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # no INFO note per ephemeral context

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("losstally")
    batch_definitions = {
        name: source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        for name in SUITES
    }
    suites = {name: gx.ExpectationSuite(name, expectations=build()) for name, build in SUITES.items()}
    return batch_definitions, suites


def suite_columns(suite: ExpectationSuite) -> list[str]:
    """The columns a suite looks at, each once."""
    return list(dict.fromkeys(c for e in suite.expectations for c in checked_columns(e.configuration.kwargs)))


def suite_result(frame: pl.DataFrame, suite_name: str) -> ExpectationSuiteValidationResult:
    """GX's COMPLETE result of a suite on the frame's checked columns, as one pandas batch indexed 0..n-1."""
    batch_definitions, suites = gx_setup()
    suite = suites[suite_name]
    dataframe = frame.select(suite_columns(suite)).to_pandas().reset_index(drop=True)
    batch = batch_definitions[suite_name].get_batch(batch_parameters={"dataframe": dataframe})
    return batch.validate(suite, result_format={"result_format": "COMPLETE"})


def unexpected_rows(result: Any) -> list[int]:
    """The row positions one expectation found unexpected; raises when the expectation itself broke."""
    rows = result.result.get("unexpected_index_list")
    if rows is None and not result.success:
        check = result.expectation_config.meta["check"]
        raise RuntimeError(f"check {check} could not run: {result.exception_info}")
    return [int(row) for row in rows or []]


def offending_values(columns: tuple[str, ...]) -> pl.Expr:
    """The checked columns of a row as 'column=value, ...'."""
    parts = [
        pl.format(f"{column}={{}}", pl.col(column).cast(pl.String).fill_null("null"))
        for column in columns
    ]
    return pl.concat_str(parts, separator=", ")


def check_issues(frame: pl.DataFrame, result: Any) -> pl.DataFrame:
    """The rows one expectation failed: row position, keys, check, severity, reason, offending values."""
    config = result.expectation_config
    columns = checked_columns(config.kwargs)
    rows = pl.Series(ROW, unexpected_rows(result), dtype=pl.UInt32)
    keys = [key for key in ("figure_id", "article_id") if key in frame.columns]
    failed = frame.select(pl.col(*dict.fromkeys([*keys, *columns])).gather(rows))
    return failed.select(
        rows,
        pl.col("figure_id") if "figure_id" in keys else pl.lit(None, pl.String).alias("figure_id"),
        pl.col("article_id"),
        pl.lit(config.meta["check"]).alias("check"),
        pl.lit(config.meta["severity"]).alias("severity"),
        REASONS[config.meta["check"]].alias("reason"),
        offending_values(columns).alias("offending"),
    )


def row_issues(frame: pl.DataFrame, result: ExpectationSuiteValidationResult) -> pl.DataFrame:
    """Every (row, failed check) pair of a suite result, ordered by row position."""
    empty = pl.DataFrame(schema={ROW: pl.UInt32(), **ISSUE_SCHEMA})
    issues = [check_issues(frame, r) for r in result.results if not r.success]
    return pl.concat([empty, *issues], how="vertical_relaxed").sort(ROW, maintain_order=True)


def check_results(
    suite_name: str, result: ExpectationSuiteValidationResult, issues: pl.DataFrame, frame_height: int
) -> pl.DataFrame:
    """One row per check, in suite order: success, unexpected count and a sample of offending values."""
    by_check = {r.expectation_config.meta["check"]: r for r in result.results}
    ordered = [by_check[e.meta["check"]] for e in gx_setup()[1][suite_name].expectations]
    samples = dict(
        issues.group_by("check")
        .agg(pl.col("offending").head(SAMPLE_SIZE).str.join(" | "))
        .iter_rows()
    )
    rows = [
        {
            "suite": suite_name,
            "check": r.expectation_config.meta["check"],
            "expectation": r.expectation_config.type,
            "severity": r.expectation_config.meta["severity"],
            "success": r.success,
            "unexpected_count": r.result.get("unexpected_count") or 0,
            "sample": samples.get(r.expectation_config.meta["check"], ""),
            "rows_checked": frame_height,
        }
        for r in ordered
    ]
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def rows_with_issues(frame: pl.DataFrame, issues: pl.DataFrame) -> pl.DataFrame:
    """The frame's rows that have issues, matched by row position (ids may be null or repeated)."""
    detail = issues.select(ROW, "check", "severity", "reason", "offending")
    return frame.with_row_index(ROW).join(detail, on=ROW, how="inner").sort(ROW, maintain_order=True).drop(ROW)


def validation(frame: pl.DataFrame, suite_name: str) -> Validation:
    """The named suite's verdict on the frame; `passed` keeps every column of the frame."""
    result = suite_result(frame, suite_name)
    issues = row_issues(frame, result)
    critical = issues.filter(pl.col("severity") == CRITICAL)
    return Validation(
        passed=frame.filter(~pl.int_range(pl.len(), dtype=pl.UInt32).is_in(critical[ROW].implode())),
        quarantined=critical.drop(ROW),
        flagged=issues.filter(pl.col("severity") == WARNING).drop(ROW),
        results=check_results(suite_name, result, issues, frame.height),
        suite_results=(result,),
        quarantined_rows=rows_with_issues(frame, critical),
    )


def figures_with_text_length(figures: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    """The figures with `text_length`, their article's length in characters (null for an unknown article)."""
    lengths = articles.group_by("article_id").agg(text_length=pl.col("text").str.len_chars().min())
    return figures.join(lengths, on="article_id", how="left", maintain_order="left")


def validate_articles(articles: pl.DataFrame) -> Validation:
    """The articles suite's verdict on an article frame (ARTICLE_SCHEMA)."""
    return validation(articles, ARTICLES)


def validate_claims(claims: pl.DataFrame) -> Validation:
    """The claims suite's verdict on the claim table; a claim's article is its provenance article."""
    return validation(claims.with_columns(article_id=pl.col("provenance_article_id")), CLAIMS)


def validate_figures(figures: pl.DataFrame, articles: pl.DataFrame) -> Validation:
    """The figures suite's verdict on a figure frame (FIGURE_SCHEMA), offsets checked against the articles."""
    checked = validation(figures_with_text_length(figures, articles), FIGURES)
    return Validation(
        passed=checked.passed.drop("text_length"),
        quarantined=checked.quarantined,
        flagged=checked.flagged,
        results=checked.results,
        suite_results=checked.suite_results,
        quarantined_rows=checked.quarantined_rows.drop("text_length"),
    )
