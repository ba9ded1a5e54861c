"""Great Expectations Data Docs: static HTML of the suites' validation results, built offline.

The results of each run are stored as JSON under <docs>/validation-results (a filesystem validation
results store), so the site's index lists every run, not only the last one; the HTML is written
under <docs> by GX's SiteBuilder. GX's index.html lists the runs with scripts from CDNs, which an
offline machine cannot load, so <docs>/runs.html lists them in plain HTML: open that one.
"""

from __future__ import annotations

import html
import json
import logging
import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from expectations.suites import SUITES

SITE = "losstally"
RESULTS_STORE = "losstally_validation_results"


def index_path(docs_dir: Path) -> Path:
    """Where the Data Docs' offline index page is (GX's own index.html needs its CDN scripts)."""
    return docs_dir / "runs.html"


def stored_results(docs_dir: Path) -> list[dict]:
    """Every stored suite result: suite, run, time, batch, success, counts and its HTML page."""
    rows = []
    for path in sorted((docs_dir / "validation-results").glob("*/*/*/*.json")):
        suite, run, run_time, batch = path.relative_to(docs_dir / "validation-results").with_suffix("").parts
        result = json.loads(path.read_text("utf-8"))
        stats = result.get("statistics", {})
        rows.append({"suite": suite, "run": run, "time": run_time, "batch": batch, "success": result["success"],
                     "evaluated": stats.get("evaluated_expectations", 0),
                     "failed": stats.get("unsuccessful_expectations", 0),
                     "page": f"validations/{suite}/{run}/{run_time}/{batch}.html"})
    return rows


def offline_index_html(results: list[dict]) -> str:
    """A self-contained page (no scripts, no CDN) linking every validation page, newest run first."""
    rows = sorted(results, key=lambda r: (r["time"], r["suite"], r["batch"]), reverse=True)
    lines = [
        "<!doctype html><html><head><meta charset='utf-8'><title>losstally data quality</title><style>",
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:4px 10px;"
        "border-bottom:1px solid #ddd;text-align:left}.fail{color:#b00;font-weight:bold}.ok{color:#070}",
        "</style></head><body><h1>losstally data quality</h1>",
        "<p>Great Expectations validation results of every run, newest first. Each link opens GX's page "
        "for one suite and batch. (GX's own <a href='index.html'>index.html</a> needs internet access "
        "for its scripts.)</p>",
        "<table><tr><th>run time (UTC)</th><th>run</th><th>suite</th><th>batch</th><th>status</th>"
        "<th>expectations</th><th>failed</th></tr>",
    ]
    for r in rows:
        status = "<span class='ok'>passed</span>" if r["success"] else "<span class='fail'>failed</span>"
        lines.append(f"<tr><td>{html.escape(r['time'])}</td><td>{html.escape(r['run'])}</td>"
                     f"<td>{html.escape(r['suite'])}</td><td><a href='{html.escape(r['page'])}'>"
                     f"{html.escape(r['batch'])}</a></td><td>{status}</td><td>{r['evaluated']}</td>"
                     f"<td>{r['failed']}</td></tr>")
    lines.append("</table></body></html>")
    return "\n".join(lines)


def docs_context(docs_dir: Path) -> Any:
    """An ephemeral GX context whose validation results and Data Docs site live under docs_dir."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # no note per ephemeral docs site

    context = gx.get_context(mode="ephemeral")
    context.add_store(RESULTS_STORE, {
        "class_name": "ValidationResultsStore",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(docs_dir / "validation-results")},
    })  # fmt: skip
    context.validation_results_store_name = RESULTS_STORE
    for site in list(context.list_data_docs_sites()):  # the default site writes to a temp folder
        context.delete_data_docs_site(site)
    context.add_data_docs_site(SITE, {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })  # fmt: skip
    for name, build in SUITES.items():
        context.suites.add(gx.ExpectationSuite(name, expectations=build()))
    return context


def result_key(suite_result: Any, run_name: str, run_time: datetime, batch: int) -> Any:
    """The store key of one suite result: suite, run (name and time) and batch number."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    return ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_result.suite_name),
        run_id=RunIdentifier(run_name=run_name, run_time=run_time),
        batch_identifier=f"batch-{batch:04d}",
    )


def built_data_docs(suite_results: list[Any], docs_dir: Path, run_name: str) -> Path:
    """Store a run's suite results (in batch order) and add their pages to the site; returns the index."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = docs_context(docs_dir)
    run_time = datetime.now(timezone.utc)
    batches: Counter[str] = Counter()
    keys = []
    for suite_result in suite_results:
        batches[suite_result.suite_name] += 1
        key = result_key(suite_result, run_name, run_time, batches[suite_result.suite_name])
        context.validation_results_store.set(key, suite_result)
        keys.append(key)
    context.build_data_docs(site_names=[SITE], resource_identifiers=keys)
    index_path(docs_dir).write_text(offline_index_html(stored_results(docs_dir)), "utf-8")
    return index_path(docs_dir)
