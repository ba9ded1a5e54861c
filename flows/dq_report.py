"""The dq-report flow: re-run the cross-figure checks on the whole warehouse (daily) and publish the results."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.dq import checked_warehouse
from flows.ingest import published_parquet, published_warehouse, run_warehouse
from flows.lock import holding_warehouse_lock
from flows.runners import untagged_task_runs
from flows.settings import settings


def dq_report_run_name() -> str:
    """The run name: dq-report-<warehouse file>-<UTC time>, so the UI tells the runs apart."""
    db = flow_run.parameters.get("db") or settings().db_path
    return f"dq-report-{Path(db).stem}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"


@flow(name="dq-report", flow_run_name=dq_report_run_name, log_prints=True)
@untagged_task_runs
@holding_warehouse_lock
def dq_report(db: str | None = None) -> dict:
    """Check the warehouse at db again (consistency checks, staleness), record the results and publish."""
    config = settings()
    db_path = Path(db) if db else config.db_path
    if not config.work_db_path(db_path).exists() and not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run the ingest flow first")
    db_path, work_db, run_id = run_warehouse(db)
    dq = checked_warehouse(work_db, run_id, [], [], config.dq_docs_dir(db_path))
    published = published_warehouse(work_db, db_path)
    get_run_logger().info("publish: %s, views as Parquet in %s", published, published_parquet(Path(published)))
    return {"run_id": run_id, "checks": dq.height, "checks_failed": int((~dq["success"]).sum()),
            "published": published}
