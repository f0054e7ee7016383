"""Render ``BriefContent`` as one self-contained, accessible HTML file.

reportlab cannot tag a PDF, and UK public bodies must publish accessible documents (WCAG 2.2 AA),
so every brief has this twin: ``lang`` set, one ``h1`` and headings in order, real tables with
``<th scope>``, each chart an inline SVG with ``role="img"``, ``<title>`` and ``<desc>`` followed
by its data table, text contrast of at least 4.5:1, and nothing said by colour alone.  Every
piece of text is escaped; user-entered names sit in ``<bdi>`` so right-to-left names do not
reorder the sentence around them.  No scripts, no external files, no network.
"""

from __future__ import annotations

import base64
import os
from html import escape
from pathlib import Path

from pilot_eval.atomic import write_text
from pilot_eval.brief.content import BriefContent, ChartContent, DataTable
from pilot_eval.brief.figures import chart_vector
from pilot_eval.charts import vector_to_svg

# (text colour, background) pairs used by the style sheet; tests check each is >= 4.5:1.
TEXT_ON_BACKGROUND = {
    "body": ("#0B0C0C", "#FFFFFF"),
    "secondary": ("#3D3D3D", "#FFFFFF"),
    "panel": ("#0B0C0C", "#F3F2F1"),
}

STYLE = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #0B0C0C;
       background: #FFFFFF; line-height: 1.5; margin: 0 auto; padding: 1.5rem;
       max-width: 52rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 0.25rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 0.5rem; }
