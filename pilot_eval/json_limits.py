"""Reading JSON a user hands over (project files, results.json) within limits.

A file is read only if it is an ordinary file (a device or a pipe would never end), only up to
a size limit (stopping there even if the file grows), and parsed only if its nesting is
shallow enough, measured by a linear scan first so that a file nested 100,000 levels deep is
refused without recursion.  Callers pass ``error(message, hint)`` to make their own error type
(``ProjectFileError``, ``ResultsFileError``), so each message names the kind of file.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pilot_eval.errors import PilotEvalError

MakeError = Callable[[str, str], PilotEvalError]
"""``error(message, hint)`` -> the caller's error, naming the file."""
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


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


def nesting_depth(raw: bytes) -> int:
    """How deeply ``[``/``{`` nest in JSON text, ignoring brackets inside strings (a linear
    scan, so a file nested 100,000 levels deep is measured without recursion)."""
    import numpy as np

    text = np.frombuffer(_STRING.sub(b'""', raw), dtype=np.uint8)
    steps = ((text == 91) | (text == 123)).astype(np.int8) - ((text == 93) | (text == 125))
    return int(np.cumsum(steps, dtype=np.int32).max(initial=0))


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
