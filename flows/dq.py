"""The data-quality step of a run: record every check's result, flag figures, publish the Data Docs.

After a run's loads, `checked_warehouse` runs the cross-figure checks over the whole warehouse,
writes exactly one dq_result row per check for the run (GX suites and consistency checks), replaces
the consistency flags in figure_flag, rebuilds the GX Data Docs with the run's suite results and
publishes the `dq-results` Markdown artifact.

A run with nothing new still gets one row per check: the consistency checks run again (they read
the whole warehouse), each GX check of the batch suites (articles, figures) is recorded as succeeded
on rows_checked = 0 without importing GX, and the claims suite repeats its last results (the claims
were not rebuilt, so they stand as last checked); no Data Docs page is added for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from expectations.consistency import (
    CHECKS,
    claimant_staleness,
    consistency_failures,
    consistency_flags,
    consistency_results,
    figures_checked,
)
from expectations.docs import index_path
from expectations.suites import SUITE_CHECKS
from expectations.validate import ISSUE_SCHEMA, RESULT_SCHEMA
from flows.report import markdown_table
from flows.settings import settings
from warehouse import load as wh

DQ_COLUMNS = ("suite", "check", "severity", "success", "rows_checked", "unexpected_count", "sample")
CLAIM_SLICE_ROWS = 125_000  # claims per slice of the claims suite: bounds GX's working memory (pandas, COMPLETE)
CLAIM_COLUMNS = ("claim_id", "value", "mention_count", "outlet_count", "first_seen", "last_seen",
                 "provenance_article_id")  # what the claims suite and its issue rows look at


def staged_flags(flagged: pl.DataFrame, figures: pl.DataFrame, run_id: str, stamp: datetime) -> pl.DataFrame:
    """The figure_flag rows of a batch: its warnings on figures that load, stamped with the run."""
    return (
        flagged.select(list(ISSUE_SCHEMA))
        .join(figures.select("figure_id"), on="figure_id", how="semi")
        .rename({"check": "check_name"})
        .with_columns(run_id=pl.lit(run_id), flagged_at=pl.lit(stamp))
    )


def suite_checks() -> pl.DataFrame:
    """Every check of the GX suites, in suite order (read from the suite definitions, no GX import)."""
    rows = [
        {"suite": suite, "check": c.check, "expectation": c.expectation_type, "severity": c.severity}
        for suite, checks in SUITE_CHECKS.items()
        for c in checks()
    ]
    return pl.DataFrame(rows, schema={k: RESULT_SCHEMA[k] for k in ("suite", "check", "expectation", "severity")})


def gx_run_results(batch_results: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per GX check for the run: passed only if it passed in every batch; 0 rows if no batch."""
    results = pl.concat([pl.DataFrame(schema=RESULT_SCHEMA), *batch_results], how="vertical_relaxed")
    per_check = results.group_by("suite", "check").agg(
        success=pl.col("success").all(),
        unexpected_count=pl.col("unexpected_count").sum(),
        sample=pl.col("sample").filter(pl.col("sample") != "").first(),
        rows_checked=pl.col("rows_checked").sum(),
    )
    return (
        suite_checks()
        .join(per_check, on=["suite", "check"], how="left", maintain_order="left")
        .with_columns(
            pl.col("success").fill_null(True),
            pl.col("unexpected_count").fill_null(0),
            pl.col("sample").fill_null(""),
            pl.col("rows_checked").fill_null(0),
        )
        .select(list(RESULT_SCHEMA))
    )


