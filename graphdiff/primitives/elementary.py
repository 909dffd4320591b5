"""The numpy operations that primitives and their rules may use, listed once.

Each :class:`Operation` names a numpy ufunc, the kind it is counted as
(:mod:`graphdiff.primitives.counting`), and the Python source that computes it on floats in
generated code (:mod:`graphdiff.compiler.codegen`). A rule or an evaluation that calls a ufunc not
listed here cannot be counted or compiled.

Functions whose last bit is not fixed by IEEE 754 (``exp``, ``tanh``, ``pow``, ...) have
one *scalar implementation*, here, used on numbers by the interpreters and by the
generated code alike: ``math.tanh`` and ``numpy.tanh`` differ in the last bit on about a
quarter of their arguments, and a function must give the same bits on every call,
whichever path computes it. Where the scalar implementation raises (``math.log(0.0)``,
``math.exp(1000.0)``), numpy's ufunc gives the value instead, with numpy's semantics
(``-inf``, ``inf``, ``nan``) and warning; the generated code then hands the whole call
to the interpreter, which does exactly that. Arrays always go to numpy.

Rules call the functions of this module (``elementary.cos(x)``), never ``np.cos``:

>>> import numpy as np
>>> from graphdiff.primitives import elementary as el
>>> import math
>>> float(el.tanh(np.float64(0.5))) == math.tanh(0.5)
True
>>> with np.errstate(divide="ignore"):
...     el.log(np.float64(0.0))     # math.log raises here; numpy's value is used
np.float64(-inf)
>>> el.exp(np.array([0.0, 1.0]))
array([1.        , 2.71828183])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Operation", "OPERATIONS", "SCALAR_ERRORS", "SCALAR_NAMESPACE", "operation"]

# what a scalar implementation raises where numpy returns nan or inf (with a warning)
SCALAR_ERRORS = (ArithmeticError, ValueError)

_f64 = np.float64
_NUMBER_TYPES = frozenset({float, np.float64, int})


@dataclass(frozen=True)
class Operation:
    """One numpy operation a rule may use.

    ``kind`` is how :mod:`graphdiff.primitives.counting` counts it (``None``: it computes nothing, a
    query or a fresh constant). ``template`` is the Python expression computing it on
    floats, with ``{0}``, ``{1}`` for the arguments; names in it starting with ``_`` are
    the scalar implementations, found in :data:`SCALAR_NAMESPACE`.
    """

    ufunc: np.ufunc
    kind: str | None
    template: str | None
    scalar: Callable[..., float] | None = None


def _maximum(x: float, y: float) -> float:
    """numpy's maximum on two numbers: ``y`` at ties (so ``maximum(0.0, -0.0)`` is ``-0.0``), nan propagates."""
    if x > y:
        return x
    if x < y or x == y:
        return y
    return x if x != x else y  # one of them is nan


def _minimum(x: float, y: float) -> float:
    """numpy's minimum on two numbers: ``y`` at ties, nan propagates."""
    if x < y:
        return x
    if x > y or x == y:
        return y
    return x if x != x else y


def _exp2(x: float) -> float:
    """2 to the power x on a number (``math`` has no exp2)."""
    return math.pow(2.0, x)


def _sign(x: float) -> float:
    """numpy's sign on a number: ``sign(-0.0)`` is ``0.0``, ``sign(nan)`` is nan."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


def _greater(x: float, y: float) -> float:
    """``x > y`` as a number, 1.0 or 0.0: a mask that multiplies like numpy's booleans do."""
    return 1.0 if x > y else 0.0


def _greater_equal(x: float, y: float) -> float:
    """``x >= y`` as a number, 1.0 or 0.0."""
    return 1.0 if x >= y else 0.0


def _not_equal(x: float, y: float) -> float:
    """``x != y`` as a number, 1.0 or 0.0 (nan differs from everything, itself included)."""
    return 1.0 if x != y else 0.0


def _equal(x: float, y: float) -> float:
    """``x == y`` as a number, 1.0 or 0.0."""
    return 1.0 if x == y else 0.0


