"""Columns whose numbers read two ways: ``1,700`` is 1700 with a thousands comma, 1.7 with a
decimal comma (and ``1.700`` the other way round).

When the decimal mark of a text file was detected (not chosen), every column whose numbers
with a mark all have exactly one mark followed by exactly three digits is reported with the
reading taken and how to choose the other, so that an estimate is never a thousand times too
small without a word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pilot_eval.io.cells import arrow_text, missing_mask
from pilot_eval.io.sniffing import AMBIGUOUS, decimal_evidence

SAMPLE_CELLS = 1000
"""Cells of a column looked at first (most columns are ruled out by them)."""
_MARK_NAMES = {",": "comma", ".": "point"}


@dataclass(frozen=True)
class AmbiguousColumn:
    """A column whose numbers read two ways, and the reading the loader took."""

    column: str
    mark: str
    example: str
    decimal: str
    evidence: str | None
    """A cell elsewhere in the file that settled the decimal mark, or None (the default)."""

    def note(self) -> str:
        """The sentence the user reads (window, command line, QA log)."""
        thousands = self.mark != self.decimal
        whole = self.example.replace(self.mark, "")
        fraction = format(float(self.example.replace(self.mark, ".")), "g")
        taken = (f"with the {_MARK_NAMES[self.mark]} as a thousands separator ({self.example} "
                 f"= {whole})" if thousands else
                 f"with the {_MARK_NAMES[self.mark]} as the decimal mark ({self.example} = "
                 f"{fraction})")
        why = (f"as elsewhere in the file (such as '{self.evidence}')" if self.evidence else
               "because nothing else in the file shows a decimal comma" if thousands else
               "because nothing else in the file shows a decimal comma, so the point is the "
               "decimal mark")
        other = (f"choose '{self.mark}' as the decimal mark (command line: --decimal "
                 f"'{self.mark}')" if thousands else
                 f"choose '{self.mark}' as the thousands separator (command line: --thousands "
                 f"'{self.mark}')")
        return (f"Column '{self.column}': numbers such as '{self.example}' read two ways; they "
                f"were read {taken}, {why}. If that is wrong, {other}.")


def ambiguous_columns(body: pd.DataFrame, *, decimal: str,
                      evidence_cells: Sequence[str]) -> list[AmbiguousColumn]:
    """The columns of ``body`` (text cells) whose every number with a mark is ambiguous."""
    evidence = next((c for c in evidence_cells if decimal_evidence(c, decimal)), None)
    found = []
    for name in body.columns:
        column = body[name]
        sample = arrow_text(column.iloc[:SAMPLE_CELLS])
        marks = [m for m in (",", ".") if _ambiguous_example(sample, m) is not None]
        if not marks:
            continue
        text = arrow_text(column) if len(column) > SAMPLE_CELLS else sample
        example = _ambiguous_example(text, marks[0])
        if example is not None:
            found.append(AmbiguousColumn(str(name), marks[0], example, decimal, evidence))
    return found


def _ambiguous_example(text: pa.Array, mark: str) -> str | None:
    """An ambiguous cell if every cell is missing (blank, ``n/a``, ``.`` ...), a whole number
    or ambiguous with ``mark``, and at least one is ambiguous; else None."""
    if len(text) == 0:
        return None
    ambiguous = pc.match_substring_regex(text, AMBIGUOUS[mark].pattern)
    if not _any(ambiguous):
        return None
    plain = pc.or_(pc.match_substring_regex(text, r"^[+-]?\d+$"), missing_mask(text))
    if not _all(pc.or_(plain, ambiguous)):
        return None
    return str(text.filter(ambiguous)[0].as_py())


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py())
