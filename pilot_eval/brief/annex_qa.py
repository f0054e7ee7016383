"""Annex sections on assurance: the disclosure rule, a glossary and the QA log.

The quality-assurance log follows the spirit of HM Treasury's Aqua Book: what was checked
(validation of the data, an independent re-estimate), with what outcome, with which software,
seeds, by whom and when, so a reviewer can verify and reproduce the analysis.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

from pilot_eval.brief.annex import exact
from pilot_eval.brief.options import BriefOptions
from pilot_eval.brief.tables import AnnexSection, DataTable

PACKAGES = ("pilot-eval", "numpy", "pandas", "scipy", "linearmodels", "lifelines", "pyfixest",
            "matplotlib", "reportlab")
CROSS_CHECK_TOLERANCE = 1e-6  # re-estimates agreeing to this are recorded as "agrees"
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
                    "Applied to every count and percentage from staff records in this brief. "
                    "Model estimates (hazard ratios, differences in time in post and their "
                    "ranges) are not disclosive and are shown in full. Outcome means come from "
                    "team-level management information and are not suppressed."))


def glossary_section() -> AnnexSection:
    return AnnexSection(heading="Glossary", tables=(DataTable(
        caption="Terms used in this brief", columns=("Term", "Meaning"), rows=GLOSSARY),))


def package_versions(qa: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Versions recorded in the results' ``qa.software``, else those installed now."""
    recorded = qa.get("software") if isinstance(qa, Mapping) else None
    if isinstance(recorded, Mapping) and recorded:
        return tuple((str(k), str(v)) for k, v in recorded.items())
    found = [("Python", platform.python_version())]
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)


def validation_rows(results: Mapping[str, Any], analyses: Sequence[Mapping[str, Any]]
                    ) -> list[tuple[str, str]]:
    """The checks table: validation per outcome (each distinct finding once), the
    independent re-estimate and its difference, and any checks listed under ``qa.checks``."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for analysis in analyses:
        label = str(analysis.get("outcome_label") or analysis.get("outcome"))
        problems = [p for p in analysis.get("validation") or [] if isinstance(p, Mapping)]
        errors = [p for p in problems if str(p.get("severity", "")).lower() == "error"]
        rows.append((f"Data validation: {label}",
                     "passed with no findings" if not problems else
                     f"{len(problems)} finding(s), {len(errors)} error(s)"))
        for problem in problems[:MAX_FINDINGS]:
            key = (str(problem.get("severity", "")), str(problem.get("message", "")))
            if key not in seen:
                seen.add(key)
                rows.append((f"  finding ({key[0] or 'note'})", key[1]))
        check = analysis.get("cross_check") or {}
        if isinstance(check, Mapping) and check:
            rows.append((f"Independent re-estimate: {label} ({check.get('reference', 'n/a')})",
                         cross_check_outcome(check)))
    retention = results.get("retention") or {}
    staff = retention.get("validation") if isinstance(retention, Mapping) else None
    if isinstance(staff, list):
        problems = [p for p in staff if isinstance(p, Mapping)]
        rows.append(("Data validation: staff records",
                     "passed with no findings" if not problems else
                     f"{len(problems)} finding(s)"))
        rows += [(f"  finding ({p.get('severity') or 'note'})", str(p.get("message", "")))
                 for p in problems[:MAX_FINDINGS]]
    qa = results.get("qa") or {}
    for check in (qa.get("checks") or ()) if isinstance(qa, Mapping) else ():
        if isinstance(check, Mapping):
            rows.append((str(check.get("name", "check")), str(check.get("outcome", ""))))
    return rows


def cross_check_outcome(check: Mapping[str, Any]) -> str:
    """``agrees: re-estimate 4.135 (SE 0.7642); largest absolute difference 4.44e-15``."""
    if check.get("skipped_reason"):
        return f"skipped: {check['skipped_reason']}"
    diff = check.get("max_abs_difference")
    if diff is None:
        return "no difference reported"
    verdict = "agrees" if float(diff) <= CROSS_CHECK_TOLERANCE else "DIFFERS"
    again = ""
    if check.get("estimate") is not None:
        again = f"re-estimate {exact(check['estimate'])}"
        if check.get("se") is not None:
            again += f" (SE {exact(check['se'])})"
        again += "; "
    return f"{verdict}: {again}largest absolute difference {exact(diff)}"


def qa_section(results: Mapping[str, Any], analyses: Sequence[Mapping[str, Any]],
               options: BriefOptions, date_text: str) -> AnnexSection:
    qa = results.get("qa") or {}
    checks = DataTable(caption="Checks run and their outcome", columns=("Check", "Outcome"),
                       rows=tuple(validation_rows(results, analyses)))
    versions = DataTable(caption="Software and package versions",
                         columns=("Software", "Version"), rows=package_versions(qa))
    seeds = options.seeds or (tuple(qa.get("seeds") or ()) if isinstance(qa, Mapping) else ())
    who = options.analyst or (qa.get("analyst") if isinstance(qa, Mapping) else "") or \
        options.author or "not recorded"
    ran = (qa.get("run_at") if isinstance(qa, Mapping) else None) or date_text
    bullets = (
        f"Analysis run by {who}; brief dated {date_text}; results produced {ran}.",
        f"Results written by pilot-eval {results.get('pilot_eval_version', 'n/a')}.",
        "Random seeds: " + (", ".join(str(s) for s in seeds) if seeds
                            else "none used (no bootstrap or simulation)") + ".",
    )
    return AnnexSection(heading="Quality-assurance log", bullets=bullets,
                        tables=(checks, versions))
