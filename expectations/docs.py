"""Great Expectations Data Docs: static HTML of the suites' validation results, built offline.

The results of each run are stored as JSON under <docs>/validation-results (a filesystem validation
results store), so the site's index lists every run, not only the last one; the HTML is written
under <docs> by GX's SiteBuilder. Open <docs>/index.html in a browser.
"""

from __future__ import annotations

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
    """Where the Data Docs site's index page is."""
    return docs_dir / "index.html"


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
    return index_path(docs_dir)
