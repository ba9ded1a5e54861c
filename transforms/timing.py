"""When a figure was claimed and what period it covers, from its sentence and the article's date.

Pure polars: figures and articles in, the figures' claim_date, claim_date_rule and period out.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from transforms.lexicon import alternation, lexicon_yaml

TIMING_SCHEMA = {"figure_id": pl.String, "claim_date": pl.Date, "claim_date_rule": pl.String,
                 "period": pl.String}


@cache
def time_lexicon() -> dict:
    """The time vocabulary of transforms/lexicon/time.yaml."""
    return lexicon_yaml("time.yaml")


def _words(phrases) -> str:
    """A case-insensitive, word-bounded alternation of phrases."""
    return r"(?i)\b" + alternation(phrases) + r"\b"


def relative_day_offset(sentence: pl.Expr) -> pl.Expr:
    """Days between the article's date and a relative day named in the sentence ("yesterday" = -1)."""
    days = time_lexicon()["relative_days"]
    found = sentence.str.extract(f"({_words(days)})", 1).str.to_lowercase()
    return found.replace_strict({k.lower(): v for k, v in days.items()}, default=None, return_dtype=pl.Int32)


def weekday_number(sentence: pl.Expr) -> pl.Expr:
    """ISO number (Monday = 1) of a weekday named with "on" in the sentence ("on Friday")."""
    weekdays = time_lexicon()["weekdays"]
    found = sentence.str.extract(r"(?i)\bon\s+(" + "|".join(weekdays) + r")\b", 1).str.to_lowercase()
    return found.replace_strict({d: n for n, d in enumerate(weekdays, start=1)}, default=None,
                                return_dtype=pl.Int32)


def _month_number(name: pl.Expr) -> pl.Expr:
    """The month number of a month name or abbreviation."""
    months = time_lexicon()["months"]
    return name.str.to_lowercase().str.strip_chars(".").replace_strict(months, default=None, return_dtype=pl.Int32)


def stated_day_month(sentence: pl.Expr) -> pl.Expr:
    """Day, month and optional year written in the sentence ("on 2 March", "March 2, 2022") as a struct."""
    months = "|".join(sorted(time_lexicon()["months"], key=len, reverse=True))
    day_first = sentence.str.extract_groups(
        rf"(?i)\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{months})\.?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b")
    month_first = sentence.str.extract_groups(
        rf"(?i)\b(?P<month>{months})\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d))?")
    day = pl.coalesce(day_first.struct["day"], month_first.struct["day"]).cast(pl.Int32, strict=False)
    month = _month_number(pl.coalesce(day_first.struct["month"], month_first.struct["month"]))
    year = pl.coalesce(day_first.struct["year"], month_first.struct["year"]).cast(pl.Int32, strict=False)
    return pl.struct(day=day, month=month, year=year)


def period_of(sentence: pl.Expr) -> pl.Expr:
    """The period a sentence states (day, week, month, cumulative, event): the first listed period that matches."""
    periods = time_lexicon()["periods"]
    expr = pl.lit(None, pl.String)
    for name in reversed(list(periods)):
        expr = pl.when(sentence.str.contains(_words(periods[name]))).then(pl.lit(name)).otherwise(expr)
    return expr


def stated_date(published: pl.Expr, parts: pl.Expr) -> pl.Expr:
    """A written day and month as a date, in the article's year (the year before when that is in the future)."""
    year = pl.coalesce(parts.struct["year"], published.dt.year())
    candidate = pl.date(year, parts.struct["month"], parts.struct["day"])
    in_future = parts.struct["year"].is_null() & (candidate > published + pl.duration(days=2))
    return pl.when(in_future).then(pl.date(year - 1, parts.struct["month"], parts.struct["day"])).otherwise(candidate)


def figure_timing(figures: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    """claim_date (with the rule that decided it) and period of each figure; increments get period "increment"."""
    rule = pl.col("qualifier_rule") if "qualifier_rule" in figures.columns else pl.lit(None, pl.String)
    frame = figures.select("figure_id", "article_id", "sentence", increment=rule == "increment").join(
        articles.select("article_id", "published_at"), on="article_id", how="left")
    sentence = pl.col("sentence").fill_null("")
    published = pl.col("published_at")
    valid_day = (pl.col("_parts").struct["day"].is_between(1, 31)) & pl.col("_parts").struct["month"].is_not_null()
    return (
        frame.with_columns(_offset=relative_day_offset(sentence), _weekday=weekday_number(sentence),
                           _parts=stated_day_month(sentence))
        .with_columns(
            _stated=pl.when(valid_day & published.is_not_null())
            .then(stated_date(published, pl.col("_parts"))).otherwise(None),
        )
        .with_columns(
            claim_date=pl.when(published.is_null()).then(None)
            .when(pl.col("_stated").is_not_null()).then(pl.col("_stated"))
            .when(pl.col("_offset").is_not_null()).then(published + pl.duration(days=pl.col("_offset")))
            .when(pl.col("_weekday").is_not_null())
            .then(published - pl.duration(days=(published.dt.weekday() - pl.col("_weekday")) % 7))
            .otherwise(published),
            claim_date_rule=pl.when(published.is_null()).then(pl.lit("no_published_date"))
            .when(pl.col("_stated").is_not_null()).then(pl.lit("stated_date"))
            .when(pl.col("_offset").is_not_null()).then(pl.lit("relative_day"))
            .when(pl.col("_weekday").is_not_null()).then(pl.lit("weekday"))
            .otherwise(pl.lit("published_date")),
            # "17,700 (+200)": the bracketed figure is the change since the previous report
            period=pl.when(pl.col("increment")).then(pl.lit("increment")).otherwise(period_of(sentence)),
        )
        .select(list(TIMING_SCHEMA))
        .cast(TIMING_SCHEMA)
    )
