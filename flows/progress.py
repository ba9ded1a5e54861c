"""How far a run is, on the console: the flow reports its stages, `losstally run` shows them.

On a terminal that is a progress bar (files, files/s, ETA) with Prefect's log lines printed above it;
when the output is not a terminal, a plain line per stage, free of control characters. A flow run
by a worker has no listener, and its reports cost nothing.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

Listener = Callable[[str, int, "int | None"], None]
_listeners: list[Listener] = []


def reported(text: str, files_done: int = 0, files_total: int | None = None) -> None:
    """Tell the console listeners (if any) that a stage ran: its text, files finished, and the total once."""
    for listener in list(_listeners):
        listener(text, files_done, files_total)


@contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    """Pass the flow's reports to listener while the block runs."""
    _listeners.append(listener)
    try:
        yield listener
    finally:
        _listeners.remove(listener)


def files_per_second(done: int, seconds: float) -> str:
    """A rate as text, e.g. "12.5 files/s"."""
    return f"{done / seconds:.1f} files/s" if seconds > 0 else "- files/s"


class PlainLines:
    """A plain, timestamped line per stage, with files done, the total and the rate so far."""

    def __init__(self, stream: TextIO):
        self.stream, self.started, self.done, self.total = stream, time.monotonic(), 0, None

    def __call__(self, text: str, files_done: int, files_total: int | None) -> None:
        if files_total is not None:  # the clock starts at discovery, not at Prefect's start-up
            self.total, self.started = files_total, time.monotonic()
        self.done += files_done
        line = f"{time.strftime('%H:%M:%S')} losstally: {text}"
        if files_done:
            line += (f" [{self.done}/{self.total} files, "
                     f"{files_per_second(self.done, time.monotonic() - self.started)}]")
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing to stop."""


class ProgressBar:
    """A rich progress bar over the run's files; Prefect's console log lines print above it."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(file=stream), transient=False)
        self.task = self.progress.add_task("starting", total=None, rate="", start=False)
        self.started = time.monotonic()
        self.handlers = prefect_console_handlers()
        self.consoles = [h.console for h in self.handlers]
        for handler in self.handlers:
            handler.console = self.progress.console
        self.progress.start()

    def __call__(self, text: str, files_done: int, files_total: int | None) -> None:
        if files_total is not None:  # the clock starts at discovery, not at Prefect's start-up
            self.progress.update(self.task, total=files_total)
            self.progress.start_task(self.task)
            self.started = time.monotonic()
        self.progress.advance(self.task, files_done)
        done = self.progress.tasks[0].completed
        self.progress.update(self.task, description=text.split(":")[0],
                             rate=files_per_second(done, time.monotonic() - self.started))

    def close(self) -> None:
        """Stop the bar and give Prefect's log handlers their consoles back."""
        self.progress.stop()
        for handler, console in zip(self.handlers, self.consoles):
            handler.console = console


def prefect_console_handlers() -> list[logging.Handler]:
    """Prefect's console log handlers, whose output must go above the bar, not through it."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    found = {id(h): h for lg in loggers for h in getattr(lg, "handlers", []) if isinstance(h, PrefectConsoleHandler)}
    return list(found.values())


@contextmanager
def console_progress(stream: TextIO | None = None) -> Iterator[Listener]:
    """A progress bar on a terminal, plain lines otherwise, listening to the flow while the block runs."""
    stream = stream or sys.stderr
    display = ProgressBar(stream) if stream.isatty() else PlainLines(stream)
    try:
        with listening(display):
            yield display
    finally:
        display.close()
