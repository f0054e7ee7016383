"""Reading JSON a user hands over (project files, results.json) within limits.

A file is read only if it is an ordinary file (a device or a pipe would never end), only up to
a size limit (stopping there even if the file grows), and parsed only if its nesting is
shallow enough, measured by a linear scan first so that a file nested 100,000 levels deep is
refused without recursion.  Callers pass ``error(message, hint)`` to make their own error type
(``ProjectFileError``, ``ResultsFileError``), so each message names the kind of file.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pilot_eval.errors import PilotEvalError

MakeError = Callable[[str, str], PilotEvalError]
"""``error(message, hint)`` -> the caller's error, naming the file."""
_SCAN_CHUNK = 1 << 18
"""Bytes scanned at a time by ``nesting_depth`` (its arrays take ~50 bytes per byte)."""


def read_bounded(source: Path, *, limit: int, kind: str, error: MakeError,
                 offer: str = "") -> bytes:
    """The bytes of ``source`` (an ordinary file of at most ``limit`` bytes)."""
    try:
        info = source.stat()
    except FileNotFoundError:
        raise error(f"the {kind} does not exist", "Check the path." + offer) from None
    except OSError as exc:
        raise error(f"the {kind} cannot be read ({exc.strerror or exc})",
                    "Check the path and your permissions.") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"this is a folder, not a {kind}", "Choose the file itself.")
    if not stat.S_ISREG(info.st_mode):
        raise error("this is not an ordinary file (it is a device, a pipe or a socket)",
                    "Choose the file itself.")
    if info.st_size > limit:
        raise error(too_large(kind, info.st_size, limit), "It is damaged or not a "
                    f"{kind}; nothing was changed." + offer)
    try:
        with source.open("rb") as stream:
            raw = stream.read(limit + 1)  # stop at the limit even if the file grew
    except OSError as exc:
        raise error(f"the {kind} cannot be read ({exc.strerror or exc})",
                    "Close other programs using it and try again.") from None
    if len(raw) > limit:
        raise error(too_large(kind, len(raw), limit), "It is damaged or not a "
                    f"{kind}; nothing was changed." + offer)
    return raw


def too_large(kind: str, size: int, limit: int) -> str:
    return (f"the {kind} is too large ({size / 2**20:.1f} MB; a {kind} holds at most "
            f"{limit // 2**20} MB)")


def nesting_depth(raw: bytes, *, piece: int = _SCAN_CHUNK) -> int:
    """How deeply ``[``/``{`` nest in JSON text, ignoring brackets inside strings.

    A linear scan with numpy, a few megabytes at a time, carrying from one piece to the next
    whether it ends inside a string and how many backslashes it ends with: a file nested
    100,000 levels deep is measured without recursion, and a long text (or one of escapes)
    costs no more memory than a short one (a regular expression over the strings took ~100
    times a long string's size).
    """
    import numpy as np

    depth = deepest = 0
    inside = False  # the piece starts inside a string
    backslashes = 0  # length of the run of backslashes the previous piece ended with
    for start in range(0, len(raw), piece):
        part = np.frombuffer(raw, dtype=np.uint8, count=min(piece, len(raw) - start),
                             offset=start)
        index = np.arange(len(part), dtype=np.int64)
        # last position at or before each byte that is not a backslash (before the part:
        # the run carried over counts as backslashes just before it)
        last_plain = np.maximum.accumulate(np.where(part == 92, -1 - backslashes, index))
        run_before = np.empty(len(part), dtype=np.int64)  # backslashes right before a byte
        run_before[0] = backslashes
        run_before[1:] = index[:-1] - last_plain[:-1]
        quotes = (part == 34) & (run_before % 2 == 0)
        in_string = (np.cumsum(quotes, dtype=np.int64) + inside) % 2 == 1
        opens = (part == 91) | (part == 123)
        closes = (part == 93) | (part == 125)
        steps = (opens.astype(np.int8) - closes) * ~in_string
        levels = depth + np.cumsum(steps, dtype=np.int64)
        deepest = max(deepest, int(levels.max()))
        depth, inside = int(levels[-1]), bool(in_string[-1])
        backslashes = int(len(part) - 1 - last_plain[-1])
    return deepest


def loads_bounded(raw: bytes, *, max_depth: int, kind: str, error: MakeError,
                  damaged_hint: str) -> Any:
    """The JSON document in ``raw``, refused when nested deeper than ``max_depth``."""
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise error(f"the {kind} is nested {depth} levels deep (a {kind} has at most "
                    f"{max_depth})", damaged_hint)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise error(f"the {kind} is damaged (it is not valid JSON)", damaged_hint) from None
