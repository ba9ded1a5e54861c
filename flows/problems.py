"""What went wrong with a run's raw files: a warning per problem in the run log, and whether anything was read."""

from __future__ import annotations

import polars as pl

MAX_WARNINGS = 50  # per stage; the rest are summed up in one line (every one is in ingest_log)
ROUTINE_SKIPS = ("unchanged since it was loaded", "same content as", "same text as", "hidden file")
ENCODING_NOTES = {
    "utf-8-sig": "decoded as UTF-8 (byte-order mark)",
    "utf-16": "decoded as UTF-16 (byte-order mark)",
    "cp1252": "decoded as Windows-1252: not valid UTF-8",
}


class NothingReadable(RuntimeError):
    """Files were found but not one of them could be read."""


def problem_rows(log: pl.DataFrame) -> pl.DataFrame:
    """The ingest-log rows that are problems: not loaded, and not a routine skip (already loaded, duplicate, hidden)."""
    routine = pl.any_horizontal(pl.col("reason").str.starts_with(p) for p in ROUTINE_SKIPS)
    return log.filter(pl.col("status").is_in(["skipped", "quarantined"]) & ~routine.fill_null(False))


def logged_problems(logger, log: pl.DataFrame, articles: pl.DataFrame | None = None) -> int:
    """Log a warning per problem in `log` (and a line for text not in plain UTF-8); returns the number of problems."""
    problems = problem_rows(log)
    for row in problems.head(MAX_WARNINGS).iter_rows(named=True):
        logger.warning("%s %s: %s", row["status"], row["path"], row["reason"])
    if problems.height > MAX_WARNINGS:
        logger.warning("… and %d more files or items not loaded: see ingest_log", problems.height - MAX_WARNINGS)
    if articles is not None and articles.height:
        decoded = articles.filter(pl.col("encoding").is_in(list(ENCODING_NOTES)))
        if decoded.height:
            logger.info("decode: %d articles not in plain UTF-8: %s", decoded.height, ", ".join(
                f"{r['file']} ({r['encoding']})" for r in decoded.head(MAX_WARNINGS).iter_rows(named=True)))
    return problems.height


def decoding_note() -> pl.Expr:
    """The ingest-log note of a loaded article read in another encoding than plain UTF-8 (null for plain UTF-8)."""
    return pl.col("encoding").replace_strict(ENCODING_NOTES, default=None, return_dtype=pl.String)


def nothing_read_message(inventory: pl.DataFrame, articles_read: int) -> str | None:
    """Why a run failed when files were found and none could be read; None when something was read (or no files)."""
    already = inventory.filter((pl.col("status") == "skipped") & pl.col("file_sha256").is_not_null()).height
    if inventory.height == 0 or articles_read or already:
        return None
    outcome = pl.col("status").replace("pending", "unreadable")
    counts = inventory.group_by(outcome).len().sort("status").iter_rows()
    return (f"nothing could be read: {inventory.height} files found, none of them readable ("
            + ", ".join(f"{n} {status}" for status, n in counts) + "); see ingest_log for the reasons")
