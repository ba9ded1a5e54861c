"""Property tests (hypothesis) on the extractor: any text, no exception; offsets in the text; values ≥ 0; deterministic."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.extract import figures_from_articles

NEWSY = [
    "1,351", "16 000", "2.5 million", "about 300", "at least 40", "more than 1,000", "12", "0", "-5", "1e9",
    "999999999999", "three", "a dozen", "hundreds of", "tens of thousands of", "killed", "wounded",
    "tanks", "armored vehicles", "soldiers", "servicemen", "civilians", "died", "destroyed", "captured",
    "missing", "casualties", "said", "says", "according to", "the Russian Defense Ministry", "Kyiv",
    "Ukraine's General Staff", "Hamas", "the IDF", "\"", "“", "”", "'", ",", ".", ";", ":", "—", "(", ")",
    "\n", "\n\n", " ", "\t", "1,200-1,500", "between 5 and 10", "up to 70", "% ", "per cent", "on March 3",
    "2023", "# ", "- ", "*", "…", "٣", "１２", "\u200b", "\ufffd",
    "Kyiv said 1,200 Russian soldiers were killed.", "The ministry says 12 tanks were destroyed",
    "\"We lost 300 men,\" he said.", "At least 4,500 civilians died, the UN said.",
]


def article_texts() -> st.SearchStrategy[str]:
    """Text mixing random unicode with newsy fragments: numbers with separators, loss words, speakers, quotes."""
    fragment = st.one_of(st.sampled_from(NEWSY), st.text(max_size=12))
    return st.lists(fragment, max_size=40).map(" ".join)


def extractor_input(texts: list[str]) -> pl.DataFrame:
    """An extractor input frame (article_id, file, text) of some texts."""
    return pl.DataFrame({"article_id": [f"a{i}" for i in range(len(texts))],
                         "file": [f"a{i}.txt" for i in range(len(texts))], "text": texts},
                        schema={"article_id": pl.String, "file": pl.String, "text": pl.String})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(article_texts(), min_size=1, max_size=6))
def test_any_text_gives_figures_within_the_text_with_positive_values_deterministically(texts):
    articles = extractor_input(texts)
    figures = figures_from_articles(articles)  # no exception, whatever the text
    text_of = dict(zip(articles["article_id"], articles["text"]))
    for row in figures.iter_rows(named=True):
        text = text_of[row["article_id"]]
        assert 0 <= row["start"] < row["end"] <= len(text), row
        assert text[row["start"]:row["end"]].strip(), row
        assert row["value"] > 0, row
        assert row["value_high"] is None or row["value_high"] >= row["value"], row
    assert figures_from_articles(articles).equals(figures)  # the same input twice: the same frame


def test_a_number_beyond_the_int64_range_gives_no_exception():
    figures = figures_from_articles(extractor_input(["99999999999999999999"]))
    assert figures.height == 0
