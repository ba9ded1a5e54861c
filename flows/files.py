"""The raw folder: which files there are, their hashes, and which of them are new."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from flows.articles import article_format

INVENTORY_SCHEMA = {
    "source_file": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "format": pl.String,
    "file_sha256": pl.String, "status": pl.String, "reason": pl.String,
}
# A file as listed, before hashing: status null for a file to hash, else skipped or quarantined.
LISTING_SCHEMA = {
    "source_file": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "format": pl.String,
    "status": pl.String, "reason": pl.String,
}
# The content hashes in the warehouse, each with the (first) file it was loaded from.
LOADED_SCHEMA = {"file_sha256": pl.String, "loaded_file": pl.String}
# What the warehouse recorded of each loaded file, to skip hashing it again when unchanged.
KNOWN_SCHEMA = {"source_file": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "file_sha256": pl.String}


def file_sha256(path: Path | str, chunk: int = 1 << 20) -> str:
    """The sha256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def raw_entries(raw_dir: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Every entry under the raw folder as (path relative to it, directory entry), recursively, in a stable
    order (a folder's files by name, then its subfolders by name); links, to folders too, are listed, not
    followed; hidden folders are not entered. One scandir per folder: no per-file system call. A generator:
    only one folder's entries are held at a time."""

    def visit(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        subfolders = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    subfolders.append(entry)
            else:
                yield prefix + entry.name, entry
        del entries
        for entry in subfolders:
            yield from visit(entry.path, f"{prefix}{entry.name}/")

    yield from visit(str(raw_dir), "")


def raw_files(raw_dir: Path) -> list[Path]:
    """Every file under the raw folder (see raw_entries), as paths."""
    return [Path(entry.path) for _, entry in raw_entries(raw_dir)]


def linked_file_problem(path: Path, raw_dir: Path) -> str | None:
    """Why a symlink is not read (outside the raw folder, broken, or to a folder), or None to read its target."""
    target = path.resolve()
    if not target.is_relative_to(raw_dir.resolve()):
        return f"symlink to {target} outside the raw folder, not followed"
    if not target.exists():
        return f"broken symlink to {target}"
    if target.is_dir():
        return "symlink to a folder, not followed"
    return None


def listed_file(rel: str, entry: os.DirEntry, raw_dir: Path, max_bytes: int) -> tuple:
    """One file as (source_file, size, mtime_ns, format, status, reason): status None for a file to hash,
    else skipped or quarantined with the reason (judged from its name and stat alone, nothing is read)."""
    name, fmt = entry.name, article_format(entry.name)
    if name.startswith("."):
        return rel, None, None, fmt, "skipped", "hidden file"
    try:
        if entry.is_symlink() and (problem := linked_file_problem(Path(entry.path), raw_dir)):
            return rel, None, None, fmt, "skipped", problem
        if fmt is None:
            return rel, None, None, fmt, "skipped", f"unknown extension {Path(name).suffix or '(none)'!r}"
        if not entry.is_file():
            return rel, None, None, fmt, "skipped", "not a regular file (a pipe, socket or device)"
        stat = entry.stat()
    except OSError as exc:
        return rel, None, None, fmt, "quarantined", unreadable(exc)
    if stat.st_size > max_bytes:
        return (rel, stat.st_size, stat.st_mtime_ns, fmt, "quarantined",
                f"file of {stat.st_size} bytes is over the {max_bytes}-byte limit")
    return rel, stat.st_size, stat.st_mtime_ns, fmt, None, None


def raw_listing(raw_dir: Path, max_bytes: int, chunk: int = 10_000) -> pl.DataFrame:
    """Every file under the raw folder (see raw_entries) with its size, modification time and format,
    as columns; status null for a file still to hash, else skipped or quarantined with the reason.

    The rows go into columns `chunk` files at a time: a million files cost their columns, not a million
    Python objects held for the whole walk.
    """
    parts, rows = [], []
    for rel, entry in raw_entries(raw_dir):
        rows.append(listed_file(rel, entry, raw_dir, max_bytes))
        if len(rows) == chunk:
            parts.append(pl.DataFrame(rows, schema=LISTING_SCHEMA, orient="row"))
            rows = []
    parts.append(pl.DataFrame(rows, schema=LISTING_SCHEMA, orient="row"))
    return pl.concat(parts, rechunk=True)


def unreadable(exc: OSError) -> str:
    """Why discovery could not stat or hash a file, as its quarantine reason."""
    if isinstance(exc, FileNotFoundError):
        return "file vanished before it could be read"
    return f"cannot read file: {exc.strerror}"


def hashed(path: Path) -> tuple[str | None, str | None]:
    """(sha256, None) of a file, or (None, why it could not be read)."""
    try:
        return file_sha256(path), None
    except OSError as exc:
        return None, unreadable(exc)


HASHES_SCHEMA = {"source_file": pl.String, "new_sha": pl.String, "problem": pl.String}


def hashes_of(raw_dir: Path, rels: list[str]) -> pl.DataFrame:
    """The sha256 of each file (new_sha), or why it could not be read (problem)."""
    results = [hashed(raw_dir / rel) for rel in rels]
    return pl.DataFrame({"source_file": rels, "new_sha": [sha for sha, _ in results],
                         "problem": [why for _, why in results]}, schema=HASHES_SCHEMA)


def with_hashes(listing: pl.DataFrame, raw_dir: Path, known: pl.DataFrame, chunk: int = 10_000) -> pl.DataFrame:
    """The listing with file_sha256: the recorded one where size and modification time are what the
    warehouse recorded (the file is not read again), else the file is hashed; unreadable: quarantined.

    Files are hashed `chunk` at a time into columns: a million files never stand as a million Python
    strings and tuples (about 400 MB that the process would keep for the rest of the run)."""
    listing = listing.join(known, on=["source_file", "size", "mtime_ns"], how="left", maintain_order="left")
    to_hash = listing.filter(pl.col("status").is_null() & pl.col("file_sha256").is_null())["source_file"]
    fresh = pl.concat([hashes_of(raw_dir, to_hash.slice(start, chunk).to_list())
                       for start in range(0, len(to_hash), chunk)] or [hashes_of(raw_dir, [])])
    return listing.join(fresh, on="source_file", how="left", maintain_order="left").select(
        *[c for c in LISTING_SCHEMA if c not in ("status", "reason")],
        file_sha256=pl.coalesce("file_sha256", "new_sha"),
        status=pl.when(pl.col("problem").is_not_null()).then(pl.lit("quarantined")).otherwise("status"),
        reason=pl.coalesce("reason", "problem"),
    )


def keyed(frame: pl.DataFrame | None, schema: dict, key: str) -> pl.DataFrame:
    """The frame's columns of schema, typed, one row per key (a join on it never repeats a file)."""
    if frame is None:
        return pl.DataFrame(schema=schema)
    return frame.select(list(schema)).cast(schema).unique(key, keep="last", maintain_order=True)


def file_inventory(raw_dir: Path, max_bytes: int, loaded: pl.DataFrame | None = None,
                   known: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every file under the raw folder with its hash and whether it is new (pending), skipped or quarantined.

    loaded (LOADED_SCHEMA): the content hashes already in the warehouse, with the file each came from;
    known (KNOWN_SCHEMA): size, modification time and hash of each loaded file. A loaded file whose size and
    modification time are unchanged is not read again: its recorded sha256 stands (a rerun over unchanged
    files reads no file). Of several files with the same new content, the first in folder order is pending.
    """
    loaded, known = keyed(loaded, LOADED_SCHEMA, "file_sha256"), keyed(known, KNOWN_SCHEMA, "source_file")
    files = with_hashes(raw_listing(raw_dir, max_bytes), raw_dir, known).with_row_index("_order")
    files = files.join(loaded, on="file_sha256", how="left", maintain_order="left")
    new = pl.col("status").is_null() & pl.col("loaded_file").is_null()
    first = files.filter(new).group_by("file_sha256").agg(first_file=pl.col("source_file").sort_by("_order").first())
    files = files.join(first, on="file_sha256", how="left", maintain_order="left")
    reason = (
        pl.when(pl.col("status").is_not_null()).then("reason")
        .when(pl.col("loaded_file") == pl.col("source_file")).then(pl.lit("unchanged since it was loaded"))
        .when(pl.col("loaded_file").is_not_null()).then(pl.lit("same content as already-loaded ") + pl.col("loaded_file"))
        .when(pl.col("first_file") != pl.col("source_file"))
        .then(pl.lit("same content as ") + pl.col("first_file") + pl.lit(" in this run"))
    )
    return files.with_columns(reason=reason).select(
        *[c for c in INVENTORY_SCHEMA if c not in ("status", "reason")],
        status=pl.coalesce("status", pl.when(pl.col("reason").is_not_null()).then(pl.lit("skipped")),
                           pl.lit("pending")),
        reason="reason",
    ).cast(INVENTORY_SCHEMA)


def batches(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """A frame cut into consecutive slices of at most `size` rows."""
    return [frame.slice(offset, size) for offset in range(0, frame.height, max(size, 1))]


def even_step(rows: int, size: int, multiple_of: int = 1) -> int:
    """The slice length that cuts `rows` into equal slices (no short last one): with one taker, as few as
    keep each at most `size`; with several, about `size` each and as many as a multiple of the takers."""
    size = max(size, 1)
    if multiple_of == 1:
        count = max(1, -(-rows // size))
    else:
        count = multiple_of * max(1, round(rows / (size * multiple_of)))
    return max(1, -(-rows // count))


def even_batches(frame: pl.DataFrame, size: int, multiple_of: int = 1) -> list[pl.DataFrame]:
    """A frame cut into consecutive equal slices (see even_step): batches of files of at most `size`, or
    shards of about `size` rows for `multiple_of` workers."""
    return batches(frame, even_step(frame.height, size, multiple_of))
