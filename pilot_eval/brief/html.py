"""Render ``BriefContent`` as one self-contained, accessible HTML file.

reportlab cannot tag a PDF, and UK public bodies must publish accessible documents (WCAG 2.2 AA),
so every brief has this twin: ``lang`` set, one ``h1`` and headings in order, real tables with
``<th scope>``, each chart an inline SVG with ``role="img"``, ``<title>`` and ``<desc>`` followed
by its data table, text contrast of at least 4.5:1, and nothing said by colour alone.  Every
piece of text is escaped; user-entered names sit in ``<bdi>`` so right-to-left names do not
reorder the sentence around them.  No scripts, no external files, no network.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from pilot_eval.brief.atomic import write_atomically
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
.panel p { margin: 0.5rem 0; font-size: 1.1rem; }
table { border-collapse: collapse; margin: 0.75rem 0 1.5rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem;
         border-bottom: 1px solid #B1B4B6; }
thead th { border-bottom: 2px solid #0B0C0C; }
.table-wrap { overflow-x: auto; }
figure { margin: 0; }
svg { max-width: 100%; height: auto; }
footer { border-top: 1px solid #B1B4B6; margin-top: 2rem; padding-top: 0.5rem; }
"""

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


def _outcomes_table(content: BriefContent) -> str:
    level = content.outcomes[0].level if content.outcomes else 0.95
    table = DataTable(
        caption="Effect of the pilot on each outcome",
        columns=("Outcome", "Effect (estimate)", f"{level * 100:g}% range", "Direction"),
        rows=tuple((r.label, r.effect_text, r.range_text,
                    DIRECTION_WORDS.get(r.direction, r.direction)) for r in content.outcomes))
    return table_html(table)


def _chart(chart: ChartContent, number: int) -> str:
    prefix = f"chart{number}"
    svg = vector_to_svg(chart_vector(chart.spec), title=chart.title,
                        description=chart.alt_text, id_prefix=prefix)
    key = f"{chart.key} The table below gives the values."
    return (f'<section aria-labelledby="{prefix}-heading">\n'
            f'<h3 id="{prefix}-heading">{_e(chart.title)}</h3>\n'
            f"<figure>\n{svg}<figcaption class=\"note\">{_e(key)}</figcaption>\n</figure>\n"
            f"{table_html(chart.table)}\n</section>")


def brief_html(content: BriefContent) -> str:
    """The whole HTML document as text."""
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
        f"<h1>{_bdi(content.title)}</h1>",
        f'<p class="subtitle">{_bdi(content.subtitle)}</p>',
        "</header>",
        "<main>",
        '<section aria-labelledby="findings">',
        '<h2 id="findings">What we found</h2>',
        '<div class="panel">' + "".join(f"<p>{_e(s)}</p>" for s in content.headlines) + "</div>",
        _outcomes_table(content),
        "</section>",
    ]
    if content.charts:
        parts += ['<section aria-labelledby="over-time">',
                  '<h2 id="over-time">What happened over time</h2>']
        parts += [_chart(chart, i) for i, chart in enumerate(content.charts, start=1)]
        parts.append("</section>")
    parts += ['<section aria-labelledby="method">', '<h2 id="method">How this was estimated</h2>']
    parts += [f"<p>{_e(p)}</p>" for p in content.method_note]
    parts.append("</section>")
    if content.caveats:
        parts += ['<section aria-labelledby="caveats">',
                  '<h2 id="caveats">Things to bear in mind</h2>', "<ul>"]
        parts += [f"<li>{_e(c)}</li>" for c in content.caveats]
        parts += ["</ul>", "</section>"]
    if content.data_notes:
        parts += ['<section aria-labelledby="data-notes">',
                  '<h2 id="data-notes">Notes on the data</h2>', "<ul>"]
        parts += [f"<li>{_e(note)}</li>" for note in content.data_notes]
        parts += ["</ul>", "</section>"]
    parts += ["</main>", f"<footer><p>{_e(content.data_status)}</p></footer>", "</body>",
              "</html>", ""]
    return "\n".join(parts)


def render_html(content: BriefContent, path: str | os.PathLike[str]) -> Path:
    """Write ``content`` as one self-contained HTML file to ``path`` (atomically)."""
    document = brief_html(content)
    return write_atomically(path, lambda temp: temp.write_text(document, encoding="utf-8"))
