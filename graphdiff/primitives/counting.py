"""Counting the arithmetic a sweep actually performs.

Wrapping every value of a sweep in :class:`Counted` makes each numpy ufunc call the
rules perform report to the active :class:`OpCounts`, by kind and element count:

========== ==========================================================================
kind       ufuncs
========== ==========================================================================
add        add, subtract, negative (and the adds inside sums and matmuls)
mul        multiply, square (and the multiplies inside matmuls)
div        true_divide, reciprocal
nonlinear  exp, log, sin, cos, tan, tanh, sqrt, power, absolute, arctan2, maximum
cmp        greater, equal, less, sign (the selections in kink derivatives)
========== ==========================================================================

An elementwise call on k elements counts k. ``np.sum`` over k elements into one counts
k-1 adds; a matmul ``(m, k) @ (k, n)`` counts m·n·k multiplies and m·n·(k-1) adds.
Reshapes, broadcasts, transposes and concatenations move numbers and count nothing.

Nothing here knows about primitives or modes: the cost of a rule is whatever it computes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from graphdiff.primitives.elementary import OPERATIONS

__all__ = ["OpCounts", "Counted", "counting", "KINDS"]

KINDS = ("add", "mul", "div", "nonlinear", "cmp")

_UFUNC_KIND = {op.ufunc: op.kind for op in OPERATIONS if op.kind is not None}  # the one list

# functions that move or make numbers without arithmetic; the result keeps the provenance
# of its argument, so a later read of a reshaped value still counts as a read of the node
_STRUCTURAL = {np.reshape, np.broadcast_to, np.swapaxes, np.transpose, np.expand_dims}
_FRESH = {np.zeros_like, np.ones_like}
_QUERIES = {np.shape, np.ndim, np.size}


@dataclass
class OpCounts:
    """Operations by kind, and which node values were read (``read``: their slots)."""

    add: int = 0
    mul: int = 0
    div: int = 0
    nonlinear: int = 0
    cmp: int = 0
    read: set = field(default_factory=set, repr=False)

    @property
    def total(self) -> int:
        return self.add + self.mul + self.div + self.nonlinear + self.cmp

    def as_dict(self) -> dict[str, int]:
        """The counts by kind, with ``total``."""
        return {**{k: getattr(self, k) for k in KINDS}, "total": self.total}

    def __add__(self, other: OpCounts) -> OpCounts:
        return OpCounts(*(getattr(self, k) + getattr(other, k) for k in KINDS))

    def __mul__(self, n: int) -> OpCounts:
        return OpCounts(*(getattr(self, k) * n for k in KINDS))


_active: OpCounts | None = None


@contextlib.contextmanager
def counting() -> Iterator[OpCounts]:
    """Count, into the yielded :class:`OpCounts`, what :class:`Counted` values compute.

    Examples
    --------
    >>> import numpy as np
    >>> from graphdiff.primitives.counting import Counted, counting
    >>> with counting() as counts:
    ...     _ = Counted(np.ones(3)) * 2.0 + 1.0
    >>> counts.mul, counts.add, counts.total
    (3, 3, 6)
    """
    global _active
    outer, _active = _active, OpCounts()
    try:
        yield _active
    finally:
        _active = outer


def _charge(kind: str, n: int) -> None:
    if _active is not None and n:
        setattr(_active, kind, getattr(_active, kind) + int(n))


def _unwrap(x: Any, read: bool) -> Any:
    if isinstance(x, Counted):
        if read and x.slot is not None and _active is not None:
            _active.read.add(x.slot)
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, read) for v in x)
    return x


class Counted(NDArrayOperatorsMixin):
    """A value whose arithmetic is counted. ``slot`` names the graph node it came from."""

    __slots__ = ("value", "slot")

    def __init__(self, value: Any, slot: int | None = None) -> None:
        self.value = value
        self.slot = slot

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))

    def __float__(self) -> float:
        return float(self.value)

    _graphdiff_priority_ = -1  # below tracers and duals; negative: not a value that records (a box)

    @classmethod
    def _graphdiff_bind_(cls, prim: Any, args: tuple, params: dict) -> Any:
        """A primitive a rule calls (getitem's transpose calls scatter): its evaluation, counted."""
        return prim.impl(*args, **params)

    def __getitem__(self, key: Any) -> Counted:  # moves numbers: no arithmetic, the node's value still
        return Counted(self.value[key], slot=self.slot)

    def __setitem__(self, key: Any, value: Any) -> None:  # moves numbers too
        self.value[key] = _unwrap(value, read=True)

    def __repr__(self) -> str:
        return f"Counted({self.value!r})"

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        values = [_unwrap(x, read=True) for x in inputs]
        result = getattr(ufunc, method)(*values, **kwargs)
        if ufunc is np.matmul:
            inner = np.shape(values[0])[-1]
            _charge("mul", np.size(result) * inner)
            _charge("add", np.size(result) * max(inner - 1, 0))  # a product of no terms is 0: no add
        elif method == "reduce":  # k - 1 per result, none where a result reduces no elements
            _charge(_kind(ufunc), max(np.size(values[0]) - np.size(result), 0))
        elif method == "__call__":
            _charge(_kind(ufunc), np.size(result))
        elif method == "at":  # np.add.at(into, index, y): an add per element of y, into ``into`` in place
            _charge(_kind(ufunc), np.size(values[2]) if len(values) > 2 else np.size(values[0][values[1]]))
            return None
        else:
            raise NotImplementedError(f"counting does not know ufunc method {ufunc.__name__}.{method}")
        if np.result_type(result) == np.bool_:  # comparisons are masks of numbers, as elementary makes them
            result = np.asarray(result, dtype=float)
        return Counted(result)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func in _QUERIES:
            return func(*_unwrap(args, read=False), **kwargs)
        if func in _STRUCTURAL:
            source = next(a for a in args if isinstance(a, Counted))
            return Counted(func(*_unwrap(args, read=False), **kwargs), slot=source.slot)
        if func in _FRESH:
            return Counted(func(*_unwrap(args, read=False), **kwargs))
        if func is np.cumsum:  # k - 1 adds along the axis, for each of the other elements
            values = _unwrap(args, read=True)
            result = func(*values, **kwargs)
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            k = np.size(result) if axis is None else np.shape(result)[axis]
            _charge("add", np.size(result) // max(k, 1) * max(k - 1, 0))
            return Counted(result)
        if func is np.concatenate:  # joins numbers, computes none
            pieces = [a.value if isinstance(a, Counted) else a for a in args[0]]
            return Counted(func(pieces, *args[1:], **kwargs))
        if func is np.where:  # picks numbers, computes none
            return Counted(func(*_unwrap(args, read=True), **kwargs))
        if func is np.sum:
            values = _unwrap(args, read=True)
            result = func(*values, **kwargs)
            _charge("add", max(np.size(values[0]) - np.size(result), 0))
            return Counted(result)
        raise NotImplementedError(f"counting does not know numpy function {func.__name__}")


def _kind(ufunc: np.ufunc) -> str:
    try:
        return _UFUNC_KIND[ufunc]
    except KeyError:
        raise NotImplementedError(f"counting does not know ufunc {ufunc.__name__}") from None
