"""Data quality: each cross-figure check on crafted good and bad warehouses, one dq_result row per check
per run, `losstally dq`, the Data Docs, and nothing vanishing between extraction and the warehouse."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, timedelta

import duckdb
import polars as pl
import pytest

from expectations.consistency import (
    CHECKS,
    CONSISTENCY,
    claimant_staleness,
    consistency_failures,
    consistency_flags,
    consistency_results,
)
from expectations.suites import SUITE_CHECKS
from expectations.validate import RESULT_SCHEMA
from flows.articles import ARTICLE_COLUMNS, LOG_COLUMNS
from flows.dq import unchanged_consistency_results
from flows.settings import PROJECT_ROOT
from transforms.contract import FIGURE_SCHEMA
from warehouse import load as wh

DAY = date(2022, 4, 1)


def figure(figure_id: str, category: str, value: int, article_id: str = "a1", qualifier: str = "exact",
           claimant: str = "ukraine_gov", party: str = "russia", value_high: int | None = None) -> dict:
    """A figure row with the contract's columns."""
    return {
        "figure_id": figure_id, "article_id": article_id, "file": f"{article_id}.txt", "value": value,
        "value_high": value_high, "qualifier": qualifier, "qualifier_rule": "test", "category": category,
        "party": party, "claimant": claimant, "claimant_party": None, "start": 0, "end": 5, "sentence": "s",
    }  # fmt: skip


def article(article_id: str, published_at: date | None, text: str = "x" * 100) -> dict:
    """An article row as the reader produces it."""
    return {
        "article_id": article_id, "file": f"{article_id}.txt", "source_file": f"{article_id}.txt",
        "file_sha256": f"sha-{article_id}", "format": "txt", "encoding": "utf-8", "title": None,
        "outlet": None, "url": None, "published_at": published_at, "text": text,
    }  # fmt: skip


