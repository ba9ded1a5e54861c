"""The README's SQL cookbook runs as written on the bundled sample.

LOSSTALLY_UPDATE_README=1 also rewrites the output block under each query with what it prints now.
"""

from __future__ import annotations

import os
import re

import pytest

from flows.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
COOKBOOK = re.compile(r"## SQL cookbook\n(.*?)(?=\n## )", re.DOTALL)
QUERY = re.compile(r"```sql\n(.*?)```\n(?:\n```text\n.*?```\n)?", re.DOTALL)


def cookbook_queries(readme: str) -> list[str]:
    """The SQL blocks of the README's cookbook section."""
    section = COOKBOOK.search(readme)
    assert section, "README.md has a '## SQL cookbook' section"
    return [m.group(1).strip() for m in QUERY.finditer(section.group(1))]


def printed_table(db, sql: str) -> str:
    """What `losstally sql` prints for a query."""
    import contextlib
    import io

    from flows.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sql", "--db", str(db), "--width", "48", sql]) == 0
    return out.getvalue()


def readme_with_outputs(readme: str, outputs: dict[str, str]) -> str:
    """The README with each cookbook query followed by its current output."""
    section = COOKBOOK.search(readme)

    def block(match: re.Match) -> str:
        sql = match.group(1).strip()
        return f"```sql\n{sql}\n```\n\n```text\n{outputs[sql]}```\n"

    return readme[:section.start(1)] + QUERY.sub(block, section.group(1)) + readme[section.end(1):]


@pytest.mark.integration
def test_cookbook_queries_run_as_written_on_the_sample(prefect_api, sample_copy, tmp_path):
    from flows.ingest import ingest

    db = tmp_path / "losstally.duckdb"
    assert ingest(raw_dir=str(sample_copy), db=str(db), return_state=True).is_completed()
    readme = README.read_text("utf-8")
    queries = cookbook_queries(readme)
    assert len(queries) >= 6
    outputs = {sql: printed_table(db, sql) for sql in queries}
    for sql, printed in outputs.items():
        assert "(0 rows)" not in printed, f"the cookbook query returns nothing on the sample:\n{sql}"
    if os.environ.get("LOSSTALLY_UPDATE_README") == "1":
        README.write_text(readme_with_outputs(readme, outputs), "utf-8")
