"""Frames reach DuckDB as Parquet (warehouse.load.staged), and a run's id as a SQL variable."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from flows.settings import PROJECT_ROOT
from warehouse import load as wh


def test_staged_frames_keep_their_types_and_nulls_and_vanish_afterwards(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create table t (name varchar, day date, seen_at timestamp, n bigint, ok boolean, note varchar)")
    frame = pl.DataFrame({"name": ["a", None], "day": [date(2024, 2, 29), None],
                          "seen_at": [datetime(2024, 1, 1, 12, 30), None], "n": [1, None], "ok": [True, None],
                          "note": [None, None]})  # an all-null column has polars' Null type
    with wh.staged(con, {"staged_t": frame}):
        con.execute("insert into t by name select * from staged_t")
    assert con.execute("select * from t order by name nulls last").fetchall() == [
        ("a", date(2024, 2, 29), datetime(2024, 1, 1, 12, 30), 1, True, None), (None, None, None, None, None, None)]
    assert con.execute("select count(*) from duckdb_views() where view_name = 'staged_t'").fetchone()[0] == 0


def test_the_run_id_is_a_quoted_literal(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    run_id = "it's'; drop table t; --"
    assert wh.with_run_id(con, run_id).execute("select getvariable('run_id')").fetchone()[0] == run_id
    con.execute("create table t (run_id varchar)")
    with wh.staged(con, {"staged_ids": pl.DataFrame({"run_id": [run_id, "other"]})}):
        con.execute("insert into t select * from staged_ids")
    assert wh.with_run_id(con, run_id).execute(
        "select count(*) from t where run_id = getvariable('run_id')").fetchone()[0] == 1


def test_a_load_does_not_import_pandas(tmp_path):
    """DuckDB's Python client imports pandas (about a second) to bind a parameter or scan a frame in memory:
    the load path avoids both, which is most of a run that finds nothing new."""
    script = f"""
import sys
import polars as pl
from warehouse import load as wh
con = wh.connect(__import__("pathlib").Path({str(tmp_path / "w.duckdb")!r}))
wh.ensure_schema(con)
wh.with_run_id(con, "r1")
wh.load_batch(con, {{"ingest_log": pl.DataFrame({{"run_id": ["r1"], "path": ["a.txt"], "source_file": ["a.txt"],
    "status": ["skipped"], "reason": ["hidden file"], "logged_at": [__import__("datetime").datetime(2024, 1, 1)]}})}})
print(wh.file_outcomes(con, "r1"), "pandas" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "{'files_loaded': 0, 'files_skipped': 1, 'files_quarantined': 0} False", out.stderr


def test_a_transaction_commits_its_block_or_rolls_all_of_it_back(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("create table t (x integer)")
    with wh.transaction(con):
        con.execute("insert into t values (1)")
    with pytest.raises(duckdb.CatalogException), wh.transaction(con):
        con.execute("insert into t values (2)")
        con.execute("insert into missing_table values (3)")
    assert con.execute("select list(x order by x) from t").fetchone()[0] == [1]  # the failed block left nothing
    con.close()
