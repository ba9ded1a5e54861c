"""How a run cuts its work: batches of files (a memory bound) and shards of articles (one per worker)."""

from __future__ import annotations

import polars as pl
import pytest

from flows.files import even_batches
from flows.ingest import even_shards


def sizes(frames: list[pl.DataFrame]) -> list[int]:
    return [frame.height for frame in frames]


@pytest.mark.parametrize(("rows", "size", "expected"), [
    (0, 4000, []),
    (1, 4000, [1]),
    (4000, 4000, [4000]),
    (4001, 4000, [2001, 2000]),  # no batch of one file left at the end
    (16044, 4000, [3209, 3209, 3209, 3209, 3208]),
])
def test_batches_are_even_and_never_larger_than_asked(rows, size, expected):
    frame = pl.DataFrame({"row": range(rows)})
    batches = even_batches(frame, size)
    assert sizes(batches) == expected
    assert pl.concat(batches, how="vertical")["row"].to_list() == list(range(rows)) if rows else batches == []


@pytest.mark.parametrize(("articles", "workers", "expected"), [
    (16, 2, [8, 8]),  # a small batch still keeps both workers busy
    (5000, 2, [2500, 2500]),  # not 2000 + 2000 + 1000, which would leave one worker idle at the end
    (4969, 2, [2485, 2484]),
    (12000, 2, [2000] * 6),
    (5000, 1, [1667, 1667, 1666]),  # one worker: shards of at most 2000
])
def test_shards_are_even_and_a_multiple_of_the_workers(articles, workers, expected):
    frame = pl.DataFrame({"article_no": range(articles)})
    shards = even_shards(frame, 2000, workers)
    assert sizes(shards) == expected
    assert pl.concat(shards)["article_no"].to_list() == list(range(articles))


def test_an_empty_batch_is_one_empty_shard():
    assert sizes(even_shards(pl.DataFrame(schema={"article_no": pl.Int64}), 2000, 2)) == [0]
