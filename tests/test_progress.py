"""Console progress (plain lines off a terminal), retry conditions, run names and the Prefect CLI fix."""

from __future__ import annotations

import io
import re

import duckdb
import pytest

from flows.progress import PlainLines, console_progress, reported
from flows.retries import is_transient


class Pipe(io.StringIO):
    """A stream that is not a terminal."""

    def isatty(self) -> bool:
        return False


def test_off_a_terminal_each_stage_is_one_plain_line_with_files_and_rate():
    out = Pipe()
    with console_progress(out):
        reported("discover: 4 files, 3 new", files_total=3)
        reported("batch 1: read 3 files")
        reported("batch 1: loaded", files_done=3)
    reported("after the block: nobody listens")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("losstally: discover: 4 files, 3 new")
    assert re.search(r"batch 1: loaded \[3/3 files, [\d.]+ files/s\]$", lines[2])
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out.getvalue())  # no colours, no cursor moves


def test_plain_lines_count_files_across_batches():
    out = Pipe()
    lines = PlainLines(out)
    lines("discover", 0, 10)
    lines("batch 1", 4, None)
    lines("batch 2", 6, None)
    assert "[10/10 files" in out.getvalue().splitlines()[-1]


def test_only_lock_errors_and_timeouts_are_retried():
    locked = duckdb.IOException('IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in '
                                "/usr/bin/python (PID 7)")
    assert is_transient(locked) and is_transient(TimeoutError("slow disk"))
    assert not is_transient(duckdb.CatalogException("Table with name nope does not exist"))
    assert not is_transient(ValueError("bad data")) and not is_transient(None)


def test_a_locked_warehouse_file_raises_an_error_the_retries_recognise(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('ready', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.Error) as caught:
            duckdb.connect(str(db))
        assert is_transient(caught.value)
    finally:
        holder.kill()
        holder.wait()


def test_deploy_cli_sends_explicit_paging_for_the_worker_listing(monkeypatch):
    import asyncio

    from prefect.client.orchestration._work_pools.client import WorkPoolAsyncClient

    from flows.prefect_cli import patched_worker_listing

    sent = {}

    async def listing(self, work_pool_name, worker_filter=None, offset=None, limit=None):
        sent.update(offset=offset, limit=limit)
        return []

    monkeypatch.setattr(WorkPoolAsyncClient, "read_workers_for_work_pool", listing)
    patched_worker_listing()
    asyncio.run(WorkPoolAsyncClient.read_workers_for_work_pool(None, "process"))
    assert sent == {"offset": 0, "limit": 200}
