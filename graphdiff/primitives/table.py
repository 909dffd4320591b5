"""The primitive table: every operation graphdiff knows, with all its rules side by side.

Each :class:`Primitive` holds

- ``impl``: the evaluation on primal values (floats or numpy arrays);
- for an elementwise primitive, ``partials``: one :class:`Partial` per argument, the local
  partial d(out)/d(argument) that labels its edge in colah's figures. It is stated once:
  the forward rule carries a tangent across the edge (``x_dot * p``) and the reverse rule
  an adjoint (``y_bar * p``), both derived from it;
- for a structural primitive (``sum``, ``matmul``), a linear forward rule per argument and
  its transpose, the reverse rule;
- ``jvp`` and ``vjp``: the rules the sweeps call, ``rule(x_dot, out, *args) -> term`` and
  ``rule(y_bar, out, *args) -> x_bar term``; a tangent is the sum of the terms of the
  arguments whose tangent is not a structural zero, and a reverse sweep calls a rule only
  for arguments that depend on an input;
- ``shape``: the output shape from the argument shapes.

The rules are written with Python operators and the operations listed in
:mod:`graphdiff.primitives.elementary` (``el.cos``, not ``np.cos``: one scalar implementation
serves the interpreters and the generated code, so every call gives the same bits), so
the cost of a primitive is never declared: :mod:`graphdiff.primitives.counting` measures it by
running these same rules on values that count every ufunc call.

Adding a primitive means adding one ``_define(...)`` entry below; the tests check every
entry against finite differences.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphdiff.errors import (
    ArityError,
    ParameterError,
    PrimitiveDefinitionError,
    ShapeError,
    UnknownPrimitiveError,
)
from graphdiff.primitives import elementary as el
from graphdiff.values import as_value, brief

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
    partials: tuple[Partial, ...] | None = None  # elementwise primitives: d(out)/d(arg i), stated once
    zero_args: frozenset[int] = frozenset()  # the arguments whose partial is a structural zero
    bound: Callable[..., Callable[..., Any]] | None = None  # params -> the evaluation with them settled
    _residuals: dict = field(default_factory=dict, repr=False, compare=False)

    _graphdiff_identity_ = True  # a primitive never changes: a function closing over it is read by identity

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
            if kind is np.ndarray and a.dtype.kind == "O":  # np.array([traced, traced, 1.0])
                given = [joined(b) for b in args]
                if any(g is not b for g, b in zip(given, args)):
                    return self(*given, **params)
            if hasattr(kind, "_graphdiff_bind_") and (
                box is None or kind._graphdiff_priority_ > box._graphdiff_priority_
            ):
                box = kind
        if box is not None:
            return box._graphdiff_bind_(self, args, params)
        out = self.impl(*[as_value(a, f"argument {i} of {self.name}") for i, a in enumerate(args)], **params)
        return float(out) if isinstance(out, np.floating) else out

    def evaluation(self, params: dict) -> Callable[..., Any]:
        """This primitive's evaluation with ``params`` settled: a function of the arguments alone.

        It gives the same bits as ``self.impl(*args, **params)``. Made once per instruction
        of a program that runs many times (:func:`graphdiff.modes.evaluate.prepared`), so
        what the params decide, a gather's index arrays or a reduction's axes, is worked
        out once and not on every call.

        Examples
        --------
        >>> import numpy as np
        >>> from graphdiff.primitives.table import reduce_sum
        >>> row_sums = reduce_sum.evaluation({"axes": (1,)})
        >>> row_sums(np.ones((2, 3)))
        array([3., 3.])
        """
        if self.bound is not None:
            return self.bound(**params)
        return functools.partial(self.impl, **params) if params else self.impl

    def check_call(self, n_args: int, params: Any, where: str = "") -> None:
        """Raise unless ``n_args`` arguments and ``params`` fit this primitive.

        :class:`ArityError` for the wrong number of arguments or the wrong parameter
        names, :class:`ParameterError` for a parameter value of the wrong type or range
        (``integer_pow``'s ``y`` must be a Python int: not ``'3'``, ``True`` or ``3.0``).

        Examples
        --------
        >>> from graphdiff.primitives.table import integer_pow
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
        for i, (rule, x, x_dot) in enumerate(zip(self.jvp, args, arg_dots)):
            if x_dot is None or i in self.zero_args:
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
            from graphdiff.primitives.counting import Counted, counting

            args = [np.full(s, 1.5) for s in shapes]
            out = self.impl(*args, **params)
            probes = [Counted(a, slot=k) for k, a in enumerate(args)]
            y_bar = Counted(np.ones(np.shape(out)))
            with counting() as counts:
                self.vjp[i](y_bar, Counted(out, slot=self.arity), *probes, **params)
            self._residuals[key] = frozenset(counts.read)
        return self._residuals[key]


def joined(objects: Any) -> Any:
    """An array of Python objects, some of them traced or dual numbers, as one boxed array.

    ``np.array([x, y, 1.0])`` of traced numbers gives numpy's array of objects; arithmetic
    on it runs element by element, and where it meets a primitive it becomes one array
    again: the numbers put side by side (a concatenation, no arithmetic) and reshaped.
    Any other value, an array of objects with nothing boxed in it included, comes back as it is.

    >>> import numpy as np, graphdiff as gd
    >>> gd.grad(lambda x, y: gd.sum(np.array([x * y, x, 1.0]) ** 2))(2.0, 3.0)
    (40.0, 24.0)
    """
    if type(objects) is not np.ndarray or objects.dtype.kind != "O":
        return objects
    items = objects.ravel().tolist()
    if not any(getattr(type(v), "_graphdiff_priority_", -1) >= 0 for v in items):
        return objects  # nothing boxed: where it is used, it is checked as any value is
    pieces = []
    for k, v in enumerate(items):
        if np.shape(v) != ():
            raise ShapeError(
                f"an array of Python objects holds a value of shape {np.shape(v)} at flat index {k}: "
                "numpy builds such arrays from numbers; join traced arrays with np.stack or np.concatenate"
            )
        boxed = hasattr(type(v), "_graphdiff_bind_")
        pieces.append(
            reshape(v, shape=(1,)) if boxed else np.array([as_value(v, f"element {k} of an array")])
        )
    while len(pieces) > 1:  # pairwise, so each number is copied about log2(n) times, not n
        pairs = [concat(a, b, axis=0) for a, b in zip(pieces[::2], pieces[1::2])]
        pieces = pairs + pieces[-1:] if len(pieces) % 2 else pairs
    return reshape(pieces[0], shape=objects.shape) if objects.ndim != 1 else pieces[0]


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


def _int_tuple(value: Any, least: int) -> str | None:
    """Why ``value`` is not a tuple of Python ints of at least ``least`` (a shape or axes), or None."""
    if type(value) is not tuple or not all(type(n) is int and n >= least for n in value):
        return f"must be a tuple of Python ints >= {least}, got {_what_it_is(value)}"
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
    "reshape": {"shape": lambda v: _int_tuple(v, 0)},
    "broadcast_to": {"shape": lambda v: _int_tuple(v, 0)},
    "reduce_sum": {"axes": lambda v: _int_tuple(v, 0)},
    "reduce_max": {"axes": lambda v: _int_tuple(v, 0)},
    "reduce_min": {"axes": lambda v: _int_tuple(v, 0)},
    "transpose": {"axes": lambda v: _int_tuple(v, 0)},
    "getitem": {"index": lambda v: _valid_index(v)},
    "concat": {"axis": lambda v: _lead(v)},
    "cumsum": {"axis": lambda v: _lead(v)},
    "gather": {
        "indices": lambda v: _valid_indices(v),
        "shape": lambda v: _int_tuple(v, 0),
        "lead": lambda v: _lead(v),
    },
    "scatter_add": {
        "indices": lambda v: _valid_indices(v),
        "shape": lambda v: _int_tuple(v, 0),
        "lead": lambda v: _lead(v),
        "into": lambda v: _int_tuple(v, 0),
    },
    "scatter": {"index": lambda v: _valid_index(v), "shape": lambda v: _int_tuple(v, 0)},
}


