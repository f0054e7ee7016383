"""Column roles: which column of a frame plays which part in an analysis.

The lowest layer defines the types it accepts; ``pilot_eval.DatasetSpec`` adds where the data
came from.  Every estimator takes its columns once, in ``fit``: either a role set
(``fit(frame, PanelColumns(outcome="y", ...))``) or the roles as keywords
(``fit(frame, outcome="y", unit="team", ...)``, as lifelines' ``fit(df, duration_col=...)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TypedDict, TypeVar

from pilot_eval.estimators.errors import EstimatorConfigError


@dataclass(frozen=True)
class PanelColumns:
    """Roles in an outcome panel (unit x period) or a repeated cross-section.

    Exactly one way of saying who is treated is used:

    * ``treatment``: a 0/1 column, 1 for unit-periods under the pilot;
    * ``cohort``: the period in which each unit's pilot started (0 or missing = never);
    * ``group`` and ``post``: the two 0/1 flags of a 2x2 design.

    ``covariates`` may be given as any sequence of names (or one name); it is kept as a tuple
    so the role set can be hashed.  ``exposure`` is the person-time of a count outcome (the
    offset of a Poisson model); ``weights`` are regression weights.
    """

    outcome: str
    unit: str | None = None
    time: str | None = None
    treatment: str | None = None
    cohort: str | None = None
    group: str | None = None
    post: str | None = None
    covariates: tuple[str, ...] = field(default_factory=tuple)
    cluster: str | None = None
    weights: str | None = None
    exposure: str | None = None

    def __post_init__(self) -> None:
        _normalise(self)

    @property
    def design(self) -> str:
        """``"treatment"``, ``"cohort"`` or ``"2x2"``: how treatment is given."""
        if self.treatment is not None:
            return "treatment"
        if self.cohort is not None:
            return "cohort"
        return "2x2"

    def used(self) -> tuple[str, ...]:
        """Every column this role set refers to, in a stable order, without repeats."""
        names = [
            self.unit, self.time, self.outcome, self.treatment, self.cohort, self.group,
            self.post, *self.covariates, self.cluster, self.weights, self.exposure,
        ]
        seen: dict[str, None] = {}
        for name in names:
            if name is not None:
                seen.setdefault(name, None)
        return tuple(seen)


@dataclass(frozen=True)
class SpellColumns:
    """Roles in staff records (one row per employment spell) or a generic survival table.

    Either ``start``/``end`` dates (staff records) or ``duration``/``event`` (generic form).
    """

    staff_id: str | None = None
    team: str | None = None
    start: str | None = None
    end: str | None = None
    reason: str | None = None
    duration: str | None = None
    event: str | None = None
    group: str | None = None
    covariates: tuple[str, ...] = field(default_factory=tuple)
    cluster: str | None = None
    entry: str | None = None
    strata: str | None = None

    def __post_init__(self) -> None:
        _normalise(self)


class PanelRoles(TypedDict, total=False):
    """``PanelColumns`` fields as keyword arguments of a DiD estimator's ``fit``."""

    outcome: str
    unit: str | None
    time: str | None
    treatment: str | None
    cohort: str | None
    group: str | None
    post: str | None
    covariates: Iterable[str] | str
    cluster: str | None
    weights: str | None
    exposure: str | None


class SpellRoles(TypedDict, total=False):
    """``SpellColumns`` fields as keyword arguments of a survival estimator's ``fit``."""

    staff_id: str | None
    team: str | None
    start: str | None
    end: str | None
    reason: str | None
    duration: str | None
    event: str | None
    group: str | None
    covariates: Iterable[str] | str
    cluster: str | None
    entry: str | None
    strata: str | None


Roles = TypeVar("Roles", PanelColumns, SpellColumns)


def resolve_columns(kind: type[Roles], columns: object, roles: Mapping[str, object]) -> Roles:
    """The role set of one ``fit`` call: ``columns`` or the keyword ``roles``, not both.

    Raises ``EstimatorConfigError`` naming the fix when neither or both are given, when
    ``columns`` is the other kind of role set, or when a keyword is not a role.
    """
    name = kind.__name__
    example = ("outcome='y', unit='team', time='period', cohort='start'" if kind is PanelColumns
               else "duration='months', event='left'")
    if columns is None and not roles:
        raise EstimatorConfigError(
            f"no columns were given; call fit(frame, {name}(...)) or fit(frame, {example})")
    if columns is not None and roles:
        raise EstimatorConfigError(
            f"columns were given twice ({name} and the keywords {', '.join(sorted(roles))}); "
            "give them once, either way")
    if columns is None:
        allowed = [f.name for f in fields(kind)]
        unknown = sorted(set(roles) - set(allowed))
        if unknown:
            raise EstimatorConfigError(
                f"{', '.join(map(repr, unknown))} is not a column role of {name}; the roles "
                f"are: {', '.join(allowed)}")
        return kind(**roles)  # type: ignore[arg-type]  # keys checked just above
    if not isinstance(columns, kind):
        raise EstimatorConfigError(
            f"columns must be a {name}, not {type(columns).__name__}; for example "
            f"fit(frame, {name}({example}))")
    return columns


def _normalise(roles: PanelColumns | SpellColumns) -> None:
    """Keep ``covariates`` as a tuple of names (one name or any sequence is accepted)."""
    covariates = roles.covariates
    if isinstance(covariates, str):
        covariates = (covariates,)
    try:
        names = tuple(covariates)
    except TypeError:
        raise EstimatorConfigError(
            f"covariates={covariates!r} must be column names, e.g. ('age', 'grade')") from None
    for value in names:
        if not isinstance(value, str):
            raise EstimatorConfigError(
                f"covariate {value!r} must be a column name (text); rename the column or pass "
                "its name as a string")
    object.__setattr__(roles, "covariates", names)
