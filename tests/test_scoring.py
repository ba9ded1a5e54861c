"""Scoring of predicted figures against gold figures."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.scoring import score_figures


def frame(rows: list[dict]) -> pl.DataFrame:
    """A figure frame from dicts."""
    return pl.DataFrame(rows, infer_schema_length=None)


GOLD = frame(
    [
        {"file": "a.txt", "value": 40, "category": "tanks", "party": "russia", "claimant": "ukraine_general_staff", "qualifier": "exact", "quote": "40 tanks"},
        {"file": "a.txt", "value": 40, "category": "tanks", "party": "russia", "claimant": "ukraine_general_staff", "qualifier": "exact", "quote": "40 tanks again"},
        {"file": "a.txt", "value": 7, "category": "armored_vehicles", "party": "russia", "claimant": "uk_mod", "qualifier": "approx", "quote": "about 7 APCs"},
        {"file": "b.txt", "value": 100, "category": "killed", "party": "civilians", "claimant": "reporter", "qualifier": "at_least", "quote": "more than 100 killed"},
    ]
)


def predicted(rows: list[tuple]) -> pl.DataFrame:
    """Predictions from (file, value, category, party, claimant_party, qualifier, sentence)."""
    names = ["file", "value", "category", "party", "claimant_party", "qualifier", "sentence"]
    return pl.DataFrame([dict(zip(names, r)) for r in rows], schema={n: (pl.Int64 if n == "value" else pl.String) for n in names})


def test_each_gold_figure_matches_at_most_once_within_its_file():
    pred = predicted(
        [
            ("a.txt", 40, "tanks", "russia", "ukraine", "exact", "s1"),
            ("a.txt", 40, "tanks", "russia", "ukraine", "exact", "s2"),
            ("a.txt", 40, "tanks", "russia", "ukraine", "exact", "s3"),
            ("b.txt", 40, "tanks", "russia", "ukraine", "exact", "s4"),
        ]
    )
    scores = score_figures(pred, GOLD)
    assert scores["value_category"]["matched"] == 2
    assert scores["value_category"]["precision"] == pytest.approx(0.5)
    assert scores["value_category"]["recall"] == pytest.approx(0.5)
    assert {(fp["file"], fp["sentence"]) for fp in scores["false_positives"]} == {("a.txt", "s3"), ("b.txt", "s4")}
    assert {(m["file"], m["value"]) for m in scores["misses"]} == {("a.txt", 7), ("b.txt", 100)}


def test_value_only_and_lenient_variants():
    pred = predicted(
        [
            ("a.txt", 7, "tanks", "russia", None, "approx", "s1"),
            ("b.txt", 100, "wounded", "civilians", None, "at_least", "s2"),
        ]
    )
    scores = score_figures(pred, GOLD)
    assert scores["value_category"]["matched"] == 0
    assert scores["value_only"]["matched"] == 2
    assert scores["lenient"]["matched"] == 1  # tanks ~ armored_vehicles, killed != wounded


def test_accuracy_over_matched_pairs_with_claimant_party_from_the_alias_table():
    pred = predicted(
        [
            ("a.txt", 40, "tanks", "russia", "ukraine", "exact", "s1"),
            ("a.txt", 7, "armored_vehicles", "ukraine", None, "exact", "s2"),
            ("b.txt", 100, "killed", "civilians", None, "at_least", "s3"),
        ]
    )
    scores = score_figures(pred, GOLD)
    assert scores["value_category"]["matched"] == 3
    assert scores["accuracy"]["party"] == pytest.approx(2 / 3)
    assert scores["accuracy"]["claimant_party"] == pytest.approx(1.0)  # uk_mod and reporter speak for no side
    assert scores["accuracy"]["qualifier"] == pytest.approx(2 / 3)
    assert [m["value"] for m in scores["mismatches"]] == [7]
    assert scores["per_file"]["b.txt"]["f1"] == pytest.approx(1.0)
