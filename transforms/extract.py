"""Figures from articles: who says that whose side lost how many of what, and in which sentence.

The contract is ../shared/corpus/ANNOTATION.md; input and output schemas are in contract.py.
Everything runs as polars expressions over all articles at once. Vocabularies come from the data
files in transforms/lexicon/ (see lexicon.py); the regular expressions built from them are in
patterns.py. Offsets are character offsets (polars str.slice and str.len_chars count characters).

Positions of regex matches: polars has no "find all with offsets", so matches are found with
`str.extract_all("(?s).*?(?:X)")`. Each piece runs from the end of the previous match to the end of
this one, so the cumulative character length of the pieces is the end offset of each match.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

import polars as pl

from transforms import lexicon as lx
from transforms import patterns as px
from transforms.contract import FIGURE_SCHEMA, empty_figures

EXTRACTOR_VERSION = "1.4.0"

# Articles are numbered in article_id order (an integer key makes windows, joins and sorts cheaper).
SENTENCE_KEY = ["article_no", "sentence_no"]
CONTEXT_CHARS = 400  # characters of sentence kept on each side of a number


# ------------------------------------------------------------------ sentences
def sentences(articles: pl.DataFrame) -> pl.DataFrame:
    """One row per non-blank sentence with its paragraph, character offsets and headline flag."""
    pieces = (
        articles.select(
            "article_id",
            "file",
            article_no=pl.col("article_id").rank("dense").cast(pl.Int64),
            masked=pl.col("text").str.replace_all(engine_pattern(px.ABBREVIATIONS), f"${{1}}{px.DOT}"),
        )
        .with_columns(piece=pl.col("masked").str.extract_all(px.SENTENCE))
        .drop("masked")
        .explode("piece")
        .filter(pl.col("piece").str.len_chars() > 0)
        .with_columns(length=pl.col("piece").str.len_chars().cast(pl.Int64))
        .with_columns(sentence_end=pl.col("length").cum_sum().over("article_no"))
        .with_columns(
            sentence_start=pl.col("sentence_end") - pl.col("length"),
            paragraph_break=pl.col("piece").str.contains("\n"),
        )
        .with_columns(
            paragraph_no=pl.col("paragraph_break").shift(1).fill_null(False).cum_sum().over("article_no"),
            masked=pl.col("piece").str.strip_chars_end(),
        )
        .filter(pl.col("masked").str.strip_chars().str.len_chars() > 0)
    )
    return (
        pieces.with_columns(
            sentence_no=pl.int_range(pl.len()).over("article_no"),
            sentence=pl.col("masked").str.replace_all(px.DOT, ".", literal=True).str.strip_chars(),
            ends_open=~pl.col("masked").str.contains(r"[.!?…][\"”’'\)\]]*$"),
            sentences_in_paragraph=pl.len().over(["article_no", "paragraph_no"]),
        )
        .with_columns(
            # A headline comes before the body: no sentence before it ends with a full stop.
            body_started=(~pl.col("ends_open")).cast(pl.Int32).cum_sum().over("article_no") > 0,
        )
        .with_columns(
            is_headline=pl.col("ends_open")
            & ~pl.col("body_started")
            & (pl.col("sentences_in_paragraph") == 1)
            & (pl.col("masked").str.len_chars() < 200)
            & ~pl.col("masked").str.contains(r"(?i)(?:[,:;]|\band|\bor)\s*$"),
        )
        .select(
            "article_id", "article_no", "file", "sentence_no", "paragraph_no", "sentence_start",
            "masked", "sentence", "ends_open", "is_headline",
        )
    )


def sentence_contexts(sents: pl.DataFrame) -> pl.DataFrame:
    """Per sentence: loss context and backreference, inherited from the sentence before."""
    loss = pl.col("masked").str.contains(engine_pattern(f"(?i)\\b{px.words('loss_words')}\\b"))
    # The rows of an article are consecutive: the row before is the sentence before, if in the same article.
    same_article = (pl.col("article_no") == pl.col("article_no").shift(1)).fill_null(False)
    continues = (
        pl.col("masked").str.contains(f"(?i)^\\W*{px.words('backreference')}\\b")
        | pl.when(same_article).then(pl.col("ends_open").shift(1)).fill_null(False)
        | pl.col("masked").str.contains(r"^\W*[a-z]")
    )
    # A run of sentences that continue each other (a list after a colon, "Among them ..."): a block. A block
    # starts at each new article and at each sentence that does not continue.
    block = (~pl.col("continues") | ~same_article).cum_sum()
    return sents.with_columns(
        has_loss_word=loss,
        continues=continues,
    ).with_columns(
        disaster=pl.col("masked").str.contains(engine_pattern(f"(?i)\\b{px.words('disaster_words')}\\b")).any().over("article_no"),
        # A loss word so far in the block: the last block with a loss word, carried forward, is this one.
        loss_context=(pl.when("has_loss_word").then(block).forward_fill() == block).fill_null(False),
    )


# ------------------------------------------------------------------ numbers
# A word character of English news: ASCII letters, digits and underscore, and the accented Latin letters
# of names ("Erdoğan", "Türkiye"), without × and ÷.
WORD_CHARS = "0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"


def engine_pattern(pattern: str) -> str:
    """The pattern as the regex engine runs it fast, for the text of English news:

    - ASCII word boundaries: Unicode ones keep the engine off its fast DFA (30x slower);
    - `\\w` as WORD_CHARS and `\\d` as 0-9: Unicode's classes (hundreds of ranges) copied into every
      counted repetition ("(?:[\\w\\-]+\\s+){1,4}", ",\\d{3}" in "{0,80}") made the compiled program large, and
      each extract call compiles each pattern again (polars keeps 32 compiled patterns per thread).
    """
    pattern = pattern.replace(r"\b", r"(?-u:\b)").replace(r"\d", "[0-9]")
    return pattern.replace(r"[\w", f"[{WORD_CHARS}").replace(r"\w", f"[{WORD_CHARS}]")


PARTITION = "(?s).*?"  # the text before a match: pieces up to each match end give its offsets


def match_core(pattern: str) -> str:
    """A pattern without its leading "any text before" part (the partition prefix or a `before` group)."""
    return pattern.replace(PARTITION, "(?s)", 1) if pattern.startswith(PARTITION) else pattern.replace("(?P<before>.*?)", "", 1)


def _positions(frame: pl.DataFrame, pattern: str, key: list[str]) -> pl.DataFrame:
    """Each match of pattern in `masked`: its text (`match`) and the offset of its end (`match_end`).

    The partition pieces (text up to each match end) only give the offsets; the match text itself comes
    from a second, capture-free pass of the same pattern, so that groups are later parsed from the short
    match text instead of the long piece (captures over long text leave the fast DFA).
    """
    core = engine_pattern(match_core(pattern))
    # Only rows with a match go through the (slower) partition extraction.
    found = (
        frame.filter(pl.col("masked").str.contains(core))
        .select(
            *key,
            piece=pl.col("masked").str.extract_all(f"{PARTITION}(?:{core})"),
            match=pl.col("masked").str.extract_all(core),
        )
        .with_row_index("text_row")
        .explode("piece", "match")
        .drop_nulls("piece")
    )
    # Cumulative piece lengths within each text: a running sum less its value where the text starts.
    length = pl.col("piece").str.len_chars().cast(pl.Int64)
    running = length.cum_sum()
    text_start = pl.col("text_row") != pl.col("text_row").shift(1).fill_null(-1)
    return found.select(
        *key, "match", match_end=running - pl.when(text_start).then(running - length).forward_fill()
    )


def with_last_match(frame: pl.DataFrame, column: str, core: str, name: str) -> pl.DataFrame:
    """The frame with the last match of core in column and the text before it, as `^(?s:.*)(core)` finds
    them: columns `{name}` and `{name}_before`.

    The matches are found capture-free on the fast DFA; the greedy capture runs only from the start of the
    last of them (a match starting later can only overlap it), not over the whole text.
    """
    core = engine_pattern(core)
    text = pl.col(column)
    end = text.str.extract_all(f"{PARTITION}(?:{core})").list.eval(pl.element().str.len_chars()).list.sum()
    frame = frame.with_columns(_start=end - text.str.extract_all(core).list.last().str.len_chars())
    frame = frame.with_columns(_tail=text.str.slice("_start").str.extract_groups(f"(?s)^(?P<skip>.*)(?P<match>{core})"))
    return frame.with_columns(
        **{f"{name}_before": text.str.slice(0, "_start") + pl.col("_tail").struct.field("skip"),
           name: pl.col("_tail").struct.field("match")}
    ).drop("_start", "_tail")


@cache
def _word_number_values() -> dict[str, int]:
    """Number words to values, from numbers.yaml."""
    words = lx.number_words()
    table = {**words["units"], **words["tens"]}
    return {k.lower(): int(v) for k, v in table.items()}


def word_number_value(text: str) -> int | None:
    """The value of a number written in words ("twenty-three", "a quarter of a million", "seven thousand")."""
    words = lx.number_words()
    key = lx.normalized(text)
    phrases = {lx.normalized(k): int(v) for k, v in words["phrases"].items()}
    if key in phrases:
        return phrases[key]
    values = _word_number_values()
    magnitudes = {k: int(v) for k, v in words["magnitudes"].items()}
    total, current = 0, 0
    for word in re.split(r"[\s\-]+", key):
        if word in values:
            current += values[word]
        elif word in magnitudes and word not in ("k", "m"):
            current = max(current, 1) * magnitudes[word]
            if magnitudes[word] >= 1000:
                total, current = total + current, 0
        elif word != "and":
            return None
    return total + current or None


def atom_values(atom: pl.Expr, distinct_word_values: pl.DataFrame) -> pl.Expr:
    """The integer value of a number atom: digits and separators times a magnitude, or a word number."""
    digits = atom.str.extract(r"^([\d.,\u2009\u00a0\u202f ]*\d)", 1)
    magnitude = atom.str.extract(r"(?i)(hundred|thousand|million|billion|mln|bn|k|m)$", 1).str.to_lowercase()
    multiplier = magnitude.replace_strict(
        {k: float(v) for k, v in lx.number_words()["magnitudes"].items()}, default=1.0, return_dtype=pl.Float64
    )
    grouped = digits.str.contains(r"^\d{1,3}(?:[.,\u2009\u00a0\u202f ]\d{3})+$")
    as_count = digits.str.replace_all(r"[^\d]", "").cast(pl.Float64, strict=False)
    as_decimal = digits.str.replace_all(r"[,\u2009\u00a0\u202f ]", "").cast(pl.Float64, strict=False)
    digit_value = pl.when(grouped & magnitude.is_null()).then(as_count).otherwise(as_decimal) * multiplier
    # A number beyond the int64 range has no value (null), and is dropped with the other non-counts.
    return pl.coalesce(digit_value.round(0).cast(pl.Int64, strict=False), atom.replace_strict(
        distinct_word_values["atom"], distinct_word_values["value"], default=None, return_dtype=pl.Int64
    ))


def number_mentions(sents: pl.DataFrame) -> pl.DataFrame:
    """Each number or range in a sentence: surface, offsets, value and value_high."""
    found = _positions(sents, px.number(), SENTENCE_KEY)
    groups = found["match"].str.extract_groups(f"(?s)^(?P<figure>{px.number()})$").struct.unnest()
    found = pl.concat([found, groups], how="horizontal").with_columns(
        low_atom=pl.coalesce("low", "low_between"),
        high_atom=pl.coalesce("high", "high_between"),
        lead_len=pl.col("lead").str.len_chars().fill_null(0).cast(pl.Int64),
    )
    # python-per-distinct-match: number words ("twenty-three", "a quarter of a million") are
    # converted once per distinct spelling, then joined back by value.
    atoms = pl.concat([found["low_atom"], found["high_atom"]]).drop_nulls().unique()
    words = atoms.filter(~atoms.str.contains(r"^\d"))
    word_values = pl.DataFrame(
        {"atom": words, "value": [word_number_value(w) for w in words.to_list()]},
        schema={"atom": pl.String, "value": pl.Int64},
    )
    # Each distinct atom is parsed once (a batch repeats its numbers: ~9k distinct in 75k mentions).
    values = pl.DataFrame({"atom": atoms}).with_columns(value=atom_values(pl.col("atom"), word_values))
    value_of = {"old": values["atom"], "new": values["value"], "default": None, "return_dtype": pl.Int64}
    return found.with_columns(
        start=pl.col("match_end") - pl.col("figure").str.len_chars().cast(pl.Int64) + pl.col("lead_len"),
        end=pl.col("match_end"),
        surface=pl.col("figure").str.slice(pl.col("lead_len")),
        low_value=pl.col("low_atom").replace_strict(**value_of),
        high_value=pl.col("high_atom").replace_strict(**value_of),
        low_has_magnitude=pl.col("low_atom").str.contains(r"(?i)(?:hundred|thousand|million|billion|mln|bn|\dk|\dm)$"),
        is_decimal=pl.col("low_atom").str.contains(r"^\d+\.\d+$")
        & ~pl.col("low_atom").str.contains(r"^\d{1,3}(?:\.\d{3})+$"),
        is_year=pl.col("low_atom").str.contains(r"^(?:1[89]|20)\d\d$"),
        is_word=~pl.col("low_atom").str.contains(r"^\d"),
        kind=pl.lit("number"),
    ).with_columns(
        # "10-15 thousand": the magnitude of the high end applies to the low end.
        value=pl.when(
            pl.col("high_value").is_not_null() & ~pl.col("low_has_magnitude")
            & (pl.col("high_value") > 1000 * pl.col("low_value")) & (pl.col("low_value") > 0)
        )
        .then(pl.col("low_value") * (pl.col("high_value") // pl.col("high_atom").str.extract(r"^([\d.]+)", 1).cast(pl.Float64, strict=False).cast(pl.Int64, strict=False).fill_null(1).clip(1)))
        .otherwise(pl.col("low_value")),
    ).select(
        *SENTENCE_KEY, "start", "end", "surface", "value",
        value_high=pl.when(pl.col("high_value") > pl.col("value")).then(pl.col("high_value")),
        is_range=pl.col("high_atom").is_not_null(),
        is_decimal="is_decimal", is_year="is_year", is_word="is_word", kind="kind",
    )


def singleton_mentions(sents: pl.DataFrame) -> pl.DataFrame:
    """Each "a"/"an" that introduces a counted head noun: a possible count of one."""
    found = _positions(sents, px.singleton(), SENTENCE_KEY)
    groups = found["match"].str.extract_groups(engine_pattern("^" + match_core(px.singleton()) + "$")).struct.unnest()
    return pl.concat([found, groups.select("figure", "tail")], how="horizontal").select(
        *SENTENCE_KEY,
        start=pl.col("match_end") - pl.col("tail").str.len_chars().cast(pl.Int64) - pl.col("figure").str.len_chars().cast(pl.Int64),
        end=pl.col("match_end") - pl.col("tail").str.len_chars().cast(pl.Int64),
        surface="figure",
        value=pl.lit(1, pl.Int64),
        value_high=pl.lit(None, pl.Int64),
        is_range=pl.lit(False),
        is_decimal=pl.lit(False),
        is_year=pl.lit(False),
        is_word=pl.lit(True),
        kind=pl.lit("singleton"),
    )


def mentions_in_context(mentions: pl.DataFrame, contexts: pl.DataFrame) -> pl.DataFrame:
    """Mentions with the text of their sentence to the left and right of them."""
    return mentions.join(contexts, on=SENTENCE_KEY, how="inner").with_columns(
        left=pl.col("masked").str.slice(
            (pl.col("start") - CONTEXT_CHARS).clip(0), pl.col("start").clip(upper_bound=CONTEXT_CHARS)
        ),
        right=pl.col("masked").str.slice(pl.col("end"), CONTEXT_CHARS),
    )


def countable_mentions(mentions: pl.DataFrame) -> pl.DataFrame:
    """Mentions that can be counts: no dates, years, units, money, designations, vague or negated amounts."""
    months = px.words("months")
    designation = pl.col("left").str.contains(r"(?:[A-Za-z0-9_]-?|\d[.,:/]|[A-Za-z0-9][/:])$")
    attached = pl.col("right").str.contains(r"^(?:[A-Za-z0-9_]|[\-–/:.]\d|-[A-Za-z])")
    unit_after = pl.col("right").str.contains(f"(?i)^\\s*(?:%|{px.words('units')}\\b)")
    unit_before = pl.col("left").str.contains(f"(?:^|[\\s(]){px.words('before_units')}\\s*$")
    month = pl.col("left").str.contains(f"(?i)\\b{months}[.{px.DOT}]?\\s*$") | pl.col("right").str.contains(
        f"(?i)^,?\\s*(?:of\\s+)?{months}\\b"
    )
    vague = pl.col("left").str.contains(
        f"(?i)\\b{px.words('vague_or_negated')}\\s+(?:(?:about|around|some|nearly|almost|roughly|quite|even|exactly|just|only)\\s+)?$"
    )
    year = pl.col("is_year") & ~pl.col("right").str.contains(f"^\\s+(?i:{px.heads(('equipment', 'people'))})")
    singleton_ok = pl.col("kind") == "number"
    # "Zelensky, 44, told ...": an age in commas after a name.
    age = pl.col("left").str.contains(r"[A-Z][\w’'\-]+,\s*$") & pl.col("right").str.contains(r"^\s*,")
    return mentions.filter(
        ~(singleton_ok & age)
        & (pl.col("value") > 0)
        & ~(singleton_ok & (designation | attached))
        & ~unit_after & ~unit_before & ~month & ~vague & ~year
        & ~(pl.col("is_decimal"))
    )


# ------------------------------------------------------------------ qualifiers
def qualified_numbers(mentions: pl.DataFrame) -> pl.DataFrame:
    """Mentions with the qualifier of their own cue word (coordination is applied later)."""
    cue = pl.col("left").str.extract(px.qualifier_cue(), 1).str.to_lowercase().str.replace_all(r"[\s\-]+", " ")
    cue_qualifier = pl.col("_cue").replace_strict(lx.qualifier_cues(), default=None, return_dtype=pl.String)
    return mentions.with_columns(_cue=cue).with_columns(
        qualifier=pl.when(cue_qualifier.is_not_null()).then(cue_qualifier)
        .when(pl.col("is_range")).then(pl.lit("exact")),
        qualifier_rule=pl.when(cue_qualifier.is_not_null()).then(pl.lit("cue:") + pl.col("_cue"))
        .when(pl.col("is_range")).then(pl.lit("range")),
    ).drop("_cue")


# ------------------------------------------------------------------ categories
@cache
def _head_table() -> pl.DataFrame:
    """Normalized head noun -> kind and category."""
    heads = lx.category_heads()
    return pl.DataFrame(
        {
            "head_key": list(heads),
            "head_kind": [k for k, _ in heads.values()],
            "head_category": [c or None for _, c in heads.values()],
        }
    )


def _key(expr: pl.Expr) -> pl.Expr:
    """A lookup key like lexicon.normalized: lowercase, straight apostrophes, single spaces."""
    return expr.str.to_lowercase().str.replace_all("[’‘]", "'").str.replace_all(r"[\s\-]+", " ").str.strip_chars()


def _map(expr: pl.Expr, table: dict[str, str]) -> pl.Expr:
    """Look a normalized key up in a lexicon table."""
    return _key(expr).replace_strict(table, default=None, return_dtype=pl.String)


def noun_phrase_groups(text: pl.Expr, kinds: tuple[str, ...]) -> pl.Expr:
    """The noun phrase at the start of text as struct(lead, modifiers, head); after_head follows them.

    The capture stops at the head (after_head is sliced off by with_after_head): a capture group over
    the rest of the text would run the slow capture engine over all of it.
    """
    pattern = px.noun_phrase(kinds).replace("(?P<after_head>.*)", "").replace(r"^\s*", r"^(?P<lead>\s*)", 1)
    return text.str.extract_groups(engine_pattern(pattern))


def categorised_mentions(mentions: pl.DataFrame) -> pl.DataFrame:
    """Mentions with the category of what they count, from their noun phrase or a loss word."""
    main = noun_phrase_groups(pl.col("right"), ("equipment", "people")).alias("np")
    generic = noun_phrase_groups(pl.col("right"), ("generic",)).alias("gp")
    frame = mentions.with_columns(main, generic).unnest("np").with_columns(
        after_head=pl.col("right").str.slice(
            sum(pl.col(name).str.len_chars().cast(pl.Int64) for name in ("lead", "modifiers", "head"))
        ),
        generic_head=pl.col("gp").struct.field("head"),
        generic_modifiers=pl.col("gp").struct.field("modifiers"),
    ).drop("gp", "lead")
    valid = ~pl.col("modifiers").fill_null("").str.contains(px.NOUN_PHRASE_STOPS)
    frame = frame.with_columns(
        head=pl.when(valid).then("head"),
        after_head=pl.when(valid).then("after_head"),
        modifiers=pl.when(valid).then("modifiers"),
        generic_head=pl.when(~pl.col("generic_modifiers").fill_null("").str.contains(px.NOUN_PHRASE_STOPS)).then(
            "generic_head"
        ),
    ).with_columns(head_key=_key(pl.col("head")))
    frame = frame.join(_head_table(), on="head_key", how="left")

    # Loss words after and before the count and the last equipment word are looked for only where the
    # category (or a singleton's loss statement) can come from them: other rows get a null text, on
    # which no regex runs.
    bare = pl.col("head").is_null()
    personnel_rows = (pl.col("head_kind") == "people") | bare & pl.col("generic_head").is_null()
    after = pl.when(pl.col("head").is_not_null()).then("after_head").otherwise("right")
    after = pl.when(personnel_rows | (pl.col("kind") == "singleton")).then(after)
    outcome = after.str.extract(engine_pattern(px.outcome_after()), 1)
    # "killed and wounded" before a count is one cue, casualties, not its last word.
    frame = frame.with_columns(outcome_after=_map(outcome, lx.personnel_outcomes("after"))).with_columns(
        left_of_personnel=pl.when(personnel_rows & pl.col("outcome_after").is_null())
        .then(pl.col("left").str.replace_all(engine_pattern(px.CASUALTY_COMPOUND), "casualties")),
        left_of_bare=pl.when(bare).then(pl.col("left")),
    )
    frame = with_last_match(frame, "left_of_personnel", px.outcome_cue_before(), "cue_before")
    equipment_alternation = lx.alternation(lx.head_phrases(("equipment",)))
    frame = with_last_match(frame, "left_of_bare", f"(?i)\\b({equipment_alternation})\\b", "last_equipment_word")
    frame = frame.with_columns(
        outcome_before=_map(pl.col("cue_before"), lx.personnel_outcomes("before")),
        # "tank losses ..., totaling 428": an equipment word right before the loss word.
        compound_head=pl.col("cue_before_before").str.extract(
            f"(?i)\\b({equipment_alternation})[\\s\\-]+$", 1
        ),
        elliptical=pl.col("right").str.contains(r"^\s*(?:and|or|to|-)\s+\S*\d"),
        # "tanks – 1,213": a list line names its category before a dash or colon.
        # "tanks – 1,213", "UAV operational-tactical level – 111": the first head noun of the label.
        line_head=pl.col("left").str.extract(px.list_line_label(), 1).str.extract(
            f"(?i)\\b({lx.alternation(lx.head_phrases(('equipment', 'people')))})\\b", 1
        ),
        # "five have been destroyed", "14 of them were shot down": the equipment is named earlier.
        equipment_outcome=pl.col("right").str.contains(
            f"(?i)^\\s*(?:of\\s+(?:them|these|those)\\s+)?(?:(?:have|has|had|were|was|been|also|reportedly|later)\\s+)+"
            f"{px.words('equipment_outcomes')}\\b"
        ),
        increment=pl.col("left").str.contains(r"\(\s*\+\s*$"),
    )
    heads = {k: c for k, (kind, c) in lx.category_heads().items() if kind == "equipment"}
    people = pl.col("head_kind") == "people"
    bare = pl.col("head").is_null()
    personnel = pl.coalesce(
        pl.col("outcome_after"),
        pl.when(pl.col("compound_head").is_not_null()).then(_map(pl.col("compound_head"), heads)),
        pl.col("outcome_before"),
    )
    line_head = pl.col("line_head_key").replace_strict(
        {k: (c if kind == "equipment" else "casualties") for k, (kind, c) in lx.category_heads().items() if kind != "generic"},
        default=None, return_dtype=pl.String,
    )
    frame = frame.with_columns(line_head_key=_key(pl.col("line_head")))
    return frame.with_columns(
        category=pl.when(bare & pl.col("line_head").is_not_null()).then(line_head)
        .when(bare & pl.col("equipment_outcome") & pl.col("last_equipment_word").is_not_null())
        .then(_map(pl.col("last_equipment_word"), heads))
        .when(pl.col("head_kind") == "equipment").then("head_category")
        .when(people | bare & pl.col("generic_head").is_null()).then(personnel)
        .when(bare & pl.col("generic_head").is_not_null()).then(_map(pl.col("last_equipment_word"), heads)),
        category_source=pl.when(bare & pl.col("line_head").is_not_null()).then(pl.lit("list_line"))
        .when(bare & pl.col("equipment_outcome") & pl.col("last_equipment_word").is_not_null()).then(pl.lit("equipment_outcome"))
        .when(pl.col("head_kind") == "equipment").then(pl.lit("head"))
        .when(people | bare & pl.col("generic_head").is_null()).then(
            pl.when(pl.col("outcome_after").is_not_null()).then(pl.lit("outcome_after"))
            .when(personnel.is_not_null()).then(pl.lit("outcome_before"))
        ).when(bare).then(pl.lit("generic")),
    ).drop("left_of_personnel", "left_of_bare", "cue_before", "cue_before_before", "last_equipment_word_before")


def in_same_sentence(expr: pl.Expr, offset: int) -> pl.Expr:
    """expr of the row `offset` rows away if it is in the same sentence, else null: `shift().over(SENTENCE_KEY)`
    without grouping, for rows sorted by sentence."""
    same = (pl.col("article_no") == pl.col("article_no").shift(offset)) & (
        pl.col("sentence_no") == pl.col("sentence_no").shift(offset)
    )
    return pl.when(same).then(expr.shift(offset))


def previous_personnel_cues(mentions: pl.DataFrame, contexts: pl.DataFrame) -> pl.DataFrame:
    """Mentions with the last personnel loss word of the sentence before theirs (`previous_personnel_cue`).

    It is looked for only before the sentences of counts of people with no category, which can inherit it.
    """
    people = pl.col("head_kind") == "people"
    wanted = mentions.filter(pl.col("category").is_null() & people).select(
        "article_no", sentence_no=pl.col("sentence_no") - 1
    ).unique()
    cue_words = list(lx.personnel_outcomes("after")) + list(lx.personnel_outcomes("before"))
    previous = with_last_match(
        contexts.select(*SENTENCE_KEY, "masked").join(wanted, on=SENTENCE_KEY),
        "masked", f"(?i)\\b{lx.alternation(cue_words)}\\b", "cue",
    ).select(
        "article_no",
        sentence_no=pl.col("sentence_no") + 1,
        previous_personnel_cue=pl.col("cue").str.to_lowercase().str.replace_all(r"[\s\-]+", " "),
    )
    return mentions.join(previous, on=SENTENCE_KEY, how="left", maintain_order="left")


def inherited_categories(mentions: pl.DataFrame, contexts: pl.DataFrame) -> pl.DataFrame:
    """Categories of counts that have none of their own: from the list they stand in, or the sentence before."""
    mentions = mentions.sort("article_no", "sentence_no", "start")
    next_category = in_same_sentence(pl.col("category"), -1)
    mentions = mentions.with_columns(
        # "1,520 and 1,517 systems destroyed": the first number counts what the second counts.
        category=pl.when(pl.col("category").is_null() & pl.col("elliptical")).then(next_category)
        .when(pl.col("increment")).then(in_same_sentence(pl.col("category"), 1))
        .otherwise("category"),
        qualifier=pl.when(pl.col("increment")).then(in_same_sentence(pl.col("qualifier"), 1))
        .otherwise("qualifier"),
        qualifier_rule=pl.when(pl.col("increment") & in_same_sentence(pl.col("qualifier"), 1).is_not_null())
        .then(pl.lit("increment")).otherwise("qualifier_rule"),
    )
    mentions = previous_personnel_cues(mentions, contexts)
    people = pl.col("head_kind") == "people"
    personnel = {c for c in lx.personnel_outcomes("after").values()}
    previous_in_sentence = (
        pl.when(pl.col("category").is_in(list(personnel))).then("category").forward_fill().over(SENTENCE_KEY)
    )
    previous_sentence = _map(pl.col("previous_personnel_cue"), {**lx.personnel_outcomes("before"), **lx.personnel_outcomes("after")})
    return mentions.with_columns(
        category=pl.when(pl.col("category").is_null() & people)
        .then(pl.coalesce(previous_in_sentence, previous_sentence))
        .otherwise("category"),
        category_source=pl.when(pl.col("category").is_null() & people).then(pl.lit("inherited"))
        .otherwise("category_source"),
    )


def loss_statements(mentions: pl.DataFrame) -> pl.DataFrame:
    """Counts that state a loss: categorised, in a loss context, and not a deployment, delivery or launch."""
    # A coordination starts another predicate: "killed 15,000 people and displaced 8.8 million".
    right_clause = pl.col("right").str.extract(r"^([^,;.!?]*)", 1).str.slice(0, 50).str.replace(r"(?i)\b(?:and|or|but)\b.*$", "")
    left_clause = pl.col("left").str.extract(r"([^,;:.!?]*)$", 1).str.slice(-50)
    not_loss = engine_pattern(f"(?i)\\b{px.words('not_loss_words')}\\b")
    is_equipment = ~pl.col("category").is_in(["killed", "wounded", "captured", "missing", "casualties"])
    singleton_ok = (pl.col("kind") == "number") | (
        # "a helicopter" counts in a list of figures or right next to a loss verb.
        ((pl.len().over(SENTENCE_KEY) > 1) & pl.col("left").str.contains(r"(?i)(?:\band|\bor|,|\bincluding)\s*$"))
        | pl.col("left").str.contains(engine_pattern(f"(?i)\\b{px.words('loss_words')}\\s*$"))
        | pl.col("right").str.contains(engine_pattern(
            f"(?i)^\\s+(?:[\\w\\-]+\\s+){{0,4}}?(?:was|were|has been|had been|is)\\s+(?:\\w+\\s+)?{px.words('loss_words')}\\b"
        ))
        | pl.col("outcome_after").is_not_null()
    )
    after = pl.coalesce("after_head", "right")
    # "1.5 million people, roughly 70 percent of ..., had been displaced": the predicate is no loss.
    predicate_not_loss = after.str.contains(engine_pattern(px.predicate(px.words("not_loss_words"))))
    singleton_weak = (pl.col("kind") == "singleton") & pl.col("left").str.contains(
        engine_pattern(f"(?i)\\b{px.words('weak_loss_words')}\\s*$")
    )
    # "a Russian drone hit a car": the counted thing is the attacker.
    attacker = after.str.contains(engine_pattern(f"(?i)^\\s*(?:(?:has|have|had|also|reportedly)\\s+)?{px.words('attacker_verbs')}\\b"))
    # The cheap conditions first, so that the text ones run only on categorised counts in a loss context.
    return mentions.filter(
        pl.col("category").is_not_null()
        & ~(is_equipment & ~pl.col("loss_context"))
    ).filter(
        ~right_clause.str.contains(not_loss)
        & ~left_clause.str.contains(not_loss)
        & ~predicate_not_loss
        & ~singleton_weak
        & ~(attacker & pl.col("head").is_not_null())
        & ~counts_another_noun()
    ).filter(singleton_ok)


def counts_another_noun() -> pl.Expr:
    """A count with no head noun of ours that counts another noun: "six matches", "four of their last six matches"."""
    bare = pl.col("head").is_null() & pl.col("generic_head").is_null() & (pl.col("kind") == "number")
    next_word = pl.col("right").str.extract(r"^\s+([a-z][a-z’'\-]*)", 1)
    allowed = set(lx.context_words("after_bare_count")) | {
        w.split()[0] for w in [*lx.personnel_outcomes("after"), *lx.context_words("equipment_outcomes"),
                               *lx.context_words("loss_words")]
    }
    partitive_noun = pl.col("right").str.extract(
        f"(?i)^\\s+of\\s+(?:[a-z’']+\\s+){{0,3}}?(?:\\d[\\d,]*|{px.number_atom()})\\s+([a-z][a-z’'\\-]*)", 1
    )
    head_words = {lx.normalized(h).split()[0] for h in lx.head_phrases()}
    return bare & (
        (next_word.is_not_null() & ~_key(next_word).is_in(sorted(allowed)))
        | (partitive_noun.is_not_null() & ~_key(partitive_noun).is_in(sorted(head_words)))
    )


def coordinated_qualifiers(figures: pl.DataFrame) -> pl.DataFrame:
    """Qualifiers carried over a coordination ("at least 13 killed and 19 wounded") and defaults."""
    figures = figures.sort("article_no", "sentence_no", "start").with_columns(
        previous_end=in_same_sentence(pl.col("end"), 1),
        previous_qualifier=in_same_sentence(pl.col("qualifier"), 1),
        previous_rule=in_same_sentence(pl.col("qualifier_rule"), 1),
    )
    prev_end = pl.col("previous_end")
    # Only figures after a cued one, with no cue and no noun of their own, can carry: the text between
    # them is cut (and searched) only there.
    candidate = (
        pl.col("qualifier").is_null() & pl.col("head").is_null() & pl.col("previous_rule").str.starts_with("cue:")
    )
    between = pl.when(candidate).then(
        pl.col("masked").str.slice(prev_end.fill_null(0), (pl.col("start") - prev_end).clip(0))
    )
    figures = figures.with_columns(
        carries=candidate
        & between.str.contains(r"(?i)^\s*(?:[\w’'\-]+\s+){0,6}?(?:and|or)\s+(?:another\s+|a\s+further\s+|an\s+additional\s+|further\s+)?$")
    )
    return figures.with_columns(
        qualifier=pl.when("carries").then("previous_qualifier").otherwise(pl.col("qualifier")).fill_null("exact"),
        qualifier_rule=pl.when("carries").then(pl.lit("coordination"))
        .otherwise(pl.col("qualifier_rule")).fill_null("default"),
    ).drop("previous_end", "previous_qualifier", "previous_rule", "carries")


# ------------------------------------------------------------------ claimants
@cache
def _alias_table() -> pl.DataFrame:
    """Normalized alias -> claimant, claimant_party."""
    aliases = lx.claimant_aliases()
    return pl.DataFrame(
        {
            "alias_key": list(aliases),
            "alias_claimant": [c for c, _, _ in aliases.values()],
        }
    )


def claimant_mentions(contexts: pl.DataFrame) -> pl.DataFrame:
    """Every claimant alias in the text: offsets in its sentence, claimant id, attributed or possessive."""
    parts = []
    # Aliases are matched case-sensitively in lowercased text: much faster than a case-insensitive
    # alternation of hundreds of phrases. Offsets stay those of the original text.
    lowered = contexts.select(*SENTENCE_KEY, masked=pl.col("masked").str.to_lowercase())
    for attributed_only in (False, True):
        found = _positions(lowered, px.claimant_alias_lowercase(attributed_only), SENTENCE_KEY)
        parts.append(found.with_columns(alias_length=pl.col("match").str.len_chars().cast(pl.Int64), attributed_only=pl.lit(attributed_only)))
    found = pl.concat(parts).join(contexts.select(*SENTENCE_KEY, "masked"), on=SENTENCE_KEY)
    found = found.with_columns(
        alias_start=pl.col("match_end") - pl.col("alias_length"),
    ).with_columns(
        alias=pl.col("masked").str.slice(pl.col("alias_start"), pl.col("alias_length")),
    ).with_columns(
        alias_key=_key(pl.col("alias").str.replace_all(px.DOT, ".", literal=True)),
    ).with_columns(
        left=pl.col("masked").str.slice(0, pl.col("alias_start")),
        right=pl.col("masked").str.slice(pl.col("match_end")),
    ).join(_alias_table(), on="alias_key", how="inner")
    # An all-capitals city at the start of wire copy ("KIEV –", "MOSCOW, March 5") is a dateline.
    dateline = (pl.col("alias") == pl.col("alias").str.to_uppercase()) & (pl.col("alias").str.len_chars() > 4) & (
        pl.col("alias_key").str.to_uppercase() != pl.col("alias_key")
    )
    return (
        found.filter(~dateline)
        .with_columns(
            # "... at 5,937 — which ... Western officials say ...": a relative clause comments, it does not attribute.
            attributed=(pl.col("right").str.contains(engine_pattern(px.attribution_after()))
                        & ~pl.col("left").str.contains(r"(?i)\b(?:which|who)\s+(?:[\w\-’']+\s+){0,5}$"))
            # "Ukrainian officials did not comment ..., but said ...": the subject of a coordinated speech verb.
            | pl.col("right").str.contains(r"(?i)^[^.;“”\"]{0,120}?,?\s+(?:but|and)\s+(?:also\s+)?(?:said|says|added|claimed|told)\b")
            & pl.col("left").str.contains(r"^\W*(?:(?:The|the)\s+)?$")
            | pl.col("left").str.contains(engine_pattern(px.attribution_before()))
            & ~pl.col("right").str.contains(r"(?i)^\s*(?:(?:has|have|had)\s+)?(?:lost|loses|suffered|suffers)\b"),
            possessive=pl.col("right").str.contains(r"^['’]s\b"),
        )
        .filter(pl.col("attributed") | ~pl.col("attributed_only"))
        .select(*SENTENCE_KEY, "alias_start", alias_end="match_end", claimant="alias_claimant",
                attributed="attributed", possessive="possessive")
    )


def speaker_head(speaker: pl.Expr) -> pl.Expr:
    """The head of a speaker phrase: no conjunction, apposition, "spokesman for", relative or location tail."""
    return (
        speaker.str.replace(r"(?i)^(?:but|and|however|while|as|so|yet|also)\b\s*", "")
        .str.extract(r"^([^,(]*)", 1)
        .str.replace(
            r"(?i)^(?:(?:the|a|an)\s+)?(?:spokes(?:man|woman|person)|representative|press\s+(?:officer|service)|"
            r"official|officer)\s+(?:for|of)\s+", ""
        )
        .str.replace(
            r"(?i)\s+(?:speaking|who|which|that|citing|quoted|quoting|cited|based|published|issued|released|"
            r"on|in|at|during|from|after|before|with|over|since|last|this|late|early|earlier|yesterday|today|"
            r"tonight|told|said|says|by)\b.*$", ""
        )
        .str.replace(r"(?i)^the\s+", "")
        .str.strip_chars(" '’\"“”")
    )


def speaker_slug(head: pl.Expr) -> pl.Expr:
    """A short claimant id for an unknown speaker: a person's last name, else the party and the head noun."""
    titles = f"(?i)^(?:{px.words('speaker_titles')}\\s+)+((?-i:[A-Z])[\\w’'\\-]+(?:\\s+(?-i:[A-Z])[\\w’'\\-]+){{0,3}})$"
    person = head.str.extract(titles, 1).str.extract(r"([\w’'\-]+)$", 1)
    adjectives = {**lx.countries(), **lx.party_adjectives()}
    words = sorted(adjectives, key=len, reverse=True)
    phrase = (
        _key(pl.coalesce(person, head)).str.replace_all(r"'s\b", "")
        .str.replace_many(["é", "è", "ê", "á", "à", "ó", "ö", "ü", "í", "ñ", "ç"], ["e", "e", "e", "a", "a", "o", "o", "u", "i", "n", "c"])
        .str.replace_many([f"{w} " for w in words], [f"{adjectives[w]} " for w in words])
    )
    slug = phrase.str.replace(r"^(?:a|an|one)\s+", "").str.replace_all(r"[^a-z0-9]+", "_").str.strip_chars("_")
    return slug.str.extract(r"^((?:[a-z0-9]+_?){1,5})", 1).str.replace(r"(?:_(?:of|the|and|for|in))+_?$", "").str.strip_chars("_")


