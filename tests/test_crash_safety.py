"""kill -9 in the middle of a load loses nothing and the next run finishes the work; two runs at once take turns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.settings import PROJECT_ROOT, settings
from transforms.extract import figures_from_articles

pytestmark = pytest.mark.integration

# Runs the CLI with the third loading batch paused just before its commit, after writing a marker file.
PAUSED_RUN = """
import sys, time
from pathlib import Path
import warehouse.load as wh

marker, original, loads = Path(sys.argv[1]), wh.load_batch, []

class PausedBeforeCommit:
    def __init__(self, con):
        self.con = con
    def execute(self, sql, *args):
        if sql == "commit":
            marker.write_text("inserted, not committed")
            time.sleep(600)
        return self.con.execute(sql, *args)
    def __getattr__(self, name):
        return getattr(self.con, name)

def load_batch(con, staged):
    if staged.get("article") is not None and staged["article"].height:
        loads.append(1)
        if len(loads) == 3:
            return original(PausedBeforeCommit(con), staged)
    return original(con, staged)

wh.load_batch = load_batch
from flows.cli import main
sys.exit(main(sys.argv[2:]))
"""


def synthetic_corpus(raw: Path, count: int) -> Path:
    """A raw folder of `count` small, distinct articles, each with a few loss figures."""
    for i in range(count):
        folder = raw / f"d{i // 250}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"a{i:04d}.txt").write_text(
            f"Report {i}\n\nOn day {i}, Kyiv said {100 + i} Russian soldiers were killed near Bakhmut and "
            f"{i % 50 + 1} tanks were destroyed. The ministry said {i % 7 + 2} servicemen were wounded.\n")
    return raw


def cli_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a `losstally` subprocess: its own temporary Prefect API, with its own Prefect home.

    Two temporary APIs starting at once on one Prefect home contend for its SQLite database; what is
    under test here is the warehouse, so each run gets its own.
    """
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return env | {"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"} | extra


def figure_counts_match_the_extractor(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every article in the warehouse has every figure the extractor finds in its text (loaded or quarantined)."""
    articles = con.execute("select article_id, file, text from article").pl()
    expected = figures_from_articles(articles).group_by("article_id").len("expected")
    stored = con.execute("""
        select article_id, count(*) as stored from (
            select article_id from figure union all select article_id from figure_quarantine
        ) group by 1""").pl()
    both = articles.select("article_id").join(expected, on="article_id", how="left").join(
        stored, on="article_id", how="left").fill_null(0)
    return both.height > 0 and (both["expected"] == both["stored"]).all()


def test_kill_9_in_the_middle_of_a_load_leaves_no_partial_batch_and_the_next_run_completes(prefect_api, tmp_path):
    from flows.ingest import ingest

    raw, db, marker = synthetic_corpus(tmp_path / "raw", 600), tmp_path / "wh" / "w.duckdb", tmp_path / "paused"
    output = (tmp_path / "run.log").open("w")
    run = subprocess.Popen([sys.executable, "-c", PAUSED_RUN, str(marker), "run", "--raw-dir", str(raw),
                            "--db", str(db)], cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT,
                           env=cli_env(tmp_path / "prefect", LOSSTALLY_BATCH_FILES="100"), start_new_session=True)
    deadline = time.monotonic() + 240
    while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    # In the middle of the third batch's transaction: the run and its temporary Prefect API (a child
    # process, which would otherwise live on as an orphan) are killed together.
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    output.close()
    assert marker.exists(), (tmp_path / "run.log").read_text()[-3000:]

    con = duckdb.connect(str(settings().work_db_path(db)), read_only=True)
    try:
        assert con.execute("select count(*) from article").fetchone()[0] == 200  # two whole batches, not three
        assert con.execute("select count(*) from ingest_log where status = 'loaded'").fetchone()[0] == 200
        assert figure_counts_match_the_extractor(con)  # no article without some of its figures
    finally:
        con.close()

    state = ingest(raw_dir=str(raw), db=str(db), return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["articles_loaded"] == 400
    con = duckdb.connect(str(db), read_only=True)
    try:
        files, distinct, ids = con.execute(
            "select count(*), count(distinct source_file), count(distinct article_id) from article").fetchone()
        figures, distinct_figures = con.execute("select count(*), count(distinct figure_id) from figure").fetchone()
        assert files == distinct == ids == 600  # every file loaded once
        assert figures == distinct_figures > 0  # no duplicates
        assert figure_counts_match_the_extractor(con)
    finally:
        con.close()


def test_two_runs_started_at_once_take_turns_and_load_everything_once(tmp_path):
    raw, db = synthetic_corpus(tmp_path / "raw", 300), tmp_path / "wh" / "w.duckdb"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    runs = [subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(raw), "--db", str(db)],
                             cwd=PROJECT_ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                             env=cli_env(tmp_path / f"prefect-{log.stem}"))
            for log in logs]
    codes = [run.wait(timeout=400) for run in runs]
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], [o[-3000:] for o in outputs]
    waited = [o for o in outputs if "to finish with the warehouse" in o]
    assert len(waited) == 1 and "warehouse busy" not in waited[0]  # the second waited for the first

    con = duckdb.connect(str(db), read_only=True)  # the file opens and holds everything once
    try:
        runs_table = con.execute("select started_at, finished_at, articles_loaded from run order by started_at").pl()
        files, distinct = con.execute("select count(*), count(distinct source_file) from article").fetchone()
        figures, distinct_figures = con.execute("select count(*), count(distinct figure_id) from figure").fetchone()
        loaded_rows = con.execute("select count(*) from ingest_log where status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    assert runs_table["articles_loaded"].to_list() == [300, 0]
    assert runs_table["finished_at"][0] <= runs_table["started_at"][1]  # one after the other
    assert files == distinct == loaded_rows == 300 and figures == distinct_figures > 0
    assert pl.Series(outputs).str.contains("Traceback").sum() == 0
