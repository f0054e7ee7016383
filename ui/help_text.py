"""The "What does this mean?" text of each step, in plain English (HTML for a QTextBrowser).

The annex of the brief has the full glossary; these paragraphs are the short version.
"""

from __future__ import annotations

GLOSSARY_NOTE = ("<p><i>The technical annex of the exported brief has a glossary with the full "
                 "definitions.</i></p>")

HELP: dict[str, str] = {
    "start": (
        "<h3>Start</h3><p>A <b>project</b> remembers your data files, the column roles, the "
        "options and the text of the brief. It is saved as a <code>.pilot.json</code> file; "
        "the previous version is kept beside it as <code>.bak</code>.</p>"
        "<p>Try the <b>demo pilot</b> to see every step on made-up data, and the "
        "<b>small-pilot demo</b> (two pilot teams of sixteen) to see synthetic DiD, the method "
        "for pilots with only a few teams.</p>"),
    "data": (
        "<h3>Data</h3><p>The <b>outcome panel</b> has one row per team and period. Tell "
        "pilot-eval which column is which: the team, the period, the outcome and when each "
        "team's pilot started (blank or 0 for teams that never joined).</p>"
        "<p>The checks list every problem with its row; press Enter on one to see the cell.</p>"),
    "trends": (
        "<h3>Trends</h3><p>The comparison teams stand in for what would have happened to the "
        "pilot teams without the pilot. That is only believable if both groups moved "
        "<b>in parallel before the pilot</b> (the <i>parallel trends</i> assumption).</p>"
        "<p>Look at the periods before the dashed line: lines that run side by side are a good "
        "sign; lines that converge or diverge are a warning.</p>"),
    "impact": (
        "<h3>Impact</h3><p><b>Difference-in-differences</b> (DiD) compares how much the pilot "
        "teams changed with how much the comparison teams changed over the same time. The "
        "difference between the two changes is the estimated effect of the pilot.</p>"
        "<p>The <b>95% range</b> (confidence interval) shows how precise the estimate is. When "
        "pilots started at different times, pilot-eval uses methods that compare each group of "
        "teams only with teams not yet in the pilot.</p>"
        "<p><b>Synthetic DiD</b> and <b>synthetic control</b> are for pilots with only a few "
        "teams: they compare the pilot with a weighted mix of teams that moved like it before "
        "the pilot, and work out the range from <b>placebo runs</b> (the analysis re-run with "
        "comparison teams posing as the pilot).</p>"),
    "plan": (
        "<h3>Plan the next phase</h3><p><b>Power</b> is the chance that a pilot of a given "
        "size shows an effect of a given size clearly (80%, or 8 times in 10, is usual). "
        "pilot-eval simulates many new pilots from your teams' own ups and downs and counts "
        "how often each design would have detected the effect.</p>"
        "<p>Leave the effect blank to see the <b>smallest effect</b> each design would detect "
        "with the target power.</p>"),
    "retention": (
        "<h3>Retention</h3><p>The <b>retention curve</b> shows the share of staff still in "
        "post after each number of months. A <b>hazard ratio</b> below 1 means pilot staff "
        "left at a lower rate than comparison staff (0.8: about 20% lower).</p>"
        "<p><b>RMST</b> (restricted mean survival time) is the average number of months staff "
        "stayed within the follow-up window.</p>"),
    "brief": (
        "<h3>Brief</h3><p>The brief for ministers: a one-sentence headline with its range, "
        "the chart, how strong the evidence is and why, and a short annex. It is saved as "
        "a PDF and an accessible HTML page.</p><p>Beside it: the <b>technical report</b> "
        "(every table, for evaluators), <b>tables.xlsx</b> (the tables as numbers; File > "
        "Export tables… saves them on their own, also as CSV) and <b>results.json</b> "
        "(everything, for other programs).</p>"),
}


def help_html(step: str) -> str:
    """The help panel's HTML for ``step`` (with the pointer to the glossary)."""
    return HELP.get(step, "") + GLOSSARY_NOTE