def sentence_claimants(contexts: pl.DataFrame, mentions: pl.DataFrame) -> pl.DataFrame:
    """Per sentence: the claimant it states, carried from earlier sentences when it names none."""
    by_sentence = mentions.sort("alias_start").group_by(SENTENCE_KEY).agg(
        attributed_claimant=pl.col("claimant").filter("attributed").first(),
        mentioned_claimant=pl.col("claimant").filter(~pl.col("possessive")).first(),
    )
    speaker_pattern = engine_pattern(px.unknown_speaker())
    attacker_pattern = engine_pattern(px.attacker_side())
    speaker = pl.col("speaker_groups")
    # Only sentences with a speech cue or a claimant mention can name a claimant: every stage below runs on
    # them alone (in sentence order), and the claimant is carried over the other sentences at the end.
    speech = pl.col("masked").str.contains(engine_pattern(px.speech_cue()))
    speaking = (
        contexts.select(*SENTENCE_KEY, "masked", speech=speech)
        .join(by_sentence, on=SENTENCE_KEY, how="left")
        .filter(pl.col("speech") | pl.col("attributed_claimant").is_not_null() | pl.col("mentioned_claimant").is_not_null())
    )
    speaker_groups = pl.when("speech").then(pl.col("masked")).str.extract_groups(speaker_pattern)
    attacker = pl.when(pl.col("masked").str.contains(attacker_pattern)).then(pl.col("masked")).str.extract(attacker_pattern, 1)
    frame = speaking.with_columns(
        speaker_groups=speaker_groups,
        attacker=_map(attacker, lx.party_adjectives()),
        anaphoric=pl.col("masked").str.contains(engine_pattern(px.anaphoric_attribution())),
    ).with_columns(
        speaker=pl.coalesce(
            speaker.struct.field("speaker"), speaker.struct.field("speaker_after"), speaker.struct.field("speaker_according")
        ).str.strip_chars(),
    ).drop("speaker_groups", "speech")
    # "he said", "the ministry noted", "a spokesman said": the speaker named before speaks again.
    pronoun = f"(?i)^(?:(?:the|a|an|its|their|his|her)\\s+)?(?:{px.words('anaphora')}|we|i|you|spokesman|spokeswoman|spokesperson|officials?)?$"
    frame = frame.with_columns(head=speaker_head(pl.col("speaker"))).with_columns(
        head=pl.when(pl.col("head").str.len_chars() > 1).then("head")
    )
    # An unknown speaker's head may still be a known alias ("US officials speaking on condition of anonymity").
    frame = frame.join(
        _alias_table().rename({"alias_key": "head_key", "alias_claimant": "head_claimant"}),
        left_on=_key(pl.col("head"))
        # "a senior US defence official" -> "us officials"
        .str.replace(r"^(?:a|an|the|one|two|three|several)\s+", "")
        .str.replace_all(r"\b(?:senior|top|high ranking|former|unnamed|anonymous)\s+", "")
        .str.replace(r"\s+(?:defen[cs]e|military|intelligence|administration|government)\s+(official|source)s?$", " ${1}s")
        .str.replace(r"\b(official|source)$", "${1}s"),
        right_on="head_key", how="left",
    )
    speaks_for = f"(?i)\\b({px.party_adjective()})\\b|\\b({lx.alternation(lx.party_name_phrases())})\\b"
    # Parts used several times below are computed once, as columns.
    speaker_party = pl.col("head").str.extract_groups(engine_pattern(speaks_for))
    frame = frame.with_columns(
        speaks_for=pl.coalesce(
            _map(speaker_party.struct.field("1"), lx.party_adjectives()),
            _map(speaker_party.struct.field("2"), lx.party_names()),
        ),
        head_country=_map(pl.col("head"), lx.countries()),
    )
    country = pl.col("head_country")
    unknown_party = pl.col("speaks_for")
    # An unnamed institution speaks for the side that attacks (the army) or is hit (the governor).
    military = pl.col("head").str.contains(engine_pattern(f"(?i)\\b{px.words('military_speakers')}$"))
    local = pl.col("head").str.contains(engine_pattern(f"(?i)\\b{px.words('local_speakers')}$"))
    institution_party = pl.when(military).then("attacker").when(local).then(
        pl.col("attacker").replace_strict(lx.opposite_parties(), default=None, return_dtype=pl.String)
    )
    # "it was reported": a passive names no speaker.
    passive = pl.col("speaker").str.contains(r"(?i)\b(?:was|were|is|are|been|be|being)$").fill_null(False)
    verbal = pl.col("head").str.contains(r"(?i)\b(?:has|have|had|is|are|was|were|will|would|did|does|an|\d)\b|\d").fill_null(False)
    frame = frame.with_columns(
        passive=passive,
        verbal=verbal,
        pronominal=pl.col("head").str.contains(pronoun).fill_null(False),
        generic=pl.col("speaker").str.contains(r"(?i)^(?:the|a|an)\s").fill_null(False) & unknown_party.is_null(),
    )
    passive, verbal, pronominal, generic = (pl.col(name) for name in ("passive", "verbal", "pronominal", "generic"))
    named_before = (
        pl.coalesce("attributed_claimant", pl.when(~generic & ~pronominal & ~passive & ~verbal).then("head"))
        .is_not_null().cum_max().shift(1).over("article_no", order_by="sentence_no").fill_null(False)
    )
    # A generic speaker ("the regional governor") refers back to a named one, or is new when none was named.
    frame = frame.with_columns(
        new_speaker=~passive & ~verbal & ~pronominal & (~generic | ~named_before) & pl.col("head").is_not_null()
    )
    new_speaker = pl.col("new_speaker")
    frame = frame.with_columns(
        unknown_claimant=pl.when(new_speaker).then(
            pl.coalesce("head_claimant", pl.when(country.is_not_null()).then(country + "_gov"), speaker_slug(pl.col("head")))
        ),
        unknown_party=pl.coalesce(unknown_party, country, institution_party),
        anaphoric=pl.col("anaphoric") | ((pronominal | generic) & ~new_speaker & ~passive),
    )
    stated = frame.with_columns(
        sentence_claimant=pl.coalesce(
            "attributed_claimant",
            "unknown_claimant",
            pl.when(~pl.col("anaphoric")).then("mentioned_claimant"),
        ),
        sentence_claimant_party=pl.when(pl.col("attributed_claimant").is_null() & pl.col("unknown_claimant").is_not_null())
        .then("unknown_party"),
    ).filter(pl.col("sentence_claimant").is_not_null()).select(
        *SENTENCE_KEY, claimant="sentence_claimant", speaker_party=pl.col("sentence_claimant_party").fill_null("")
    ).sort(SENTENCE_KEY)
    # A claimant carries to the following sentences and paragraphs until another speaker appears
    # (as in the dev and seed gold): each sentence takes the last claimant named at or before it.
    return (
        contexts.select(*SENTENCE_KEY)
        .join_asof(stated, on="sentence_no", by="article_no", strategy="backward", check_sortedness=False)
        .with_columns(pl.col("claimant").fill_null("reporter"))
    )


