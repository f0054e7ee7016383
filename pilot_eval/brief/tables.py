"""Plain tables and annex sections shared by the content model and both renderers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataTable:
    """A table: ``columns`` are header cells; each row's first cell heads it."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class AnnexSection:
    """One annex section: a heading, paragraphs, bullet points, then tables, in that order."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    tables: tuple[DataTable, ...] = ()
