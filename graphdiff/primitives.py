"""The primitive table: every operation graphdiff knows, with all its rules side by side.

Each :class:`Primitive` holds

- ``impl``: the evaluation on primal values (floats or numpy arrays);
- ``jvp``: one forward rule per argument, ``rule(x_dot, out, *args) -> term``; the
  tangent of the output is the sum of the terms of the arguments whose tangent is not
  a structural zero;
- ``vjp``: one reverse rule per argument, ``rule(y_bar, out, *args) -> x_bar term``;
  a reverse sweep calls it only for arguments that depend on an input;
- ``shape``: the output shape from the argument shapes.

The rules are written with numpy ufuncs and Python operators only, so the cost of a
primitive is never declared: :mod:`graphdiff.counting` measures it by running these
same rules on values that count every ufunc call.

Adding a primitive means adding one ``_define(...)`` entry below; the tests check every
entry against finite differences.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ArityError, ParameterError, ShapeError, UnknownPrimitiveError
from .values import as_value, brief

__all__ = ["Primitive", "PRIMITIVES", "get_primitive", "primitive_for_ufunc"]

Rule = Callable[..., Any]


def _broadcast_shape(*shapes: tuple[int, ...], **params: Any) -> tuple[int, ...]:
    if all(s == () for s in shapes):
        return ()
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"shapes {', '.join(map(str, shapes))} do not broadcast together") from None


@dataclass(frozen=True, eq=False)
class Primitive:
    """One operation of the graph IR and its rules. Primitives are callable.

    Calling a primitive evaluates it on plain numbers, applies its forward rule on
    :class:`~graphdiff.Dual` numbers and records a node on tracers.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.mul(3.0, 4.0)
    12.0
    >>> gd.sin(gd.Dual(0.0, 1.0))
    Dual(primal=0.0, tangent=1.0)
    """

    name: str
    arity: int
    impl: Rule
    jvp: tuple[Rule, ...]
    vjp: tuple[Rule, ...]
    shape: Callable[..., tuple[int, ...]] = _broadcast_shape
    elementwise: bool = True
    params: tuple[str, ...] = ()
    _residuals: dict = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    @property
    def __name__(self) -> str:
        return self.name

    @property
    def __signature__(self) -> inspect.Signature:
        """Positional parameters ``x0, x1, ...`` (so primitives can be traced), then the params."""
        P = inspect.Parameter
        return inspect.Signature(
            [P(f"x{k}", P.POSITIONAL_ONLY) for k in range(self.arity)]
            + [P(name, P.KEYWORD_ONLY) for name in self.params]
        )

    def __call__(self, *args: Any, **params: Any) -> Any:
        self.check_call(len(args), params)
        box = None
        for a in args:  # the boxed type of highest priority decides (a tracer over a dual)
            kind = type(a)
            if hasattr(kind, "_graphdiff_bind_") and (
                box is None or kind._graphdiff_priority_ > box._graphdiff_priority_
            ):
                box = kind
        if box is not None:
            return box._graphdiff_bind_(self, args, params)
        out = self.impl(*[as_value(a, f"argument {i} of {self.name}") for i, a in enumerate(args)], **params)
        return float(out) if isinstance(out, np.floating) else out

    def check_call(self, n_args: int, params: Any, where: str = "") -> None:
        """Raise unless ``n_args`` arguments and ``params`` fit this primitive.

        :class:`ArityError` for the wrong number of arguments or the wrong parameter
        names, :class:`ParameterError` for a parameter value of the wrong type or range
        (``integer_pow``'s ``y`` must be a Python int: not ``'3'``, ``True`` or ``3.0``).

        Examples
        --------
        >>> from graphdiff.primitives import integer_pow
        >>> integer_pow.check_call(1, {"y": 3})
        >>> integer_pow.check_call(1, {"y": "3"}, where="cube")
        Traceback (most recent call last):
        ...
        graphdiff.errors.ParameterError: primitive 'integer_pow' at node 'cube': parameter 'y' must be a Python int, got the string '3'
        """
        if n_args != self.arity:
            where = f" at node {where!r}" if where else ""
            raise ArityError(f"primitive {self.name!r}{where} takes {self.arity} argument(s), got {n_args}")
        if params or self.params:
            _check_params(self, params, where)

    def tangent_out(self, out: Any, args: list, arg_dots: list, params: dict) -> Any:
        """The output tangent: the sum of the forward-rule terms of the non-zero tangents.

        A ``None`` in ``arg_dots`` is a structural zero and costs nothing. Tangents may
        carry leading batch axes (vector forward mode).
        """
        out_dot = None
        batch_ndim = 0
        shaped = self.elementwise and getattr(out, "ndim", 0) > 0
        for rule, x, x_dot in zip(self.jvp, args, arg_dots):
            if x_dot is None:
                continue
            if shaped:
                batch_ndim = np.ndim(x_dot) - np.ndim(x)
                x_dot = _align_tangent(x_dot, x, out, batch_ndim)
            term = rule(x_dot, out, *args, **params)
            out_dot = term if out_dot is None else out_dot + term
        if shaped and out_dot is not None:
            target = np.shape(out_dot)[:batch_ndim] + np.shape(out)
            if np.shape(out_dot) != target:
                out_dot = np.broadcast_to(out_dot, target)
        return out_dot

    def adjoint_in(self, i: int, y_bar: Any, out: Any, args: list, params: dict) -> Any:
        """The contribution of ``y_bar`` to the adjoint of argument ``i``, shaped like it."""
        x_bar = self.vjp[i](y_bar, out, *args, **params)
        if self.elementwise:
            shape = getattr(args[i], "shape", ())  # attribute reads: np.shape costs more per scalar
            if getattr(x_bar, "shape", ()) != shape:
                x_bar = _unbroadcast(x_bar, shape)
        return x_bar

    def residuals(self, i: int, shapes: tuple, params: dict) -> frozenset[int]:
        """Which primal values the reverse rule of argument ``i`` reads.

        Positions ``0..arity-1`` are the arguments, ``arity`` is the output. This is
        measured once per argument and shapes, by running the rule on values that
        record being read, and is what a reverse sweep must keep from the evaluation.
        """
        key = (i, shapes, tuple(sorted(params.items())))
        if key not in self._residuals:
            from .counting import Counted, counting

            args = [np.full(s, 1.5) for s in shapes]
            out = self.impl(*args, **params)
            probes = [Counted(a, slot=k) for k, a in enumerate(args)]
            y_bar = Counted(np.ones(np.shape(out)))
            with counting() as counts:
                self.vjp[i](y_bar, Counted(out, slot=self.arity), *probes, **params)
            self._residuals[key] = frozenset(counts.read)
        return self._residuals[key]


def _check_params(prim: Primitive, params: Any, where: str) -> None:
    """Check the names and values of an operation's parameters (see :meth:`Primitive.check_call`)."""
    at = f"primitive {prim.name!r}" + (f" at node {where!r}" if where else "")
    if not isinstance(params, dict):
        raise ParameterError(f"{at}: parameters are a dict of names to values, got {brief(params)}")
    if set(params) != set(prim.params):
        raise ArityError(f"{at} takes parameters {list(prim.params)}, got {sorted(map(str, params))}")
    checks = _PARAM_CHECKS.get(prim.name, {})
    for name, value in params.items():
        problem = checks.get(name, _real_number)(value)
        if problem:
            raise ParameterError(f"{at}: parameter {name!r} {problem}")


def _real_number(value: Any) -> str | None:
    """Why ``value`` is not a parameter that is a plain real number, or None if it is one."""
    return None if type(value) in (int, float) else f"must be a Python int or float, got {_what_it_is(value)}"


_INT64 = 2**63 - 1  # numpy's exponents are int64; one less, so that y - 1 fits too


def _integer_exponent(value: Any) -> str | None:
    """Why ``value`` is not an exponent for ``integer_pow``, or None if it is one."""
    if type(value) is not int:
        return f"must be a Python int, got {_what_it_is(value)}"
    if not -_INT64 <= value <= _INT64:
        return f"must be an integer between -(2**63 - 1) and 2**63 - 1, got {brief(value)}"
    return None


def _what_it_is(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {brief(value)}"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {value}"
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"{brief(value)} ({name})"


_PARAM_CHECKS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "integer_pow": {"y": _integer_exponent},
}


def _align_tangent(x_dot: Any, x: Any, out: Any, batch_ndim: int) -> Any:
    """Give a batched tangent of a lower-rank argument the output's rank, for broadcasting."""
    missing = np.ndim(out) - np.ndim(x)
    if batch_ndim and missing > 0:
        shape = np.shape(x_dot)
        return np.reshape(x_dot, shape[:batch_ndim] + (1,) * missing + shape[batch_ndim:])
    return x_dot


def _unbroadcast(x_bar: Any, shape: tuple[int, ...]) -> Any:
    """Sum an adjoint over the axes that broadcasting added, back to ``shape``."""
    extra = np.ndim(x_bar) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + k for k, n in enumerate(shape) if n == 1 and np.shape(x_bar)[extra + k] != 1
    )
    x_bar = np.sum(x_bar, axis=axes)
    return np.reshape(x_bar, shape)


