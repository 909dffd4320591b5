"""Functions built from the primitives: each is a few primitive calls, so every mode handles it.

They work on numbers, arrays, duals and tracers alike, and record as their primitives do
(a traced ``logsumexp`` is a max, a subtraction, an exp, a sum, a log and an add).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdiff.errors import ShapeError
from graphdiff.primitives.boxing import (
    _COMPOSITES,
    _axes,
    _extreme,
    _kept,
    _mean,
    _shape,
    _sum,
    _transpose,
    concatenate,
    stack,
)
from graphdiff.primitives.table import (
    concat,
    exp,
    log,
    matmul,
    maximum,
    minimum,
    mul,
    reduce_max,
    reduce_min,
    select,
    sqrt,
)
from graphdiff.primitives.table import sum as _sum_every

__all__ = [
    "sum",
    "logsumexp",
    "softmax",
    "log_softmax",
    "clip",
    "prod",
    "var",
    "std",
    "flip",
    "triu",
    "tril",
    "diagonal",
    "trace",
    "append",
    "repeat",
    "tile",
    "roll",
    "rot90",
    "outer",
    "vdot",
    "einsum",
    "norm",
    "concatenate",
    "stack",
]


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 - numpy's name
    """``np.sum(x, axis, keepdims)``: the sum primitive over every element, ``reduce_sum`` over some axes.

    With neither ``axis`` nor ``keepdims`` this is the ``sum`` primitive itself
    (``graphdiff.primitives.sum``), one node whatever the shape.

    >>> import numpy as np, graphdiff as gd
    >>> x = np.arange(6.0).reshape(2, 3)
    >>> gd.sum(x), gd.sum(x, axis=0), gd.sum(x, axis=1, keepdims=True).shape
    (15.0, array([3., 5., 7.]), (2, 1))
    >>> gd.grad(lambda x: gd.sum(gd.sum(x * x, axis=1) ** 2))(np.ones((2, 2)))[0]
    array([[8., 8.],
           [8., 8.]])
    """
    if axis is None and not keepdims:
        return _sum_every(x)
    return _sum(x, axis, keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``axis``, computed stably: the maximum is shifted out first.

    The shift's derivative cancels exactly, so the gradient is ``softmax(x)``. A slice of
    only ``-inf`` gives ``-inf`` and one holding ``inf`` gives ``inf``, as scipy's does.

    >>> import numpy as np, graphdiff as gd
    >>> float(gd.logsumexp(np.array([1000.0, 1000.0])))   # exp(1000) alone would overflow
    1000.6931471805599
    >>> gd.grad(gd.logsumexp)(np.array([0.0, np.log(3.0)]))[0].round(12).tolist()
    [0.25, 0.75]
    """
    axes = _axes(x, axis)
    if not axes:
        return x
    top = _extreme(reduce_max, x, axes, keepdims=True)
    shift = np.where((top > -np.inf) * (top < np.inf), top, 0.0)  # all -inf (or an inf): no shift, no nan
    total = log(_sum(exp(x - shift), axes, keepdims=True)) + shift
    if keepdims:
        return total
    return np.reshape(total, tuple(n for k, n in enumerate(_shape(x)) if k not in axes))


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x, axis)``: log-probabilities, stable for large ``x``."""
    return x - logsumexp(x, axis, keepdims=True)


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed stably (the maximum shifted out).

    >>> import numpy as np, graphdiff as gd
    >>> gd.softmax(np.array([0.0, np.log(3.0)])).round(12).tolist()
    [0.25, 0.75]
    """
    return exp(log_softmax(x, axis))


