"""Reliability: bad input with a reason for each file, nothing lost, the run lock, metadata never picks a path."""

from __future__ import annotations

import codecs
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import articles as reader
from flows.articles import CHANGED_REASON, read_articles
from flows.files import file_inventory, raw_files
from flows.lock import WarehouseBusy, run_lock
from flows.problems import nothing_read_message, problem_rows
from flows.settings import PROJECT_ROOT

GOOD = "Kyiv said {n} Russian soldiers were killed near Bakhmut.\n"


def bad_input_folder(raw: Path, outside: Path) -> dict[str, tuple[str, str | None]]:
    """A raw folder with every kind of bad input and some good files; returns path -> (status, reason part)."""
    raw.mkdir(parents=True)
    outside.mkdir(parents=True)
    (outside / "secret.txt").write_text(GOOD.format(n=999))
    files = {
        "good.txt": (GOOD.format(n=120).encode(), "loaded", None),
        "empty.txt": (b"", "quarantined", "empty or whitespace-only file"),
        "blank.md": (b" \n\t\r\n ", "quarantined", "empty or whitespace-only file"),
        "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "quarantined", "binary file"),
        "latin.txt": (b"Caf\xe9 owner said 14 soldiers were killed \xff.\n", "loaded",
                      "decoded as Windows-1252: not valid UTF-8"),
        "cp1252.txt": ("“Kyiv’s” army said 30 tanks were destroyed.\n".encode("cp1252"), "loaded",
                       "decoded as Windows-1252"),
        "utf16.txt": (GOOD.format(n=121).encode("utf-16"), "loaded", "decoded as UTF-16"),
        "bom.md": (codecs.BOM_UTF8 + GOOD.format(n=122).encode(), "loaded", "decoded as UTF-8 (byte-order mark)"),
        "crlf.txt": (b"Losses\r\n\r\nKyiv said 123 Russian soldiers were killed.\r\n", "loaded", None),
        "huge.txt": (GOOD.format(n=124).encode() * 200, "quarantined", "over the 4000-byte limit"),
        "page.html": (b"<html><head><style>p{color:red}</style><script>var killed = 999;</script></head><body>"
                      b"<article><p>Kyiv said 125 Russian soldiers were killed.</p><script>t(888)</script>"
                      b"</article></body></html>", "loaded", None),
        "broken.json": (b'{"text": "Kyiv said 10 soldiers were killed.", ', "quarantined", "JSON does not parse"),
        "feed.jsonl": ((json.dumps({"text": GOOD.format(n=126)}) + "\n{oops\n"
                        + json.dumps({"text": GOOD.format(n=127)}) + "\n").encode(), "loaded", None),
        "scan.pdf": (b"%PDF-1.4", "skipped", "unknown extension '.pdf'"),
        "vanishing.txt": (GOOD.format(n=128).encode(), "quarantined", "file vanished between discovery and reading"),
        "growing.txt": (GOOD.format(n=129).encode(), "skipped", CHANGED_REASON),
    }
    for name, (content, _, _) in files.items():
        (raw / name).write_bytes(content)
    (raw / "escape.txt").symlink_to(outside / "secret.txt")
    (raw / "elsewhere").symlink_to(outside, target_is_directory=True)
    expected = {name: (status, reason) for name, (_, status, reason) in files.items()}
    del expected["feed.jsonl"]  # a JSONL file is logged line by line
    expected |= {"feed.jsonl#1": ("loaded", None), "feed.jsonl#2": ("quarantined", "line 2 is not valid JSON"),
                 "feed.jsonl#3": ("loaded", None)}
    expected["escape.txt"] = ("skipped", "outside the raw folder, not followed")
    expected["elsewhere"] = ("skipped", "outside the raw folder, not followed")
    return expected


def racing_reads(monkeypatch) -> None:
    """Between discovery and reading, vanishing.txt is removed and growing.txt grows (it is still being written)."""
    original = reader.discovered_bytes

    def racing(raw_dir, source, entry):
        if source == "vanishing.txt":
            (raw_dir / source).unlink(missing_ok=True)
        if source == "growing.txt":
            with (raw_dir / source).open("a") as handle:
                handle.write("More text arrives.\n")
        return original(raw_dir, source, entry)

    monkeypatch.setattr(reader, "discovered_bytes", racing)


# ------------------------------------------------------------------ reading, without the flow


