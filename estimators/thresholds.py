"""Methodological thresholds, in one place: every rule of thumb the tool applies.

The estimators, the choice of inference, the evidence rating and the brief's caveats all read
these names, so "fewer than 30 clusters" means the same thing everywhere.  Sources are given
beside each; changing one changes every place that applies it.
"""

from __future__ import annotations

FEW_CLUSTERS = 30
"""Below about 30 clusters cluster-robust (CR1) standard errors are too small (Cameron, Gelbach
& Miller 2008; DESIGN.md): the wild cluster bootstrap is recommended."""

FEW_TREATED_CLUSTERS = 10
"""Below about 10 pilot clusters CR1 inference over-rejects even with many clusters in all
(MacKinnon & Webb 2017)."""

WEBB_BELOW = 12
"""Below 12 clusters Rademacher weights give too few distinct bootstrap draws: Webb's six-point
weights instead (Webb 2023)."""

PRETEST_MAX_SHARE = 0.1
"""A cluster-robust Wald test of q restrictions on G clusters is trusted when q <= 0.1 G: with
more restrictions its covariance matrix is poorly estimated and it rejects far too often."""

PRETEST_UNITS_PER_RESTRICTION = 10
"""Callaway & Sant'Anna's pre-test warns below 10 clusters per restriction (the same rule as
``PRETEST_MAX_SHARE``, stated per restriction)."""

EVENT_STUDY_LEADS = 5
"""Leads of the event study that gives the pre-trend test (earlier periods are binned)."""

SENSITIVITY_WINDOW = (5, 4)
"""Leads and lags of the event study behind the sensitivity bounds."""

HONESTDID_SEED = 0
"""Seed of the relative-magnitudes bounds' least-favourable draws: R HonestDiD's own
(``set.seed(seed)`` with ``seed = 0`` in ``.compute_least_favorable_cv``), so the bounds equal
R's. Not the project seed (which seeds the bootstrap and placebo draws): with another seed the
critical value moves and a bound can move by a grid step."""
TREND_WINDOW = (12, 11)
"""Leads and lags of the event study behind the smoothness bound at M = 0: the pre-trend
line is fitted on up to a year of monthly pre-periods, and the effect averaged over up to a
year after the start."""

PRETEST_MIN_POWER = 0.8
"""A pre-trend test reassures only if it had at least this chance of detecting a linear trend
large enough to explain the whole effect (Roth 2022, "Pretest with caution"; 80% is the
conventional power)."""

SMOOTHNESS_MIN_PRE_PERIODS = 8
"""With monthly (or finer) data, or at least this many pre-periods, the sensitivity bound is
smoothness (a trend that bends slowly; Rambachan & Roth 2023 recommend it where periods are
short and many); with fewer, aggregated periods it is relative magnitudes."""

INFLUENCE_MAX_SE = 1.0
"""Leaving out one pilot unit should not move the estimate by more than its standard error
(or flip its sign): more than that, and the result leans on that unit."""

ESTIMATOR_DROP_SHARE = 0.20
"""An estimator that leaves out more than this share of the rows (units not observed in every
period) may no longer describe the pilot as a whole (the same share as ``usage.DROP_SHARE``)."""

PRETEST_ALPHA = 0.05
"""A pre-trend test with p below this lowers the evidence rating."""

MIN_PRE_PERIODS = 2
"""With fewer periods before the pilot, parallel trends cannot be checked."""

SMALL_BREAKDOWN = 1.0
"""A relative-magnitude breakdown value Mbar under 1: the conclusion would not survive a
post-pilot violation of parallel trends as large as the largest pre-pilot one."""

HIGH_MISSING_SHARE = 0.10
"""More than 10% of the unit-periods missing their outcome lowers the evidence rating
(attrition, as the EEF's padlocks treat it)."""

SHORT_FOLLOW_UP = 6
"""Fewer periods of pilot data than this say nothing about lasting effects (brief caveat)."""

CROSS_CHECK_TOLERANCE = 1e-6
"""An independent re-estimate agreeing to this is recorded as "agrees" in the QA log."""

HORIZON_MONTHS = (12.0, 24.0)
"""Staff retention is compared at 12 and 24 months and the average time in post over the first
24 (horizons a manager thinks in), unless the records do not reach that far."""

HORIZON_MIN_AT_RISK = 25
"""A horizon is reached while at least this many staff in every arm are still followed (the
disclosure rule's smallest base: a figure on fewer staff would not be published)."""
