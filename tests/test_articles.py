"""Reading raw files: every format, metadata, encodings and the reasons a file is not read."""

from __future__ import annotations

import codecs
import json

import polars as pl
import pytest

from flows.articles import UnreadableArticle, articles_from_file, decoded_text, html_parts, md_parts, txt_parts
from flows.files import file_inventory, hashed


def test_txt_headline_is_the_title_and_stays_in_the_text():
    text = "Russia says 500 soldiers died\n\nOn Monday the ministry said 500 soldiers died.\n"
    parts = txt_parts(text)
    assert parts["title"] == "Russia says 500 soldiers died"
    assert parts["text"] == text


def test_txt_first_paragraph_is_not_a_headline():
    parts = txt_parts("On Friday, the ministry gave an update on losses.\n\nMore text.")
    assert parts["title"] is None


def test_md_front_matter_gives_metadata_and_body():
    parts = md_parts("---\ntitle: Losses\npublished: 2023-03-10\noutlet: Wire\nurl: https://e.x/a\n---\nBody 12 tanks.\n")
    assert (parts["title"], parts["outlet"], parts["url"], str(parts["published_at"])) == (
        "Losses", "Wire", "https://e.x/a", "2023-03-10")
    assert parts["text"] == "Body 12 tanks.\n"


def test_html_keeps_visible_article_text_only():
    page = """<html><head><title>T</title><meta property="og:site_name" content="Herald">
    <meta property="article:published_time" content="2023-03-11T08:00:00Z"><style>p {color: red}</style>
    <script>var killed = 999;</script></head><body><nav>Home | World</nav>
    <article><h1>Headline</h1><p>The army lost 12 tanks &amp; 3 jets.</p><script>track(1)</script></article>
    <footer>(c) 2023</footer></body></html>"""
    parts = html_parts(page)
    assert parts["text"] == "Headline\n\nThe army lost 12 tanks & 3 jets."
    assert parts["outlet"] == "Herald" and str(parts["published_at"]) == "2023-03-11"


def test_json_object_and_jsonl_lines_become_articles_with_a_reason_for_bad_lines():
    one = json.dumps({"body": "Ten soldiers died.", "title": "T", "date": "2024-01-02"}).encode()
    found, problems = articles_from_file(one, "a.json", "json")
    assert [a.file for a in found] == ["a.json"] and found[0].text == "Ten soldiers died." and not problems
    lines = b'{"text": "First."}\n{not json\n{"title": "no text"}\n{"text": "Fourth."}\n'
    found, problems = articles_from_file(lines, "f.jsonl", "jsonl")
    assert [a.file for a in found] == ["f.jsonl#1", "f.jsonl#4"]
    assert [p[0] for p in problems] == ["f.jsonl#2", "f.jsonl#3"]
    assert "not valid JSON" in problems[0][1] and "no non-empty 'text'" in problems[1][1]


@pytest.mark.parametrize("raw, encoding, text", [
    (codecs.BOM_UTF8 + "Kyiv’s losses".encode(), "utf-8-sig", "Kyiv’s losses"),
    ("Kyiv’s losses".encode("utf-16"), "utf-16", "Kyiv’s losses"),
    ("Kyiv’s losses".encode("cp1252"), "cp1252", "Kyiv’s losses"),
    ("plain".encode(), "utf-8", "plain"),
])
def test_text_is_decoded_and_its_encoding_recorded(raw, encoding, text):
    assert decoded_text(raw) == (text, encoding)


@pytest.mark.parametrize("raw, reason", [(b"", "empty"), (b" \n\t\n", "empty"), (b"\x00\x01\x02PNG", "binary")])
def test_unreadable_files_say_why(raw, reason):
    with pytest.raises(UnreadableArticle, match=reason):
        decoded_text(raw)


def test_crlf_line_endings_are_normalised():
    found, _ = articles_from_file(b"Head\r\n\r\nBody line.\r\n", "a.txt", "txt")
    assert found[0].text == "Head\n\nBody line.\n" and found[0].title == "Head"


def test_inventory_marks_new_skipped_unknown_and_too_large(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Five soldiers died.")
    (tmp_path / "b.txt").write_text("Five soldiers died.")  # same content as a.txt
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / "d.md").write_text("x" * 100)
    inventory = {r["source_file"]: r for r in file_inventory(tmp_path, 50).to_dicts()}
    assert inventory["b.txt"]["status"] == "pending"
    assert inventory["sub/a.txt"]["status"] == "skipped" and "same content as b.txt" in inventory["sub/a.txt"]["reason"]
    assert inventory["c.pdf"]["status"] == "skipped" and "unknown extension" in inventory["c.pdf"]["reason"]
    assert inventory["d.md"]["status"] == "quarantined" and "limit" in inventory["d.md"]["reason"]
    loaded = pl.DataFrame({"file_sha256": [inventory["b.txt"]["file_sha256"]], "loaded_file": ["b.txt"]})
    again = {r["source_file"]: r for r in file_inventory(tmp_path, 50, loaded).to_dicts()}
    assert again["b.txt"]["reason"] == "unchanged since it was loaded"


def test_files_hashed_in_chunks_get_the_hash_of_their_own_content(tmp_path):
    from flows.files import KNOWN_SCHEMA, file_sha256, keyed, raw_listing, with_hashes

    for n in range(5):
        (tmp_path / f"{n}.txt").write_text(f"{n} soldiers died.")
    listing = raw_listing(tmp_path, 1000)
    hashed_by_two = with_hashes(listing, tmp_path, keyed(None, KNOWN_SCHEMA, "source_file"), chunk=2)
    assert dict(hashed_by_two.select("source_file", "file_sha256").rows()) == {
        f"{n}.txt": file_sha256(tmp_path / f"{n}.txt") for n in range(5)}


def test_an_unchanged_loaded_file_is_not_hashed_again(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Five soldiers died.")
    stat = path.stat()
    known = pl.DataFrame({"source_file": ["a.txt"], "size": [stat.st_size], "mtime_ns": [stat.st_mtime_ns],
                          "file_sha256": ["recorded-sha"]})
    loaded = pl.DataFrame({"file_sha256": ["recorded-sha"], "loaded_file": ["a.txt"]})
    row = file_inventory(tmp_path, 1000, loaded, known).row(0, named=True)
    assert (row["file_sha256"], row["status"], row["reason"]) == ("recorded-sha", "skipped",
                                                                  "unchanged since it was loaded")
    path.write_text("Six soldiers died.")  # changed size: hashed again, and new
    row = file_inventory(tmp_path, 1000, loaded, known).row(0, named=True)
    assert row["file_sha256"] != "recorded-sha" and row["status"] == "pending"


def test_a_file_that_cannot_be_hashed_is_quarantined_with_the_reason(tmp_path):
    assert hashed(tmp_path / "gone.txt") == (None, "file vanished before it could be read")
    (tmp_path / "folder.txt").mkdir()  # opening a folder as a file fails with the OS's own words
    sha, why = hashed(tmp_path / "folder.txt")
    assert sha is None and why == "cannot read file: Is a directory"
    (tmp_path / "ok.txt").write_text("12 tanks")
    assert hashed(tmp_path / "ok.txt")[1] is None
