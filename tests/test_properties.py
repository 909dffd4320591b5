"""Property tests on random graphs over every primitive, at ordinary and at non-finite points.

Two claims, each over more than a thousand graphs:

- **The same call gives the same bits every time.** The first call of a graph runs the
  numpy interpreter, the second generates code, later calls take the hot path to it (on
  arrays, the second gradient runs the simplified gradient graph, prepared: see
  :func:`test_array_gradients_give_the_same_bits_on_every_call`). Each
  of value, grad, value_and_grad, jvp, vjp, jacfwd and jacrev is called three times and
  the results compared bit for bit (nan equal to nan, ``0.0`` not equal to ``-0.0``), at
  points that include nan, inf, signed zeros and 1e308. Graphs and plain Python
  functions traced from them go through every path a user reaches.
- **Forward mode, reverse mode and finite differences agree** wherever the function is
  smooth at the point.
"""

from __future__ import annotations

import math
import struct
import warnings

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import Graph
from graphdiff.primitives.table import PRIMITIVES

from .conftest import SEED, central_difference

ELEMENTWISE = sorted((p for p in PRIMITIVES.values() if p.elementwise), key=lambda p: p.name)
SPECIAL = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 0.5]


def random_graph(rng: np.random.Generator, shape: tuple[int, ...] = ()) -> Graph:
    """A random graph over every elementwise primitive (and sum, cumsum and matmul for arrays), with constants."""
    n_inputs, n_ops = int(rng.integers(1, 5)), int(rng.integers(1, 16))
    g = Graph("random")
    names = [g.add_input(f"x{k}", shape) for k in range(n_inputs)]
    shapes = {n: shape for n in names}

    def pick() -> str:
        if rng.random() < 0.12:
            value = float(rng.choice([0.0, 2.0, -1.5, 0.5, 3.0]))
            name = g.add_const(value)
            shapes[name] = ()
            return name
        return (
            names[-1 - int(rng.integers(min(len(names), 6)))]
            if rng.random() < 0.7
            else str(rng.choice(names))
        )

    for _ in range(n_ops):
        if shape and rng.random() < 0.1:
            arg = pick()
            node = g.add_op("sum", arg)
        elif shape and rng.random() < 0.06:  # running sums: a structural primitive keeping the shape
            arg = pick()
            if shapes[arg] != shape:
                continue
            node = g.add_op("cumsum", arg, axis=int(rng.integers(len(shape))))
        elif shape == (3,) and rng.random() < 0.08:
            a, b = pick(), pick()
            if shapes[a] != (3,) or shapes[b] != (3,):
                continue
            node = g.add_op("matmul", a, b)
        else:
            prim = ELEMENTWISE[int(rng.integers(len(ELEMENTWISE)))]
            params = {"y": int(rng.integers(-2, 4))} if prim.params else {}
            node = g.add_op(prim, *(pick() for _ in range(prim.arity)), **params)
        names.append(node)
        shapes[node] = g.shape_of(node)
    ops = [n for n in names if g.nx.nodes[n]["kind"] == "op"] or names
    n_outputs = 1 if rng.random() < 0.5 else int(rng.integers(2, 4))
    outputs = [ops[-1]] + [str(rng.choice(names)) for _ in range(n_outputs - 1)]
    g.set_outputs(*outputs)
    return g


def random_point(rng: np.random.Generator, g: Graph, special: bool) -> list:
    point = []
    for name in g.inputs:
        shape = g.shape_of(name)
        values = rng.uniform(-1.5, 1.5, size=shape)
        if special:
            mask = rng.random(size=shape) < 0.4
            values = np.where(mask, rng.choice(SPECIAL, size=shape), values)
        point.append(float(values) if shape == () else values)
    return point


def as_function(g: Graph):
    """The graph as a plain Python function of its inputs: tracing it records the same graph."""
    program = g.program

    def f(*xs):
        values = [None] * len(program)
        for slot, x in zip(program.input_slots, xs):
            values[slot] = x
        for slot, value in program.consts:
            values[slot] = float(value)
        for prim, out, args, params, _ in program.ops:
            values[out] = prim(*(values[a] for a in args), **params)
        outs = [values[s] for s in program.output_slots]
        return outs[0] if len(outs) == 1 else tuple(outs)

    return f


def bits(x):
    """A result as exact bits: nested tuples kept, nan equal to nan, signed zeros distinct, types kept."""
    if isinstance(x, tuple):
        return ("tuple", tuple(bits(v) for v in x))
    array = np.asarray(x, dtype=float)
    return (
        type(x).__name__,
        array.shape,
        tuple("nan" if v != v else struct.pack("<d", v) for v in array.ravel().tolist()),
    )


