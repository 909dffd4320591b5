"""``check_grads``: a function's derivatives against central finite differences, as JAX and autograd ship."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphdiff.errors import GraphError, InputError
from graphdiff.graph.pytree import flatten, leaf_names, unflatten
from graphdiff.transforms.api import grad
from graphdiff.transforms.api import jvp as gd_jvp
from graphdiff.transforms.api import vjp as gd_vjp
from graphdiff.transforms.jacobians import hessian, jacfwd, jacrev
from graphdiff.values import as_value, is_data

__all__ = ["check_grads", "GradientCheckError"]


class GradientCheckError(GraphError, AssertionError):
    """A derivative disagrees with finite differences; the message names the worst entry."""


@dataclass(frozen=True)
class _Worst:
    mode: str
    output: int
    input: int
    index: tuple[int, ...]
    derivative: float
    difference: float
    error: float


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    max_elements: int = 1000,
) -> None:
    """Check ``f``'s derivatives at ``args`` against central finite differences, raising if they disagree.

    ``order=1`` checks the Jacobian by forward mode (``"fwd"``: :func:`~graphdiff.jacfwd`)
    and reverse mode (``"rev"``: :func:`~graphdiff.jacrev`); ``order=2`` also checks the
    Hessian (forward over reverse) against differences of the gradient, for a function
    with one scalar output. An entry passes when ``|derivative - difference| <= atol +
    rtol * |difference|``. A failure raises :class:`GradientCheckError` naming the worst
    entry: the mode, the output, the input, the element, both values and the error.
    Integer arrays among ``args`` (labels, indices) are data, as in the transformations:
    passed as they are and not differentiated. Arguments may be pytrees (dicts, lists and
    tuples of arrays and floats); each leaf is checked, named as ``0['w']`` (argument 0's
    entry ``'w'``), and integer leaves are data too.

    Up to ``max_elements`` input elements in all, every entry is checked (two evaluations
    per element). Above, the derivatives are checked along three random directions ``v``,
    as JAX's ``check_grads`` does: the forward mode's ``J v`` and the reverse mode's
    ``u . J v`` (by ``vjp`` of a random ``u``) against central differences along ``v``,
    and, with ``order=2``, ``H v`` (forward over reverse) against differences of the
    gradient; a failure names the mode, the output, the direction and both values.

    Examples
    --------
    >>> import numpy as np, graphdiff as gd
    >>> gd.check_grads(lambda x, y: gd.sin(x) * y, (0.5, 2.0), order=2)
    >>> wrong = gd.primitives.define("wrong_sin", 1, np.sin, partials=(gd.primitives.times(lambda out, x: out),), check=False)
    >>> gd.check_grads(lambda x: wrong(x), (0.5,))
    Traceback (most recent call last):
    ...
    graphdiff.transforms.check.GradientCheckError: fwd derivative of output 0 by input 0 at element (): 0.479425538604203, finite differences 0.8775825618...
    >>> del gd.PRIMITIVES["wrong_sin"]   # (the wrong primitive leaves the table again)
    """
    if order not in (1, 2):
        raise InputError(f"check_grads: order is 1 or 2, got {order!r}")
    unknown = [m for m in modes if m not in ("fwd", "rev")]
    if unknown or not modes:
        raise InputError(f"check_grads: modes are 'fwd' and 'rev', got {list(modes)!r}")
    if isinstance(args, (dict, str, bytes)) or not isinstance(args, Sequence):
        raise InputError(
            f"check_grads: args is a tuple or list of f's arguments, got {type(args).__name__} "
            "(for one argument x, pass (x,))"
        )
    names = [str(j) for j in range(len(args))]
    if any(isinstance(a, (tuple, list, dict)) for a in args):  # pytrees: checked leaf by leaf
        f, args, names = _by_leaves(f, list(args))
    # integer arrays (labels, indices) are data, as in every transformation: kept, never perturbed
    args = [a if is_data(a) else as_value(a, f"check_grads: argument {names[j]}") for j, a in enumerate(args)]
    wrt = [j for j, a in enumerate(args) if not is_data(a)]
    if not wrt:
        raise InputError("check_grads: every argument is integer data, so there is nothing to differentiate")
    outputs = _as_tuple(f(*args))
    if order == 2 and (len(outputs) != 1 or np.shape(outputs[0]) != ()):
        raise InputError("check_grads with order=2 needs a function with one scalar output")
    if sum(np.size(args[j]) for j in wrt) > max_elements:
        return _along_directions(f, args, wrt, outputs, order, modes, eps, rtol, atol)
    by_differences = _jacobian_by_differences(f, args, eps, len(outputs), wrt)
    worst: _Worst | None = None
    for mode in modes:
        jacobian = (jacfwd if mode == "fwd" else jacrev)(f)(*args)
        got = _blocks(jacobian, len(outputs), len(wrt))
        worst = _compare(mode, got, by_differences, rtol, atol, worst, wrt)
    if order == 2:
        gradient = grad(f)  # one block per input, to difference
        second = _jacobian_by_differences(gradient, args, eps, len(wrt), wrt)
        H = hessian(f)(*args)  # rows by input, each a block per input (an array for scalars)
        got = [[np.asarray(b, dtype=float) for b in row] for row in H]
        worst = _compare("hessian", got, second, rtol, atol, worst, wrt)
    if worst is not None:
        raise GradientCheckError(
            f"{worst.mode} derivative of output {worst.output} by input {names[worst.input]} at element "
            f"{worst.index}: {worst.derivative!r}, finite differences {worst.difference!r} "
            f"(error {worst.error:.3g}; allowed {atol} + {rtol} x |difference|)"
        )


_DIRECTIONS = 3


def _along_directions(
    f: Callable[..., Any], args: list, wrt: list[int], outputs: tuple, order: int,
    modes: Sequence[str], eps: float, rtol: float, atol: float,
) -> None:  # fmt: skip
    """check_grads above ``max_elements``: derivatives along random directions, against differences."""
    rng = np.random.default_rng(0)
    for d in range(_DIRECTIONS):
        v = {j: rng.standard_normal(np.shape(args[j])) for j in wrt}
        tangents = [v[j] if j in v else None for j in range(len(args))]
        along = _difference_along(f, args, v, eps)
        if "fwd" in modes:
            _, jv = gd_jvp(f, args, tangents)
            for i, (a, b) in enumerate(zip(_as_tuple(jv), along)):
                _agree("fwd", f"output {i}", d, np.asarray(a, float), b, rtol, atol)
        if "rev" in modes:
            u = [rng.standard_normal(np.shape(y)) for y in outputs]
            _, x_bars = gd_vjp(f, args, u[0] if len(outputs) == 1 else tuple(u))
            x_bars = _as_tuple(x_bars)
            got = sum(float(np.sum(np.asarray(x_bar, float) * v[j])) for x_bar, j in zip(x_bars, wrt))
            want = sum(float(np.sum(u_i * b)) for u_i, b in zip(u, along))
            _agree("rev", "u . J v of the outputs", d, np.float64(got), np.float64(want), rtol, atol)
        if order == 2:
            gradient = grad(f)
            by_gradient = _difference_along(gradient, args, v, eps)
            _, hv = gd_jvp(gradient, args, tangents)
            for column, (a, b) in enumerate(zip(_as_tuple(hv), by_gradient)):
                _agree("hessian", f"H v by input {wrt[column]}", d, np.asarray(a, float), b, rtol, atol)


def _difference_along(f: Callable[..., Any], args: list, v: dict, eps: float) -> list[np.ndarray]:
    """Central differences of each of ``f``'s outputs along the direction ``v`` (by argument)."""
    plus = [args[j] + eps * v[j] if j in v else args[j] for j in range(len(args))]
    minus = [args[j] - eps * v[j] if j in v else args[j] for j in range(len(args))]
    high, low = _as_tuple(f(*plus)), _as_tuple(f(*minus))
    return [(np.asarray(h, float) - np.asarray(lo, float)) / (2 * eps) for h, lo in zip(high, low)]


