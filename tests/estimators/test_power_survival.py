"""Events and staff for a hazard ratio against published figures.

* R gsDesign (SurvivalOverview vignette): ``nEvents(hr = .7, alpha = .025, beta = .1, r = 1)``
  is used as 331 events (Schoenfeld, one-sided 2.5%, 90% power); the vignette prints
  ``(1 + r) / sqrt(331 * r)`` as the standard error of the log hazard ratio.
* Stata ``power logrank 0.62 0.75, nratio(1.5) wdprob(0.01)`` (Freedman method, the default)
  -> hratio 0.6018, p1 0.4, E = 120, N = 400, N1 = 160, N2 = 240 (a published trial protocol's
  statistical analysis plan quoting the Stata output).
* Schoenfeld events printed in a published table: Stat. Med. 2017, 36(26):4121-4140 (PubMed
  Central PMC6478034), Table 3 "Comparing PT versus PH approaches", proportional-hazards
  columns (80% power, 5% one-sided, equal groups, "N is rounded up to an even number"):
  HR 0.85, 0.8, ..., 0.4 -> 938, 498, 300, 196, 134, 96, 70, 52, 40, 30 events.
* Schoenfeld (1983): ``E = (z_(1-alpha/2) + z_power)**2 / (p1 p2 ln(HR)**2)``; with HR 0.5,
  80% power, 5% two-sided and equal groups, 65.35 -> 66 events (hand calculation:
  (1.959964 + 0.841621)**2 / (0.25 x 0.480453)).
"""

from __future__ import annotations

import math

import pytest
from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.power import survival as s

EXACT = 1e-10


def test_schoenfeld_events_match_gsdesign():
    events = s.logrank_events(0.7, alpha=0.025, power=0.9, onesided=True)
    assert math.ceil(events) == 331


@pytest.mark.parametrize(("hazard_ratio", "printed"), [
    (0.85, 938), (0.8, 498), (0.75, 300), (0.7, 196), (0.65, 134), (0.6, 96), (0.55, 70),
    (0.5, 52), (0.45, 40), (0.4, 30)])
def test_schoenfeld_events_match_a_published_table(hazard_ratio, printed):
    events = s.logrank_events(hazard_ratio, alpha=0.05, power=0.8, onesided=True)
    assert 2 * math.ceil(events / 2) == printed  # the table rounds up to an even number


def test_schoenfeld_events_hand_calculation():
    z = (1.959963984540054 + 0.8416212335729143) ** 2
    expected = z / (0.25 * math.log(0.5) ** 2)
    assert s.logrank_events(0.5) == pytest.approx(expected, rel=EXACT)
    assert math.ceil(s.logrank_events(0.5)) == 66
    # unequal groups: p1 p2 in the denominator; the inverse ratio needs the same events
    assert s.logrank_events(2.0, p1=0.3) == pytest.approx(z / (0.21 * math.log(2) ** 2))


def test_freedman_sample_size_matches_stata():
    hazard_ratio = math.log(0.75) / math.log(0.62)
    assert round(hazard_ratio, 4) == 0.6018
    size = s.logrank_sample_size(hazard_ratio, s1=0.62, p1=0.4, withdrawal=0.01,
                                 method="freedman")
    assert (size.events, size.n, size.n1, size.n2) == (120, 400, 160, 240)


def test_power_and_mde_invert_the_events():
    events = s.logrank_events(0.75, power=0.85)
    assert s.logrank_power(0.75, events=events) == pytest.approx(0.85, abs=EXACT)
    assert s.logrank_mde(events=events, power=0.85) == pytest.approx(0.75, rel=1e-9)


@pytest.mark.parametrize("bad", [
    lambda: s.logrank_events(1.0), lambda: s.logrank_events(-0.5),
    lambda: s.logrank_events(0.5, p1=1.0), lambda: s.logrank_power(0.5, events=0),
    lambda: s.logrank_sample_size(0.5, s1=1.2),
    lambda: s.logrank_events(0.5, method="exact"),
])
def test_bad_values_raise(bad):
    with pytest.raises(EstimatorConfigError):
        bad()