def calls(g, f, point: list, rng: np.random.Generator) -> dict:
    """Every API on the graph (or the function): name -> a call of no arguments."""
    target = g if f is None else f
    n_out = len(g.outputs)
    scalar_out = n_out == 1 and g.shape_of(g.outputs[0]) == ()
    tangents = [
        float(v) if np.ndim(x) == 0 else np.full(np.shape(x), v)
        for x, v in zip(point, rng.normal(size=len(point)))
    ]
    if len(point) > 1 and rng.random() < 0.3:
        tangents[int(rng.integers(len(point)))] = None  # a structural zero
    cotangents = [
        float(v) if g.shape_of(o) == () else np.full(g.shape_of(o), v)
        for o, v in zip(g.outputs, rng.normal(size=n_out))
    ]
    cotangent = cotangents[0] if n_out == 1 else cotangents
    api = {
        "value": lambda: target(*point) if f is not None else g(*point),
        "jvp": lambda: gd.jvp(target, point, tangents),
        "vjp": lambda: gd.vjp(target, point, cotangent),
        "jacfwd": lambda: gd.jacfwd(target)(*point),
        "jacrev": lambda: gd.jacrev(target)(*point),
    }
    if f is not None:
        api["value"] = lambda: gd.trace(f, *point)(*point)
    if scalar_out:
        grad_f, value_and_grad_f = gd.grad(target), gd.value_and_grad(target)
        api["grad"] = lambda: grad_f(*point)
        api["value_and_grad"] = lambda: value_and_grad_f(*point)
    return api


CHUNKS, PER_CHUNK = 24, 50  # 1,200 graphs in all


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_call_of_every_api_gives_the_same_bits(chunk):
    rng = np.random.default_rng([SEED, chunk])
    reached = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(PER_CHUNK):
            shape = () if rng.random() < 0.8 else ((3,) if rng.random() < 0.7 else (2, 3))
            g = random_graph(rng, shape)
            f = as_function(g) if rng.random() < 0.3 else None
            point = random_point(rng, g, special=rng.random() < 0.5)
            for name, call in calls(g, f, point, rng).items():
                first, second, third = call(), call(), call()
                assert bits(second) == bits(first), (name, g.nx.nodes(data=True), point)
                assert bits(third) == bits(first), (name, g.nx.nodes(data=True), point)
                reached[name] = reached.get(name, 0) + 1
            made = g.program.__dict__.get("_codegen", {}).get("functions", {})
            if shape == () and f is None:
                reached["compiled"] = reached.get("compiled", 0) + sum(v is not None for v in made.values())
    assert reached.get("compiled", 0) > 0  # the later calls did reach generated code


