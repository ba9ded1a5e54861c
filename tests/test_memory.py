"""The run hands freed C-heap pages back to the OS between steps."""

from __future__ import annotations

import platform

import pytest

from flows.memory import trimmed_heap


def test_the_heap_is_trimmed_where_the_c_library_can():
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    assert trimmed_heap() is True