# --- matmul helpers: promote 1-D operands to 2-D so that one set of rules serves all ---


def _matmul_shape(x: tuple[int, ...], y: tuple[int, ...]) -> tuple[int, ...]:
    if not (1 <= len(x) <= 2 and 1 <= len(y) <= 2):
        raise ShapeError(f"matmul takes 1-D or 2-D arrays, got shapes {x} and {y}")
    if x[-1] != y[0]:
        raise ShapeError(f"matmul shapes {x} and {y} do not fit: {x[-1]} != {y[0]}")
    return x[:-1] + y[1:]


def _as_matrix_left(a: Any) -> Any:
    return np.reshape(a, (1,) + np.shape(a)) if np.ndim(a) == 1 else a


def _as_matrix_right(a: Any) -> Any:
    return np.reshape(a, np.shape(a) + (1,)) if np.ndim(a) == 1 else a


def _matmul_jvp_x(x_dot: Any, out: Any, x: Any, y: Any) -> Any:
    batch = np.shape(x_dot)[: np.ndim(x_dot) - np.ndim(x)]
    x2_dot = np.reshape(x_dot, batch + np.shape(_as_matrix_left(x)))
    return np.reshape(np.matmul(x2_dot, _as_matrix_right(y)), batch + np.shape(out))


def _matmul_jvp_y(y_dot: Any, out: Any, x: Any, y: Any) -> Any:
    batch = np.shape(y_dot)[: np.ndim(y_dot) - np.ndim(y)]
    y2_dot = np.reshape(y_dot, batch + np.shape(_as_matrix_right(y)))
    return np.reshape(np.matmul(_as_matrix_left(x), y2_dot), batch + np.shape(out))