def warehouse_of(figures: list[dict], dates: dict[str, date | None]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding the figures and their articles (published on the given dates)."""
    con = duckdb.connect()
    wh.ensure_schema(con)
    stamp = {"run_id": "r1", "extractor_version": "test", "ingested_at": datetime(2024, 1, 1)}
    wh.load_batch(con, {
        "article": pl.DataFrame([article(a, d) for a, d in dates.items()], schema=ARTICLE_COLUMNS)
        .with_columns(**{k: pl.lit(v) for k, v in stamp.items()}),
        "figure": pl.DataFrame(figures, schema=FIGURE_SCHEMA)
        .with_columns(run_id=pl.lit("r1"), loaded_at=pl.lit(datetime(2024, 1, 1))),
    })  # fmt: skip
    return con


SEED = [  # "about 14,000 killed and 16,000 wounded … about 30,000 casualties": consistent
    figure("k", "killed", 14000, qualifier="approx"),
    figure("w", "wounded", 16000, qualifier="approx"),
    figure("c", "casualties", 30000, qualifier="approx"),
]
ONE_DAY = {"a1": DAY}
TWO_DAYS = {"a1": DAY, "a2": DAY + timedelta(days=7)}

# Per check: a warehouse it passes and one it fails, as (figures, article dates).
CASES: dict[str, tuple[tuple[list[dict], dict], tuple[list[dict], dict]]] = {
    "bounds": (
        ([figure("r", "killed", 10, value_high=15), figure("e", "killed", 15, value_high=15)], ONE_DAY),
        ([figure("r", "killed", 15, value_high=10)], ONE_DAY),
    ),
    "parts_within_whole": (
        (SEED + [figure("o", "killed", 90000, claimant="russia_mod")], ONE_DAY),  # another claimant
        ([figure("k", "killed", 40000), figure("c", "casualties", 30000)], ONE_DAY),
    ),
    "stated_sums": (
        (SEED, ONE_DAY),
        ([figure("k", "killed", 100), figure("w", "wounded", 200), figure("c", "casualties", 350)], ONE_DAY),
    ),
    "series_not_falling": (
        ([figure("t1", "tanks", 1000), figure("inc", "tanks", 12),  # a daily increment next to the total
          figure("t2", "tanks", 1012, article_id="a2")], TWO_DAYS),
        ([figure("t1", "tanks", 1012), figure("t2", "tanks", 1000, article_id="a2")], TWO_DAYS),
    ),
    "series_jump": (
        ([figure("t1", "killed", 13000), figure("t2", "killed", 13500, article_id="a2")], TWO_DAYS),
        ([figure("t1", "killed", 13000), figure("t2", "killed", 135000, article_id="a2")], TWO_DAYS),  # ×10 typo
    ),
    "claimant_staleness": (  # informational: lists stale claimants, never fails
        ([figure("t1", "killed", 5)], {"a1": date.today()}),
        ([figure("t1", "killed", 5)], {"a1": date.today() - timedelta(days=400)}),
    ),
}


def test_every_consistency_check_has_a_good_and_a_bad_case():
    assert set(CASES) == {check.check for check in CHECKS}


@pytest.mark.parametrize("check", [c.check for c in CHECKS])
def test_consistency_check_passes_good_and_fails_bad(check):
    (good, good_dates), (bad, bad_dates) = CASES[check]
    passed = consistency_failures(warehouse_of(good, good_dates))
    failed = consistency_failures(warehouse_of(bad, bad_dates))
    assert passed[check].is_empty(), passed[check]
    assert failed[check].height >= 1
    assert failed[check]["reason"].str.len_chars().min() > 0
    result = consistency_results(failed, len(bad)).filter(pl.col("check") == check).row(0, named=True)
    severity = next(c.severity for c in CHECKS if c.check == check)
    assert result["success"] is (severity == "info")
    assert result["unexpected_count"] == failed[check].height and result["sample"]


def test_stated_sums_names_the_numbers_that_do_not_add_up():
    bad = CASES["stated_sums"][1][0]
    failing = consistency_failures(warehouse_of(bad, ONE_DAY))["stated_sums"]
    assert failing["figure_id"].to_list() == ["c"]
    assert failing["reason"].item() == "killed 100 + wounded 200 = 300, but casualties 350 (exact)"


def test_drops_and_jumps_are_flagged_not_deleted():
    con = warehouse_of(*CASES["series_not_falling"][1])
    flags = consistency_flags(consistency_failures(con))
    assert flags.filter(pl.col("check") == "series_not_falling")["figure_id"].to_list() == ["t2"]
    assert con.execute("select count(*) from figure").fetchone()[0] == 2


def test_staleness_reports_days_since_last_claim():
    con = warehouse_of([figure("t1", "killed", 5, claimant="un")], {"a1": date.today() - timedelta(days=400)})
    row = claimant_staleness(con).row(0, named=True)
    assert (row["claimant"], row["days_since_last_claim"], row["stale"]) == ("un", 400, True)


def test_consistency_results_have_one_row_per_check():
    results = consistency_results(consistency_failures(warehouse_of(SEED, ONE_DAY)), 3)
    assert results.schema == pl.Schema(RESULT_SCHEMA)
    assert results["check"].to_list() == [c.check for c in CHECKS]
    assert set(results["suite"]) == {CONSISTENCY} and results["success"].all()


def test_gx_rows_of_a_run_with_nothing_new_need_no_gx_import():
    code = ("import sys; from flows.dq import gx_run_results; r = gx_run_results([]); "
            "assert 'great_expectations' not in sys.modules; "
            "print(r.height, r['success'].all(), r['rows_checked'].sum(), r['unexpected_count'].sum())")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(sum(len(checks()) for checks in SUITE_CHECKS.values())), "True", "0", "0"]


def test_gx_rows_of_several_batches_are_one_row_per_check():
    from expectations.validate import validate_articles
    from flows.dq import gx_run_results

    first = validate_articles(pl.DataFrame([article("a1", DAY)]).select("article_id", "file", "text"))
    second = validate_articles(pl.DataFrame([article("a2", DAY, text=""), article("a3", DAY)])
                               .select("article_id", "file", "text"))
    rows = gx_run_results([first.results, second.results])
    assert not rows.select("suite", "check").is_duplicated().any()
    assert rows.height == sum(len(checks()) for checks in SUITE_CHECKS.values())
    empty = rows.filter(pl.col("check") == "text_not_empty").row(0, named=True)
    assert (empty["success"], empty["unexpected_count"], empty["rows_checked"]) == (False, 1, 3)


def test_nothing_vanishes_between_a_batch_and_the_warehouse():
    """Every figure of a batch is loaded or quarantined, including figures of a quarantined article."""
    from flows.ingest import staged_rows, validated_batch

    articles = pl.DataFrame([article("a1", DAY), article("a2", DAY, text="")], schema=ARTICLE_COLUMNS)
    figures = pl.DataFrame([
        figure("ok", "killed", 5), figure("zero", "killed", 0), figure("reversed", "killed", 9, value_high=3),
        figure("no_party", "killed", 7, party=None), figure("orphan", "killed", 7, article_id="a2"),
    ], schema=FIGURE_SCHEMA)  # fmt: skip
    checked = validated_batch.fn(articles, figures) | {"articles_in": articles}
    con = duckdb.connect()
    wh.ensure_schema(con)
    counts = wh.load_batch(con, staged_rows("r1", pl.DataFrame(), pl.DataFrame(schema=LOG_COLUMNS), checked))
    loaded = {r[0] for r in con.execute("select figure_id from figure").fetchall()}
    quarantined = {r[0] for r in con.execute("select distinct figure_id from figure_quarantine").fetchall()}
    assert loaded == {"ok", "no_party"} and quarantined == {"zero", "reversed", "orphan"}
    assert counts["figure"] + len(quarantined) == figures.height
    flagged = con.execute("select figure_id, check_name, severity from figure_flag").fetchall()
    assert flagged == [("no_party", "party_not_null", "warning")]


@pytest.mark.integration
def test_runs_record_one_result_per_check_docs_and_counts_add_up(prefect_api, sample_copy, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.cli import articles_of
    from flows.ingest import ingest
    from transforms.extract import figures_from_articles

    db = tmp_path / "w.duckdb"
    run_ids = []
    for _ in range(2):  # the second run has nothing new
        state = ingest(raw_dir=str(sample_copy), db=str(db), return_state=True)
        assert state.is_completed(), state.message
        run_ids.append(str(state.state_details.flow_run_id))

    checks = sum(len(c()) for c in SUITE_CHECKS.values()) + len(CHECKS)
    con = duckdb.connect(str(db), read_only=True)
    per_run = con.execute("select run_id, count(*), count(distinct (suite, check_name)) from dq_result "
                          "group by run_id").fetchall()
    assert sorted(per_run) == sorted((run_id, checks, checks) for run_id in run_ids)
    noop_gx = con.execute("select sum(rows_checked), bool_and(success) from dq_result "
                          "where run_id = ? and suite in ('articles', 'figures')", [run_ids[1]]).fetchone()
    assert noop_gx == (0, True)
    claims = "select check_name, success, unexpected_count, rows_checked from dq_result " \
             "where run_id = ? and suite = 'claims' order by all"
    first_claims = con.execute(claims, [run_ids[0]]).fetchall()
    assert first_claims and all(rows > 0 for *_, rows in first_claims)
    assert con.execute(claims, [run_ids[1]]).fetchall() == first_claims  # claims unchanged: results stand
    consistency = claims.replace("'claims'", "'consistency'")
    first_consistency = con.execute(consistency, [run_ids[0]]).fetchall()
    assert len(first_consistency) == len(CHECKS)
    assert con.execute(consistency, [run_ids[1]]).fetchall() == first_consistency  # figures unchanged: they stand
    loaded = con.execute("select count(*) from figure").fetchone()[0]
    quarantined = con.execute("select count(distinct figure_id) from figure_quarantine").fetchone()[0]
    con.close()

    con = duckdb.connect(str(db))
    assert unchanged_consistency_results(con).height == len(CHECKS)
    con.execute("delete from figure where figure_id = (select min(figure_id) from figure)")
    assert unchanged_consistency_results(con) is None  # a figure changed: the checks run again
    con.close()

    extracted = figures_from_articles(articles_of([sample_copy]).select("article_id", "file", "text"))
    assert loaded + quarantined == extracted.height > 0  # nothing vanishes silently

    shown = subprocess.run([sys.executable, "-m", "flows.cli", "dq", "--db", str(db)], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, check=True).stdout
    assert run_ids[1] in shown and f"({checks} rows)" in shown
    assert all(check.check in shown for check in CHECKS) and "value_high_at_least_value" in shown

    with get_client(sync_client=True) as client:  # read_artifacts() sends nulls this server rejects (422)
        response = client.request("POST", "/artifacts/filter", json={
            "artifacts": ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_ids[0]])).model_dump(
                mode="json", exclude_unset=True), "limit": 50, "offset": 0, "sort": "CREATED_DESC"})
    markdown = {a["key"]: a["data"] for a in response.json()}["dq-results"]
    index = tmp_path / "dq-docs" / "runs.html"
    assert index.as_uri() in markdown and "series_not_falling" in markdown
    html = index.read_text("utf-8")
    assert "articles" in html and "figures" in html and "claims" in html and run_ids[0] in html
    assert "<script" not in html  # opens offline: no scripts from CDNs
    pages = re.findall(r"href='(validations/[^']+\.html)'", html)
    assert pages and all((index.parent / page).exists() for page in pages)


def test_the_claims_suite_passes_coherent_claims_and_fails_incoherent_ones():
    from expectations.validate import validate_claims

    def claim(claim_id, mentions=1, outlets=1, first=DAY, last=DAY, value=10):
        return {"claim_id": claim_id, "value": value, "mention_count": mentions, "outlet_count": outlets,
                "first_seen": first, "last_seen": last, "provenance_article_id": "a1"}

    good = validate_claims(pl.DataFrame([claim("c1"), claim("c2", mentions=3, outlets=2)]))
    assert good.results["success"].all()
    bad = validate_claims(pl.DataFrame([
        claim("c1"), claim("c1"), claim("c3", outlets=4, mentions=2), claim("c4", value=0),
        claim("c5", first=DAY, last=date(2000, 1, 1)), claim("c6", first=None, last=None),
    ]))
    failed = dict(bad.results.filter(~pl.col("success")).select("check", "unexpected_count").iter_rows())
    assert failed == {"claim_id_unique": 2, "outlets_within_mentions": 1, "claim_value_positive": 1,
                      "last_seen_not_before_first_seen": 1, "claim_date_known": 1}


def test_the_claims_suite_runs_slice_by_slice_with_the_verdict_of_the_whole_table(tmp_path):
    from flows.dq import claim_slices, claims_suite, gx_run_results
    from warehouse import load as wh

    con = wh.connect(tmp_path / "w.duckdb")
    wh.ensure_schema(con)
    con.execute("""
        insert into claim select 'c' || (i % 9) as claim_id, 'kyiv', 'ukraine', 'russia', 'killed',
               case when i = 3 then 0 else 10 end, null, 'exact', null,
               case when i % 4 = 0 then null else date '2024-01-01' end, date '2024-01-02', 2, 1, 'f', 'a'
        from range(12) t(i)
    """)  # c0, c1, c2 appear twice; one claim has value 0; three have no first_seen
    slices = list(claim_slices(con, rows=3))
    assert len(slices) == 4 and sum(s.height for s in slices) == 12
    ids = [set(s["claim_id"]) for s in slices]
    assert sum(len(i) for i in ids) == len(set().union(*ids)) == 9  # an id lies in one slice only
    results, suite_results = claims_suite(con, rows=3)
    con.close()
    merged = gx_run_results(results).filter(pl.col("suite") == "claims")
    failed = dict(merged.filter(~pl.col("success")).select("check", "unexpected_count").iter_rows())
    # every copy of a repeated id is found although the table was checked a few rows at a time
    assert failed == {"claim_id_unique": 6, "claim_value_positive": 1, "claim_date_known": 3}
    assert merged["rows_checked"].to_list() == [12] * merged.height and len(suite_results) == 4


@pytest.mark.integration
def test_the_daily_dq_report_rechecks_the_warehouse_and_publishes(prefect_api, sample_copy, tmp_path):
    from flows.dq_report import dq_report
    from flows.ingest import ingest

    db = tmp_path / "w.duckdb"
    missing = dq_report(db=str(db), return_state=True)
    assert missing.is_failed() and "no warehouse" in missing.message
    assert ingest(raw_dir=str(sample_copy), db=str(db), return_state=True).is_completed()
    state = dq_report(db=str(db), return_state=True)
    assert state.is_completed(), state.message
    report = state.result()
    con = duckdb.connect(str(db), read_only=True)  # published: the report's rows are in the analysts' file
    rows = con.execute("select count(*), count(distinct (suite, check_name)) from dq_result where run_id = ?",
                       [report["run_id"]]).fetchone()
    con.close()
    assert rows == (report["checks"], report["checks"]) and report["checks"] > 0