_TUPLE_PARAMS = ("shape", "axes", "into", "index", "indices")


def params_from_lists(params: dict) -> dict:
    """Parameters as a JSON file or ``nx.node_link_data`` gives them back (lists) as the table holds them (tuples)."""

    def tupled(value: Any) -> Any:
        return tuple(tupled(v) for v in value) if type(value) in (list, tuple) else value

    return {k: tupled(v) if k in _TUPLE_PARAMS and type(v) is list else v for k, v in params.items()}


def _align_tangent(x_dot: Any, x: Any, out: Any, batch_ndim: int) -> Any:
    """Give a batched tangent of a lower-rank argument the output's rank, for broadcasting."""
    missing = np.ndim(out) - np.ndim(x)
    if batch_ndim and missing > 0:
        shape = np.shape(x_dot)
        return np.reshape(x_dot, shape[:batch_ndim] + (1,) * missing + shape[batch_ndim:])
    return x_dot


def _unbroadcast(x_bar: Any, shape: tuple[int, ...]) -> Any:
    """Sum an adjoint over the axes that broadcasting added, back to ``shape``."""
    if type(x_bar) is np.ndarray:  # numpy's methods: the same sums, without the dispatch
        extra = x_bar.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(
            extra + k for k, n in enumerate(shape) if n == 1 and x_bar.shape[extra + k] != 1
        )
        return (x_bar.sum(axis=axes) if axes else x_bar).reshape(shape)
    extra = np.ndim(x_bar) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + k for k, n in enumerate(shape) if n == 1 and np.shape(x_bar)[extra + k] != 1
    )
    if axes:  # (np.sum over no axes would copy the whole adjoint, adding nothing)
        x_bar = np.sum(x_bar, axis=axes)
    return np.reshape(x_bar, shape)


# --- matmul helpers: promote 1-D operands to 2-D so that one set of rules serves all ---


def _matmul_shape(x: tuple[int, ...], y: tuple[int, ...]) -> tuple[int, ...]:
    """numpy's matmul: 1-D operands as a row or a column, leading (batch) axes broadcast."""
    if not x or not y:
        raise ShapeError(f"matmul takes arrays of at least one axis, got shapes {x} and {y}")
    inner_x, inner_y = x[-1], (y[0] if len(y) == 1 else y[-2])
    if inner_x != inner_y:
        raise ShapeError(f"matmul shapes {x} and {y} do not fit: {inner_x} != {inner_y}")
    try:
        batch = np.broadcast_shapes(x[:-2], y[:-2])
    except ValueError:
        raise ShapeError(f"matmul shapes {x} and {y}: their leading axes do not broadcast") from None
    return tuple(batch) + x[-2:-1] + y[-1:] if len(y) > 1 else tuple(batch) + x[-2:-1]


def _as_matrix_left(a: Any) -> Any:
    return np.reshape(a, (1,) + np.shape(a)) if np.ndim(a) == 1 else a


def _as_matrix_right(a: Any) -> Any:
    return np.reshape(a, np.shape(a) + (1,)) if np.ndim(a) == 1 else a


def _product_shape(x: Any, y: Any) -> tuple[int, ...]:
    """The shape of matmul(x, y) with 1-D operands promoted: batch + (rows, columns)."""
    x2, y2 = np.shape(_as_matrix_left(x)), np.shape(_as_matrix_right(y))
    return tuple(np.broadcast_shapes(x2[:-2], y2[:-2])) + (x2[-2], y2[-1])


def _with_batch(v: Any, a: Any, promoted: tuple[int, ...], out_batch: int) -> Any:
    """A tangent ``v`` of ``a`` shaped ``tangent axes + ones + promoted``, to broadcast against the other operand."""
    tangent_axes = np.shape(v)[: np.ndim(v) - np.ndim(a)]
    return np.reshape(v, tangent_axes + (1,) * (out_batch - (len(promoted) - 2)) + promoted)


def _matmul_jvp_x(x_dot: Any, out: Any, x: Any, y: Any) -> Any:
    product = _product_shape(x, y)
    x2_dot = _with_batch(x_dot, x, np.shape(_as_matrix_left(x)), len(product) - 2)
    tangent_axes = np.shape(x_dot)[: np.ndim(x_dot) - np.ndim(x)]
    return np.reshape(np.matmul(x2_dot, _as_matrix_right(y)), tangent_axes + np.shape(out))


