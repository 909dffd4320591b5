"""Let numpy ufuncs and Python operators on boxed values (tracers, duals) reach the primitives."""

from __future__ import annotations

import copy as _copy
import functools
import inspect
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from graphdiff.errors import IndexingError, ShapeError, TracerError, ValueTypeError
from graphdiff.primitives.table import (
    add,
    broadcast_to,
    concat,
    cumsum,
    div,
    gather,
    getitem,
    matmul,
    mul,
    neg,
    primitive_for_ufunc,
    reduce_max,
    reduce_min,
    reduce_sum,
    reshape,
    select,
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


def _axes(x: Any, axis: Any) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple, negative counting from the end) as sorted axes of ``x``."""
    ndim = len(_shape(x))
    if axis is None:
        return tuple(range(ndim))
    axes = [int(a) for a in np.atleast_1d(axis).tolist()]
    if any(not -ndim <= a < ndim for a in axes) or len(set(a % ndim for a in axes)) != len(axes):
        raise ShapeError(f"axis {axis!r} is out of range or repeated for an array of {ndim} dimensions")
    return tuple(sorted(a % ndim for a in axes))


def _kept(x: Any, reduced: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """``reduced`` with the reduced axes kept as length 1 (``keepdims=True``), or as it is."""
    if not keepdims or not axes:
        return reduced
    return reshape(reduced, shape=tuple(1 if k in axes else n for k, n in enumerate(_shape(x))))


def _sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.sum(x, axis)``: the sum primitive over every axis, reduce_sum over some, x itself over none."""
    axes = _axes(x, axis)
    if not axes:
        return x
    total = sum(x) if axes == tuple(range(len(_shape(x)))) else reduce_sum(x, axes=axes)
    return _kept(x, total, axes, keepdims)


