"""Lazy re-exports: a package names its public objects without importing their modules.

``pilot_eval.estimators`` re-exports every estimator, but importing it must stay cheap (the
command line's ``--version`` imports it).  Each package lists ``{name: module}``; the module is
imported when the name is first read (PEP 562 module ``__getattr__``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` exporting ``exports`` (name -> module).

    A module path starting with ``.`` is relative to ``package``.
    """

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        target = importlib.import_module(module if not module.startswith(".")
                                         else package + module)
        return getattr(target, name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
