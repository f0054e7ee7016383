"""The brief's wording helpers now live in ``pilot_eval.report.words`` (shared with the window);
re-exported here while the brief moves over to the report."""

from pilot_eval.report.words import (  # noqa: F401
    SIGNIFICANT_FIGURES,
    Direction,
    amount,
    direction,
    effect_cell,
    headline_sentence,
    level_words,
    lower_first,
    number_in_words,
    range_cell,
    range_in_words,
    round_significant,
)
