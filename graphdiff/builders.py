"""Graphs to differentiate: the worked examples of the seeds, and families for benchmarks.

Each builder returns a fresh :class:`~graphdiff.Graph`.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from graphdiff.errors import ArgumentError, GraphError, ValueTypeError
from graphdiff.graph.graph import Graph
from graphdiff.graph.tracer import trace
from graphdiff.primitives.table import abs as abs_
from graphdiff.primitives.table import (
    add,
    atan2,
    cos,
    div,
    integer_pow,
    mul,
    neg,
    sigmoid,
    sin,
    sqrt,
    square,
    sub,
    sum,
    tanh,
)
from graphdiff.values import as_value, brief

__all__ = [
    "colah",
    "speelpenning",
    "path_explosion",
    "fan_out",
    "dense_map",
    "mlp",
    "classifier",
    "classifier_loss",
    "classifier_params",
    "classifier_backprop",
    "rosenbrock",
    "pde_residual",
    "random_dag",
    "roe_flux_1d",
    "robot_arm_6dof",
    "human_heart_dipole",
    "propane_combustion",
    "ELIMINATION_BENCHMARKS",
    "from_spec",
    "XOR_X",
    "XOR_Y",
]

_BRANCHES = (sin, cos, tanh, sigmoid)  # path_explosion's branches, in turn
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def colah() -> Graph:
    """The worked example of "Calculus on Computational Graphs": ``c = a + b``, ``d = b + 1``, ``e = c * d``.

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


def speelpenning(n: int) -> Graph:
    """The product of ``n`` inputs, ``x0 * x1 * ... * x{n-1}``, as a chain (n -> 1).

    The textbook case where reverse mode wins by a factor of n: the function costs
    n-1 multiplications, its gradient by one reverse sweep 2(n-1) more, while forward
    mode needs n sweeps.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.speelpenning(4)
    >>> g(1.0, 2.0, 3.0, 4.0), len(g)
    (24.0, 7)
    """
    n = _size("speelpenning", "n", n, nodes_each=2)
    g = Graph(f"speelpenning({n})")
    xs = [g.add_input(f"x{k}") for k in range(n)]
    product = xs[0]
    for x in xs[1:]:
        product = g.add_op(mul, product, x)
    g.set_outputs(product)
    return g


def path_explosion(depth: int, width: int = 3) -> Graph:
    """The picture of "Calculus on Computational Graphs": ``depth`` stages, each fanning out into ``width`` branches that rejoin.

    Stage ``s`` computes ``y_{s+1} = f_1(y_s) + ... + f_width(y_s)`` with the ``f`` taken
    in turn from sin, cos, tanh and sigmoid (1 -> 1). The graph has
    ``1 + depth * (2 * width - 1)`` nodes, but ``width ** depth`` paths from input to
    output: summing over paths explodes while both sweeps stay linear.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.path_explosion(depth=2, width=3)
    >>> len(g)
    11
    """
    depth, width = _size("path_explosion", "depth", depth), _size("path_explosion", "width", width)
    _at_most("path_explosion", "depth * (2 * width - 1)", depth * (2 * width - 1))
    g = Graph(f"path_explosion({depth},{width})")
    y = g.add_input("x")
    for stage in range(1, depth + 1):
        branches = [g.add_op(_BRANCHES[k % len(_BRANCHES)], y, name=f"s{stage}b{k}") for k in range(width)]
        total = branches[0]
        for k, b in enumerate(branches[1:], start=1):
            total = g.add_op(add, total, b, name=f"y{stage}" if k == width - 1 else None)
        y = total
    g.set_outputs(y)
    return g


def fan_out(m: int) -> Graph:
    """One input, ``m`` outputs (1 -> m): where forward mode wins.

    A trunk ``t_k = sin(t_{k-1})`` (``t_0 = x``) with an output ``y_k = t_k * t_k`` at
    every level. One forward sweep gives all m derivatives; reverse mode needs m sweeps,
    and the sweep from ``y_k`` walks k trunk nodes.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.fan_out(3)
    >>> len(g.inputs), len(g.outputs)
    (1, 3)
    """
    m = _size("fan_out", "m", m, nodes_each=2)
    g = Graph(f"fan_out({m})")
    t = g.add_input("x")
    outputs = []
    for k in range(1, m + 1):
        t = g.add_op(sin, t, name=f"t{k}")
        outputs.append(g.add_op(mul, t, t, name=f"y{k}"))
    g.set_outputs(*outputs)
    return g


