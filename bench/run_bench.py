"""Benchmark of losstally from raw files to the published DuckDB, on a synthetic corpus of N articles.

Usage: .venv/bin/python bench/run_bench.py [--n 100000] [--seed 42]   (or `make bench N=100000`)

One run, one corpus (generated once by bench/make_corpus.py, cached in bench/cache/<N>-<seed>/):
1. transforms alone: the flow's extract step (figures_from_articles + figure_timing) over the corpus,
   in batches of LOSSTALLY_BATCH_FILES files cut into shards of LOSSTALLY_SHARD_ARTICLES articles on a
   thread pool, as the ingest flow does; reading the files is not timed (it is in the end-to-end run);
2. the candidate stage of the extractor (number pattern, up to six modifier words, a head noun of
   equipment or people: the patterns of transforms/patterns.py) run three ways on the same texts:
   polars (str.count_matches), Python `re` (finditer per article) and DuckDB SQL (regexp_extract_all);
3. f1_synthetic: the extractor's figures against the corpus's true figures (transforms.scoring);
4. end to end: `python -m flows.cli run --raw-dir … --db …` in a subprocess against a Prefect server
   that this script starts once (on a free 127.0.0.1 port, temporary PREFECT_HOME; its start-up is
   reported apart), with the peak RSS of the run's process tree (psutil, polled every 50 ms);
5. a no-op rerun over the unchanged files; then the time per stage of both runs, from the Prefect API.

Results: bench/results/latest.json and bench/results/<date>-<N>.json. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import polars as pl  # noqa: E402

from flows.settings import settings  # noqa: E402
from make_corpus import GENERATOR_VERSION, make_corpus  # noqa: E402

CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
TARGETS = {"transforms_mb_s": 50.0, "x_python_re": 5.0, "x_duckdb_sql": 1.5, "end_to_end_s_at_100k": 30.0,
           "noop_rerun_s_at_100k": 5.0, "peak_rss_mb_at_1m": round(1.5e9 / 2**20, 1)}  # 1.5 GB in MiB
# Task names of the ingest flow -> the stage they belong to.
STAGES = {"discovered_files": "discover_hash", "logged_inventory": "discover_hash", "read_batch": "read",
          "extracted_figures": "extract", "validated_batch": "validate", "loaded_batch": "load",
          "rebuilt_claims": "claims", "checked_warehouse": "dq", "run_report": "report",
          "published_warehouse": "publish", "published_parquet": "publish"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------ corpus
def cached_corpus(n: int, seed: int, workers: int) -> tuple[Path, dict]:
    """The corpus folder for (n, seed), generated unless a complete one of this generator version is cached."""
    folder = CACHE / f"{n}-{seed}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("generator_version") == GENERATOR_VERSION and manifest.get("articles") == n:
            log(f"corpus: cached {folder.relative_to(ROOT)} ({manifest['files']} files)")
            return folder, manifest
    log(f"corpus: generating {n} articles (seed {seed}, {workers} workers) into {folder.relative_to(ROOT)}")
    manifest = make_corpus(n, seed, folder, workers)
    log(f"corpus: {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB in {manifest['seconds']}s")
    return folder, manifest


def file_batches(raw: Path, size: int):
    """The corpus's files in the flow's order (flows.files.raw_files), in the flow's even batches of at most `size`."""
    from flows.files import even_step, raw_files

    files = raw_files(raw)
    step = even_step(len(files), size)  # as the flow's flows.files.even_batches
    for start in range(0, len(files), step):
        yield files[start:start + step]


def read_batch(raw: Path, paths: list[Path]) -> pl.DataFrame:
    """The articles of a batch of files, read by the flow's own readers (flows/articles.py)."""
    from flows.articles import article_format, articles_from_file

    rows = []
    for path in paths:
        found, _ = articles_from_file(path.read_bytes(), path.relative_to(raw).as_posix(), article_format(path))
        rows += [{"article_id": a.article_id, "file": a.file, "text": a.text, "published_at": a.published_at}
                 for a in found]
    return pl.DataFrame(rows, schema={"article_id": pl.String, "file": pl.String, "text": pl.String,
                                      "published_at": pl.Date})


