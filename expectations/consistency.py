"""Checks beyond single columns: DuckDB SQL over the whole warehouse, run after each run's loads.

Each check is a query in warehouse/dq/<check>.sql that returns its failing rows (FAILURE_SCHEMA);
warehouse/dq/dq_figure.sql stages the temp views they read. Here they are run, summarised one row per
check (the RESULT_SCHEMA of the GX suites, suite "consistency") and turned into figure flags.
Failing rows are flagged, never deleted: the figures stay in `figure`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from expectations.suites import CRITICAL, INFO, WARNING
from expectations.validate import ISSUE_SCHEMA, RESULT_SCHEMA, SAMPLE_SIZE
from warehouse.load import sql_text

CONSISTENCY = "consistency"

FAILURE_SCHEMA: dict[str, pl.DataType] = {
    "figure_id": pl.String(),  # null for a claimant-level check (staleness)
    "article_id": pl.String(),
    "claimant": pl.String(),
    "party": pl.String(),
    "category": pl.String(),
    "reason": pl.String(),  # in words: "killed 14000 (approx) > casualties 9000 (exact)"
    "offending": pl.String(),  # the values compared: "killed=14000, casualties=9000"
}


@dataclass(frozen=True)
class ConsistencyCheck:
    """One cross-figure check: its name (= its .sql file under warehouse/dq) and severity."""

    check: str
    severity: str

    @property
    def sql_file(self) -> str:
        """The check's query, relative to the warehouse package."""
        return f"dq/{self.check}.sql"


CHECKS: tuple[ConsistencyCheck, ...] = (
    ConsistencyCheck("bounds", CRITICAL),  # value <= value_high
    ConsistencyCheck("parts_within_whole", WARNING),  # killed, wounded <= casualties
    ConsistencyCheck("stated_sums", WARNING),  # killed + wounded ≈ casualties
    ConsistencyCheck("series_not_falling", WARNING),  # a cumulative series never falls
    ConsistencyCheck("series_jump", WARNING),  # no ×10 jump between consecutive points
    ConsistencyCheck("claimant_staleness", INFO),  # days since a claimant's last claim
)


def staged_dq_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp views the checks read (dq_figure, dq_series_point, dq_claimant_staleness)."""
    con.execute(sql_text("dq/dq_figure.sql"))


def failing_rows(con: duckdb.DuckDBPyConnection, check: ConsistencyCheck) -> pl.DataFrame:
    """The rows one check finds failing, in FAILURE_SCHEMA, ordered for a stable sample."""
    rows = con.execute(sql_text(check.sql_file)).pl()
    return rows.select(list(FAILURE_SCHEMA)).cast(FAILURE_SCHEMA).sort(
        "claimant", "category", "figure_id", nulls_last=True
    )


def consistency_failures(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """Per check, its failing rows over the whole warehouse."""
    staged_dq_views(con)
    return {check.check: failing_rows(con, check) for check in CHECKS}


def figures_checked(con: duckdb.DuckDBPyConnection) -> int:
    """How many figures the consistency checks looked at: every figure in the warehouse."""
    return con.execute("select count(*) from figure").fetchone()[0]


def consistency_results(failures: dict[str, pl.DataFrame], rows_checked: int) -> pl.DataFrame:
    """One result row per check (RESULT_SCHEMA); an info check always succeeds."""
    rows = [
        {
            "suite": CONSISTENCY,
            "check": check.check,
            "expectation": f"sql:warehouse/{check.sql_file}",
            "severity": check.severity,
            "success": check.severity == INFO or failures[check.check].is_empty(),
            "unexpected_count": failures[check.check].height,
            "sample": " | ".join(failures[check.check]["offending"].head(SAMPLE_SIZE)),
            "rows_checked": rows_checked,
        }
        for check in CHECKS
    ]
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def consistency_flags(failures: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The failing figures of the critical and warning checks as flags (ISSUE_SCHEMA)."""
    flags = [
        failures[check.check].with_columns(check=pl.lit(check.check), severity=pl.lit(check.severity))
        for check in CHECKS
        if check.severity != INFO
    ]
    empty = pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat([empty, *(f.select(list(ISSUE_SCHEMA)) for f in flags)], how="vertical_relaxed")


def claimant_staleness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per claimant: the last claim date, days since then, its figures, and whether it is stale."""
    staged_dq_views(con)
    return con.execute("select * from dq_claimant_staleness").pl()


def latest_results(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> pl.DataFrame:
    """The dq_result rows of a run, by default the latest run."""
    return con.execute(sql_text("dq/latest_results.sql"), {"run_id": run_id}).pl()
