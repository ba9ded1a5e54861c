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


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """The sha256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def raw_files(raw_dir: Path) -> list[Path]:
    """Every file under the raw folder, recursively, in a stable order; links (to folders too) are listed, not followed."""
    found = []
    for folder, dirs, files in os.walk(raw_dir, followlinks=False):
        linked = [d for d in dirs if (Path(folder) / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in linked)
        found.extend(Path(folder) / name for name in sorted(files + linked))
    return found


def content_sha256(path: Path, rel: str, stat: os.stat_result, known: KnownFiles) -> str:
    """The file's sha256: the known one when size and modification time are unchanged, else hashed."""
    size, mtime_ns, sha = known.get(rel, (None, None, None))
    if (size, mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        return sha
    return file_sha256(path)


def inventory_row(path: Path, raw_dir: Path, max_bytes: int, loaded: dict[str, str],
                  seen: dict[str, str], known: KnownFiles | None = None) -> dict:
    """One file's inventory entry: pending (to read), skipped or quarantined, with the reason."""
    rel = path.relative_to(raw_dir).as_posix()
    row = {"source_file": rel, "size": None, "mtime_ns": None, "format": article_format(path),
           "file_sha256": None, "status": "pending", "reason": None}
    if path.name.startswith("."):
        return {**row, "status": "skipped", "reason": "hidden file"}
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(raw_dir.resolve()):
            return {**row, "status": "skipped", "reason": f"symlink to {target} outside the raw folder, not followed"}
        if not target.exists():
            return {**row, "status": "skipped", "reason": f"broken symlink to {target}"}
        if target.is_dir():
            return {**row, "status": "skipped", "reason": "symlink to a folder, not followed"}
    if row["format"] is None:
        return {**row, "status": "skipped", "reason": f"unknown extension {path.suffix or '(none)'!r}"}
    if path.exists() and not path.is_file():
        return {**row, "status": "skipped", "reason": "not a regular file (a pipe, socket or device)"}
    try:
        stat = path.stat()
        size = stat.st_size
        row["size"], row["mtime_ns"] = size, stat.st_mtime_ns
        if size > max_bytes:
            return {**row, "status": "quarantined", "reason": f"file of {size} bytes is over the {max_bytes}-byte limit"}
        sha = content_sha256(path, rel, stat, known or {})
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
    rows = [inventory_row(path, raw_dir, max_bytes, loaded, seen, known) for path in raw_files(raw_dir)]
    return pl.DataFrame(rows, schema=INVENTORY_SCHEMA)


def batches(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """A frame cut into consecutive slices of at most `size` rows."""
    return [frame.slice(offset, size) for offset in range(0, frame.height, max(size, 1))]
