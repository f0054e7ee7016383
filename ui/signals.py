"""Emit Qt signals from Python safely, working around a PySide6 6.12.0 reference-count bug.

In PySide6 6.12.0 every ``SignalInstance.emit(...)`` called from Python lowers the reference count
of ``True`` by one (``emit`` returns ``True`` without owning a reference); ``disconnect`` does
the same.  After a few hundred to
a few thousand emissions (progress reports add up quickly) Python aborts with "Fatal Python
error: bool_dealloc: deallocating True or False" — a crash of the whole window, during work or at
exit.  ``emit(signal, *args)`` and ``disconnect(signal, slot)`` give the lost reference back.

The loss is measured once, on a private probe signal, so nothing is compensated on a PySide6
without the bug (or on Python >= 3.12, where ``True`` is immortal and its count does not move).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

PROBE_EMITS = 64

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    ping = Signal()


def _lost_per_call(call: Any, calls: int = PROBE_EMITS) -> int:
    """References of ``True`` lost per ``call()`` (0 on a sound PySide6); restores them."""
    before = sys.getrefcount(True)
    for _ in range(calls):
        call()
    lost = before - sys.getrefcount(True)
    for _ in range(max(lost, 0)):
        _incref(True)  # give back what the probe itself lost
    # Rounded: another thread touching True meanwhile moves the count by a few at most.
    return max(round(lost / calls), 0)


def _probe_disconnect(probe: _Probe) -> None:
    def slot() -> None:
        pass

    probe.ping.connect(slot)
    probe.ping.disconnect(slot)


def measure_loss(emits: int = PROBE_EMITS) -> int:
    """References of ``True`` lost per ``emit`` call (0 on a sound PySide6)."""
    probe = _Probe()
    return _lost_per_call(probe.ping.emit, emits)


def measure_disconnect_loss(calls: int = PROBE_EMITS) -> int:
    """References of ``True`` lost per ``connect`` + ``disconnect`` pair."""
    probe = _Probe()
    return _lost_per_call(lambda: _probe_disconnect(probe), calls)


LOST_PER_EMIT = measure_loss()
LOST_PER_DISCONNECT = measure_disconnect_loss()


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, returning the reference of ``True`` that PySide6 6.12.0 loses."""
    signal.emit(*args)
    for _ in range(LOST_PER_EMIT):
        _incref(True)


def disconnect(signal: Any, slot: Any) -> None:
    """``signal.disconnect(slot)``, returning the reference of ``True`` that PySide6 loses."""
    signal.disconnect(slot)
    for _ in range(LOST_PER_DISCONNECT):
        _incref(True)
