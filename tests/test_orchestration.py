"""prefect.yaml on a real Prefect server: deploy, start a worker, run `ingest` through the API, tear down."""

from __future__ import annotations

import socket
import time

import duckdb
import pytest

from flows.serve import local_prefect

pytestmark = pytest.mark.integration


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def finished_flow_run(client, flow_run_id, timeout: float):
    """The flow run once its state is final (Completed, Failed, Crashed…), or fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flow_run = client.read_flow_run(flow_run_id)
        if flow_run.state is not None and flow_run.state.is_final():
            return flow_run
        time.sleep(1)
    pytest.fail(f"flow run {flow_run_id} not finished after {timeout:.0f}s: {flow_run.state}")


def artifacts_of(client, flow_run_id) -> dict:
    """The artifacts of a flow run by key (this server wants every filter field spelled out)."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort

    artifacts = client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])),
        flow_run_filter=FlowRunFilter(), task_run_filter=TaskRunFilter(), sort=ArtifactSort.KEY_ASC,
        limit=50, offset=0)
    return {a.key: a for a in artifacts}


def deployments_by_name(client) -> dict:
    """The three deployments of prefect.yaml as the server has them, by name."""
    return {name: client.read_deployment_by_name(f"{flow}/{name}")
            for flow, name in (("ingest", "ingest"), ("reprocess", "reprocess"), ("dq-report", "dq-report"))}


def scheduled_runs(client, deployment_id) -> list[int]:
    """The minutes past the hour of a deployment's scheduled runs (the scheduler made them)."""
    response = client._client.post("/flow_runs/filter", json={
        "flow_runs": {"deployment_id": {"any_": [str(deployment_id)]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
        "limit": 10, "offset": 0, "sort": "EXPECTED_START_TIME_ASC"})
    response.raise_for_status()
    return [int(run["expected_start_time"][14:16]) for run in response.json()]


def test_ingest_deployment_runs_on_a_worker_and_publishes(tmp_path, sample_copy):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port, db = free_port(), tmp_path / "warehouse" / "w.duckdb"
    log = (tmp_path / "prefect.log").open("w")
    try:
        # The worker polls only the queue of the test's run: scheduled runs (default queue) stay put.
        with local_prefect(port, tmp_path / "prefect-home", output=log, queue="test",
                           PREFECT_WORKER_QUERY_SECONDS="1") as local, \
                temporary_settings({PREFECT_API_URL: local.env["PREFECT_API_URL"]}), \
                get_client(sync_client=True) as client:
            deployments = deployments_by_name(client)
            assert set(deployments) == {"ingest", "reprocess", "dq-report"}
            assert all(d.work_pool_name == "process" for d in deployments.values())
            assert all(d.global_concurrency_limit.limit == 1 for d in deployments.values())
            assert [s.schedule.cron for s in deployments["ingest"].schedules] == ["*/15 * * * *"]
            assert deployments["dq-report"].schedules and not deployments["reprocess"].schedules

            client.create_work_queue(name="test", work_pool_name="process")
            created = client.create_flow_run_from_deployment(
                deployments["ingest"].id, parameters={"raw_dir": str(sample_copy), "db": str(db)},
                work_queue_name="test")
            flow_run = finished_flow_run(client, created.id, timeout=75)
            scheduled = scheduled_runs(client, deployments["ingest"].id)
            assert flow_run.state.is_completed(), (flow_run.state, log_tail(tmp_path / "prefect.log"))
            assert flow_run.name.startswith("ingest-raw-")
            assert {"losstally", "ingest"} <= set(flow_run.tags)
            artifacts = artifacts_of(client, flow_run.id)
    finally:
        log.close()

    assert scheduled and all(minute % 15 == 0 for minute in scheduled)  # the cron made the next runs
    assert {"ingest-summary", "figures-loaded", "dq-results"} <= set(artifacts)
    con = duckdb.connect(str(db), read_only=True)
    try:
        figures = con.execute("select count(*) from figure").fetchone()[0]
        run = con.execute("select figures_loaded, flow_run_name from run where run_id = ?",
                          [str(flow_run.id)]).fetchone()
        killed = con.execute("select count(*) from v_figure where category = 'killed'").fetchone()[0]
    finally:
        con.close()
    assert figures > 20 and killed > 0
    assert run == (figures, flow_run.name)
    assert f"figures loaded: {figures}" in artifacts["ingest-summary"].data
    assert (db.parent / "parquet" / "v_figure.parquet").exists()


def log_tail(path, lines: int = 40) -> str:
    """The last lines of the server and worker log, for a failure message."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
