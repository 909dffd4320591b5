"""Functions built from the primitives: each is a few primitive calls, so every mode handles it.

They work on numbers, arrays, duals and tracers alike, and record as their primitives do
(a traced ``logsumexp`` is a max, a subtraction, an exp, a sum, a log and an add).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdiff.errors import ShapeError
from graphdiff.primitives.boxing import _COMPOSITES, _axes, _extreme, _shape, _sum, concatenate, stack
from graphdiff.primitives.table import exp, log, matmul, maximum, minimum, mul, reduce_max, sqrt

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
    "clip",
    "outer",
    "vdot",
    "einsum",
    "norm",
    "concatenate",
    "stack",
]


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
    product, ``'ij->ji'`` a transpose, ``'bij,bjk->bik'`` a batched product. A repeated
    label within one operand (a diagonal, ``'ii->i'``) and ``...`` are not supported.

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
    if any(len(set(t)) != len(t) for t in terms) or len(set(output)) != len(output):
        raise ShapeError(
            f"einsum {subscripts!r}: a label repeated within one term (a diagonal) is not supported"
        )
    for term, x in zip(terms, operands):
        if len(term) != len(_shape(x)):
            raise ShapeError(f"einsum {subscripts!r}: term {term!r} for an operand of shape {_shape(x)}")
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


def norm(x: Any, ord: Any = None, axis: Any = None) -> Any:  # noqa: A002 - numpy's name
    """``np.linalg.norm``: the vector 2-norm, or the Frobenius norm of a matrix (``ord=None``, ``2`` or ``'fro'``).

    Its derivative at 0 is nan, as sqrt's is.
    """
    if axis is not None or ord not in (None, 2, "fro") or (ord == 2 and len(_shape(x)) != 1):
        raise ShapeError(
            "norm supports the vector 2-norm and the Frobenius norm over every element "
            f"(ord=None, 2 or 'fro', no axis), got ord={ord!r}, axis={axis!r}"
        )
    return sqrt(_sum(x * x))


# numpy's own names for them, on traced and dual values (boxing dispatches through this table)
_COMPOSITES.update({np.clip: clip, np.outer: outer, np.vdot: vdot, np.einsum: einsum, np.linalg.norm: norm})
