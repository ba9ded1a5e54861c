"""The ingest flow: discover → read → extract → validate → load → report, over batches of files."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from expectations.validate import gx_setup_in_background, validate_articles, validate_figures
from flows.articles import read_articles
from flows.files import even_batches, file_inventory
from flows.dq import checked_warehouse, staged_flags
from flows.report import run_markdown
from flows.lock import holding_warehouse_lock
from flows.problems import NothingReadable, decoding_note, logged_problems, nothing_read_message
from flows.progress import reported
from flows.retries import WRITE_RETRIES
from flows.runners import extraction_runner, extraction_workers, untagged_task_runs
from flows.settings import settings
from transforms.extract import EXTRACTOR_VERSION, figures_from_articles
from transforms.timing import figure_timing
from warehouse import load as wh


ARTIFACT_ROWS = 1000  # figures shown in the figures-loaded artifact; the warehouse has them all


def now() -> datetime:
    """The current UTC time, naive, as the warehouse stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@task(cache_policy=NO_CACHE, **WRITE_RETRIES)
def discovered_files(raw_dir: Path, db_path: Path, max_file_bytes: int) -> pl.DataFrame:
    """Every file under the raw folder, marked pending, skipped (already loaded) or quarantined."""
    con = wh.connect(db_path)
    try:
        wh.ensure_schema(con)
        loaded, known = wh.loaded_file_hashes(con), wh.known_files(con)
    finally:
        con.close()
    return file_inventory(raw_dir, max_file_bytes, loaded, known)


