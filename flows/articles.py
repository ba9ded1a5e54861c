"""Raw article files to article records: decoding and per-format parsing (.txt .md .html .json .jsonl)."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import yaml

ARTICLE_FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                   ".json": "json", ".jsonl": "jsonl"}
TEXT_KEYS = ("text", "body", "content")
DATE_KEYS = ("published_at", "published", "date")


class UnreadableArticle(ValueError):
    """A file that cannot become an article; the message is the reason."""


class FileChanged(RuntimeError):
    """A file that changed between discovery and reading (still being written): retried next run."""


CHANGED_REASON = "file changed while being read; will retry next run"


@dataclass
class Article:
    """One article as read from a raw file, before extraction."""

    article_id: str
    file: str
    file_sha256: str
    format: str
    encoding: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published_at: date | None = None


def sha256_hex(data: bytes) -> str:
    """The sha256 of some bytes, as hex: the id of an article or file."""
    return hashlib.sha256(data).hexdigest()


def decoded_text(raw: bytes) -> tuple[str, str]:
    """Text and encoding of raw bytes: BOMs honoured, UTF-8 tried first, then Windows-1252."""
    if not raw.strip():
        raise UnreadableArticle("empty or whitespace-only file")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding), encoding
    if b"\x00" in raw[:8192]:
        raise UnreadableArticle("binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1252", errors="replace")
    if text.count("\ufffd") > max(3, len(text) // 100):
        raise UnreadableArticle("not decodable as UTF-8 or Windows-1252 text")
    return text, "cp1252"


def normalised_newlines(text: str) -> str:
    """Text with CRLF and CR line endings turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parsed_date(value: object) -> date | None:
    """A publication date from metadata (ISO date or datetime), or None when absent or unparseable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            match = re.match(r"\d{4}-\d{2}-\d{2}", value.strip())
            return date.fromisoformat(match.group()) if match else None
    return None


def metadata_fields(meta: dict) -> dict:
    """Title, outlet, url and published_at from a metadata mapping, under the article's names."""
    published = next((meta[k] for k in DATE_KEYS if meta.get(k)), None)
    return {
        "title": str(meta["title"]).strip() if meta.get("title") else None,
        "outlet": str(meta["outlet"]).strip() if meta.get("outlet") else None,
        "url": str(meta["url"]).strip() if meta.get("url") else None,
        "published_at": parsed_date(published),
    }


def txt_parts(text: str) -> dict:
    """Text of a .txt article, with its first line as the title when it looks like a headline."""
    first, _, rest = text.lstrip("\n").partition("\n")
    looks_like_headline = (
        rest.startswith("\n") and 0 < len(first.strip()) <= 200 and not first.rstrip().endswith((".", ":", ";"))
    )
    return {"text": text, "title": first.strip() if looks_like_headline else None}


# libyaml's safe loader when PyYAML has it (its wheels do): the same documents, several times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?", re.DOTALL)