def test_a_file_over_the_size_limit_is_quarantined_from_its_size_and_never_read(tmp_path, monkeypatch):
    from flows import files

    raw = tmp_path / "raw"
    raw.mkdir()
    with (raw / "huge.txt").open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: 21 MB on stat, nothing on disk
    (raw / "small.txt").write_text(GOOD.format(n=5))
    hashed = []
    monkeypatch.setattr(files, "file_sha256", lambda path: hashed.append(Path(path).name) or "sha")
    inventory = {r["source_file"]: r for r in file_inventory(raw, 20 * 1024 * 1024).to_dicts()}
    assert inventory["huge.txt"]["status"] == "quarantined"
    assert inventory["huge.txt"]["reason"] == f"file of {21 * 1024 * 1024} bytes is over the 20971520-byte limit"
    assert hashed == ["small.txt"]  # the big file is judged by its size alone: not hashed, not read
    assert inventory["small.txt"]["status"] == "pending"  # only pending files ever reach the readers


def test_a_file_removed_or_changed_after_discovery_is_logged_and_a_changed_one_is_retried(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("gone.txt", "growing.txt", "rewritten.txt", "steady.txt"):
        (raw / name).write_text(GOOD.format(n=len(name)) + name)
    inventory = file_inventory(raw, 10_000)
    (raw / "gone.txt").unlink()
    with (raw / "growing.txt").open("a") as handle:
        handle.write("more")
    (raw / "rewritten.txt").write_text((raw / "rewritten.txt").read_text().upper())  # same size, new content
    articles, log = read_articles(raw, inventory.to_dicts())
    outcome = {r["path"]: (r["status"], r["reason"]) for r in log.to_dicts()}
    assert outcome == {
        "gone.txt": ("quarantined", "file vanished between discovery and reading"),
        "growing.txt": ("skipped", "file changed while being read; will retry next run"),
        "rewritten.txt": ("skipped", "file changed while being read; will retry next run"),
    }
    assert articles["file"].to_list() == ["steady.txt"]
    loaded = pl.DataFrame({"file_sha256": [articles["file_sha256"][0]], "loaded_file": ["steady.txt"]})
    next_run = {r["source_file"]: r["status"] for r in file_inventory(raw, 10_000, loaded).to_dicts()}
    assert next_run == {"growing.txt": "pending", "rewritten.txt": "pending", "steady.txt": "skipped"}


def test_a_file_or_folder_swapped_for_a_link_outside_after_discovery_is_not_read(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    (raw / "region").mkdir(parents=True)
    outside.mkdir()
    for n, name in enumerate(("file.txt", "region/in_folder.txt", "steady.txt")):
        (raw / name).write_text(GOOD.format(n=n + 1))
    inventory = file_inventory(raw, 10_000)
    assert inventory["status"].to_list() == ["pending"] * 3
    for name in ("file.txt", "region/in_folder.txt"):  # the same bytes, now outside the raw folder
        (outside / Path(name).name).write_bytes((raw / name).read_bytes())
    (raw / "file.txt").unlink()
    (raw / "file.txt").symlink_to(outside / "file.txt")
    (raw / "region").rename(tmp_path / "moved")
    (raw / "region").symlink_to(outside)
    articles, log = read_articles(raw, inventory.to_dicts())
    reason = "file changed while being read; will retry next run (it now links outside the raw folder)"
    assert {r["path"]: r["reason"] for r in log.to_dicts()} == {"file.txt": reason, "region/in_folder.txt": reason}
    assert articles["file"].to_list() == ["steady.txt"]


def test_links_out_of_the_raw_folder_are_listed_and_never_followed(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    bad_input_folder(raw, outside)
    listed = {p.relative_to(raw).as_posix() for p in raw_files(raw)}
    assert {"escape.txt", "elsewhere"} <= listed and not any(p.startswith("elsewhere/") for p in listed)
    inventory = {r["source_file"]: r for r in file_inventory(raw, 4000).to_dicts()}
    for name in ("escape.txt", "elsewhere"):
        assert inventory[name]["status"] == "skipped" and inventory[name]["file_sha256"] is None
        assert f"symlink to {outside.resolve()}" in inventory[name]["reason"]


def test_routine_skips_are_not_warned_about_and_problems_are():
    log = pl.DataFrame({"path": ["a", "b", "c", "d", "e"],
                        "status": ["loaded", "skipped", "skipped", "quarantined", "skipped"],
                        "reason": [None, "unchanged since it was loaded", "unknown extension '.pdf'",
                                   "binary file (NUL bytes), not text", "same content as x.txt in this run"]})
    assert problem_rows(log)["path"].to_list() == ["c", "d"]


@pytest.mark.parametrize("statuses, shas, articles_read, fails", [
    ([], [], 0, False),  # an empty folder: Completed, no files
    (["quarantined", "skipped", "pending"], [None, None, "s"], 0, True),  # found files, none readable
    (["pending", "quarantined"], ["s", None], 1, False),  # one article read: Completed with warnings
    (["skipped"], ["s"], 0, False),  # unchanged since loaded: it was read before
])
def test_a_run_fails_only_when_files_were_found_and_none_could_be_read(statuses, shas, articles_read, fails):
    inventory = pl.DataFrame({"status": statuses, "file_sha256": shas}, schema={"status": pl.String,
                                                                               "file_sha256": pl.String})
    message = nothing_read_message(inventory, articles_read)
    assert (message is not None) == fails
    if fails:
        assert message.startswith("nothing could be read: 3 files found") and "1 unreadable" in message


# ------------------------------------------------------------------ the run lock


def lock_holder(work_db: Path, run_name: str) -> subprocess.Popen:
    """A process that holds the run lock of work_db as run_name until it is killed."""
    code = ("import sys, time\nfrom pathlib import Path\nfrom flows.lock import run_lock\n"
            f"with run_lock(Path({str(work_db)!r}), 'holder-id', {run_name!r}, 0):\n"
            "    print('held', flush=True)\n    time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_is_told_which_run_holds_the_warehouse_and_kill_9_frees_it(tmp_path):
    work_db = tmp_path / "work" / "w.duckdb"
    holder = lock_holder(work_db, "holder-run")
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy:
            with run_lock(work_db, "second-id", "second-run", wait_seconds=0.6):
                pass
        assert time.monotonic() - started >= 0.6  # it waited before giving up
        assert str(busy.value).startswith(f"warehouse busy: run holder-run (holder-id) (pid {holder.pid}) started at ")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with run_lock(work_db, "third-id", "third-run", wait_seconds=0):  # the kernel freed the dead holder's lock
        assert json.loads((work_db.parent / "w.duckdb.lock").read_text())["run_id"] == "third-id"


# ------------------------------------------------------------------ the flow, under a real Prefect API


def run_state(raw: Path, db: Path):
    """The final state of an ingest run."""
    from flows.ingest import ingest

    return ingest(raw_dir=str(raw), db=str(db), return_state=True)


def run_log(flow_run_id, until: str, timeout: float = 20.0) -> list[str]:
    """The messages of a flow run's log as the Prefect API stored them, once one starts with `until`."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
                                    sort=LogSort.TIMESTAMP_ASC, limit=200, offset=0)
            messages = [log.message for log in logs]
            if any(m.startswith(until) for m in messages) or time.monotonic() > deadline:
                return messages
            time.sleep(0.5)


@pytest.mark.integration
def test_every_discovered_file_is_in_the_ingest_log_with_its_reason(prefect_api, tmp_path, monkeypatch):
    raw, db = tmp_path / "raw", tmp_path / "wh" / "w.duckdb"
    expected = bad_input_folder(raw, tmp_path / "outside")
    on_disk = {p.relative_to(raw).as_posix() for p in raw_files(raw)}
    monkeypatch.setenv("LOSSTALLY_MAX_FILE_BYTES", "4000")
    racing_reads(monkeypatch)
    state = run_state(raw, db)
    assert state.is_completed(), state.message
    summary = state.result()
    con = duckdb.connect(str(db), read_only=True)
    log = con.execute("select path, source_file, status, reason from ingest_log where run_id = ?",
                      [summary["run_id"]]).pl()
    texts = dict(con.execute("select file, text from article").fetchall())
    encodings = dict(con.execute("select file, encoding from article").fetchall())
    con.close()

    assert set(log["source_file"]) == on_disk  # nothing lost: every file on disk has its row
    got = {r["path"]: (r["status"], r["reason"]) for r in log.to_dicts()}
    for path, (status, reason) in expected.items():
        assert got[path][0] == status, (path, got[path])
        assert (reason or "") in (got[path][1] or ""), (path, got[path])
    assert log.filter(pl.col("status") != "loaded")["reason"].null_count() == 0
    assert encodings == {"good.txt": "utf-8", "latin.txt": "cp1252", "cp1252.txt": "cp1252", "utf16.txt": "utf-16",
                         "bom.md": "utf-8-sig", "crlf.txt": "utf-8", "page.html": "utf-8",
                         "feed.jsonl#1": "utf-8", "feed.jsonl#3": "utf-8"}
    assert texts["cp1252.txt"].startswith("“Kyiv’s”") and "\r" not in texts["crlf.txt"]
    assert texts["page.html"] == "Kyiv said 125 Russian soldiers were killed."  # no script or style text

    problems = [p for p, (status, _) in expected.items() if status != "loaded"]
    assert summary["warnings"] == len(problems)
    messages = run_log(state.state_details.flow_run_id, until="completed with")
    for path in problems:  # a warning per problem in the run log, with the same reason
        assert any(m.startswith(f"{got[path][0]} {path}: {got[path][1]}") for m in messages), (path, messages)
    assert any(m.startswith(f"completed with {len(problems)} warnings") for m in messages)

    monkeypatch.undo()  # the next run: growing.txt has finished growing and loads
    again = run_state(raw, db)
    assert again.is_completed(), again.message
    con = duckdb.connect(str(db), read_only=True)
    growing = con.execute("select count(*) from article where file = 'growing.txt'").fetchone()[0]
    con.close()
    assert growing == 1


@pytest.mark.integration
def test_a_run_that_can_read_nothing_fails_and_an_empty_folder_completes(prefect_api, tmp_path):
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    (unreadable / "empty.txt").write_bytes(b"")
    (unreadable / "scan.pdf").write_bytes(b"%PDF")
    state = run_state(unreadable, tmp_path / "a.duckdb")
    assert state.is_failed()
    assert "nothing could be read: 2 files found, none of them readable (1 skipped, 1 unreadable)" in state.message
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)  # the reasons are published all the same
    assert con.execute("select count(*) from ingest_log where reason is not null").fetchone()[0] == 2
    con.close()

    empty = tmp_path / "empty"
    empty.mkdir()
    state = run_state(empty, tmp_path / "b.duckdb")
    assert state.is_completed(), state.message
    assert state.result()["files_seen"] == 0


@pytest.mark.integration
def test_a_run_ends_cancelled_naming_the_run_that_holds_the_warehouse(prefect_api, sample_copy, tmp_path,
                                                                      monkeypatch):
    from flows.settings import settings

    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("LOSSTALLY_LOCK_WAIT_SECONDS", "1")
    holder = lock_holder(settings().work_db_path(db), "nightly-ingest")
    try:
        state = run_state(sample_copy, db)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert state.is_cancelled()
    assert state.message.startswith(f"warehouse busy: run nightly-ingest (holder-id) (pid {holder.pid})")
    assert not db.exists()  # it touched nothing


@pytest.mark.integration
def test_paths_in_article_metadata_never_decide_where_anything_is_written(prefect_api, tmp_path):
    raw = tmp_path / "deep" / "raw"
    raw.mkdir(parents=True)
    evil = {"text": GOOD.format(n=130), "file": "../../evil.txt", "path": "../../../etc/evil",
            "source_file": "/tmp/evil.txt", "article_id": "../x", "outlet": "../../outlet", "title": "../../t"}
    (raw / "item.json").write_text(json.dumps(evil))
    before = {p for p in tmp_path.rglob("*")}
    db = tmp_path / "wh" / "w.duckdb"
    state = run_state(raw, db)
    assert state.is_completed(), state.message
    written = {p for p in tmp_path.rglob("*")} - before
    assert written and all(p.is_relative_to(tmp_path / "wh") for p in written), sorted(map(str, written))
    assert not (raw / "../../evil.txt").resolve().exists() and not Path("/tmp/evil.txt").exists()
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("select file, source_file, length(article_id) from article").fetchall()
    con.close()
    assert row == [("item.json", "item.json", 64)]  # the file's own name and the content's sha256


def test_an_article_that_breaks_the_extractor_is_quarantined_and_the_others_load(monkeypatch):
    """Fault injection: the extractor raises on one article; the shard falls back article by article."""
    import polars as pl

    import flows.ingest as ingest_module

    real = ingest_module.figures_from_articles

    def breaks_on_one(articles):
        if articles["text"].str.contains("BREAKS").any():
            raise ValueError("a bug the extractor has")
        return real(articles)

    monkeypatch.setattr(ingest_module, "figures_from_articles", breaks_on_one)
    articles = pl.DataFrame({
        "article_id": ["good", "bad"], "file": ["good.txt", "bad.txt"], "source_file": ["good.txt", "bad.txt"],
        "file_sha256": ["g", "b"], "published_at": [None, None],
        "text": ["The ministry said 12 Russian soldiers were killed.", "BREAKS 5 tanks destroyed."],
    }, schema_overrides={"published_at": pl.Date})
    figures, failed = ingest_module.extracted_figures.fn(articles)
    assert figures["article_id"].unique().to_list() == ["good"] and figures["value"].to_list() == [12]
    assert failed.rows() == [("bad", "extractor error: ValueError: a bug the extractor has")]
    empty_log = pl.DataFrame(schema={"path": pl.String, "source_file": pl.String})
    kept, log = ingest_module.without_failed_articles(articles, empty_log, failed)
    assert kept["article_id"].to_list() == ["good"]
    assert log.select("path", "status", "reason").rows() == [
        ("bad.txt", "quarantined", "extractor error: ValueError: a bug the extractor has")]
