"""Checks of the hand-written gold files: tests/fixtures/extraction/gold.jsonl and
tests/fixtures/sample_gold.jsonl (the gold of the bundled sample corpus in data/sample/).

Every gold line must parse, carry the contract's fields with valid values, and quote its
article verbatim; the quote must contain the figure's number in some surface form
("1,351", "1.351", "122 883", "seven", "a quarter of a million", "30k", "a helicopter", ...).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXTRACTION = FIXTURES / "extraction"
EXTRACTION_ARTICLES = EXTRACTION / "articles"
EXTRACTION_GOLD = EXTRACTION / "gold.jsonl"
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_GOLD = FIXTURES / "sample_gold.jsonl"
CATEGORIES_CSV = ROOT / "transforms" / "vocabulary" / "categories.csv"

QUALIFIERS = {"exact", "approx", "at_least", "at_most"}
REQUIRED = ("file", "value", "category", "party", "claimant", "claimant_party", "qualifier", "quote")
ALLOWED = set(REQUIRED) | {"value_high", "start", "end", "sentence"}
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm", ".json", ".jsonl"}


# --------------------------------------------------------------------------- helpers


def categories() -> set[str]:
    with CATEGORIES_CSV.open(encoding="utf-8") as fh:
        return {row["category"] for row in csv.DictReader(fh)}


def load_gold(path: Path) -> list[tuple[int, dict]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rows.append((lineno, json.loads(line)))
    return rows


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def split_front_matter(raw: str) -> tuple[dict, str]:
    """(metadata, body) of a Markdown file with optional YAML front matter."""
    m = _FRONT_MATTER.match(raw)
    if not m:
        return {}, raw
    import yaml

    meta = yaml.safe_load(m.group(1)) or {}
    return meta, raw[m.end():]


def json_text(obj: dict) -> str:
    return obj.get("text") or obj.get("body") or ""


def sample_text(ref: str) -> str:
    """The article text a sample gold line refers to ("dir/file.ext" or "dir/file.jsonl#N")."""
    name, _, line = ref.partition("#")
    path = SAMPLE_DIR / name
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        assert line, f"{ref}: a .jsonl reference needs '#<1-based line>'"
        lines = [ln for ln in raw.splitlines()]
        return json_text(json.loads(lines[int(line) - 1]))
    assert not line, f"{ref}: '#' is only for .jsonl files"
    if path.suffix == ".json":
        return json_text(json.loads(raw))
    if path.suffix == ".md":
        return split_front_matter(raw)[1]
    return raw  # .txt as is, .html raw (the quote must occur in the raw page)


def sample_documents() -> list[tuple[str, dict]]:
    """(reference, metadata) for every article of the sample corpus."""
    docs = []
    for path in sorted(SAMPLE_DIR.rglob("*")):
        if not path.is_file() or path.suffix not in ARTICLE_SUFFIXES:
            continue
        rel = path.relative_to(SAMPLE_DIR).as_posix()
        raw = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            for i, line in enumerate(raw.splitlines(), start=1):
                if line.strip():
                    obj = json.loads(line)
                    docs.append((f"{rel}#{i}", {k: obj.get(k) for k in ("title", "date", "url", "outlet")}))
        elif path.suffix == ".json":
            obj = json.loads(raw)
            docs.append((rel, {k: obj.get(k) for k in ("title", "date", "url", "outlet")}))
        elif path.suffix == ".md":
            meta, _ = split_front_matter(raw)
            date = meta.get("date") or meta.get("published")
            docs.append((rel, {"title": meta.get("title"), "date": date, "url": meta.get("url"), "outlet": meta.get("outlet")}))
        elif path.suffix in {".html", ".htm"}:
            outlet = re.search(r'<meta\s+name="outlet"\s+content="([^"]+)"', raw)
            date = re.search(r'<meta\s+property="article:published_time"\s+content="([^"]+)"', raw)
            docs.append((rel, {"outlet": outlet and outlet.group(1), "date": date and date.group(1)[:10]}))
        else:
            docs.append((rel, {}))
    return docs


# ---------------------------------------------------------------- number surface forms

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ONE_WORDS = {"a", "an", "one", "single", "lone"}
_MAGNITUDE = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "k": 1_000, "m": 1_000_000}
_SPACES = "\u00a0\u2009\u202f"


def _word_numbers(text: str) -> set[int]:
    found: set[int] = set()
    low = text.lower()
    phrases = {
        r"\ba quarter of a million\b": 250_000,
        r"\bhalf a million\b": 500_000,
        r"\b(?:a|one) million\b": 1_000_000,
        r"\b(?:a|one) thousand\b": 1_000,
        r"\b(?:a|one) hundred\b": 100,
        r"\ba dozen\b": 12,
    }
    for pattern, value in phrases.items():
        if re.search(pattern, low):
            found.add(value)
    words = re.findall(r"[a-z]+", low)
    if any(w in _ONE_WORDS for w in words):
        found.add(1)
    # runs of number words: "twenty-three", "five hundred", "two dozen", "fourteen thousand"
    total = current = 0
    in_run = False
    for w in words + ["<end>"]:
        if w in _UNITS:
            current += _UNITS[w]
            in_run = True
        elif w in _TENS:
            current += _TENS[w]
            in_run = True
        elif w == "dozen" and in_run:
            current *= 12
        elif w in _SCALES and in_run:
            if w == "hundred":
                current *= 100
            else:
                total += current * _SCALES[w]
                current = 0
        elif w == "and" and in_run:
            continue
        else:
            if in_run:
                found.add(total + current)
                found.add(current)
            total = current = 0
            in_run = False
    return found


def _digit_numbers(text: str) -> set[int]:
    found: set[int] = set()
    norm = text
    for ch in _SPACES:
        norm = norm.replace(ch, " ")
    pattern = re.compile(
        r"(\d{1,3}(?:[,. ]\d{3})+|\d+(?:\.\d+)?)\s*(thousand|million|billion|k|m)?\b", re.I
    )
    for m in pattern.finditer(norm):
        token, mag = m.group(1), (m.group(2) or "").lower()
        candidates: set[float] = set()
        if re.fullmatch(r"\d{1,3}(?:[,. ]\d{3})+", token):
            candidates.add(int(re.sub(r"[,. ]", "", token)))
            if "." in token and token.count(".") == 1 and " " not in token and "," not in token:
                candidates.add(float(token))  # "1.500 million" read as a decimal, just in case
        elif "." in token:
            candidates.add(float(token))
        else:
            candidates.add(int(token))
        for c in candidates:
            found.add(int(c)) if float(c).is_integer() else None
            if mag:
                found.add(int(round(c * _MAGNITUDE[mag])))
        # every plain digit run on its own as well ("10-15 thousand": 10, 15, 15000)
        for run in re.findall(r"\d+", token):
            found.add(int(run))
    # "10-15 thousand", "10 to 15 thousand": the magnitude applies to the lower end too
    for m in re.finditer(r"(\d+)\s*(?:-|–|—|to)\s*(\d+)\s*(thousand|million)\b", norm, re.I):
        scale = _MAGNITUDE[m.group(3).lower()]
        found.add(int(m.group(1)) * scale)
        found.add(int(m.group(2)) * scale)
    return found


def numbers_in(text: str) -> set[int]:
    """Every integer some surface form in text may stand for."""
    return _digit_numbers(text) | _word_numbers(text)


# --------------------------------------------------------------------------- checks


def check_row(row: dict, cats: set[str]) -> list[str]:
    problems = []
    for key in REQUIRED:
        if key not in row:
            problems.append(f"missing field {key!r}")
    extra = set(row) - ALLOWED
    if extra:
        problems.append(f"unexpected fields {sorted(extra)}")
    if problems:
        return problems
    value = row["value"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(f"value {value!r} is not a non-negative integer")
    if "value_high" in row and row["value_high"] is not None:
        high = row["value_high"]
        if not isinstance(high, int) or isinstance(high, bool) or not isinstance(value, int) or high <= value:
            problems.append(f"value_high {high!r} is not an integer above value {value!r}")
    if row["category"] not in cats:
        problems.append(f"category {row['category']!r} not in the vocabulary")
    if row["qualifier"] not in QUALIFIERS:
        problems.append(f"qualifier {row['qualifier']!r} not in {sorted(QUALIFIERS)}")
    for key in ("party", "claimant"):
        if not isinstance(row[key], str) or not ID_RE.match(row[key]):
            problems.append(f"{key} {row[key]!r} is not a short lowercase id")
    cp = row["claimant_party"]
    if cp is not None and (not isinstance(cp, str) or not ID_RE.match(cp)):
        problems.append(f"claimant_party {cp!r} is neither null nor a short lowercase id")
    if row["claimant"] == "reporter" and cp is not None:
        problems.append("claimant 'reporter' must have claimant_party null")
    if not isinstance(row["quote"], str) or not row["quote"].strip():
        problems.append("quote is empty")
    return problems


def check_quote(row: dict, text: str) -> list[str]:
    problems = []
    quote = row["quote"]
    if quote not in text:
        problems.append(f"quote not found verbatim in the article: {quote!r}")
    numbers = numbers_in(quote)
    if row["value"] not in numbers:
        problems.append(f"quote {quote!r} holds no surface form of value {row['value']}")
    high = row.get("value_high")
    if high is not None and high not in numbers:
        problems.append(f"quote {quote!r} holds no surface form of value_high {high}")
    return problems


# ----------------------------------------------------------------- the number reader


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,351 servicemen", 1351),
        ("1.351 soldiers", 1351),
        ("122 883 dead", 122883),
        ("122\u2009883 dead", 122883),
        ("122\u00a0883 dead", 122883),
        ("1.5 million", 1_500_000),
        ("14 thousand", 14_000),
        ("30k troops", 30_000),
        ("seven tanks", 7),
        ("twenty-three soldiers", 23),
        ("a dozen", 12),
        ("a quarter of a million", 250_000),
        ("over a million", 1_000_000),
        ("10-15 thousand", 10_000),
        ("10-15 thousand", 15_000),
        ("a helicopter was shot down", 1),
        ("more than five hundred tanks", 500),
        ("(+200)", 200),
    ],
)
def test_number_reader(text: str, value: int) -> None:
    assert value in numbers_in(text)


# ------------------------------------------------------------------- extraction gold


def test_extraction_gold_exists() -> None:
    assert EXTRACTION_GOLD.is_file()
    assert EXTRACTION_ARTICLES.is_dir()
    articles = sorted(EXTRACTION_ARTICLES.glob("*.txt"))
    assert len(articles) >= 45, f"only {len(articles)} extraction fixtures"
    for path in articles:
        assert re.fullmatch(r"\d{3}_[a-z0-9_]+\.txt", path.name), f"bad fixture name {path.name}"


def test_extraction_gold_rows_valid() -> None:
    cats = categories()
    problems = []
    for lineno, row in load_gold(EXTRACTION_GOLD):
        for p in check_row(row, cats):
            problems.append(f"gold.jsonl:{lineno}: {p}")
    assert not problems, "\n".join(problems)


def test_extraction_gold_quotes_in_articles() -> None:
    problems = []
    for lineno, row in load_gold(EXTRACTION_GOLD):
        path = EXTRACTION_ARTICLES / row["file"]
        if not path.is_file():
            problems.append(f"gold.jsonl:{lineno}: no article {row['file']}")
            continue
        for p in check_quote(row, path.read_text(encoding="utf-8")):
            problems.append(f"gold.jsonl:{lineno} ({row['file']}): {p}")
    assert not problems, "\n".join(problems)


def test_extraction_gold_has_no_duplicate_lines() -> None:
    seen = defaultdict(list)
    for lineno, row in load_gold(EXTRACTION_GOLD):
        seen[json.dumps(row, sort_keys=True)].append(lineno)
    dups = [lines for lines in seen.values() if len(lines) > 1]
    assert not dups, f"duplicate gold lines: {dups}"


def test_extraction_readme_lists_every_fixture() -> None:
    readme = (EXTRACTION / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in EXTRACTION_ARTICLES.glob("*.txt") if p.name not in readme]
    assert not missing, f"fixtures not listed in README.md: {missing}"


# ----------------------------------------------------------------------- sample gold


def test_sample_corpus_formats() -> None:
    suffixes = {p.suffix for p in SAMPLE_DIR.rglob("*") if p.is_file()}
    assert {".txt", ".md", ".html", ".json", ".jsonl"} <= suffixes
    assert len(sample_documents()) >= 14
    assert any(p.is_dir() for p in SAMPLE_DIR.iterdir()), "no subfolders in data/sample"


def test_sample_gold_rows_valid() -> None:
    cats = categories()
    problems = []
    for lineno, row in load_gold(SAMPLE_GOLD):
        for p in check_row(row, cats):
            problems.append(f"sample_gold.jsonl:{lineno}: {p}")
    assert not problems, "\n".join(problems)


def test_sample_gold_quotes_in_articles() -> None:
    problems = []
    for lineno, row in load_gold(SAMPLE_GOLD):
        try:
            text = sample_text(row["file"])
        except (OSError, IndexError, ValueError, AssertionError) as exc:
            problems.append(f"sample_gold.jsonl:{lineno}: cannot read {row['file']}: {exc}")
            continue
        for p in check_quote(row, text):
            problems.append(f"sample_gold.jsonl:{lineno} ({row['file']}): {p}")
    assert not problems, "\n".join(problems)


def test_sample_has_echo_claim_across_three_outlets() -> None:
    """One claim (claimant, party, category, value, qualifier) appears in >= 3 articles from
    >= 3 different outlets published within 3 days: the echo-detection fixture."""
    meta = dict(sample_documents())
    groups = defaultdict(list)
    for _, row in load_gold(SAMPLE_GOLD):
        key = (row["claimant"], row["party"], row["category"], row["value"], row["qualifier"])
        groups[key].append(row["file"])
    found = []
    for key, files in groups.items():
        docs = [meta.get(f, {}) for f in set(files)]
        outlets = {d.get("outlet") for d in docs if d.get("outlet")}
        dates = [dt.date.fromisoformat(str(d["date"])[:10]) for d in docs if d.get("date")]
        if len(outlets) >= 3 and len(dates) >= 3 and (max(dates) - min(dates)).days <= 3:
            found.append(key)
    assert found, "no claim echoed by 3 outlets within 3 days"
