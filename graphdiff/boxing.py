"""Let numpy ufuncs and Python operators on boxed values (tracers, duals) reach the primitives."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from .primitives import add, div, matmul, mul, neg, primitive_for_ufunc, sub, sum

__all__ = ["Box"]


_QUERIES = {
    np.shape: lambda shape: shape,
    np.ndim: len,
    np.size: lambda shape: int(np.prod(shape, dtype=int)),
}
_FRESH = {
    np.zeros_like: lambda shape: np.float64(0.0) if shape == () else np.zeros(shape),
    np.ones_like: lambda shape: np.float64(1.0) if shape == () else np.ones(shape),
}


def _forward(prim: Any) -> Any:
    return lambda self, other: prim(self, other)


def _reflected(prim: Any) -> Any:
    return lambda self, other: prim(other, self)


class Box(NDArrayOperatorsMixin):
    """Base of the value types that primitives dispatch to (``Tracer``, ``Dual``).

    A subclass defines ``_graphdiff_bind_(prim, args, params)`` and a priority; then
    ``x + y``, ``x ** 2``, ``np.sin(x)``, ``np.sum(x)`` and ``x @ y`` all become calls of
    the matching primitive.
    """

    __slots__ = ()
    _graphdiff_priority_ = 0

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        found = primitive_for_ufunc(ufunc, inputs) if method == "__call__" and not kwargs else None
        if found is None:
            return self._unsupported_ufunc(ufunc, method, inputs, kwargs)
        prim, args, params = found
        return prim(*args, **params)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func in _QUERIES and len(args) == 1 and not kwargs:  # np.shape(x), np.ndim(x), np.size(x)
            return _QUERIES[func](np.shape(args[0]) if not isinstance(args[0], Box) else args[0].shape)
        if func in _FRESH and len(args) == 1 and not kwargs:  # a constant shaped like x
            shape = args[0].shape if isinstance(args[0], Box) else np.shape(args[0])
            return _FRESH[func](shape)
        if func is np.sum and len(args) == 1 and not kwargs:
            return sum(args[0])
        if func in (np.dot, np.matmul) and len(args) == 2 and not kwargs:
            return matmul(*args)
        return self._unsupported_function(func, args, kwargs)

    # Python's arithmetic operators call the primitives directly: numpy's ufunc override
    # protocol would get there too, at several times the cost per operation
    __add__, __radd__ = _forward(add), _reflected(add)
    __sub__, __rsub__ = _forward(sub), _reflected(sub)
    __mul__, __rmul__ = _forward(mul), _reflected(mul)
    __truediv__, __rtruediv__ = _forward(div), _reflected(div)

    # in-place operators make a new value and rebind the name, as they do on Python floats
    # (numpy's would write into ``out=self``, which a traced or dual value cannot be)
    __iadd__, __isub__ = __add__, __sub__
    __imul__, __itruediv__ = __mul__, __truediv__

    def __ipow__(self, other: Any) -> Any:
        return self**other

    def __imatmul__(self, other: Any) -> Any:
        return self @ other

    def __neg__(self) -> Any:
        return neg(self)

    def _unsupported_ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        return NotImplemented

    def _unsupported_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        return NotImplemented