def clip(x: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    """``np.clip``: ``minimum(maximum(x, low), high)``; at ``low`` or ``high`` the derivative is shared half.

    The bounds go by position or by numpy's names (``a_min``/``a_max``, or numpy 2's
    ``min``/``max``); ``None`` leaves that side open, as in numpy.
    """
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise ShapeError("clip takes each bound once (a_min or min, a_max or max)")
    low = a_min if a_min is not None else min
    high = a_max if a_max is not None else max
    if low is None and high is None:
        raise ShapeError("clip needs a low or a high bound (both are None)")
    above = x if low is None else maximum(x, low)
    return above if high is None else minimum(above, high)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.prod`` over ``axis``: the elements multiplied pairwise, k - 1 multiplications for k of them.

    Written with products alone, never dividing the whole by one element, so its
    derivative is right where elements are zero. The pairs are taken in halves (the
    first half times the second), so the graph has about log2(k) products of arrays; the
    numbers can differ from numpy's in the last bits, as any other order of products can.
    The product of no elements is 1.

    >>> import numpy as np, graphdiff as gd
    >>> gd.grad(gd.prod)(np.array([2.0, 0.0, 5.0]))[0].tolist()   # d/dx1 is 2 * 5, not 0/0
    [0.0, 10.0, 0.0]
    """
    axes = _axes(x, axis)
    shape = _shape(x)
    rest = tuple(n for k, n in enumerate(shape) if k not in axes)
    k = int(np.prod([shape[a] for a in axes], dtype=int))
    if k == 0:
        return np.ones(rest if not keepdims else tuple(1 if a in axes else n for a, n in enumerate(shape)))
    if not axes:
        return x
    order = [a for a in range(len(shape)) if a not in axes] + list(axes)
    y = np.reshape(np.transpose(x, order) if order != sorted(order) else x, rest + (k,))
    while k > 1:  # y holds k factors along its last axis
        half = k // 2
        product = mul(y[..., :half], y[..., half : 2 * half])
        y = concat(product, y[..., 2 * half :], axis=len(rest)) if k % 2 else product
        k = half + k % 2
    return _kept(x, np.reshape(y, rest), axes, keepdims)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """``np.var``: the mean square of the deviations from the mean, over ``n - ddof`` as numpy divides.

    >>> import numpy as np, graphdiff as gd
    >>> gd.grad(lambda x: gd.var(x))(np.array([1.0, 2.0, 6.0]))[0].round(12).tolist()   # 2 (x - mean) / n
    [-1.333333333333, -0.666666666667, 2.0]
    """
    axes = _axes(x, axis)
    n = int(np.prod([_shape(x)[a] for a in axes], dtype=int))
    if n - int(ddof) <= 0:
        raise ShapeError(f"the variance of {n} element(s) with ddof={ddof} divides by {n - int(ddof)}")
    deviation = x - _mean(x, axes, keepdims=True)
    return _sum(deviation * deviation, axes, keepdims) / float(n - int(ddof))


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """``np.std``: the square root of :func:`var` (its derivative is inf where every element is equal)."""
    return sqrt(var(x, axis, ddof, keepdims))


def flip(x: Any, axis: Any = None) -> Any:
    """``np.flip`` (``np.flipud`` is ``axis=0``, ``np.fliplr`` ``axis=1``): a reversed slice, no arithmetic."""
    axes = _axes(x, axis)
    return x[tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(len(_shape(x))))]


def _triangle(x: Any, k: int, upper: bool) -> Any:
    shape = _shape(x)
    if len(shape) < 2:
        name = "triu" if upper else "tril"
        raise ShapeError(f"{name} takes an array of at least 2 dimensions, got shape {shape}")
    ones = np.ones(shape[-2:])
    keep = np.triu(ones, int(k)) if upper else np.tril(ones, int(k))
    return select(keep, x, 0.0)  # picks numbers, computes none


def triu(x: Any, k: int = 0) -> Any:
    """``np.triu``: the elements on and above the k-th diagonal, zeros below (a selection, no arithmetic)."""
    return _triangle(x, k, upper=True)


def tril(x: Any, k: int = 0) -> Any:
    """``np.tril``: the elements on and below the k-th diagonal, zeros above (a selection, no arithmetic)."""
    return _triangle(x, k, upper=False)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``np.diagonal``: the elements ``x[..., i, i + offset]``, laid out as numpy does (a gather).

    >>> import numpy as np, graphdiff as gd
    >>> gd.diagonal(np.arange(9.0).reshape(3, 3), 1).tolist()
    [1.0, 5.0]
    """
    shape = _shape(x)
    if len(shape) < 2:
        raise ShapeError(f"diagonal takes an array of at least 2 dimensions, got shape {shape}")
    a, b = _axes(x, axis1)[0], _axes(x, axis2)[0]
    if a == b:
        raise ShapeError(f"diagonal needs two different axes, got axis1={axis1} and axis2={axis2}")
    rest = [k for k in range(len(shape)) if k not in (a, b)]
    offset = int(offset)
    rows = np.arange(max(0, -offset), max(0, min(shape[a], shape[b] - offset)))
    if not len(rows):
        return np.zeros(tuple(shape[k] for k in rest) + (0,))
    return _transpose(x, rest + [a, b])[(slice(None),) * len(rest) + (rows, rows + offset)]


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``np.trace``: the sum of :func:`diagonal` (of a matrix, ``sum(A[i, i])``)."""
    return _sum(diagonal(x, offset, axis1, axis2), -1)


def _diag(v: Any, k: int = 0) -> Any:
    """``np.diag``: the diagonal of a matrix, or a square matrix with a vector on its diagonal (k = 0)."""
    if len(_shape(v)) == 2:
        return diagonal(v, k)
    if len(_shape(v)) != 1 or int(k) != 0:
        raise ShapeError(f"diag takes a matrix, or a vector with k=0, got shape {_shape(v)} and k={k}")
    n = _shape(v)[0]
    return select(np.eye(n), np.reshape(v, (1, n)), 0.0)  # entry (j, j) is v[j]: a selection


def _along(x: Any, axis: int, index: np.ndarray) -> Any:
    """The elements of ``x`` at ``index`` along ``axis`` (a gather: numbers moved, none computed)."""
    if not index.size:
        shape = list(_shape(x))
        shape[axis] = 0
        return np.zeros(tuple(shape))
    return x[(slice(None),) * axis + (index,)]


def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``np.append``: both flattened and joined, or joined along ``axis``."""
    if axis is None:
        return concatenate([np.reshape(arr, (-1,)), np.reshape(values, (-1,))])
    return concatenate([arr, values], axis=axis)


def repeat(x: Any, repeats: Any, axis: Any = None) -> Any:
    """``np.repeat``: each element ``repeats`` times along ``axis`` (flattened when None), as a gather."""
    if axis is None:
        x, axis = np.reshape(x, (-1,)), 0
    axis = _axes(x, axis)[0]
    return _along(x, axis, np.repeat(np.arange(_shape(x)[axis]), repeats))


def tile(x: Any, reps: Any) -> Any:
    """``np.tile``: ``x`` repeated ``reps`` times along each axis, as gathers."""
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    ndim = max(len(_shape(x)), len(reps))
    shape = (1,) * (ndim - len(_shape(x))) + tuple(_shape(x))
    x = np.reshape(x, shape) if shape != tuple(_shape(x)) else x
    for axis, r in enumerate((1,) * (ndim - len(reps)) + reps):
        if r != 1:
            x = _along(x, axis, np.tile(np.arange(shape[axis]), r))
    return x


def roll(x: Any, shift: Any, axis: Any = None) -> Any:
    """``np.roll``: elements shifted along ``axis`` and wrapped around (flattened when None), as gathers."""
    if axis is None:
        return np.reshape(roll(np.reshape(x, (-1,)), shift, 0), _shape(x))
    shifts, axes = np.broadcast_arrays(np.atleast_1d(shift), np.atleast_1d(axis))
    for s, a in zip(shifts.tolist(), axes.tolist()):
        a = _axes(x, a)[0]
        n = _shape(x)[a]
        x = _along(x, a, (np.arange(n) - int(s)) % n) if n else x
    return x


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """``np.rot90``: a quarter turn ``k`` times in the plane of ``axes``: reversals and a transpose."""
    a, b = (_axes(m, axis)[0] for axis in axes)
    if a == b:
        raise ShapeError(f"rot90 needs two different axes, got {tuple(axes)}")
    order = list(range(len(_shape(m))))
    order[a], order[b] = order[b], order[a]
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a), b)
    return _transpose(flip(m, b), order) if k == 1 else flip(_transpose(m, order), b)