def _agree(
    mode: str, what: str, direction: int, got: np.ndarray, want: np.ndarray, rtol: float, atol: float
) -> None:
    got = np.broadcast_to(got, np.shape(want))
    excess = np.abs(got - want) - (atol + rtol * np.abs(want))
    excess = np.where(np.isnan(excess), np.inf, excess)  # a nan derivative never passes
    if excess.size and np.max(excess) > 0:
        k = np.unravel_index(int(np.argmax(excess)), np.shape(want))
        raise GradientCheckError(
            f"{mode} derivative ({what}) along random direction {direction}, at element {k}: "
            f"{float(got[k])!r}, finite differences {float(want[k])!r} "
            f"(error {float(abs(got[k] - want[k])):.3g}; allowed {atol} + {rtol} x |difference|)"
        )


def _by_leaves(f: Callable[..., Any], args: list) -> tuple[Callable[..., Any], list, list[str]]:
    """``f`` as a function of the leaves of its pytree arguments, returning the leaves of its
    result; the leaves; and each leaf's name (``0['w']``: argument 0's entry ``'w'``)."""
    flat = [flatten(a) for a in args]
    trees = [tree for _, tree in flat]
    leaves = [x for found, _ in flat for x in found]
    names = [name for j, tree in enumerate(trees) for name in leaf_names(tree, str(j))]
    counts = [tree.n_leaves for tree in trees]

    def by_leaves(*xs: Any) -> Any:
        it = iter(xs)
        rebuilt = [unflatten(tree, [next(it) for _ in range(k)]) for tree, k in zip(trees, counts)]
        outputs = flatten(f(*rebuilt))[0]
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    by_leaves.__name__ = getattr(f, "__name__", "f")
    return by_leaves, leaves, names


