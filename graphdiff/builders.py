"""Graphs to differentiate: the worked examples of the seeds, and families for benchmarks.

Each builder returns a fresh :class:`~graphdiff.Graph`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .graph import Graph
from .primitives import add, cos, mul, sigmoid, sin, square, sub, sum, tanh
from .tracer import trace

__all__ = ["colah", "mlp", "random_dag", "XOR_X", "XOR_Y"]

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def colah() -> Graph:
    """The worked example of seed 001: ``c = a + b``, ``d = b + 1``, ``e = c * d``.

    Inputs ``a, b``; output ``e``; the operation nodes are named ``c``, ``d``, ``e``.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.colah()
    >>> g(a=2.0, b=1.0)
    6.0
    >>> [g.label(n) for n in "cde"]
    ['add(a, b)', 'add(b, const_3)', 'mul(c, d)']
    """
    g = Graph("colah")
    a, b = g.add_input("a"), g.add_input("b")
    c = g.add_op("add", a, b, name="c")
    d = g.add_op("add", b, g.add_const(1.0), name="d")
    g.set_outputs(g.add_op("mul", c, d, name="e"))
    return g


def mlp(
    layer_sizes: Sequence[int] = (2, 4, 1),
    samples: np.ndarray = XOR_X,
    targets: np.ndarray = XOR_Y,
    scalar: bool = False,
) -> Graph:
    """Seed 000's sigmoid network with squared loss, its parameters as the inputs (P -> 1).

    ``loss = 1/2 * sum((targets - out)**2)`` where every layer is
    ``a_next = sigmoid(a @ W + b)``. With ``scalar=False`` the inputs are the arrays
    ``W1, b1, W2, b2, ...`` (``Wk`` of shape ``(n_in, n_out)``, ``bk`` of shape
    ``(1, n_out)``) and the graph holds array operations. With ``scalar=True`` every
    weight is a scalar input (``W1_0_0, ..., b1_0_0, ...``, in the same order, row-major)
    and the graph holds one node per scalar operation.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.mlp()                      # XOR, 2-4-1
    >>> g.inputs
    ['W1', 'b1', 'W2', 'b2']
    >>> len(builders.mlp(scalar=True).inputs)   # 2*4 + 4 + 4*1 + 1
    17
    """
    samples, targets = np.asarray(samples, float), np.asarray(targets, float)
    sizes = list(layer_sizes)
    shapes, names = [], []
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        shapes += [(n_in, n_out), (1, n_out)]
        names += [f"W{k}", f"b{k}"]

    def loss(*params):
        a = samples
        for W, b in zip(params[::2], params[1::2]):
            a = sigmoid(a @ W + b)
        return 0.5 * sum(square(targets - a))

    if not scalar:
        return trace(loss, *(np.zeros(s) for s in shapes), name="mlp", names=names)

    flat_names = [f"{n}_{'_'.join(map(str, idx))}" for n, s in zip(names, shapes) for idx in np.ndindex(*s)]

    def scalar_loss(*theta):
        params, offset = [], 0
        for s in shapes:
            size = s[0] * s[1]
            params.append([list(theta[offset + r * s[1] : offset + (r + 1) * s[1]]) for r in range(s[0])])
            offset += size
        a = samples.tolist()
        for W, b in zip(params[::2], params[1::2]):
            a = [
                [
                    sigmoid(
                        _dot([row[i] for i in range(len(row))], [W[i][j] for i in range(len(W))]) + b[0][j]
                    )
                    for j in range(len(W[0]))
                ]
                for row in a
            ]
        residuals = [t - o for trow, orow in zip(targets.tolist(), a) for t, o in zip(trow, orow)]
        return 0.5 * _add_all([square(r) for r in residuals])

    return trace(scalar_loss, *([0.0] * len(flat_names)), name="mlp_scalar", names=flat_names)


def _dot(xs, ys):
    return _add_all([x * y for x, y in zip(xs, ys)])


def _add_all(terms):
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def random_dag(nodes: int = 30, inputs: int = 3, outputs: int = 2, seed: int = 0) -> Graph:
    """A random scalar DAG, for stress and property tests (``inputs -> outputs``).

    Each of the ``nodes`` operations applies add, sub, mul, sin, cos, tanh or sigmoid
    to earlier nodes, chosen with a bias towards recent ones; the outputs are the last
    ``outputs`` operations. The same ``seed`` gives the same graph.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.random_dag(nodes=20, inputs=3, outputs=2, seed=1)
    >>> len(g.inputs), len(g.outputs), len(g)
    (3, 2, 23)
    """
    if inputs < 1 or outputs < 1 or nodes < outputs:
        raise ValueError("random_dag needs inputs >= 1 and nodes >= outputs >= 1")
    rng = np.random.default_rng(seed)
    binary, unary = [add, sub, mul], [sin, cos, tanh, sigmoid]
    g = Graph(f"random_dag({nodes},{inputs},{outputs},{seed})")
    names = [g.add_input(f"x{k}") for k in range(inputs)]

    def pick():
        window = min(len(names), 8)
        return (
            names[-1 - int(rng.integers(window))]
            if rng.random() < 0.7
            else names[int(rng.integers(len(names)))]
        )

    for _ in range(nodes):
        if rng.random() < 0.6:
            op = binary[int(rng.integers(len(binary)))]
            names.append(g.add_op(op, pick(), pick()))
        else:
            names.append(g.add_op(unary[int(rng.integers(len(unary)))], pick()))
    g.set_outputs(*names[-outputs:])
    return g