def _extreme(prim: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.max`` / ``np.min`` over ``axis``; tied elements share the derivative equally."""
    axes = _axes(x, axis)
    if not axes:
        return x
    if 0 in [_shape(x)[a] for a in axes]:
        raise ShapeError(
            f"the {prim.name} of an empty array (shape {_shape(x)}) over axes {axes} is undefined"
        )
    return _kept(x, prim(x, axes=axes), axes, keepdims)


def _mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.mean``: the sum over ``axis`` divided by how many elements each sum has."""
    axes = _axes(x, axis)
    count = int(np.prod([_shape(x)[a] for a in axes], dtype=int))
    if count == 0:
        raise ShapeError(f"the mean of no elements (shape {_shape(x)}, axes {axes}) is undefined")
    return x if not axes else div(_sum(x, axes, keepdims), float(count))


def concatenate(arrays: Any, axis: int = 0) -> Any:
    """``np.concatenate`` for traced, dual and plain values alike: pieces joined along ``axis``.

    >>> import numpy as np, graphdiff as gd
    >>> gd.grad(lambda x, y: gd.sum(gd.concatenate([x, 2.0 * y]) ** 2))(np.ones(2), np.ones(1))
    (array([2., 2.]), array([8.]))
    """
    pieces = list(arrays)
    if not pieces:
        raise ShapeError("need at least one array to concatenate")
    ndim = len(_shape(pieces[0]))
    if ndim == 0:
        raise ShapeError("cannot concatenate numbers (arrays with no axes): use stack")
    if not -ndim <= int(axis) < ndim:
        raise ShapeError(f"axis {axis} is out of range for arrays of {ndim} dimensions")
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = concat(joined, piece, axis=int(axis) % ndim)
    return joined


def stack(arrays: Any, axis: int = 0) -> Any:
    """``np.stack``: pieces of one shape joined along a new ``axis``. ``gd.stack([x, y, 1.0])`` makes a vector.

    >>> import graphdiff as gd
    >>> gd.jacfwd(lambda x, y: gd.stack([x * y, x + 1.0]))(2.0, 3.0)   # one output: a block per input
    (array([3., 1.]), array([2., 0.]))
    """
    pieces = list(arrays)
    if not pieces:
        raise ShapeError("need at least one array to stack")
    shapes = {tuple(_shape(p)) for p in pieces}
    if len(shapes) != 1:
        raise ShapeError(f"stacked arrays must have one shape, got {sorted(shapes)}")
    ndim = len(shapes.pop()) + 1
    if not -ndim <= int(axis) < ndim:
        raise ShapeError(f"axis {axis} is out of range for the stack's {ndim} dimensions")
    return concatenate([_expand_dims(p, int(axis) % ndim) for p in pieces], axis=axis)


# what to write instead of numpy calls that have no primitive
_ALTERNATIVES = {  # what to write instead, for numpy functions with no primitive
    "numpy.inner": "write gd.sum(x * y) or x @ y",
    "numpy.cbrt": "write x ** (1 / 3) for x > 0",
    "numpy.hypot": "write gd.sqrt(x * x + y * y)",
    "numpy.fabs": "write gd.abs(x)",
    "numpy.float_power": "write x ** y",
    "numpy.positive": "write x (or +x)",
    "numpy.tensordot": "write np.einsum with the axes named, or x @ y",
    "numpy.hstack": "write np.concatenate([...], axis=1) (axis=0 for 1-D arrays)",
    "numpy.vstack": "write np.concatenate([...], axis=0) (np.stack([...]) for 1-D arrays)",
    "numpy.column_stack": "write np.stack([...], axis=1)",
    "numpy.atleast_1d": "write x.reshape(-1) or x[None]",
    "numpy.atleast_2d": "write x[None, :] or x.reshape(1, -1)",
    "numpy.moveaxis": "write np.transpose(x, axes) with the axes in their new order",
    "numpy.diff": "write x[1:] - x[:-1]",
    "numpy.average": "write np.sum(w * x) / np.sum(w), or np.mean(x)",
    "numpy.nan_to_num": "write np.where(x == x, x, 0.0) with the value you want for nan",
    "numpy.sort": "use np.max or np.min for the extremes; a sort's order is not differentiable as a graph here",
    "numpy.argmax": "it has no derivative: compute it on plain numbers outside the traced function",
    "numpy.argmin": "it has no derivative: compute it on plain numbers outside the traced function",
    "numpy.argsort": "it has no derivative: compute it on plain numbers outside the traced function",
    "numpy.split": "write the pieces as slices: x[:k], x[k:]",
    "numpy.array_split": "write the pieces as slices: x[:k], x[k:]",
    "numpy.cumprod": "write the running products as a loop of products, or np.exp(np.cumsum(np.log(x))) for x > 0",
    "numpy.logaddexp": "write gd.logsumexp(np.stack([x, y]), axis=0)",
    "numpy.arccosh": "write np.log(x + np.sqrt(x * x - 1.0)) for x > 1",
    "numpy.floor": "it is piecewise constant (derivative 0): apply it to plain numbers outside the traced function",
    "numpy.ceil": "it is piecewise constant (derivative 0): apply it to plain numbers outside the traced function",
    "numpy.round": "it is piecewise constant (derivative 0): apply it to plain numbers outside the traced function",
    "numpy.rint": "it is piecewise constant (derivative 0): apply it to plain numbers outside the traced function",
    "numpy.linalg.det": "linear algebra beyond products has no primitive: for a 2 x 2 matrix write a*d - b*c",
    "numpy.linalg.inv": "linear algebra beyond products has no primitive: solve outside, or write the 2 x 2 inverse",
    "numpy.linalg.solve": "linear algebra beyond products has no primitive: solve on plain numbers outside",
    "ufunc expit": "write gd.sigmoid(x)",
    "ufunc logit": "write np.log(x / (1.0 - x))",
    "ufunc log_expit": "write -gd.log(1.0 + gd.exp(-x)), or -np.logaddexp(0, -x) on plain numbers",
    "ufunc xlogy": "write x * np.log(y)",
}


def numpy_name(func: Any) -> str:
    """How a numpy function is spelled: ``numpy.linalg.svd``, ``numpy.cumsum`` (not numpy's private modules)."""
    module = getattr(func, "__module__", None) or "numpy"
    public = (
        module
        if module.startswith("numpy.") and not module.startswith(("numpy._", "numpy.core", "numpy.lib"))
        else "numpy"
    )
    return f"{public}.{getattr(func, '__name__', repr(func))}"


def ufunc_name(ufunc: np.ufunc, method: str = "__call__") -> str:
    """How a ufunc is spelled in messages: ``numpy.sin``, ``numpy.add.reduce``; one numpy does
    not export (scipy.special's expit) is ``ufunc expit``."""
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    return f"numpy.{name}" if getattr(np, ufunc.__name__, None) is ufunc else f"ufunc {name}"


def _without_defaults(kwargs: dict) -> dict:
    """``kwargs`` without the ones that ask for what tracing does anyway: ``out=None``,
    ``where=True``, ``dtype=float`` (float64), ``order='C'``, ``casting='same_kind'``."""
    kept = {}
    for k, v in kwargs.items():
        if k in ("out", "dtype") and v is None or k == "where" and v is True:
            continue
        if k == "order" and v == "C" or k == "casting" and v == "same_kind":
            continue
        if k == "dtype":
            try:
                if np.dtype(v) == np.float64:
                    continue
            except TypeError:
                pass
        kept[k] = v
    return kept


def unsupported(what: str, where: str, keywords: Any = ()) -> str:
    """The message for an operation with no primitive: what it was, where, and what to write
    instead; for a function graphdiff traces without them, the ``keywords`` it was given."""
    traced = _TRACED_WITHOUT_KEYWORDS().get(what)
    if keywords and traced is not None:
        refused = [k for k in keywords if k not in traced]
        given = ", ".join(f"{k}=" for k in refused or keywords)
        taken = f" ({', '.join(f'{k}=' for k in traced)} are traced)" if traced else ""
        return f"{what} with {given} cannot be traced ({where}): call it without {given}{taken}"
    alternative = _ALTERNATIVES.get(what)
    instead = f"; {alternative}" if alternative else "; the primitives are listed in graphdiff.PRIMITIVES"
    return f"{what} has no graphdiff primitive ({where}){instead}"


@functools.cache
def _TRACED_WITHOUT_KEYWORDS() -> dict[str, tuple[str, ...]]:
    """The numpy functions traced with some arguments (the reductions, the composites, the
    shape functions), by name, and the keywords each is traced with."""
    traced: dict[str, tuple[str, ...]] = {}
    for f, handler in [*_REDUCTIONS.items(), *_COMPOSITES.items()]:
        parameters = list(inspect.signature(handler).parameters.values())[1:]
        traced[numpy_name(f)] = tuple(p.name for p in parameters if p.kind is not p.VAR_POSITIONAL)
    for f in _SHAPE_FUNCTIONS:
        traced[numpy_name(f)] = ("axis",) if f in (np.concatenate, np.stack, np.cumsum, np.squeeze) else ()
    return traced


def _by_name(ufunc: np.ufunc) -> Any:
    def method(self: Any) -> Any:
        return ufunc(self)

    method.__name__ = ufunc.__name__
    method.__doc__ = f"``np.{ufunc.__name__}(x)``: numpy calls it on each element of an array of objects."
    return method


_COMPOSITES: dict = {}  # numpy functions written with primitives (graphdiff.primitives.composite fills it)

_REDUCTIONS = {
    np.sum: _sum,
    np.mean: _mean,
    np.max: lambda x, axis=None, keepdims=False: _extreme(reduce_max, x, axis, keepdims),
    np.min: lambda x, axis=None, keepdims=False: _extreme(reduce_min, x, axis, keepdims),
}
_REDUCTIONS[np.amax], _REDUCTIONS[np.amin] = _REDUCTIONS[np.max], _REDUCTIONS[np.min]
_SHAPE_FUNCTIONS = (
    np.concatenate, np.stack, np.cumsum, np.ravel, np.expand_dims, np.squeeze, np.reshape,
    np.broadcast_to, np.transpose, np.swapaxes, np.dot, np.matmul, np.where,
)  # fmt: skip


def _reshape(x: Any, shape: Any) -> Any:
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=int))
        shape = tuple(int(np.prod(_shape(x), dtype=int)) // known if n == -1 else n for n in shape)
    return x if shape == _shape(x) else reshape(x, shape=shape)


def _index(shape: tuple[int, ...], key: Any) -> tuple | None:
    """A numpy key of ints, slices, None and ``...`` as a stored index; None if it takes all of x."""
    key = key if isinstance(key, tuple) else (key,)
    if [k is Ellipsis for k in key].count(True) > 1:  # (sum here is the primitive)
        raise IndexingError("an index can only have a single ellipsis ('...')")
    axes_named = len([k for k in key if k is not None and k is not Ellipsis])
    expanded: list = []
    for k in key:
        expanded += [slice(None)] * (len(shape) - axes_named) if k is Ellipsis else [k]
    entries, axis = [], 0
    for k in expanded:
        if k is None:
            entries.append(("n",))
            continue
        if axis >= len(shape):
            raise IndexingError(f"too many indices for an array of shape {shape}: {key}")
        n = shape[axis]
        if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
            if not -n <= int(k) < n:
                raise IndexingError(f"index {int(k)} is out of range for axis {axis} of length {n}")
            entries.append(("i", int(k) % n))
        elif isinstance(k, slice):
            try:
                start, stop, step = k.indices(n)
            except TypeError:
                raise IndexingError(
                    f"slice {k} needs whole numbers or None for start, stop and step"
                ) from None
            # an empty slice is stored as one: (-1, -1, -1) would read as "from the last element"
            entries.append(("s", start, stop, step) if len(range(start, stop, step)) else ("s", 0, 0, 1))
        elif isinstance(k, Box):
            _traced_index(k)
        else:
            raise IndexingError(
                f"indexing with {type(k).__name__} {k!r} is not supported: indices are ints, slices, "
                "None, '...', integer arrays and boolean masks"
            )
        axis += 1
    whole = all(e[0] == "s" and e[1:] == (0, shape[a], 1) for a, e in enumerate(entries))
    return None if whole and len(entries) <= len(shape) else tuple(entries)


def _is_index_array(k: Any) -> bool:
    return isinstance(k, (list, np.ndarray)) and not isinstance(k, Box)


def _masks_as_indices(shape: tuple[int, ...], parts: tuple) -> tuple:
    """A constant boolean mask in an index stands for the integer indices of its True
    entries, as in numpy (``x[mask]`` is ``x[np.nonzero(mask)]``); the mask must match the
    axes it covers."""
    out, axis = [], 0
    for part in parts:
        mask = np.asarray(part) if _is_index_array(part) else None
        if mask is not None and mask.dtype == bool:
            if mask.ndim == 0:
                raise IndexingError(
                    "a boolean index of no axes (x[True]) is not supported: index with None instead"
                )
            covered = shape[axis : axis + mask.ndim]
            if mask.shape != covered:
                raise IndexingError(
                    f"a boolean mask of shape {mask.shape} indexes axes {axis}..{axis + mask.ndim - 1} "
                    f"of an array of shape {shape}, which have shape {covered}"
                )
            out.extend(np.nonzero(mask))
            axis += mask.ndim
            continue
        if part is Ellipsis and any(np.asarray(p).dtype == bool for p in parts if _is_index_array(p)):
            raise IndexingError("a boolean mask is supported with slices and integers, not with '...'")
        out.append(part)
        axis += part is not None
    return tuple(out)


def _fancy(x: Any, key: tuple) -> Any:
    """``x[idx]``, ``z[rows, cols]``, ``A[:, idx]``: integer arrays on consecutive axes, after whole ones."""
    shape = _shape(x)
    lead = 0
    while lead < len(key) and isinstance(key[lead], slice) and key[lead] == slice(None):
        lead += 1
    arrays = key[lead:]
    while arrays and isinstance(arrays[-1], slice) and arrays[-1] == slice(None):
        arrays = arrays[:-1]  # A[idx, :]: trailing whole axes are the axes after the indexed ones
    if not arrays or not all(_is_index_array(k) for k in arrays):
        raise IndexingError(
            "integer-array indices are supported on consecutive axes after whole ones (z[rows, cols], "
            f"A[:, idx]); not mixed with other indices as in {key!r}"
        )
    try:
        parts = np.broadcast_arrays(
            *[np.asarray(k) if np.size(k) else np.zeros(np.shape(k), dtype=np.intp) for k in arrays]
        )
    except ValueError:
        raise IndexingError(
            f"index arrays of shapes {[np.shape(k) for k in arrays]} do not broadcast"
        ) from None
    if lead + len(parts) > len(shape):
        raise IndexingError(f"too many indices for an array of shape {shape}: {key!r}")
    flat = []
    for k, part in enumerate(parts):
        if part.dtype.kind not in "iu":
            raise IndexingError(f"index array {k} holds {part.dtype} values: indices are integers")
        n = shape[lead + k]
        if part.size and (part.min() < -n or part.max() >= n):
            raise IndexingError(
                f"index array {k} has an index out of range for axis {lead + k} of length {n}"
            )
        flat.append(tuple(int(i) % n for i in part.ravel().tolist()))
    return gather(x, indices=tuple(flat), shape=tuple(parts[0].shape), lead=lead)


def _traced_index(k: Box) -> None:
    raise IndexingError(
        f"indexing with a traced or dual value ({k!r}) is not supported: what it selects would depend on "
        "the numbers; for a mask, write np.where(mask, x, 0.0); indices such as class labels are integer "
        "data, given as an integer array (which is not differentiated), not as a float input"
    )


def _getitem(x: Any, key: Any) -> Any:
    parts = key if isinstance(key, tuple) else (key,)
    for part in parts:
        if isinstance(part, Box):
            _traced_index(part)
    if any(_is_index_array(k) for k in parts):
        return _fancy(x, _masks_as_indices(_shape(x), parts))
    index = _index(_shape(x), key)
    return x if index is None else getitem(x, index=index)


def _expand_dims(x: Any, axis: Any) -> Any:
    shape = list(_shape(x))
    ndim = len(shape) + len(np.atleast_1d(axis))
    for a in sorted(int(a) % ndim for a in np.atleast_1d(axis)):
        shape.insert(a, 1)
    return _reshape(x, shape)


def _squeeze(x: Any, axis: Any = None) -> Any:
    shape = _shape(x)
    axes = [k for k, n in enumerate(shape) if n == 1] if axis is None else list(_axes(x, axis))
    if any(shape[a] != 1 for a in axes):
        raise ShapeError(f"cannot squeeze axes {axes} of an array of shape {shape}: they are not of length 1")
    return _reshape(x, [n for k, n in enumerate(shape) if k not in axes])


def _broadcast_to(x: Any, shape: Any) -> Any:
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    return x if shape == _shape(x) else broadcast_to(x, shape=shape)


def _transpose(x: Any, axes: Any = None) -> Any:
    ndim = len(_shape(x))
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(int(a) % ndim for a in axes)
    return x if axes == tuple(range(ndim)) else transpose(x, axes=axes)


def _cumsum(x: Any, axis: Any = None) -> Any:
    """``np.cumsum``: running sums along ``axis``; over the flattened array when ``axis`` is None."""
    if axis is None:
        return cumsum(_reshape(x, -1), axis=0)
    if not _shape(x):
        raise ShapeError("running sums need an array with at least one axis, got a number")
    return cumsum(x, axis=_axes(x, axis)[0])


def _forward(prim: Any) -> Any:
    return lambda self, other: prim(self, other)


def _reflected(prim: Any) -> Any:
    return lambda self, other: prim(other, self)


MAY_SHARE_NUMBERS = frozenset({"getitem", "reshape", "transpose", "broadcast_to", "gather"})
"""The primitives whose result numpy may give as a view of their first argument's numbers."""


def shares_numbers(prim: Any, args: tuple, out: Box) -> None:
    """Note that ``out`` may share its numbers with ``args[0]`` (numpy's views), so that an
    in-place operator on either is refused rather than followed on one alone."""
    first = args[0] if args else None
    if prim.name in MAY_SHARE_NUMBERS and isinstance(first, Box) and first.shape and out.shape:
        group = first._views
        if group is None:
            group = first._views = [1]
        group[0] += 1
        out._views = group


def _no_others(method: str, others: dict) -> None:
    """Refuse by name the keywords of an array method that graphdiff does not trace (dtype=, where=, out=)."""
    if others:
        given = ", ".join(f"{k}=" for k in others)
        raise TracerError(
            f"x.{method}() with {given} cannot be traced: call it with axis= and keepdims= only"
        )


def _row_major(method: str, order: str) -> None:
    if order != "C":
        raise IndexingError(
            f"x.{method}(order={order!r}): only numpy's row-major order ('C') is traced; column-major is "
            "x.T.reshape(shape[::-1]).T for x.reshape(shape, order='F'), and x.T.ravel() for x.ravel(order='F')"
        )


class Box(NDArrayOperatorsMixin):
    """Base of the value types that primitives dispatch to (``Tracer``, ``Dual``).

    A subclass defines ``_graphdiff_bind_(prim, args, params)`` and a priority; then
    ``x + y``, ``x ** 2``, ``np.sin(x)``, ``np.sum(x)`` and ``x @ y`` all become calls of
    the matching primitive.
    """

    __slots__ = ()
    _graphdiff_priority_ = 0
    _views: list[int] | None = None  # shared by the arrays that share their numbers (see shares_numbers)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if kwargs:
            kwargs = _without_defaults(kwargs)
            out = kwargs.get("out", ())
            if any(type(o) is np.ndarray for o in (out if isinstance(out, tuple) else (out,))):
                raise TracerError(
                    f"numpy.{ufunc.__name__} would write a traced value into a numpy array (y += x with y a "
                    "numpy array, or out=y): numpy arrays hold numbers only; write y = y + x"
                )
        found = primitive_for_ufunc(ufunc, inputs) if method == "__call__" and not kwargs else None
        if found is None:
            return self._unsupported_ufunc(ufunc, method, inputs, kwargs)
        prim, args, params = found
        return prim(*args, **params)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if kwargs:
            kwargs = _without_defaults(kwargs)
        if func is np.copy and len(args) == 1 and not kwargs:
            return args[0].copy() if isinstance(args[0], Box) else np.copy(args[0])
        if func in _QUERIES and len(args) == 1 and not kwargs:  # np.shape(x), np.ndim(x), np.size(x)
            return _QUERIES[func](np.shape(args[0]) if not isinstance(args[0], Box) else args[0].shape)
        if func in _FRESH and len(args) == 1 and not kwargs:  # a constant shaped like x
            shape = args[0].shape if isinstance(args[0], Box) else np.shape(args[0])
            return _FRESH[func](shape)
        if func in _REDUCTIONS and 1 <= len(args) <= 2 and set(kwargs) <= {"axis", "keepdims"}:
            return _REDUCTIONS[func](*args, **kwargs)
        if func is np.where and len(args) == 3 and not kwargs:  # a traced condition is a mask (x > y)
            c = args[0]
            return select(c if isinstance(c, Box) else np.asarray(c, dtype=float), args[1], args[2])
        if func in _COMPOSITES:
            composite = _COMPOSITES[func]
            try:
                inspect.signature(composite).bind(*args, **kwargs)
            except TypeError as err:
                raise TracerError(
                    f"{numpy_name(func)} cannot be traced with these arguments: {err}"
                ) from None
            return composite(*args, **kwargs)
        if func is np.concatenate and 1 <= len(args) <= 2 and set(kwargs) <= {"axis"}:
            return concatenate(*args, **kwargs)
        if func is np.stack and 1 <= len(args) <= 2 and set(kwargs) <= {"axis"}:
            return stack(*args, **kwargs)
        if func is np.cumsum and len(args) <= 2 and set(kwargs) <= {"axis"}:
            return _cumsum(*args, **kwargs)
        if func is np.ravel and len(args) == 1 and not kwargs:
            return _reshape(args[0], -1)
        if func is np.expand_dims and len(args) == 2 and not kwargs:
            return _expand_dims(args[0], args[1])
        if func is np.squeeze and len(args) <= 2 and set(kwargs) <= {"axis"}:
            return _squeeze(args[0], args[1] if len(args) == 2 else kwargs.get("axis"))
        if func is np.reshape and len(args) == 2 and not kwargs:
            return _reshape(args[0], args[1])
        if func is np.broadcast_to and len(args) == 2 and not kwargs:
            return _broadcast_to(args[0], args[1])
        if func is np.transpose and len(args) <= 2 and set(kwargs) <= {"axes"}:
            return _transpose(args[0], args[1] if len(args) == 2 else kwargs.get("axes"))
        if func is np.swapaxes and len(args) == 3 and not kwargs:
            axes = list(range(len(_shape(args[0]))))
            axes[args[1]], axes[args[2]] = axes[args[2]], axes[args[1]]
            return _transpose(args[0], axes)
        if (
            func is np.dot
            and len(args) == 2
            and not kwargs
            and 0 in (len(_shape(args[0])), len(_shape(args[1])))
        ):
            return mul(*args)  # numpy's dot with a scalar is the product
        if func in (np.dot, np.matmul) and len(args) == 2 and not kwargs:
            return matmul(*args)
        return self._unsupported_function(func, args, kwargs)

    # Python's arithmetic operators call the primitives directly: numpy's ufunc override
    # protocol would get there too, at several times the cost per operation
    __add__, __radd__ = _forward(add), _reflected(add)
    __sub__, __rsub__ = _forward(sub), _reflected(sub)
    __mul__, __rmul__ = _forward(mul), _reflected(mul)
    __truediv__, __rtruediv__ = _forward(div), _reflected(div)

    # in-place operators: on a number they make a new value and rebind the name, as on Python
    # floats; on an array they change the value itself, as numpy's do, so that every name
    # bound to it sees the change (after y = x, y += 1 changes x too)
    def __iadd__(self, other: Any) -> Any:
        return self._in_place(self + other, "+=")

    def __isub__(self, other: Any) -> Any:
        return self._in_place(self - other, "-=")

    def __imul__(self, other: Any) -> Any:
        return self._in_place(self * other, "*=")

    def __itruediv__(self, other: Any) -> Any:
        return self._in_place(self / other, "/=")

    def __ipow__(self, other: Any) -> Any:
        return self._in_place(self**other, "**=")

    def __imatmul__(self, other: Any) -> Any:
        return self._in_place(self @ other, "@=")

    def _in_place(self, result: Any, op: str) -> Any:
        """``self`` holding ``result`` (an array: numpy's semantics), or ``result`` (a number: a new value)."""
        if not self.shape or type(result) is not type(self):
            return result
        if result.shape != self.shape:
            raise ShapeError(
                f"y {op} z would make y of shape {self.shape} into shape {result.shape}: numpy does not "
                f"broadcast into y; write y = y {op[:-1]} z"
            )
        if self._views is not None and self._views[0] > 1:
            raise IndexingError(
                f"y {op} z on an array that shares its numbers with another (a slice, reshape, transpose or "
                "broadcast of it, or the array it was made from): numpy would change both, which graphdiff "
                f"does not follow; write y = y {op[:-1]} z for a new array"
            )
        self._become(result)
        return self

    def _become(self, other: Any) -> None:
        raise NotImplementedError  # each value type says how it takes another's value

    def __neg__(self) -> Any:
        return neg(self)

    # indexing, as on arrays: x[0], x[1:], x[::-1], A[:, 1], x[None, :]
    def __getitem__(self, key: Any) -> Any:
        return _getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        raise IndexingError(
            f"a traced or dual value cannot be assigned into (x[{key!r}] = ...): build the new array instead, "
            "np.where(mask, new, x) or np.concatenate([x[:k], new, x[k + 1:]])"
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """numpy's view of a boxed value: an object array of its elements, so that
        ``np.array([a, b, 1.0])`` of boxed values can be joined; never numbers, which would
        drop the derivative (``np.float64(x)``, ``np.asarray(x, dtype=float)`` are refused)."""
        if dtype is not None and np.dtype(dtype) != object:
            self._as_number()
        elements = np.empty(self.shape, dtype=object)
        for index in np.ndindex(self.shape):
            elements[index] = self[index] if self.shape else self
        return elements

    def _as_number(self, *_: Any) -> Any:
        raise NotImplementedError  # each value type says why it has no plain number

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        raise TracerError(
            f"{self!r} cannot be formatted as a number ({spec!r}) inside a differentiated function: "
            "format the numbers outside it, or print the value whole (f'{x}')"
        )

    def __len__(self) -> int:
        if not self.shape:
            raise IndexingError("len() of a value with no axes (a number)")
        return self.shape[0]

    def __iter__(self) -> Any:
        if not self.shape:
            raise IndexingError("iteration over a value with no axes (a number)")
        return (self[i] for i in range(self.shape[0]))

    # array methods, as numpy spells them
    @property
    def T(self) -> Any:  # noqa: N802 - numpy's name
        return _transpose(self)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    def sum(self, axis: Any = None, keepdims: bool = False, **others: Any) -> Any:
        _no_others("sum", others)
        return _sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False, **others: Any) -> Any:
        _no_others("mean", others)
        return _mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False, **others: Any) -> Any:
        _no_others("max", others)
        return _extreme(reduce_max, self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False, **others: Any) -> Any:
        _no_others("min", others)
        return _extreme(reduce_min, self, axis, keepdims)

    def cumsum(self, axis: Any = None, **others: Any) -> Any:
        _no_others("cumsum", others)
        return _cumsum(self, axis)

    def prod(self, axis: Any = None, keepdims: bool = False, **others: Any) -> Any:
        _no_others("prod", others)
        return _COMPOSITES[np.prod](self, axis, keepdims)

    def clip(self, a_min: Any = None, a_max: Any = None, **bounds: Any) -> Any:
        return _COMPOSITES[np.clip](self, a_min, a_max, **bounds)

    def squeeze(self, axis: Any = None) -> Any:
        return _squeeze(self, axis)

    def ravel(self, order: str = "C") -> Any:
        _row_major("ravel", order)
        return _reshape(self, -1)

    flatten = ravel

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        """A copy of the value for a float64 type (values are float64); any other type is refused."""
        try:
            numeric = np.dtype(dtype)
        except TypeError:
            raise ValueTypeError(f"astype({dtype!r}): not a numpy type") from None
        if numeric != np.float64:
            raise ValueTypeError(f"a traced value is float64; astype({dtype!r}) would change its numbers")
        return self.copy() if copy else self

    def copy(self) -> Any:
        """The same value as a new array: an in-place operator on the copy leaves this one as it is."""
        made = _copy.copy(self)
        made._views = None
        return made

    def var(
        self, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False
    ) -> Any:
        _no_others("var", _without_defaults({"dtype": dtype, "out": out}))
        return _COMPOSITES[np.var](self, axis, ddof=ddof, keepdims=keepdims)

    def std(
        self, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False
    ) -> Any:
        _no_others("std", _without_defaults({"dtype": dtype, "out": out}))
        return _COMPOSITES[np.std](self, axis, ddof=ddof, keepdims=keepdims)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        axes = list(range(len(self.shape)))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return _transpose(self, axes)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return _COMPOSITES[np.diagonal](self, offset, axis1, axis2)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return _COMPOSITES[np.trace](self, offset, axis1, axis2)

    def reshape(self, *shape: Any, order: str = "C") -> Any:
        _row_major("reshape", order)
        return _reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Any:
        return _transpose(
            self, (axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes) or None
        )

    def dot(self, other: Any) -> Any:
        return matmul(self, other)

    def conjugate(self) -> Any:
        """The value itself: values are real (numpy asks for it on arrays of objects, in np.var)."""
        return self

    def _unsupported_ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        return NotImplemented

    def _unsupported_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        return NotImplemented


# numpy's loops over arrays of Python objects (np.array([traced, traced, 1.0])) call a
# unary ufunc as a method of each element: np.sin(v) calls v[k].sin()
for _ufunc in (np.sqrt, np.exp, np.log, np.sin, np.cos, np.tan, np.tanh, np.log1p, np.expm1, np.log2,
               np.log10, np.exp2, np.sinh, np.cosh, np.arcsin, np.arccos, np.arctan, np.arcsinh,
               np.arctanh, np.reciprocal, np.sign):  # fmt: skip
    setattr(Box, _ufunc.__name__, _by_name(_ufunc))