def claimants(figures: pl.DataFrame, mentions: pl.DataFrame, by_sentence: pl.DataFrame) -> pl.DataFrame:
    """Figures with their claimant: the nearest attributed claimant in the sentence, else the sentence's."""
    nearest = (
        figures.select(*SENTENCE_KEY, "start")
        .unique()
        .join(mentions.filter("attributed"), on=SENTENCE_KEY, how="inner")
        .with_columns(distance=(pl.col("alias_start") - pl.col("start")).abs())
        .sort("distance")
        .group_by(*SENTENCE_KEY, "start")
        .agg(nearest_claimant=pl.col("claimant").first())
    )
    return (
        figures.join(by_sentence, on=SENTENCE_KEY, how="left")
        .join(nearest, on=[*SENTENCE_KEY, "start"], how="left")
        .with_columns(
            claimant=pl.coalesce("nearest_claimant", "claimant"),
            speaker_party=pl.when(pl.col("nearest_claimant").is_null()).then("speaker_party"),
        )
        .with_columns(
            claimant_party=_claimant_party(),
            claimant_reports_on=pl.col("claimant").replace_strict(lx.claimant_reports_on(), default=None, return_dtype=pl.String),
        )
        .drop("nearest_claimant")
    )


# ------------------------------------------------------------------ parties
def party_cues(contexts: pl.DataFrame, sentence_claimants: pl.DataFrame, mentions: pl.DataFrame) -> pl.DataFrame:
    """Every mention of a side in the text, with its offset in the article and the party it points to.

    Sides named inside an attributed claimant ("the Ukrainian General Staff said") are not cues.
    """
    found = _positions(contexts, px.party_cue(), SENTENCE_KEY)
    groups = found["match"].str.extract_groups(engine_pattern("^" + match_core(px.party_cue()) + "$")).struct.unnest()
    found = pl.concat([found, groups], how="horizontal")
    inside_claimant = (
        found.select(*SENTENCE_KEY, "match_end")
        .join(mentions.filter("attributed"), on=SENTENCE_KEY)
        .filter((pl.col("match_end") > pl.col("alias_start")) & (pl.col("match_end") <= pl.col("alias_end")))
        .select(*SENTENCE_KEY, "match_end")
    )
    found = found.join(inside_claimant, on=[*SENTENCE_KEY, "match_end"], how="anti").join(
        contexts.select(*SENTENCE_KEY, "sentence_start", "masked"), on=SENTENCE_KEY
    ).join(sentence_claimants, on=SENTENCE_KEY, how="left")
    claimant_party = _claimant_party()
    opposite = lx.opposite_parties()
    named = pl.coalesce(
        _map(pl.col("standalone"), lx.party_standalone()),
        _map(pl.col("adjective"), lx.party_adjectives()),
        _map(pl.coalesce("name", "name_of"), lx.party_names()),
        pl.when(pl.col("pair").is_not_null()).then(pl.lit("all_sides")),
        pl.when(pl.col("enemy").is_not_null()).then(claimant_party.replace_strict(opposite, default=None)),
        pl.when(pl.col("own").is_not_null()).then(claimant_party),
    )
    after_cue = pl.col("masked").str.slice(pl.col("match_end"))
    attacks = after_cue.str.contains(px.attacker()) & ~after_cue.str.contains(px.passive_participle())
    return found.with_columns(
        party=pl.when(attacks & pl.col("enemy").is_null() & pl.col("own").is_null() & pl.col("pair").is_null())
        .then(named.replace_strict(opposite, default=None, return_dtype=pl.String))
        .otherwise(named),
        position=pl.col("sentence_start") + pl.col("match_end"),
    ).filter(pl.col("party").is_not_null()).select("article_no", "sentence_no", "position", "party", "claimant")