def _matmul_vjp_x(y_bar: Any, out: Any, x: Any, y: Any) -> Any:
    x2, y2 = _as_matrix_left(x), _as_matrix_right(y)
    y2_bar = np.reshape(y_bar, (np.shape(x2)[0], np.shape(y2)[1]))
    return np.reshape(np.matmul(y2_bar, np.swapaxes(y2, 0, 1)), np.shape(x))


def _matmul_vjp_y(y_bar: Any, out: Any, x: Any, y: Any) -> Any:
    x2, y2 = _as_matrix_left(x), _as_matrix_right(y)
    y2_bar = np.reshape(y_bar, (np.shape(x2)[0], np.shape(y2)[1]))
    return np.reshape(np.matmul(np.swapaxes(x2, 0, 1), y2_bar), np.shape(y))


def _sum_jvp(x_dot: Any, out: Any, x: Any) -> Any:
    batch_ndim = np.ndim(x_dot) - np.ndim(x)
    return np.sum(x_dot, axis=tuple(range(batch_ndim, np.ndim(x_dot))))


def _integer_pow_d(x: Any, y: int) -> Any:
    """d(x**y)/dx for an integer y, with as little arithmetic as the exponent allows."""
    if y == 0:
        return np.zeros_like(x)
    if y == 1:
        return np.ones_like(x)
    if y == 2:
        return 2 * x
    return y * np.power(x, y - 1)