def _as_tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _blocks(jacobian: Any, n_out: int, n_in: int) -> list[list[np.ndarray]]:
    """graphdiff's Jacobian layout (outputs outermost, unwrapped if one; a block per input) as a grid."""
    rows = [jacobian] if n_out == 1 else list(jacobian)
    return [[np.asarray(b, dtype=float) for b in row] for row in rows]


def _jacobian_by_differences(
    f: Callable[..., Any], args: list, eps: float, n_out: int, wrt: list[int]
) -> list[list[np.ndarray]]:
    """Blocks by output and by each argument in ``wrt``, from central differences of ``f``."""
    grid: list[list[np.ndarray]] = [[None] * len(wrt) for _ in range(n_out)]  # type: ignore[list-item]
    for column, j in enumerate(wrt):
        x = np.asarray(args[j], dtype=float)
        columns = []
        for e in range(x.size):
            step = np.zeros(x.size)
            step[e] = eps
            plus, minus = list(args), list(args)
            plus[j] = x + step.reshape(x.shape) if x.shape else float(x + eps)
            minus[j] = x - step.reshape(x.shape) if x.shape else float(x - eps)
            high, low = _as_tuple(f(*plus)), _as_tuple(f(*minus))
            columns.append(
                [(np.asarray(h, float) - np.asarray(lo, float)) / (2 * eps) for h, lo in zip(high, low)]
            )
        for i in range(n_out):
            shape = np.shape(columns[0][i]) if columns else ()
            stacked = np.stack([c[i] for c in columns], axis=-1) if columns else np.zeros(shape + (0,))
            grid[i][column] = stacked.reshape(shape + x.shape)
    return grid


def _compare(
    mode: str, got: list, want: list, rtol: float, atol: float, worst: _Worst | None, wrt: list[int]
) -> _Worst | None:
    for i, (got_row, want_row) in enumerate(zip(got, want)):
        for j, (a, b) in enumerate(zip(got_row, want_row)):
            a = np.broadcast_to(a, np.shape(b))
            excess = np.abs(a - b) - (atol + rtol * np.abs(b))
            excess = np.where(np.isnan(excess), np.inf, excess)  # a nan derivative never passes
            if excess.size and np.max(excess) > 0:
                k = np.unravel_index(int(np.argmax(excess)), np.shape(b))
                error = float(np.abs(a[k] - b[k]))
                if worst is None or error > worst.error or np.isnan(error):
                    worst = _Worst(mode, i, wrt[j], tuple(int(n) for n in k), float(a[k]), float(b[k]), error)
    return worst
