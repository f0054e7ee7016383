"""Run a large analysis in a separate process, so the window's event loop never waits for it.

Threads share one interpreter lock: numpy, pandas and matplotlib hold it for 100-200 ms at a
time on a 1M-row panel, and the GUI thread stalls for as long.  For large tables
``CoreApi.run_report`` therefore hands the work to a child process (the ``spawn`` start method,
as on Windows).  The child runs the project (``report_core.report_here``: it reads the data
file again as the project records it, checks its SHA-256 against the table shown, runs every
analysis and draws the charts) and sends back the report;
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


CHILD_NICENESS = 5  # the children's priority below the window's (Unix niceness)


def lower_priority(pid: int) -> None:
    """Run the child ``pid`` below the window's priority, so that on a busy processor the GUI
    thread gets a core as soon as it has something to do (below-normal on Windows).  Best
    effort: a system that refuses leaves the child as it is."""
    import psutil

    try:
        child = psutil.Process(pid)
        if psutil.WINDOWS:
            child.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        elif CHILD_NICENESS:
            child.nice(max(child.nice(), CHILD_NICENESS))
    except (psutil.Error, OSError, ValueError):
        pass


class ChildProcessError(RuntimeError):
    """The analysis process ended without an answer (it crashed or was killed)."""


def portable_error(exc: BaseException) -> BaseException:
    """``exc`` if it can cross processes (it pickles and rebuilds from its arguments), else a
    ``ChildProcessError`` keeping its type and text."""
    try:
        pickle.dumps(exc)
        copy.deepcopy(exc)
        return exc
    except Exception:
        return ChildProcessError(f"{type(exc).__name__}: {exc}")


def _child(fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], channel: Any) -> None:
    progress = Progress(lambda fraction, message: channel.put(("progress", (fraction, message))))
    try:
        result = fn(*args, progress=progress, **kwargs)
        channel.put(("result", result))
    except BaseException as exc:  # every error goes back to the window
        channel.put(("error", portable_error(exc)))


def run_in_process(fn: Callable[..., Any], *args: Any, progress: Progress,
                   **kwargs: Any) -> Any:
    """``fn(*args, progress=..., **kwargs)`` in a child process; ``fn`` must be importable."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    child = context.Process(target=_child, args=(fn, args, kwargs, channel), daemon=True)
    child.start()
    lower_priority(child.pid)
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
