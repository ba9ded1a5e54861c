"""The reprocess flow: re-extract the stored articles when the extractor changes, no landing folder needed."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.ingest import (extracted_figures, finished_run, loaded_batch, now, run_warehouse, staged_rows,
                          validated_batch, without_failed_articles)
from flows.lock import holding_warehouse_lock
from flows.runners import untagged_task_runs
from flows.settings import settings
from transforms.extract import EXTRACTOR_VERSION
from warehouse import load as wh

STORED_ARTICLE_COLUMNS = ("article_id", "file", "source_file", "file_sha256", "format", "encoding", "title",
                          "outlet", "url", "published_at", "text")


@task(cache_policy=NO_CACHE)
def stale_article_ids(db_path: Path, everything: bool) -> list[str]:
    """Ids of the stored articles extracted by another extractor version (or all of them)."""
    con = wh.connect(db_path)
    try:
        wh.ensure_schema(con)
        where = "" if everything else "where extractor_version is distinct from ?"
        params = [] if everything else [EXTRACTOR_VERSION]
        return [r[0] for r in con.execute(f"select article_id from article {where} order by file", params).fetchall()]
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def stored_articles(con, article_ids: list[str]) -> pl.DataFrame:
    """The stored articles with these ids, as the read step would have produced them (con: the run's writer)."""
    with wh.staged(con, {"wanted": pl.DataFrame({"article_id": article_ids}, schema={"article_id": pl.String})}):
        columns = ", ".join(STORED_ARTICLE_COLUMNS)
        return con.execute(f"select {columns} from article where article_id in (select article_id from wanted) "
                           "order by file").pl()


@flow(name="reprocess", log_prints=True)
@untagged_task_runs
@holding_warehouse_lock
def reprocess(db: str | None = None, everything: bool = False, batch_articles: int | None = None) -> dict:
    """Re-extract the stored articles whose extractor version is not the current one (or all), then publish."""
    config = settings()
    logger = get_run_logger()
    db_path, work_db, run_id = run_warehouse(db)
    started = now()
    ids = stale_article_ids(work_db, everything)
    logger.info("reprocess: %d stored articles to re-extract with extractor %s", len(ids), EXTRACTOR_VERSION)
    size = batch_articles or config.batch_files
    totals = {"articles": 0, "figures": 0, "figure_quarantine": 0}
    results, suite_results = [], []
    with wh.batch_writer(work_db) as writer:
        for number, offset in enumerate(range(0, len(ids), size), start=1):
            t0 = time.perf_counter()
            articles = stored_articles(writer, ids[offset:offset + size])
            figures, failed = extracted_figures(articles)
            empty_log = pl.DataFrame(schema={"path": pl.String, "source_file": pl.String})
            articles, log = without_failed_articles(articles, empty_log, failed)  # kept as they were
            checked = validated_batch(articles, figures) | {"articles_in": articles}
            counts = loaded_batch(writer, staged_rows(run_id, articles, log, checked))
            results.append(checked["results"])
            suite_results += checked["suite_results"]
            for key, table in (("articles", "article"), ("figures", "figure"), ("figure_quarantine", "figure_quarantine")):
                totals[key] += counts[table]
            logger.info("batch %d: %d articles re-extracted → %d figures loaded, %d quarantined in %.2fs", number,
                        articles.height, counts["figure"], counts["figure_quarantine"], time.perf_counter() - t0)
    run = {"run_id": run_id, "flow_run_name": flow_run.name, "raw_dir": "(stored articles)",
           "started_at": started, "finished_at": now(), "extractor_version": EXTRACTOR_VERSION,
           "files_seen": 0, "articles_loaded": totals["articles"], "figures_loaded": totals["figures"],
           "figures_quarantined": totals["figure_quarantine"]}
    return finished_run(work_db, db_path, run, results, suite_results)
