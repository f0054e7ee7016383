"""Issue 10 in the window: the demo walked step by step with the real core.

The window runs the whole saved demo project through ``run_project``; its report must be the
report the command line builds for the same project and clock, every figure it shows must be
that report's figure at the printed precision (2 significant figures for effects, as the
brief; two decimals for ratios), the same figures must be in the brief's text, and a brief
exported from the window must be byte-identical to ``pilot-eval brief demo.pilot.json --out``.

References: ``pilot_eval.report.run_project`` on ``load_project`` of the saved project (the
command line's path) with the same fixed clock; the brief's HTML twin as text; the command
line's ``brief`` output files, compared byte for byte.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.screenshots import _wait_idle, run_until
from pilot_eval.ui.settings import open_settings

from pilot_eval.cli import main as cli
from pilot_eval.project import load_project
from pilot_eval.report import run_project, words
from pilot_eval.report.values import number
from pilot_eval.tables import report_tables, tables_bytes

CLOCK = "2025-10-01T09:00:00+01:00"
NUMBER = re.compile(r"[-+]?£?\d[\d,]*(?:\.\d+)?")
OUTPUTS = ("brief.pdf", "brief.html", "technical-report.pdf", "tables.xlsx", "results.json")


def figures(text: str) -> list[float]:
    """The numbers printed in ``text`` (signs, £ and thousands separators read)."""
    return [float(m.replace("£", "").replace(",", "")) for m in NUMBER.findall(text)]


def printed_as(value: float | None, text: str, *, figures_kept: int = 2) -> bool:
    """Is ``value`` printed in ``text`` at ``figures_kept`` significant figures?"""
    assert value is not None
    return words.round_significant(abs(value), figures_kept) in {abs(f) for f in
                                                                  figures(text)}


def brief_text(folder: Path) -> str:
    raw = (folder / "brief.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw)))


@pytest.fixture
def walked(qtbot, monkeypatch, tmp_path, documents):
    """The window after: open the demo, Run, export the brief into ``tmp_path/window``."""
    monkeypatch.setenv("PILOT_EVAL_CLOCK", CLOCK)
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: 0)
    window = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
    window.modal_errors = False
    qtbot.addWidget(window)
    window.show()
    c = window.controller
    run_until(c.project_changed, window.open_demo, failed=c.error)
    _wait_idle(c)
    run_until(c.result_ready, window._run, failed=c.error)
    _wait_idle(c)
    out = tmp_path / "window"
    out.mkdir()
    run_until(c.brief_exported, lambda: window.export_brief_to(out), failed=c.error)
    yield window, out
    c.shutdown()
    c.dirty = False
    window.close()


@pytest.mark.slow  # the demo project runs twice (window and command line): about a minute
def test_the_demo_in_the_window_is_the_report_and_the_brief(walked, tmp_path, documents):
    window, exported = walked
    c = window.controller
    project_file = Path(c.project_path)
    assert project_file == documents / "pilot-eval" / "demo" / "demo.pilot.json"
    reference = run_project(load_project(project_file), project_file=project_file)
    report = c.report
    assert report == reference  # the window's report is the command line's, field for field
    text = brief_text(exported)
    noun = report.brief.unit_noun

    # Impact: the shown outcome, row by row, against the report and the brief.
    outcome = c.output
    h = outcome.headline
    rows = dict(window.impact_page.table_text())
    assert printed_as(number(h.estimate), rows["Estimated effect"])
    low, high = figures(rows["95% range"])
    assert (low, high) == (words.round_significant(number(h.ci_low)),
                           words.round_significant(number(h.ci_high)))
    assert window.impact_page.sentence.text() in text  # the brief's own headline sentence
    assert printed_as(number(h.estimate), window.impact_page.sentence.text())
    assert rows["Evidence"] == outcome.evidence.label and outcome.evidence.label in text
    assert rows[noun.capitalize()] == words.thousands(h.n_units)
    assert f"{words.thousands(h.clusters.n)} clusters" in rows["Uncertainty"]
    assert len(re.findall(r"\b[\d,]+ clusters", rows["Uncertainty"])) == 1  # one count
    assert "Callaway & Sant'Anna" in rows["Method"] and "callaway-santanna" not in str(rows)

    # Trends: the test the report reads, at its printed precision.
    used = outcome.pretest.used
    if used is not None:
        assert words.p_value_text(number(used.p_value)) in window.trends_page.sentence.text()
    means = window.trends_page.table_rows()
    assert means[0][0] == outcome.group_means[0].label  # period labels, not codes

    # Retention: the pilot x post hazard ratio and the project's RMST horizon.
    retention = report.retention
    figures_shown = dict(window.retention_page.figure_rows())
    term = retention.pilot_effect.term
    hazard = figures_shown["Hazard ratio of leaving, pilot after its start"]
    assert hazard.startswith(words.ratio_text(number(term.hazard_ratio)))
    assert f"hazard ratio {words.ratio_text(number(term.hazard_ratio))}" in text
    assert retention.rmst.tau == 24
    rmst_row = next(k for k in figures_shown if k.startswith("Extra time in post"))
    assert "first 24 months" in rmst_row and "Over the first 24 months" in text
    diff = number(retention.rmst.difference.estimate)
    assert printed_as(diff, figures_shown[rmst_row])
    assert f"about {words.number_in_words(diff)} months longer" in text
    assert window.retention_page.sentences.text().split(". ")[1] in text

    # Brief step: one headline per outcome of the report, as the brief writes them.
    reported = window.brief_page.reported_text()
    for each in report.outcomes:
        sentence = words.headline_sentence(
            each.label, each.unit, each.polarity, number(each.headline.estimate),
            number(each.headline.ci_low), number(each.headline.ci_high),
            level=each.headline.level, pilot=f"pilot {noun}",
            comparison=words.comparison_group(each.headline.comparison, noun))
        assert sentence in reported
        assert f"evidence {each.evidence.label}" in reported

    # The brief exported from the window is the command line's, byte for byte, and both are
    # the brief rebuilt from results.json.
    from_cli, rebuilt = tmp_path / "cli", tmp_path / "rebuilt"
    assert cli(["brief", str(project_file), "--out", str(from_cli)]) == 0
    assert cli(["brief", str(exported / "results.json"), "--out", str(rebuilt)]) == 0
    for name in OUTPUTS:
        window_bytes = (exported / name).read_bytes()
        assert window_bytes == (from_cli / name).read_bytes(), name
        assert window_bytes == (rebuilt / name).read_bytes(), name

    assert sorted(Path(f).name for f in c.exported) == sorted(OUTPUTS)  # all five, said
    assert all(name in window.brief_page.status.text() for name in OUTPUTS)

    # File > Export tables: the report's tables workbook, or one CSV per table.
    workbook = tmp_path / "tables" / "pilot tables.xlsx"
    workbook.parent.mkdir()
    (files,) = run_until(c.tables_exported, lambda: window.export_tables_to(workbook),
                         failed=c.error)
    assert files == [str(workbook)]
    assert workbook.read_bytes() == tables_bytes(report)  # same report, same bytes
    assert workbook.read_bytes() == (exported / "tables.xlsx").read_bytes()
    (files,) = run_until(c.tables_exported,
                         lambda: window.export_tables_to(tmp_path / "tables" / "pilot.csv"),
                         failed=c.error)
    written = [Path(f) for f in files]
    assert len(written) == len(report_tables(report)) and all(p.is_file() for p in written)
    assert all(p.name.startswith("pilot - ") and p.suffix == ".csv" for p in written)
    assert str(workbook.parent) in window.statusBar().currentMessage()