@pytest.mark.parametrize("chunk", range(6))
def test_array_gradients_give_the_same_bits_on_every_call(chunk):
    """Gradients of arrays: the first calls interpret, the later ones run the gradient graph
    recorded, simplified and prepared; by every input, and by one (argnums), through graphs
    and plain functions, with the same bits."""
    rng = np.random.default_rng([SEED, 100 + chunk])
    prepared = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(PER_CHUNK // 2):
            g = random_graph(rng, (3,) if rng.random() < 0.6 else (2, 3))
            g.set_outputs(g.add_op("sum", g.outputs[0]))  # one scalar output
            f = as_function(g) if rng.random() < 0.4 else None
            point = random_point(rng, g, special=rng.random() < 0.5)
            target = g if f is None else f
            argnums = None if len(point) == 1 or rng.random() < 0.5 else int(rng.integers(len(point)))
            for transform in (gd.grad, gd.value_and_grad):
                call = transform(target, argnums=argnums)
                first = call(*point)
                for _ in range(3):
                    assert bits(call(*point)) == bits(first), (g.nx.nodes(data=True), point, argnums)
            if f is None and argnums is None:
                made = g.program.__dict__["_codegen"]["functions"]
                prepared += sum(made.get(("prepared", k)) is not None for k in ("grad", "vjp"))
    assert prepared > 0  # the later calls did run the prepared gradient graph


def _smooth_at(g: Graph, point: list) -> bool:
    """Whether every value at the point is moderate and no kink or pole is near (finite differences are reliable)."""
    program = g.program
    from graphdiff.modes.evaluate import evaluate

    with np.errstate(all="ignore"):
        values = evaluate(program, g.bind(point))
    for prim, out, args, _params, _ in program.ops:
        if not np.all(np.isfinite(values[out])) or np.max(np.abs(values[out])) > 1e3:
            return False
        if prim.name in (
            "abs",
            "relu",
            "maximum",
            "sqrt",
            "log",
            "pow",
            "div",
            "atan2",
            "tan",
            "integer_pow",
            "log2",
            "log10",
            "reciprocal",
            "minimum",
        ):
            for a in args:
                if np.min(np.abs(values[a])) < 0.05:
                    return False
        if prim.name in ("maximum", "minimum") and np.min(np.abs(values[args[0]] - values[args[1]])) < 0.05:
            return False
        if prim.name == "select" and np.min(np.abs(values[args[0]])) < 0.05:
            return False  # the condition near 0: the other branch is a step away
        if prim.name in ("arcsin", "arccos", "arctanh") and np.max(np.abs(values[args[0]])) > 0.95:
            return False  # the derivative has poles at -1 and 1
        if prim.name == "log1p" and np.min(values[args[0]]) < -0.95:
            return False
        if prim.name == "pow" and np.min(values[args[0]]) <= 0:  # x**y is not real-differentiable in y there
            return False
    return True


@pytest.mark.parametrize("chunk", range(20))  # 1,000 graphs
def test_forward_reverse_and_finite_differences_agree(chunk):
    rng = np.random.default_rng([SEED, 100 + chunk])
    checked = 0
    for _ in range(50):
        shape = () if rng.random() < 0.7 else (3,)
        g = random_graph(rng, shape)
        points = (random_point(rng, g, special=False) for _ in range(3))  # a few tries at a smooth point
        point = next((p for p in points if _smooth_at(g, p)), None)
        if point is None:
            continue
        with np.errstate(all="ignore"):
            fwd, rev = gd.jacfwd(g)(*point), gd.jacrev(g)(*point)
        np.testing.assert_allclose(
            np.hstack([np.ravel(b) for b in _blocks(fwd, g)]),
            np.hstack([np.ravel(b) for b in _blocks(rev, g)]),
            rtol=1e-10,
            atol=1e-12,
        )
        for k, block in enumerate(_blocks(rev, g)[: len(g.inputs)] if len(g.outputs) == 1 else []):
            fd = central_difference(lambda *xs: g(*xs), point, k)
            np.testing.assert_allclose(block, fd, rtol=1e-5, atol=1e-6)
        checked += 1
    assert checked >= 15  # most random graphs are smooth at ordinary points


def _blocks(jacobian, g: Graph) -> list:
    """A Jacobian in JAX's layout as a flat list of blocks, output by output."""
    rows = [jacobian] if len(g.outputs) == 1 else list(jacobian)
    return [np.asarray(b, dtype=float) for row in rows for b in row]


def test_dual_numbers_equal_reverse_mode():
    rng = np.random.default_rng(SEED)
    f = lambda x, y: gd.tanh(x * y) / y + gd.sin(x) ** 2 - gd.log(y) * x
    for x, y in zip(rng.uniform(-3, 3, 40), rng.uniform(0.2, 3, 40)):
        dual = f(gd.Dual(float(x), 1.0), gd.Dual(float(y)))
        assert dual.tangent == pytest.approx(gd.grad(f)(float(x), float(y))[0], rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("chunk", range(4))
def test_derivative_graphs_of_any_order_give_the_same_bits_on_every_call(chunk):
    # a derivative graph is a Graph like any other: interpreted first, then compiled; the
    # second-order ones (a gradient's gradient, a forward sweep through a gradient) too
    rng = np.random.default_rng([SEED, 200 + chunk])
    compiled = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(25):
            g = random_graph(rng, ())
            if len(g.outputs) != 1:
                g.set_outputs(g.outputs[0])
            point = random_point(rng, g, special=rng.random() < 0.3)
            grad_g = gd.grad_graph(g)
            second = {
                "vjp": (gd.vjp_graph(g), [*point, 1.0]),
                "jvp": (gd.jvp_graph(g), [*point, *point]),
                # d/dx0 of the gradient's first entry: a row of the Hessian, reverse over reverse
                "grad of grad": (
                    gd.grad_graph(gd.trace(lambda *x: gd.grad(g)(*x)[0], *point, names=g.inputs)),
                    point,
                ),
                "jvp of grad": (gd.jvp_graph(grad_g), [*point, *point]),
            }
            for name, (G, p) in second.items():
                first, again, third = G(*p), G(*p), G(*p)
                assert bits(again) == bits(first) and bits(third) == bits(first), name
                compiled += sum(
                    f is not None
                    for f in G.program.__dict__.get("_codegen", {}).get("functions", {}).values()
                )
    assert compiled > 0
