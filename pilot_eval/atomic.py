"""The one way pilot-eval writes a file: atomically, with ordinary permissions, errors said plainly.

Every output (results.json, the brief's PDF and HTML, project files and their ``.bak``, table
exports, workbooks, demo data, self-test reports, recovery files) goes through this module:

* the bytes go to a temporary file beside the target (``.NAME.<pid>.<random>.pilot-tmp``),
  are flushed and ``fsync``-ed, and only then renamed over the target (``os.replace``), so a
  reader sees the old file or the new one, never half of one;
* the file gets the permissions the user's umask gives any new file (``0o666`` less the
  umask: ``0o644`` under the usual ``022``), because the temporary file is created with mode
  ``0o666`` and the system applies the umask, so a colleague on a shared drive can open it;
* a temporary file left by a process that died (kill -9, power cut) is removed the next
  time the same file is written;
* an ``OSError`` (disk full, no permission, file open in Excel, path too long, a file where a
  folder should be) becomes a ``FileAccessError`` naming the path and what to do; the
  previous file is intact.

``save_with_backup`` keeps the previous version of a file as a backup, made only after the
new version is safely on disk.  ``OutputSet`` writes several files that belong together (one
run's results, brief and workbook) and a manifest that ties them to one run id.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pilot_eval.errors import FileAccessError, from_os_error

TEMP_SUFFIX = ".pilot-tmp"
STALE_SECONDS = 24 * 3600
"""A temporary file older than this is removed even if its process id is in use again."""
_NAME_CHARS = 80
"""Characters of the target's name kept in its temporary file's name (file names are limited
to 255 characters, and the temporary name adds a prefix and a suffix)."""
REPLACE_RETRIES = 5
REPLACE_PAUSE = 0.1
"""On Windows a virus scanner or the search indexer may hold a new file for a moment; the
rename is retried this many times, this many seconds apart, before giving up."""

_WINDOWS = sys.platform == "win32"
"""Only Windows locks open files (Excel, PDF viewers): renames are then retried briefly, and a
refused rename is checked for a lock so that the message can say "open in another program"."""
_CHECK_LOCKS = _WINDOWS
"""Whether ``OutputSet.commit`` first checks that no file to be replaced is open elsewhere."""
LEGACY_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
"""Temporary files of pilot-eval 0.x (``tempfile.mkstemp``): removed once an hour old."""
LEGACY_STALE_SECONDS = 3600
_ACTIVE: set[str] = set()
"""Temporary files this process is writing now (other threads' writes must survive a clean)."""
_LOCK = threading.Lock()


# ------------------------------------------------------------------ single files

def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path.

    Raises
    ------
    FileAccessError
        When the system refuses (no space, no permission, file locked, path too long ...).
    """
    target = _prepare(path)
    temp = _temp_with(target, data)
    _commit(temp, target)
    return target


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` (no newline translation) atomically."""
    return write_bytes(path, text.encode(encoding))


def write_json(path: str | os.PathLike[str], value: Any) -> Path:
    """Write ``value`` as indented UTF-8 JSON (numpy numbers converted, NaN as null)."""
    from pilot_eval.jsonio import dumps

    return write_bytes(path, (dumps(value) + "\n").encode("utf-8"))


def write_with(path: str | os.PathLike[str], fill: Callable[[Path], object]) -> Path:
    """Call ``fill(temp_path)`` to write a temporary file beside ``path``, then move it there.

    For writers that want a file name (reportlab).  ``fill`` may open and rewrite the file;
    it keeps the permissions it was created with.  If ``fill`` raises, the temporary file is
    removed and the error passes on (an ``OSError`` as ``FileAccessError``).
    """
    target = _prepare(path)
    temp = _temp_from(target, fill)
    _commit(temp, target)
    return target


def save_with_backup(path: str | os.PathLike[str], data: bytes, *,
                     backup: str | os.PathLike[str],
                     keep_old: Callable[[bytes], bool] | None = None) -> Path:
    """Replace ``path`` with ``data``, keeping the version it replaces as ``backup``.

    Order (so that no crash loses a version): the new bytes are written and synced to a
    temporary file; then the old file's bytes become the backup (itself written atomically);
    then the new file is moved into place.  At every moment ``path`` holds a whole version and
    ``backup`` a whole older one.  An existing backup is left alone when the new bytes equal the
    old ones (saving twice must not replace the only older version) and, if ``keep_old`` is
    given, when ``keep_old(old_bytes)`` is false (a damaged file must not replace a backup).
    """
    target = _prepare(path)
    spare = _prepare(backup)
    temp = _temp_with(target, data)
    try:
        old = _read_current(target)
        if old is not None and (not spare.exists() or (
                old != data and (keep_old is None or keep_old(old)))):
            _commit(_temp_with(spare, old), spare)
    except BaseException:
        _discard(temp)
        raise
    _commit(temp, target)
    return target


# ------------------------------------------------------------------ several files, one run

MANIFEST = "pilot-eval-manifest.json"
MANIFEST_FORMAT = "pilot-eval output manifest"
MANIFEST_VERSION = 1


class OutputSet:
    """Files of one run written together, tied by a manifest (``pilot-eval-manifest.json``).

    ::

        with OutputSet(folder) as outputs:          # outputs.run_id can go into the files
            outputs.write_json("results.json", document)
            outputs.write_with("brief.pdf", lambda temp: render(content, temp))
        # leaving the block without an error commits; an error discards every new file

    Each file is first written in full to a temporary name.  ``commit`` then checks that no
    file to be replaced is open in another program, writes the manifest with
    ``"state": "writing"`` (the new run id and every file's SHA-256), renames the files into
    place and rewrites the manifest with ``"state": "complete"``.  An export interrupted at
    any point is therefore recognisable: no new manifest (nothing was replaced), a manifest
    still ``"writing"``, or files whose hash differs from the manifest's
    (``check_output_set``).  On an error before the renames, the previous files are intact.
    """

    def __init__(self, folder: str | os.PathLike[str], *, producer: str | None = None) -> None:
        self.folder = Path(folder)
        self.run_id = secrets.token_hex(8)
        self.producer = producer
        self._pending: dict[str, tuple[Path, str, int]] = {}
        self._done = False

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def path(self, name: str) -> Path:
        """Where ``name`` will be once committed."""
        return self.folder / _plain_name(name)

    def write_bytes(self, name: str, data: bytes) -> Path:
        target = self._target(name)
        self._add(name, _temp_with(target, data))
        return target

    def write_text(self, name: str, text: str, *, encoding: str = "utf-8") -> Path:
        return self.write_bytes(name, text.encode(encoding))

    def write_json(self, name: str, value: Any) -> Path:
        from pilot_eval.jsonio import dumps

        return self.write_bytes(name, (dumps(value) + "\n").encode("utf-8"))

    def write_with(self, name: str, fill: Callable[[Path], object]) -> Path:
        target = self._target(name)
        self._add(name, _temp_from(target, fill))
        return target

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._pending)

    def commit(self) -> dict[str, Any]:
        """Move every file into place and write the manifest; return the manifest."""
        if self._done:
            raise RuntimeError("this output set was already committed or discarded")
        try:
            for name in self._pending:
                _check_replaceable(self.folder / name)
            manifest = self._manifest("writing")
            write_json(self.folder / MANIFEST, manifest)
            for name, (temp, _, _) in self._pending.items():
                _commit(temp, self.folder / name, sync_folder=False)
            _sync_folder(self.folder)
            manifest["state"] = "complete"
            write_json(self.folder / MANIFEST, manifest)
            return manifest
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary files not yet moved into place."""
        for temp, _, _ in self._pending.values():
            _discard(temp)
        self._pending.clear()
        self._done = True

    def _target(self, name: str) -> Path:
        if self._done:
            raise RuntimeError("this output set was already committed or discarded")
        name = _plain_name(name)
        if name == MANIFEST or name in self._pending:
            raise ValueError(f"{name!r} is already part of this output set")
        if not self._pending:
            _prepare(self.folder / MANIFEST)
        return _prepare(self.folder / name)

    def _add(self, name: str, temp: Path) -> None:
        digest, size = _digest(temp)
        self._pending[_plain_name(name)] = (temp, digest, size)

    def _manifest(self, state: str) -> dict[str, Any]:
        from pilot_eval import __version__

        return {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "run_id": self.run_id,
                "state": state, "producer": self.producer or f"pilot-eval {__version__}",
                "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "files": [{"name": name, "sha256": digest, "bytes": size}
                          for name, (_, digest, size) in self._pending.items()]}


class OutputSetStatus:
    """What ``check_output_set`` found: ``complete`` only if every file is the manifest's."""

    def __init__(self, run_id: str | None, complete: bool, problems: tuple[str, ...],
                 files: tuple[str, ...]) -> None:
        self.run_id, self.complete, self.problems, self.files = run_id, complete, problems, files

    def __repr__(self) -> str:
        return (f"OutputSetStatus(run_id={self.run_id!r}, complete={self.complete}, "
                f"problems={self.problems!r})")