@task(cache_policy=NO_CACHE)
def read_batch(raw_dir: Path, files: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The articles in a batch of files, and a log row for each file or item that could not be read."""
    return read_articles(raw_dir, files.to_dicts())


def timed_figures(articles: pl.DataFrame) -> pl.DataFrame:
    """The loss figures of some articles (transforms/), with when each was claimed and its period."""
    figures = figures_from_articles(articles.select("article_id", "file", "text"))
    return figures.join(figure_timing(figures, articles), on="figure_id", how="left", maintain_order="left")


def failed_extraction(article: pl.DataFrame) -> str | None:
    """Why the extractor fails on a one-article frame, or None when it does not."""
    try:
        timed_figures(article)
    except Exception as exc:  # noqa: BLE001 - any extractor bug is the reason
        return f"extractor error: {type(exc).__name__}: {str(exc)[:300]}"
    return None


@task(cache_policy=NO_CACHE)
def extracted_figures(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The figures of a shard of articles, and the articles the extractor failed on, with the reason.

    The extractor runs on the whole shard at once. Should it raise, each article is tried alone
    (a Python loop, on this failure path only) so that one bad article never costs the others.
    """
    failed = pl.DataFrame(schema={"article_id": pl.String, "reason": pl.String})
    try:
        return timed_figures(articles), failed
    except Exception:  # noqa: BLE001 - narrowed down below, article by article
        reasons = {articles["article_id"][i]: failed_extraction(articles.slice(i, 1)) for i in range(articles.height)}
        failed = pl.DataFrame([{"article_id": a, "reason": r} for a, r in reasons.items() if r], schema=failed.schema)
        return timed_figures(articles.join(failed, on="article_id", how="anti")), failed


def without_failed_articles(articles: pl.DataFrame, read_log: pl.DataFrame,
                            failed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The articles the extractor could read, and the log with a quarantine row for each it could not."""
    if failed.is_empty():
        return articles, read_log
    quarantined = articles.join(failed, on="article_id").select(
        path="file", source_file="source_file", file_sha256="file_sha256", article_id="article_id",
        status=pl.lit("quarantined"), reason="reason")
    return (articles.join(failed, on="article_id", how="anti"),
            pl.concat([read_log, quarantined], how="diagonal_relaxed"))


def even_shards(articles: pl.DataFrame, shard_articles: int, workers: int) -> list[pl.DataFrame]:
    """The batch cut into shards of about shard_articles articles, of equal size and as many as a multiple
    of the workers, so that no worker is left with a last short shard while the others wait."""
    return even_batches(articles, shard_articles, multiple_of=workers) or [articles]


def sharded_figures(runner, articles: pl.DataFrame, shard_articles: int,
                    workers: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The figures of a batch, extracted shard by shard on the task runner (threads or Dask), in article
    order, and the articles the extractor failed on."""
    shards = even_shards(articles, shard_articles, workers)
    futures = [runner.submit(extracted_figures, {"articles": shard}) for shard in shards]
    results = [future.result() for future in futures]
    return (pl.concat([figures for figures, _ in results], how="diagonal_relaxed"),
            pl.concat([failed for _, failed in results]))


@task(cache_policy=NO_CACHE)
def validated_batch(articles: pl.DataFrame, figures: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Articles and figures that pass the critical checks, the quarantined rows and the check results."""
    article_check = validate_articles(articles)
    good_articles = articles.join(article_check.quarantined.select("article_id"), on="article_id", how="anti")
    orphans = figures_without_article(figures, good_articles)  # quarantined too: nothing vanishes
    figures = figures.join(good_articles.select("article_id"), on="article_id", how="semi")
    figure_check = validate_figures(figures, good_articles)
    return {
        "articles": good_articles,
        "figures": figure_check.passed,
        "article_issues": article_check.quarantined,
        "results": pl.concat([article_check.results, figure_check.results]),
        "quarantined_figures": pl.concat([figure_check.quarantined_rows, orphans], how="diagonal_relaxed"),
        "figure_flags": figure_check.flagged,
        "suite_results": [*article_check.suite_results, *figure_check.suite_results],
    }


def figures_without_article(figures: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    """Figures whose article does not load (quarantined or unknown), as quarantine rows of their own check."""
    return figures.join(articles.select("article_id"), on="article_id", how="anti").with_columns(
        check=pl.lit("article_not_loaded"), severity=pl.lit("critical"),
        reason=pl.lit("its article failed a critical check or is unknown"),
        offending=pl.format("article_id={}", pl.col("article_id").fill_null("null")))


def staged_rows(run_id: str, files: pl.DataFrame, read_log: pl.DataFrame, checked: dict) -> dict[str, pl.DataFrame]:
    """The rows one batch adds to each warehouse table, stamped with the run."""
    stamp = now()
    articles = checked["articles"].with_columns(
        extractor_version=pl.lit(EXTRACTOR_VERSION), ingested_at=pl.lit(stamp), run_id=pl.lit(run_id))
    figures = checked["figures"].with_columns(run_id=pl.lit(run_id), loaded_at=pl.lit(stamp))
    quarantine = (
        checked["quarantined_figures"].drop("qualifier_rule", strict=False).rename({"check": "check_name"})
        .with_columns(run_id=pl.lit(run_id), quarantined_at=pl.lit(stamp))
    )
    per_article = figures.group_by("article_id").len("figures")
    loaded_log = articles.select(
        path="file", source_file="source_file", file_sha256="file_sha256", article_id="article_id",
        status=pl.lit("loaded"), reason=decoding_note(),
    ).join(per_article, on="article_id", how="left").with_columns(pl.col("figures").fill_null(0))
    bad_articles = checked["article_issues"].group_by("article_id").agg(reason=pl.col("reason").str.join("; "))
    quarantined_log = (
        checked["articles_in"].join(bad_articles, on="article_id")
        .select(path="file", source_file="source_file", file_sha256="file_sha256", article_id="article_id",
                status=pl.lit("quarantined"), reason="reason")
    ) if "articles_in" in checked else None
    log = pl.concat([frame for frame in (loaded_log, read_log, quarantined_log) if frame is not None],
                    how="diagonal_relaxed").with_columns(run_id=pl.lit(run_id), logged_at=pl.lit(stamp))
    flags = staged_flags(checked["figure_flags"], figures, run_id, stamp)
    file_state = files.filter(pl.col("source_file").is_in(articles["source_file"].implode())).select(
        "source_file", "size", "mtime_ns", "file_sha256", run_id=pl.lit(run_id),
    ) if {"size", "mtime_ns"} <= set(files.columns) else None  # reprocess stages stored articles, not files
    return {"article": articles, "figure": figures, "figure_quarantine": quarantine, "figure_flag": flags,
            "ingest_log": log, "file_state": file_state}


@task(cache_policy=NO_CACHE)
def loaded_batch(con, staged: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Load one batch into the warehouse in one transaction, on the run's writer (wh.batch_writer)."""
    return wh.load_batch(con, staged)


@task(cache_policy=NO_CACHE, **WRITE_RETRIES)
def logged_inventory(db_path: Path, run_id: str, inventory: pl.DataFrame) -> None:
    """Record the files that discovery skipped or quarantined in the ingest log."""
    rows = inventory.filter(pl.col("status") != "pending").select(
        path="source_file", source_file="source_file", file_sha256="file_sha256",
        article_id=pl.lit(None, pl.String), status="status", reason="reason",
    ).with_columns(run_id=pl.lit(run_id), logged_at=pl.lit(now()))
    con = wh.connect(db_path)
    try:
        wh.load_batch(con, {"ingest_log": rows})
    finally:
        con.close()


@task(cache_policy=NO_CACHE, **WRITE_RETRIES)
def run_report(db_path: Path, run: dict, dq: pl.DataFrame, top: int) -> dict:
    """Write the run to the warehouse, and publish the run's artifacts (dq: one row per check, recorded)."""
    con = wh.connect(db_path)
    try:
        run = run | wh.file_outcomes(con, run["run_id"])
        wh.record_run(con, run)
        top_claims = wh.top_claims(con, top)
        loaded = wh.with_run_id(con, run["run_id"]).execute(
            "select file, value, value_high, qualifier, category, party, claimant, claimant_party, sentence "
            f"from v_figure where run_id = getvariable('run_id') order by file, start limit {int(ARTIFACT_ROWS)}").pl()
    finally:
        con.close()
    summary = run | {"checks_passed": int(dq["success"].sum()), "checks_failed": int((~dq["success"]).sum()),
                     "top_claims": top_claims.to_dicts(), "dq": dq.to_dicts()}
    create_markdown_artifact(key="ingest-summary", markdown=run_markdown(summary),
                             description=f"losstally ingest of {run['raw_dir']}")
    shown = "" if run["figures_loaded"] <= ARTIFACT_ROWS else f" (the first {ARTIFACT_ROWS}; query v_figure for all)"
    create_table_artifact(key="figures-loaded", table=loaded.to_dicts() or [{"figures": "none loaded this run"}],
                          description=f"{run['figures_loaded']} figures loaded by this run{shown}")
    return summary


@task(cache_policy=NO_CACHE, **WRITE_RETRIES)
def rebuilt_claims(db_path: Path, echo_days: int) -> int:
    """Rebuild the claims ledger from the figures (echo detection across outlets)."""
    con = wh.connect(db_path)
    try:
        return wh.rebuilt_claims(con, echo_days)
    finally:
        con.close()


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def published_warehouse(work_db: Path, db_path: Path) -> str:
    """Publish the working database at the analysts' path by copy and atomic rename."""
    return str(wh.published_database(work_db, db_path))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def published_parquet(db_path: Path) -> str:
    """Every v_* view of the published database as Parquet in parquet/ next to it, each file replaced atomically."""
    folder = db_path.parent / "parquet"
    staging = folder / f".staging-{os.getpid()}"
    try:
        for _view, path, _rows in wh.exported_views(db_path, staging, "parquet"):
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return str(folder)


def run_warehouse(db: str | None) -> tuple[Path, Path, str]:
    """The published warehouse path, the work database the run writes (started from the published one
    when it is missing) and the run id."""
    config = settings()
    db_path = Path(db) if db else config.db_path
    work_db = config.work_db_path(db_path)
    if wh.adopted_work_database(work_db, db_path):
        get_run_logger().info("work database started from the published %s", db_path)
    return db_path, work_db, str(flow_run.id or f"local-{time.time_ns()}")


def finished_run(work_db: Path, db_path: Path, run: dict, results: list, suite_results: list) -> dict:
    """Rebuild the claims, run the warehouse checks, report and publish; returns the run summary.

    When the run changed no fact (nothing loaded), the claims and the Parquet files stand as they
    are: only the run's own records (run, ingest_log, dq_result) are new, and they are published.
    """
    config, logger = settings(), get_run_logger()
    changed = run["articles_loaded"] > 0
    reported("claims: rebuild the ledger" if changed else "claims: unchanged")
    claims = rebuilt_claims(work_db, config.echo_days) if changed else wh.claim_count(work_db)
    logger.info("claims: %d in the ledger%s", claims, "" if changed else " (unchanged: nothing new loaded)")
    reported("checks: data quality over the warehouse")
    dq = checked_warehouse(work_db, run["run_id"], results, suite_results, config.dq_docs_dir(db_path))
    summary = run_report(work_db, run | {"claims": claims}, dq, config.top_claims)
    published = published_warehouse(work_db, db_path)
    parquet = db_path.parent / "parquet"
    if changed or not parquet.exists():
        parquet = published_parquet(Path(published))
    logger.info("publish: %s, views as Parquet in %s", published, parquet)
    reported(f"publish: {published}")
    return summary | {"published": published}


def ingest_run_name() -> str:
    """The run name: ingest-<raw folder>-<UTC time>, so the UI tells which batch a run took."""
    raw = flow_run.parameters.get("raw_dir") or settings().raw_dir
    return f"ingest-{Path(raw).name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"


@flow(name="ingest", flow_run_name=ingest_run_name, log_prints=True)
@untagged_task_runs
@holding_warehouse_lock
def ingest(raw_dir: str | None = None, db: str | None = None, batch_files: int | None = None,
           task_runner: str = "threads") -> dict:
    """Ingest the article files under raw_dir into the DuckDB warehouse at db; returns the run summary."""
    config = settings()
    raw = Path(raw_dir) if raw_dir else config.raw_dir
    if not raw.is_dir():
        raise NotADirectoryError(f"raw folder {raw} does not exist or is not a folder")
    logger = get_run_logger()
    db_path, work_db, run_id = run_warehouse(db)
    started = now()

    inventory = discovered_files(raw, work_db, config.max_file_bytes)
    pending = inventory.filter(pl.col("status") == "pending")
    logger.info("discover: %d files, %d new, %d skipped, %d quarantined", inventory.height, pending.height,
                (inventory["status"] == "skipped").sum(), (inventory["status"] == "quarantined").sum())
    logged_inventory(work_db, run_id, inventory)
    reported(f"discover: {inventory.height} files, {pending.height} new", files_total=pending.height)
    problems = logged_problems(logger, inventory.rename({"source_file": "path"})) if inventory.height else 0
    if not inventory.height:
        logger.info("discover: no files in %s", raw)
    # Only the pending files are kept through the run, and of the others what the end of the run asks:
    # their status and whether they were hashed (the full inventory of a million files is ~100 MB).
    files_seen = inventory.height
    outcomes = inventory.select("status", file_sha256=pl.when(pl.col("file_sha256").is_not_null()).then(pl.lit("")))
    del inventory

    totals = {"articles": 0, "figures": 0, "figure_quarantine": 0, "read_problems": 0, "articles_read": 0}
    results, suite_results = [], []
    if pending.height:
        gx_setup_in_background()
    with extraction_runner(task_runner) as runner, wh.batch_writer(work_db) as writer:
        for number, files in enumerate(even_batches(pending, batch_files or config.batch_files), start=1):
            t0 = time.perf_counter()
            reported(f"batch {number}: read {files.height} files")
            articles, read_log = read_batch(raw, files)
            problems += logged_problems(logger, read_log, articles)
            totals["articles_read"] += articles.height
            reported(f"batch {number}: extract {articles.height} articles ({task_runner})")
            figures, failed = sharded_figures(runner, articles, config.shard_articles, extraction_workers(task_runner))
            articles, read_log = without_failed_articles(articles, read_log, failed)
            problems += logged_problems(logger, read_log.join(failed, on="article_id", how="semi"))
            checked = validated_batch(articles, figures) | {"articles_in": articles}
            reported(f"batch {number}: check and load {figures.height} figures")
            counts = loaded_batch(writer, staged_rows(run_id, files, read_log, checked))
            results.append(checked["results"])
            suite_results += checked["suite_results"]
            totals["articles"] += counts["article"]
            totals["figures"] += counts["figure"]
            totals["figure_quarantine"] += counts["figure_quarantine"]
            totals["read_problems"] += read_log.height
            logger.info("batch %d: %d files → %d articles, %d figures loaded, %d quarantined in %.2fs", number,
                        files.height, counts["article"], counts["figure"], counts["figure_quarantine"],
                        time.perf_counter() - t0)
            reported(f"batch {number}: loaded", files_done=files.height)

    run = {
        "run_id": run_id, "flow_run_name": flow_run.name, "raw_dir": str(raw), "started_at": started,
        "finished_at": now(), "extractor_version": EXTRACTOR_VERSION, "files_seen": files_seen,
        "articles_loaded": totals["articles"], "figures_loaded": totals["figures"],
        "figures_quarantined": totals["figure_quarantine"],
    }
    summary = finished_run(work_db, db_path, run, results, suite_results)
    if failure := nothing_read_message(outcomes, totals["articles_read"]):
        raise NothingReadable(failure)
    if problems:
        logger.warning("completed with %d warnings: files or items not loaded, each with its reason in ingest_log "
                       "(run_id = '%s')", problems, run_id)
    return summary | {"warnings": problems}
