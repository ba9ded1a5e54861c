"""`losstally sql` can only read: writes, DDL, ATTACH, COPY … TO and INSTALL fail with a clear message."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from flows.settings import PROJECT_ROOT
from warehouse import load as wh
from warehouse.read_only import NotReadOnly, locked_down_connection, read_only_result

REFUSED = {
    "INSERT": "insert into party values ('x')",
    "UPDATE": "update party set party = 'y'",
    "DELETE": "delete from figure",
    "DROP": "drop table figure",
    "CREATE": "create table stolen as select * from figure",
    "ATTACH": "attach '{tmp}/other.duckdb' as other",
    "COPY": "copy figure to '{tmp}/figures.csv'",
    "INSTALL": "install httpfs",
    "LOAD": "load httpfs",
}


@pytest.fixture
def warehouse_file(tmp_path):
    """A warehouse file with the schema, lookups and views, and one party."""
    path = tmp_path / "w.duckdb"
    con = wh.connect(path)
    wh.ensure_schema(con)
    con.execute("insert into party values ('ukraine')")
    con.close()
    return path


@pytest.mark.parametrize("kind", REFUSED)
def test_statements_that_write_are_refused_by_type_with_a_clear_message(warehouse_file, tmp_path, kind):
    with pytest.raises(NotReadOnly, match=f"^losstally sql is read-only: {kind} statements are not allowed$"):
        read_only_result(warehouse_file, REFUSED[kind].format(tmp=tmp_path))
    assert not (tmp_path / "figures.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_a_write_hidden_after_a_select_is_refused(warehouse_file):
    with pytest.raises(NotReadOnly, match="DELETE statements are not allowed"):
        read_only_result(warehouse_file, "select 1; delete from party")
    assert read_only_result(warehouse_file, "select party from party")["party"].to_list() == ["ukraine"]


@pytest.mark.parametrize("sql", ["copy figure to '{tmp}/figures.csv'", "attach '{tmp}/other.duckdb' as other",
                                 "install httpfs", "select * from read_csv('/etc/passwd')",
                                 "set enable_external_access = true", "insert into party values ('x')"])
def test_the_connection_itself_refuses_files_extensions_settings_and_writes(warehouse_file, tmp_path, sql):
    con = locked_down_connection(warehouse_file)  # the second guard, should a statement slip past the first
    try:
        with pytest.raises(duckdb.Error):
            con.execute(sql.format(tmp=tmp_path))
    finally:
        con.close()
    assert not (tmp_path / "figures.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_reading_queries_and_views_still_work(warehouse_file):
    assert read_only_result(warehouse_file, "select count(*) as n from v_figure")["n"].to_list() == [0]
    assert read_only_result(warehouse_file, "describe figure").height > 10
    assert read_only_result(warehouse_file, "explain select * from claim").height >= 1


def test_the_cli_prints_the_reason_and_exits_non_zero(warehouse_file, tmp_path):
    result = subprocess.run([sys.executable, "-m", "flows.cli", "sql", "--db", str(warehouse_file),
                             f"copy figure to '{tmp_path}/out.csv'"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == "losstally sql is read-only: COPY statements are not allowed"
    assert not (tmp_path / "out.csv").exists()
