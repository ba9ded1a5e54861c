"""The warehouse: idempotent schema, batch loads that replace, read-only queries."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl
import pytest

from transforms.contract import FIGURE_SCHEMA
from warehouse import load as wh

STAMP = datetime(2024, 1, 2, 3, 4, 5)


def article(article_id: str, source_file: str, text: str) -> dict:
    return {"article_id": article_id, "file": source_file, "source_file": source_file, "file_sha256": article_id,
            "format": "txt", "encoding": "utf-8", "title": None, "outlet": None, "url": None,
            "published_at": None, "text": text, "extractor_version": "t", "ingested_at": STAMP, "run_id": "r1"}


def figure(figure_id: str, article_id: str, value: int, category: str = "killed") -> dict:
    return {"figure_id": figure_id, "article_id": article_id, "file": "a.txt", "value": value, "value_high": None,
            "qualifier": "exact", "qualifier_rule": "default", "category": category, "party": "russia",
            "claimant": "reporter", "claimant_party": None, "start": 0, "end": 2, "sentence": "s",
            "run_id": "r1", "loaded_at": STAMP}


def staged(articles: list[dict], figures: list[dict]) -> dict[str, pl.DataFrame]:
    schema = FIGURE_SCHEMA | {"run_id": pl.String, "loaded_at": pl.Datetime}
    return {"article": pl.DataFrame(articles), "figure": pl.DataFrame(figures, schema=schema)}


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f"select * from {table} order by all").fetchall()


@pytest.fixture
def con(tmp_path):
    connection = wh.connect(tmp_path / "w.duckdb")
    wh.ensure_schema(connection)
    yield connection
    connection.close()


def test_schema_is_idempotent_and_seeds_lookups(con):
    wh.ensure_schema(con)
    categories = con.execute("select category, category_group from category order by all").fetchall()
    assert ("killed", "personnel") in categories and ("tanks", "equipment") in categories
    assert ("infrastructure", "sites") in categories and len(categories) == 20
    assert con.execute("select count(*) from claimant where claimant = 'reporter'").fetchone() == (1,)


def test_loading_the_same_batch_twice_gives_the_same_rows(con):
    batch = staged([article("a1", "a.txt", "12 soldiers died")], [figure("f1", "a1", 12), figure("f2", "a1", 3)])
    wh.load_batch(con, batch)
    first = {t: table_rows(con, t) for t in ("article", "figure", "party")}
    wh.load_batch(con, batch)
    assert {t: table_rows(con, t) for t in ("article", "figure", "party")} == first
    assert len(first["figure"]) == 2


def test_a_changed_file_replaces_its_earlier_figures(con):
    wh.load_batch(con, staged([article("old", "a.txt", "12 died")], [figure("f1", "old", 12)]))
    wh.load_batch(con, staged([article("new", "a.txt", "15 died")], [figure("f9", "new", 15)]))
    assert con.execute("select article_id from article").fetchall() == [("new",)]
    assert con.execute("select figure_id, value from figure").fetchall() == [("f9", 15)]


def test_a_failing_batch_leaves_nothing_behind(con):
    good = staged([article("a1", "a.txt", "12 died")], [figure("f1", "a1", 12)])
    bad = good | {"figure": good["figure"].with_columns(pl.lit(None, pl.Int64).alias("value"))}  # value not null
    with pytest.raises(duckdb.ConstraintException):
        wh.load_batch(con, bad)
    assert con.execute("select count(*) from article").fetchone() == (0,)


def test_v_figure_has_the_contract_fields(con):
    wh.load_batch(con, staged([article("a1", "a.txt", "12 died")], [figure("f1", "a1", 12)]))
    columns = [d[0] for d in con.execute("select * from v_figure").description]
    for field in ("file", "article_id", "value", "value_high", "qualifier", "category", "party", "claimant",
                  "claimant_party", "start", "end", "sentence", "category_group"):
        assert field in columns
    assert con.execute("select category_group from v_figure").fetchone() == ("personnel",)


def test_read_only_result_reads_and_names_a_missing_warehouse(tmp_path, con):
    from warehouse.read_only import NotReadOnly, read_only_result

    path = tmp_path / "w.duckdb"
    con.close()
    assert read_only_result(path, "select count(*) as n from figure")["n"].to_list() == [0]
    with pytest.raises(NotReadOnly):
        read_only_result(path, "insert into party values ('x')")
    with pytest.raises(FileNotFoundError, match="run `losstally run` first"):
        read_only_result(tmp_path / "missing.duckdb", "select 1")


def test_a_writing_connection_writes_row_groups_of_the_configured_size(tmp_path, monkeypatch):
    """Small row groups bound what a batch's checkpoint rewrites (see warehouse.load.connect)."""
    monkeypatch.setenv("LOSSTALLY_DUCKDB_ROW_GROUP_ROWS", "2048")
    db = tmp_path / "w.duckdb"
    for batch in range(3):  # three loads, three checkpoints on close, as three batches of a run
        con = wh.connect(db)
        wh.ensure_schema(con)
        wh.load_batch(con, staged([article(f"a{batch}-{i}", f"{batch}-{i}.txt", "12 soldiers died")
                                   for i in range(1500)], []))
        con.close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        sizes = [r[0] for r in con.execute(
            "select max(count) from pragma_storage_info('article') group by row_group_id").fetchall()]
        assert sum(sizes) == 4500 and max(sizes) <= 2048 and len(sizes) >= 3
    finally:
        con.close()