def check_output_set(folder: str | os.PathLike[str]) -> OutputSetStatus:
    """Whether the files in ``folder`` are one run's complete output (hashes checked)."""
    import json

    source = Path(folder) / MANIFEST
    try:
        manifest = json.loads(source.read_text(encoding="utf-8"))
        files = [(str(f["name"]), str(f["sha256"])) for f in manifest["files"]]
        run_id, state = str(manifest["run_id"]), manifest["state"]
    except FileNotFoundError:
        return OutputSetStatus(None, False, (f"there is no {MANIFEST}",), ())
    except (OSError, ValueError, KeyError, TypeError) as error:
        return OutputSetStatus(None, False, (f"{MANIFEST} cannot be read ({error})",), ())
    problems = [] if state == "complete" else [f"the export of run {run_id} did not finish"]
    for name, digest in files:
        try:
            actual = _digest(Path(folder) / _plain_name(name))[0]
        except (OSError, ValueError):
            problems.append(f"{name} is missing")
            continue
        if actual != digest:
            problems.append(f"{name} is not the file run {run_id} wrote")
    return OutputSetStatus(run_id, not problems, tuple(problems), tuple(n for n, _ in files))


# ------------------------------------------------------------------ stale temporary files

def clean_stale_temps(path: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files of ``path`` left by processes that no longer run (or older than
    ``STALE_SECONDS``); return what was removed.  Never raises."""
    target = Path(path)
    prefix = f".{target.name[:_NAME_CHARS]}."
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent if str(target.parent) else "."))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        legacy = LEGACY_TEMP.match(entry.name)
        if legacy and legacy.group("name") == target.name:
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > LEGACY_STALE_SECONDS:
                    Path(entry.path).unlink()
                    removed.append(Path(entry.path))
            continue
        # ".name.<pid>.<random>.pilot-tmp", or "." before that when a writer given a
        # temporary name (a renderer inside an OutputSet) wrote through its own temporary file
        start = (len(prefix) if entry.name.startswith(prefix) else
                 len(prefix) + 1 if entry.name.startswith("." + prefix) else 0)
        if not (start and entry.name.endswith(TEMP_SUFFIX)):
            continue
        owner = entry.name[start:-len(TEMP_SUFFIX)].split(".")[0]
        candidate = Path(entry.path)
        with _LOCK:
            if str(candidate) in _ACTIVE:
                continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
            if old or not owner.isdigit() or not _running(int(owner)):
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process: its live temporary files are in _ACTIVE
    try:
        import psutil

        return bool(psutil.pid_exists(pid))
    except ImportError:  # pragma: no cover - psutil is a dependency
        return True


# ------------------------------------------------------------------ internals

def _plain_name(name: str) -> str:
    if not name or name in (".", "..") or any(s in name for s in ("/", "\\", "\x00")):
        raise ValueError(f"{name!r} is not a plain file name")
    return name


def _prepare(path: str | os.PathLike[str]) -> Path:
    """The target as a Path, its folder created; a folder in the target's place refused."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        if folder.exists() and not folder.is_dir():
            raise FileAccessError("this is a file, not a folder", file=str(folder),
                                  hint="Choose a folder (or a new folder name) for the "
                                       "output, not an existing file.")
        folder.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise FileAccessError("this is a folder, not a file", file=str(target),
                                  hint="Choose another name, or move the folder away.")
    except FileAccessError:
        raise
    except OSError as error:
        raise from_os_error(error, path=target, action="create the folder") from None
    clean_stale_temps(target)
    return target


def _new_temp(target: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) \
        | getattr(os, "O_NOINHERIT", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        name = (f".{target.name[:_NAME_CHARS]}.{os.getpid()}.{secrets.token_hex(4)}"
                f"{TEMP_SUFFIX}")
        temp = target.with_name(name)
        try:
            handle = os.open(temp, flags, 0o666)  # the system applies the umask
        except FileExistsError:
            continue
        except OSError as error:  # on Windows the temporary name may pass MAX_PATH first
            raise from_os_error(error, path=target, length_of=str(temp)) from None
        with _LOCK:
            _ACTIVE.add(str(temp))
        return handle, temp


def _temp_with(target: Path, data: bytes) -> Path:
    """A synced temporary file beside ``target`` holding ``data``."""
    handle, temp = _new_temp(target)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view):]
        os.fsync(handle)
    except BaseException as error:
        _close_quietly(handle)
        _discard(temp)
        if isinstance(error, OSError):
            raise from_os_error(error, path=target) from None
        raise
    try:
        os.close(handle)
    except OSError as error:  # a network drive may report a full disk only here
        _discard(temp)
        raise from_os_error(error, path=target) from None
    return temp


