"""The prefect CLI, with one client call fixed for the pinned server: `python -m flows.prefect_cli deploy --all`.

With fastapi 0.154 the Prefect 3.8.8 server rejects filter bodies whose limit and offset are null
(422 "Input should be a valid integer"). `prefect deploy` creates each deployment, then lists the
pool's online workers with such a body to print a hint, and fails there, before the next
deployment. Here that one call sends limit and offset explicitly; everything else is Prefect's CLI.
"""

from __future__ import annotations

import sys

PAGE = 200


def patched_worker_listing() -> None:
    """Make read_workers_for_work_pool send an explicit limit and offset."""
    from prefect.client.orchestration._work_pools.client import WorkPoolAsyncClient

    listing = WorkPoolAsyncClient.read_workers_for_work_pool

    async def read_workers_for_work_pool(self, work_pool_name, worker_filter=None, offset=None, limit=None):
        return await listing(self, work_pool_name, worker_filter, offset or 0, limit or PAGE)

    WorkPoolAsyncClient.read_workers_for_work_pool = read_workers_for_work_pool


def main() -> int:
    """Run the prefect CLI with sys.argv."""
    patched_worker_listing()
    from prefect.cli import app

    sys.argv[0] = "prefect"
    return app()


if __name__ == "__main__":
    sys.exit(main())