def claim_slices(con: Any, rows: int = CLAIM_SLICE_ROWS) -> Iterator[pl.DataFrame]:
    """The claim table's checked columns, one slice of about `rows` claims at a time.

    A slice is a hash bucket of claim_id: claims with the same id share a slice, so checking uniqueness
    slice by slice is checking it over the whole table.
    """
    total = con.execute("select count(*) from claim").fetchone()[0]
    slices = max(1, -(-total // max(rows, 1)))
    con.execute(f"set variable claim_slices = {slices}")
    for number in range(slices):
        con.execute(f"set variable claim_slice = {number}")
        yield con.execute(f"select {', '.join(CLAIM_COLUMNS)} from claim "
                          "where hash(claim_id) % getvariable('claim_slices') = getvariable('claim_slice') "
                          "order by claim_id").pl()


def claims_suite(con: Any, rows: int = CLAIM_SLICE_ROWS) -> tuple[list[pl.DataFrame], list[Any]]:
    """The claims suite over the claim table, slice by slice: each slice's check results and GX results."""
    from expectations.validate import validate_claims

    results, suite_results = [], []
    for claims in claim_slices(con, rows):
        check = validate_claims(claims)
        results.append(check.results)
        suite_results += check.suite_results
    return results, suite_results


def last_claim_results(con: Any) -> pl.DataFrame:
    """The claims suite's results as last recorded on a rebuilt claim table (no rows if never)."""
    rows = con.execute("""
        select suite, check_name as "check", expectation, severity, success, unexpected_count, sample,
               rows_checked
        from dq_result
        where suite = 'claims' and rows_checked > 0
        qualify dense_rank() over (order by checked_at desc) = 1
    """).pl()
    return rows.cast({k: v for k, v in RESULT_SCHEMA.items() if k in rows.columns})


def unchanged_consistency_results(con: Any) -> pl.DataFrame | None:
    """The consistency checks' results as last recorded, if no figure changed since (same count, none
    loaded after them); None when they must run again.

    The checks are a function of the figure table alone, so over unchanged figures their results stand:
    a run that loads nothing does not scan the whole warehouse again (that cost grows with the warehouse).
    """
    rows = con.execute("""
        with last as (
            select *
            from dq_result
            where suite = 'consistency'
            qualify dense_rank() over (order by checked_at desc) = 1
        ),
        figures as (
            select count(*) as n, max(loaded_at) as last_loaded from figure
        )
        select suite, check_name as "check", expectation, severity, success, unexpected_count, sample, rows_checked
        from last, figures
        where last.rows_checked = figures.n
          and (figures.last_loaded is null or last.checked_at >= figures.last_loaded)
    """).pl()
    if rows.height != len(CHECKS):
        return None
    return rows.cast({k: v for k, v in RESULT_SCHEMA.items() if k in rows.columns})


def recorded_results(con: Any, run_id: str, dq: pl.DataFrame, flags: pl.DataFrame | None, stamp: datetime) -> None:
    """In one transaction: replace the consistency flags (None: they stand), and the run's dq_result rows."""
    staged_dq = dq.rename({"check": "check_name"}).with_columns(run_id=pl.lit(run_id), checked_at=pl.lit(stamp))
    frames = {"staged_dq": staged_dq}
    if flags is not None:
        frames["staged_flag"] = flags.rename({"check": "check_name"}).with_columns(
            run_id=pl.lit(run_id), flagged_at=pl.lit(stamp))
        frames["staged_checks"] = pl.DataFrame({"check_name": [c.check for c in CHECKS]}, schema={"check_name": pl.String})
    with wh.staged(con, frames), wh.transaction(con):
        if flags is not None:
            con.execute("delete from figure_flag where check_name in (select check_name from staged_checks)")
            con.execute("insert into figure_flag by name select * from staged_flag")
        wh.with_run_id(con, run_id).execute("delete from dq_result where run_id = getvariable('run_id')")
        con.execute("insert into dq_result by name select * from staged_dq")


def docs_line(docs_index: Path, built: bool) -> str:
    """Where the Data Docs are, as a line of the artifact."""
    if not docs_index.exists():
        return "- GX Data Docs: none yet (no suite has validated rows)"
    note = "" if built else " (unchanged: no new rows were validated this run)"
    return f"- GX Data Docs: [{docs_index.as_uri()}]({docs_index.as_uri()}){note}"


def dq_markdown(run_id: str, dq: pl.DataFrame, staleness: pl.DataFrame, docs_index: Path, built: bool) -> str:
    """The dq-results artifact: every check's result, the Data Docs path and staleness per claimant."""
    failed = dq.filter(~pl.col("success")).height
    return "\n".join([
        f"# Data quality of run {run_id}",
        "",
        f"- checks: {dq.height}, passed: {dq.height - failed}, failed: {failed}",
        docs_line(docs_index, built),
        "",
        "## Results (one row per check)",
        markdown_table(dq.select(DQ_COLUMNS).to_dicts()),
        "## Staleness per claimant (informational)",
        markdown_table(staleness.to_dicts()),
    ])  # fmt: skip


@task(cache_policy=NO_CACHE)
def checked_warehouse(
    db_path: Path, run_id: str, batch_results: list[pl.DataFrame], suite_results: list[Any], docs_dir: Path
) -> pl.DataFrame:
    """Run the cross-figure checks, record one dq_result row per check, build the Data Docs, publish."""
    stamp = datetime.now(timezone.utc).replace(tzinfo=None)
    # GX's pandas frames of the claims suite share the process with DuckDB here: DuckDB gets less memory
    # (on the warehouse of 1M articles the consistency checks alone took up to +630 MB at 512MB, +15 MB at 256MB).
    con = wh.connect(db_path, memory_limit=settings().duckdb_checks_memory_limit)
    try:
        if suite_results:  # something loaded this run: the rebuilt claims go through their suite
            claim_results, claim_suite_results = claims_suite(con)
            batch_results = [*batch_results, *claim_results]
            suite_results = [*suite_results, *claim_suite_results]
        else:  # the claims are as the last run that checked them left them: so are their results
            batch_results = [*batch_results, last_claim_results(con)]
        consistency = None if suite_results else unchanged_consistency_results(con)
        flags = None
        if consistency is None:
            failures = consistency_failures(con)
            consistency, flags = consistency_results(failures, figures_checked(con)), consistency_flags(failures)
        dq = pl.concat([gx_run_results(batch_results), consistency])
        recorded_results(con, run_id, dq, flags, stamp)
        staleness = claimant_staleness(con)
    finally:
        con.close()
    if suite_results:
        from expectations.docs import built_data_docs

        built_data_docs(suite_results, docs_dir, run_id)
    docs_index = index_path(docs_dir)
    create_markdown_artifact(key="dq-results", markdown=dq_markdown(run_id, dq, staleness, docs_index,
                                                                    bool(suite_results)),
                             description="Data-quality results of the run, and where the GX Data Docs are")
    get_run_logger().info("dq: %d checks, %d failed; Data Docs %s", dq.height, (~dq["success"]).sum(),
                          docs_index.as_uri() if docs_index.exists() else "not built")
    return dq