def _matmul_jvp_y(y_dot: Any, out: Any, x: Any, y: Any) -> Any:
    product = _product_shape(x, y)
    y2_dot = _with_batch(y_dot, y, np.shape(_as_matrix_right(y)), len(product) - 2)
    tangent_axes = np.shape(y_dot)[: np.ndim(y_dot) - np.ndim(y)]
    return np.reshape(np.matmul(_as_matrix_left(x), y2_dot), tangent_axes + np.shape(out))


def _plain_matrices(*values: Any) -> bool:
    """numpy matrices, not tracers or counted values: the rules may take numpy's shortest path."""
    return all(type(v) is np.ndarray and v.ndim == 2 for v in values)


def _matmul_vjp_x(y_bar: Any, out: Any, x: Any, y: Any) -> Any:
    if _plain_matrices(y_bar, x, y):  # the general path below makes the same product
        return y_bar @ y.T
    x2, y2 = _as_matrix_left(x), _as_matrix_right(y)
    y2_bar = np.reshape(y_bar, _product_shape(x, y))
    x2_bar = np.matmul(y2_bar, np.swapaxes(y2, -1, -2))
    return np.reshape(_unbroadcast(x2_bar, np.shape(x2)), np.shape(x))


def _matmul_vjp_y(y_bar: Any, out: Any, x: Any, y: Any) -> Any:
    if _plain_matrices(y_bar, x, y):
        return x.T @ y_bar
    x2, y2 = _as_matrix_left(x), _as_matrix_right(y)
    y2_bar = np.reshape(y_bar, _product_shape(x, y))
    y2_grad = np.matmul(np.swapaxes(x2, -1, -2), y2_bar)
    return np.reshape(_unbroadcast(y2_grad, np.shape(y2)), np.shape(y))


def _sum_jvp(x_dot: Any, out: Any, x: Any) -> Any:
    batch_ndim = np.ndim(x_dot) - np.ndim(x)
    return np.sum(x_dot, axis=tuple(range(batch_ndim, np.ndim(x_dot))))


# --- structural primitives: they move numbers and compute none, so each rule is linear ---


def _batch(v: Any, x: Any) -> int:
    """How many leading batch axes a tangent ``v`` of ``x`` carries (vector forward mode)."""
    return np.ndim(v) - np.ndim(x)


def _reshape_shape(x: tuple[int, ...], *, shape: tuple[int, ...]) -> tuple[int, ...]:
    if math.prod(x) != math.prod(shape):
        raise ShapeError(f"cannot reshape an array of shape {x} into shape {tuple(shape)}")
    return tuple(shape)


def _broadcast_to_shape(x: tuple[int, ...], *, shape: tuple[int, ...]) -> tuple[int, ...]:
    try:
        if tuple(np.broadcast_shapes(x, tuple(shape))) != tuple(shape):
            raise ValueError
    except ValueError:
        raise ShapeError(f"cannot broadcast an array of shape {x} to shape {tuple(shape)}") from None
    return tuple(shape)


def _reduce_sum_shape(x: tuple[int, ...], *, axes: tuple[int, ...]) -> tuple[int, ...]:
    if len(set(axes)) != len(axes) or not all(0 <= a < len(x) for a in axes):
        raise ShapeError(f"cannot sum an array of shape {x} over axes {axes}")
    return tuple(n for k, n in enumerate(x) if k not in axes)


def _cumsum_shape(x: tuple[int, ...], *, axis: int) -> tuple[int, ...]:
    if not 0 <= axis < len(x):
        raise ShapeError(f"cannot take running sums of an array of shape {x} along axis {axis}")
    return x


def _reversed(v: Any, from_end: int) -> Any:
    """``v`` read backwards along its axis ``-from_end`` (counted from the end: leading batch axes pass)."""
    return v[(Ellipsis, slice(None, None, -1)) + (slice(None),) * (from_end - 1)]


def _cumsum_vjp(y_bar: Any, out: Any, x: Any, *, axis: int) -> Any:
    """The transpose of running sums: each x_k's adjoint is the sum of the adjoints of outputs k, k+1, ..."""
    from_end = len(np.shape(x)) - axis  # counted from the end: y_bar may carry leading batch axes
    backwards = _reversed(y_bar, from_end)
    return _reversed(cumsum(backwards, axis=len(np.shape(backwards)) - from_end), from_end)


def _transpose_shape(x: tuple[int, ...], *, axes: tuple[int, ...]) -> tuple[int, ...]:
    if sorted(axes) != list(range(len(x))):
        raise ShapeError(f"axes {axes} are not a permutation of the axes of an array of shape {x}")
    return tuple(x[a] for a in axes)