def _max_share(x: Any, y: Any) -> Any:
    """The share of d max(x, y) that goes to x: 1 where x > y, 1/2 at ties, else 0."""
    return np.greater(x, y) + 0.5 * np.equal(x, y)


# --- the table ------------------------------------------------------------------------

PRIMITIVES: dict[str, Primitive] = {}


def _define(name: str, arity: int, impl: Rule, jvp: tuple, vjp: tuple, **kw: Any) -> Primitive:
    assert len(jvp) == len(vjp) == arity, name
    PRIMITIVES[name] = prim = Primitive(name, arity, impl, tuple(jvp), tuple(vjp), **kw)
    return prim


# fmt: off
add = _define("add", 2, np.add,
    jvp=(lambda x_dot, out, x, y: x_dot,
         lambda y_dot, out, x, y: y_dot),
    vjp=(lambda y_bar, out, x, y: y_bar,
         lambda y_bar, out, x, y: y_bar))
sub = _define("sub", 2, np.subtract,
    jvp=(lambda x_dot, out, x, y: x_dot,
         lambda y_dot, out, x, y: -y_dot),
    vjp=(lambda y_bar, out, x, y: y_bar,
         lambda y_bar, out, x, y: -y_bar))
mul = _define("mul", 2, np.multiply,
    jvp=(lambda x_dot, out, x, y: x_dot * y,
         lambda y_dot, out, x, y: x * y_dot),
    vjp=(lambda y_bar, out, x, y: y_bar * y,
         lambda y_bar, out, x, y: y_bar * x))
div = _define("div", 2, np.true_divide,
    jvp=(lambda x_dot, out, x, y: x_dot / y,
         lambda y_dot, out, x, y: -(y_dot * out) / y),
    vjp=(lambda y_bar, out, x, y: y_bar / y,
         lambda y_bar, out, x, y: -(y_bar * out) / y))
neg = _define("neg", 1, np.negative,
    jvp=(lambda x_dot, out, x: -x_dot,),
    vjp=(lambda y_bar, out, x: -y_bar,))
pow = _define("pow", 2, np.power,  # noqa: A001 - the primitive's name
    jvp=(lambda x_dot, out, x, y: x_dot * (y * np.power(x, y - 1)),
         lambda y_dot, out, x, y: y_dot * (np.log(x) * out)),
    vjp=(lambda y_bar, out, x, y: y_bar * (y * np.power(x, y - 1)),
         lambda y_bar, out, x, y: y_bar * (np.log(x) * out)))
integer_pow = _define("integer_pow", 1, lambda x, *, y: np.power(x, y),
    jvp=(lambda x_dot, out, x, *, y: x_dot * _integer_pow_d(x, y),),
    vjp=(lambda y_bar, out, x, *, y: y_bar * _integer_pow_d(x, y),),
    params=("y",))
square = _define("square", 1, np.square,
    jvp=(lambda x_dot, out, x: x_dot * (2 * x),),
    vjp=(lambda y_bar, out, x: y_bar * (2 * x),))
sqrt = _define("sqrt", 1, np.sqrt,
    jvp=(lambda x_dot, out, x: x_dot / (2 * out),),
    vjp=(lambda y_bar, out, x: y_bar / (2 * out),))
exp = _define("exp", 1, np.exp,
    jvp=(lambda x_dot, out, x: x_dot * out,),
    vjp=(lambda y_bar, out, x: y_bar * out,))
log = _define("log", 1, np.log,
    jvp=(lambda x_dot, out, x: x_dot / x,),
    vjp=(lambda y_bar, out, x: y_bar / x,))
sin = _define("sin", 1, np.sin,
    jvp=(lambda x_dot, out, x: x_dot * np.cos(x),),
    vjp=(lambda y_bar, out, x: y_bar * np.cos(x),))
cos = _define("cos", 1, np.cos,
    jvp=(lambda x_dot, out, x: -(x_dot * np.sin(x)),),
    vjp=(lambda y_bar, out, x: -(y_bar * np.sin(x)),))
tan = _define("tan", 1, np.tan,
    jvp=(lambda x_dot, out, x: x_dot * (1 + out * out),),
    vjp=(lambda y_bar, out, x: y_bar * (1 + out * out),))
