"""Operation counts, measured from the arithmetic performed, against closed forms derived by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cost.sweeps import measure
from graphdiff.primitives.counting import Counted, counting


def costs(graph, point=None):
    point = point if point is not None else [1.0 + 0.01 * k for k in range(len(graph.inputs))]
    return measure(graph, point, repeats=1, budget=0)


# --- the counter itself ---------------------------------------------------------------


def test_elementwise_calls_count_one_per_element():
    with counting() as c:
        x = Counted(np.ones((2, 3)))
        _ = np.sin(x * 2.0 + x) / x - x
    assert (c.mul, c.add, c.div, c.nonlinear) == (6, 12, 6, 6)
    assert c.total == 30


def test_sum_and_matmul_count_their_adds_and_multiplies():
    with counting() as c:
        np.sum(Counted(np.ones(5)))
    assert (c.add, c.total) == (4, 4)
    with counting() as c:
        _ = Counted(np.ones((2, 3))) @ Counted(np.ones((3, 4)))  # m=2, k=3, n=4
    assert (c.mul, c.add) == (2 * 4 * 3, 2 * 4 * 2)


def test_moving_numbers_costs_nothing():
    with counting() as c:
        x = Counted(np.ones((2, 3)))
        np.reshape(x, (3, 2))
        np.broadcast_to(Counted(np.ones(3)), (2, 3))
        np.swapaxes(x, 0, 1)
    assert c.total == 0


def test_unknown_numpy_calls_refuse_to_be_silently_uncounted():
    with pytest.raises(NotImplementedError, match="cumprod"):
        np.cumprod(Counted(np.ones(3)))


# --- speelpenning: the product of n inputs ----------------------------------------------
# f: the chain p_k = p_{k-1} * x_k costs n-1 multiplies.
# forward, seed x_j: one evaluation (n-1) plus the tangent: at the node where x_j enters, one
#   multiply by the seed; after it, p_k_dot = p_{k-1}_dot * x_k, one multiply per node (x_k's
#   tangent is a structural zero). Seeds x_0 and x_1 enter at p_1: n-1 tangent multiplies;
#   seed x_j (j >= 2) enters at p_j: n-j. Sum: 2(n-1) + (n-2)(n-1)/2.
# vector forward: every tangent is an n-vector and both terms of every product are live:
#   per node 2n multiplies and n adds, plus the evaluation.
# reverse: evaluation, then two multiplies per node (one adjoint per argument); nothing fans
#   out, so no adjoint accumulates: 3(n-1) multiplies in all. The sweep reads every input
#   and every product but the last: 2n-2 stored values.


@pytest.mark.parametrize("n", [2, 3, 5, 10, 40])
def test_speelpenning_closed_forms(n):
    c = costs(builders.speelpenning(n))
    f, fw, vec, rv = (c[m] for m in ("function", "forward", "forward-vector", "reverse"))
    assert f.ops.as_dict() == {"add": 0, "mul": n - 1, "div": 0, "nonlinear": 0, "cmp": 0, "total": n - 1}
    assert fw.sweeps == n
    assert fw.ops.mul == n * (n - 1) + 2 * (n - 1) + (n - 2) * (n - 1) // 2 and fw.ops.add == 0
    assert vec.sweeps == 1
    assert (vec.ops.mul, vec.ops.add) == ((n - 1) * (2 * n + 1), (n - 1) * n)
    assert rv.sweeps == 1
    assert rv.ops.as_dict() == {
        "add": 0,
        "mul": 3 * (n - 1),
        "div": 0,
        "nonlinear": 0,
        "cmp": 0,
        "total": 3 * (n - 1),
    }
    assert rv.stored_values == 2 * n - 2
    # peaks: all inputs and p_1 at once; forward adds two tangents; reverse keeps the tape
    # and the output (2n-1) while n+1 adjoints are alive at the end of the sweep
    assert (f.peak_live, fw.peak_live, rv.peak_live) == (n + 1, n + 3, 3 * n)


# --- fan_out(m): one input, m outputs ----------------------------------------------------
# f: m sines and m squares (as t*t): m nonlinear + m multiplies.
# forward, one sweep: evaluation, then per level cos + 1 mul (sin's rule) and 2 mul + 1 add
#   (the product rule on t*t).
# reverse: evaluation, then the sweep from y_k: 2 mul + 1 add at y_k (two adjoints into t_k,
#   accumulated), then k sine nodes of cos + 1 mul each.


@pytest.mark.parametrize("m", [1, 2, 7, 20])
def test_fan_out_closed_forms(m):
    c = costs(builders.fan_out(m), [0.3])
    f, fw, rv = c["function"], c["forward"], c["reverse"]
    assert (f.ops.nonlinear, f.ops.mul, f.ops.total) == (m, m, 2 * m)
    assert fw.sweeps == 1
    assert (fw.ops.nonlinear, fw.ops.mul, fw.ops.add) == (2 * m, 4 * m, m)
    assert rv.sweeps == m
    triangle = m * (m + 1) // 2
    assert (rv.ops.nonlinear, rv.ops.mul, rv.ops.add) == (m + triangle, m + 2 * m + triangle, m)


def test_structural_zeros_cost_nothing():
    # colah seeded at a: c = a + b passes a's tangent on (no arithmetic), d = b + 1 does not
    # depend on a (skipped), e = c * d costs one multiply: c_dot * d.
    from graphdiff.modes.forward import forward_sweep
    from graphdiff.primitives.counting import Counted, counting

    g = builders.colah()
    p = g.program
    with counting() as c:
        forward_sweep(p, g.bind([2.0, 1.0]), {p.slot["a"]: Counted(np.float64(1.0))}, lambda v, s: Counted(v))
    assert (c.add, c.mul) == (2 + 0, 1 + 1)  # evaluation: 2 adds, 1 mul; tangent: 1 mul


def test_reverse_accumulates_fan_out_with_adds():
    # y = x*x: the two adjoints arriving at x cost one add
    c = costs(gd.trace(lambda x: x * x), [3.0])["reverse"]
    assert (c.ops.mul, c.ops.add) == (1 + 2, 1)


def test_matmul_graph_counts():
    g = gd.trace(lambda A, x: gd.sum(A @ x), np.ones((3, 4)), np.ones(4))
    c = costs(g, [np.ones((3, 4)), np.ones(4)])
    assert c["function"].ops.as_dict() == {
        "add": 3 * 3 + 2,
        "mul": 12,
        "div": 0,
        "nonlinear": 0,
        "cmp": 0,
        "total": 23,
    }
    assert c["forward"].sweeps == 16 and c["reverse"].sweeps == 1
    assert c["reverse"].stored_values == 16  # A's vjp reads x, x's vjp reads A


# --- the cheap gradient principle ----------------------------------------------------------


@pytest.mark.parametrize("family", ["speelpenning", "rosenbrock"])
def test_reverse_ratio_stays_bounded_while_forward_grows(family):
    build = {"speelpenning": builders.speelpenning, "rosenbrock": builders.rosenbrock}[family]
    ratios = {}
    for n in (5, 20, 80):
        c = costs(build(n))
        f = c["function"].ops.total
        ratios[n] = (c["forward"].ops.total / f, c["reverse"].ops.total / f)
    for n, (fwd, rev) in ratios.items():
        assert rev <= 4.0  # Griewank-Walther: a gradient costs a bounded multiple of f
        assert fwd >= n  # forward mode: at least one evaluation per input
    assert ratios[80][1] == pytest.approx(ratios[5][1], rel=0.3)
    assert ratios[80][0] / ratios[5][0] > 10


def test_baur_strassen_multiplications_at_most_three_times_function():
    for n in (3, 30):
        c = costs(builders.speelpenning(n))
        assert c["reverse"].ops.mul <= 3 * c["function"].ops.mul


# --- stored values: against closed forms derived by hand from each builder -------------------
# A reverse rule reads some of its node's arguments and its output (primitives.py): add, sub
# and sum read nothing; mul and matmul read the other argument; sin, cos and square read their
# argument; tanh and sigmoid their output. Constants are part of the program and never count.
# Below, "stored" is the union over all reverse sweeps (one per output) and "per output" is
# what one sweep seeded at that output reads.
#
# colah: e = c * d reads c and d; the adds read nothing: 2.
# speelpenning(n): p_k = p_{k-1} * x_k reads both arguments: x_0..x_{n-1} and p_1..p_{n-2}
#   (the last product is the output, read by nobody): 2n - 2.
# path_explosion(depth, width): per stage, sin and cos read the stage's input y_s (one value,
#   shared), each tanh or sigmoid branch (k % 4 in {2, 3}) reads its own output, the adds
#   nothing: depth * (1 + #tanh/sigmoid branches).
# fan_out(m): t_k = sin(t_{k-1}) reads t_{k-1}, y_k = t_k * t_k reads t_k: the sweep from y_k
#   reads t_0..t_k (k + 1); all m sweeps together t_0..t_m (m + 1).
# dense_map(n, m, hidden): every multiply is by a constant weight (reads the constant only),
#   the adds nothing, each tanh its output; every hidden tanh reaches every output, so one
#   output's sweep reads hidden + 1 values and all of them hidden + m.
# mlp(sizes n_0..n_L, S samples), as arrays or as scalars alike: layer 1 multiplies the
#   constant samples (reads nothing stored) and its sigmoid reads its S*n_1 outputs; layer
#   k >= 2 multiplies a_{k-1} (read already: sigmoid outputs) by W_k (n_{k-1}*n_k inputs) and
#   its sigmoid reads its S*n_k outputs; targets - a reads nothing, square reads its S*n_L
#   residuals, the sum and the constant 1/2 nothing.
# rosenbrock(n): term i reads x_i (in x_i^2), d_i = x_{i+1} - x_i^2 and e_i = 1 - x_i (in their
#   squares); 100 * and the adds read no stored value: 3(n - 1). x_{n-1} is never squared.
# random_dag: no closed form; counted by walking the networkx graph (_stored_by_walking_nx).


def _mlp_stored(sizes, samples=4):
    return samples * sum(sizes[1:]) + sum(a * b for a, b in zip(sizes[1:], sizes[2:])) + samples * sizes[-1]


def _path_explosion_stored(depth, width):
    return depth * (1 + sum(1 for k in range(width) if k % 4 in (2, 3)))


# graph, stored by all sweeps, stored per output (in output order)
STORED_CLOSED_FORMS = [
    (builders.colah(), 2, [2]),
    *[(builders.speelpenning(n), 2 * n - 2, [2 * n - 2]) for n in (2, 6, 11)],
    *[(builders.path_explosion(d, w), _path_explosion_stored(d, w), [_path_explosion_stored(d, w)])
      for d, w in ((3, 3), (2, 5), (4, 1))],
    *[(builders.fan_out(m), m + 1, [k + 1 for k in range(1, m + 1)]) for m in (1, 4)],
    *[(builders.dense_map(n, m, hidden=h), h + m, [h + 1] * m) for n, m, h in ((3, 2, 3), (2, 4, 5))],
    (builders.mlp(), _mlp_stored((2, 4, 1)), [_mlp_stored((2, 4, 1))]),
    (builders.mlp(scalar=True), _mlp_stored((2, 4, 1)), [_mlp_stored((2, 4, 1))]),
    (builders.mlp((2, 3, 2), targets=np.hstack([builders.XOR_Y, 1.0 - builders.XOR_Y])), _mlp_stored((2, 3, 2)), [_mlp_stored((2, 3, 2))]),
    *[(builders.rosenbrock(n), 3 * (n - 1), [3 * (n - 1)]) for n in (2, 4, 9)],
]  # fmt: skip

# which arguments (by position) and whether the output each reverse rule reads, by hand from
# primitives.py: the reference the walk below uses instead of Primitive.residuals
_RULE_READS = {
    "add": ({}, False), "sub": ({}, False), "sum": ({}, False),
    "mul": ({0: [1], 1: [0]}, False), "matmul": ({0: [1], 1: [0]}, False),
    "sin": ({0: [0]}, False), "cos": ({0: [0]}, False), "square": ({0: [0]}, False),
    "tanh": ({}, True), "sigmoid": ({}, True),
}  # fmt: skip


def _stored_by_walking_nx(graph, outputs):
    """Numbers the reverse sweeps from ``outputs`` read, counted on ``graph.nx`` with _RULE_READS."""
    nx_graph = graph.nx
    reached = set(outputs).union(*(nx.ancestors(nx_graph, o) for o in outputs))  # adjoints arrive
    inputs = set(graph.inputs)
    read = set()
    for node in reached:
        data = nx_graph.nodes[node]
        if data["kind"] != "op":
            continue
        args = {k: u for u, _, k in nx_graph.in_edges(node, keys=True)}
        reads_args, reads_output = _RULE_READS[data["op"]]
        active = [k for k, u in args.items() if u in inputs or inputs & nx.ancestors(nx_graph, u)]
        for k in active:
            read.update(args[j] for j in reads_args.get(k, []))
            if reads_output:
                read.add(node)
    return sum(int(np.prod(nx_graph.nodes[v]["shape"])) for v in read if nx_graph.nodes[v]["kind"] != "const")


@pytest.mark.parametrize(
    ("graph", "stored", "per_output"), [pytest.param(*case, id=case[0].name) for case in STORED_CLOSED_FORMS]
)
def test_stored_values_equal_the_closed_forms(graph, stored, per_output):
    from graphdiff.cli.suites import random_point
    from graphdiff.cost.sweeps import count_by_running

    point = random_point(graph)
    assert measure(graph, point, modes=("reverse",), repeats=1, budget=0)["reverse"].stored_values == stored
    assert count_by_running(graph.program, graph.bind(point), "reverse")[2] == stored  # reads recorded
    assert len(per_output) == len(graph.outputs)
    for output, expected in zip(graph.outputs, per_output):
        cotangent = None if graph.program.shapes[graph.program.slot[output]] == () else 1.0
        assert gd.reverse(graph, point, output=output, cotangent=cotangent).stored_values == expected
    # the walk over networkx agrees with the closed forms, so it can stand in where there is none
    assert _stored_by_walking_nx(graph, graph.outputs) == stored
    assert [_stored_by_walking_nx(graph, [o]) for o in graph.outputs] == per_output


@pytest.mark.parametrize("seed", [5, 11])
def test_stored_values_of_a_random_dag_equal_a_walk_of_its_networkx_graph(seed):
    from graphdiff.cli.suites import random_point
    from graphdiff.cost.sweeps import count_by_running

    graph = builders.random_dag(30, 3, 2, seed=seed)
    point = random_point(graph)
    stored = _stored_by_walking_nx(graph, graph.outputs)
    assert stored > 0
    assert measure(graph, point, modes=("reverse",), repeats=1, budget=0)["reverse"].stored_values == stored
    assert count_by_running(graph.program, graph.bind(point), "reverse")[2] == stored
    for output in graph.outputs:
        assert gd.reverse(graph, point, output=output).stored_values == _stored_by_walking_nx(graph, [output])


FAMILY_GRAPHS = [
    builders.colah(),
    builders.speelpenning(6),
    builders.path_explosion(3, 3),
    builders.fan_out(4),
    builders.dense_map(3, 2, hidden=3),
    builders.mlp(),
    builders.mlp(scalar=True),
    builders.rosenbrock(4),
    builders.random_dag(30, 3, 1, seed=5),
]


# --- the fast tally equals counting every operation of the running sweeps ---------------------


# a user primitive of three arguments: the tally's rows hold two, and wider ones take more rows
_fma = gd.Primitive(
    "fma", 3, lambda x, y, z: x * y + z,
    jvp=(lambda x_dot, out, x, y, z: x_dot * y, lambda y_dot, out, x, y, z: x * y_dot, lambda z_dot, out, x, y, z: z_dot),
    vjp=(lambda y_bar, out, x, y, z: y_bar * y, lambda y_bar, out, x, y, z: y_bar * x, lambda y_bar, out, x, y, z: y_bar),
)  # fmt: skip


@pytest.mark.parametrize("graph", FAMILY_GRAPHS + [
    gd.trace(lambda A, x: gd.sum(gd.tanh(A @ x) * (A @ x)), np.ones((3, 4)), np.ones(4)),
    gd.trace(lambda a, b, c: gd.sin(_fma(a, _fma(a, b, c), gd.cos(c))) * _fma(b, b, 2.0), 0.5, 0.7, 0.9, name="fma"),
], ids=lambda g: g.name)  # fmt: skip
@pytest.mark.parametrize("mode", ["function", "forward", "forward-vector", "reverse"])
def test_tally_equals_counting_every_operation(graph, mode):
    from graphdiff.cli.suites import random_point
    from graphdiff.cost.sweeps import count_by_running

    point = random_point(graph)
    tallied = measure(graph, point, modes=(mode,), repeats=1, budget=0)[mode]
    ops, sweeps, stored = count_by_running(graph.program, graph.bind(point), mode)
    assert tallied.ops.as_dict() == ops.as_dict()
    assert (tallied.sweeps, tallied.stored_values) == (sweeps, stored)


def test_tally_of_sweeps_seeded_inside_the_graph():
    """paths.sweep_costs seeds at any node: a seeded instruction keeps its tangent even when its
    arguments carry none, and a reverse sweep may start anywhere."""
    from graphdiff.cost.tally import forward_counts, reverse_counts
    from graphdiff.modes.evaluate import evaluate
    from graphdiff.modes.forward import forward_sweep
    from graphdiff.modes.reverse import reverse_sweep
    from graphdiff.primitives.counting import OpCounts

    graph = builders.random_dag(60, 4, 2, seed=3)
    program = graph.program
    values = [Counted(v) if v is not None else None for v in graph.bind([0.3, -0.2, 0.5, 0.1])]
    primals = evaluate(program, values)
    first_input, costly = program.input_slots[0], 0
    for op in program.ops[::3]:
        for seeded in ({op.out}, {first_input, op.out}):
            with counting() as ops:
                _, tangents = forward_sweep(program, values, {s: Counted(np.float64(1.0)) for s in seeded})
            tallied, sizes = forward_counts(program, seeded)
            assert tallied.as_dict() == ops.as_dict()  # the evaluation included
            assert [size > 0 for size in sizes] == [t is not None for t in tangents]
        with counting() as ops:
            adjoints = reverse_sweep(program, primals, {op.out: Counted(np.float64(1.0))})
        tallied, arrived = reverse_counts(program, [op.out])
        assert tallied.as_dict() == ops.as_dict()
        assert arrived == [a is not None for a in adjoints]
        costly += tallied != OpCounts()
    assert costly > len(program.ops) // 6  # most sweeps do arithmetic: the test compares something
