"""`make serve`: a local Prefect server with its UI, the deployments of prefect.yaml, and a worker.

Everything listens on 127.0.0.1 only and keeps its state (SQLite) in the project's .prefect/.
Each child runs in a session of its own; Ctrl-C (or SIGTERM) stops the worker, its flow runs and
the server, in that order. The integration test uses the same functions on a free port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from flows.settings import PROJECT_ROOT, QUIET_ENVIRONMENT

WORK_POOL = "process"


def prefect_command(*args: str) -> list[str]:
    """The prefect CLI of this virtual environment, with arguments."""
    return [str(Path(sys.executable).with_name("prefect")), *args]


def server_environment(port: int, home: Path, **extra: str) -> dict[str, str]:
    """The environment of the server, the deploy and the worker: loopback only, SQLite under home, no telemetry."""
    api = f"http://127.0.0.1:{port}/api"
    env = {**QUIET_ENVIRONMENT, **os.environ}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,  # else the UI asks port 4200 whatever the port
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_WORKER_QUERY_SECONDS": env.get("PREFECT_WORKER_QUERY_SECONDS", "5"),
        "LOSSTALLY_HOME": str(PROJECT_ROOT),  # the pull step's working directory (prefect.yaml)
    })
    env.update(extra)
    return env


def started_process(command: list[str], env: dict[str, str], output: IO | None = None) -> subprocess.Popen:
    """A child in a session of its own (so a terminal's Ctrl-C reaches only us), run from the project folder."""
    return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT
                            if output else None, stdin=subprocess.DEVNULL, start_new_session=True)


def healthy_api(api_url: str, server: subprocess.Popen, timeout: float = 90.0) -> None:
    """Wait until the API answers /health; fail early if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the Prefect API at {api_url} did not answer within {timeout:.0f}s")


def created_work_pool(api_url: str) -> None:
    """The `process` work pool on the server (created with the process worker's default job template if missing)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.workers.process import ProcessWorker

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        try:
            client.read_work_pool(WORK_POOL)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=WORK_POOL, type="process", base_job_template=ProcessWorker.get_default_base_job_template()))


def deployed_project(env: dict[str, str], output: IO | None = None) -> None:
    """Register every deployment of prefect.yaml with `prefect deploy --all` (see flows/prefect_cli.py)."""
    deploy = [sys.executable, "-m", "flows.prefect_cli", "--no-prompt", "deploy", "--all"]
    subprocess.run(deploy, env=env, cwd=PROJECT_ROOT, check=True, stdin=subprocess.DEVNULL, stdout=output,
                   stderr=subprocess.STDOUT if output else None, timeout=120)


def stopped(processes: list[subprocess.Popen], grace: float = 15.0) -> None:
    """Stop each process and everything it started (flow runs too): SIGTERM, then SIGKILL after grace."""
    import psutil

    for process in processes:
        if process.poll() is not None:
            continue
        try:
            family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in family:
            try:
                member.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(family, timeout=grace)
        for member in alive:
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)
        process.wait(timeout=5)


@dataclass
class LocalPrefect:
    """A running local server and worker: their environment, and the processes (worker first)."""

    env: dict[str, str]
    processes: list[subprocess.Popen]

    def exited(self) -> str | None:
        """Which child has exited on its own, if any."""
        for process in self.processes:
            if process.poll() is not None:
                return f"`prefect {' '.join(process.args[1:3])}` exited with code {process.returncode}"
        return None


@contextmanager
def local_prefect(port: int, home: Path, output: IO | None = None, queue: str | None = None,
                  **extra: str) -> Iterator[LocalPrefect]:
    """A running server on 127.0.0.1:port with the deployments and a worker (of one queue, or all), stopped on exit."""
    home.mkdir(parents=True, exist_ok=True)
    env = server_environment(port, home, **extra)
    processes: list[subprocess.Popen] = []
    try:
        server = started_process(prefect_command("server", "start", "--host", "127.0.0.1", "--port", str(port)),
                                 env, output)
        processes.append(server)
        healthy_api(env["PREFECT_API_URL"], server)
        created_work_pool(env["PREFECT_API_URL"])
        worker = started_process(prefect_command("worker", "start", "--pool", WORK_POOL, "--type", "process",
                                                 "--install-policy", "never", "--name", "losstally-worker",
                                                 *(["--work-queue", queue] if queue else [])),
                                 env, output)
        processes.insert(0, worker)  # stopped first, with its flow runs
        deployed_project(env, output)  # while the worker starts
        yield LocalPrefect(env, processes)
    finally:
        with interrupts_deferred():  # a second Ctrl-C (or timeout's SIGINT to the group) must not cut it short
            stopped(processes)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM while the block runs (main thread only), then restore the handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def stop_on_sigterm() -> None:
    """Turn SIGTERM (from `timeout`, systemd, kill) into the same clean stop as Ctrl-C."""
    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)


def served(port: int = 4200) -> int:
    """Run server, deployments and worker until Ctrl-C; 0 on a clean stop."""
    stop_on_sigterm()
    home = Path(os.environ.get("PREFECT_HOME", PROJECT_ROOT / ".prefect"))
    try:
        with local_prefect(port, home) as local:
            print(f"\nlosstally: Prefect UI at http://127.0.0.1:{port} (API {local.env['PREFECT_API_URL']}); "
                  f"deployments ingest, reprocess, dq-report on work pool {WORK_POOL!r}; Ctrl-C stops.\n",
                  flush=True)
            while (gone := local.exited()) is None:
                time.sleep(1)
            print(f"losstally serve: {gone}; stopping", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nlosstally: stopping the worker and the server", flush=True)
        return 0
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        print(f"losstally serve: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    from flows.settings import quiet_environment

    quiet_environment()
    sys.exit(served(int(sys.argv[1]) if len(sys.argv) > 1 else 4200))
