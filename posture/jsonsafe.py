"""NaN-safe JSON, written once for every output (analysis, comparison, findings, history).

JSON has no NaN or infinity; a number that could not be measured is written as ``null`` and
read back as NaN. Dataclasses, DataFrames and numpy values become plain JSON values. An
object that knows its own JSON shape provides ``__jsonable__()`` (e.g.
:class:`posture.results.ClipAnalysis`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd


def finite_or_none(v: float | None) -> float | None:
    """``v`` as a float, or None when it is None, NaN or infinite."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, DataFrames, numpy values and NaN turned into plain JSON values."""
    own = getattr(obj, "__jsonable__", None)
    if callable(own) and not isinstance(obj, type):
        return to_jsonable(own())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return finite_or_none(obj)
    if obj is None or isinstance(obj, str | int):
        return obj
    return str(obj)


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """``obj`` as JSON text (NaN written as ``null``; never the non-standard ``NaN``)."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)


def nan_back(d: dict, *, keep_none: tuple[str, ...] = ()) -> dict:
    """Inverse of the NaN -> ``null`` step for the float fields of a result dataclass
    (keys in ``keep_none`` may be None by design)."""
    return {k: (math.nan if v is None and k not in keep_none else v) for k, v in d.items()}
