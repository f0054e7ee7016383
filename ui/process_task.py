"""Run a large analysis in a separate process, so the window's event loop never waits for it.

Threads share one interpreter lock: numpy, pandas and matplotlib hold it for 100-200 ms at a
time on a 1M-row panel, and the GUI thread stalls for as long.  For large tables
``CoreApi.analyse`` therefore hands the work to a child process (the ``spawn`` start method,
as on Windows).  The child reads the data file again with the same reading options, checks its
SHA-256 against the table shown, runs the analysis, draws the charts and sends back the result;
progress arrives through a queue that the task-runner thread relays.  Cancel terminates the
child.  Errors come back as exceptions (user errors keep their message).
"""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import queue as queue_module
from collections.abc import Callable
from typing import Any

from pilot_eval.progress import Progress

POLL_SECONDS = 0.05
PROCESS_ROWS = 200_000  # tables at least this long are analysed in a child process


class ChildProcessError(RuntimeError):
    """The analysis process ended without an answer (it crashed or was killed)."""


def _child(fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], channel: Any) -> None:
    progress = Progress(lambda fraction, message: channel.put(("progress", (fraction, message))))
    try:
        result = fn(*args, progress=progress, **kwargs)
        channel.put(("result", result))
    except BaseException as exc:  # every error goes back to the window
        try:  # it must serialise, and rebuild from its arguments, to cross processes
            pickle.dumps(exc)
            copy.deepcopy(exc)
            channel.put(("error", exc))
        except Exception:  # an exception that cannot cross processes: keep its text
            channel.put(("error", ChildProcessError(f"{type(exc).__name__}: {exc}")))


def run_in_process(fn: Callable[..., Any], *args: Any, progress: Progress,
                   **kwargs: Any) -> Any:
    """``fn(*args, progress=..., **kwargs)`` in a child process; ``fn`` must be importable."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    child = context.Process(target=_child, args=(fn, args, kwargs, channel), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=POLL_SECONDS)
            except queue_module.Empty:
                progress.check()  # raises AnalysisCancelled after Cancel
                if not child.is_alive():
                    raise ChildProcessError(f"the analysis process stopped without an answer "
                                            f"(exit code {child.exitcode})") from None
                continue
            if kind == "progress":
                progress.report(*payload)
            elif kind == "result":
                return payload
            else:
                raise payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=2)
        channel.close()


def analyse_file(path: str, read_options: dict[str, Any], sha256: str | None,
                 roles: dict[str, str | None], options: dict[str, Any], *,
                 progress: Progress) -> Any:
    """In the child: read ``path`` as the window did and run ``CoreApi.analyse``."""
    from pathlib import Path

    from pilot_eval.errors import DataError
    from pilot_eval.io import load_table

    from .core_api import CoreApi

    progress.report(0.0, f"Reading {Path(path).name} in the analysis process")
    table = load_table(path, **read_options)
    if sha256 and table.sha256 != sha256:
        raise DataError("the data file changed since it was opened", file=Path(path).name,
                        hint="Open it again to see and check its new contents.")
    output = CoreApi().analyse_here(table, roles, progress, **options)
    from dataclasses import replace

    return replace(output, analysis=None)  # the result dictionary is what the window uses
