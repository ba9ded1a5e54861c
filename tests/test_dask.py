"""Scale-out: the extract step's shards on a Dask cluster give the same warehouse as on threads."""

from __future__ import annotations

import duckdb
import pytest

from flows.runners import dask_task_runner, extraction_runner

FIGURE_COLUMNS = ("figure_id, article_id, value, value_high, qualifier, category, party, claimant, claimant_party, "
                  '"start", "end", sentence')


def figures_in(db) -> list[tuple]:
    """Every figure of a warehouse, without the run stamps, in a stable order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select {FIGURE_COLUMNS} from figure order by figure_id").fetchall()
    finally:
        con.close()


def test_dask_runner_is_a_local_cluster_of_processes_unless_an_address_is_given(monkeypatch):
    monkeypatch.delenv("LOSSTALLY_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("LOSSTALLY_DASK_WORKERS", "3")
    local = dask_task_runner()
    assert local.address is None and local.cluster_class == "distributed.LocalCluster"
    assert local.cluster_kwargs["n_workers"] == 3 and local.cluster_kwargs["processes"]
    assert local.cluster_kwargs["host"] == "127.0.0.1"
    monkeypatch.setenv("LOSSTALLY_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    assert dask_task_runner().address == "tcp://127.0.0.1:8786"
    with pytest.raises(ValueError, match="threads, dask"):
        extraction_runner("ray")


@pytest.mark.integration
def test_ingest_on_a_two_process_dask_cluster_loads_the_same_figures(prefect_api, sample_copy, tmp_path,
                                                                      monkeypatch):
    from distributed import Client, LocalCluster

    from flows.ingest import ingest

    monkeypatch.setenv("LOSSTALLY_SHARD_ARTICLES", "4")  # the 16 sample articles make 4 shards
    threads = ingest(raw_dir=str(sample_copy), db=str(tmp_path / "threads" / "w.duckdb"), return_state=True)
    assert threads.is_completed(), threads.message

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        monkeypatch.setenv("LOSSTALLY_DASK_ADDRESS", cluster.scheduler_address)
        on_dask = ingest(raw_dir=str(sample_copy), db=str(tmp_path / "dask" / "w.duckdb"), task_runner="dask",
                         return_state=True)
        assert on_dask.is_completed(), on_dask.message
        with Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)  # tasks per worker process

    assert len(executed) == 2 and sum(executed.values()) >= 4  # every shard ran on the cluster
    assert figures_in(tmp_path / "dask" / "w.duckdb") == figures_in(tmp_path / "threads" / "w.duckdb")
    assert len(figures_in(tmp_path / "dask" / "w.duckdb")) > 20
