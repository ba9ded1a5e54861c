"""`losstally evaluate`: read gold figures and articles, run the extractor, score it (transforms/scoring)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

GOLD_SCHEMA = {"file": pl.String, "value": pl.Int64, "value_high": pl.Int64, "category": pl.String,
               "party": pl.String, "claimant": pl.String, "claimant_party": pl.String,
               "qualifier": pl.String, "quote": pl.String}


def gold_figures(path: Path) -> pl.DataFrame:
    """Gold figures from a .jsonl file, one object per figure."""
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"losstally evaluate: {path}:{number}: not valid JSON: {exc.msg}") from exc
    return pl.DataFrame(rows, schema=GOLD_SCHEMA, strict=False)


def evaluation(gold_path: Path, articles_dir: Path) -> dict:
    """The scores of the extractor on the articles of a gold file."""
    from flows.cli import articles_of
    from transforms.extract import figures_from_articles
    from transforms.scoring import score_figures

    gold = gold_figures(gold_path)
    articles = articles_of([articles_dir])
    predicted = figures_from_articles(articles.select("article_id", "file", "text"))
    return score_figures(predicted, gold)


SENTENCE_CHARS = 140  # characters of a sentence shown per miss or false positive


def _short(text: str | None, width: int = SENTENCE_CHARS) -> str:
    """One line of text, cut to width with an ellipsis."""
    line = " ".join((text or "").split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _score_row(label: str, scores: dict) -> str:
    """One line of precision, recall and F1 with the counts behind them."""
    return (
        f"  {label:<20} {scores['precision']:>6.3f} {scores['recall']:>6.3f} {scores['f1']:>6.3f}"
        f"   {scores['matched']:>5} of {scores['gold']} gold, {scores['predicted']} predicted"
    )


def _headline_lines(report: dict) -> list[str]:
    """The five headline metrics of ANNOTATION.md, and the lenient variant."""
    accuracy = report["accuracy"]
    matched = report["value_category"]["matched"]

    def share(name: str) -> str:
        return "-" if accuracy[name] is None else f"{accuracy[name]:.3f}"

    return [
        "Scores",
        f"  {'':<20} {'P':>6} {'R':>6} {'F1':>6}",
        _score_row("(value, category)", report["value_category"]),
        _score_row("value only", report["value_only"]),
        _score_row("lenient categories", report["lenient"]),
        f"  over {matched} matched figures: party {share('party')}, "
        f"claimant_party {share('claimant_party')}, qualifier {share('qualifier')}",
    ]


def _per_article_lines(per_file: dict) -> list[str]:
    """A table of gold, predicted and matched figures per article, with P, R and F1."""
    width = max([len("file"), *map(len, per_file)])
    lines = ["Per article", f"  {'file':<{width}} {'gold':>5} {'pred':>5} {'match':>5} {'P':>6} {'R':>6} {'F1':>6}"]
    for file, s in per_file.items():
        lines.append(
            f"  {file:<{width}} {s['gold']:>5} {s['predicted']:>5} {s['matched']:>5}"
            f" {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}"
        )
    return lines


def _figure_line(item: dict, text_key: str) -> str:
    """One miss or false positive: file, value, category, party/claimant and its sentence."""
    who = f"{item.get('party')}/{item.get('claimant')}"
    return f"  {item['file']}  {item['value']}  {item['category']}  {who}  | {_short(item.get(text_key))}"


def _mismatch_line(item: dict) -> str:
    """One matched figure whose party, claimant_party or qualifier differs: predicted -> gold."""
    fields = ("party", "claimant_party", "qualifier")
    wrong = [f"{n} {item[f'{n}_pred']}≠{item[f'{n}_gold']}" for n in fields if item[f"{n}_pred"] != item[f"{n}_gold"]]
    return f"  {item['file']}  {item['value']}  {item['category_gold']}  {', '.join(wrong)}  | {_short(item.get('quote_gold'))}"


def evaluation_text(report: dict) -> str:
    """A scoring report for people: the headline scores, per-article scores, misses and false positives."""
    lines = _headline_lines(report) + [""] + _per_article_lines(report["per_file"])
    sections = (
        ("Misses (gold party/claimant, quote)", report["misses"], lambda m: _figure_line(m, "quote")),
        ("False positives (predicted party/claimant, sentence)", report["false_positives"],
         lambda f: _figure_line(f, "sentence")),
        ("Matched with a different party, claimant_party or qualifier (predicted≠gold)", report["mismatches"],
         _mismatch_line),
    )
    for title, items, line in sections:
        lines += ["", f"{title}: {len(items)}"] + [line(item) for item in items]
    return "\n".join(lines)
