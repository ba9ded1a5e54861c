"""What a run tells its user: the check results per check and the run summary in Markdown."""

from __future__ import annotations

import polars as pl


def markdown_table(rows: list[dict]) -> str:
    """A list of dicts as a Markdown table."""
    if not rows:
        return "_none_\n"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if r[c] is None else str(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def run_markdown(summary: dict) -> str:
    """The run summary artifact: counts, checks and the top claims."""
    failed = [d for d in summary["dq"] if not d["success"]]
    return "\n".join([
        f"# losstally ingest: {summary.get('flow_run_name') or summary['run_id']}",
        "",
        f"- raw folder: `{summary['raw_dir']}`",
        f"- files seen: {summary['files_seen']} (loaded {summary['files_loaded']}, "
        f"skipped {summary['files_skipped']}, quarantined {summary['files_quarantined']})",
        f"- articles loaded: {summary['articles_loaded']}",
        f"- figures loaded: {summary['figures_loaded']}, quarantined: {summary['figures_quarantined']}",
        f"- checks passed: {summary['checks_passed']}, failed: {summary['checks_failed']}",
        "",
        "## Failed checks",
        markdown_table([{k: d[k] for k in ("suite", "check", "severity", "unexpected_count", "sample")}
                        for d in failed]),
        "## Top claims",
        markdown_table(summary["top_claims"]),
    ])


def console_summary(summary: dict) -> str:
    """The run summary as plain text for the terminal."""
    new = summary["articles_loaded"] > 0 or summary["files_quarantined"] > 0
    lines = [
        "",
        f"losstally ingest {summary.get('flow_run_name') or ''} ({summary['run_id']})",
        f"  files:    {summary['files_seen']} seen, {summary['files_loaded']} read, "
        f"{summary['files_skipped']} skipped, {summary['files_quarantined']} failed",
        f"  articles: {summary['articles_loaded']} loaded",
        f"  figures:  {summary['figures_loaded']} loaded, {summary['figures_quarantined']} quarantined",
        f"  checks:   {summary['checks_passed']} passed, {summary['checks_failed']} failed",
        f"  claims:   {summary.get('claims', 0)} in the ledger",
        f"  warehouse: {summary.get('published', '')}",
    ]
    if not new:
        lines.append("  nothing new to load: every file is unchanged since it was loaded")
    for d in summary["dq"]:
        if not d["success"]:
            lines.append(f"  check failed: {d['suite']}.{d['check']} ({d['severity']}): "
                         f"{d['unexpected_count']} rows, e.g. {d['sample']}")
    if summary["top_claims"]:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=40, tbl_hide_dataframe_shape=True,
                       tbl_hide_column_data_types=True):
            lines += ["", "Top claims (largest claim per claimant, party and category):",
                      str(pl.DataFrame(summary["top_claims"]))]
    return "\n".join(lines)
