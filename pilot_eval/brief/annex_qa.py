"""Annex sections on assurance: the disclosure rule, a glossary and the QA log.

The quality-assurance log follows the spirit of HM Treasury's Aqua Book: what was checked
(validation of the data, an independent re-estimate), with what outcome, with which software,
seeds, by whom and when, so a reviewer can verify and reproduce the analysis.
"""

from __future__ import annotations

from pilot_eval.brief.annex import exact
from pilot_eval.brief.tables import AnnexSection, DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.thresholds import CROSS_CHECK_TOLERANCE
from pilot_eval.report.options import BriefOptions
from pilot_eval.report.outcome import CrossCheck
from pilot_eval.report.project_report import ProjectReport

MAX_FINDINGS = 10  # validation findings listed per outcome (the rest are in the results)

GLOSSARY = (
    ("Difference-in-differences", "The change in pilot units minus the change in comparison "
     "units over the same time."),
    ("Parallel trends", "The assumption that, without the pilot, both groups would have "
     "changed by the same amount."),
    ("95% range (confidence interval)", "The range of effects consistent with the data; if "
     "the analysis were repeated many times, 95% of such ranges would contain the true effect."),
    ("Cluster", "A group whose members are alike (here usually a team); standard errors allow "
     "for this."),
    ("Event study", "The effect estimated separately for each period before and after the "
     "start; effects before the start should be near zero."),
    ("Hazard ratio", "How much more (above 1) or less (below 1) likely staff are to leave at "
     "any given time."),
    ("Restricted mean survival time", "The average time in post over a fixed window."),
    ("Maryland Scientific Methods Scale", "A 1-5 scale of how well a design rules out other "
     "explanations; a difference-in-differences reaches level 3."),
    ("[c]", "A number hidden to protect individuals."),
)


def disclosure_section(options: BriefOptions) -> AnnexSection:
    return AnnexSection(
        heading="Disclosure control",
        paragraphs=(options.disclosure.describe(),
                    "Applied to every count and percentage from staff records in this report. "
                    "Model estimates (hazard ratios, differences in time in post and their "
                    "ranges) are not disclosive and are shown in full. Outcome means come from "
                    "team-level management information and are not suppressed."))


def glossary_section() -> AnnexSection:
    return AnnexSection(heading="Glossary", tables=(DataTable(
        caption="Terms used in this report", columns=("Term", "Meaning"), rows=GLOSSARY),))


def counted(count: int, noun: str) -> str:
    """``1 finding``, ``3 findings``, ``0 errors``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def validation_rows(report: ProjectReport) -> list[tuple[str, str]]:
    """The checks table: validation per outcome (each distinct finding once), the
    independent re-estimate and its difference, and any checks listed in the QA log."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for outcome in report.outcomes:
        problems = outcome.validation
        errors = [p for p in problems if p.severity.lower() == "error"]
        rows.append((f"Data validation: {outcome.label}",
                     "passed with no findings" if not problems else
                     f"{counted(len(problems), 'finding')}, {counted(len(errors), 'error')}"))
        for problem in problems[:MAX_FINDINGS]:
            key = (problem.severity, problem.message)
            if key not in seen:
                seen.add(key)
                rows.append((f"  finding ({key[0] or 'note'})", key[1]))
        if outcome.cross_check is not None:
            rows.append((f"Independent re-estimate: {outcome.label} "
                         f"({outcome.cross_check.reference or 'n/a'})",
                         cross_check_outcome(outcome.cross_check)))
    retention = report.retention
    if retention is not None and not isinstance(retention, Unavailable):
        problems = retention.validation
        rows.append(("Data validation: staff records",
                     "passed with no findings" if not problems else
                     counted(len(problems), "finding")))
        rows += [(f"  finding ({p.severity or 'note'})", p.message)
                 for p in problems[:MAX_FINDINGS]]
    rows += [(check.check, check.outcome) for check in report.qa.checks]
    return rows


def cross_check_outcome(check: CrossCheck) -> str:
    """``agrees: re-estimate 4.135 (SE 0.7642); largest absolute difference 4.44e-15``."""
    if check.skipped_reason:
        return f"skipped: {check.skipped_reason}"
    if check.max_abs_difference is None:
        return "no difference reported"
    verdict = "agrees" if check.max_abs_difference <= CROSS_CHECK_TOLERANCE else "DIFFERS"
    again = ""
    if check.estimate is not None:
        again = f"re-estimate {exact(check.estimate)}"
        if check.se is not None:
            again += f" (SE {exact(check.se)})"
        again += "; "
    return f"{verdict}: {again}largest absolute difference {exact(check.max_abs_difference)}"


def qa_section(report: ProjectReport, options: BriefOptions, date_text: str) -> AnnexSection:
    """Who ran what, when (the run's own timestamp, and which clock dated it), with which
    software and seeds; then the checks and their outcome."""
    qa = report.qa
    checks = DataTable(caption="Checks run and their outcome", columns=("Check", "Outcome"),
                       rows=tuple(validation_rows(report)))
    versions = DataTable(caption="Software and package versions (when the analysis ran)",
                         columns=("Software", "Version"), rows=qa.software)
    seeds = options.seeds or qa.seeds
    who = options.analyst or options.author or "an analyst not named in the project"
    clock = ("" if qa.clock == "system" else
             f" The run time comes from a fixed clock, not the computer's: "
             f"{qa.clock.removeprefix('fixed (').removesuffix(')')}.")
    bullets = (
        f"Analysis run by {who}; brief dated {date_text}; results produced "
        f"{qa.run_date_text} at {qa.run_at:%H:%M}.{clock}",
        f"Results written by pilot-eval {qa.pilot_eval_version} (results.json schema "
        f"version {report.schema_version}).",
        "Random seeds: " + (", ".join(str(s) for s in seeds) if seeds
                            else "none used (no bootstrap or simulation)") + ".",
    )
    return AnnexSection(heading="Quality-assurance log", bullets=bullets,
                        tables=(checks, versions))

