"""The extractor's vocabularies: small cached loaders over the data files in transforms/lexicon/."""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

import yaml

# Abbreviation periods ("Gen.", "U.S.") are replaced by this character before sentence splitting;
# patterns built here accept it wherever a lexicon phrase has a period.
ABBREVIATION_DOT = "\ue000"


@cache
def lexicon_yaml(name: str) -> dict:
    """One YAML file of transforms/lexicon/, parsed."""
    text = resources.files("transforms").joinpath(f"lexicon/{name}").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def lexicon_csv(name: str) -> tuple[dict[str, str], ...]:
    """One CSV file of transforms/lexicon/, as rows."""
    text = resources.files("transforms").joinpath(f"lexicon/{name}").read_text("utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def normalized(phrase: str) -> str:
    """The lookup key of a phrase: lowercase, straight apostrophes, hyphens and runs of space as one space."""
    phrase = phrase.replace(ABBREVIATION_DOT, ".").replace("’", "'").replace("‘", "'").lower()
    return re.sub(r"[\s\-]+", " ", phrase).strip()


def phrase_pattern(phrase: str) -> str:
    """A regex for a lexicon phrase: a space matches spaces or a hyphen, a hyphen is optional."""
    out = []
    for char in phrase:
        if char == " ":
            out.append(r"[\s\-]+")
        elif char == "-":
            out.append(r"[\s\-]?")
        elif char == ".":
            out.append(f"[.{ABBREVIATION_DOT}]")
        elif char in "'’":
            out.append("['’]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def alternation(phrases) -> str:
    """A non-capturing regex alternation of phrases, longest first so that longer phrases win."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(phrase_pattern(p) for p in unique) + ")"


def caseless_alternation(phrases) -> str:
    """alternation() matching either case of each letter, and no other letter: a big alternation under
    (?i) folds every letter over Unicode ("k" also matches the Kelvin sign) and runs several times slower
    in the capture engine."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(_caseless(phrase_pattern(p)) for p in unique) + ")"


def _caseless(pattern: str) -> str:
    """A phrase_pattern with each run of ASCII letters as `(?i-u:run)` (ASCII case folding) and any other
    cased letter as a class of its two cases; escapes such as \\s kept.

    `(?i-u:tank)` is the same expression as "[Tt][Aa][Nn][Kk]", but the regex engine parses it faster (the
    230 head nouns: 4.6 ms instead of 6.4), and polars compiles each pattern again in each call.
    """
    return re.sub(r"\\.|[A-Za-z]+|.", _caseless_token, pattern, flags=re.DOTALL)


def _caseless_token(match: re.Match) -> str:
    """One token of a phrase_pattern for _caseless: an escape, a run of ASCII letters or one character."""
    token = match.group(0)
    if token.isascii() and token.isalpha():
        return f"(?i-u:{token})"
    if len(token) == 1 and token.lower() != token.upper() and len(token.lower()) == len(token.upper()) == 1:
        return f"[{token.upper()}{token.lower()}]"
    return token


# ---------------------------------------------------------------- categories
@cache
def category_heads() -> dict[str, tuple[str, str]]:
    """Head noun (normalized) -> (kind, category); kind is equipment, generic or people."""
    data = lexicon_yaml("categories.yaml")
    heads: dict[str, tuple[str, str]] = {}
    for category, phrases in data["equipment"].items():
        for phrase in phrases:
            heads[normalized(phrase)] = ("equipment", category)
    for phrase in data["generic_heads"]:
        heads[normalized(phrase)] = ("generic", "")
    for phrase in data["people"]:
        heads[normalized(phrase)] = ("people", "")
    return heads


@cache
def head_phrases(kinds: tuple[str, ...] = ("equipment", "generic", "people")) -> tuple[str, ...]:
    """The surface phrases of the head nouns of the given kinds."""
    data = lexicon_yaml("categories.yaml")
    phrases: list[str] = []
    if "equipment" in kinds:
        phrases += [p for ps in data["equipment"].values() for p in ps]
    if "generic" in kinds:
        phrases += data["generic_heads"]
    if "people" in kinds:
        phrases += data["people"]
    return tuple(phrases)


@cache
def personnel_outcomes(position: str) -> dict[str, str]:
    """Loss word (normalized) -> personnel category, for words "after" or "before" a count."""
    data = lexicon_yaml("categories.yaml")["personnel"]
    outcomes: dict[str, str] = {}
    # Most specific categories last so that they win a tie ("killed" listed twice).
    for category in ("casualties", "missing", "captured", "wounded", "killed"):
        for phrase in data[category][position]:
            outcomes.setdefault(normalized(phrase), category)
    return outcomes


# ---------------------------------------------------------------- qualifiers and numbers
@cache
def qualifier_cues() -> dict[str, str]:
    """Cue phrase (normalized) -> qualifier."""
    data = lexicon_yaml("qualifiers.yaml")
    return {normalized(p): q for q, phrases in data.items() for p in phrases}


@cache
def number_words() -> dict[str, dict]:
    """Number words: units, tens, magnitudes, fixed phrases and singleton articles."""
    return lexicon_yaml("numbers.yaml")


# ---------------------------------------------------------------- parties
@cache
def party_lexicon() -> dict:
    """The party vocabulary (parties.yaml) as parsed."""
    return lexicon_yaml("parties.yaml")


@cache
def party_adjectives() -> dict[str, str]:
    """Adjective (normalized) -> party."""
    return {
        normalized(a): party
        for party, forms in party_lexicon()["parties"].items()
        for a in forms.get("adjectives", [])
    }


@cache
def party_names() -> dict[str, str]:
    """Country, capital or group name (normalized) -> party."""
    return {
        normalized(n): party
        for party, forms in party_lexicon()["parties"].items()
        for n in forms.get("names", [])
    }


@cache
def party_name_phrases() -> tuple[str, ...]:
    """Country, capital and group names as written (matched case-sensitively)."""
    return tuple(n for forms in party_lexicon()["parties"].values() for n in forms.get("names", []))


@cache
def party_standalone() -> dict[str, str]:
    """Phrase naming a party on its own ("on both sides") -> party."""
    return {normalized(p): party for party, ps in party_lexicon()["standalone"].items() for p in ps}


@cache
def head_parties() -> dict[str, str]:
    """Head noun that names its own party ("civilians") -> party."""
    return {normalized(p): party for party, ps in party_lexicon()["head_parties"].items() for p in ps}


@cache
def opposite_parties() -> dict[str, str]:
    """Party -> the side opposite it."""
    return dict(party_lexicon()["opposites"])


@cache
def countries() -> dict[str, str]:
    """Country name or adjective (normalized) -> party, for disaster tolls and governments as speakers."""
    table: dict[str, str] = {}
    for row in lexicon_csv("countries.csv"):
        table[normalized(row["name"])] = row["party"]
        table.setdefault(normalized(row["adjective"]), row["party"])
    return table


@cache
def country_phrases() -> tuple[str, ...]:
    """Country names and adjectives as written (matched case-sensitively)."""
    rows = lexicon_csv("countries.csv")
    return tuple({row["name"] for row in rows} | {row["adjective"] for row in rows})


# ---------------------------------------------------------------- context words
@cache
def context_words(key: str) -> tuple[str, ...]:
    """One word list of context.yaml (loss_words, not_loss_words, units, speech_verbs, ...)."""
    return tuple(str(w) for w in lexicon_yaml("context.yaml")[key])


# ---------------------------------------------------------------- claimants
@cache
def claimant_aliases() -> dict[str, tuple[str, str | None, str]]:
    """Alias (normalized) -> (claimant, claimant_party or None, kind)."""
    return {
        normalized(row["alias"]): (row["claimant"], row["claimant_party"] or None, row["kind"])
        for row in lexicon_csv("claimants.csv")
    }


@cache
def claimant_alias_phrases(attributed_only: bool) -> tuple[str, ...]:
    """Alias surfaces: those that name a claimant only with a speech verb, or all the others."""
    return tuple(
        row["alias"]
        for row in lexicon_csv("claimants.csv")
        if row["alias"] != "reporter" and (row.get("attributed_only") == "true") == attributed_only
    )


@cache
def claimant_reports_on() -> dict[str, str]:
    """Claimant id -> the side whose losses it counts when a figure names none (Mediazona: russia)."""
    return {row["claimant"]: row["reports_on"] for row in lexicon_csv("claimants.csv") if row.get("reports_on")}


def claimant_rows() -> list[tuple[str, str | None, str]]:
    """(claimant, claimant_party, kind) for each distinct claimant id, "reporter" included."""
    seen: dict[str, tuple[str, str | None, str]] = {}
    for claimant, party, kind in claimant_aliases().values():
        seen.setdefault(claimant, (claimant, party, kind))
    return sorted(seen.values())
