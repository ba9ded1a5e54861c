"""Claim dates and periods from a figure's sentence and its article's publication date."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.timing import figure_timing

PUBLISHED = date(2022, 3, 25)  # a Friday


def timing_of(sentence: str, published: date | None = PUBLISHED) -> dict:
    figures = pl.DataFrame({"figure_id": ["f"], "article_id": ["a"], "sentence": [sentence]})
    articles = pl.DataFrame({"article_id": ["a"], "published_at": [published]}, schema={"article_id": pl.String,
                                                                                      "published_at": pl.Date})
    return figure_timing(figures, articles).row(0, named=True)


@pytest.mark.parametrize("sentence, claim_date, rule", [
    ("The ministry said 12 soldiers died.", date(2022, 3, 25), "published_date"),
    ("On Friday, the ministry said 1,351 servicemen died.", date(2022, 3, 25), "weekday"),
    ("On Wednesday, the ministry announced 498 servicemen were killed.", date(2022, 3, 23), "weekday"),
    ("Yesterday 12 tanks were destroyed.", date(2022, 3, 24), "relative_day"),
    ("On 2 March, 40 soldiers died.", date(2022, 3, 2), "stated_date"),
    ("On March 2 the army lost 5 tanks.", date(2022, 3, 2), "stated_date"),
    ("On 30 December the army lost 5 tanks.", date(2021, 12, 30), "stated_date"),  # not in the future
    ("On 24 February 2023 the army lost 5 tanks.", date(2023, 2, 24), "stated_date"),
])
def test_claim_date_is_resolved_from_the_text_and_the_published_date(sentence, claim_date, rule):
    timing = timing_of(sentence)
    assert (timing["claim_date"], timing["claim_date_rule"]) == (claim_date, rule)


def test_no_published_date_gives_no_claim_date():
    timing = timing_of("On Friday 12 soldiers died.", published=None)
    assert timing["claim_date"] is None and timing["claim_date_rule"] == "no_published_date"


@pytest.mark.parametrize("sentence, period", [
    ("Russia lost 1,090 soldiers in the past 24 hours.", "day"),
    ("The ministry said 1,120 Ukrainian servicemen were killed over the past week.", "week"),
    ("Around 30,000 casualties over the past month.", "month"),
    ("Since the start of the invasion, 20,000 soldiers have died.", "cumulative"),
    ("In total, 484 tanks were destroyed.", "cumulative"),
    ("Eight soldiers were killed in the attack on the base.", "event"),
    ("The ministry said 498 servicemen were killed.", None),
])
def test_period_is_detected_from_the_sentence(sentence, period):
    assert timing_of(sentence)["period"] == period


def test_an_increment_next_to_a_total_covers_the_time_since_the_previous_report():
    figures = pl.DataFrame({"figure_id": ["total", "plus"], "article_id": ["a", "a"],
                            "sentence": ["personnel – about 17,700 (+200)"] * 2,
                            "qualifier_rule": ["approx_cue", "increment"]})
    articles = pl.DataFrame({"article_id": ["a"], "published_at": [PUBLISHED]})
    periods = dict(figure_timing(figures, articles).select("figure_id", "period").iter_rows())
    assert periods == {"total": None, "plus": "increment"}
