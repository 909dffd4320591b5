"""Let numpy ufuncs and Python operators on boxed values (tracers, duals) reach the primitives."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from graphdiff.primitives.table import (
    add,
    broadcast_to,
    div,
    matmul,
    mul,
    neg,
    primitive_for_ufunc,
    reduce_sum,
    reshape,
    sub,
    sum,
    transpose,
)

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


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Box) else np.shape(x)


def _sum(x: Any, axis: Any = None) -> Any:
    """``np.sum(x, axis)``: the sum primitive over every axis, reduce_sum over some, x itself over none."""
    ndim = len(_shape(x))
    axes = (
        tuple(range(ndim)) if axis is None else tuple(sorted(a % ndim for a in np.atleast_1d(axis).tolist()))
    )
    if axes == tuple(range(ndim)):
        return sum(x) if ndim else x
    return reduce_sum(x, axes=axes) if axes else x


def _reshape(x: Any, shape: Any) -> Any:
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=int))
        shape = tuple(int(np.prod(_shape(x), dtype=int)) // known if n == -1 else n for n in shape)
    return x if shape == _shape(x) else reshape(x, shape=shape)


def _broadcast_to(x: Any, shape: Any) -> Any:
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    return x if shape == _shape(x) else broadcast_to(x, shape=shape)


def _transpose(x: Any, axes: Any = None) -> Any:
    ndim = len(_shape(x))
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(int(a) % ndim for a in axes)
    return x if axes == tuple(range(ndim)) else transpose(x, axes=axes)


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
        if func is np.sum and len(args) == 1 and set(kwargs) <= {"axis"}:
            return _sum(args[0], kwargs.get("axis"))
        if func is np.reshape and len(args) == 2 and not kwargs:
            return _reshape(args[0], args[1])
        if func is np.broadcast_to and len(args) == 2 and not kwargs:
            return _broadcast_to(args[0], args[1])
        if func is np.transpose and len(args) <= 2 and not kwargs:
            return _transpose(args[0], args[1] if len(args) == 2 else None)
        if func is np.swapaxes and len(args) == 3 and not kwargs:
            axes = list(range(len(_shape(args[0]))))
            axes[args[1]], axes[args[2]] = axes[args[2]], axes[args[1]]
            return _transpose(args[0], axes)
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

    # array methods, as numpy spells them
    @property
    def T(self) -> Any:  # noqa: N802 - numpy's name
        return _transpose(self)

    def sum(self, axis: Any = None) -> Any:
        return _sum(self, axis)

    def reshape(self, *shape: Any) -> Any:
        return _reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Any:
        return _transpose(
            self, (axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes) or None
        )

    def dot(self, other: Any) -> Any:
        return matmul(self, other)

    def _unsupported_ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        return NotImplemented

    def _unsupported_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        return NotImplemented
