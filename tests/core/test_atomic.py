"""The one writer of every output (``pilot_eval.atomic``): atomic, ordinary permissions, OS
errors said plainly, previous files intact, no temporary files left behind.

Failing disks are simulated by making the system calls raise the errors a real full disk, a
locked file or a missing permission raise (``OSError(errno.ENOSPC)`` from ``os.write`` or
``os.fsync``; Windows' sharing violation is a ``PermissionError`` with ``winerror`` 32); the
too-long file name is real (Linux refuses names over 255 bytes).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pilot_eval import atomic
from pilot_eval.atomic import (
    MANIFEST,
    OutputSet,
    check_output_set,
    save_with_backup,
    temporary_files,
    write_bytes,
    write_json,
    write_text,
    write_with,
)
from pilot_eval.errors import FileAccessError, from_os_error

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and umask")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask():
    """Set the umask for one test (restored afterwards)."""
    previous = os.umask(0o022)
    os.umask(previous)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(previous)


# ------------------------------------------------------------------ permissions

@posix_only
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_every_writer_gives_the_permissions_of_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    written = [
        write_bytes(tmp_path / "a.bin", b"x"),
        write_text(tmp_path / "b.html", "<p>x</p>"),
        write_json(tmp_path / "c.json", {"x": 1}),
        write_with(tmp_path / "d.pdf", lambda temp: temp.write_bytes(b"%PDF")),
    ]
    save_with_backup(tmp_path / "e.pilot.json", b"{}", backup=tmp_path / "e.pilot.json.bak")
    written += [save_with_backup(tmp_path / "e.pilot.json", b"{ }",
                                 backup=tmp_path / "e.pilot.json.bak"),
                tmp_path / "e.pilot.json.bak"]
    with OutputSet(tmp_path / "run") as outputs:
        outputs.write_json("results.json", {})
        outputs.write_with("brief.pdf", lambda temp: temp.write_bytes(b"%PDF"))
    written += [tmp_path / "run" / n for n in ("results.json", "brief.pdf", MANIFEST)]
    assert {p.name: oct(_mode(p)) for p in written} == {p.name: oct(expected) for p in written}


@posix_only
def test_replacing_a_private_file_gives_the_ordinary_permissions(tmp_path, umask):
    """Old versions wrote the brief as 0600; rewriting it must make it readable."""
    umask(0o022)
    target = tmp_path / "brief.html"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_text(target, "new")
    assert _mode(target) == 0o644


# ------------------------------------------------------------------ atomicity, no debris

def test_a_failing_fill_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"old brief")

    def fail(temp: Path) -> None:
        temp.write_bytes(b"half a bri")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"):
        write_with(target, fail)
    assert target.read_bytes() == b"old brief"
    assert _names(tmp_path) == ["brief.pdf"]


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_a_full_disk_is_said_plainly_and_keeps_the_old_file(tmp_path, monkeypatch, call):
    target = tmp_path / "results.json"
    target.write_bytes(b'{"old": true}')

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, call, full)
    with pytest.raises(FileAccessError) as caught:
        write_json(target, {"new": True})
    monkeypatch.undo()
    message = caught.value.user_message()
    assert "no space left on the disk" in message and str(target) in message
    assert "Free some space" in message and caught.value.errno == errno.ENOSPC
    assert target.read_bytes() == b'{"old": true}'
    assert _names(tmp_path) == ["results.json"]


def test_a_full_disk_inside_a_renderer_is_said_plainly(tmp_path):
    def fill(temp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(temp))

    with pytest.raises(FileAccessError, match="no space left on the disk"):
        write_with(tmp_path / "brief.pdf", fill)
    assert _names(tmp_path) == []


def test_no_permission_is_said_plainly(tmp_path, monkeypatch):
    real_open = os.open

    def refuse(path, flags, *args):
        if str(path).endswith(atomic.TEMP_SUFFIX):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(FileAccessError) as caught:
        write_bytes(tmp_path / "brief.pdf", b"x")
    message = caught.value.user_message()
    assert "you do not have permission to write here" in message
    assert "Choose a folder you can write to" in message and "brief.pdf" in message


def test_a_file_locked_by_excel_is_said_plainly_and_nothing_is_left(tmp_path, monkeypatch):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"old workbook")

    def locked(source, destination):
        error = PermissionError(errno.EACCES, "The process cannot access the file because it "
                                              "is being used by another process")
        error.winerror = 32
        raise error

    monkeypatch.setattr(os, "replace", locked)
    monkeypatch.setattr(atomic, "REPLACE_PAUSE", 0.0)
    with pytest.raises(FileAccessError) as caught:
        write_bytes(target, b"new workbook")
    assert "open in another program (for example Excel" in caught.value.message
    assert "Close it there" in caught.value.hint
    assert target.read_bytes() == b"old workbook"
    assert _names(tmp_path) == ["tables.xlsx"]


def test_a_folder_that_is_a_file_is_said_plainly(tmp_path):
    (tmp_path / "out").write_bytes(b"I am a file")
    with pytest.raises(FileAccessError, match="is a file, not a folder"):
        write_bytes(tmp_path / "out" / "brief.pdf", b"x")
    with pytest.raises(FileAccessError, match="is a file, not a folder") as caught:
        write_bytes(tmp_path / "out" / "deeper" / "brief.pdf", b"x")
    assert caught.value.file in (str(tmp_path / "out"), f"{tmp_path / 'out'}")
    assert (tmp_path / "out").read_bytes() == b"I am a file"


def test_a_target_that_is_a_folder_is_said_plainly(tmp_path):
    (tmp_path / "brief.pdf").mkdir()
    with pytest.raises(FileAccessError, match="this is a folder, not a file"):
        write_bytes(tmp_path / "brief.pdf", b"x")


@pytest.mark.skipif(sys.platform == "win32", reason="a real over-long name on POSIX")
def test_a_name_too_long_is_said_plainly(tmp_path):
    with pytest.raises(FileAccessError, match="the path is too long"):
        write_bytes(tmp_path / ("n" * 300 + ".pdf"), b"x")


def test_windows_errors_are_named():
    too_long = FileNotFoundError(errno.ENOENT, "The filename or extension is too long")
    too_long.winerror = 206
    assert "the path is too long" in from_os_error(too_long, path="C:\\x").message
    full = OSError(errno.EINVAL, "There is not enough space on the disk")
    full.winerror = 112
    assert "no space left" in from_os_error(full, path="D:\\x").message
    assert "read-only" in from_os_error(OSError(errno.EROFS, "Read-only"), path="/x").message


# ------------------------------------------------------------------ stale temporary files

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temps_of_dead_processes_are_cleaned_on_the_next_write(tmp_path):
    target = tmp_path / "demo.pilot.json"
    stale = tmp_path / f".demo.pilot.json.{_dead_pid()}.abcd1234{atomic.TEMP_SUFFIX}"
    alive = tmp_path / f".demo.pilot.json.{os.getppid()}.abcd1234{atomic.TEMP_SUFFIX}"
    other = tmp_path / f".other.json.{_dead_pid()}.abcd1234{atomic.TEMP_SUFFIX}"
    for path in (stale, alive, other):
        path.write_bytes(b"x" * 100)
    write_bytes(target, b"{}")
    assert _names(tmp_path) == sorted([target.name, alive.name, other.name])


# ------------------------------------------------------------------ backups

def test_the_backup_is_the_version_replaced(tmp_path):
    target, backup = tmp_path / "p.json", tmp_path / "p.json.bak"
    for version in (b"v1", b"v2", b"v3"):
        save_with_backup(target, version, backup=backup)
    assert (target.read_bytes(), backup.read_bytes()) == (b"v3", b"v2")
    save_with_backup(target, b"v3", backup=backup)  # saving again keeps the older version
    assert backup.read_bytes() == b"v2"
    target.write_bytes(b"damaged")
    save_with_backup(target, b"v4", backup=backup, keep_old=lambda old: old != b"damaged")
    assert (target.read_bytes(), backup.read_bytes()) == (b"v4", b"v2")
    assert _names(tmp_path) == ["p.json", "p.json.bak"]


def test_a_full_disk_while_backing_up_keeps_both_versions(tmp_path, monkeypatch):
    target, backup = tmp_path / "p.json", tmp_path / "p.json.bak"
    save_with_backup(target, b"v1", backup=backup)
    save_with_backup(target, b"v2", backup=backup)
    real_write, calls = os.write, []

    def second_write_fails(handle, data):
        calls.append(len(data))
        if len(calls) == 2:  # the new file was written; the backup copy is refused
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", second_write_fails)
    with pytest.raises(FileAccessError, match="no space left"):
        save_with_backup(target, b"v3", backup=backup)
    monkeypatch.undo()
    assert (target.read_bytes(), backup.read_bytes()) == (b"v2", b"v1")
    assert _names(tmp_path) == ["p.json", "p.json.bak"]


# ------------------------------------------------------------------ output sets

def _export(folder: Path, text: str) -> dict:
    with OutputSet(folder) as outputs:
        outputs.write_text("results.json", text)
        outputs.write_with("brief.pdf", lambda temp: temp.write_text(text + " pdf"))
        outputs.write_bytes("brief.html", (text + " html").encode())
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def test_an_output_set_is_tied_to_one_run(tmp_path):
    manifest = _export(tmp_path, "run one")
    status = check_output_set(tmp_path)
    assert status.complete and status.run_id == manifest["run_id"] and not status.problems
    assert [f["name"] for f in manifest["files"]] == ["results.json", "brief.pdf", "brief.html"]
    assert manifest["state"] == "complete"
    (tmp_path / "brief.pdf").write_text("a brief from another run")
    status = check_output_set(tmp_path)
    assert not status.complete and status.problems == (
        f"brief.pdf is not the file run {manifest['run_id']} wrote",)


def test_an_error_before_the_renames_keeps_the_previous_run(tmp_path):
    first = _export(tmp_path, "run one")
    before = {n: (tmp_path / n).read_bytes() for n in _names(tmp_path)}
    with pytest.raises(RuntimeError, match="chart failed"), OutputSet(tmp_path) as outputs:
        outputs.write_text("results.json", "run two")
        raise RuntimeError("chart failed")
    assert {n: (tmp_path / n).read_bytes() for n in _names(tmp_path)} == before
    assert check_output_set(tmp_path).run_id == first["run_id"]


def test_a_locked_file_stops_the_export_before_anything_is_replaced(tmp_path, monkeypatch):
    _export(tmp_path, "run one")
    before = {n: (tmp_path / n).read_bytes() for n in _names(tmp_path)}

    def locked(target):
        error = PermissionError(errno.EACCES, "used by another process", str(target))
        error.winerror = 32
        raise error

    monkeypatch.setattr(atomic, "_CHECK_LOCKS", True)
    monkeypatch.setattr(atomic, "_open_for_check", locked)
    with pytest.raises(FileAccessError, match="open in another program"):
        _export(tmp_path, "run two")
    assert {n: (tmp_path / n).read_bytes() for n in _names(tmp_path)} == before


def test_an_export_interrupted_between_renames_is_recognisable(tmp_path, monkeypatch):
    _export(tmp_path, "run one")
    real_commit, calls = atomic._commit, []

    def crash_on_second_rename(temp, target, **kwargs):
        calls.append(target.name)
        if target.name == "brief.pdf":
            raise KeyboardInterrupt  # stands in for a power cut
        real_commit(temp, target, **kwargs)

    monkeypatch.setattr(atomic, "_commit", crash_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        _export(tmp_path, "run two")
    status = check_output_set(tmp_path)
    assert not status.complete
    assert any("did not finish" in p for p in status.problems)
    assert not list(temporary_files(tmp_path))


def test_a_folder_without_a_manifest_is_not_complete(tmp_path):
    assert not check_output_set(tmp_path).complete
    (tmp_path / MANIFEST).write_text("{not json")
    assert "cannot be read" in check_output_set(tmp_path).problems[0]


def test_an_export_removes_what_a_killed_export_left(tmp_path):
    """kill -9 during a brief used to leave 0-byte temporary files behind for good."""
    dead = _dead_pid()
    orphans = [tmp_path / f".{name}.{dead}.0123abcd{atomic.TEMP_SUFFIX}"
               for name in ("results.json", "brief.pdf", "brief.html", MANIFEST)]
    for orphan in orphans:
        orphan.write_bytes(b"")
    nested = tmp_path / (f"..brief.pdf.{dead}.0123abcd{atomic.TEMP_SUFFIX}"
                         f".{dead}.4567cdef{atomic.TEMP_SUFFIX}")
    nested.write_bytes(b"%PDF half")  # a renderer's own temporary file of the set's one
    _export(tmp_path, "after the crash")
    assert _names(tmp_path) == sorted(["results.json", "brief.pdf", "brief.html", MANIFEST])


# ------------------------------------------------------------------ the command line

def test_out_naming_a_file_exits_2_with_the_path(tmp_path, capsys):
    from pilot_eval.cli import EXIT_BAD_INPUT, main

    target = tmp_path / "report.pdf"
    target.write_bytes(b"not a folder")
    assert main(["demo", "--out", str(target)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "this is a file, not a folder" in err and "report.pdf" in err
    assert "Traceback" not in err and "bug" not in err
    assert target.read_bytes() == b"not a folder"


@pytest.mark.parametrize(("error", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device"), "no space left on the disk"),
    (PermissionError(errno.EACCES, "Permission denied"), "you do not have permission"),
])
def test_a_refusing_disk_exits_2_and_keeps_the_previous_outputs(tmp_path, monkeypatch,
                                                                capsys, error, expected):
    from pilot_eval.cli import EXIT_BAD_INPUT, main

    previous = {"brief.pdf": b"%PDF old", "results.json": b'{"old": 1}'}
    for name, data in previous.items():
        (tmp_path / name).write_bytes(data)

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(os, "write", refuse)
    code = main(["demo", "--out", str(tmp_path)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    assert expected in err and str(tmp_path) in err and "bug" not in err
    assert {n: (tmp_path / n).read_bytes() for n in previous} == previous
    assert not list(temporary_files(tmp_path)) and not list(temporary_files(tmp_path / "data"))


def test_any_os_error_reaching_the_command_line_exits_2(monkeypatch, capsys):
    from pilot_eval import cli

    def fail(args):
        raise OSError(errno.EIO, "Input/output error", "/mnt/share/results.json")

    monkeypatch.setattr(cli, "_run_demo", fail)
    assert cli.main(["demo"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "/mnt/share/results.json" in err and "input/output error" in err


def test_a_refused_rename_on_windows_is_checked_for_a_lock(tmp_path, monkeypatch):
    """Windows refuses to replace a file Excel holds with "access denied" (winerror 5); opening
    it then gives the sharing violation (winerror 32) that names the real cause."""
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"old")

    def denied(source, destination):
        error = PermissionError(errno.EACCES, "Access is denied")
        error.winerror = 5
        raise error

    def sharing(path):
        error = PermissionError(errno.EACCES, "being used by another process", str(path))
        error.winerror = 32
        raise error

    monkeypatch.setattr(atomic, "_WINDOWS", True)
    monkeypatch.setattr(atomic, "REPLACE_PAUSE", 0.0)
    monkeypatch.setattr(os, "replace", denied)
    monkeypatch.setattr(atomic, "_open_for_check", sharing)
    with pytest.raises(FileAccessError, match="open in another program"):
        write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and _names(tmp_path) == ["tables.xlsx"]


def test_temps_of_older_versions_are_cleaned_once_an_hour_old(tmp_path):
    old = tmp_path / ".brief.pdf.k2j4_x9z.tmp"
    young = tmp_path / ".brief.pdf.a1b2c3d4.tmp"
    unrelated = tmp_path / ".notes.txt.a1b2c3d4.tmp"
    for path in (old, young, unrelated):
        path.write_bytes(b"x" * 10)
    os.utime(old, (1, 1))
    os.utime(unrelated, (1, 1))
    write_bytes(tmp_path / "brief.pdf", b"%PDF")
    assert _names(tmp_path) == sorted(["brief.pdf", young.name, unrelated.name])
