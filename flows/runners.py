"""Where the extract step's shards run: Prefect's thread pool here, or a Dask cluster (prefect-dask).

The ingest flow opens one task runner for the whole run and submits each batch's shards of articles
to it; everything that writes the warehouse stays in the flow, one task at a time.
"""

from __future__ import annotations

import functools
import os
from typing import Callable, TypeVar

from prefect.context import TagsContext
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

F = TypeVar("F", bound=Callable)

TASK_RUNNERS = ("threads", "dask")


def untagged_task_runs(flow_fn: F) -> F:
    """The flow body with no tags in its context, so that its task runs carry none (the flow run keeps its own).

    Prefect asks its API for tag concurrency slots before every tagged task run, one request per task run,
    and at times that request stalls for about 2 s: at 100k articles that was 14 s of a run spent waiting.
    The tags (`losstally run` sets losstally, ingest and cli) are for finding flow runs in the UI; no task
    concurrency limit is used, as the warehouse lock already runs one flow at a time.
    """

    @functools.wraps(flow_fn)
    def untagged(*args, **kwargs):
        with TagsContext(current_tags=set()):
            return flow_fn(*args, **kwargs)

    return untagged  # type: ignore[return-value]


def thread_workers() -> int:
    """Threads of the extract step's pool: one per core, at most 4."""
    return min(4, os.cpu_count() or 1)


def dask_workers() -> int:
    """Worker processes of the temporary Dask cluster: LOSSTALLY_DASK_WORKERS, default one per core, at most 4."""
    return int(os.environ.get("LOSSTALLY_DASK_WORKERS", thread_workers()))


def extraction_workers(name: str) -> int:
    """How many shards the named task runner extracts at once."""
    return dask_workers() if name == "dask" else thread_workers()


def dask_cluster_kwargs() -> dict:
    """A LocalCluster of worker processes on the loopback interface (LOSSTALLY_DASK_WORKERS, default ≤ 4)."""
    workers = dask_workers()
    return {"n_workers": workers, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
            "dashboard_address": None}


def dask_task_runner() -> TaskRunner:
    """prefect-dask's DaskTaskRunner: the scheduler at LOSSTALLY_DASK_ADDRESS, else a temporary LocalCluster."""
    from prefect_dask import DaskTaskRunner

    address = os.environ.get("LOSSTALLY_DASK_ADDRESS")
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=dask_cluster_kwargs())


def extraction_runner(name: str) -> TaskRunner:
    """The task runner named by the flow's task_runner parameter ("threads" or "dask"), not yet started."""
    if name == "threads":
        return ThreadPoolTaskRunner(max_workers=thread_workers())
    if name == "dask":
        return dask_task_runner()
    raise ValueError(f"task_runner must be one of {', '.join(TASK_RUNNERS)}, not {name!r}")
