"""The `losstally` command line: run, extract, evaluate and sql."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flows.settings import quiet_environment, settings

CONTRACT_FIELDS = ("file", "value", "value_high", "qualifier", "category", "party", "claimant",
                   "claimant_party", "start", "end", "sentence")

DESCRIPTION = """losstally turns news articles about war losses into a DuckDB ledger of claims:
who says that whose side lost how many of what, when, and in which sentence."""


def article_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(path, name) of every article file under the given files and folders; names are relative to a folder."""
    from flows.articles import article_format
    from flows.files import raw_files

    found = []
    for path in paths:
        if path.is_dir():
            found += [(p, p.relative_to(path).as_posix()) for p in raw_files(path) if article_format(p)]
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise SystemExit(f"losstally: {path}: no such file or folder")
    return found


def articles_of(paths: list[Path]):
    """The articles in the given files and folders as an extractor input frame; unreadable files are reported."""
    import polars as pl

    from flows.articles import UnreadableArticle, article_format, article_row, articles_from_file

    rows = []
    for path, name in article_files(paths):
        try:
            found, problems = articles_from_file(path.read_bytes(), name, article_format(path))
        except UnreadableArticle as exc:
            print(f"losstally: skipped {path}: {exc}", file=sys.stderr)
            continue
        for item, why in problems:
            print(f"losstally: skipped {item}: {why}", file=sys.stderr)
        rows += [article_row(a, name) for a in found]
    return pl.DataFrame(rows, schema={"article_id": pl.String, "file": pl.String, "text": pl.String},
                        strict=False) if rows else pl.DataFrame(schema={"article_id": pl.String,
                                                                        "file": pl.String, "text": pl.String})


def print_frame(frame, max_width: int = 60) -> None:
    """Print a frame as a full table, every row."""
    import polars as pl

    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=max_width, tbl_width_chars=250,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(frame)
    print(f"({frame.height} rows)")


def command_extract(args: argparse.Namespace) -> int:
    """Print every figure found in the given files or folders."""
    from transforms.extract import figures_from_articles

    articles = articles_of(args.paths)
    figures = figures_from_articles(articles.select("article_id", "file", "text")).select(CONTRACT_FIELDS)
    if args.format == "jsonl":
        for row in figures.iter_rows(named=True):
            print(json.dumps(row, ensure_ascii=False))
    else:
        print_frame(figures.drop("start", "end"), max_width=args.width)
    return 0


def command_sql(args: argparse.Namespace) -> int:
    """Run one query on a read-only connection and print the result."""
    import duckdb

    from warehouse.read_only import NotReadOnly, read_only_result

    try:
        result = read_only_result(Path(args.db), args.query)
    except FileNotFoundError as exc:
        print(f"losstally sql: {exc}", file=sys.stderr)
        return 2
    except NotReadOnly as exc:
        print(exc, file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(f"losstally sql: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print_frame(result, max_width=args.width)
    return 0


def wait_for_recorded_task_runs(flow_run_id, timeout: float = 30.0) -> None:
    """Wait until the Prefect API has recorded the final state of every task run of a flow run.

    Task-run states reach the API as events, which the API's task-run recorder writes to its database
    shortly after. When the run uses Prefect's temporary local API, that API stops as soon as this
    process exits; events still being written then are cancelled mid-write and logged as errors
    ("Error flushing ... events", CancelledError). Waiting here lets the recorder finish first.
    """
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=timeout)
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200)
            if all(tr.state is not None and tr.state.is_final() for tr in task_runs):
                return
            time.sleep(0.2)


def command_run(args: argparse.Namespace) -> int:
    """Run the ingest flow and print its summary."""
    from flows.ingest import ingest
    from flows.report import console_summary

    if not args.raw_dir.is_dir():
        print(f"losstally run: raw folder {args.raw_dir} does not exist or is not a folder", file=sys.stderr)
        return 2
    from prefect import tags

    from flows.progress import console_progress

    with tags("losstally", "ingest", "cli"), console_progress():
        state = ingest(raw_dir=str(args.raw_dir), db=str(args.db), task_runner=args.task_runner, return_state=True)
    return finished_flow(state, "ingest", console_summary)


def command_serve(args: argparse.Namespace) -> int:
    """Start the Prefect server with the UI, deploy prefect.yaml, and run a worker until Ctrl-C."""
    from flows.serve import served

    return served(args.port)


