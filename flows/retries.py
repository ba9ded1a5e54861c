"""Retries of the tasks that write the warehouse: with backoff, and only on errors that pass (a locked file)."""

from __future__ import annotations

TRANSIENT_MARKERS = ("could not set lock", "conflicting lock", "database is locked", "resource temporarily unavailable")


def is_transient(exc: BaseException | None) -> bool:
    """True for errors worth retrying: the DuckDB file locked by another process, or a passing OS error."""
    if exc is None:
        return False
    text = str(exc).lower()
    return any(marker in text for marker in TRANSIENT_MARKERS) or isinstance(exc, (TimeoutError, InterruptedError))


def retried_when_transient(task, task_run, state) -> bool:
    """Prefect retry condition: retry a failed task run only when its error is transient."""
    try:
        state.result(raise_on_failure=True)
    except Exception as exc:  # the task's own exception, re-raised by the state
        return is_transient(exc)
    return False


WRITE_RETRIES = {"retries": 3, "retry_delay_seconds": [1, 4, 10], "retry_jitter_factor": 0.5,
                 "retry_condition_fn": retried_when_transient}