def _claimant_party() -> pl.Expr:
    """The side a claimant speaks for: from the alias table, else from how an unnamed speaker is described."""
    known = {k: v for k, v in _claimant_parties().items() if v}
    table = pl.col("claimant").is_in(list(_claimant_parties()))
    return pl.when(table).then(pl.col("claimant").replace_strict(known, default=None, return_dtype=pl.String)).otherwise(
        pl.col("speaker_party").replace("", None)
    )


@cache
def _claimant_parties() -> dict[str, str | None]:
    """Claimant id -> claimant_party."""
    return {c: p for c, p, _ in lx.claimant_rows()}


def country_mentions(contexts: pl.DataFrame) -> pl.DataFrame:
    """Every country named in the text (name or adjective), with its offset in the article."""
    pattern = f"(?s).*?\\b({lx.alternation(lx.country_phrases())})\\b"
    found = _positions(contexts.filter("disaster"), pattern, SENTENCE_KEY)
    return (
        found.with_columns(country=_map(pl.col("match"), lx.countries()))
        .join(contexts.select(*SENTENCE_KEY, "sentence_start"), on=SENTENCE_KEY)
        .select("article_no", "sentence_no", position=pl.col("sentence_start") + pl.col("match_end"), country="country")
        .drop_nulls("country")
        .sort("article_no", "position")
    )


