"""json_safe: exact built-in types take a fast path; everything else the general one.

The expected values are written out by hand (what json.dumps must receive): numpy scalars become
Python numbers, non-finite floats None, tuples lists, keys strings; subclasses of the built-in
types (IntEnum, str subclasses, numpy's float64 which subclasses float) give the same answers as
their plain counterparts.
"""

from __future__ import annotations

import enum
import json
import math
from collections import OrderedDict

import numpy as np

from pilot_eval.jsonio import dumps, json_safe


class _Level(enum.IntEnum):
    HIGH = 3


class _Name(str):
    pass


def test_plain_values_pass_through_and_non_finite_floats_become_none():
    assert json_safe(1.5) == 1.5 and type(json_safe(1.5)) is float
    assert json_safe(float("nan")) is None
    assert json_safe(float("inf")) is None and json_safe(-math.inf) is None
    assert json_safe(True) is True and json_safe(False) is False
    assert json_safe(7) == 7 and type(json_safe(7)) is int
    assert json_safe("x") == "x" and json_safe(None) is None


def test_numpy_scalars_and_subclasses_become_plain_python():
    assert type(json_safe(np.float64(2.5))) is float and json_safe(np.float64(2.5)) == 2.5
    assert json_safe(np.float64("nan")) is None and json_safe(np.float32("inf")) is None
    assert type(json_safe(np.int64(4))) is int and json_safe(np.int64(4)) == 4
    assert json_safe(np.bool_(True)) is True
    assert type(json_safe(_Level.HIGH)) is int and json_safe(_Level.HIGH) == 3


def test_containers_recurse_with_string_keys():
    value = {
        1: (np.float64(1.0), float("nan"), [np.int32(2), {"a": np.bool_(False)}]),
        _Name("k"): OrderedDict([(2.5, -math.inf)]),
        "s": "t",
    }
    expected = {"1": [1.0, None, [2, {"a": False}]], "k": {"2.5": None}, "s": "t"}
    safe = json_safe(value)
    assert safe == expected
    assert all(type(key) is str for key in safe)
    assert type(safe["1"][2][1]["a"]) is bool
    assert json.loads(dumps(value)) == expected


def test_unknown_objects_are_returned_unchanged():
    marker = object()
    assert json_safe([marker])[0] is marker


def test_json_numbers_equals_json_number_element_by_element():
    from pilot_eval.estimators.unavailable import json_number, json_numbers

    for values in (np.array([0.1, np.nan, 1e300, -np.inf, np.inf, -0.0, 2.0]),
                   np.arange(5), np.array([], dtype=float), np.array([1.5], dtype=np.float32)):
        fast, slow = json_numbers(values), [json_number(v) for v in values]
        assert fast == slow
        assert [type(v) for v in fast] == [type(v) for v in slow]


def test_json_ready_lists_are_passed_through_and_dump_as_lists():
    from pilot_eval.estimators.unavailable import JsonReady

    ready = JsonReady([{"time": 1.0, "estimate": None}, {"time": 2.0, "estimate": 0.5}])
    assert json_safe({"curve": ready})["curve"] is ready
    assert json.loads(dumps({"curve": ready})) == {"curve": [dict(r) for r in ready]}
    assert dumps({"curve": ready}) == dumps({"curve": list(ready)})