tanh = _define("tanh", 1, np.tanh,
    jvp=(lambda x_dot, out, x: x_dot * (1 - out * out),),
    vjp=(lambda y_bar, out, x: y_bar * (1 - out * out),))
sigmoid = _define("sigmoid", 1, lambda x: 1 / (1 + np.exp(-x)),
    jvp=(lambda x_dot, out, x: x_dot * (out * (1 - out)),),
    vjp=(lambda y_bar, out, x: y_bar * (out * (1 - out)),))
relu = _define("relu", 1, lambda x: np.maximum(x, 0.0),
    jvp=(lambda x_dot, out, x: x_dot * np.greater(x, 0),),
    vjp=(lambda y_bar, out, x: y_bar * np.greater(x, 0),))
abs = _define("abs", 1, np.absolute,  # noqa: A001 - the primitive's name
    jvp=(lambda x_dot, out, x: x_dot * np.sign(x),),
    vjp=(lambda y_bar, out, x: y_bar * np.sign(x),))
atan2 = _define("atan2", 2, np.arctan2,  # atan2(y, x): the angle of the point (x, y)
    jvp=(lambda y_dot, out, y, x: y_dot * x / (x * x + y * y),
         lambda x_dot, out, y, x: -(x_dot * y) / (x * x + y * y)),
    vjp=(lambda y_bar, out, y, x: y_bar * x / (x * x + y * y),
         lambda y_bar, out, y, x: -(y_bar * y) / (x * x + y * y)))
maximum = _define("maximum", 2, np.maximum,
    jvp=(lambda x_dot, out, x, y: x_dot * _max_share(x, y),
         lambda y_dot, out, x, y: y_dot * _max_share(y, x)),
    vjp=(lambda y_bar, out, x, y: y_bar * _max_share(x, y),
         lambda y_bar, out, x, y: y_bar * _max_share(y, x)))
sum = _define("sum", 1, np.sum,  # noqa: A001 - the primitive's name; sums every element
    jvp=(_sum_jvp,),
    vjp=(lambda y_bar, out, x: np.broadcast_to(y_bar, np.shape(x)),),
    shape=lambda x: (), elementwise=False)
matmul = _define("matmul", 2, np.matmul,
    jvp=(_matmul_jvp_x, _matmul_jvp_y),
    vjp=(_matmul_vjp_x, _matmul_vjp_y),
    shape=_matmul_shape, elementwise=False)
# fmt: on

dot = matmul

_UFUNCS: dict[np.ufunc, Primitive] = {
    np.add: add,
    np.subtract: sub,
    np.multiply: mul,
    np.true_divide: div,
    np.negative: neg,
    np.power: pow,
    np.square: square,
    np.sqrt: sqrt,
    np.exp: exp,
    np.log: log,
    np.sin: sin,
    np.cos: cos,
    np.tan: tan,
    np.tanh: tanh,
    np.absolute: abs,
    np.arctan2: atan2,
    np.maximum: maximum,
    np.matmul: matmul,
}


def primitive_for_ufunc(ufunc: np.ufunc, args: tuple) -> tuple[Primitive, tuple, dict] | None:
    """The primitive, arguments and parameters that a numpy ufunc call on boxed values means.

    ``x ** 2`` with a Python integer exponent becomes ``integer_pow`` (as in JAX);
    returns ``None`` for a ufunc with no primitive.
    """
    if ufunc is np.power and isinstance(args[1], (int, np.integer)) and not isinstance(args[1], bool):
        return integer_pow, (args[0],), {"y": int(args[1])}
    prim = _UFUNCS.get(ufunc)
    return None if prim is None else (prim, args, {})


def get_primitive(op: str | Primitive, where: str = "") -> Primitive:
    """Look a primitive up by name; :class:`UnknownPrimitiveError` names it if it is unknown."""
    if isinstance(op, Primitive):
        return op
    try:
        return PRIMITIVES[op]
    except (KeyError, TypeError):
        where = f" at node {where!r}" if where else ""
        raise UnknownPrimitiveError(
            f"unknown primitive {op!r}{where}; known: {', '.join(sorted(PRIMITIVES))}"
        ) from None