def launcher_cues(contexts: pl.DataFrame) -> pl.DataFrame:
    """Every side named as launching projectiles, with its offset in the article."""
    found = _positions(contexts, px.launcher(), SENTENCE_KEY)
    name = found["match"].str.extract(engine_pattern("^" + match_core(px.launcher()) + "$"), 1)
    return (
        found.with_columns(name=name)
        .join(contexts.select(*SENTENCE_KEY, "sentence_start"), on=SENTENCE_KEY)
        .select(
            "article_no",
            position=pl.col("sentence_start") + pl.col("match_end"),
            party=pl.coalesce(_map(pl.col("name"), lx.party_names()), _map(pl.col("name"), lx.party_adjectives())),
        )
        .drop_nulls("party")
        .sort("article_no", "position")
    )


def parties(figures: pl.DataFrame, cues: pl.DataFrame, countries: pl.DataFrame, launchers: pl.DataFrame) -> pl.DataFrame:
    """Figures with the side that lost: from the noun phrase, a side named after it, or the last side named before."""
    adjective = f"(?i)\\b({px.party_adjective()})\\b"
    # The side named after the noun phrase is parsed once, as a column.
    figures = figures.with_columns(
        right_party=pl.col("after_head").fill_null(pl.col("right")).str.extract_groups(engine_pattern(px.right_party()))
    )
    right = pl.col("right_party")
    gap_ok = ~pl.col("after_head").fill_null(pl.col("right")).str.extract(r"^([^.;!?\d]*?)\b(?:of|among|from|with)\s", 1).fill_null("").str.contains(px.RIGHT_PARTY_GAP_STOPS)
    victims = _key(pl.col("head")).is_in([lx.normalized(h) for h in lx.party_lexicon()["strike_victims"]])
    generic_people = _key(pl.col("head")).is_in(["people", "persons"])
    struck = pl.col("masked").str.contains(engine_pattern(f"(?i)\\b{px.words('strike_words')}\\b")) & ~pl.col("disaster")
    war = pl.col("masked").str.contains(engine_pattern(f"(?i)\\b{px.words('war_words')}\\b")) & ~pl.col("disaster")
    killed_in = pl.col("after_head").str.extract(
        f"^\\s+(?:(?:were|was|have|has|had|been)\\s+)*(?:killed|died|dead|wounded|injured)\\s+in\\s+({lx.alternation(lx.party_name_phrases())})(?:[\\s.,;]|$)", 1
    )
    own_in_phrase = pl.col("modifiers").str.contains(f"(?i)\\b{lx.alternation(lx.party_lexicon()['own_in_phrase'])}\\b")
    # "9,488, including 3,900 children": a sub-count belongs to the side of its total.
    subcount = pl.col("left").str.contains(engine_pattern(
        f"(?i)\\b{px.words('subcount_words')}\\s+(?:{lx.alternation(lx.qualifier_cues())}\\s+)?$"
    )) & (pl.col("sentence_no") == pl.col("sentence_no").shift(1).over("article_no", order_by=["sentence_no", "start"]))
    figures = figures.with_columns(
        own_party=pl.when(subcount).then(None).otherwise(pl.coalesce(
            _map(pl.col("head"), lx.head_parties()),
            _map(pl.col("modifiers").str.extract(adjective, 1), lx.party_adjectives()),
            pl.when(own_in_phrase).then("claimant_party"),
            _map(right.struct.field("standalone"), lx.party_standalone()),
            pl.when(gap_ok).then(_map(right.struct.field("adjective"), lx.party_adjectives())),
            # "About 1,200 people were killed in Israel": the country where people were killed.
            pl.when(generic_people).then(_map(killed_in, lx.party_names())),
            # "killing six people" in a strike: the victims are civilians.
            pl.when(victims & struck).then(pl.lit("civilians")),
            # "the war ... has killed more than 14,000 people": a war's toll counts all its sides.
            pl.when(generic_people & war & ~struck).then(pl.lit("all_sides")),
        )),
        position=pl.col("sentence_start") + pl.col("start"),
    )
    events = pl.concat(
        [
            cues.select("article_no", "sentence_no", "claimant", "position", "party"),
            figures.filter(pl.col("own_party").is_not_null()).select(
                "article_no", "sentence_no", "claimant", "position", party="own_party"
            ),
        ]
    ).sort("article_no", "position")
    # The last side named: in the same sentence, else in an earlier sentence of the same claimant
    # (a side named in one claimant's statement does not carry into another claimant's).
    figures = figures.sort("article_no", "position")
    for by, name in ((["article_no", "sentence_no"], "sentence_party"), (["article_no", "claimant"], "claimant_last_party")):
        figures = figures.join_asof(
            events.select(*by, "position", pl.col("party").alias(name)), on="position", by=by, strategy="backward",
            allow_exact_matches=False, check_sortedness=False,
        )
    figures = figures.with_columns(last_party=pl.coalesce("sentence_party", "claimant_last_party"))
    # "Russia launched 40 missiles ... shot down 31 of the missiles": projectiles are the launcher's.
    projectile = pl.col("category").is_in(["other", "drones"]) & pl.concat_str(
        [pl.col("head").fill_null(""), pl.col("right").str.slice(0, 40)], separator=" "
    ).str.contains(r"(?i)\b(?:missiles?|rockets?|drones?|shaheds?)\b")
    figures = figures.join_asof(
        launchers.rename({"party": "launched_by"}), on="position", by="article_no", strategy="backward", check_sortedness=False
    ).with_columns(launcher_party=pl.when(projectile).then("launched_by")).drop("launched_by")
    any_party = f"(?i)\\b({lx.alternation(list(lx.party_adjectives()) + list(lx.party_names()))})\\b"
    personnel = pl.col("category").is_in(["killed", "wounded", "captured", "missing", "casualties"])
    figures = figures.with_columns(
        party=pl.coalesce(
            "own_party", "launcher_party", "last_party",
            # Equipment a claimant reports destroyed, with no side named, is the other side's.
            pl.when(~personnel).then(
                pl.col("claimant_party").replace_strict(lx.opposite_parties(), default=None, return_dtype=pl.String)
            ),
            # (searched only in the sentences of figures with no side yet)
            _map(
                pl.when(pl.all_horizontal(pl.col("own_party", "launcher_party", "last_party").is_null()))
                .then(pl.col("masked")).str.extract(engine_pattern(any_party), 1),
                {**lx.party_adjectives(), **lx.party_names()},
            ),
            # Nothing named: a claimant's unnamed dead are its own, the equipment it destroyed the other side's.
            pl.when(personnel).then("claimant_party").otherwise(
                pl.col("claimant_party").replace_strict(lx.opposite_parties(), default=None, return_dtype=pl.String)
            ),
            pl.when(personnel).then("claimant_reports_on"),
        )
    )
    figures = figures.with_columns(party=pl.col("party").forward_fill().over("article_no"))
    return disaster_parties(figures, countries)


