"""The data-quality step on tiny frames: good rows pass, each bad row is quarantined by its own check."""

from __future__ import annotations

import polars as pl
import pytest

from expectations.suites import CRITICAL, WARNING
from expectations.validate import ISSUE_SCHEMA, RESULT_SCHEMA, validate_articles, validate_figures
from transforms.contract import ARTICLE_SCHEMA, FIGURE_SCHEMA

TEXT = "Russia lost 15 tanks and at least 300 soldiers, Kyiv said."  # 58 characters


def article_frame(*rows: dict) -> pl.DataFrame:
    """Articles with the contract's columns."""
    return pl.DataFrame(list(rows), schema=ARTICLE_SCHEMA)


def article(article_id: str = "a1", **changes) -> dict:
    """A valid article row, with changes."""
    return {"article_id": article_id, "file": f"{article_id}.txt", "text": TEXT} | changes


def figure(figure_id: str | None, **changes) -> dict:
    """A valid figure row of article a1 ("15 tanks"), with changes."""
    row = {
        "figure_id": figure_id, "article_id": "a1", "file": "a1.txt", "value": 15, "value_high": None,
        "qualifier": "exact", "qualifier_rule": "default", "category": "tanks", "party": "russia",
        "claimant": "ukraine_gov", "claimant_party": "ukraine", "start": 12, "end": 14, "sentence": TEXT,
    }  # fmt: skip
    return row | changes


def figure_frame(*rows: dict) -> pl.DataFrame:
    """Figures with the contract's columns."""
    return pl.DataFrame(list(rows), schema=FIGURE_SCHEMA)


ARTICLES = article_frame(article("a1"), article("a2"))

GOOD = figure_frame(
    figure("good_1"),
    figure("good_2", value=300, qualifier="at_least", category="killed", start=34, end=37),
    figure("good_range", value=10, value_high=15, start=12, end=14),
    figure("good_equal_range", value=15, value_high=15, article_id="a2", start=0, end=len(TEXT)),
)

# Each crafted row breaks one thing; the checks it must be quarantined by.
BAD_ROWS: list[tuple[dict, set[str]]] = [
    (figure(None), {"figure_id_not_null"}),
    (figure("no_article_id", article_id=None), {"article_id_not_null", "article_known"}),
    (figure("unknown_article", article_id="a9"), {"article_known"}),
    (figure("value_null", value=None), {"value_not_null"}),
    (figure("value_zero", value=0), {"value_positive"}),
    (figure("range_reversed", value=15, value_high=10), {"value_high_at_least_value"}),
    (figure("qualifier_null", qualifier=None), {"qualifier_not_null"}),
    (figure("qualifier_bad", qualifier="roughly"), {"qualifier_in_vocabulary"}),
    (figure("category_null", category=None), {"category_not_null"}),
    (figure("category_bad", category="tank"), {"category_in_vocabulary"}),
    (figure("claimant_null", claimant=None), {"claimant_not_null"}),
    (figure("start_null", start=None), {"start_not_null"}),
    (figure("end_null", end=None), {"end_not_null"}),
    (figure("start_negative", start=-1), {"start_not_negative"}),
    (figure("end_before_start", start=14, end=12), {"end_after_start"}),
    (figure("empty_span", start=12, end=12), {"end_after_start"}),
    (figure("end_outside_text", start=len(TEXT) - 1, end=len(TEXT) + 1), {"end_inside_text"}),
    (figure("dup"), {"figure_id_unique"}),
    (figure("dup", start=34, end=37), {"figure_id_unique"}),
]

BAD = figure_frame(figure("good_1"), figure("good_no_party", party=None), *(row for row, _ in BAD_ROWS))


@pytest.fixture(scope="module")
def good():
    """The figures suite's verdict on the good frame."""
    return validate_figures(GOOD, ARTICLES)


@pytest.fixture(scope="module")
def bad():
    """The figures suite's verdict on the bad frame."""
    return validate_figures(BAD, ARTICLES)


def checks_by_figure(issues: pl.DataFrame) -> dict[tuple[str | None, str | None], set[str]]:
    """The failed checks of each (figure_id, article_id)."""
    grouped: dict[tuple[str | None, str | None], set[str]] = {}
    for row in issues.iter_rows(named=True):
        grouped.setdefault((row["figure_id"], row["article_id"]), set()).add(row["check"])
    return grouped