# fmt: off
OPERATIONS: tuple[Operation, ...] = (
    Operation(np.add,           "add",       "({0} + {1})"),
    Operation(np.subtract,      "add",       "({0} - {1})"),
    Operation(np.negative,      "add",       "(-{0})"),
    Operation(np.positive,      "add",       "(+{0})"),
    Operation(np.multiply,      "mul",       "({0} * {1})"),
    Operation(np.square,        "mul",       "({0} * {0})"),
    Operation(np.true_divide,   "div",       "({0} / {1})"),
    Operation(np.reciprocal,    "div",       "(1.0 / {0})"),
    Operation(np.absolute,      "nonlinear", "abs({0})"),
    Operation(np.exp,           "nonlinear", "_exp({0})",       math.exp),
    Operation(np.log,           "nonlinear", "_log({0})",       math.log),
    Operation(np.sin,           "nonlinear", "_sin({0})",       math.sin),
    Operation(np.cos,           "nonlinear", "_cos({0})",       math.cos),
    Operation(np.tan,           "nonlinear", "_tan({0})",       math.tan),
    Operation(np.tanh,          "nonlinear", "_tanh({0})",      math.tanh),
    Operation(np.sqrt,          "nonlinear", "_sqrt({0})",      math.sqrt),
    Operation(np.log1p,         "nonlinear", "_log1p({0})",     math.log1p),
    Operation(np.expm1,         "nonlinear", "_expm1({0})",     math.expm1),
    Operation(np.log2,          "nonlinear", "_log2({0})",      math.log2),
    Operation(np.log10,         "nonlinear", "_log10({0})",     math.log10),
    Operation(np.exp2,          "nonlinear", "_exp2({0})",      _exp2),
    Operation(np.sinh,          "nonlinear", "_sinh({0})",      math.sinh),
    Operation(np.cosh,          "nonlinear", "_cosh({0})",      math.cosh),
    Operation(np.arcsin,        "nonlinear", "_arcsin({0})",    math.asin),
    Operation(np.arccos,        "nonlinear", "_arccos({0})",    math.acos),
    Operation(np.arctan,        "nonlinear", "_arctan({0})",    math.atan),
    Operation(np.arcsinh,       "nonlinear", "_arcsinh({0})",   math.asinh),
    Operation(np.arctanh,       "nonlinear", "_arctanh({0})",   math.atanh),
    Operation(np.power,         "nonlinear", "_power({0}, {1})", math.pow),
    Operation(np.arctan2,       "nonlinear", "_arctan2({0}, {1})", math.atan2),
    Operation(np.maximum,       "nonlinear", "_maximum({0}, {1})", _maximum),
    Operation(np.minimum,       "nonlinear", "_minimum({0}, {1})", _minimum),
    Operation(np.sign,          "cmp",       "_sign({0})",      _sign),
    Operation(np.greater,       "cmp",       "_greater({0}, {1})", _greater),
    Operation(np.greater_equal, "cmp",       "_greater_equal({0}, {1})", _greater_equal),
    Operation(np.less,          "cmp",       "({0} < {1})"),
    Operation(np.less_equal,    "cmp",       "({0} <= {1})"),
    Operation(np.equal,         "cmp",       "_equal({0}, {1})", _equal),
    Operation(np.not_equal,     "cmp",       "_not_equal({0}, {1})", _not_equal),
)
# fmt: on

_BY_UFUNC = {op.ufunc: op for op in OPERATIONS}

# the scalar implementations by the names the templates call them
SCALAR_NAMESPACE: dict[str, Callable[..., float]] = {
    f"_{op.ufunc.__name__}": op.scalar for op in OPERATIONS if op.scalar is not None
}


def operation(ufunc: Any) -> Operation | None:
    """The listed :class:`Operation` of a numpy ufunc, or ``None`` if rules may not use it."""
    return _BY_UFUNC.get(ufunc)


def _unary(op: Operation) -> Callable[[Any], Any]:
    scalar, ufunc = op.scalar, op.ufunc

    def apply(x: Any) -> Any:
        if type(x) in _NUMBER_TYPES:
            try:
                return _f64(scalar(x))
            except SCALAR_ERRORS:
                pass
        return ufunc(x)

    apply.__name__ = apply.__qualname__ = ufunc.__name__
    apply.__doc__ = f"``{ufunc.__name__}``: the scalar implementation on numbers, numpy's on anything else."
    return apply