def finished_flow(state, name: str, summary_text) -> int:
    """Wait for the API to record a finished flow run, print its summary, and return the exit code."""
    wait_for_recorded_task_runs(state.state_details.flow_run_id)
    if not state.is_completed():
        print(f"losstally: the {name} flow ended {state.name}: {state.message}", file=sys.stderr)
        return 1
    print(summary_text(state.result()))
    return 0


def command_reprocess(args: argparse.Namespace) -> int:
    """Re-extract the stored articles with the current extractor and publish."""
    from flows.reprocess import reprocess
    from flows.report import console_summary

    return finished_flow(reprocess(db=str(args.db), everything=args.all, return_state=True), "reprocess",
                         console_summary)


def command_export(args: argparse.Namespace) -> int:
    """Write every view of the warehouse to a folder as Parquet or CSV."""
    import duckdb

    from warehouse.load import exported_views

    try:
        written = exported_views(Path(args.db), args.dir, args.format)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"losstally export: {exc}", file=sys.stderr)
        return 1
    for view, path, rows in written:
        print(f"{view:<18} {rows:>8} rows  {path}")
    return 0


def command_dq(args: argparse.Namespace) -> int:
    """Print a run's data-quality results, the staleness per claimant and where the Data Docs are."""
    from expectations.consistency import claimant_staleness, latest_results
    from expectations.docs import index_path
    from warehouse.load import connect

    try:
        con = connect(Path(args.db), read_only=True)
    except FileNotFoundError as exc:
        print(f"losstally dq: {exc}", file=sys.stderr)
        return 2
    try:
        results, staleness = latest_results(con, args.run), claimant_staleness(con)
    finally:
        con.close()
    if results.is_empty():
        print(f"losstally dq: no results{' for run ' + args.run if args.run else ''} in {args.db}", file=sys.stderr)
        return 1
    print(f"Data-quality results of run {results['run_id'][0]} ({results['checked_at'][0]:%Y-%m-%d %H:%M:%S} UTC):")
    print_frame(results.drop("run_id", "checked_at"), max_width=args.width)
    print("\nStaleness per claimant (days since its last claim):")
    print_frame(staleness, max_width=args.width)
    docs = index_path(settings().dq_docs_dir(Path(args.db)))
    print(f"\nGX Data Docs: {docs.as_uri() if docs.exists() else 'not built yet'}")
    return 0


def command_evaluate(args: argparse.Namespace) -> int:
    """Score the extractor against gold figures."""
    from flows.evaluate import evaluation, evaluation_text

    report = evaluation(args.gold, args.articles)
    print(json.dumps(report, indent=2, default=str) if args.format == "json" else evaluation_text(report))
    return 0


def with_db_option(command: argparse.ArgumentParser, default: Path) -> argparse.ArgumentParser:
    """Add the --db option (the published warehouse file) to a subcommand."""
    command.add_argument("--db", type=Path, default=default,
                         help="DuckDB warehouse file [env LOSSTALLY_DB, default %(default)s]")
    return command


