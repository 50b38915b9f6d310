"""Equality of the results objects: two runs of one scenario and seed compare equal.

The dataclasses' own ``==`` compared their tables with DataFrame's ``==``, which is a
table of booleans, and raised "The truth value of a DataFrame is ambiguous" for any two
results (``simulate(s, seed=1) == simulate(s, seed=1)``): only an object compared with
itself worked. Here tables are equal as ``DataFrame.equals`` has them (the same values,
a missing value where the other has one, the same dtypes), arrays as numpy's."""

from __future__ import annotations

import dataclasses
import math
from typing import Any


def same_value(a: Any, b: Any) -> bool:
    """Whether two fields hold the same value: tables and arrays element by element, lists,
    tuples and mappings item by item, two NaN floats alike, anything else by ``==``."""
    import numpy as np
    import pandas as pd

    if isinstance(a, (pd.DataFrame, pd.Series)) or isinstance(b, (pd.DataFrame, pd.Series)):
        return type(a) is type(b) and a.equals(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape or a.dtype != b.dtype:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[key], b[key]) for key in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


class FieldsEqual:
    """``==`` over a dataclass's fields with :func:`same_value` (decorate with
    ``@dataclass(eq=False)``, which keeps this one). Unhashable, as a mutable dataclass is."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(same_value(getattr(self, f.name), getattr(other, f.name))
                   for f in dataclasses.fields(self) if f.compare)

    __hash__ = None   # type: ignore[assignment]
