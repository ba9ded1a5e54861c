"""The raw folder: which files there are, their hashes, and which of them are new."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl

from flows.articles import article_format

INVENTORY_SCHEMA = {
    "source_file": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "format": pl.String,
    "file_sha256": pl.String, "status": pl.String, "reason": pl.String,
}
# What the warehouse knows of a loaded file: source_file -> (size, mtime_ns, sha256).
KnownFiles = dict[str, tuple[int, int, str]]


def file_sha256(path: Path | str, chunk: int = 1 << 20) -> str:
    """The sha256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def raw_entries(raw_dir: Path) -> list[tuple[str, os.DirEntry]]:
    """Every entry under the raw folder as (path relative to it, directory entry), recursively, in a stable
    order (a folder's files by name, then its subfolders by name); links, to folders too, are listed, not
    followed; hidden folders are not entered. One scandir per folder: no per-file system call."""
    found: list[tuple[str, os.DirEntry]] = []

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        subfolders = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    subfolders.append(entry)
            else:
                found.append((prefix + entry.name, entry))
        for entry in subfolders:
            visit(entry.path, f"{prefix}{entry.name}/")

    visit(str(raw_dir), "")
    return found


def raw_files(raw_dir: Path) -> list[Path]:
    """Every file under the raw folder (see raw_entries), as paths."""
    return [Path(entry.path) for _, entry in raw_entries(raw_dir)]


def content_sha256(path: Path | str, rel: str, stat: os.stat_result, known: KnownFiles) -> str:
    """The file's sha256: the known one when size and modification time are unchanged, else hashed."""
    size, mtime_ns, sha = known.get(rel, (None, None, None))
    if (size, mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        return sha
    return file_sha256(path)


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


def inventory_row(rel: str, entry: os.DirEntry, raw_dir: Path, max_bytes: int, loaded: dict[str, str],
                  seen: dict[str, str], known: KnownFiles | None = None) -> dict:
    """One file's inventory entry: pending (to read), skipped or quarantined, with the reason."""
    name = entry.name
    row = {"source_file": rel, "size": None, "mtime_ns": None, "format": article_format(name),
           "file_sha256": None, "status": "pending", "reason": None}
    if name.startswith("."):
        return {**row, "status": "skipped", "reason": "hidden file"}
    try:
        linked = entry.is_symlink()
        if linked and (problem := linked_file_problem(Path(entry.path), raw_dir)):
            return {**row, "status": "skipped", "reason": problem}
        if row["format"] is None:
            return {**row, "status": "skipped", "reason": f"unknown extension {Path(name).suffix or '(none)'!r}"}
        if not entry.is_file():
            return {**row, "status": "skipped", "reason": "not a regular file (a pipe, socket or device)"}
        stat = entry.stat()
        size = stat.st_size
        row["size"], row["mtime_ns"] = size, stat.st_mtime_ns
        if size > max_bytes:
            return {**row, "status": "quarantined", "reason": f"file of {size} bytes is over the {max_bytes}-byte limit"}
        sha = content_sha256(entry.path, rel, stat, known or {})
    except FileNotFoundError:
        return {**row, "status": "quarantined", "reason": "file vanished before it could be read"}
    except OSError as exc:
        return {**row, "status": "quarantined", "reason": f"cannot read file: {exc.strerror}"}
    row["file_sha256"] = sha
    if sha in loaded:
        earlier = loaded[sha]
        why = "unchanged since it was loaded" if earlier == rel else f"same content as already-loaded {earlier}"
        return {**row, "status": "skipped", "reason": why}
    if sha in seen:
        return {**row, "status": "skipped", "reason": f"same content as {seen[sha]} in this run"}
    seen[sha] = rel
    return row


def file_inventory(raw_dir: Path, max_bytes: int, loaded: dict[str, str],
                   known: KnownFiles | None = None) -> pl.DataFrame:
    """Every file under the raw folder with its hash and whether it is new, skipped or quarantined.

    A loaded file whose size and modification time are what the warehouse recorded is not read
    again: its recorded sha256 stands (a rerun over unchanged files reads no file).
    """
    seen: dict[str, str] = {}
    rows = [inventory_row(rel, entry, raw_dir, max_bytes, loaded, seen, known) for rel, entry in raw_entries(raw_dir)]
    return pl.DataFrame(rows, schema=INVENTORY_SCHEMA)


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