def disaster_parties(figures: pl.DataFrame, countries: pl.DataFrame) -> pl.DataFrame:
    """In a disaster, people lost belong to the affected country: the first named in their sentence, else in the article."""
    first = pl.col("country").sort_by("position").first()
    figures = figures.join(
        countries.group_by("article_no", "sentence_no").agg(sentence_country=first), on=["article_no", "sentence_no"], how="left"
    ).join(countries.group_by("article_no").agg(article_country=first), on="article_no", how="left")
    national = pl.col("party").is_in(list(lx.party_lexicon()["parties"])) & pl.col("own_party").is_not_null()
    affected = pl.coalesce("sentence_country", "article_country")
    return figures.with_columns(
        party=pl.when(pl.col("disaster") & affected.is_not_null() & ~national).then(affected).otherwise("party")
    ).drop("sentence_country", "article_country")


# ------------------------------------------------------------------ figures
def deduplicated(figures: pl.DataFrame) -> pl.DataFrame:
    """One figure per statement: repeats dropped, headline figures dropped when the body gives them."""
    body = figures.filter(~pl.col("is_headline"))
    headline = figures.filter(pl.col("is_headline"))
    repeated = headline.join(
        body.select("article_no", "category", body_value="value"), on=["article_no", "category"], how="inner"
    ).filter((pl.col("value") - pl.col("body_value")).abs() <= 0.05 * pl.col("body_value"))
    headline = headline.join(repeated.select("article_no", "start").unique(), on=["article_no", "start"], how="anti")
    # Sub-groups named by their own noun ("three women", "three children") are separate figures.
    subgroup = _map(pl.col("head"), lx.head_parties()).is_not_null()
    noun = pl.when(subgroup).then(_key(pl.col("head"))).otherwise(pl.lit(""))
    return (
        pl.concat([body, headline])
        .sort("article_no", "is_headline", "position")
        .with_columns(noun=noun)
        # A repeat is in another sentence; equal counts in one sentence are different list items.
        .filter(
            pl.col("sentence_no")
            == pl.col("sentence_no").first().over(["article_no", "value", "value_high", "category", "claimant", "noun"])
        )
        .sort("article_no", "position")
    )