# ------------------------------------------------------------------ the candidate stage, three ways
def candidate_patterns() -> dict[str, str]:
    """The extractor's candidate stage as one regex: a number (patterns.number), then up to six modifier
    tokens (patterns.TOKEN, as in patterns.noun_phrase) and an equipment or people head noun (patterns.heads).
    Spelled for each engine: Rust regex with ASCII word boundaries (as the extractor does), Python re, RE2."""
    from transforms import patterns as px
    from transforms.extract import engine_pattern

    kinds = ("equipment", "people")
    core = rf"(?:{px.number()})\s+(?:{px.TOKEN},?\s+){{0,6}}?(?i:{px.heads(kinds)})"
    # Python re and RE2 have no (?-u) flag: under the (?i:...) around the head nouns, (?i:...) is the same.
    portable = core.replace("(?i-u:", "(?i:")
    re2 = re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", portable)  # RE2 spells code points \x{2009}
    return {"polars": engine_pattern(core), "python_re": portable, "duckdb": re2}


class CandidateStage:
    """Counts candidate matches per batch with polars, Python re and DuckDB, timing each."""

    def __init__(self) -> None:
        import duckdb

        self.patterns = candidate_patterns()
        self.python = re.compile(self.patterns["python_re"])
        self.con = duckdb.connect()
        self.sql = ("select coalesce(sum(len(regexp_extract_all(text, '"
                    + self.patterns["duckdb"].replace("'", "''") + "'))), 0) from batch")
        self.seconds = {"polars": 0.0, "python_re": 0.0, "duckdb": 0.0}
        self.cpu_seconds = {"polars": 0.0, "python_re": 0.0, "duckdb": 0.0}
        self.matches = {"polars": 0, "python_re": 0, "duckdb": 0}
        self.text_bytes = 0
        # Not timed: the Python client's first registration of a frame imports pyarrow and pandas.
        self.con.register("batch", pl.DataFrame({"text": ["warm-up"]}).to_arrow())
        self.con.unregister("batch")

    def run(self, texts: pl.DataFrame) -> None:
        self.text_bytes += int(texts["text"].str.len_bytes().sum())
        t0, c0 = time.perf_counter(), time.process_time()
        self.matches["polars"] += int(texts.select(pl.col("text").str.count_matches(self.patterns["polars"]).sum()).item())
        t1, c1 = time.perf_counter(), time.process_time()
        finditer = self.python.finditer
        self.matches["python_re"] += sum(sum(1 for _ in finditer(text)) for text in texts["text"].to_list())
        t2, c2 = time.perf_counter(), time.process_time()
        self.con.register("batch", texts.select("text").to_arrow())
        self.matches["duckdb"] += int(self.con.execute(self.sql).fetchone()[0])
        self.con.unregister("batch")
        t3, c3 = time.perf_counter(), time.process_time()
        for name, seconds, cpu in (("polars", t1 - t0, c1 - c0), ("python_re", t2 - t1, c2 - c1),
                                   ("duckdb", t3 - t2, c3 - c2)):
            self.seconds[name] += seconds
            self.cpu_seconds[name] += cpu


# ------------------------------------------------------------------ transforms alone
def extract_shard(articles: pl.DataFrame) -> tuple[pl.DataFrame, float, float]:
    """The flow's extract task body (flows.ingest.extracted_figures), with the time of each transform."""
    from transforms.extract import figures_from_articles
    from transforms.timing import figure_timing

    t0 = time.perf_counter()
    figures = figures_from_articles(articles.select("article_id", "file", "text"))
    t1 = time.perf_counter()
    timing = figure_timing(figures, articles)
    figures = figures.join(timing, on="figure_id", how="left", maintain_order="left")
    return figures, t1 - t0, time.perf_counter() - t1


