"""Versions and licences of pilot-eval and the packages it runs on, as plain data.

For the window's About dialog and for ``THIRD-PARTY-NOTICES`` (``packaging/notices.py``).
Everything comes from ``importlib.metadata`` of the installed (or bundled) distributions;
nothing is looked up on the network.
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata

APP_DISTRIBUTION = "pilot-eval"
LICENCE_FILE = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class PackageInfo:
    """One distribution: name, version, licence (short form), home page, licence file names."""

    name: str
    version: str
    licence: str
    home_page: str
    licence_files: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "licence": self.licence,
                "home_page": self.home_page, "licence_files": list(self.licence_files)}


@dataclass(frozen=True)
class AboutInfo:
    """What the About dialog shows: the app, Python, and every runtime dependency."""

    app: PackageInfo
    python: str
    platform: str
    packages: tuple[PackageInfo, ...]

    def to_dict(self) -> dict[str, object]:
        return {"app": self.app.to_dict(), "python": self.python, "platform": self.platform,
                "packages": [p.to_dict() for p in self.packages]}

    def summary(self) -> str:
        lines = [f"pilot-eval {self.app.version} ({self.app.licence})",
                 f"Python {self.python} on {self.platform}", "", "Built with:"]
        lines += [f"  {p.name} {p.version} - {p.licence}" for p in self.packages]
        return "\n".join(lines)


def normalise(name: str) -> str:
    """PEP 503 normalised distribution name (``PySide6_Essentials`` -> ``pyside6-essentials``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(meta: metadata.PackageMetadata, name: str) -> str | None:
    """The first ``name`` field, or None (Python 3.11's PackageMetadata protocol has no ``get``)."""
    values = meta.get_all(name)
    return values[0] if values else None


def licence_of(meta: metadata.PackageMetadata) -> str:
    """A short licence name: ``License-Expression``, else ``License``, else the classifiers."""
    expression = _field(meta, "License-Expression")
    if expression:
        return expression.strip()
    text = (_field(meta, "License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::") and c.strip() != "License :: OSI Approved"]
    if classifiers:
        return "; ".join(classifiers)
    return text.splitlines()[0][:80] if text else UNKNOWN


def _home_page(meta: metadata.PackageMetadata) -> str:
    home = _field(meta, "Home-page")
    if home:
        return home
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return url.strip()
    return ""


def package_info(distribution: metadata.Distribution) -> PackageInfo:
    """``PackageInfo`` of an installed distribution."""
    meta = distribution.metadata
    files = tuple(sorted(str(f) for f in (distribution.files or ())
                         if LICENCE_FILE.search(str(f).replace("\\", "/"))))
    return PackageInfo(name=meta["Name"], version=distribution.version,
                       licence=licence_of(meta), home_page=_home_page(meta),
                       licence_files=files)


def _requirement_names(distribution: metadata.Distribution) -> list[str]:
    names = []
    for requirement in distribution.requires or ():
        if re.search(r"\bextra\s*==", requirement):
            continue  # optional extras (tests, docs) are not shipped
        match = _REQUIREMENT_NAME.match(requirement)
        if match and _applies(requirement):
            names.append(match.group(1))
    return names


def _applies(requirement: str) -> bool:
    """Whether a requirement's environment marker holds here (no marker: yes)."""
    _, _, marker = requirement.partition(";")
    if not marker.strip():
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # without packaging: keep it (a notice too many beats one missing)
        return True
    try:
        return Marker(marker.strip()).evaluate({"extra": ""})
    except Exception:  # noqa: BLE001 - an unparsable marker: keep the requirement
        return True


def runtime_distributions(root: str = APP_DISTRIBUTION) -> list[metadata.Distribution]:
    """``root``'s installed runtime dependencies, recursively, sorted by name (root excluded)."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = normalise(pending.pop())
        if name in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a marker-excluded or optional dependency that is not installed
        seen[name] = distribution
        pending.extend(_requirement_names(distribution))
    seen.pop(normalise(root), None)
    return sorted(seen.values(), key=lambda d: normalise(d.metadata["Name"]))


def about_info() -> AboutInfo:
    """Versions and licences for the About dialog."""
    try:
        app = package_info(metadata.distribution(APP_DISTRIBUTION))
    except metadata.PackageNotFoundError:
        app = PackageInfo(APP_DISTRIBUTION, "0.0.0", "MIT", "", ())
    packages = tuple(package_info(d) for d in runtime_distributions())
    return AboutInfo(app=app, python=platform.python_version(),
                     platform=f"{platform.system()} {platform.machine()}"
                              + (" (packaged)" if getattr(sys, "frozen", False) else ""),
                     packages=packages)