def outer(x: Any, y: Any) -> Any:
    """``np.outer`` of two vectors: ``x[:, None] * y[None, :]``."""
    if len(_shape(x)) != 1 or len(_shape(y)) != 1:
        raise ShapeError(f"outer takes two vectors, got shapes {_shape(x)} and {_shape(y)}")
    return mul(np.reshape(x, (-1, 1)), np.reshape(y, (1, -1)))


def vdot(x: Any, y: Any) -> Any:
    """``np.vdot`` of real arrays: the sum of the elementwise products of their flattened values."""
    return matmul(np.reshape(x, (-1,)), np.reshape(y, (-1,)))


def einsum(subscripts: str, *operands: Any) -> Any:
    """``np.einsum`` for one or two operands, written as transposes, products and sums.

    Each operand's axes are lined up on one list of labels (missing ones as length 1), the
    operands multiplied elementwise, the labels not in the output summed, and the rest put
    in the output's order: ``'ij,jk->ik'`` is a matrix product, ``'i,i->'`` a dot
    product, ``'ij->ji'`` a transpose, ``'bij,bjk->bik'`` a batched product. A label
    repeated within one operand takes a diagonal first (a gather: ``'ii->i'`` is the
    diagonal, ``'ii->'`` the trace). ``...`` is not supported.

    >>> import numpy as np, graphdiff as gd
    >>> A, B = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    >>> bool(np.all(gd.einsum("ij,jk->ik", A, B) == A @ B))
    True
    """
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if "." in spec or len(terms) != len(operands) or not 1 <= len(terms) <= 2:
        raise ShapeError(f"einsum {subscripts!r}: one or two operands, no '...', one term per operand")
    if not arrow:  # numpy's implicit output: the labels seen once, in alphabetical order
        seen = "".join(terms)
        output = "".join(sorted(c for c in set(seen) if seen.count(c) == 1))
    if len(set(output)) != len(output):
        raise ShapeError(f"einsum {subscripts!r}: a label repeated in the output is not supported")
    for term, x in zip(terms, operands):
        if len(term) != len(_shape(x)):
            raise ShapeError(f"einsum {subscripts!r}: term {term!r} for an operand of shape {_shape(x)}")
    terms, operands = map(list, zip(*(_diagonals(subscripts, t, x) for t, x in zip(terms, operands))))
    if not set(output) <= set("".join(terms)):
        raise ShapeError(f"einsum {subscripts!r}: output label not among the inputs'")
    labels = list(dict.fromkeys(output + "".join(terms)))  # the output's labels first
    aligned = []
    for term, x in zip(terms, operands):
        order = sorted(range(len(term)), key=lambda k: labels.index(term[k]))
        x = np.transpose(x, order) if order != list(range(len(term))) else x
        placed = [labels.index(term[k]) for k in order]
        sizes = dict(zip(placed, [_shape(x)[k] for k in range(len(term))]))
        aligned.append(np.reshape(x, tuple(sizes.get(k, 1) for k in range(len(labels)))))
    product = aligned[0] if len(aligned) == 1 else mul(aligned[0], aligned[1])
    summed = tuple(range(len(output), len(labels)))
    return _sum(product, summed) if summed else product