def transforms_pass(raw: Path, batch_files: int, shard_articles: int, baselines: bool, profile: bool,
                    baseline_every: int = 1) -> dict:
    """Time the transforms (and the candidate stage three ways) over the whole corpus, batch by batch."""
    from flows.ingest import even_shards
    from flows.runners import thread_workers

    threads = thread_workers()  # as the flow's ThreadPoolTaskRunner
    stage = CandidateStage() if baselines else None
    out = {"articles": 0, "text_bytes": 0, "read_s": 0.0, "transforms_s": 0.0, "extract_thread_s": 0.0,
           "timing_thread_s": 0.0, "transforms_cpu_s": 0.0, "figures": 0, "batches": 0}
    predicted = []
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for number, paths in enumerate(file_batches(raw, batch_files), start=1):
            t0 = time.perf_counter()
            articles = read_batch(raw, paths)
            t1 = time.perf_counter()
            c1 = time.process_time()
            shards = even_shards(articles, shard_articles, threads)
            results = list(pool.map(extract_shard, shards))
            t2 = time.perf_counter()
            out["transforms_cpu_s"] += time.process_time() - c1
            figures = pl.concat([r[0] for r in results], how="diagonal_relaxed")
            out["read_s"] += t1 - t0
            out["transforms_s"] += t2 - t1
            out["extract_thread_s"] += sum(r[1] for r in results)
            out["timing_thread_s"] += sum(r[2] for r in results)
            out["articles"] += articles.height
            out["text_bytes"] += int(articles["text"].str.len_bytes().sum())
            out["figures"] += figures.height
            out["batches"] += 1
            predicted.append(figures.select("file", "value", "value_high", "category", "party", "claimant",
                                            "claimant_party", "qualifier", "sentence"))
            if stage and (number - 1) % baseline_every == 0:
                stage.run(articles.select("text"))
            if profile and number == 1:
                out["extract_profile"] = extract_profile(articles)
            if number % 10 == 0:
                log(f"transforms: {out['articles']} articles, {out['text_bytes'] / 1e6 / out['transforms_s']:.2f} MB/s")
    out["predicted"] = pl.concat(predicted, how="diagonal_relaxed") if predicted else None
    if stage:
        out["candidate"] = {"seconds": {k: round(v, 3) for k, v in stage.seconds.items()},
                            "cpu_seconds": {k: round(v, 3) for k, v in stage.cpu_seconds.items()},
                            "matches": dict(stage.matches),
                            "mb_s": {k: round(stage.text_bytes / 1e6 / v, 2) for k, v in stage.seconds.items()},
                            "text_mb": round(stage.text_bytes / 1e6, 2), "every_nth_batch": baseline_every,
                            "pattern_chars": len(stage.patterns["python_re"])}
    return out


def extract_profile(articles: pl.DataFrame, top: int = 20) -> list[dict]:
    """cProfile of figures_from_articles on one batch: the transforms/ functions with the most cumulative time."""
    import cProfile
    import pstats

    from transforms.extract import figures_from_articles

    profiler = cProfile.Profile()
    profiler.enable()
    figures_from_articles(articles.select("article_id", "file", "text"))
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = [{"function": f"{Path(file).name}:{name}", "cumulative_s": round(cum, 3), "calls": calls}
            for (file, _, name), (_, calls, _, cum, _) in stats.stats.items() if "/transforms/" in file]
    return sorted(rows, key=lambda r: -r["cumulative_s"])[:top]


def f1_synthetic(predicted: pl.DataFrame, gold_path: Path) -> dict:
    """value+category F1 (and friends) of the extractor's figures against the corpus's true figures."""
    from transforms.scoring import score_figures

    gold = pl.read_ndjson(gold_path, schema={
        "file": pl.String, "value": pl.Int64, "value_high": pl.Int64, "category": pl.String, "party": pl.String,
        "claimant": pl.String, "claimant_party": pl.String, "qualifier": pl.String, "quote": pl.String})
    scores = score_figures(predicted, gold)
    by_style = {}
    style = pl.col("file").str.extract(r"/([a-z_]+)_\d+\.", 1)
    for frame, key in ((pl.DataFrame(scores["misses"]), "misses"), (pl.DataFrame(scores["false_positives"]), "false_positives")):
        if frame.height:
            for name, count in frame.group_by(style.alias("style")).len().iter_rows():
                by_style.setdefault(name, {})[key] = count
    return {"value_category": {k: round(v, 4) if isinstance(v, float) else v for k, v in scores["value_category"].items()},
            "value_only_f1": round(scores["value_only"]["f1"], 4), "lenient_f1": round(scores["lenient"]["f1"], 4),
            "accuracy": {k: None if v is None else round(v, 4) for k, v in scores["accuracy"].items()},
            "errors_by_style": by_style}


