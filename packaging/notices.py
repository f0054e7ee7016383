"""Write ``THIRD-PARTY-NOTICES.txt``: every runtime dependency's name, version, licence and the
text of the licence files it ships (from ``importlib.metadata``; nothing is downloaded).

Usage: ``python packaging/notices.py OUT_FILE``
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from pilot_eval.about import about_info, normalise, runtime_distributions

RULE = "=" * 78


def notices_text() -> str:
    """The whole notices file as text."""
    info = about_info()
    parts = [
        f"pilot-eval {info.app.version} - third-party notices",
        "",
        "pilot-eval is distributed with the packages below. Each is listed with its version,",
        "its licence as declared in its metadata, and the licence files it ships.",
        "",
        "Python itself: Python Software Foundation License (https://docs.python.org/3/license.html).",
        "DejaVu fonts (embedded in briefs): see pilot_eval/resources/fonts/LICENSE-DejaVu.txt.",
        "",
    ]
    by_name = {normalise(d.metadata["Name"]): d for d in runtime_distributions()}
    for package in info.packages:
        parts += [RULE, f"{package.name} {package.version}", f"Licence: {package.licence}"]
        if package.home_page:
            parts.append(f"Home page: {package.home_page}")
        distribution = by_name[normalise(package.name)]
        for name in package.licence_files:
            text = _read(distribution, name)
            if text:
                parts += ["", f"--- {name} ---", text.rstrip()]
        parts.append("")
    return "\n".join(parts) + "\n"


def _read(distribution: metadata.Distribution, name: str) -> str:
    for file in distribution.files or ():
        if str(file) == name:
            try:
                return Path(file.locate()).read_bytes().decode("utf-8", errors="replace")
            except OSError:
                return ""
    return ""


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "THIRD-PARTY-NOTICES.txt")
    out.write_text(notices_text(), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
