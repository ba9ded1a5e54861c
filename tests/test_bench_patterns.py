"""The benchmark's candidate stage: one rule, spelled for polars, Python re and DuckDB, finds the same matches."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from run_bench import candidate_patterns  # noqa: E402

TEXT = ("Three Su-25 JETS, 1,200 T-72 tanks and between 100 and 150 servicemen were lost, the 2024 report "
        "of the ministry said; the budget rose by 12 percent.")


def test_candidate_stage_finds_the_same_matches_in_all_three_engines():
    patterns = candidate_patterns()
    python = [m.group(0) for m in re.finditer(patterns["python_re"], TEXT)]
    polars = pl.Series([TEXT]).str.extract_all(patterns["polars"]).item().to_list()
    sql = duckdb.connect().execute("select regexp_extract_all($1, $2)", [TEXT, patterns["duckdb"]]).fetchone()[0]
    assert python == polars == sql
    assert python == ["Three Su-25 JETS", "1,200 T-72 tanks", "between 100 and 150 servicemen"]