def _sum_back(y_bar: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """The transpose of summing ``x`` over ``axes``: ``y_bar`` copied back along them."""
    kept = tuple(1 if k in axes else n for k, n in enumerate(np.shape(x)))
    return np.broadcast_to(np.reshape(y_bar, kept), np.shape(x))


def _extreme_share(out: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """Where ``x`` attains its maximum (or minimum) ``out`` over ``axes``: 1/k at each of k ties, else 0.

    The tie convention of ``maximum``, which gives each of two tied arguments half.
    """
    kept = tuple(1 if k in axes else n for k, n in enumerate(np.shape(x)))
    if type(x) is np.ndarray and type(out) in (np.ndarray, np.float64):  # the same numbers, fewer steps
        at = (x == np.reshape(out, kept)).astype(float)
        return at / np.sum(at, axis=axes, keepdims=True)
    at = el.equal(x, np.broadcast_to(np.reshape(out, kept), np.shape(x)))
    ties = np.sum(at, axis=tuple(axes))
    return at / np.broadcast_to(np.reshape(ties, kept), np.shape(x))


def _extreme_jvp(x_dot: Any, out: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    b = _batch(x_dot, x)
    return np.sum(x_dot * _extreme_share(out, x, axes), axis=tuple(a + b for a in axes))


def _extreme_vjp(y_bar: Any, out: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    return _sum_back(y_bar, x, tuple(axes)) * _extreme_share(out, x, axes)


# --- static indexing: x[0], x[1:], x[::-1], A[:, 1], x[None, :] ----------------------------
#
# An index is stored as a tuple of entries, one per indexed axis in order, in a form that
# survives a JSON file: ("i", k) takes element k (and drops the axis), ("s", start, stop,
# step) a slice as ``slice.indices`` gives it, ("n",) inserts a new axis of length 1.


def index_key(index: tuple) -> tuple:
    """The numpy key an index stands for: ``(("i", 0), ("s", 1, 3, 1))`` is ``(0, slice(1, 3, 1))``."""
    key = []
    for entry in index:
        if entry[0] == "i":
            key.append(entry[1])
        elif entry[0] == "s":
            _, start, stop, step = entry
            key.append(slice(start, None if stop < 0 else stop, step))  # stop -1: before element 0
        else:
            key.append(None)
    return tuple(key)


def _batched(index: tuple, batch: tuple[int, ...]) -> tuple:
    """The index for a value with leading ``batch`` axes more (a batched tangent), kept whole."""
    return tuple(("s", 0, n, 1) for n in batch) + index


def _index_shape(x: tuple[int, ...], *, index: tuple) -> tuple[int, ...]:
    shape, axis = [], 0
    for entry in index:
        if entry[0] == "n":
            shape.append(1)
            continue
        if axis >= len(x):
            raise ShapeError(f"index {index_key(index)} has more axes than an array of shape {x}")
        if entry[0] == "i":
            if not 0 <= entry[1] < x[axis]:
                raise ShapeError(f"index {entry[1]} is out of range for axis {axis} of length {x[axis]}")
        else:
            shape.append(len(range(x[axis])[index_key((entry,))[0]]))
        axis += 1
    return tuple(shape) + tuple(x[axis:])


def _scatter_shape(y: tuple[int, ...], *, index: tuple, shape: tuple[int, ...]) -> tuple[int, ...]:
    if _index_shape(tuple(shape), index=index) != tuple(y):
        raise ShapeError(
            f"cannot put an array of shape {y} at {index_key(index)} of an array of shape {tuple(shape)}"
        )
    return tuple(shape)


def _getitem_jvp(x_dot: Any, out: Any, x: Any, *, index: tuple) -> Any:
    return getitem(x_dot, index=_batched(index, np.shape(x_dot)[: _batch(x_dot, x)]))


def _scatter_impl(y: Any, *, index: tuple, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``y`` at ``index``: the transpose of taking ``index``."""
    out = np.zeros_like(y, shape=shape, dtype=float)
    out[index_key(index)] = y
    return out


def _scatter_jvp(y_dot: Any, out: Any, y: Any, *, index: tuple, shape: tuple[int, ...]) -> Any:
    batch = np.shape(y_dot)[: _batch(y_dot, y)]
    return scatter(y_dot, index=_batched(index, batch), shape=batch + tuple(shape))


# --- integer-array (fancy) indexing: z[np.arange(n), labels], A[:, idx] --------------------
#
# ``indices`` holds one flat tuple of non-negative ints per indexed axis, all as long as
# ``shape`` (the shape of the index arrays) has elements; the indexed axes start at axis
# ``lead`` (the axes before it are taken whole).


@functools.lru_cache(maxsize=512)
def _fancy_key(indices: tuple, shape: tuple[int, ...], lead: int) -> tuple:
    """The numpy key of a gather's index arrays, made once per indices (read-only arrays)."""
    arrays = []
    for ix in indices:
        array = np.asarray(ix, dtype=np.intp).reshape(shape)
        array.flags.writeable = False
        arrays.append(array)
    return (slice(None),) * lead + tuple(arrays)


@functools.lru_cache(maxsize=512)
def _distinct(indices: tuple) -> bool:
    """Whether no position is indexed twice: then a scatter-add places each element, adding nothing."""
    return len(set(zip(*indices))) == len(indices[0]) if indices else True


def _gather_shape(
    x: tuple[int, ...], *, indices: tuple, shape: tuple[int, ...], lead: int
) -> tuple[int, ...]:
    if lead + len(indices) > len(x):
        raise ShapeError(
            f"{len(indices)} index arrays from axis {lead} are too many for an array of shape {x}"
        )
    for k, ix in enumerate(indices):
        if len(ix) != math.prod(shape) or any(not 0 <= i < x[lead + k] for i in ix):
            raise ShapeError(f"index array {k} does not fit shape {tuple(shape)} and axis {lead + k} of {x}")
    return tuple(x[:lead]) + tuple(shape) + tuple(x[lead + len(indices) :])


def _gather_jvp(x_dot: Any, out: Any, x: Any, *, indices: tuple, shape: tuple, lead: int) -> Any:
    return gather(x_dot, indices=indices, shape=shape, lead=lead + _batch(x_dot, x))


def _scatter_add_impl(
    y: Any, *, indices: tuple, shape: tuple[int, ...], lead: int, into: tuple[int, ...]
) -> Any:
    """Zeros of shape ``into``, with each element of ``y`` added at its index: gather's transpose."""
    out = np.zeros_like(y, shape=into, dtype=float)
    if _distinct(indices):  # z[np.arange(n), labels]: each element to its own place
        out[_fancy_key(indices, shape, lead)] = y
    else:  # positions indexed twice: their elements are added
        np.add.at(out, _fancy_key(indices, shape, lead), y)
    return out


def _scatter_add_jvp(
    y_dot: Any, out: Any, y: Any, *, indices: tuple, shape: tuple, lead: int, into: tuple
) -> Any:
    batch = np.shape(y_dot)[: _batch(y_dot, y)]
    return scatter_add(y_dot, indices=indices, shape=shape, lead=lead + len(batch), into=batch + tuple(into))


def _valid_indices(value: Any) -> str | None:
    # a program passes the same index tuples at every call: each is checked once (by identity,
    # since equality would let (True,) pass for (1,)); the tuple is kept so its id stays its own
    known = _CHECKED_INDICES.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    if (
        type(value) is not tuple
        or not value
        or not all(type(ix) is tuple and all(type(i) is int and i >= 0 for i in ix) for ix in value)
    ):
        return f"must be a non-empty tuple of tuples of Python ints >= 0, got {_what_it_is(value)}"
    if len(_CHECKED_INDICES) > 1024:
        _CHECKED_INDICES.clear()
    _CHECKED_INDICES[id(value)] = (value, None)
    return None


_CHECKED_INDICES: dict[int, tuple] = {}


def _lead(value: Any) -> str | None:
    return (
        None if type(value) is int and value >= 0 else f"must be a Python int >= 0, got {_what_it_is(value)}"
    )


# --- concatenation: two arrays along an axis (np.concatenate and np.stack chain it) -------


def _concat_shape(a: tuple[int, ...], b: tuple[int, ...], *, axis: int) -> tuple[int, ...]:
    if (
        len(a) != len(b)
        or not 0 <= axis < len(a)
        or any(m != n for k, (m, n) in enumerate(zip(a, b)) if k != axis)
    ):
        raise ShapeError(f"cannot concatenate arrays of shapes {a} and {b} along axis {axis}")
    return tuple(a[:axis]) + (a[axis] + b[axis],) + tuple(a[axis + 1 :])


def _concat_region(i: int, a: Any, b: Any, axis: int, batch: tuple[int, ...] = ()) -> tuple:
    """Where argument ``i`` lies in the concatenation, as a stored index (with leading ``batch`` axes)."""
    start, stop = (
        (0, np.shape(a)[axis]) if i == 0 else (np.shape(a)[axis], np.shape(a)[axis] + np.shape(b)[axis])
    )
    return _batched(tuple(("s", 0, n, 1) for n in np.shape(a)[:axis]) + (("s", start, stop, 1),), batch)


def _concat_jvp(i: int) -> Rule:
    def jvp(v: Any, out: Any, a: Any, b: Any, *, axis: int) -> Any:  # v placed in zeros shaped like out
        batch = np.shape(v)[: _batch(v, (a, b)[i])]
        return scatter(v, index=_concat_region(i, a, b, axis, batch), shape=batch + np.shape(out))

    return jvp


def _concat_vjp(i: int) -> Rule:
    return lambda y_bar, out, a, b, *, axis: getitem(y_bar, index=_concat_region(i, a, b, axis))


def _valid_index(value: Any) -> str | None:
    """Why ``value`` is not a stored index (see :func:`index_key`), or None."""

    def ok(e: Any) -> bool:
        if type(e) is not tuple or not e:
            return False
        if e[0] == "i":
            return len(e) == 2 and type(e[1]) is int and e[1] >= 0
        if e[0] == "s":
            return len(e) == 4 and all(type(n) is int for n in e[1:]) and e[3] != 0 and e[1] >= -1
        return e == ("n",)

    if type(value) is not tuple or not all(ok(e) for e in value):
        return (
            "must be a tuple of ('i', k), ('s', start, stop, step) and ('n',) entries, "
            f"got {_what_it_is(value)}"
        )
    return None


def _broadcast_jvp(x_dot: Any, out: Any, x: Any, *, shape: tuple[int, ...]) -> Any:
    """``x_dot`` broadcast like ``x``; batch axes stay in front, so ``x``'s missing axes go after them."""
    batch = np.shape(x_dot)[: _batch(x_dot, x)]
    missing = len(shape) - np.ndim(x)
    if batch and missing:
        x_dot = np.reshape(x_dot, batch + (1,) * missing + np.shape(x))
    return np.broadcast_to(x_dot, batch + tuple(shape))


def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(k) for k in np.argsort(axes))


def _integer_pow_d(x: Any, y: int) -> Any:
    """d(x**y)/dx for an integer y, with as little arithmetic as the exponent allows."""
    if y == 0:
        return np.zeros_like(x)
    if y == 1:
        return np.ones_like(x)
    if y == 2:
        return 2 * x
    return y * el.power(x, y - 1)


def _lower_exponent(y: Any) -> Any:
    """y - 1 for d(x**y)/dx = y x**(y-1), and 0 where y is 0: the derivative of x**0 = 1 is 0 at
    x = 0 too (not 0 * inf = nan), as in JAX. ``y == 0`` adds exactly 1 there and nothing elsewhere."""
    return y - 1 + el.equal(y, 0)


def _log_base(x: Any) -> Any:
    """log(x) for d(x**y)/dy, with log(0) read as log(1) = 0, as JAX does: d/dy 0**y is 0, not nan.

    ``x + (x == 0)`` turns exactly the zeros into ones and leaves every other x as it is.
    """
    return el.log(x + el.equal(x, 0))


_LN2, _LN10 = math.log(2.0), math.log(10.0)  # d log2(x)/dx = 1 / (x ln 2), d 2^x/dx = 2^x ln 2


def _max_share(x: Any, y: Any) -> Any:
    """The share of d max(x, y) that goes to x: 1 where x > y, 1/2 at ties, else 0."""
    return el.greater(x, y) + 0.5 * el.equal(x, y)


# --- edge partials ----------------------------------------------------------------------


@dataclass(frozen=True)
class Partial:
    """The local partial d(out)/d(argument) of an elementwise primitive: the label of one edge.

    It is stated once, and both sweeps read it: a tangent crosses the edge forward as
    ``x_dot * p``, an adjoint crosses it backward as ``y_bar * p``. ``kind`` says how:
    ``"zero"`` passes nothing (the edge of a comparison: a mask has no derivative, and its
    argument gets no tangent or adjoint through it), ``"one"`` passes the value on, ``"minus_one"`` negates it, ``"times"`` multiplies it by
    ``rule(out, *args)`` and ``"over"`` divides it by ``rule(out, *args)`` (so
    ``d(log x)/dx`` costs one division, as ``x_dot / x``, not a reciprocal and a product).
    """

    kind: str
    rule: Rule | None = None

    def across(self, v: Any, out: Any, *args: Any, **params: Any) -> Any:
        """A tangent (forward) or an adjoint (backward) ``v`` carried across the edge."""
        if self.kind == "zero":
            return None  # nothing crosses: a structural zero (sweeps never ask)
        if self.kind == "one":
            return v
        if self.kind == "minus_one":
            return -v
        if self.kind == "times":
            return v * self.rule(out, *args, **params)
        if self.kind == "picks":  # v itself where the mask is not 0, else 0: never multiplied by it
            return el.where(self.rule(out, *args, **params), v, 0.0)
        return v / self.rule(out, *args, **params)

    def value(self, out: Any, *args: Any, **params: Any) -> Any:
        """The partial itself at a point: the number on the edge in colah's figures."""
        if self.kind == "zero":
            return np.float64(0.0)
        if self.kind == "one":
            return np.float64(1.0)
        if self.kind == "minus_one":
            return np.float64(-1.0)
        if self.kind in ("times", "picks"):
            return self.rule(out, *args, **params)
        return 1 / self.rule(out, *args, **params)


ZERO, ONE, MINUS_ONE = Partial("zero"), Partial("one"), Partial("minus_one")


def times(rule: Rule) -> Partial:
    """The partial ``rule(out, *args)``, multiplying what crosses its edge."""
    return Partial("times", rule)


def picks(mask: Rule) -> Partial:
    """The partial 1 where ``mask(out, *args)`` is not 0, else 0, passing what crosses or a 0 (``select``'s)."""
    return Partial("picks", mask)


def over(rule: Rule) -> Partial:
    """The partial ``1 / rule(out, *args)``, dividing what crosses its edge."""
    return Partial("over", rule)


# --- the table ------------------------------------------------------------------------

PRIMITIVES: dict[str, Primitive] = {}


def _sum_all(x: Any) -> Any:
    """Every element of ``x`` summed: ``np.sum(x)`` without its dispatch."""
    return np.add.reduce(x, axis=None)


def _method(name: str, *args: Any) -> Callable[[Any], Any]:
    """``x.name(*args)``: numpy arrays' and scalars' own method, without ``np.name``'s dispatch."""
    call = operator.methodcaller(name, *args)
    return lambda x: call(x) if isinstance(x, np.ndarray | np.generic) else getattr(np, name)(x, *args)


def _define(
    name: str,
    arity: int,
    impl: Rule,
    partials: tuple[Partial, ...] | None = None,
    jvp: tuple | None = None,
    vjp: tuple | None = None,
    **kw: Any,
) -> Primitive:
    """Add a primitive to the table: elementwise ones by their ``partials`` (one per argument),
    structural ones (sum, matmul) by a linear ``jvp`` rule and its transpose ``vjp`` per argument."""
    if partials is not None:
        if jvp is not None or vjp is not None or len(partials) != arity:
            raise PrimitiveDefinitionError(
                f"primitive {name!r}: give one partial per argument ({arity}), no rules"
            )
        if not all(isinstance(p, Partial) for p in partials):
            raise PrimitiveDefinitionError(
                f"primitive {name!r}: partials are ONE, MINUS_ONE, ZERO, times(...), over(...) or picks(...)"
            )
        _check_listed(name, impl, arity, kw.get("params", ()), "evaluation")
        for i, p in enumerate(partials):
            if p.rule is not None:
                _check_listed(name, p.rule, arity + 1, kw.get("params", ()), f"partial by argument {i}")
        jvp = vjp = tuple(p.across for p in partials)
    elif kw.get("elementwise", True) or jvp is None or vjp is None or not len(jvp) == len(vjp) == arity:
        raise PrimitiveDefinitionError(
            f"primitive {name!r}: an elementwise primitive states its partials; a structural one "
            f"(elementwise=False) a linear forward rule and its transpose per argument ({arity})"
        )
    zero_args = frozenset(i for i, p in enumerate(partials or ()) if p.kind == "zero")
    PRIMITIVES[name] = prim = Primitive(
        name, arity, impl, tuple(jvp), tuple(vjp), partials=partials, zero_args=zero_args, **kw
    )
    return prim


def define(
    name: str,
    arity: int,
    impl: Rule,
    partials: tuple[Partial, ...] | None = None,
    jvp: tuple | None = None,
    vjp: tuple | None = None,
    *,
    check: bool = True,
    **kw: Any,
) -> Primitive:
    """Add a primitive to the table, checked: a new name, listed operations only, and (with
    ``check``) each stated partial against central differences of ``impl`` at a probe point.

    An elementwise primitive states one partial per argument (``ONE``, ``MINUS_ONE``,
    ``ZERO``, ``times(rule)``, ``over(rule)``, ``picks(rule)``; a rule takes the output
    then the arguments); a structural one (``elementwise=False``) a linear forward rule and
    its transpose per argument. ``check=False`` skips the comparison with differences (to
    define a primitive wrong on purpose, as tests of derivative checkers do).

    >>> import numpy as np
    >>> from graphdiff.primitives import define, times
    >>> cube = define("doc_cube", 1, lambda x: x * x * x, partials=(times(lambda out, x: 3 * (x * x)),))
    >>> cube(2.0)
    8.0
    >>> define("doc_cube_wrong", 1, lambda x: x * x * x, partials=(times(lambda out, x: x * x),))
    Traceback (most recent call last):
    ...
    graphdiff.errors.PrimitiveDefinitionError: primitive 'doc_cube_wrong': its partial by argument 0 is 0.09 at x0=0.3, but central differences of its evaluation give 0.27
    >>> del PRIMITIVES["doc_cube"]
    """
    if name in PRIMITIVES:
        raise PrimitiveDefinitionError(
            f"primitive {name!r} exists already (graphdiff.PRIMITIVES[{name!r}]): a graph naming it would "
            "change meaning; choose another name"
        )
    prim = _define(name, arity, impl, partials, jvp, vjp, **kw)
    if check and partials is not None and not kw.get("params"):
        try:
            _check_against_differences(prim)
        except PrimitiveDefinitionError:
            del PRIMITIVES[name]
            raise
    return prim


def _check_against_differences(prim: Primitive) -> None:
    """Each stated partial of ``prim`` against central differences of its evaluation, at
    ``x_k = 0.3 + 0.17 k`` (where both are finite); a disagreement is refused naming the argument."""
    point = [0.3 + 0.17 * k for k in range(prim.arity)]
    with np.errstate(all="ignore"):
        out = prim.impl(*map(np.float64, point))
        for i, p in enumerate(prim.partials):
            h = 1e-6 * max(1.0, abs(point[i]))
            up, down = list(point), list(point)
            up[i] += h
            down[i] -= h
            difference = (
                float(prim.impl(*map(np.float64, up))) - float(prim.impl(*map(np.float64, down)))
            ) / (2 * h)
            stated = float(p.value(out, *map(np.float64, point)))
            if not (np.isfinite(difference) and np.isfinite(stated)):
                continue
            if abs(stated - difference) > 1e-5 * (1.0 + abs(difference)):
                at = ", ".join(f"x{k}={v:g}" for k, v in enumerate(point))
                raise PrimitiveDefinitionError(
                    f"primitive {prim.name!r}: its partial by argument {i} is {stated:.6g} at {at}, but "
                    f"central differences of its evaluation give {difference:.6g}"
                )


def _check_listed(name: str, rule: Rule, n_values: int, params: tuple, what: str) -> None:
    """Refuse a rule that uses a numpy operation graphdiff cannot count or compile, naming both."""
    probe_params = {p: 2 for p in params}  # integer parameters (integer_pow's y)
    try:
        unlisted = el.unlisted_operation(rule, n_values, probe_params)
    except TypeError as err:  # the wrong number of values
        raise PrimitiveDefinitionError(
            f"primitive {name!r}: its {what} cannot be called on {n_values} value(s) "
            f"({'the arguments' if what == 'evaluation' else 'the output, then the arguments'}): {err}"
        ) from None
    if unlisted is not None:
        raise PrimitiveDefinitionError(
            f"primitive {name!r}: its {what} uses {unlisted}, which is not among the operations "
            "graphdiff can count and compile (graphdiff.primitives.elementary.OPERATIONS)"
        )


# fmt: off
add = _define("add", 2, np.add, partials=(ONE, ONE))
sub = _define("sub", 2, np.subtract, partials=(ONE, MINUS_ONE))
mul = _define("mul", 2, np.multiply, partials=(
    times(lambda out, x, y: y),
    times(lambda out, x, y: x)))
div = _define("div", 2, np.true_divide, partials=(
    over(lambda out, x, y: y),
    times(lambda out, x, y: -(out / y))))
neg = _define("neg", 1, np.negative, partials=(MINUS_ONE,))
pow = _define("pow", 2, el.power, partials=(  # noqa: A001 - the primitive's name
    times(lambda out, x, y: y * el.power(x, _lower_exponent(y))),
    times(lambda out, x, y: _log_base(x) * out)))
integer_pow = _define("integer_pow", 1, lambda x, *, y: el.power(x, y), partials=(
    times(lambda out, x, *, y: _integer_pow_d(x, y)),), params=("y",))
square = _define("square", 1, np.square, partials=(times(lambda out, x: 2 * x),))
sqrt = _define("sqrt", 1, el.sqrt, partials=(over(lambda out, x: 2 * out),))
exp = _define("exp", 1, el.exp, partials=(times(lambda out, x: out),))
log = _define("log", 1, el.log, partials=(over(lambda out, x: x),))
sin = _define("sin", 1, el.sin, partials=(times(lambda out, x: el.cos(x)),))
cos = _define("cos", 1, el.cos, partials=(times(lambda out, x: -el.sin(x)),))
tan = _define("tan", 1, el.tan, partials=(times(lambda out, x: 1 + out * out),))
tanh = _define("tanh", 1, el.tanh, partials=(times(lambda out, x: 1 - out * out),))
sigmoid = _define("sigmoid", 1, lambda x: 1 / (1 + el.exp(-x)), partials=(
    times(lambda out, x: out * (1 - out)),))
relu = _define("relu", 1, lambda x: el.maximum(x, 0.0), partials=(times(lambda out, x: el.greater(x, 0)),))
abs = _define("abs", 1, np.absolute, partials=(times(lambda out, x: el.sign(x)),))  # noqa: A001
atan2 = _define("atan2", 2, el.arctan2, partials=(  # atan2(y, x): the angle of the point (x, y)
    times(lambda out, y, x: x / (x * x + y * y)),
    times(lambda out, y, x: -y / (x * x + y * y))))
maximum = _define("maximum", 2, el.maximum, partials=(
    times(lambda out, x, y: _max_share(x, y)),
    times(lambda out, x, y: _max_share(y, x))))
minimum = _define("minimum", 2, el.minimum, partials=(
    times(lambda out, x, y: _max_share(y, x)),
    times(lambda out, x, y: _max_share(x, y))))
log1p = _define("log1p", 1, el.log1p, partials=(over(lambda out, x: 1 + x),))
expm1 = _define("expm1", 1, el.expm1, partials=(times(lambda out, x: out + 1),))
log2 = _define("log2", 1, el.log2, partials=(over(lambda out, x: x * _LN2),))
log10 = _define("log10", 1, el.log10, partials=(over(lambda out, x: x * _LN10),))
exp2 = _define("exp2", 1, el.exp2, partials=(times(lambda out, x: out * _LN2),))
sinh = _define("sinh", 1, el.sinh, partials=(times(lambda out, x: el.cosh(x)),))
cosh = _define("cosh", 1, el.cosh, partials=(times(lambda out, x: el.sinh(x)),))
arcsin = _define("arcsin", 1, el.arcsin, partials=(over(lambda out, x: el.sqrt(1 - x * x)),))
arccos = _define("arccos", 1, el.arccos, partials=(over(lambda out, x: -el.sqrt(1 - x * x)),))
arctan = _define("arctan", 1, el.arctan, partials=(over(lambda out, x: 1 + x * x),))
arcsinh = _define("arcsinh", 1, el.arcsinh, partials=(over(lambda out, x: el.sqrt(x * x + 1)),))
arctanh = _define("arctanh", 1, el.arctanh, partials=(over(lambda out, x: 1 - x * x),))
reciprocal = _define("reciprocal", 1, np.reciprocal, partials=(times(lambda out, x: -(out * out)),))
greater = _define("greater", 2, el.greater, partials=(ZERO, ZERO))  # a mask: 1.0 where x > y
equal = _define("equal", 2, el.equal, partials=(ZERO, ZERO))  # a mask: 1.0 where x == y
greater_equal = _define("greater_equal", 2, el.greater_equal, partials=(ZERO, ZERO))  # 1.0 where x >= y
not_equal = _define("not_equal", 2, el.not_equal, partials=(ZERO, ZERO))  # 1.0 where x != y
sign = _define("sign", 1, el.sign, partials=(ZERO,))
select = _define("select", 3, el.where, partials=(  # np.where(c, x, y), c a mask: x where c is not 0
    ZERO,
    picks(lambda out, c, x, y: el.not_equal(c, 0.0)),  # the branch not taken passes 0: an infinite
    picks(lambda out, c, x, y: el.equal(c, 0.0))))      # derivative there never multiplies into nan
sum = _define("sum", 1, np.sum,  # noqa: A001 - the primitive's name; sums every element
    bound=lambda: _sum_all,
    jvp=(_sum_jvp,),
    vjp=(lambda y_bar, out, x: np.broadcast_to(y_bar, np.shape(x)),),
    shape=lambda x: (), elementwise=False)
reshape = _define("reshape", 1, lambda x, *, shape: np.reshape(x, shape),
    bound=lambda *, shape: _method("reshape", shape),
    jvp=(lambda x_dot, out, x, *, shape: np.reshape(x_dot, np.shape(x_dot)[:_batch(x_dot, x)] + tuple(shape)),),
    vjp=(lambda y_bar, out, x, *, shape: np.reshape(y_bar, np.shape(x)),),
    shape=_reshape_shape, elementwise=False, params=("shape",))
broadcast_to = _define("broadcast_to", 1, lambda x, *, shape: np.broadcast_to(x, shape),
    jvp=(_broadcast_jvp,),
    vjp=(lambda y_bar, out, x, *, shape: _unbroadcast(y_bar, np.shape(x)),),
    shape=_broadcast_to_shape, elementwise=False, params=("shape",))
reduce_sum = _define("reduce_sum", 1, lambda x, *, axes: np.sum(x, axis=tuple(axes)),
    bound=lambda *, axes: functools.partial(np.add.reduce, axis=tuple(axes)),
    jvp=(lambda x_dot, out, x, *, axes: np.sum(x_dot, axis=tuple(a + _batch(x_dot, x) for a in axes)),),
    vjp=(lambda y_bar, out, x, *, axes: _sum_back(y_bar, x, tuple(axes)),),
    shape=_reduce_sum_shape, elementwise=False, params=("axes",))
reduce_max = _define("reduce_max", 1, lambda x, *, axes: np.maximum.reduce(x, axis=tuple(axes)),
    bound=lambda *, axes: functools.partial(np.maximum.reduce, axis=tuple(axes)),
    jvp=(_extreme_jvp,), vjp=(_extreme_vjp,),  # linear in the tangent: the share is fixed at the point
    shape=_reduce_sum_shape, elementwise=False, params=("axes",))
reduce_min = _define("reduce_min", 1, lambda x, *, axes: np.minimum.reduce(x, axis=tuple(axes)),
    bound=lambda *, axes: functools.partial(np.minimum.reduce, axis=tuple(axes)),
    jvp=(_extreme_jvp,), vjp=(_extreme_vjp,),
    shape=_reduce_sum_shape, elementwise=False, params=("axes",))
getitem = _define("getitem", 1, lambda x, *, index: x[index_key(index)],
    jvp=(_getitem_jvp,),
    vjp=(lambda y_bar, out, x, *, index: scatter(y_bar, index=index, shape=np.shape(x)),),
    shape=_index_shape, elementwise=False, params=("index",))
scatter = _define("scatter", 1, _scatter_impl,  # getitem's transpose: no arithmetic, numbers moved
    jvp=(_scatter_jvp,),
    vjp=(lambda x_bar, out, y, *, index, shape: getitem(x_bar, index=index),),
    shape=_scatter_shape, elementwise=False, params=("index", "shape"))
gather = _define("gather", 1, lambda x, *, indices, shape, lead: x[_fancy_key(indices, shape, lead)],
    bound=lambda *, indices, shape, lead: operator.itemgetter(_fancy_key(indices, shape, lead)),
    jvp=(_gather_jvp,),
    vjp=(lambda y_bar, out, x, *, indices, shape, lead: (
        _scatter_add_impl if type(y_bar) is np.ndarray else scatter_add)(  # numbers: no dispatch needed
        y_bar, indices=indices, shape=shape, lead=lead, into=np.shape(x)),),
    shape=_gather_shape, elementwise=False, params=("indices", "shape", "lead"))
scatter_add = _define("scatter_add", 1, _scatter_add_impl,  # gather's transpose: an add per element placed
    jvp=(_scatter_add_jvp,),
    vjp=(lambda x_bar, out, y, *, indices, shape, lead, into: gather(
        x_bar, indices=indices, shape=shape, lead=lead),),
    shape=lambda y, *, indices, shape, lead, into: tuple(into),
    elementwise=False, params=("indices", "shape", "lead", "into"))
cumsum = _define("cumsum", 1, lambda x, *, axis: np.cumsum(x, axis=axis),  # running sums: k - 1 adds
    jvp=(lambda x_dot, out, x, *, axis: cumsum(x_dot, axis=axis + _batch(x_dot, x)),),
    vjp=(_cumsum_vjp,),
    shape=_cumsum_shape, elementwise=False, params=("axis",))
concat = _define("concat", 2, lambda a, b, *, axis: np.concatenate([a, b], axis=axis),
    jvp=(_concat_jvp(0), _concat_jvp(1)), vjp=(_concat_vjp(0), _concat_vjp(1)),
    shape=_concat_shape, elementwise=False, params=("axis",))
transpose = _define("transpose", 1, lambda x, *, axes: np.transpose(x, axes),
    bound=lambda *, axes: _method("transpose", axes),
    jvp=(lambda x_dot, out, x, *, axes: np.transpose(
        x_dot, tuple(range(_batch(x_dot, x))) + tuple(a + _batch(x_dot, x) for a in axes)),),
    vjp=(lambda y_bar, out, x, *, axes: np.transpose(y_bar, _inverse(tuple(axes))),),
    shape=_transpose_shape, elementwise=False, params=("axes",))
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
    np.minimum: minimum,
    np.log1p: log1p,
    np.expm1: expm1,
    np.log2: log2,
    np.log10: log10,
    np.exp2: exp2,
    np.sinh: sinh,
    np.cosh: cosh,
    np.arcsin: arcsin,
    np.arccos: arccos,
    np.arctan: arctan,
    np.arcsinh: arcsinh,
    np.arctanh: arctanh,
    np.reciprocal: reciprocal,
    np.sign: sign,
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