def _temp_from(target: Path, fill: Callable[[Path], object]) -> Path:
    handle, temp = _new_temp(target)
    _close_quietly(handle)
    try:
        fill(temp)
        _fsync_path(temp)
    except BaseException as error:
        _discard(temp)
        if isinstance(error, OSError):
            raise from_os_error(error, path=target) from None
        raise
    return temp


def _fsync_path(path: Path) -> None:
    handle = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _commit(temp: Path, target: Path, *, sync_folder: bool = True) -> None:
    """Rename ``temp`` over ``target`` (retrying briefly on Windows); remove it on failure."""
    try:
        for attempt in range(REPLACE_RETRIES):
            try:
                os.replace(temp, target)
                break
            except PermissionError:
                if not _WINDOWS or attempt == REPLACE_RETRIES - 1:
                    raise
                time.sleep(REPLACE_PAUSE)
    except OSError as error:
        _discard(temp)
        lock = _lock_error(target) if isinstance(error, PermissionError) and _WINDOWS else None
        raise from_os_error(lock or error, path=target, action="replace the file") from None
    _forget(temp)
    if sync_folder:
        _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open folders this way)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        handle = os.open(folder if str(folder) else ".", os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _check_replaceable(target: Path) -> None:
    """Refuse before any rename when an existing target is open in another program (Windows
    refuses to replace a file Excel or a PDF viewer holds)."""
    if not _CHECK_LOCKS:
        return
    lock = _lock_error(target)
    if lock is not None:
        raise from_os_error(lock, path=target) from None


def _lock_error(target: Path) -> OSError | None:
    """The sharing violation Windows gives when another program holds ``target`` open, or
    None (not locked, not there, or another problem the rename itself reports)."""
    try:
        if not target.is_file():
            return None
        with _open_for_check(target):
            return None
    except PermissionError as error:
        return error if getattr(error, "winerror", None) in (32, 33) else None
    except OSError:
        return None


def _open_for_check(target: Path):
    return open(target, "r+b")  # noqa: SIM115 - closed by the caller's with-block


def _read_current(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise from_os_error(error, path=target, action="read") from None


def _digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _close_quietly(handle: int) -> None:
    with contextlib.suppress(OSError):
        os.close(handle)


def _discard(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink()
    _forget(temp)


def _forget(temp: Path) -> None:
    with _LOCK:
        _ACTIVE.discard(str(temp))


def temporary_files(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Temporary files of this module in ``folder`` (for tests and diagnostics)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                yield Path(entry.path)
