"""One place for losstally's settings and paths. Every value can be overridden by an env var."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Set before Prefect or Great Expectations is imported: no network, so no telemetry.
QUIET_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_HOME": str(PROJECT_ROOT / ".prefect"),
    "PREFECT_LOGGING_LEVEL": "INFO",
    # The temporary local API behind `losstally run` may take longer than Prefect's 20 s to start
    # on a busy machine; waiting longer is better than failing the run.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


@dataclass(frozen=True)
class Settings:
    """Paths and limits of a losstally run."""

    raw_dir: Path
    db_path: Path
    batch_files: int
    max_file_bytes: int
    top_claims: int
    dq_docs: Path | None  # GX Data Docs folder; None: dq-docs/ next to the warehouse file
    work_db: Path | None  # the database the flow writes before publishing; None: work/ next to db_path
    echo_days: int  # mentions of the same claim at most this many days apart are one claim
    lock_wait_seconds: float  # how long a run waits for another run that holds the warehouse
    shard_articles: int = 2000  # articles per extract task: the unit of work sent to threads or Dask workers
    duckdb_memory_limit: str = "384MB"  # DuckDB's memory in the run's connections; beyond it, it spills or evicts
    duckdb_checks_memory_limit: str = "256MB"  # the same, in the data-quality step, beside GX's pandas frames
    duckdb_row_group_rows: int = 16384  # rows per row group the run writes (warehouse and Parquet): bounds their buffers
    duckdb_checkpoint_threshold: str = "128MB"  # write-ahead log the batch loads gather before DuckDB checkpoints
    duckdb_writer_memory_limit: str = "128MB"  # DuckDB's memory in the connection that loads the batches, open all run

    def work_db_path(self, db_path: Path | None = None) -> Path:
        """The working database the flow writes: LOSSTALLY_WORK_DB, else work/<name> next to the published one."""
        published = db_path or self.db_path
        return self.work_db or published.parent / "work" / published.name

    def dq_docs_dir(self, db_path: Path | None = None) -> Path:
        """The Data Docs folder: LOSSTALLY_DQ_DOCS, else dq-docs/ next to the warehouse (warehouse/dq-docs)."""
        return (self.dq_docs or (db_path or self.db_path).parent / "dq-docs").absolute()  # GX wants it absolute


def settings() -> Settings:
    """The settings in force: defaults, overridden by LOSSTALLY_* environment variables."""
    env = os.environ.get
    return Settings(
        raw_dir=Path(env("LOSSTALLY_RAW_DIR", PROJECT_ROOT / "data" / "sample")),
        db_path=Path(env("LOSSTALLY_DB", PROJECT_ROOT / "warehouse" / "losstally.duckdb")),
        batch_files=int(env("LOSSTALLY_BATCH_FILES", "4000")),
        max_file_bytes=int(env("LOSSTALLY_MAX_FILE_BYTES", str(20 * 1024 * 1024))),
        top_claims=int(env("LOSSTALLY_TOP_CLAIMS", "10")),
        dq_docs=Path(env("LOSSTALLY_DQ_DOCS")) if env("LOSSTALLY_DQ_DOCS") else None,
        work_db=Path(env("LOSSTALLY_WORK_DB")) if env("LOSSTALLY_WORK_DB") else None,
        echo_days=int(env("LOSSTALLY_ECHO_DAYS", "3")),
        lock_wait_seconds=float(env("LOSSTALLY_LOCK_WAIT_SECONDS", "300")),
        shard_articles=int(env("LOSSTALLY_SHARD_ARTICLES", "2000")),
        duckdb_memory_limit=duckdb_size("LOSSTALLY_DUCKDB_MEMORY_LIMIT", "384MB"),
        duckdb_checks_memory_limit=duckdb_size("LOSSTALLY_DUCKDB_CHECKS_MEMORY_LIMIT", "256MB"),
        duckdb_row_group_rows=row_group_rows(env("LOSSTALLY_DUCKDB_ROW_GROUP_ROWS", "16384")),
        duckdb_checkpoint_threshold=duckdb_size("LOSSTALLY_DUCKDB_CHECKPOINT_THRESHOLD", "128MB"),
        duckdb_writer_memory_limit=duckdb_size("LOSSTALLY_DUCKDB_WRITER_MEMORY_LIMIT", "128MB"),
    )


def duckdb_size(name: str, default: str) -> str:
    """The DuckDB size in env var name, else default ("128MB", "1GiB"), checked here so that a bad value is
    refused naming its variable, not by DuckDB at the first connection."""
    value = os.environ.get(name, default)
    if not re.fullmatch(r"\d+(?:\.\d+)?\s*(?:[KMGT]i?B|B|bytes)", value.strip(), flags=re.IGNORECASE):
        raise ValueError(f"{name} must be a size such as 128MB or 1GiB, got {value!r}")
    return value.strip()


def row_group_rows(value: str) -> int:
    """LOSSTALLY_DUCKDB_ROW_GROUP_ROWS as a number, checked: DuckDB takes only multiples of its vector size."""
    rows = int(value)
    if rows <= 0 or rows % 2048:
        raise ValueError(f"LOSSTALLY_DUCKDB_ROW_GROUP_ROWS must be a positive multiple of 2048 (DuckDB's vector "
                         f"size), got {value}")
    return rows


def quiet_environment() -> None:
    """Turn off telemetry and keep Prefect's state in the project, unless the user set otherwise."""
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
