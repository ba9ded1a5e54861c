"""The run lock: one run at a time writes the warehouse; a second waits, then exits naming the holder."""

from __future__ import annotations

import fcntl
import functools
import inspect
import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse; the message names it."""


def lock_path(work_db: Path) -> Path:
    """The lock file of a working database: `<work db>.lock` next to it."""
    return work_db.with_name(work_db.name + ".lock")


def holder_text(path: Path) -> str:
    """Who holds a lock file, as 'run <name> (<id>) (pid N) started at T', from what the holder wrote in it."""
    try:
        holder = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "another run (no details recorded yet)"
    return (f"run {holder.get('run_name') or '?'} ({holder.get('run_id') or '?'}) (pid {holder.get('pid', '?')}) "
            f"started at {holder.get('started_at', '?')}")


def busy_message(path: Path, waited: float) -> str:
    """The message of a run that gave up waiting for the warehouse."""
    return f"warehouse busy: {holder_text(path)} holds it (lock {path}; waited {waited:.0f}s)"


@contextmanager
def run_lock(work_db: Path, run_id: str, run_name: str | None, wait_seconds: float,
             on_wait=None) -> Iterator[Path]:
    """Hold an exclusive flock on `<work db>.lock` for the duration; WarehouseBusy after wait_seconds.

    The kernel drops the lock when the holder's process ends, even by kill -9: a lock is never stale.
    """
    path = lock_path(work_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    start = time.monotonic()
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= wait_seconds:
                    raise WarehouseBusy(busy_message(path, waited)) from None
                if on_wait is not None:
                    on_wait(holder_text(path))
                    on_wait = None  # say it once
                time.sleep(min(0.5, max(wait_seconds - waited, 0.01)))
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"run_id": run_id, "run_name": run_name, "pid": os.getpid(),
                                 "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        yield path
    finally:
        handle.close()  # closing the file releases the flock


def holding_warehouse_lock(flow_fn):
    """Decorate a flow that writes the warehouse: it runs holding the run lock, or ends Cancelled, naming the holder."""
    signature = inspect.signature(flow_fn)

    @functools.wraps(flow_fn)
    def locked(*args, **kwargs):
        from prefect import get_run_logger
        from prefect.runtime import flow_run
        from prefect.states import Cancelled

        from flows.settings import settings

        config = settings()
        db = signature.bind(*args, **kwargs).arguments.get("db")
        work_db = config.work_db_path(Path(db) if db else config.db_path)
        logger = get_run_logger()
        waiting = lambda holder: logger.warning("waiting up to %ss for %s to finish with the warehouse",  # noqa: E731
                                                config.lock_wait_seconds, holder)
        try:
            with run_lock(work_db, str(flow_run.id), flow_run.name, config.lock_wait_seconds, waiting):
                return flow_fn(*args, **kwargs)
        except WarehouseBusy as exc:
            logger.error("%s", exc)
            return Cancelled(message=str(exc))

    return locked
