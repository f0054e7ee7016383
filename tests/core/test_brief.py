"""The brief: content built from result dictionaries, the PDF read back, the HTML parsed.

Inputs are typed reports made field by field in ``report_factory`` (so these tests do not
depend on the estimators).  The PDF is read
back with poppler's ``pdftotext``/``pdffonts``/``pdfinfo``/``pdfimages`` when installed (tests
that need them skip otherwise) and by inspecting the raw bytes; the HTML is parsed with the
standard library's ``html.parser``.  Contrast uses the WCAG 2 formula; its reference values
(21:1 for black on white, 4.54:1 for #767676 on white, the lightest grey that passes AA) are
from the WCAG 2.2 understanding document for success criterion 1.4.3.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pilot_eval.estimators import Unavailable
from report_factory import outcome, project

from pilot_eval.brief import (
    BriefError,
    brief_html,
    build_brief_content,
    render_html,
    render_pdf,
)
from pilot_eval.brief.html import TEXT_ON_BACKGROUND
from pilot_eval.charts.style import contrast_ratio
from pilot_eval.errors import FileAccessError
from pilot_eval.report.outcome import MeanPoint

AA_TEXT_CONTRAST = 4.5  # WCAG 2.2 AA, normal text
CONTRAST_TOLERANCE = 0.005  # the published ratios are rounded to 2 decimals
WELSH_TEAM = "Tîm Gwaith Cymdeithasol Ŵyr a Ŷd, Môn: tŵr, tŷ, â ê ô"
HOSTILE_ORG = "A&E <North> \"Quoted\" & 'apos' </p><script>alert(1)</script>"
POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo", "pdfimages"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


def two_outcomes() -> list:
    return [outcome(), outcome(outcome="cost", label="Cost per case", unit="GBP",
                               polarity="lower_is_better", estimate=-123.4, ci=(-310.2, 70.1))]


@pytest.fixture(scope="module")
def content():
    return build_brief_content(project(two_outcomes(), organisation=WELSH_TEAM,
                                       author="Analyst Ŵ", date=dt.date(2026, 11, 27)))


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory, content) -> Path:
    return render_pdf(content, tmp_path_factory.mktemp("pdf") / "brief.pdf")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path) -> str:
    """Extracted text with whitespace collapsed (lines wrap wherever the layout breaks them)."""
    return " ".join(run("pdftotext", "-enc", "UTF-8", str(path), "-").split())


# ---------------------------------------------------------------- content


def test_content_headlines_rows_and_metadata(content):
    assert content.headlines == (
        "Cases closed with goals met: about 4.1 percentage points higher in pilot teams than "
        "in comparison teams (95% range: 2.3 to 5.9 points higher), which is better.",
        "Cost per case: no clear change in pilot teams compared with comparison teams: the best "
        "estimate is about £120 lower, but the 95% range runs from £310 lower to £70 higher.",
    )
    assert [r.direction for r in content.outcomes] == ["better", "no clear change"]
    assert content.outcomes[0].estimate == 4.137  # exact value kept for the annex
    assert content.title == "Pilot teams did better on 1 of 2 outcomes, no clear change on 1"
    assert content.subtitle == f"{WELSH_TEAM}, 27 November 2026"
    assert content.metadata.language == "en-GB"
    assert content.metadata.author == "Analyst Ŵ"
    assert "Cost per case" in content.metadata.keywords
    assert content.data_status == "Management information, not official statistics"


def test_content_charts_have_title_alt_text_and_table(content):
    chart = content.charts[0]
    assert chart.title == ("Cases closed with goals met rose in pilot teams relative to "
                           "comparison teams")
    assert chart.alt_text.startswith("Line chart of cases closed with goals met by period, "
                                     "from 2024-01 to 2026-06")
    assert "Dotted vertical lines mark the pilot starts (2025-01 and 2025-07)." in chart.alt_text
    assert chart.table.columns == ("Period", "Pilot teams: mean", "Pilot teams with data",
                                   "Comparison teams: mean", "Comparison teams with data")
    assert len(chart.table.rows) == 30
    # brute force: the first row is the first period's means as the factory made them
    assert chart.table.rows[0] == ("2024-01", f"{60.1 + math.sin(1):.1f}%", "16",
                                   f"{59.1 + math.cos(1):.1f}%", "32")
    # with no retention or event study, page 2 has room for the second outcome's chart
    assert content.charts[1].title == ("Cost per case moved much the same in pilot and "
                                       "comparison teams")  # its range crosses zero


def test_content_method_note_shares_one_sentence_for_identical_methods(content):
    assert content.method_note[1] == (
        "Cases closed with goals met and cost per case: each estimated with two-way fixed "
        "effects difference-in-differences (unit and period effects); standard errors "
        "clustered by team (CR1, 48 clusters). Data: 48 teams, 48 clusters, 1,400 "
        "observations.")


def test_content_is_frozen_and_json_safe(content):
    import json

    with pytest.raises(AttributeError):
        content.title = "changed"  # type: ignore[misc]
    data = content.to_dict()
    assert json.loads(json.dumps(data))["date"] == "2026-11-27"


def test_content_unavailable_range_and_bad_input():
    missing = Unavailable("one cluster only")
    one = outcome(ci=(missing, missing))
    built = build_brief_content(project(one, date="2026-01-02", title="  My   title "))
    assert built.title == "My title"
    assert built.outcomes[0].direction == "not assessed"
    assert built.headlines[0].endswith(
        "(the 95% range could not be calculated: one cluster only).")
    with pytest.raises(BriefError, match="no results"):
        build_brief_content(project(()))
    with pytest.raises(BriefError, match="not a date"):
        project(one, date="27/11/2026")


def test_two_by_two_results_have_before_and_after_and_no_start_line(tmp_path):
    one = outcome(estimator="2x2", pilot_starts=(), group_means=(
        MeanPoint(0, "Before", "pilot", 60.2, 16), MeanPoint(1, "After", "pilot", 65.1, 16),
        MeanPoint(0, "Before", "comparison", 59.0, 32),
        MeanPoint(1, "After", "comparison", 59.8, 32)))
    built = build_brief_content(project(one, date="2026-11-27"))
    chart = built.charts[0]
    assert "Dotted" not in chart.key and "Dotted" not in chart.alt_text
    assert chart.table.rows == (("Before", "60.2%", "16", "59.0%", "32"),
                                ("After", "65.1%", "16", "59.8%", "32"))
    assert "2x2 difference-in-differences" in built.method_note[1]
    assert render_pdf(built, tmp_path / "b.pdf").read_bytes().startswith(b"%PDF-")


def test_few_clusters_become_a_caveat_and_warnings_become_data_notes(content):
    built = build_brief_content(project(outcome(n_clusters=12), date="2026-01-02"))
    assert built.caveats[1].startswith("Small numbers: the ranges rest on only 12 clusters")
    assert content.data_notes == ("Unbalanced panel: 12 team-months are missing",)
    assert content.caveats[1] == ("Missing data: up to 40 of 1,440 rows were left out of an "
                                  "estimate because values were missing.")


# ---------------------------------------------------------------- PDF


def test_pdf_is_byte_identical_for_the_same_content(tmp_path, content, pdf_path):
    again = render_pdf(content, tmp_path / "again.pdf")
    assert again.read_bytes() == pdf_path.read_bytes()


def test_pdf_is_byte_identical_in_another_process(tmp_path, pdf_path):
    """No dependence on hash seeds, object ids or import order: render in a fresh interpreter."""
    import os
    import sys

    script = (
        "import sys, datetime as dt, importlib.util\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        f"spec = importlib.util.spec_from_file_location('brief_tests', {str(Path(__file__))!r})\n"
        "tests = importlib.util.module_from_spec(spec); spec.loader.exec_module(tests)\n"
        "from pilot_eval.brief import build_brief_content, render_pdf\n"
        "content = build_brief_content(tests.project(tests.two_outcomes(),\n"
        "    organisation=tests.WELSH_TEAM, author='Analyst Ŵ', date=dt.date(2026, 11, 27)))\n"
        "render_pdf(content, sys.argv[1])\n"
    )
    other = tmp_path / "other.pdf"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(other)], check=True, env=env)
    assert other.read_bytes() == pdf_path.read_bytes()


def test_pdf_embeds_every_font_and_sets_language_raw_bytes(pdf_path):
    raw = pdf_path.read_bytes()
    assert raw.startswith(b"%PDF-")
    assert b"/FontFile2" in raw  # embedded TrueType programs
    assert b"Helvetica" not in raw and b"Times-Roman" not in raw and b"Courier" not in raw
    assert b"/Lang (en-GB)" in raw


def test_pdf_has_a_bookmark_for_every_heading(pdf_path):
    raw = pdf_path.read_bytes()
    assert b"/PageMode /UseOutlines" in raw
    for heading in (b"(What we found)", b"(How the effect was estimated)",
                    b"(Things to bear in mind)", b"(Why the evidence has its rating)"):
        assert b"/Title " + heading in raw, heading


@needs_poppler
def test_pdf_fonts_are_all_embedded(pdf_path):
    rows = run("pdffonts", str(pdf_path)).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", row
        assert "DejaVuSans" in name, row


@needs_poppler
def test_pdf_metadata(pdf_path, content):
    info = run("pdfinfo", str(pdf_path))
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Title"].strip() == content.title
    assert fields["Author"].strip() == "Analyst Ŵ"
    assert fields["Subject"].strip() == content.metadata.subject
    assert "difference-in-differences" in fields["Keywords"]
    assert fields["Page size"].strip().startswith("595.276 x 841.89")  # A4
    assert "Nov 27" in fields["CreationDate"] and "2026" in fields["CreationDate"]


@needs_poppler
def test_pdf_text_has_headline_numbers_welsh_letters_and_footer(pdf_path, content):
    text = pdf_text(pdf_path)
    for number in ("4.1 percentage points", "2.3 to 5.9 points", "£120", "£310 lower",
                   "£70 higher"):
        assert number in text, number
    assert WELSH_TEAM in text  # ŵ ŷ Ŵ Ŷ î ô print as themselves
    assert content.title in text
    pages = int(re.search(r"Page 1 of (\d+)", text).group(1))
    assert text.count("Management information, not official statistics") == pages
    assert "Pilot starts 2025-01" in text  # chart labels are text, not pixels


@needs_poppler
def test_pdf_chart_is_vector_not_bitmap(pdf_path):
    listing = run("pdfimages", "-list", str(pdf_path)).splitlines()
    assert len(listing) == 2, listing  # header lines only: no raster images at all


# ---------------------------------------------------------------- HTML


class Outline(HTMLParser):
    """Collects what the accessibility checks need from an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.svg_children: list[list[str]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "svg":
            self.svg_children.append([])
        elif self.stack and self.stack[-1] == "svg":
            self.svg_children[-1].append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        self.texts.append(data)


@pytest.fixture(scope="module")
def outline(content) -> Outline:
    parser = Outline()
    parser.feed(brief_html(content))
    return parser


def test_html_language_and_one_h1_and_ordered_headings(outline):
    assert outline.tags[0] == ("html", {"lang": "en-GB"})
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, outline.headings  # never skip a level going down


def test_html_tables_have_captions_and_scoped_headers(outline, content):
    tables = [t for t, _ in outline.tags if t == "table"]
    # the headline panel, one data table per chart (beside it), the glossary
    assert len(tables) == 1 + len(content.charts) + 1
    headers = [a for t, a in outline.tags if t == "th"]
    assert headers and all(a.get("scope") in ("col", "row") for a in headers)
    assert len([t for t, _ in outline.tags if t == "caption"]) == len(tables)


def test_html_charts_are_labelled_images(outline, content):
    svgs = [a for t, a in outline.tags if t == "svg"]
    assert len(svgs) == len(content.charts)  # the other outcomes' charts: technical report
    for attributes, children in zip(svgs, outline.svg_children, strict=True):
        assert attributes["role"] == "img"
        assert children[:2] == ["title", "desc"]
        for ref in attributes["aria-labelledby"].split():
            assert ref in outline.ids
    assert len(outline.ids) == len(set(outline.ids)), "duplicate ids"
    assert content.charts[0].alt_text in outline.texts


def test_html_has_no_scripts_or_external_resources(content):
    document = brief_html(content)
    assert "<script" not in document
    assert not re.search(r"(src|href)=\"(https?:)?//", document)


def test_contrast_formula_matches_wcag_reference_values():
    assert contrast_ratio("#000000") == pytest.approx(21.0, abs=CONTRAST_TOLERANCE)
    assert contrast_ratio("#767676") == pytest.approx(4.54, abs=CONTRAST_TOLERANCE)


@pytest.mark.parametrize("pair", sorted(TEXT_ON_BACKGROUND))
def test_html_text_contrast_is_at_least_aa(pair):
    foreground, background = TEXT_ON_BACKGROUND[pair]
    assert contrast_ratio(foreground, background) >= AA_TEXT_CONTRAST


def test_html_style_sheet_uses_only_checked_text_colours(content):
    document = brief_html(content)
    style = document[document.index("<style>"):document.index("</style>")]
    used = {c.upper() for c in re.findall(r"(?<!-)color:\s*(#[0-9A-Fa-f]{6})", style)}
    checked = {fg for fg, _ in TEXT_ON_BACKGROUND.values()}
    assert used <= checked, used - checked


def test_html_svg_text_has_contrast(content):
    document = brief_html(content)
    fills = set(re.findall(r"<text [^>]*fill=\"(#[0-9a-fA-F]{6})\"", document))
    assert fills
    assert all(contrast_ratio(f) >= AA_TEXT_CONTRAST for f in fills), fills


def test_pdf_and_html_share_one_drawing_per_chart(content):
    from pilot_eval.brief.figures import chart_vector

    first = chart_vector(content.charts[0].spec)
    assert chart_vector(content.charts[0].spec) is first  # drawn once, then cached
    texts = re.findall(r"<text [^>]*>([^<]*)</text>", brief_html(content))
    assert "Pilot starts 2025-01 (12 teams)" in texts


# ---------------------------------------------------------------- hostile text


HOSTILE_LABELS = [
    "A&E <North> & \"friends\"",
    "Tîm " + "Ŵ" * 400,  # a very long name with no spaces
    "فريق الشمال",  # right-to-left (Arabic)
    "צוות צפון",  # right-to-left (Hebrew)
    "Team 🚀 with emoji 👩‍⚕️",
    "Cost in $ and $x^2$ not maths",
    "Line\nbreak\tand tab",
]


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # emoji: DejaVu has none
@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_hostile_text_renders_in_both_formats(tmp_path, label):
    base = outcome(label=label)
    one = dataclasses.replace(
        base, group_means=tuple(dataclasses.replace(m, label=label) if i < 4 else m
                                for i, m in enumerate(base.group_means)),
        pilot_starts=(dataclasses.replace(base.pilot_starts[0], label=label),
                      *base.pilot_starts[1:]))
    built = build_brief_content(project(one, organisation=label, author=label, title=label,
                                        date="2026-11-27"))
    pdf = render_pdf(built, tmp_path / "brief.pdf")
    html = render_html(built, tmp_path / "brief.html")
    assert pdf.read_bytes().startswith(b"%PDF-")
    document = html.read_text(encoding="utf-8")
    parser = Outline()
    parser.feed(document)
    assert "script" not in {t for t, _ in parser.tags}
    assert "north" not in {t for t, _ in parser.tags}  # markup printed as text, not parsed
    assert parser.headings.count(1) == 1


@needs_poppler
def test_markup_characters_print_as_text_in_the_pdf(tmp_path):
    built = build_brief_content(project(outcome(), organisation=HOSTILE_ORG,
                                        date="2026-11-27"))
    text = pdf_text(render_pdf(built, tmp_path / "brief.pdf"))
    assert " ".join(HOSTILE_ORG.split()) in text


@needs_poppler
def test_characters_beyond_u_ffff_are_replaced_visibly_and_said(tmp_path):
    """DejaVu Sans draws U+1F600, but reportlab writes such characters into the PDF's text
    layer as another character (copied or read aloud: U+1F60 "ὠ"), so they are replaced by
    the visible stand-in like any glyph the font lacks, and the QA note names them."""
    from pilot_eval.brief.guard import MISSING_GLYPH, replaced

    organisation = "Emoji \U0001F600 team"
    built = build_brief_content(project(outcome(), organisation=organisation,
                                        date="2026-11-27"))
    text = pdf_text(render_pdf(built, tmp_path / "brief.pdf"))
    assert f"Emoji {MISSING_GLYPH} team" in text and "\u1f60" not in text
    assert "U+1F600 GRINNING FACE" in replaced([organisation])


# ---------------------------------------------------------------- atomic writing


def test_writing_into_a_missing_folder_creates_it(tmp_path, content):
    assert render_pdf(content, tmp_path / "missing" / "brief.pdf").is_file()
    assert render_html(content, tmp_path / "missing" / "brief.html").is_file()


def test_a_target_that_cannot_be_replaced_is_a_clear_error(tmp_path, content):
    (tmp_path / "brief.html").mkdir()  # a folder where the brief should go
    with pytest.raises(FileAccessError, match="this is a folder, not a file"):
        render_html(content, tmp_path / "brief.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html"]  # no temp left


def test_html_is_identical_for_the_same_content(tmp_path, content):
    first = render_html(content, tmp_path / "a.html").read_bytes()
    second = render_html(content, tmp_path / "b.html").read_bytes()
    assert first == second