def _diagonals(subscripts: str, term: str, x: Any) -> tuple[str, Any]:
    """An operand whose term repeats a label (``'ii'``), as its diagonal along that label, and the new term."""
    while len(set(term)) != len(term):
        label = next(c for c in term if term.count(c) > 1)
        at = [k for k, c in enumerate(term) if c == label]
        sizes = {_shape(x)[k] for k in at}
        if len(sizes) != 1:
            raise ShapeError(
                f"einsum {subscripts!r}: label {label!r} stands for axes of lengths {sorted(sizes)}"
            )
        rest = [k for k in range(len(term)) if k not in at]
        x = np.transpose(x, at + rest) if at + rest != list(range(len(term))) else x
        n = sizes.pop()
        x = x[(np.arange(n),) * len(at)]  # a gather: the elements whose indices along those axes agree
        term = label + "".join(term[k] for k in rest)
    return term, x


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002 - numpy's name
    """``np.linalg.norm``: vector norms (``ord`` None or 2, 1, ``inf``, ``-inf``) over every
    element of a vector or along ``axis``, and the Frobenius norm of a matrix (``ord``
    None or ``'fro'``), with ``keepdims``.

    The 2-norm's derivative at 0 is nan, as sqrt's is.

    >>> import numpy as np, graphdiff as gd
    >>> A = np.array([[3.0, 4.0], [6.0, 8.0]])
    >>> gd.norm(A, axis=1), gd.norm(A[0], ord=1), gd.norm(A[0], ord=np.inf)
    (array([ 5., 10.]), 7.0, 4.0)
    """
    ndim = len(_shape(x))
    vector = axis is not None and np.ndim(axis) == 0 or axis is None and ndim == 1
    if vector and ord in (None, 2):
        return sqrt(_sum(x * x, axis, keepdims))
    if vector and ord == 1:
        return _sum(abs(x), axis, keepdims)
    if vector and ord in (np.inf, -np.inf):
        return _extreme(reduce_max if ord > 0 else reduce_min, abs(x), axis, keepdims)
    matrix = axis is None and ndim == 2 or axis is not None and np.ndim(axis) == 1 and len(axis) == 2
    if matrix and ord in (None, "fro") or axis is None and ord is None:
        return sqrt(_sum(x * x, axis, keepdims))
    raise ShapeError(
        f"norm with ord={ord!r}, axis={axis!r} of an array of {ndim} dimensions has no graphdiff form: "
        "vector norms take ord None, 2, 1, inf or -inf; a matrix's norm is the Frobenius one "
        "(ord None or 'fro'); its 2-norm (the largest singular value) and nuclear norm have no primitive"
    )


# numpy's own names for them, on traced and dual values (boxing dispatches through this table)
_COMPOSITES.update(
    {
        np.var: var,
        np.std: std,
        np.flip: flip,
        np.triu: triu,
        np.tril: tril,
        np.diagonal: diagonal,
        np.trace: trace,
    }
)
_COMPOSITES.update({np.append: append, np.repeat: repeat, np.tile: tile, np.roll: roll, np.rot90: rot90})
_COMPOSITES.update({np.diag: _diag, np.flipud: lambda x: flip(x, 0), np.fliplr: lambda x: flip(x, 1)})
_COMPOSITES.update(
    {np.prod: prod, np.clip: clip, np.outer: outer, np.vdot: vdot, np.einsum: einsum, np.linalg.norm: norm}
)