def md_parts(text: str) -> dict:
    """Body and front-matter metadata of a Markdown article."""
    match = FRONT_MATTER.match(text)
    if not match:
        return txt_parts(text)
    try:
        meta = yaml.load(match.group(1), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise UnreadableArticle(f"front matter is not valid YAML: {exc.problem}") from exc
    if not isinstance(meta, dict):
        raise UnreadableArticle("front matter is not a mapping of fields")
    return {"text": text[match.end():].lstrip("\n"), **metadata_fields(meta)}


class _VisibleText(HTMLParser):
    """Collects the visible text of an HTML page, paragraph by paragraph, and its metadata."""

    HIDDEN = {"script", "style", "noscript", "template", "head", "svg"}
    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
              "header", "footer", "blockquote", "tr", "ul", "ol", "nav", "aside", "main", "figcaption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden_depth = 0
        self.chunks: list[str] = []
        self.article_chunks: list[str] | None = None
        self.article_depth = 0
        self.title_parts: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self.in_title = True
        if tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if attrs.get("content"):
                self.meta[key] = attrs["content"]
        if tag == "link" and (attrs.get("rel") or "").lower() == "canonical" and attrs.get("href"):
            self.meta["canonical"] = attrs["href"]
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        if tag == "article":
            self.article_depth += 1
            if self.article_chunks is None:
                self.article_chunks = []
        if tag in self.BLOCKS:
            self._emit("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1
        if tag in self.BLOCKS:
            self._emit("\n\n")
        if tag == "article" and self.article_depth:
            self.article_depth -= 1

    def handle_data(self, data):
        if self.in_title:
            self.title_parts.append(data)
        elif not self.hidden_depth:
            self._emit(re.sub(r"\s+", " ", data))

    def _emit(self, chunk: str) -> None:
        self.chunks.append(chunk)
        if self.article_depth and self.article_chunks is not None:
            self.article_chunks.append(chunk)


def tidy_paragraphs(text: str) -> str:
    """Text with paragraphs separated by one blank line and no stray spaces at line ends."""
    paragraphs = (re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def html_parts(text: str) -> dict:
    """Visible text and metadata of an HTML page; the <article> element when there is one."""
    parser = _VisibleText()
    parser.feed(text)
    parser.close()
    chunks = parser.article_chunks if parser.article_chunks else parser.chunks
    meta = parser.meta
    fields = metadata_fields({
        "title": meta.get("og:title") or "".join(parser.title_parts).strip() or None,
        "outlet": meta.get("og:site_name") or meta.get("outlet"),
        "url": meta.get("og:url") or meta.get("canonical"),
        "published_at": meta.get("article:published_time") or meta.get("date") or meta.get("published"),
    })
    return {"text": tidy_paragraphs("".join(chunks)), **fields}


def json_record_parts(record: object, where: str) -> dict:
    """Text and metadata of one JSON article object."""
    if not isinstance(record, dict):
        raise UnreadableArticle(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = next((record[k] for k in TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
    if text is None:
        raise UnreadableArticle(f"{where}: object has no non-empty 'text' or 'body' field")
    return {"text": normalised_newlines(text), **metadata_fields(record)}


def articles_from_file(raw: bytes, file: str, fmt: str) -> tuple[list[Article], list[tuple[str, str]]]:
    """Articles in one raw file, and (file, reason) for each part that could not be read."""
    file_sha = sha256_hex(raw)
    text, encoding = decoded_text(raw)
    text = normalised_newlines(text)

    def article(parts: dict, name: str, content: bytes) -> Article:
        return Article(article_id=sha256_hex(content), file=name, file_sha256=file_sha, format=fmt,
                       encoding=encoding, **parts)

    if fmt == "txt":
        return [article(txt_parts(text), file, raw)], []
    if fmt == "md":
        return [article(md_parts(text), file, raw)], []
    if fmt == "html":
        parts = html_parts(text)
        if not parts["text"]:
            raise UnreadableArticle("HTML page has no visible text")
        return [article(parts, file, raw)], []
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnreadableArticle(f"JSON does not parse: {exc.msg} at line {exc.lineno}") from exc
        records = data if isinstance(data, list) else [data]
        many = len(records) > 1
        found, problems = [], []
        for n, record in enumerate(records, start=1):
            name = f"{file}#{n}" if many else file
            try:
                found.append(article(json_record_parts(record, name), name,
                                     json.dumps(record, sort_keys=True).encode()))
            except UnreadableArticle as exc:
                problems.append((name, str(exc)))
        return found, problems
    if fmt == "jsonl":
        found, problems = [], []
        for n, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            name = f"{file}#{n}"
            try:
                found.append(article(json_record_parts(json.loads(line), name), name, line.encode()))
            except json.JSONDecodeError as exc:
                problems.append((name, f"line {n} is not valid JSON: {exc.msg}"))
            except UnreadableArticle as exc:
                problems.append((name, str(exc)))
        return found, problems
    raise UnreadableArticle(f"unknown format {fmt!r}")


def article_format(path: Path | str) -> str | None:
    """The article format of a path or file name, by its extension, or None when it is not an article file."""
    return ARTICLE_FORMATS.get(os.path.splitext(path)[1].lower())


ARTICLE_COLUMNS = {
    "article_id": pl.String, "file": pl.String, "source_file": pl.String, "file_sha256": pl.String,
    "format": pl.String, "encoding": pl.String, "title": pl.String, "outlet": pl.String,
    "url": pl.String, "published_at": pl.Date, "text": pl.String,
}
LOG_COLUMNS = {
    "path": pl.String, "source_file": pl.String, "file_sha256": pl.String, "article_id": pl.String,
    "status": pl.String, "reason": pl.String,
}


def article_row(article: Article, source_file: str) -> dict:
    """An article as a row of the article frame."""
    return {name: getattr(article, name, None) for name in ARTICLE_COLUMNS} | {"source_file": source_file}


def linked_outside(raw_dir: Path, source: str) -> bool:
    """True when the file, or a folder between it and the raw folder, is now a link that leads outside the
    raw folder. Only paths with a link on them are resolved (one lstat per level otherwise)."""
    current = str(raw_dir)
    for part in source.split("/"):
        current = os.path.join(current, part)
        if os.path.islink(current):
            return not (raw_dir / source).resolve().is_relative_to(raw_dir.resolve())
    return False


def discovered_bytes(raw_dir: Path, source: str, entry: dict) -> bytes:
    """The bytes of a file as discovery saw them (size and sha256), else FileChanged; never more than that size."""
    if linked_outside(raw_dir, source):
        raise FileChanged(f"{CHANGED_REASON} (it now links outside the raw folder)")
    size, sha = entry.get("size"), entry.get("file_sha256")
    with open(raw_dir / source, "rb") as handle:
        if size is None:
            return handle.read()
        if os.fstat(handle.fileno()).st_size != size:
            raise FileChanged(CHANGED_REASON)
        raw = handle.read(size + 1)
    if len(raw) != size or (sha is not None and sha256_hex(raw) != sha):
        raise FileChanged(CHANGED_REASON)
    return raw


def read_articles(raw_dir: Path, files: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Articles read from a batch of inventory rows, and an ingest-log row for everything not read."""
    rows, log = [], []
    seen: dict[str, str] = {}
    for entry in files:
        source = entry["source_file"]
        base = {"path": source, "source_file": source, "file_sha256": entry.get("file_sha256"), "article_id": None}
        try:
            raw = discovered_bytes(raw_dir, source, entry)
            found, problems = articles_from_file(raw, source, entry["format"])
        except FileNotFoundError:
            log.append(base | {"status": "quarantined", "reason": "file vanished between discovery and reading"})
            continue
        except FileChanged as exc:
            log.append(base | {"status": "skipped", "reason": str(exc)})
            continue
        except UnreadableArticle as exc:
            log.append(base | {"status": "quarantined", "reason": str(exc)})
            continue
        except OSError as exc:
            log.append(base | {"status": "quarantined", "reason": f"cannot read file: {exc.strerror or exc}"})
            continue
        except Exception as exc:  # a reader's bug must never cost the rest of the batch
            log.append(base | {"status": "quarantined", "reason": f"reader error: {type(exc).__name__}: {exc}"})
            continue
        log.extend(base | {"path": item, "status": "quarantined", "reason": why} for item, why in problems)
        for article in found:
            if article.article_id in seen:
                log.append(base | {"path": article.file, "article_id": article.article_id, "status": "skipped",
                                   "reason": f"same text as {seen[article.article_id]}"})
                continue
            seen[article.article_id] = article.file
            rows.append(article_row(article, source))
    return pl.DataFrame(rows, schema=ARTICLE_COLUMNS), pl.DataFrame(log, schema=LOG_COLUMNS)