def dense_map(n: int, m: int, hidden: int = 8, seed: int = 0) -> Graph:
    """A dense map R^n -> R^m as scalars: ``y = tanh(B @ tanh(A @ x))``, A and B fixed.

    ``A`` (hidden x n) and ``B`` (m x hidden) are random constants (scaled by 1/sqrt of
    their fan-in); every output depends on every input through the hidden layer, so
    forward mode's n sweeps and reverse mode's m sweeps each walk most of the graph:
    the family for the forward/reverse crossover.

    Examples
    --------
    >>> from graphdiff import builders
    >>> g = builders.dense_map(3, 2, hidden=4)
    >>> len(g.inputs), len(g.outputs)
    (3, 2)
    """
    n, m, hidden = (_size("dense_map", name, v) for name, v in (("n", n), ("m", m), ("hidden", hidden)))
    _at_most("dense_map", "3 * hidden * (n + m)", 3 * hidden * (n + m))
    seed = _seed("dense_map", seed)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((hidden, n)) / np.sqrt(n)
    B = rng.standard_normal((m, hidden)) / np.sqrt(hidden)

    def layer(W, xs):
        return [tanh(_add_all([float(W[i, j]) * x for j, x in enumerate(xs)])) for i in range(W.shape[0])]

    return trace(lambda *xs: layer(B, layer(A, xs)), *([0.0] * n), name=f"dense_map({n},{m})")


def rosenbrock(n: int) -> Graph:
    """The n-dimensional Rosenbrock function ``sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`` (n -> 1).

    Examples
    --------
    >>> from graphdiff import builders
    >>> builders.rosenbrock(3)(1.0, 1.0, 1.0)
    0.0
    """
    n = _size("rosenbrock", "n", n, least=2, nodes_each=12)

    def f(*x):
        return _add_all([100.0 * square(x[i + 1] - square(x[i])) + square(1.0 - x[i]) for i in range(n - 1)])

    return trace(f, *([0.0] * n), name=f"rosenbrock({n})")


def pde_residual(n: int) -> Graph:
    """The residual of a 1-D discretised PDE, ``F_i = x_{i-1} - 2 x_i + x_{i+1} + h^2 sin x_i`` (n -> n).

    ``u'' + sin u = 0`` on n interior points of a grid with spacing ``h = 1/(n+1)`` and
    zero boundary values (``x_0 = x_{n+1} = 0``). Its Jacobian is tridiagonal: three
    compressed sweeps give it whatever n is, where forward or reverse mode take n.

    Examples
    --------
    >>> g = pde_residual(4)
    >>> len(g.inputs), len(g.outputs)
    (4, 4)
    """
    n = _size("pde_residual", "n", n, nodes_each=6)
    h2 = (1.0 / (n + 1)) ** 2

    def residual(*x):
        out = []
        for i in range(n):
            r = -2.0 * x[i] + h2 * sin(x[i])
            if i > 0:
                r = x[i - 1] + r
            if i < n - 1:
                r = r + x[i + 1]
            out.append(r)
        return out

    return trace(residual, *([0.0] * n), name=f"pde_residual({n})", names=[f"x{i}" for i in range(n)])


