"""The run's memory between steps: freed C-heap pages handed back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _libc_trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trimmed_heap() -> bool:
    """Return the C heap's free pages to the OS (glibc malloc_trim, as Dask's workers do); True if it could.

    Reading, GX's pandas frames and DuckDB's results leave freed memory in glibc's arenas, which it keeps
    and counts in the process's RSS: over a run of 200 batches that floor only rises. Trimming after each
    batch and before the steps that end the run keeps the peak to what a step needs.
    """
    trim = _libc_trim()
    return bool(trim and trim(0) is not None)
