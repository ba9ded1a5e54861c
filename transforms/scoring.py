"""Scores of predicted figures against gold figures, as ANNOTATION.md ("Scoring") defines them.

Predictions are matched to gold figures within each file on (value, category), each gold figure at
most once; the same on value alone; and, over matched pairs, the accuracy of party,
claimant_party and qualifier. The lenient variant compares categories by their lenient_group.
"""

from __future__ import annotations

import polars as pl

from transforms import lexicon as lx
from transforms.contract import category_rows

MATCHED_FIELDS = ("party", "claimant_party", "qualifier")


def gold_with_claimant_party(gold: pl.DataFrame) -> pl.DataFrame:
    """Gold figures with claimant_party, derived from the claimant alias table where the gold lacks it."""
    parties = {c: p for c, p, _ in lx.claimant_rows()}
    derived = pl.col("claimant").replace_strict(parties, default=None, return_dtype=pl.String)
    if "claimant_party" not in gold.columns:
        return gold.with_columns(claimant_party=derived)
    return gold.with_columns(claimant_party=pl.col("claimant_party").cast(pl.String))


def _prepared(frame: pl.DataFrame, side: str, lenient: bool) -> pl.DataFrame:
    """One side of the match with a row number per (file, key) occurrence and the match key."""
    groups = {row["category"]: row["lenient_group"] for row in category_rows()}
    columns = {
        "file": pl.col("file").cast(pl.String),
        "value": pl.col("value").cast(pl.Int64),
        "category": pl.col("category").cast(pl.String),
    }
    for name in (*MATCHED_FIELDS, "sentence", "quote", "claimant"):
        columns[name] = pl.col(name).cast(pl.String) if name in frame.columns else pl.lit(None, pl.String)
    out = frame.select(**columns).with_columns(
        match_category=pl.col("category").replace_strict(groups, default=pl.col("category"))
        if lenient
        else pl.col("category"),
    )
    return out.rename({c: f"{c}_{side}" for c in out.columns if c not in ("file", "value", "match_category")})


def matched_pairs(predicted: pl.DataFrame, gold: pl.DataFrame, keys: list[str], lenient: bool = False) -> pl.DataFrame:
    """Pairs of predicted and gold figures matched on keys within a file, each gold at most once.

    Within a file and key, the n-th prediction (in input order) is paired with the n-th gold figure.
    """
    by = ["file", "value", *keys]
    pred = _prepared(predicted, "pred", lenient).with_columns(occurrence=pl.int_range(pl.len()).over(by))
    gold_ = _prepared(gold, "gold", lenient).with_columns(occurrence=pl.int_range(pl.len()).over(by))
    return pred.join(gold_, on=[*by, "occurrence"], how="inner")


def _prf(matches: int, predicted: int, gold: int) -> dict[str, float]:
    """Precision, recall and F1 from counts."""
    precision = matches / predicted if predicted else 0.0
    recall = matches / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "matched": matches, "predicted": predicted, "gold": gold}


def _per_file(predicted: pl.DataFrame, gold: pl.DataFrame, pairs: pl.DataFrame) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 per article file."""
    files = sorted(set(predicted["file"].to_list()) | set(gold["file"].to_list()))
    counts = {
        name: dict(frame.group_by("file").len().iter_rows())
        for name, frame in (("pred", predicted), ("gold", gold), ("pairs", pairs))
    }
    return {f: _prf(counts["pairs"].get(f, 0), counts["pred"].get(f, 0), counts["gold"].get(f, 0)) for f in files}


def _accuracy(pairs: pl.DataFrame) -> dict[str, float | None]:
    """Share of matched pairs whose party, claimant_party and qualifier agree (nulls equal nulls)."""
    if pairs.height == 0:
        return {name: None for name in MATCHED_FIELDS}
    return {
        name: pairs.select(pl.col(f"{name}_pred").eq_missing(pl.col(f"{name}_gold")).mean()).item()
        for name in MATCHED_FIELDS
    }


def score_figures(predicted: pl.DataFrame, gold: pl.DataFrame) -> dict:
    """All scores of ANNOTATION.md for predicted figures against gold figures, with misses and false positives."""
    gold = gold_with_claimant_party(gold)
    pairs = matched_pairs(predicted, gold, ["match_category"])
    value_pairs = matched_pairs(predicted, gold, [])
    lenient_pairs = matched_pairs(predicted, gold, ["match_category"], lenient=True)
    pred_side = _prepared(predicted, "pred", False).with_columns(occurrence=pl.int_range(pl.len()).over("file", "value", "match_category"))
    gold_side = _prepared(gold, "gold", False).with_columns(occurrence=pl.int_range(pl.len()).over("file", "value", "match_category"))
    keys = ["file", "value", "match_category", "occurrence"]
    misses = gold_side.join(pairs.select(keys), on=keys, how="anti")
    false_positives = pred_side.join(pairs.select(keys), on=keys, how="anti")
    pred_n, gold_n = predicted.height, gold.height
    return {
        "value_category": _prf(pairs.height, pred_n, gold_n),
        "value_only": _prf(value_pairs.height, pred_n, gold_n),
        "lenient": _prf(lenient_pairs.height, pred_n, gold_n),
        "accuracy": _accuracy(pairs),
        "per_file": _per_file(predicted, gold, pairs),
        "mismatches": pairs.filter(
            pl.any_horizontal(~pl.col(f"{n}_pred").eq_missing(pl.col(f"{n}_gold")) for n in MATCHED_FIELDS)
        ).select(
            "file", "value", "category_gold", *[f"{n}_{s}" for n in MATCHED_FIELDS for s in ("pred", "gold")],
            "claimant_pred", "claimant_gold", "quote_gold",
        )
        .to_dicts(),
        "misses": misses.select(
            "file", "value", category="category_gold", party="party_gold", claimant="claimant_gold",
            claimant_party="claimant_party_gold", quote="quote_gold",
        ).to_dicts(),
        "false_positives": false_positives.select(
            "file", "value", category="category_pred", party="party_pred", claimant="claimant_pred",
            claimant_party="claimant_party_pred", sentence="sentence_pred",
        ).to_dicts(),
    }