h3 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.subtitle, .note, caption, footer { color: #3D3D3D; }
.panel { background: #F3F2F1; border-left: 0.3rem solid #12436D; padding: 0.5rem 1rem; }
.panel p { margin: 0.5rem 0; }
.summary dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem;
              border: 1px solid #0B0C0C; padding: 0.5rem 1rem; }
.summary dt { font-weight: bold; }
.summary dd { margin: 0; }
table { border-collapse: collapse; margin: 0.75rem 0 1.5rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem;
         border-bottom: 1px solid #B1B4B6; }
thead th { border-bottom: 2px solid #0B0C0C; }
.table-wrap { overflow-x: auto; }
figure { margin: 0; }
svg { max-width: 100%; height: auto; }
.logo { max-height: 4rem; max-width: 12rem; }
footer { border-top: 1px solid #B1B4B6; margin-top: 2rem; padding-top: 0.5rem; }
"""

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
DIRECTION_WORDS = {"better": "Better", "worse": "Worse", "no clear change": "No clear change",
                   "higher": "Higher", "lower": "Lower", "not assessed": "Not assessed"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _bdi(text: object) -> str:
    return f"<bdi>{_e(text)}</bdi>"


def table_html(table: DataTable, *, row_headers: bool = True) -> str:
    """A real table: caption, ``th scope="col"`` headers, ``th scope="row"`` first cells."""
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in table.columns)
    body = []
    for row in table.rows:
        first, *rest = row
        lead = (f'<th scope="row">{_bdi(first)}</th>' if row_headers
                else f"<td>{_bdi(first)}</td>")
        body.append("<tr>" + lead + "".join(f"<td>{_e(c)}</td>" for c in rest) + "</tr>")
    return ('<div class="table-wrap"><table>\n'
            f"<caption>{_e(table.caption)}</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) +
            "\n</tbody></table></div>")


def _summary(content: BriefContent) -> str:
    box = content.summary
    if box is None:
        return ""
    return ('<section class="summary" aria-labelledby="summary">\n'
            '<h2 id="summary">Summary</h2>\n<dl>\n'
            f"<dt>Issue</dt><dd>{_bdi(box.issue)}</dd>\n"
            f"<dt>Recommendation</dt><dd>{_bdi(box.recommendation)}</dd>\n"
            f"<dt>{_e(box.decision)}</dt><dd>{_e(box.date_text)}</dd>\n</dl>\n</section>")


def _strength(rating) -> str:
    if rating is None:
        return "not rated"
    return (f'<span class="bar" aria-hidden="true">{_e(rating.bar)}</span> '
            f"{_e(rating.label)}")


def _headline_panel(content: BriefContent) -> str:
    rows = []
    for row in content.outcomes:
        rows.append(f'<tr><th scope="row">{_bdi(row.label)}</th><td>{_e(row.sentence)}</td>'
                    f"<td>{_e(DIRECTION_WORDS.get(row.direction, row.direction))}</td>"
                    f"<td>{_strength(row.evidence)}</td></tr>")
    return ('<div class="panel table-wrap"><table>\n'
            "<caption>Effect of the pilot on each headline outcome (95% range)</caption>\n"
            '<thead><tr><th scope="col">Outcome</th><th scope="col">Finding</th>'
            '<th scope="col">Direction</th><th scope="col">Evidence strength</th></tr></thead>\n'
            "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
            f"<p><strong>What it cost:</strong> {_e(content.cost)}</p></div>")


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def _section(anchor: str, heading: str, body: list[str], level: int = 2) -> list[str]:
    return [f'<section aria-labelledby="{anchor}">',
            f'<h{level} id="{anchor}">{_e(heading)}</h{level}>', *body, "</section>"]


def _annex(content: BriefContent) -> list[str]:
    parts = ['<section aria-labelledby="annex">',
             '<h2 id="annex">Annex</h2>']
    for number, section in enumerate(content.annex, start=1):
        body: list[str] = []
        if section.heading == "Data behind the charts" and content.annex_charts:
            charts = [_chart(c, i, level=4) for i, c in enumerate(
                content.annex_charts, start=len(content.charts) + 1)]
            parts += _section("annex-charts", "Charts for the other outcomes", charts, 3)
        body += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
        if section.bullets:
            body.append(_list(section.bullets))
        if section.heading == "Data behind the charts":  # each table already follows its chart
            body.append("<p>In this version each chart's data table follows the chart.</p>")
        else:
            body += [table_html(t) for t in section.tables]
        parts += _section(f"annex-{number}", section.heading, body, 3)
    parts.append("</section>")
    return parts


def _chart(chart: ChartContent, number: int, level: int = 3) -> str:
    prefix = f"chart{number}"
    svg = vector_to_svg(chart_vector(chart.spec), title=chart.title,
                        description=chart.alt_text, id_prefix=prefix)
    key = f"{chart.key} The table below gives the values."
    return (f'<section aria-labelledby="{prefix}-heading">\n'
            f'<h{level} id="{prefix}-heading">{_e(chart.title)}</h{level}>\n'
            f"<figure>\n{svg}<figcaption class=\"note\">{_e(key)}</figcaption>\n</figure>\n"
            f"{table_html(chart.table)}\n</section>")


def logo_html(content: BriefContent) -> str:
    """The logo as an inline data URI (the file stays self-contained), or nothing."""
    path = Path(content.logo) if content.logo else None
    kind = LOGO_TYPES.get(path.suffix.lower()) if path else None
    if path is None or kind is None or not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = f"{content.organisation} logo" if content.organisation else "Logo"
    return f'<img class="logo" src="data:{kind};base64,{data}" alt="{_e(alt)}">'


def brief_html(content: BriefContent) -> str:
    """The whole HTML document as text: the same content as the PDF, in the same order."""
    meta = content.metadata
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(meta.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(content.title)}</title>",
        f'<meta name="author" content="{_e(meta.author)}">',
        f'<meta name="description" content="{_e(meta.subject)}">',
        f'<meta name="keywords" content="{_e(", ".join(meta.keywords))}">',
        f'<meta name="generator" content="{_e(meta.creator)}">',
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        logo_html(content),
        f"<h1>{_bdi(content.title)}</h1>",
        f'<p class="subtitle">{_bdi(content.subtitle)}</p>',
        "</header>",
        "<main>",
        _summary(content),
        *_section("findings", "What we found", [_headline_panel(content)]),
    ]
    reasons = content.evidence_summary
    if reasons:
        parts += _section("evidence", "How strong the evidence is", [_list(reasons)])
    if content.retention and content.retention.sentences:
        parts += _section("retention", "Did staff stay?", [_list(content.retention.sentences)])
    if content.caveats:
        parts += _section("caveats", "Things to bear in mind", [_list(content.caveats)])
    if content.charts:
        parts += _section("over-time", "What happened over time",
                          [_chart(c, i) for i, c in enumerate(content.charts, start=1)])
    parts += _annex(content)
    footer = " ".join(x for x in (content.data_status + ".", content.disclosure_note) if x)
    parts += ["</main>", f"<footer><p>{_e(footer)}</p></footer>", "</body>", "</html>", ""]
    return "\n".join(p for p in parts if p)


def render_html(content: BriefContent, path: str | os.PathLike[str]) -> Path:
    """Write ``content`` as one self-contained HTML file to ``path`` (atomically)."""
    document = brief_html(content)
    return write_text(path, document)
