"""The claims ledger: echo detection, publishing that never blocks, idempotent loads, reprocess, export."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from warehouse import load as wh

CONTENT_COLUMNS = {
    "article": "article_id, file, source_file, file_sha256, title, outlet, url, published_at, text",
    "figure": "figure_id, article_id, value, value_high, qualifier, category, party, claimant, claimant_party, "
              "start, \"end\", sentence, claim_date, period",
    "claim": "*",
    "figure_quarantine": "figure_id, check_name",
}


def table_contents(db) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select {cols} from {t} order by all").fetchall() for t, cols in CONTENT_COLUMNS.items()}
    finally:
        con.close()


def run_ingest(raw, db):
    from flows.ingest import ingest

    state = ingest(raw_dir=str(raw), db=str(db), return_state=True)
    assert state.is_completed(), state.message
    return state.result()


# ------------------------------------------------------------------ claims from crafted figures
def mention(figure_id: str, article_id: str, outlet: str, day: date, value: int = 1120) -> tuple[dict, dict]:
    article = {"article_id": article_id, "file": f"{article_id}.md", "source_file": f"{article_id}.md",
               "file_sha256": article_id, "format": "md", "encoding": "utf-8", "title": None, "outlet": outlet,
               "url": None, "published_at": day, "text": "t", "extractor_version": "t",
               "ingested_at": datetime(2024, 1, 1), "run_id": "r"}
    figure = {"figure_id": figure_id, "article_id": article_id, "file": f"{article_id}.md", "value": value,
              "value_high": None, "qualifier": "exact", "qualifier_rule": "default", "category": "killed",
              "party": "ukraine", "claimant": "russia_mod", "claimant_party": "russia", "start": 0, "end": 1,
              "sentence": "s", "run_id": "r", "loaded_at": datetime(2024, 1, 1), "claim_date": day, "period": None}
    return article, figure


def test_mentions_within_a_few_days_are_one_claim_and_later_ones_a_new_claim(tmp_path):
    rows = [mention("f1", "a1", "Wire A", date(2023, 3, 10)), mention("f2", "a2", "Wire B", date(2023, 3, 11)),
            mention("f3", "a3", "Wire B", date(2023, 3, 13)), mention("f4", "a4", "Wire C", date(2023, 4, 20)),
            mention("f5", "a5", "Wire C", date(2023, 3, 11), value=999),
            mention("f6", "a6", "Wire D", None), mention("f7", "a7", "Wire E", None)]  # no dates: one claim
    con = wh.connect(tmp_path / "w.duckdb")
    wh.ensure_schema(con)
    wh.load_batch(con, {"article": pl.DataFrame([a for a, _ in rows]), "figure": pl.DataFrame([f for _, f in rows])})
    assert wh.rebuilt_claims(con, echo_days=3) == 4
    assert con.execute("select count(distinct claim_id) from claim").fetchone() == (4,)
    claims = con.execute("select value, first_seen, last_seen, mention_count, outlet_count, provenance_figure_id "
                         "from v_claim order by value, first_seen").fetchall()
    con.close()
    assert claims == [
        (999, date(2023, 3, 11), date(2023, 3, 11), 1, 1, "f5"),
        (1120, date(2023, 3, 10), date(2023, 3, 13), 3, 2, "f1"),
        (1120, date(2023, 4, 20), date(2023, 4, 20), 1, 1, "f4"),
        (1120, None, None, 2, 2, "f6"),
    ]


# ------------------------------------------------------------------ the flow on the sample corpus


@pytest.mark.integration
def test_the_same_claim_in_three_outlets_is_one_claim_with_three_mentions(prefect_api, sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    run_ingest(sample_copy, db)
    con = duckdb.connect(str(db), read_only=True)
    echoes = con.execute("select claimant, party, category, value, mention_count, outlet_count from v_claim "
                         "where mention_count >= 3").fetchall()
    views = {r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    con.close()
    assert echoes == [("russia_mod", "ukraine", "killed", 1120, 3, 3)]
    assert {"v_figure", "v_claim", "v_latest_claim", "v_claims_matrix", "v_series"} <= views


@pytest.mark.integration
def test_a_reader_holding_the_warehouse_open_never_blocks_a_load(prefect_api, sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    held_back = tmp_path / "later"
    shutil.move(sample_copy / "2023", held_back)
    run_ingest(sample_copy, db)
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys\n"
         f"con = duckdb.connect({str(db)!r}, read_only=True)\n"
         "count = lambda: con.execute('select count(*) from figure').fetchone()[0]\n"
         "print(count(), flush=True)\nsys.stdin.readline()\nprint(count(), flush=True)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        before = int(reader.stdout.readline())
        shutil.move(held_back, sample_copy / "2023")
        summary = run_ingest(sample_copy, db)  # succeeds while the reader holds the file open
        assert summary["figures_loaded"] > 0
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == before  # the reader keeps its consistent snapshot
    finally:
        reader.kill()
        reader.wait()
    con = duckdb.connect(str(db), read_only=True)
    after = con.execute("select count(*) from figure").fetchone()[0]
    con.close()
    assert after == before + summary["figures_loaded"]


@pytest.mark.integration
def test_loading_twice_or_in_overlapping_batches_gives_identical_tables(prefect_api, sample_copy, tmp_path):
    once, twice, overlapping = tmp_path / "once.duckdb", tmp_path / "twice.duckdb", tmp_path / "overlap.duckdb"
    run_ingest(sample_copy, once)
    run_ingest(sample_copy, twice)
    run_ingest(sample_copy, twice)

    parked = tmp_path / "parked"
    shutil.move(sample_copy / "feeds", parked)  # first batch: everything but feeds/
    run_ingest(sample_copy, overlapping)
    shutil.move(parked, sample_copy / "feeds")  # second batch: everything, overlapping the first
    run_ingest(sample_copy, overlapping)

    expected = table_contents(once)
    assert expected["claim"] and expected["figure"]
    assert table_contents(twice) == expected
    assert table_contents(overlapping) == expected


@pytest.mark.integration
def test_reprocess_reextracts_stored_articles_without_the_landing_folder(prefect_api, sample_copy, tmp_path):
    from flows.reprocess import reprocess
    from flows.settings import settings

    db = tmp_path / "w.duckdb"
    run_ingest(sample_copy, db)
    before = table_contents(db)
    shutil.rmtree(sample_copy)  # the landing folder is gone
    work = settings().work_db_path(db)
    con = duckdb.connect(str(work))
    con.execute("update article set extractor_version = 'old'")
    con.close()
    state = reprocess(db=str(db), return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["articles_loaded"] == len(before["article"])
    after = table_contents(db)
    assert after["figure"] == before["figure"] and after["claim"] == before["claim"]
    con = duckdb.connect(str(db), read_only=True)
    versions = con.execute("select distinct extractor_version from article").fetchall()
    history = con.execute("select count(*), count(distinct superseded_by_run) from figure_history").fetchone()
    con.close()
    assert versions != [("old",)] and history == (len(before["figure"]), 1)


@pytest.mark.integration
def test_export_writes_every_view(prefect_api, sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    run_ingest(sample_copy, db)
    written = {view: rows for view, _, rows in wh.exported_views(db, tmp_path / "out", "parquet")}
    assert {"v_figure", "v_claim", "v_latest_claim", "v_claims_matrix", "v_series"} <= set(written)
    assert pl.read_parquet(tmp_path / "out" / "v_claim.parquet").height == written["v_claim"] > 0


def test_publishing_replaces_the_file_and_clears_a_killed_publisher_s_leftovers(tmp_path):
    work, published = tmp_path / "work" / "w.duckdb", tmp_path / "w.duckdb"
    con = wh.connect(work)
    con.execute("create table t as select 42 as answer")
    con.close()
    leftover = tmp_path / ".w.duckdb.publishing-99999"
    leftover.write_bytes(b"half a copy")
    assert wh.published_database(work, published) == published
    assert not leftover.exists() and not list(tmp_path.glob(".w.duckdb.publishing-*"))
    assert duckdb.connect(str(published), read_only=True).execute("select answer from t").fetchone() == (42,)