def test_good_figures_all_pass(good):
    assert good.success
    assert good.passed.equals(GOOD)
    assert good.quarantined.is_empty() and good.flagged.is_empty()
    assert good.results["success"].all()
    assert good.results["unexpected_count"].sum() == 0


def test_each_bad_row_is_quarantined_by_its_check(bad):
    expected: dict[tuple[str | None, str | None], set[str]] = {}
    for row, checks in BAD_ROWS:
        expected.setdefault((row["figure_id"], row["article_id"]), set()).update(checks)
    assert checks_by_figure(bad.quarantined) == expected
    assert set(bad.quarantined["severity"]) == {CRITICAL}


def test_bad_rows_cover_every_critical_check(bad):
    critical = bad.results.filter(pl.col("severity") == CRITICAL)
    assert set(critical["check"]) == set().union(*(checks for _, checks in BAD_ROWS))
    assert not critical["success"].any()


def test_good_rows_of_a_bad_frame_pass(bad):
    assert bad.passed["figure_id"].to_list() == ["good_1", "good_no_party"]
    assert bad.passed.schema == pl.Schema(FIGURE_SCHEMA)


def test_warning_flags_without_quarantine(bad):
    assert checks_by_figure(bad.flagged) == {("good_no_party", "a1"): {"party_not_null"}}
    assert set(bad.flagged["severity"]) == {WARNING}
    assert "good_no_party" in bad.passed["figure_id"]


def test_every_copy_of_a_duplicate_id_is_quarantined(bad):
    duplicates = bad.quarantined.filter(pl.col("check") == "figure_id_unique")
    assert duplicates["figure_id"].to_list() == ["dup", "dup"]
    assert duplicates["reason"].str.contains("appears 2 times; every copy is quarantined").all()


def test_reasons_and_offending_values_name_the_numbers(bad):
    reversed_range = bad.quarantined.filter(pl.col("figure_id") == "range_reversed").row(0, named=True)
    assert reversed_range["reason"] == "value_high 10 < value 15"
    assert reversed_range["offending"] == "value_high=10, value=15"
    outside = bad.quarantined.filter(pl.col("figure_id") == "end_outside_text").row(0, named=True)
    assert outside["reason"] == f"end {len(TEXT) + 1} > text_length {len(TEXT)}"


def test_results_have_one_row_per_check(bad):
    assert bad.results.schema == pl.Schema(RESULT_SCHEMA)
    assert bad.results["check"].is_unique().all()
    counts = bad.quarantined.vstack(bad.flagged).group_by("check").len()
    expected = dict(counts.iter_rows())
    assert dict(bad.results.select("check", "unexpected_count").iter_rows()) == {
        check: expected.get(check, 0) for check in bad.results["check"]
    }
    sample = bad.results.filter(pl.col("check") == "category_in_vocabulary")["sample"].item()
    assert sample == "category=tank"


def test_empty_frame_passes_with_zero_counts():
    verdict = validate_figures(figure_frame(), ARTICLES)
    assert verdict.passed.is_empty() and verdict.passed.schema == pl.Schema(FIGURE_SCHEMA)
    assert verdict.quarantined.schema == pl.Schema(ISSUE_SCHEMA)
    assert verdict.results.height == validate_figures(GOOD, ARTICLES).results.height
    assert verdict.results["success"].all()
    assert verdict.results["unexpected_count"].sum() == 0


def test_frame_where_every_row_fails():
    figures = figure_frame(figure("x", value=-1), figure("y", value=-2, party=None))
    verdict = validate_figures(figures, ARTICLES)
    assert verdict.passed.is_empty()
    assert verdict.quarantined["figure_id"].to_list() == ["x", "y"]
    assert verdict.flagged["figure_id"].to_list() == ["y"]


def test_validation_prints_no_progress_bars(capfd):
    validate_figures(GOOD, ARTICLES)
    captured = capfd.readouterr()
    assert "Calculating Metrics" not in captured.err + captured.out


def test_articles_suite():
    articles = article_frame(
        article("a1"),
        article("a2", file=None),
        article("a3", text=""),
        article("a3"),
        article("a4", text=None),
    )
    verdict = validate_articles(articles)
    assert verdict.passed["article_id"].to_list() == ["a1", "a2"]
    assert checks_by_figure(verdict.quarantined) == {
        (None, "a3"): {"text_not_empty", "article_id_unique"},
        (None, "a4"): {"text_not_null"},
    }
    assert checks_by_figure(verdict.flagged) == {(None, "a2"): {"file_not_null"}}
