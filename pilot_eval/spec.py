"""Where a dataset came from and which column plays which role (saved in project files).

``DatasetSpec`` adds the source (path, sheet, encoding, delimiter, decimal, SHA-256 of the
bytes, date format) to the estimators' ``PanelColumns``.  ``to_dict``/``from_dict`` are
JSON-safe and strict: a project file with unknown or missing keys is refused with a message,
never half-read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

from pilot_eval.errors import ProjectFileError
from pilot_eval.estimators import PanelColumns
from pilot_eval.io.tables import LoadedTable, load_table

_SPEC_KEYS = ("path", "columns", "sheet", "encoding", "delimiter", "decimal", "sha256",
              "date_format")
_ROW_KEYS = ("header_row", "exclude_rows", "thousands")
"""Optional keys (older project files lack them): the row of the column names and the
spreadsheet rows the analyst leaves out (totals rows ...), 1-based as the file shows them, and
the thousands separator chosen for a text file."""
_COLUMN_KEYS = tuple(f.name for f in fields(PanelColumns))


@dataclass(frozen=True)
class DatasetSpec:
    """A data source and its column roles.

    Attributes
    ----------
    path:
        The data file, as the analyst chose it.
    columns:
        The column roles.
    sheet, encoding, delimiter, decimal:
        How the file is read (``None``: default or detected).
    sha256:
        Hex SHA-256 of the file's bytes when the roles were chosen (``None`` if unknown).
    date_format:
        A ``strftime`` format forced for date columns, or ``None`` to detect UK/ISO dates.
    header_row:
        The spreadsheet row holding the column names when title rows sit above them.
    exclude_rows:
        Spreadsheet rows left out of every analysis (totals rows ...), as the checks list them.
    thousands:
        The thousands separator chosen for a text file (``","``, ``"."``, ``" "``, ``""`` for
        none), or ``None`` for the usual one.
    """

    path: str
    columns: PanelColumns
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    sha256: str | None = None
    date_format: str | None = None
    header_row: int | None = None
    exclude_rows: tuple[int, ...] = ()
    thousands: str | None = None

    @classmethod
    def from_table(cls, table: LoadedTable, columns: PanelColumns, *,
                   date_format: str | None = None,
                   exclude_rows: tuple[int, ...] = ()) -> DatasetSpec:
        """The spec of a table just loaded (records how it was read, the header row given,
        its hash, and the rows the analyst leaves out)."""
        return cls(path=table.path, columns=columns, sheet=table.sheet,
                   encoding=table.encoding, delimiter=table.delimiter, decimal=table.decimal,
                   sha256=table.sha256, date_format=date_format,
                   header_row=getattr(table, "header_row", None),
                   exclude_rows=tuple(sorted({int(r) for r in exclude_rows})),
                   thousands=getattr(table, "thousands", None))

    def load(self) -> LoadedTable:
        """Read the file with the recorded options, without the rows left out (``DataError``
        if it cannot be read)."""
        table = load_table(self.path, sheet=self.sheet, encoding=self.encoding,
                           delimiter=self.delimiter, decimal=self.decimal,
                           header_row=self.header_row, thousands=self.thousands)
        if not self.exclude_rows:
            return table
        from pilot_eval.exclusions import exclude_rows

        return exclude_rows(table, self.exclude_rows)

    def matches(self, table: LoadedTable) -> bool:
        """True if ``table``'s bytes have the recorded hash (or no hash was recorded)."""
        return self.sha256 is None or self.sha256 == table.sha256

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (covariates as a list)."""
        columns = {name: getattr(self.columns, name) for name in _COLUMN_KEYS}
        columns["covariates"] = list(self.columns.covariates)
        return {"path": self.path, "columns": columns, "sheet": self.sheet,
                "encoding": self.encoding, "delimiter": self.delimiter,
                "decimal": self.decimal, "sha256": self.sha256,
                "date_format": self.date_format, "header_row": self.header_row,
                "exclude_rows": list(self.exclude_rows), "thousands": self.thousands}

    @classmethod
    def from_dict(cls, data: Any, *, file: str | None = None) -> DatasetSpec:
        """Rebuild a spec from ``to_dict`` output.

        Raises
        ------
        ProjectFileError
            If keys are missing or unknown, or values have the wrong type.
        """
        spec = _mapping(data, _SPEC_KEYS + _ROW_KEYS, required=("path", "columns"),
                        what="dataset", file=file)
        rows = _row_numbers(spec, file=file)
        columns = _mapping(spec["columns"], _COLUMN_KEYS, required=("outcome",),
                           what="dataset columns", file=file)
        for key in _SPEC_KEYS:
            if key != "columns":
                _optional_text(spec.get(key), key, file=file, required=key == "path")
        for key in _COLUMN_KEYS:
            if key != "covariates":
                _optional_text(columns.get(key), f"columns.{key}", file=file,
                               required=key == "outcome")
        covariates = columns.get("covariates", [])
        if not isinstance(covariates, list | tuple) or not all(
                isinstance(c, str) for c in covariates):
            raise ProjectFileError("'columns.covariates' must be a list of column names",
                                   file=file, hint="Fix or remove the entry in the file.")
        roles = {k: v for k, v in columns.items() if k != "covariates"}
        return cls(path=spec["path"], columns=PanelColumns(**roles, covariates=tuple(covariates)),
                   sheet=spec.get("sheet"), encoding=spec.get("encoding"),
                   delimiter=spec.get("delimiter"), decimal=spec.get("decimal"),
                   sha256=spec.get("sha256"), date_format=spec.get("date_format"),
                   header_row=rows.header_row, exclude_rows=rows.exclude_rows,
                   thousands=rows.thousands)

    @property
    def name(self) -> str:
        """The file name without its folder (for display)."""
        return Path(self.path).name


def _mapping(data: Any, allowed: tuple[str, ...], *, required: tuple[str, ...], what: str,
             file: str | None) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProjectFileError(f"the {what} entry is not a JSON object", file=file,
                               hint="The project file is damaged; open the data again.")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ProjectFileError(f"the {what} entry has unknown keys: {', '.join(unknown)}",
                               file=file, hint="The project may come from a newer version "
                               "of pilot-eval; update pilot-eval.")
    missing = [k for k in required if k not in data]
    if missing:
        raise ProjectFileError(f"the {what} entry lacks: {', '.join(missing)}", file=file,
                               hint="The project file is damaged; open the data again.")
    return data


class _RowOptions(NamedTuple):
    header_row: int | None
    exclude_rows: tuple[int, ...]
    thousands: str | None


def _row_numbers(spec: dict[str, Any], *, file: str | None) -> _RowOptions:
    """``header_row`` (a row number or null), ``exclude_rows`` (a list of row numbers) and
    ``thousands`` (a separator or null)."""
    header = spec.get("header_row")
    excluded = spec.get("exclude_rows", [])

    def row(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1

    if header is not None and not row(header):
        raise ProjectFileError(f"'header_row' must be empty or a row number, not {header!r}",
                               file=file, hint="Fix the entry in the project file.")
    if not isinstance(excluded, list | tuple) or not all(row(r) for r in excluded):
        raise ProjectFileError("'exclude_rows' must be a list of row numbers", file=file,
                               hint="Fix the entry in the project file.")
    thousands = spec.get("thousands")
    from pilot_eval.io.cells import THOUSANDS_SEPARATORS

    if thousands is not None and thousands not in THOUSANDS_SEPARATORS:
        raise ProjectFileError(f"'thousands' must be one of ',', '.', ' ' or '' (none), not "
                               f"{thousands!r}", file=file, hint="Fix the entry in the project file.")
    return _RowOptions(header, tuple(sorted(set(excluded))), thousands)


def _optional_text(value: Any, key: str, *, file: str | None, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value:
        raise ProjectFileError(f"'{key}' must be {'a' if required else 'empty or a'} text "
                               f"value, not {value!r}", file=file,
                               hint="Fix the entry in the project file.")
