"""The warehouse: DuckDB connection, idempotent schema, batch loads and the queries the flow reports."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from transforms.contract import category_rows

STAGED_TABLES = ("article", "figure", "figure_quarantine", "figure_flag", "ingest_log", "dq_result", "file_state")


def sql_text(name: str) -> str:
    """The text of a .sql file shipped in the warehouse package."""
    return resources.files("warehouse").joinpath(name).read_text("utf-8")


def with_run_id(con: duckdb.DuckDBPyConnection, run_id: str) -> duckdb.DuckDBPyConnection:
    """The connection with the SQL variable run_id set, for statements that read getvariable('run_id').

    DuckDB's Python client imports pandas (about a second) the first time it binds a Python parameter,
    so the run's own statements take its id from a variable, as a quoted SQL string literal.
    """
    con.execute(f"set variable run_id = '{run_id.replace(chr(39), chr(39) * 2)}'")
    return con


@contextmanager
def staged(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]):
    """The frames as temporary views, one per name, for the SQL run inside the `with` block.

    Polars writes each frame to a Parquet file in a temporary folder, which DuckDB reads. (DuckDB reads
    a polars frame in memory only through pyarrow and pandas, whose import costs about a second: most
    of a run that finds nothing new to load.)
    """
    with tempfile.TemporaryDirectory(prefix="losstally-stage-") as folder:
        try:
            for name, frame in frames.items():
                path = Path(folder) / f"{name}.parquet"
                frame.write_parquet(path, compression="uncompressed", statistics=False)
                con.execute(f"create or replace temp view {name} as select * from read_parquet('{path.as_posix()}')")
            yield
        finally:
            for name in frames:
                con.execute(f"drop view if exists {name}")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """The `with` block's statements in one transaction: committed at its end, rolled back if it raises."""
    con.execute("begin")
    try:
        yield con
    except Exception:
        con.execute("rollback")
        raise
    con.execute("commit")


def view_names() -> list[str]:
    """The .sql files under warehouse/views, in dependency order (by file name)."""
    views = resources.files("warehouse").joinpath("views")
    return sorted(p.name for p in views.iterdir() if p.name.endswith(".sql"))


WAREHOUSE_CATALOG = "warehouse"  # the name a writing connection gives the warehouse file (ATTACH ... AS)