def _binary(op: Operation) -> Callable[[Any, Any], Any]:
    scalar, ufunc = op.scalar, op.ufunc

    def apply(x: Any, y: Any) -> Any:
        if type(x) in _NUMBER_TYPES and type(y) in _NUMBER_TYPES:
            try:
                return _f64(scalar(x, y))
            except SCALAR_ERRORS:
                pass
        return ufunc(x, y)

    apply.__name__ = apply.__qualname__ = ufunc.__name__
    apply.__doc__ = f"``{ufunc.__name__}``: the scalar implementation on numbers, numpy's on anything else."
    return apply


exp, log, sin, cos, tan, tanh, sqrt, sign = (
    _unary(_BY_UFUNC[u]) for u in (np.exp, np.log, np.sin, np.cos, np.tan, np.tanh, np.sqrt, np.sign)
)
log1p, expm1, log2, log10, exp2, sinh, cosh, arcsin, arccos, arctan, arcsinh, arctanh = (
    _unary(_BY_UFUNC[u])
    for u in (np.log1p, np.expm1, np.log2, np.log10, np.exp2, np.sinh, np.cosh,
              np.arcsin, np.arccos, np.arctan, np.arcsinh, np.arctanh)
)  # fmt: skip
power, arctan2, maximum, minimum = (
    _binary(_BY_UFUNC[u]) for u in (np.power, np.arctan2, np.maximum, np.minimum)
)


def _mask(op: Operation) -> Callable[[Any, Any], Any]:
    """A comparison whose result is a number, 1.0 or 0.0, on numbers and arrays alike (a mask)."""
    compare = _binary(op)

    def apply(x: Any, y: Any) -> Any:
        result = compare(x, y)
        return result.astype(float) if isinstance(result, (np.ndarray, np.bool_)) else result

    apply.__name__ = apply.__qualname__ = op.ufunc.__name__
    apply.__doc__ = f"``{op.ufunc.__name__}`` as a mask of 1.0 and 0.0."
    return apply


greater, equal = _mask(_BY_UFUNC[np.greater]), _mask(_BY_UFUNC[np.equal])
greater_equal, not_equal = _mask(_BY_UFUNC[np.greater_equal]), _mask(_BY_UFUNC[np.not_equal])


def where(c: Any, x: Any, y: Any) -> Any:
    """``x`` where the mask ``c`` is not 0, else ``y`` (``np.where``): moves numbers, computes none."""
    if type(c) in _NUMBER_TYPES and type(x) in _NUMBER_TYPES and type(y) in _NUMBER_TYPES:
        return _f64(x if c else y)  # nan is not 0: x, as np.where has it
    return np.where(c, x, y)


class UnlistedOperation(Exception):
    """A rule called a numpy operation that is not in :data:`OPERATIONS` (raised by the probe)."""


class _Probe(np.lib.mixins.NDArrayOperatorsMixin):
    """A stand-in number that lets a rule run and refuses every numpy operation not listed."""

    shape, ndim = (), 0

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or operation(ufunc) is None:
            name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            raise UnlistedOperation(f"numpy.{name}")
        return _Probe()

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func in (np.zeros_like, np.ones_like, np.where):
            return _Probe()
        if func in (np.shape, np.ndim):
            return func(0.0)
        raise UnlistedOperation(f"numpy.{func.__name__}")

    def __bool__(self) -> bool:
        raise UnlistedOperation("a branch on a value (if, and, or)")


def unlisted_operation(rule: Callable[..., Any], n_values: int, params: dict) -> str | None:
    """The first numpy operation ``rule`` uses that is not listed here, or ``None``.

    ``rule`` is called on ``n_values`` stand-in numbers and ``params``.

    >>> unlisted_operation(lambda out, x: cos(x) * out, 2, {})
    >>> unlisted_operation(lambda out, x: np.cbrt(x), 2, {})
    'numpy.cbrt'
    """
    try:
        rule(*(_Probe() for _ in range(n_values)), **params)
    except UnlistedOperation as err:
        return str(err)
    return None
