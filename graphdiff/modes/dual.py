"""Dual numbers: a primal value and its tangent, with arithmetic that applies the forward rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdiff.errors import TracerError
from graphdiff.primitives.boxing import (
    MAY_SHARE_NUMBERS,
    Box,
    numpy_name,
    shares_numbers,
    ufunc_name,
    unsupported,
)
from graphdiff.primitives.table import Primitive

__all__ = ["Dual"]


class Dual(Box):
    """A primal value with a tangent, ``x + x_dot·ε`` where ``ε² = 0``.

    Every primitive (and every Python operator or numpy ufunc that maps to one) applied
    to duals returns a dual whose tangent comes from the primitive's forward rule. A
    tangent of ``None`` is a structural zero: it does not depend on the seed and costs
    nothing. Comparisons compare primals, so ordinary control flow works on duals.

    Examples
    --------
    >>> from graphdiff import Dual
    >>> a, b = Dual(2.0), Dual(1.0, 1.0)      # seed b
    >>> e = (a + b) * (b + 1)
    >>> e.primal, e.tangent                   # e = 6, de/db = 5
    (6.0, 5.0)
    """

    __slots__ = ("primal", "tangent", "_views")
    _graphdiff_priority_ = 1

    def __init__(self, primal: Any, tangent: Any = None) -> None:
        self.primal = primal
        self.tangent = tangent
        self._views = None

    def _become(self, other: Dual) -> None:
        self.primal, self.tangent = other.primal, other.tangent

    @classmethod
    def _graphdiff_bind_(cls, prim: Primitive, args: tuple, params: dict) -> Dual:
        primals = [a.primal if isinstance(a, Dual) else a for a in args]
        tangents = [a.tangent if isinstance(a, Dual) else None for a in args]
        out = prim.impl(*primals, **params)
        out_dot = prim.tangent_out(out, primals, tangents, params)
        result = Dual(_plain(out), _plain(out_dot))
        if prim.name in MAY_SHARE_NUMBERS:
            shares_numbers(prim, args, result)
        return result

    def _unsupported_ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        if ufunc.nout == 1 and ufunc.types and ufunc.types[0].endswith("?"):  # comparisons
            primals = [x.primal if isinstance(x, Dual) else x for x in inputs]
            return getattr(ufunc, method)(*primals, **kwargs)
        raise TracerError(unsupported(ufunc_name(ufunc, method), "on a dual number"))

    def _unsupported_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        raise TracerError(unsupported(numpy_name(func), "on a dual number", kwargs))

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.primal)

    def __bool__(self) -> bool:
        return bool(self.primal)  # as comparisons do, truth looks at the primal: Dual(0.0) is false

    def _as_number(self, *_: Any) -> Any:
        raise TracerError(
            "a dual number cannot become a plain Python or numpy number (float(), np.float64(), a cast "
            "to a numeric dtype): that would drop its tangent; keep it as it is, or read d.primal"
        )

    __float__ = __int__ = __index__ = __complex__ = _as_number

    def __repr__(self) -> str:
        tangent = 0.0 if self.tangent is None else self.tangent
        return f"Dual(primal={self.primal!r}, tangent={tangent!r})"


def _plain(x: Any) -> Any:
    return float(x) if isinstance(x, np.floating) else x
