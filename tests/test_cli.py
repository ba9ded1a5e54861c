"""The `losstally` command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flows.settings import PROJECT_ROOT
from tests.conftest import SAMPLE_DIR

LOSSTALLY = [sys.executable, "-m", "flows.cli"]


def losstally(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LOSSTALLY, *args], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)


@pytest.mark.parametrize("command, words", [
    ("run", "--raw-dir"), ("extract", "--format"), ("sql", "read-only"), ("evaluate", "--gold"),
])
def test_every_subcommand_explains_itself(command, words):
    result = losstally(command, "--help")
    assert result.returncode == 0 and words in result.stdout


def test_extract_prints_contract_fields_as_jsonl_without_a_database(tmp_path):
    result = losstally("extract", str(SAMPLE_DIR / "2022"), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows, "the 2022 sample articles state figures"
    assert set(rows[0]) == {"file", "value", "value_high", "qualifier", "category", "party", "claimant",
                            "claimant_party", "start", "end", "sentence"}
    assert all(r["value"] > 0 for r in rows)


def test_extract_names_a_missing_path():
    result = losstally("extract", "no/such/folder")
    assert result.returncode != 0 and "no/such/folder" in result.stderr


def test_sql_prints_a_table_and_refuses_writes(tmp_path):
    import duckdb

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table figure as select 'killed' as category, 12 as value union all select 'tanks', 3")
    con.close()
    result = losstally("sql", "--db", str(db), "select category, sum(value) as total from figure group by 1 order by 1")
    assert result.returncode == 0, result.stderr
    assert "killed" in result.stdout and "12" in result.stdout and "(2 rows)" in result.stdout
    refused = losstally("sql", "--db", str(db), "delete from figure")
    assert refused.returncode == 1 and "read-only" in refused.stderr.lower()
