"""A long-lived child process that checks large tables, so the window's event loop never waits.

Threads share one interpreter lock, and the checks on a 1M-row table (validation, the trends
and their chart) hold it 50-120 ms at a time in pandas and numpy calls: the GUI thread stalls
as long.  For tables of ``process_task.PROCESS_ROWS`` rows or more, ``CoreApi`` runs them here
instead.  One child (the ``spawn`` start method, as on Windows) is started on first use and
kept, with its imports and the last table it was sent; requests run one at a time.

The table crosses once per table, in slices of ``CHUNK_ROWS`` rows written one at a time in
the calling worker thread as Arrow IPC streams (a data format: reading one never runs code, so
no pickled frame is ever loaded; each slice holds the lock a few milliseconds, where one call
for the whole frame would hold it for as long as the frame takes), and is rebuilt in the child.
A table Arrow cannot carry (a column mixing numbers and text as Python objects: no loader
makes one) is worked on in this process instead, as before the child existed.

Cancel (or a newer request overtaking an old one, as the task runner does) terminates the
child; the next request starts a fresh one.  A child that dies or is killed gives a
``ChildProcessError`` naming its exit code, never a hang.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from pilot_eval.errors import AnalysisCancelled
from pilot_eval.progress import Progress

from .process_task import POLL_SECONDS, ChildProcessError, lower_priority, portable_error

CHUNK_ROWS = 65_536


_EXTRA = b"pilot-eval"  # schema metadata: the attributes and categories Arrow does not keep


class TableCannotCross(ValueError):
    """The table has a column Arrow cannot carry; it is worked on in this process."""


def frame_chunks(frame: Any) -> list[bytes]:
    """``frame`` as Arrow IPC streams of ``CHUNK_ROWS`` rows each (one for an empty frame);
    ``TableCannotCross`` when a column cannot be written."""
    import pyarrow as pa

    categories = [[i, [_plain(c) for c in dtype.categories], bool(dtype.ordered)]
                  for i, dtype in enumerate(frame.dtypes) if str(dtype) == "category"]
    extra = json.dumps({"attrs": frame.attrs, "categories": categories}).encode("utf-8")
    chunks = []
    for start in range(0, max(len(frame), 1), CHUNK_ROWS):
        try:
            table = pa.Table.from_pandas(frame.iloc[start:start + CHUNK_ROWS],
                                         preserve_index=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise TableCannotCross(str(exc)) from None
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _EXTRA: extra})
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        chunks.append(sink.getvalue().to_pybytes())
    return chunks


def frame_from_chunks(chunks: list[bytes]) -> Any:
    """The frame ``frame_chunks`` sliced: the same values, dtypes, index and attributes."""
    import pandas as pd
    import pyarrow as pa

    tables = [pa.ipc.open_stream(chunk).read_all() for chunk in chunks]
    extra = json.loads(tables[0].schema.metadata[_EXTRA])
    parts = [table.to_pandas() for table in tables]
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, copy=False)
    for position, values, ordered in extra["categories"]:  # an empty slice loses them
        dtype = pd.CategoricalDtype(values, ordered=ordered)
        if frame.dtypes.iloc[position] != dtype:
            frame.isetitem(position, frame.iloc[:, position].astype(dtype))
    frame.attrs = dict(extra["attrs"])
    return frame


def _plain(value: Any) -> Any:
    """A category as JSON carries it (numpy scalars as Python numbers)."""
    return value.item() if hasattr(value, "item") else value


def _serve(connection: Any) -> None:
    """The child: rebuild tables and run calls until the window closes the connection."""
    tables: dict[int, Any] = {}
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message[0] == "table":
            _kind, token, table, count = message
            chunks = [connection.recv_bytes() for _ in range(count)]
            tables.clear()  # keep one table: the window checks the one it shows
            tables[token] = dataclasses.replace(table, frame=frame_from_chunks(chunks))
            continue
        kind, request, fn, args, kwargs, token = message

        def report(fraction: float, text: str, request: int = request) -> None:
            connection.send(("progress", request, (fraction, text)))

        try:
            table_args = (tables[token],) if kind == "call" else ()
            result = fn(*table_args, *args, progress=Progress(report), **kwargs)
            table = result[0] if kind == "run" and isinstance(result, tuple) and result \
                and hasattr(result[0], "frame") else None
            if table is None:
                connection.send(("result", request, result))
                continue
            chunks = frame_chunks(table.frame)  # TableCannotCross: the window reads it itself
            tables.clear()  # the table read here is the one the window will check
            tables[request] = table
            connection.send(("table", request, (dataclasses.replace(table, frame=None),
                                                result[1:], len(chunks))))
            for chunk in chunks:
                connection.send_bytes(chunk)
        except BaseException as exc:  # every error goes back to the window
            connection.send(("error", request, portable_error(exc)))


class WorkerProcess:
    """Runs ``fn(table, *args, progress=..., **kwargs)`` in the kept child process.

    ``call`` blocks its (worker) thread until the answer; it never runs on the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one request at a time
        self._child: Any = None
        self._connection: Any = None
        self._held: int | None = None  # the token of the table the child holds
        self._tokens: dict[int, tuple[Any, int]] = {}  # id(table) -> (table, token)
        self._ids = itertools.count(1)

    def call(self, fn: Callable[..., Any], table: Any, *args: Any, progress: Progress,
             **kwargs: Any) -> Any:
        """``fn(table, *args, progress=..., **kwargs)`` in the child (``fn`` importable: it is
        sent by name); its progress is relayed; its exception re-raised here.  Cancel stops
        the child."""
        return self._request("call", fn, table, args, kwargs, progress)

    def run(self, fn: Callable[..., Any], *args: Any, progress: Progress, **kwargs: Any
            ) -> Any:
        """``fn(*args, progress=..., **kwargs)`` in the child.  When it returns a tuple led by
        a table (an object with a ``frame``: it read one), the child keeps that table for
        later ``call``s and it comes back here in slices."""
        return self._request("run", fn, None, args, kwargs, progress)

    def _request(self, kind: str, fn: Callable[..., Any], table: Any, args: tuple,
                 kwargs: dict[str, Any], progress: Progress) -> Any:
        try:
            return self._in_child(kind, fn, table, args, kwargs, progress)
        except TableCannotCross:  # worked on here, in the calling worker thread
            table_args = (table,) if kind == "call" else ()
            return fn(*table_args, *args, progress=progress, **kwargs)

    def _in_child(self, kind: str, fn: Callable[..., Any], table: Any, args: tuple,
                  kwargs: dict[str, Any], progress: Progress) -> Any:
        while not self._lock.acquire(timeout=POLL_SECONDS):
            progress.check()  # raises AnalysisCancelled while another request runs
        try:
            token = self._token(table) if kind == "call" else None
            chunks = None  # written before the child starts: a table that cannot cross never
            if token is not None and self._held != token:  # starts one
                progress.report(0.02, "Preparing the checks")
                chunks = frame_chunks(table.frame)
            self._start()  # (a fresh child holds no table)
            if token is not None and self._held != token:
                self._send_table(table, token, chunks or frame_chunks(table.frame))
            request = next(self._ids)
            self._connection.send((kind, request, fn, args, kwargs, token))
            kind, value = self._answer(request, progress)
        except AnalysisCancelled:
            self._stop()  # it is still busy with the cancelled request
            raise
        except (EOFError, OSError) as exc:  # the pipe broke: the child is gone
            code = self._stop()
            raise ChildProcessError(f"the checks process stopped without an answer (exit "
                                    f"code {code})") from exc
        finally:
            self._lock.release()
        if kind == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop the child (the window closes)."""
        self._stop()

    def _start(self) -> None:
        if self._child is not None and self._child.is_alive():
            return
        self._stop()
        context = multiprocessing.get_context("spawn")
        here, there = context.Pipe()
        self._child = context.Process(target=_serve, args=(there,), daemon=True,
                                      name="pilot-eval checks")
        self._child.start()
        lower_priority(self._child.pid)
        there.close()
        self._connection = here

    def _token(self, table: Any) -> int:
        known = self._tokens.get(id(table))
        if known is not None and known[0] is table:
            return known[1]
        token = next(self._ids)
        self._tokens = {id(table): (table, token)}  # the newest table only
        return token

    def _send_table(self, table: Any, token: int, chunks: list[bytes]) -> None:
        self._connection.send(("table", token, dataclasses.replace(table, frame=None),
                               len(chunks)))
        for chunk in chunks:
            self._connection.send_bytes(chunk)
        self._held = token

    def _answer(self, request: int, progress: Progress) -> tuple[str, Any]:
        """``("result", value)`` or ``("error", exception)`` of ``request``."""
        while True:
            if not self._connection.poll(POLL_SECONDS):
                progress.check()
                if not self._child.is_alive():
                    raise EOFError("the child process ended")
                continue
            kind, answered, payload = self._connection.recv()
            if answered != request:
                continue  # an answer to a request given up earlier
            if kind == "progress":
                progress.report(*payload)
            elif kind == "table":
                return "result", self._table_back(request, *payload)
            else:
                return kind, payload

    def _table_back(self, token: int, table: Any, rest: tuple, count: int) -> tuple:
        """The table the child read (and keeps as ``token``), rebuilt here a slice at a time,
        followed by the rest of what the child's function returned."""
        chunks = [self._connection.recv_bytes() for _ in range(count)]
        table = dataclasses.replace(table, frame=frame_from_chunks(chunks))
        self._tokens = {id(table): (table, token)}
        self._held = token
        return (table, *rest)

    def _stop(self) -> int | None:
        """Terminate the child (if any); its exit code."""
        child, connection = self._child, self._connection
        self._child, self._connection, self._held = None, None, None
        code = None
        if child is not None:
            if child.is_alive():
                child.terminate()
            child.join(timeout=2)
            code = child.exitcode
        if connection is not None:
            connection.close()
        return code