def mlp(
    layer_sizes: Sequence[int] = (2, 4, 1),
    samples: np.ndarray = XOR_X,
    targets: np.ndarray = XOR_Y,
    scalar: bool = False,
) -> Graph:
    """The sigmoid network of "how backpropagation works" with squared loss, its parameters as the inputs (P -> 1).

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
    sizes, samples, targets = _mlp_arguments(layer_sizes, samples, targets, scalar)
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
        flat = iter(theta)
        params = [[[next(flat) for _ in range(cols)] for _ in range(rows)] for rows, cols in shapes]
        a = samples.tolist()
        for W, b in zip(params[::2], params[1::2]):
            columns = [[row[j] for row in W] for j in range(len(W[0]))]
            a = [[sigmoid(_dot(sample, col) + b[0][j]) for j, col in enumerate(columns)] for sample in a]
        residuals = [t - o for t_row, o_row in zip(targets.tolist(), a) for t, o in zip(t_row, o_row)]
        return 0.5 * _add_all([square(r) for r in residuals])

    return trace(scalar_loss, *([0.0] * len(flat_names)), name="mlp_scalar", names=flat_names)


def classifier_loss(params: dict, X: np.ndarray, labels: np.ndarray) -> float:
    """The softmax cross-entropy of a tanh MLP, written as one writes it in numpy.

    ``params`` holds ``W1, b1, W2, b2, ...``; every hidden layer is ``tanh(h @ W + b)``
    and the last is linear. The log-softmax is shifted by the row maximum, and the loss
    is the mean over the batch of minus the log-probability of each sample's label. The
    same function runs on numpy arrays and traces: ``gd.grad(classifier_loss, argnums=0)``
    gives the gradient by every parameter, in ``params``' structure, and nothing for
    ``X``; the labels, integers, are data.

    Examples
    --------
    >>> import graphdiff as gd
    >>> params, X, labels = classifier_params((3, 4, 2), batch=5)
    >>> loss = classifier_loss(params, X, labels)          # plain numpy
    >>> grads = gd.grad(classifier_loss, argnums=0)(params, X, labels)
    >>> sorted(grads), grads["W1"].shape
    (['W1', 'W2', 'b1', 'b2'], (3, 4))
    """
    layers = len(params) // 2
    h = X
    for k in range(1, layers):
        h = np.tanh(h @ params[f"W{k}"] + params[f"b{k}"])
    z = h @ params[f"W{layers}"] + params[f"b{layers}"]
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


def classifier_params(
    layer_sizes: Sequence[int] = (784, 256, 10), batch: int = 64, seed: int = 0
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Reproducible parameters (a dict), a batch of samples and integer labels for :func:`classifier_loss`.

    Weights are normal with standard deviation ``1/sqrt(fan-in)``, biases small, samples
    standard normal, labels uniform over the classes.
    """
    sizes = [_size("classifier", "a layer size", n) for n in layer_sizes]
    if len(sizes) < 2:
        raise ArgumentError(f"classifier: needs at least two layer sizes, got {list(layer_sizes)!r}")
    batch = _size("classifier", "batch", batch)
    rng = np.random.default_rng(_seed("classifier", seed))
    params = {}
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        params[f"W{k}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        params[f"b{k}"] = 0.1 * rng.standard_normal(n_out)
    return params, rng.standard_normal((batch, sizes[0])), rng.integers(0, sizes[-1], batch)


def classifier_backprop(params: dict, X: np.ndarray, labels: np.ndarray) -> tuple[float, dict]:
    """The loss of :func:`classifier_loss` and its gradient by every parameter, derived by hand.

    Backpropagation written out in numpy, as "how backpropagation works" derives it: the
    error at the output is ``(softmax(z) - onehot(labels)) / batch``, and each layer
    passes ``delta @ W.T * (1 - h**2)`` down. A reference for the tests and the baseline
    of the benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> params, X, labels = classifier_params((3, 4, 2), batch=5)
    >>> loss, grads = classifier_backprop(params, X, labels)
    >>> bool(np.isclose(loss, classifier_loss(params, X, labels), rtol=1e-14))
    True
    """
    layers = len(params) // 2
    hs = [X]
    for k in range(1, layers):
        hs.append(np.tanh(hs[-1] @ params[f"W{k}"] + params[f"b{k}"]))
    z = hs[-1] @ params[f"W{layers}"] + params[f"b{layers}"]
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = -np.mean(z[rows, labels] - np.log(total[:, 0]))
    delta = e / total
    delta[rows, labels] -= 1.0
    delta /= len(labels)
    grads = {}
    for k in range(layers, 0, -1):
        grads[f"W{k}"] = hs[k - 1].T @ delta
        grads[f"b{k}"] = delta.sum(axis=0)
        if k > 1:
            delta = (delta @ params[f"W{k}"].T) * (1.0 - hs[k - 1] ** 2)
    return float(loss), grads


def classifier(layer_sizes: Sequence[int] = (784, 256, 10), batch: int = 64, seed: int = 0) -> Graph:
    """:func:`classifier_loss` traced with its parameters as the inputs and a fixed batch (P -> 1).

    The inputs are the leaves of the parameter dict, named ``params['W1']``, ...; the
    samples and labels of :func:`classifier_params` are constants of the graph.

    Examples
    --------
    >>> g = classifier((4, 3, 2), batch=5)
    >>> g.inputs
    ["params['W1']", "params['W2']", "params['b1']", "params['b2']"]
    """
    params, X, labels = classifier_params(layer_sizes, batch, seed)

    def loss(params):
        return classifier_loss(params, X, labels)

    name = "classifier " + "-".join(str(n) for n in layer_sizes)
    return trace(loss, params, name=name)


# --- the elimination benchmarks of the AlphaGrad paper ------------------------------------

ELIMINATION_BENCHMARKS = {
    "roe_flux_1d": ("RoeFlux_1d", [0.01, 0.02, 0.02, 0.01, 0.03, 0.03]),
    "robot_arm_6dof": ("RobotArm_6DOF", [0.02] * 6),
    "human_heart_dipole": ("HumanHeartDipole", [0.15] * 8),
    "propane_combustion": ("PropaneCombustion", [0.15] * 11),
}
"""Builder name -> (the graph's name in the paper, the point the paper evaluates it at)."""

_ELIMINATION_OPS = {"add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "integer_pow": integer_pow,
                    "sqrt": sqrt, "sin": sin, "cos": cos, "abs": abs_, "atan2": atan2}  # fmt: skip


def _elimination_graph(key: str) -> Graph:
    """One of the four scalar graphs of the AlphaGrad paper's benchmark, node for node.

    Lohoff and Neftci, "Optimizing Automatic Differentiation with Deep Reinforcement
    Learning" (arXiv 2406.05027), traced from the benchmark functions of the graphax
    library (MIT licence, github.com/jamielohoff/graphax). Inputs are named ``x<id>``
    and operations ``v<id>``, by the paper's vertex order.
    """
    import json
    from importlib.resources import files

    name, _ = ELIMINATION_BENCHMARKS[key]
    spec = json.loads(files("graphdiff").joinpath("data", f"{name}.json").read_text())
    g = Graph(name)
    node_names = {}
    for node in spec["nodes"]:
        i = node["id"]
        if node["op"] == "input":
            node_names[i] = g.add_input(f"x{i}")
            continue
        args = [g.add_const(a["const"]) if isinstance(a, dict) else node_names[a] for a in node["args"]]
        params = {k: int(v) for k, v in (node.get("params") or {}).items()}  # integer_pow's y, as text
        node_names[i] = g.add_op(_ELIMINATION_OPS[node["op"]].name, *args, name=f"v{i}", **params)
    g.set_outputs(*[node_names[o] for o in spec["outputs"]])
    return g


def roe_flux_1d() -> Graph:
    """The 1-D Roe flux of the AlphaGrad benchmark (6 inputs, 3 outputs); see :func:`_elimination_graph`.

    >>> g = roe_flux_1d()
    >>> len(g.inputs), len(g.outputs)
    (6, 3)
    """
    return _elimination_graph("roe_flux_1d")


def robot_arm_6dof() -> Graph:
    """The 6-DOF robot-arm kinematics of the AlphaGrad benchmark (6 inputs, 6 outputs)."""
    return _elimination_graph("robot_arm_6dof")


def human_heart_dipole() -> Graph:
    """The MINPACK-2 human heart dipole of the AlphaGrad benchmark (8 inputs, 8 outputs)."""
    return _elimination_graph("human_heart_dipole")


def propane_combustion() -> Graph:
    """The MINPACK-2 propane combustion of the AlphaGrad benchmark (11 inputs, 11 outputs)."""
    return _elimination_graph("propane_combustion")


MAX_NODES = 10_000_000
"""The most nodes a builder makes: beyond it, building would take minutes and gigabytes."""


def _size(family: str, name: str, value: object, least: int = 1, nodes_each: int = 1) -> int:
    """``value`` as an int of at least ``least`` (and at most MAX_NODES / nodes_each), else an ArgumentError.

    Python and numpy integers pass; bools, floats (even ``3.0``), strings and None do not.
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise ArgumentError(f"{family}: {name} must be an integer, got {_what(value)}")
    value = int(value)
    if value < least:
        need = "a positive integer" if least == 1 else f"at least {least}"
        raise ArgumentError(f"{family}: {name} must be {need}, got {brief(value)}")
    _at_most(family, name, value * nodes_each)
    return value


def _at_most(family: str, what: str, nodes: int) -> None:
    if nodes > MAX_NODES:
        raise ArgumentError(
            f"{family}: {what} is too large: the graph would have about {brief(nodes)} nodes, "
            f"more than the {MAX_NODES:,} a builder makes"
        )


def _seed(family: str, seed: object) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ArgumentError(f"{family}: seed must be a non-negative integer, got {_what(seed)}")
    return int(seed)


def _what(value: object) -> str:
    if isinstance(value, (str, bool)) or value is None:
        return brief(value)
    return f"{brief(value)} ({type(value).__name__})"


def _mlp_arguments(layer_sizes: object, samples: object, targets: object, scalar: object) -> tuple:
    """mlp's arguments checked: layer sizes, samples and targets that fit them, scalar a bool."""
    if isinstance(layer_sizes, (str, bytes, dict)) or not hasattr(layer_sizes, "__iter__"):
        raise ArgumentError(
            f"mlp: layer_sizes must be a sequence of positive integers, got {_what(layer_sizes)}"
        )
    sizes = [_size("mlp", f"layer_sizes[{k}]", n) for k, n in enumerate(list(layer_sizes))]
    if len(sizes) < 2:
        raise ArgumentError(f"mlp: layer_sizes needs at least 2 sizes (inputs and outputs), got {sizes}")
    if not isinstance(scalar, (bool, np.bool_)):
        raise ArgumentError(f"mlp: scalar must be True or False, got {_what(scalar)}")
    arrays = []
    for name, value, columns in (("samples", samples, sizes[0]), ("targets", targets, sizes[-1])):
        try:
            array = as_value(value, f"mlp: {name}")
        except ValueTypeError as err:
            raise ArgumentError(str(err)) from None
        if np.ndim(array) != 2 or np.shape(array)[1] != columns:
            raise ArgumentError(
                f"mlp: {name} must be a 2-D array with {columns} column(s) (layer_sizes[{0 if name == 'samples' else -1}]"
                f" = {columns}), got shape {np.shape(array)}"
            )
        arrays.append(array)
    if len(arrays[0]) != len(arrays[1]) or len(arrays[0]) == 0:
        raise ArgumentError(
            f"mlp: samples and targets must have the same number of rows, at least 1; got {len(arrays[0])} and "
            f"{len(arrays[1])}"
        )
    weights = builtins.sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    _at_most("mlp", "layer_sizes", weights * (len(arrays[0]) * 4 if scalar else 1))
    return sizes, arrays[0], arrays[1]


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
    nodes, inputs, outputs = (
        _size("random_dag", k, v) for k, v in (("nodes", nodes), ("inputs", inputs), ("outputs", outputs))
    )
    _at_most("random_dag", "nodes + inputs", nodes + inputs)
    seed = _seed("random_dag", seed)
    if nodes < outputs:
        raise ArgumentError(f"random_dag: nodes must be at least outputs ({outputs}), got {nodes}")
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


_SPECS = {
    "colah": (colah, 0),
    "speelpenning": (speelpenning, 1),
    "path_explosion": (path_explosion, 2),
    "fan_out": (fan_out, 1),
    "dense_map": (dense_map, 3),
    "rosenbrock": (rosenbrock, 1),
    "pde_residual": (pde_residual, 1),
    "random_dag": (random_dag, 4),
    "mlp": (mlp, 0),
    "mlp_scalar": (lambda: mlp(scalar=True), 0),
    "roe_flux_1d": (roe_flux_1d, 0),
    "robot_arm_6dof": (robot_arm_6dof, 0),
    "human_heart_dipole": (human_heart_dipole, 0),
    "propane_combustion": (propane_combustion, 0),
}


def from_spec(spec: str) -> Graph:
    """A graph from a short text: a builder and its sizes (``path_explosion:2,3``) or a ``.json`` file.

    Examples
    --------
    >>> from graphdiff import builders
    >>> builders.from_spec("speelpenning:3").name
    'speelpenning(3)'
    """
    if not isinstance(spec, str):
        raise ArgumentError(
            f"a graph spec is a string such as 'speelpenning:3' or 'FILE.json', got {_what(spec)}"
        )
    if spec.endswith(".json"):
        from graphdiff.readwrite.node_link import load

        return load(spec)
    name, _, sizes = spec.partition(":")
    if name not in _SPECS:
        raise ArgumentError(f"unknown graph {name!r}; choose from {', '.join(_SPECS)} or a .json file")
    build, most = _SPECS[name]
    try:
        numbers = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise ArgumentError(f"{spec!r}: sizes after ':' must be integers") from None
    if len(numbers) > most:
        raise ArgumentError(f"{name} takes at most {most} size(s), got {len(numbers)}")
    try:
        return build(*numbers)
    except TypeError as err:
        if isinstance(err, GraphError):  # some GraphErrors are TypeErrors too: they say what is wrong
            raise
        raise ArgumentError(f"{name} needs sizes: {name}:N[,N...]") from None