def figure_ids(figures: pl.DataFrame) -> pl.Series:
    """Stable figure ids: sha1 of article_id|start|end|category, 16 hex characters."""
    keys = figures.select(pl.concat_str(["article_id", "start", "end", "category"], separator="|"))
    # python-per-distinct-match: one sha1 per figure (polars has no stable cryptographic hash).
    return pl.Series("figure_id", [hashlib.sha1(k.encode()).hexdigest()[:16] for k in keys.to_series()], pl.String)


def figures_from_articles(articles: pl.DataFrame) -> pl.DataFrame:
    """Loss figures stated in articles (article_id, file, text), as rows of FIGURE_SCHEMA."""
    if articles.height == 0:
        return empty_figures()
    sents = sentence_contexts(sentences(articles))
    numbers = number_mentions(sents)
    singletons = singleton_mentions(sents)
    # An "a" inside a number ("a quarter of a million", "a dozen") is not a count of one.
    inside = (
        singletons.select(*SENTENCE_KEY, "start")
        .join(numbers.select(*SENTENCE_KEY, n_start="start", n_end="end"), on=SENTENCE_KEY)
        .filter((pl.col("start") >= pl.col("n_start")) & (pl.col("start") < pl.col("n_end")))
        .select(*SENTENCE_KEY, "start")
    )
    singletons = singletons.join(inside, on=[*SENTENCE_KEY, "start"], how="anti")
    mentions = pl.concat([numbers, singletons], how="vertical_relaxed")
    mentions = countable_mentions(mentions_in_context(mentions, sents))
    mentions = inherited_categories(categorised_mentions(qualified_numbers(mentions)), sents)
    figures = coordinated_qualifiers(loss_statements(mentions))
    mentions_of_claimants = claimant_mentions(sents)
    by_sentence = sentence_claimants(sents, mentions_of_claimants)
    figures = claimants(figures, mentions_of_claimants, by_sentence)
    figures = parties(
        figures, party_cues(sents, by_sentence, mentions_of_claimants), country_mentions(sents), launcher_cues(sents)
    )
    figures = deduplicated(figures)
    if figures.height == 0:
        return empty_figures()
    figures = figures.with_columns(
        # A natural disaster has no sides: its toll is stated by no side's claimant.
        claimant_party=pl.when(pl.col("disaster")).then(None).otherwise("claimant_party"),
        start=pl.col("sentence_start") + pl.col("start"),
        end=pl.col("sentence_start") + pl.col("end"),
    )
    return figures.with_columns(figure_ids(figures)).select(
        [pl.col(name).cast(dtype) for name, dtype in FIGURE_SCHEMA.items()]
    )