def connect(db_path: Path, read_only: bool = False, attempts: int = 20,
            memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse, retried while another process holds the file lock.

    DuckDB's memory limit is memory_limit, else LOSSTALLY_DUCKDB_MEMORY_LIMIT (see flows/settings.py):
    DuckDB's default, 80% of the machine, lets its cache of table pages grow with the warehouse, so the
    run's memory would grow with N. Above the limit DuckDB evicts cached pages and spills to `<db>.tmp`.

    A writing connection attaches the file with row groups of LOSSTALLY_DUCKDB_ROW_GROUP_ROWS rows (see
    flows/settings.py). DuckDB's default, 122,880 rows, made each batch's checkpoint rewrite the table's last,
    growing row group: up to +0.9 GB for a row group of article texts, and a checkpoint time that grew with
    the warehouse. The size is not stored in the file, so every writer attaches with it.
    """
    from flows.settings import settings

    config = settings()
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    elif not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `losstally run` first")
    duckdb_config = {"memory_limit": memory_limit or config.duckdb_memory_limit}
    for attempt in range(attempts):
        try:
            if read_only:
                return duckdb.connect(str(db_path), read_only=True, config=duckdb_config)
            return attached(db_path, config.duckdb_row_group_rows, duckdb_config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(min(0.1 * 2**attempt, 2.0))
    raise AssertionError("unreachable")


@contextmanager
def batch_writer(db_path: Path):
    """One writing connection for all the batch loads of a run, closed (and checkpointed) when the block ends.

    DuckDB checkpoints when a connection closes, and when a commit finds more write-ahead log than its
    checkpoint_threshold (LOSSTALLY_DUCKDB_CHECKPOINT_THRESHOLD, see flows/settings.py). A connection per
    batch paid an attach and a checkpoint every batch, about half of the load time; each batch is still one
    transaction, committed to the log, so a crash loses no loaded batch (DuckDB replays the log on open).
    Its memory limit is LOSSTALLY_DUCKDB_WRITER_MEMORY_LIMIT: the pages it caches stay for the whole run,
    beside the extractor's frames, where a connection per batch gave them back after each load.
    """
    from flows.settings import settings

    config = settings()
    con = connect(db_path, memory_limit=config.duckdb_writer_memory_limit)
    try:
        con.execute(f"set checkpoint_threshold = '{config.duckdb_checkpoint_threshold}'")
        yield con
    finally:
        con.close()


def attached(db_path: Path, row_group_rows: int, config: dict) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is db_path, attached for writing with the given row group size
    (spilling to `<db>.tmp`, as a connection opened on the file would)."""
    con = duckdb.connect(config={**config, "temp_directory": f"{db_path}.tmp"})
    try:
        quoted = str(db_path).replace("'", "''")
        con.execute(f"attach '{quoted}' as {WAREHOUSE_CATALOG} (row_group_size {int(row_group_rows)})")
        con.execute(f"use {WAREHOUSE_CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def claimant_dimension() -> pl.DataFrame:
    """Claimant ids with claimant_party and kind, from the extractor's alias table when present."""
    try:
        from transforms.lexicon import claimant_rows
    except ImportError:  # the alias table ships with the extractor
        rows = [("reporter", None, "media")]
    else:
        rows = [tuple(r) for r in claimant_rows()]
    return pl.DataFrame(rows, schema={"claimant": pl.String, "claimant_party": pl.String, "kind": pl.String},
                        orient="row").unique("claimant", keep="first")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or migrate the tables, refresh the lookup tables and (re)create the views."""
    con.execute(sql_text("schema.sql"))
    dimensions = {"categories": pl.DataFrame(list(category_rows())), "claimants": claimant_dimension()}
    with staged(con, dimensions), transaction(con):
        con.execute("delete from category")
        con.execute("insert into category by name select * from categories")
        con.execute("delete from claimant")
        con.execute("insert into claimant by name select * from claimants")
    for name in view_names():
        con.execute(sql_text(f"views/{name}"))


def known_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """source_file, size, mtime_ns and file_sha256 of every raw file whose articles are loaded
    (flows.files.KNOWN_SCHEMA), as columns."""
    return con.execute("select source_file, size, mtime_ns, file_sha256 from file_state "
                       "where source_file in (select source_file from article)").pl()


def loaded_file_hashes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """file_sha256 and the (first) file it was loaded from, of every raw file whose articles are in the
    warehouse (flows.files.LOADED_SCHEMA), as columns."""
    return con.execute("select file_sha256, min(source_file) as loaded_file from article group by 1").pl()


def load_batch(con: duckdb.DuckDBPyConnection, rows: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Load one batch in one transaction: replace the batch's articles, insert the staged rows."""
    frames = {name: rows[name] for name in STAGED_TABLES if rows.get(name) is not None and rows[name].height}
    with staged(con, {f"staged_{name}": frame for name, frame in frames.items()}):
        load_staged(con, frames)
    return {name: frames[name].height if name in frames else 0 for name in STAGED_TABLES}


def load_staged(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """The statements of load_batch, in one transaction, over the staged_<name> views."""
    with transaction(con):
        if "article" in frames:
            con.execute(sql_text("replaced_articles.sql"))
            if con.execute("select count(*) from replaced_article").fetchone()[0]:
                con.execute(sql_text("replace_articles.sql"))
        if "file_state" in frames:
            con.execute("delete from file_state where source_file in (select source_file from staged_file_state)")
        for name in frames:
            con.execute(f"insert into {name} by name select * from staged_{name}")
        if "figure" in frames:
            con.execute("insert into party select distinct party from staged_figure "
                        "where party is not null and party not in (select party from party)")


def record_run(con: duckdb.DuckDBPyConnection, run: dict) -> None:
    """Insert or update the run's row in `run`."""
    with_run_id(con, run["run_id"]).execute("delete from run where run_id = getvariable('run_id')")
    with staged(con, {"staged_run": pl.DataFrame([run])}):
        con.execute("insert into run by name select * from staged_run")


CLAIM_BUCKET_FIGURES = 400_000  # figures per bucket of the claims rebuild: bounds its working memory


def rebuilt_claims(con: duckdb.DuckDBPyConnection, echo_days: int) -> int:
    """Rebuild `claim` from `figure` (warehouse/claims.sql), in one transaction, one bucket of claim keys
    at a time (one per CLAIM_BUCKET_FIGURES figures); returns the number of claims."""
    figures = con.execute("select count(*) from figure").fetchone()[0]
    buckets = max(1, -(-figures // CLAIM_BUCKET_FIGURES))
    con.execute(f"set variable echo_days = {int(echo_days)}")
    con.execute(f"set variable claim_buckets = {buckets}")
    statement = sql_text("claims.sql")
    with transaction(con):
        con.execute("delete from claim")
        for bucket in range(buckets):
            con.execute(f"set variable claim_bucket = {bucket}")
            con.execute(statement)
    return con.execute("select count(*) from claim").fetchone()[0]


def claim_count(db_path: Path) -> int:
    """How many claims the warehouse holds."""
    con = connect(db_path)
    try:
        return con.execute("select count(*) from claim").fetchone()[0]
    finally:
        con.close()


def adopted_work_database(work_db: Path, db_path: Path) -> bool:
    """Start the working database from the published one when only that exists; True if it copied."""
    if work_db.exists() or not db_path.exists():
        return False
    work_db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db_path, work_db)
    return True


def published_database(work_db: Path, db_path: Path) -> Path:
    """Publish the working database at db_path by copy and atomic rename.

    Analysts may hold the published file open (DuckDB CLI, BI tools): they keep reading the old file,
    a consistent snapshot, and see the new one when they reopen. The loads never wait for them.
    """
    con = connect(work_db)
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in db_path.parent.glob(f".{db_path.name}.publishing-*"):  # a publisher killed mid-copy
        leftover.unlink(missing_ok=True)  # (publishing runs under the run lock: no other is live)
    staging = db_path.with_name(f".{db_path.name}.publishing-{os.getpid()}")
    try:
        shutil.copyfile(work_db, staging)
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, db_path)
    finally:
        staging.unlink(missing_ok=True)
    return db_path


def file_outcomes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """How many files of a run loaded, were skipped, or were quarantined."""
    return with_run_id(con, run_id).execute(sql_text("file_status.sql")).pl().to_dicts()[0]


def top_claims(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """The largest figures per claimant, party and category: what a run summary shows."""
    con.execute(f"set variable top_claims = {int(limit)}")  # a variable, not a parameter: see with_run_id
    return con.execute(sql_text("top_claims.sql")).pl()


def exported_views(db_path: Path, folder: Path, file_format: str) -> list[tuple[str, Path, int]]:
    """Write every v_* view to folder as Parquet or CSV; returns (view, path, rows) for each.

    Parquet is written in row groups of LOSSTALLY_DUCKDB_ROW_GROUP_ROWS rows, as the warehouse is: with
    DuckDB's default of 122,880 rows, each of its threads buffers a row group of sentences, which at a million
    articles took +690 MB over the process and ran out of memory under a 384MB limit.
    """
    from flows.settings import settings

    folder.mkdir(parents=True, exist_ok=True)
    options = f"(format parquet, row_group_size {settings().duckdb_row_group_rows})" if file_format == "parquet" else "(format csv, header true)"
    con = connect(db_path, read_only=True)
    try:
        views = [r[0] for r in con.execute(
            "select view_name from duckdb_views() where not internal and view_name like 'v\\_%' escape '\\' "
            "order by 1").fetchall()]
        written = []
        for view in views:
            path = folder / f"{view}.{file_format}"
            rows = con.execute(f"copy (select * from {view}) to '{path.as_posix()}' {options}").fetchone()[0]
            written.append((view, path, rows))
        return written
    finally:
        con.close()