# ------------------------------------------------------------------ end to end
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    """`prefect server start` on a free loopback port with a temporary PREFECT_HOME (SQLite), stopped on exit."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="losstally-bench-prefect-"))
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api,
                    "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(self.port),
                    "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{self.home / 'prefect.db'}",
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "False",
                    "PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false",
                    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
                    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false"}
        self.process = None
        self.start_s = None

    def __enter__(self) -> "PrefectServer":
        t0 = time.perf_counter()
        self.log = (self.home / "server.log").open("w")
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start"],
                                        env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Prefect server exited: {(self.home / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as response:
                    if response.status == 200:
                        self.start_s = time.perf_counter() - t0
                        return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("the Prefect server did not answer within 120 s")

    def __exit__(self, *exc) -> None:
        import psutil

        if self.process and self.process.poll() is None:
            family = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children(recursive=True)]
            for member in family:
                try:
                    member.terminate()
                except psutil.NoSuchProcess:
                    pass
            _, alive = psutil.wait_procs(family, timeout=15)
            for member in alive:
                member.kill()
            self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


def tree_rss(process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    import psutil

    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def timed_run(server: PrefectServer, raw: Path, db: Path, batch_files: int, log_path: Path,
              task_runner: str = "threads") -> dict:
    """One `losstally run` in a subprocess: wall time, peak RSS of its process tree, exit code."""
    import psutil

    env = {**server.env, "LOSSTALLY_BATCH_FILES": str(batch_files), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(raw), "--db", str(db),
               "--task-runner", task_runner]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log_path.open("w") as output:
        t0 = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        process = psutil.Process(child.pid)
        samples = [(time.time(), 0)]  # (time, rss): the run's peak, and each stage's once Prefect gives their times
        while child.poll() is None:
            samples.append((time.time(), tree_rss(process)))
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if child.returncode != 0:
        raise RuntimeError(f"losstally run failed ({child.returncode}); see {log_path}:\n"
                           + log_path.read_text()[-3000:])
    peak_at, peak = max(samples, key=lambda sample: sample[1])
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak / 2**20, 1), "peak_at": peak_at,
            "samples": samples,
            "load_avg_after": [round(x, 2) for x in os.getloadavg()], "log": str(log_path.relative_to(ROOT))}


def flow_stages(server: PrefectServer) -> list[dict]:
    """Per ingest flow run (oldest first): its duration and the summed duration of its task runs per stage."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    runs = []
    with temporary_settings({PREFECT_API_URL: server.api}), get_client(sync_client=True) as client:
        for flow_run in client.read_flow_runs(sort=FlowRunSort.START_TIME_ASC, limit=50):
            tasks, offset = [], 0
            while True:
                page = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])),
                                             sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200, offset=offset)
                tasks += page
                offset += len(page)
                if len(page) < 200:
                    break
            stages: dict[str, float] = {}
            counts: dict[str, int] = {}
            spans: dict[str, list] = {}
            for task in tasks:
                if task.start_time is None or task.end_time is None:
                    continue
                name = STAGES.get(task.task_key.rsplit("-", 1)[0], task.task_key.rsplit("-", 1)[0])
                stages[name] = stages.get(name, 0.0) + (task.end_time - task.start_time).total_seconds()
                counts[name] = counts.get(name, 0) + 1
                spans.setdefault(name, []).append((task.start_time.timestamp(), task.end_time.timestamp()))
            flow_s = (flow_run.end_time - flow_run.start_time).total_seconds() if flow_run.end_time else 0.0
            walls = {name: covered(intervals) for name, intervals in spans.items()}
            in_tasks = covered([i for intervals in spans.values() for i in intervals])
            runs.append({"spans": spans, "flow_run": flow_run.name, "state": flow_run.state_name, "flow_s": round(flow_s, 2),
                         "task_runs": len(tasks),
                         # wall time per stage (overlapping shards counted once), and the flow's time outside tasks
                         "stage_wall_s": {k: round(v, 2) for k, v in sorted(walls.items())}
                         | {"in_flow_outside_tasks": round(flow_s - in_tasks, 2)},
                         "stage_task_sum_s": {k: round(v, 2) for k, v in sorted(stages.items())},
                         "stage_task_runs": counts})
    return runs


