"""Provably offline: the whole demo pipeline and the window's flow run with sockets disabled.

``socket.socket`` (and with it ``create_connection``, ``socketpair`` and every HTTP client) is
replaced by a function that raises, in every thread; any attempt to open a connection fails the
test.  Caches and temporary files must land in the user's folders: matplotlib's config folder is
set by the app under the user's pilot-eval folder when ``MPLCONFIGDIR`` is unset, and the
temporary folder stays empty (atomic writes put their temporary files beside the target).
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from pilot_eval.selftest import run_self_test

WAIT_MS = 60_000  # a ceiling for the real core on a busy machine, not a timing assertion


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to create a socket raises (and is recorded)."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"a socket was opened: socket.socket{args}")

    class RefusedSocket(socket.socket):  # a class, so that modules subclassing it still import
        def __init__(self, *args, **kwargs):
            refuse(*args, **kwargs)

    monkeypatch.setattr(socket, "socket", RefusedSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == [], "the product tried to open a network connection"


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """A fresh, empty temporary folder for the test; checked empty afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert sorted(p.name for p in folder.iterdir()) == [], "temporary files were left behind"


def test_sockets_really_are_disabled(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("192.0.2.1", 80))
    no_network.clear()


def test_the_demo_pipeline_runs_offline(no_network, private_temp, tmp_path):
    report = run_self_test(tmp_path / "out")
    assert report.ok, report.summary()
    assert [s.name for s in report.steps] == ["import every module", "versions and licences",
                                              "DiD + brief (PDF, HTML)", "staff retention"]
    out = tmp_path / "out"
    assert (out / "brief.pdf").read_bytes().startswith(b"%PDF-")
    html = (out / "brief.html").read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "").replace(
        "http://www.w3.org/1999/xlink", "")  # nothing in the brief fetches from the network
    assert "https://" not in html


def test_the_window_flow_runs_offline(qtbot, no_network, private_temp, tmp_path, monkeypatch):
    from pilot_eval.ui.controller import Controller
    from pilot_eval.ui.error_dialog import ErrorDialog
    from pilot_eval.ui.main_window import MainWindow

    errors: list = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: errors.append(self) or 0)
    window = MainWindow(Controller())
    qtbot.addWidget(window)
    window.show()
    controller = window.controller
    seen: dict[str, list] = {"error": [], "ready": [], "result": [], "brief": []}
    controller.error.connect(seen["error"].append)
    controller.ready_changed.connect(lambda ok: ok and seen["ready"].append(ok))
    controller.result_ready.connect(seen["result"].append)
    controller.brief_exported.connect(lambda pdf, html: seen["brief"].append((pdf, html)))
    try:
        controller.open_demo(str(tmp_path / "demo"))
        qtbot.waitUntil(lambda: bool(seen["ready"] or seen["error"]), timeout=WAIT_MS)
        assert not seen["error"], seen["error"]
        window.impact_page.run_button.click()
        qtbot.waitUntil(lambda: bool(seen["result"] or seen["error"]), timeout=WAIT_MS)
        assert not seen["error"], seen["error"]
        (tmp_path / "export").mkdir()
        window.export_brief_to(tmp_path / "export" / "brief.pdf")
        qtbot.waitUntil(lambda: bool(seen["brief"] or seen["error"]), timeout=WAIT_MS)
        assert not seen["error"], seen["error"]
    finally:
        controller.shutdown()
    pdf, html = (Path(p) for p in seen["brief"][0])
    assert pdf.read_bytes().startswith(b"%PDF-") and html.is_file()
    assert errors == []


def test_matplotlib_cache_goes_to_the_users_folder(tmp_path, monkeypatch):
    from pilot_eval.ui import launch

    monkeypatch.setenv("PILOT_EVAL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    launch._use_user_cache_folders()
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "home" / "matplotlib")
    assert (tmp_path / "home" / "matplotlib").is_dir()


def test_an_administrators_mplconfigdir_is_kept(tmp_path, monkeypatch):
    from pilot_eval.ui import launch

    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "it"))
    launch._use_user_cache_folders()
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "it")
