"""The value conventions: float64 numbers and arrays in, Python floats and arrays out."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["as_value", "as_output"]


def as_value(value: Any, what: str) -> Any:
    """A float64 scalar or array; anything else is refused naming ``what``."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number or an array of numbers, got {value!r}") from None
    return np.float64(array) if array.ndim == 0 else array


def as_output(value: Any) -> Any:
    """Present a value to users: 0-d numbers as Python floats, arrays as they are."""
    if isinstance(value, float):  # Python floats and numpy float64 scalars: the common case
        return float(value)
    if hasattr(type(value), "_graphdiff_bind_"):  # a tracer or a dual, in a nested derivative
        return value
    if hasattr(value, "value"):  # a Counted number
        value = value.value
    return float(value) if np.ndim(value) == 0 else np.asarray(value)
