"""Write a file so that a failure never leaves it half-written: temp file, then ``os.replace``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from pilot_eval.brief.errors import BriefError


def write_atomically(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(temp_path)`` on a temp file beside ``path``, then move it into place.

    The temp file is in the same folder (so the final move is atomic on one file system) and
    is removed if ``write`` fails.  Raises ``BriefError`` when the folder does not exist or is
    not writable.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BriefError(f"the folder {str(folder)!r} does not exist", file=str(target),
                         hint="Create the folder or choose another place to save the brief.")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                             dir=folder)
    except OSError as exc:
        raise BriefError(f"cannot write in {str(folder)!r}: {exc.strerror}", file=str(target),
                         hint="Choose a folder you can write to.") from exc
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        os.chmod(temp, 0o666 & ~_umask())  # an ordinary file, not mkstemp's private 0600
        _move(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _move(temp: Path, target: Path) -> None:
    try:
        os.replace(temp, target)
    except OSError as exc:  # e.g. Windows: the old brief is open in a PDF viewer
        raise BriefError(f"cannot replace {target.name}: {exc.strerror or exc}", file=str(target),
                         hint="Close the file if it is open in another program, or save the "
                              "brief under another name.") from exc
