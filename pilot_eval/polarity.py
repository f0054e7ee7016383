"""Whether a rise in an outcome is good news: the one definition every module uses."""

from __future__ import annotations

from typing import Literal, get_args

Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
"""``higher_is_better`` (goals met), ``lower_is_better`` (cost per case) or ``neutral``."""

POLARITIES: tuple[Polarity, ...] = get_args(Polarity)