def test_the_parquet_export_writes_row_groups_of_the_configured_size(tmp_path, monkeypatch):
    """DuckDB's default Parquet row group (122,880 rows) buffered per thread is what ran the export out of memory."""
    monkeypatch.setenv("LOSSTALLY_DUCKDB_ROW_GROUP_ROWS", "2048")
    db = tmp_path / "w.duckdb"
    con = wh.connect(db)
    wh.ensure_schema(con)
    wh.load_batch(con, staged([article(f"a{i}", f"{i}.txt", "12 soldiers died") for i in range(5000)],
                              [figure(f"f{i}", f"a{i}", 12) for i in range(5000)]))
    con.close()
    written = {view: (path, rows) for view, path, rows in wh.exported_views(db, tmp_path / "out", "parquet")}
    path, rows = written["v_figure"]
    groups = [r[0] for r in duckdb.execute(
        f"select row_group_num_rows from parquet_metadata('{path.as_posix()}') group by row_group_id, row_group_num_rows"
    ).fetchall()]
    assert rows == sum(groups) == 5000 and max(groups) <= 2048


def test_a_row_group_size_duckdb_cannot_take_is_refused_naming_the_setting(monkeypatch):
    from flows.settings import settings

    monkeypatch.setenv("LOSSTALLY_DUCKDB_ROW_GROUP_ROWS", "3000")
    with pytest.raises(ValueError, match="LOSSTALLY_DUCKDB_ROW_GROUP_ROWS must be a positive multiple of 2048"):
        settings()
    monkeypatch.setenv("LOSSTALLY_DUCKDB_ROW_GROUP_ROWS", "4096")
    assert settings().duckdb_row_group_rows == 4096


@pytest.mark.parametrize("name", ["LOSSTALLY_DUCKDB_CHECKPOINT_THRESHOLD", "LOSSTALLY_DUCKDB_WRITER_MEMORY_LIMIT",
                                  "LOSSTALLY_DUCKDB_MEMORY_LIMIT"])
def test_a_duckdb_size_that_is_not_a_size_is_refused_naming_the_setting(monkeypatch, name):
    from flows.settings import settings

    monkeypatch.setenv(name, "lots")
    with pytest.raises(ValueError, match=name):
        settings()


def test_batch_writer_loads_every_batch_on_one_connection_with_its_own_limits(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSTALLY_DUCKDB_CHECKPOINT_THRESHOLD", "64MB")
    monkeypatch.setenv("LOSSTALLY_DUCKDB_WRITER_MEMORY_LIMIT", "96MB")
    db = tmp_path / "w.duckdb"
    con = wh.connect(db)
    wh.ensure_schema(con)
    con.close()
    with wh.batch_writer(db) as writer:
        settings = dict(writer.execute("select name, value from duckdb_settings() "
                                       "where name in ('checkpoint_threshold', 'memory_limit')").fetchall())
        wh.load_batch(writer, staged([article("a1", "a.txt", "12 soldiers died")], [figure("f1", "a1", 12)]))
        wh.load_batch(writer, staged([article("a2", "b.txt", "3 tanks")], [figure("f2", "a2", 3, "tanks")]))
    assert settings == {"checkpoint_threshold": "61.0 MiB", "memory_limit": "91.5 MiB"}  # 64 and 96 MB
    reader = duckdb.connect(str(db), read_only=True)
    try:
        assert reader.execute("select article_id from article order by 1").fetchall() == [("a1",), ("a2",)]
        assert reader.execute("select figure_id, category from figure order by 1").fetchall() == [
            ("f1", "killed"), ("f2", "tanks")]
    finally:
        reader.close()