def stage_peaks(samples: list[tuple[float, int]], spans: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    """The peak RSS (MB) sampled during each stage's task runs, and outside them."""
    peaks: dict[str, float] = {}
    for at, rss in samples:
        names = [name for name, intervals in spans.items() if any(a <= at <= b for a, b in intervals)]
        for name in names or ["outside tasks"]:
            peaks[name] = max(peaks.get(name, 0.0), round(rss / 2**20, 1))
    return dict(sorted(peaks.items()))


def covered(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of (start, end) intervals."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def end_to_end(raw: Path, work: Path, batch_files: int, task_runner: str = "threads") -> dict:
    """The real ingest flow twice over the corpus (load, then no-op rerun) against a temporary Prefect server."""
    import resource

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse" / "losstally.duckdb"
    with PrefectServer() as server:
        log(f"e2e: Prefect server up on {server.api} in {server.start_s:.1f}s")
        first = timed_run(server, raw, db, batch_files, work / "run1.log", task_runner)
        log(f"e2e: first run {first['seconds']}s, peak RSS {first['peak_rss_mb']} MB")
        second = timed_run(server, raw, db, batch_files, work / "run2.log", task_runner)
        log(f"e2e: no-op rerun {second['seconds']}s, peak RSS {second['peak_rss_mb']} MB")
        stages = flow_stages(server)
        server_start = server.start_s
    for run, flow in zip((first, second), stages):
        spans = flow.pop("spans")
        at = run.pop("peak_at")
        samples = run.pop("samples")
        run["peak_rss_during"] = sorted(name for name, intervals in spans.items()
                                        if any(a - 0.5 <= at <= b + 0.5 for a, b in intervals)) or ["outside tasks"]
        run["peak_rss_mb_by_stage"] = stage_peaks(samples, spans)
    children_maxrss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("article", "figure", "claim")}
    finally:
        con.close()
    return {"server_start_s": round(server_start, 2), "first": first, "noop": second, "flows": stages,
            "published_rows": loaded, "published_db_mb": round(db.stat().st_size / 1e6, 1),
            "largest_child_maxrss_mb": round(children_maxrss_mb, 1)}


# ------------------------------------------------------------------ results
def machine() -> dict:
    import duckdb
    import psutil

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "flows", "transforms", "warehouse",
                                 "expectations"], capture_output=True, text=True).stdout.strip())
    return {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "polars": pl.__version__, "duckdb": duckdb.__version__, "commit": commit,
            "uncommitted_changes_in_pipeline": dirty}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="articles in the corpus [%(default)s]")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="corpus generator processes")
    config = settings()
    parser.add_argument("--batch-files", type=int, default=config.batch_files, help="as the flow [%(default)s]")
    parser.add_argument("--shard-articles", type=int, default=config.shard_articles, help="as the flow [%(default)s]")
    parser.add_argument("--task-runner", choices=("threads", "dask"), default="threads",
                        help="the end-to-end runs' --task-runner (losstally run --help) [%(default)s]")
    parser.add_argument("--skip-transforms", action="store_true", help="skip the transforms pass, baselines and F1")
    parser.add_argument("--skip-e2e", action="store_true", help="skip the end-to-end runs")
    parser.add_argument("--baseline-every", type=int, default=1,
                        help="run the candidate stage three ways on every k-th batch only (MB/s over those batches); "
                             "Python re alone takes ~25 min at 1M")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of one extract batch")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    started = datetime.now(timezone.utc)
    result: dict = {"n": args.n, "seed": args.seed, "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "batch_files": args.batch_files, "shard_articles": args.shard_articles,
                    "task_runner": args.task_runner, "machine": machine()}
    folder, manifest = cached_corpus(args.n, args.seed, args.workers)
    raw = folder / "raw"
    result["corpus"] = {"path": str(folder.relative_to(ROOT)), **manifest}
    result["articles"] = manifest["articles"]
    result["mb"] = round(manifest["bytes"] / 1e6, 2)  # raw files on disk

    if not args.skip_transforms:
        log("transforms: extract step over the corpus, with the candidate stage in polars, re and DuckDB")
        t = transforms_pass(raw, args.batch_files, args.shard_articles, baselines=True, profile=not args.no_profile,
                            baseline_every=args.baseline_every)
        text_mb = t["text_bytes"] / 1e6
        cand = t["candidate"]
        result.update({
            "text_mb": round(text_mb, 2),
            "transforms_s": round(t["transforms_s"], 2),
            "transforms_mb_s": round(text_mb / t["transforms_s"], 3),
            "transforms_articles_s": round(t["articles"] / t["transforms_s"], 1),
            "transforms_cpu_s": round(t["transforms_cpu_s"], 2),
            "transforms_timing_share": round(t["timing_thread_s"] / (t["extract_thread_s"] + t["timing_thread_s"]), 3),
            "read_s_untimed": round(t["read_s"], 2),
            "figures_predicted": t["figures"],
            "candidate_polars_mb_s": cand["mb_s"]["polars"],
            "baseline_python_re_mb_s": cand["mb_s"]["python_re"],
            "baseline_duckdb_sql_mb_s": cand["mb_s"]["duckdb"],
            "candidate_stage": cand,
        })
        result["ratios"] = {
            "transforms_vs_python_re": round(result["transforms_mb_s"] / cand["mb_s"]["python_re"], 3),
            "transforms_vs_duckdb_sql": round(result["transforms_mb_s"] / cand["mb_s"]["duckdb"], 3),
            "candidate_polars_vs_python_re": round(cand["mb_s"]["polars"] / cand["mb_s"]["python_re"], 2),
            "candidate_polars_vs_duckdb_sql": round(cand["mb_s"]["polars"] / cand["mb_s"]["duckdb"], 2),
        }
        if "extract_profile" in t:
            result["extract_profile_one_batch"] = t["extract_profile"]
        log(f"transforms: {result['transforms_mb_s']} MB/s ({result['transforms_articles_s']} articles/s); "
            f"candidate stage MB/s: {cand['mb_s']}")
        result["f1_detail"] = f1_synthetic(t["predicted"], folder / "gold.jsonl")
        result["f1_synthetic"] = result["f1_detail"]["value_category"]["f1"]
        log(f"f1_synthetic: {result['f1_synthetic']}")
        del t

    if not args.skip_e2e:
        log("e2e: ingest flow from raw files to the published DuckDB")
        e = end_to_end(raw, folder / "e2e", args.batch_files, args.task_runner)
        result.update({
            "end_to_end_s": e["first"]["seconds"],
            "end_to_end_with_server_start_s": round(e["first"]["seconds"] + e["server_start_s"], 2),
            "noop_rerun_s": e["noop"]["seconds"],
            "peak_rss_mb": e["first"]["peak_rss_mb"],
            "noop_peak_rss_mb": e["noop"]["peak_rss_mb"],
            "end_to_end_mb_s": round(result["mb"] / e["first"]["seconds"], 3),
            "end_to_end": e,
        })
    result["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["targets"] = targets(result)
    result["bench_seconds"] = round((datetime.now(timezone.utc) - started).total_seconds(), 1)
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, default=str) + "\n"
    (args.out / "latest.json").write_text(text)
    (args.out / f"{started:%Y-%m-%d}-{args.n}.json").write_text(text)
    log(f"results: {args.out / 'latest.json'} and {started:%Y-%m-%d}-{args.n}.json")
    print(json.dumps({k: result.get(k) for k in ("articles", "mb", "transforms_mb_s", "end_to_end_s", "noop_rerun_s",
                                                  "peak_rss_mb", "baseline_python_re_mb_s", "baseline_duckdb_sql_mb_s",
                                                  "f1_synthetic")}, indent=2))