def with_width_option(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the --width option (longest text in a table cell) to a subcommand."""
    command.add_argument("--width", type=int, default=60, help="longest text shown in a table cell")
    return command


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    config = settings()
    top = argparse.ArgumentParser(prog="losstally", description=DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="ingest a folder of articles into the warehouse (Prefect flow)",
                         description="Run the ingest flow: discover the article files under RAW_DIR, read them, "
                         "extract the loss figures, check them with Great Expectations and load them into the "
                         "DuckDB warehouse. Files already loaded (same sha256) are skipped; a changed file "
                         "replaces its earlier figures. Prints a summary at the end.")
    run.add_argument("--raw-dir", type=Path, default=config.raw_dir,
                     help="folder of article files (.txt .md .html .json .jsonl), read recursively "
                     "[env LOSSTALLY_RAW_DIR, default %(default)s]")
    with_db_option(run, config.db_path)
    run.add_argument("--task-runner", choices=("threads", "dask"), default="threads",
                     help="where the extract step's shards run: threads here, or a Dask cluster "
                     "(LOSSTALLY_DASK_ADDRESS, else a local cluster) [default %(default)s]")
    run.set_defaults(handler=command_run)

    serve = sub.add_parser("serve", help="run the Prefect server, UI, deployments and a worker (Ctrl-C stops)",
                           description="Start `prefect server start` on 127.0.0.1:PORT with SQLite in .prefect/, "
                           "create the `process` work pool, deploy the flows of prefect.yaml (ingest every 15 "
                           "minutes, reprocess on demand, dq-report daily) and start a worker. Open "
                           "http://127.0.0.1:PORT for the UI. Ctrl-C stops the worker and the server.")
    serve.add_argument("--port", type=int, default=4200, help="port of the API and UI [default %(default)s]")
    serve.set_defaults(handler=command_serve)

    extract = sub.add_parser("extract", help="print the figures found in files or folders (no database)",
                             description="Extract loss figures from article files and print them. Needs no "
                             "database and no Prefect. jsonl prints one object per figure with the fields of "
                             "the figure contract.")
    extract.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="article files or folders")
    extract.add_argument("--format", choices=("jsonl", "table"), default="table", help="output format")
    with_width_option(extract)
    extract.set_defaults(handler=command_extract)

    evaluate = sub.add_parser("evaluate", help="score the extractor against gold figures",
                              description="Run the extractor over ARTICLES and score it against GOLD "
                              "(one JSON object per gold figure): precision, recall and F1 on (value, category) "
                              "and on value alone, per article and overall; accuracy of party, claimant_party "
                              "and qualifier over matched figures; every miss and false positive.")
    evaluate.add_argument("--gold", type=Path, required=True, help="gold figures, .jsonl")
    evaluate.add_argument("--articles", type=Path, required=True, help="folder of the articles the gold is for")
    evaluate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    evaluate.set_defaults(handler=command_evaluate)

    sql = sub.add_parser("sql", help="run a read-only SQL query on the warehouse",
                         description="Open the warehouse read-only and print the result of QUERY as a table. "
                         "Only SELECT and EXPLAIN run. Views: v_figure, v_claim, v_latest_claim, v_claims_matrix, "
                         "v_series. Tables: article, figure, claim, figure_history, article_history, "
                         "figure_quarantine, figure_flag, ingest_log, dq_result, run, category, party, claimant.")
    sql.add_argument("query", help='SQL, e.g. "select category, sum(value) from v_figure group by 1"')
    with_db_option(sql, config.db_path)
    with_width_option(sql)
    sql.set_defaults(handler=command_sql)

    reprocess = sub.add_parser("reprocess", help="re-extract the stored articles with the current extractor",
                               description="Run the reprocess flow: re-extract the articles stored in the "
                               "warehouse whose extractor version is not the current one (or all with --all), "
                               "check and load the new figures, rebuild the claims and publish. The landing "
                               "folder is not needed: the warehouse keeps every article's text. Superseded "
                               "figures move to figure_history.")
    with_db_option(reprocess, config.db_path)
    reprocess.add_argument("--all", action="store_true", help="re-extract every stored article")
    reprocess.set_defaults(handler=command_reprocess)

    export = sub.add_parser("export", help="write the warehouse views to a folder as Parquet or CSV",
                            description="Write each view (v_figure, v_claim, v_latest_claim, v_claims_matrix, "
                            "v_series) of the warehouse to DIR as <view>.parquet or <view>.csv. Reads the "
                            "warehouse read-only.")
    export.add_argument("dir", type=Path, metavar="DIR", help="folder to write to (created if missing)")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format")
    with_db_option(export, config.db_path)
    export.set_defaults(handler=command_export)

    dq = sub.add_parser("dq", help="print the latest data-quality results (one row per check)",
                        description="Open the warehouse read-only and print the dq_result rows of the latest run "
                        "(or of --run): for every check of the GX suites (articles, figures, claims) and the "
                        "cross-figure consistency checks, its severity, success, rows checked, failing count "
                        "and a sample of failing values. Then the staleness per claimant and where the GX Data "
                        "Docs are. Failing figures are in figure_quarantine (critical) and figure_flag (warning).")
    with_db_option(dq, config.db_path)
    dq.add_argument("--run", metavar="RUN_ID", help="a run id from the run table (default: the latest run)")
    with_width_option(dq)
    dq.set_defaults(handler=command_dq)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `losstally` console script."""
    quiet_environment()
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
