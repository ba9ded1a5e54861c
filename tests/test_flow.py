"""The ingest flow end to end on the bundled sample, against a real temporary Prefect API."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from flows.files import raw_files

pytestmark = pytest.mark.integration


def run_ingest(raw, db):
    from flows.ingest import ingest

    state = ingest(raw_dir=str(raw), db=str(db), return_state=True)
    assert state.is_completed(), state.message
    return state.result(), state.state_details.flow_run_id


def test_ingest_loads_the_sample_then_skips_it(prefect_api, sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    summary, _ = run_ingest(sample_copy, db)
    assert summary["files_seen"] == len(raw_files(sample_copy))
    assert summary["articles_loaded"] >= 14 and summary["figures_loaded"] > 20
    critical = [d for d in summary["dq"] if d["severity"] == "critical" and not d["success"]]
    assert critical == []

    con = duckdb.connect(str(db), read_only=True)
    logged = {r[0] for r in con.execute("select distinct source_file from ingest_log").fetchall()}
    assert logged == {p.relative_to(sample_copy).as_posix() for p in raw_files(sample_copy)}
    assert con.execute("select count(*) from figure").fetchone()[0] == summary["figures_loaded"]
    assert con.execute("select count(*) from v_figure where category = 'killed'").fetchone()[0] > 0
    figures_before = con.execute("select * from figure order by figure_id").fetchall()
    con.close()

    again, _ = run_ingest(sample_copy, db)
    assert again["articles_loaded"] == 0 and again["files_skipped"] == again["files_seen"]

    changed = sample_copy / "misc" / "changed.txt"
    shutil.copy(sample_copy / "2022" / "konashenkov_briefing.txt", changed)
    third, _ = run_ingest(sample_copy, db)  # same content at a new path: skipped, not duplicated
    assert third["articles_loaded"] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select * from figure order by figure_id").fetchall() == figures_before
    reason = con.execute("select reason from ingest_log where path = 'misc/changed.txt'").fetchone()[0]
    con.close()
    assert "same content as already-loaded 2022/konashenkov_briefing.txt" == reason


def test_ingest_publishes_summary_and_figure_artifacts_and_tags_only_its_flow_run(prefect_api, sample_copy,
                                                                                  tmp_path):
    from prefect import tags
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter,
                                                FlowRunFilterId, TaskRunFilter)
    from prefect.client.schemas.sorting import ArtifactSort, TaskRunSort

    with tags("losstally", "cli"):  # as `losstally run` tags its runs
        _, flow_run_id = run_ingest(sample_copy, tmp_path / "w.duckdb")
    with get_client(sync_client=True) as client:  # this server wants every filter field spelled out
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])),
            flow_run_filter=FlowRunFilter(), task_run_filter=TaskRunFilter(), sort=ArtifactSort.KEY_ASC,
            limit=50, offset=0)
        flow_run = client.read_flow_run(flow_run_id)
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                                          sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200)
    assert {"losstally", "cli"} <= set(flow_run.tags)
    # untagged task runs: Prefect asks its API for no tag concurrency slot before each of them
    assert task_runs and all(tr.tags == [] for tr in task_runs)
    by_key = {a.key: a for a in artifacts}
    assert {"ingest-summary", "figures-loaded"} <= set(by_key)
    assert "figures loaded:" in by_key["ingest-summary"].data
    assert by_key["figures-loaded"].type == "table"