def targets(result: dict) -> dict:
    """Each target of issue 8 with the measured value and whether it is met (None: not measurable in this run)."""
    ratios = result.get("ratios", {})
    n = result["n"]

    def check(value, limit, higher_is_better):
        if value is None:
            return None
        return {"measured": value, "target": limit, "met": value >= limit if higher_is_better else value <= limit}

    return {
        "transforms_mb_s >= 50": check(result.get("transforms_mb_s"), TARGETS["transforms_mb_s"], True),
        "transforms >= 5x python re": check(ratios.get("transforms_vs_python_re"), TARGETS["x_python_re"], True),
        "transforms >= 1.5x duckdb sql": check(ratios.get("transforms_vs_duckdb_sql"), TARGETS["x_duckdb_sql"], True),
        "end_to_end_s <= 30 at 100k": check(result.get("end_to_end_s"), TARGETS["end_to_end_s_at_100k"], False)
        if n == 100_000 else None,
        "noop_rerun_s <= 5 at 100k": check(result.get("noop_rerun_s"), TARGETS["noop_rerun_s_at_100k"], False)
        if n == 100_000 else None,
        "peak_rss_mb <= 1.5 GB (1430.5 MiB) at 1M": check(result.get("peak_rss_mb"), TARGETS["peak_rss_mb_at_1m"], False)
        if n == 1_000_000 else None,
    }


if __name__ == "__main__":
    main()
