"""`losstally sql`: queries that can only read, checked twice: by statement type, and by the engine's settings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

ALLOWED_STATEMENTS = {"SELECT", "EXPLAIN"}  # SELECT covers DESCRIBE, SHOW, SUMMARIZE and PRAGMA show_tables
# No file system (COPY … TO, ATTACH, EXPORT, read_csv('/etc/…')), no extension downloads, no SET to undo it.
LOCKED_DOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


class NotReadOnly(ValueError):
    """A statement that could change something; the message names its type."""


def statement_types(sql: str) -> list[str]:
    """The type of each statement in a SQL string (SELECT, INSERT, COPY, ...); INSTALL by its name, not LOAD."""
    return [statement_type(statement) for statement in duckdb.extract_statements(sql)]


def statement_type(statement) -> str:
    """The type of one parsed statement; DuckDB parses INSTALL as LOAD, so the words say which it is."""
    words = statement.query.split()
    if statement.type.name == "LOAD" and "INSTALL" in (w.upper() for w in words[:2]):
        return "INSTALL"
    return statement.type.name


def checked_query(sql: str) -> str:
    """The query when every statement in it only reads; NotReadOnly naming the first that does not."""
    types = statement_types(sql)
    if not types:
        raise NotReadOnly("losstally sql is read-only: the query is empty")
    for kind in types:
        if kind not in ALLOWED_STATEMENTS:
            raise NotReadOnly(f"losstally sql is read-only: {kind} statements are not allowed")
    return sql


def locked_down_connection(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot touch files, install extensions or change its own settings."""
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `losstally run` first")
    return duckdb.connect(str(db_path), read_only=True, config=LOCKED_DOWN)


def read_only_result(db_path: Path, sql: str) -> pl.DataFrame:
    """The result of a query that can only read, on a locked-down read-only connection."""
    checked_query(sql)
    con = locked_down_connection(db_path)
    try:
        return con.execute(sql).pl()
    finally:
        con.close()
