"""pyproject lists every package explicitly (package-dir mapping); check the list is complete."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPING = {"pilot_eval": "pilot_eval", "estimators": "pilot_eval.estimators", "ui": "pilot_eval.ui",
           "resources": "pilot_eval.resources"}


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = set()
    for folder, name in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join([name, *rel]))
    assert on_disk == listed, f"missing: {on_disk - listed}, stale: {listed - on_disk}"


def test_installed_names_resolve_to_the_mapped_folders():
    import pilot_eval.estimators
    import pilot_eval.resources

    assert Path(pilot_eval.estimators.__file__).parent == ROOT / "estimators"
    assert Path(pilot_eval.resources.__file__).parent == ROOT / "resources"
