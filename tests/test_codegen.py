"""The generated code is the interpreter, faster: same numbers, same numpy semantics."""

from __future__ import annotations

import re

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders, codegen
from graphdiff.bench import random_point
from graphdiff.evaluate import evaluate
from graphdiff.forward import forward_sweep
from graphdiff.reverse import reverse_sweep

GRAPHS = {
    "colah": builders.colah,
    "speelpenning": lambda: builders.speelpenning(12),
    "path_explosion": lambda: builders.path_explosion(3, 4),
    "fan_out": lambda: builders.fan_out(5),
    "dense_map": lambda: builders.dense_map(3, 4, hidden=5),
    "mlp_scalar": lambda: builders.mlp(scalar=True),
    "rosenbrock": lambda: builders.rosenbrock(6),
    "random_dag": lambda: builders.random_dag(80, 5, 3, seed=4),
    "every_scalar_primitive": lambda: gd.trace(
        lambda x, y: gd.maximum(x, y) * gd.relu(x) + abs(y) + x**3 + gd.atan2(y, x) + gd.sqrt(x * x)
        + gd.pow(x * x + 1.0, y) + gd.tan(x) / gd.exp(y) - gd.log(x * x + 1.0) + gd.square(gd.cos(y))
        + gd.integer_pow(x, y=-2) + gd.neg(gd.sigmoid(y)) - gd.tanh(x) * gd.sin(y)
    ),
}  # fmt: skip


def test_every_scalar_primitive_is_covered():
    g = GRAPHS["every_scalar_primitive"]()
    used = {d["op"] for _, d in g.nx.nodes(data=True) if d["kind"] == "op"}
    scalar_prims = {name for name, p in gd.PRIMITIVES.items() if p.elementwise}
    assert used == scalar_prims


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_generated_code_equals_the_interpreter(name):
    g = GRAPHS[name]()
    p = g.program
    point = [float(v) for v in random_point(g, (0.2, 1.2))]
    inputs = g.bind(point)
    values = evaluate(p, inputs)
    outputs = tuple(float(values[s]) for s in p.output_slots)
    # math's sin, exp, tanh... may differ from numpy's in the last bit: compare to 1e-14
    np.testing.assert_allclose(codegen.fast(p, "evaluate", force=True)(*point), outputs, rtol=1e-14)

    cotangents = [1.0 + k for k in range(len(p.output_slots))]
    seeds = {}
    for s, c in zip(p.output_slots, cotangents):
        seeds[s] = np.float64(c) if s not in seeds else seeds[s] + c
    adjoints = reverse_sweep(p, values, seeds)
    _, grads = codegen.fast(p, "vjp", force=True)(*point, *cotangents)
    expected = [0.0 if adjoints[s] is None else float(adjoints[s]) for s in p.input_slots]
    np.testing.assert_allclose(grads, expected, rtol=1e-13, atol=1e-300)
    # the gradient alone, without the evaluation only the outputs' values need
    np.testing.assert_allclose(
        codegen.fast(p, "grad", force=True)(*point, *cotangents), expected, rtol=1e-13, atol=1e-300
    )

    directions = list(np.random.default_rng(0).standard_normal((len(point), 3)))
    _, tangents = forward_sweep(p, inputs, dict(zip(p.input_slots, directions)))
    _, out_dots = codegen.fast(p, "jvp", force=True)(*point, *directions)
    for s, t in zip(p.output_slots, out_dots):
        np.testing.assert_allclose(t, tangents[s], rtol=1e-13, atol=1e-15)


def test_api_uses_generated_code_from_the_second_call_with_the_same_results():
    g = builders.random_dag(60, 4, 2, seed=9)
    point = [0.1, 0.2, 0.3, 0.4]
    first = gd.jacrev(g)(*point)
    functions = g.program.__dict__["_codegen"]["functions"]
    assert functions == {}  # a graph used once is never compiled
    second = gd.jacrev(g)(*point)
    assert functions["vjp"] is not None
    np.testing.assert_allclose(np.array(second), np.array(first), rtol=1e-14)
    for call in (lambda: g(*point), lambda: gd.jacfwd(g)(*point)):
        once, twice = call(), call()
        np.testing.assert_allclose(np.array(twice), np.array(once), rtol=1e-14)
    assert functions["evaluate"] is not None and functions["jvp"] is not None


def test_numpy_semantics_survive_compilation():
    g = gd.trace(lambda x: gd.log(x) + 1.0 / x)
    codegen.fast(g.program, "evaluate", force=True)
    codegen.fast(g.program, "vjp", force=True)
    with pytest.warns(RuntimeWarning):
        assert np.isnan(g(-1.0))  # math.log raises; the interpreter gives numpy's nan
    with pytest.warns(RuntimeWarning):
        assert gd.grad(g)(0.0) == (-np.inf,) or np.isnan(gd.grad(g)(0.0)[0])
    assert g(1.0) == 1.0


def test_arrays_are_left_to_the_interpreter():
    g = builders.mlp()
    assert codegen.fast(g.program, "vjp", force=True) is None


def test_generated_source_comes_from_the_rules():
    program = builders.colah().program
    source = codegen._vjp_source(program)
    c, d = program.slot["c"], program.slot["d"]
    # e = c * d: the reverse rules of mul give de/dc = y_bar * d and de/dd = y_bar * c.
    # c's adjoint is read twice (by a and b): a statement; d's once (by b): written in place;
    # the adds pass adjoints on unchanged, so they need no statement at all
    assert f"g{c} = (y_bar_0 * v{d})" in source
    assert f"(((y_bar_0 * v{c})) + g{c})" in source and f"g{d} =" not in source
    assert len(source.splitlines()) == 1 + 4 + 1 + 1  # signature, 4 primal lines, 1 adjoint line, return


def test_a_changed_graph_is_not_served_stale_generated_code():
    g = builders.colah()
    grad = gd.grad(g)
    assert grad(2.0, 1.0) == grad(2.0, 1.0) == (2.0, 5.0)  # the second call runs generated code
    g.set_outputs("d")  # d = b + 1
    assert grad(2.0, 1.0) == (0.0, 1.0)


def test_registers_are_reused_once_values_are_dead():
    g = builders.path_explosion(200, 3)  # 1001 nodes, each value dead soon after it is made
    source = codegen._reuse_names(codegen._evaluate_source(g.program))
    registers = set(re.findall(r"\br\d+\b", source))
    assert len(registers) < 10 < len(g)
    point = [0.4]
    assert codegen.fast(g.program, "evaluate", force=True)(*point)[0] == pytest.approx(g(*point), rel=1e-14)
