"""Command-line options for reading a data file, shared by ``did`` and ``retention``.

``--sheet``, ``--encoding``, ``--delimiter``, ``--decimal`` and ``--thousands`` map onto
``load_table``'s keyword options; what the loader decided that the user must know (rows read
in another encoding, numbers such as ``1,700`` that read two ways) is printed to stderr as a
note, so that ``--json`` output on stdout stays one JSON object.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

THOUSANDS_WORDS = {",": ",", ".": ".", "space": " ", " ": " ", "none": ""}


def add_reading_options(parser: argparse.ArgumentParser, *, sheet: bool = True) -> None:
    """Add the options that say how to read a CSV or Excel file."""
    if sheet:
        parser.add_argument("--sheet", help="sheet name for Excel files")
    parser.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    parser.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    parser.add_argument("--decimal", choices=(".", ","),
                        help="decimal mark of a CSV (default: detected; numbers such as 1,700 "
                             "that read two ways are named with the reading taken)")
    parser.add_argument("--thousands", choices=tuple(THOUSANDS_WORDS),
                        help="thousands separator of a CSV: ',' '.' space or none (default: "
                             "the mark that is not the decimal one); ',' also makes '.' the "
                             "decimal mark and '.' makes ',' the decimal mark")


def reading_options(args: argparse.Namespace) -> dict[str, Any]:
    """``load_table`` keyword options from the parsed command line."""
    thousands = getattr(args, "thousands", None)
    options = {"sheet": getattr(args, "sheet", None), "encoding": args.encoding,
               "delimiter": args.delimiter, "decimal": getattr(args, "decimal", None),
               "thousands": None if thousands is None else THOUSANDS_WORDS[thousands]}
    if getattr(args, "header_row", None) is not None:  # sub-commands that offer --header-row
        options["header_row"] = args.header_row
    return options


def print_notes(table: Any) -> None:
    """Print the loader's notes about ``table`` to stderr."""
    for note in getattr(table, "notes", ()):
        print(f"pilot-eval: note: {note}", file=sys.stderr)
