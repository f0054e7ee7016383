"""The demo pilot's fixed design: the monthly window, the councils and teams, the pilot starts.

Shared by the outcome panel (``demo_outcomes.py``), the staff simulation (``demo_staff.py``)
and the generator (``demo.py``, which re-exports every name here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

FIRST_MONTH = (2023, 4)
N_MONTHS = 30
EXTRACT_DATE = dt.date(2025, 10, 1)  # the day after the last month
NEVER = 10_000  # pilot start month index of comparison teams (never within the window)

# Councils, teams (in file order) and the pilot teams with their start month index (0-based).
COUNCILS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "Northmoor City Council": (
        "Brontë House", "Siân's team", "Northmoor Central", "Riverside Assessment",
        "Children in Care – East", "Leaving Care Hub", "Fostering & Adoption", "Early Help North",
        "Early Help South", "Disabled Children's Team", "Court & Pre-proceedings",
        "Hawthorn Lodge"),
    "Eastbridge County Council": (
        "Eastbridge Town", "Marsh Villages", "Coastal Families", "Kingsmead Court",
        "Zoë Clarke Centre", "Orchard Street", "Harbourside", "Fenland Duty", "St Aidan's",
        "Willowbank", "Market Cross", "Café Quarter"),
    "Westhaven Borough Council": (
        "Westhaven Duty & Assessment", "Ashgrove", "Beacon Hill", "Canal Side", "Daneswood",
        "Elmfield", "Foxley Green", "Greyfriars", "Holloway Bridge", "Ivy Lane", "Jubilee Park",
        "Kestrel Way"),
    "Cyngor Sir Eryri": (
        "Tîm Gwasanaethau Plant Ynys Môn", "Caerdydd Gogledd", "Tŷ Ddewi", "Aberdâr",
        "Tîm Teuluoedd Pen Llŷn", "Bro Gŵyr", "Dyffryn Conwy", "Tîm Diogelu Blaenau Ffestiniog",
        "Llanrwst a'r Cylch", "Tîm Maethu Eryri", "Porthmadog", "Tîm Cymorth Cynnar Bangor"),
})
PILOT_STARTS: Mapping[str, int] = MappingProxyType({
    **dict.fromkeys(("Brontë House", "Siân's team", "Riverside Assessment", "Early Help North",
                     "Zoë Clarke Centre", "Kingsmead Court", "Harbourside", "Café Quarter",
                     "Ashgrove", "Canal Side", "Greyfriars", "Jubilee Park"), 12),
    **dict.fromkeys(("Tŷ Ddewi", "Aberdâr", "Bro Gŵyr", "Tîm Teuluoedd Pen Llŷn"), 18),
})



def months(n: int = N_MONTHS) -> list[str]:
    """The year-month labels of the demo window: ``["2023-04", ..., "2025-09"]``."""
    year, month = FIRST_MONTH
    return [f"{year + (month - 1 + k) // 12}-{(month - 1 + k) % 12 + 1:02d}" for k in range(n)]



def teams_frame() -> pd.DataFrame:
    """The team list of ``teams.csv``: team, council and pilot start month (blank = never)."""
    labels = months()
    rows = [(team, council, labels[PILOT_STARTS[team]] if team in PILOT_STARTS else np.nan)
            for council, names in COUNCILS.items() for team in names]
    return pd.DataFrame(rows, columns=["team", "council", "pilot_start"])
