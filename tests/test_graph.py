"""The graph IR: ordered arguments, names, labels, and networkx interoperability."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders


def test_argument_order_is_exact_for_repeated_and_noncommutative_args():
    g = gd.trace(lambda x, y: (x * x, x - y, y / x, x**y))
    square, diff, quot, power = g.outputs
    assert g.args(square) == ["x", "x"]  # two parallel edges
    assert g.nx.number_of_edges("x", square) == 2
    assert g.args(diff) == ["x", "y"]
    assert g.args(quot) == ["y", "x"]
    assert g(3.0, 2.0) == (9.0, 1.0, 2.0 / 3.0, 9.0)
    assert gd.jacrev(g)(3.0, 2.0)[1] == (1.0, -1.0)
    assert gd.jacrev(g)(3.0, 2.0)[2] == (-2.0 / 9.0, 1.0 / 3.0)


def test_colah_names_and_labels():
    g = builders.colah()
    assert g.inputs == ["a", "b"] and g.outputs == ["e"]
    assert [g.label(n) for n in ("a", "c", "e")] == ["input", "add(a, b)", "mul(c, d)"]
    assert g.nx.nodes["e"] == {"kind": "op", "op": "mul", "params": {}, "shape": ()}


def test_networkx_algorithms_work_on_the_graph():
    g = builders.colah()
    order = list(nx.topological_sort(g.nx))
    assert order.index("c") < order.index("e") and order.index("d") < order.index("e")
    assert nx.ancestors(g.nx, "e") == {"a", "b", "c", "d", g.args("d")[1]}
    assert nx.is_directed_acyclic_graph(g.nx)


def test_node_link_round_trip_keeps_the_computation():
    g = builders.colah()
    data = json.loads(json.dumps(nx.node_link_data(g.nx, edges="edges")))
    h = gd.Graph()
    h.nx = nx.node_link_graph(data, edges="edges", multigraph=True, directed=True)
    for n in h.nx:  # JSON turns shape tuples into lists
        h.nx.nodes[n]["shape"] = tuple(h.nx.nodes[n]["shape"])
    assert h(2.0, 1.0) == 6.0
    assert gd.grad(h)(2.0, 1.0) == (2.0, 5.0)


def test_builder_api_matches_tracing():
    g = gd.Graph("f")
    x = g.add_input("x")
    y = g.add_op("sin", g.add_op("mul", x, g.add_const(2.0)))
    g.set_outputs(y)
    t = gd.trace(lambda x: gd.sin(x * 2.0))
    assert g(0.3) == t(0.3)
    assert [d["op"] for _, d in g.nx.nodes(data=True) if d["kind"] == "op"] == ["mul", "sin"]
    assert y.startswith("sin_")


def test_multiple_outputs_and_repeated_output():
    g = gd.trace(lambda x: (x, x, 2.0))
    assert g(3.0) == (3.0, 3.0, 2.0)
    assert gd.jacrev(g)(3.0) == ((1.0,), (1.0,), (0.0,))
    assert gd.jacfwd(g)(3.0) == ((1.0,), (1.0,), (0.0,))


def test_program_is_cached_and_invalidated_by_building():
    g = builders.colah()
    p = g.program
    assert g.program is p
    g.set_outputs("c")
    assert g.program is not p and g(2.0, 1.0) == 3.0


def test_array_constants_and_values():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = gd.trace(lambda x: gd.sum(w @ x), np.ones(2))
    assert g(np.array([1.0, 1.0])) == 10.0
    (x_bar,) = gd.grad(g)(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(x_bar, w.sum(axis=0))


def test_the_program_built_while_tracing_matches_compiling_the_networkx_graph():
    from graphdiff.evaluate import evaluate
    from graphdiff.program import compile_program

    for g in (builders.colah(), builders.random_dag(40, 3, 2, seed=1), builders.mlp()):
        built, compiled = g.program, compile_program(g.nx)
        assert sorted(built.names) == sorted(compiled.names)
        point = g.bind([np.full(g.nx.nodes[n]["shape"], 0.3) for n in g.inputs])
        a, b = evaluate(built, point), evaluate(compiled, point)
        for name in built.names:
            np.testing.assert_array_equal(a[built.slot[name]], b[compiled.slot[name]])


def test_direct_edits_to_the_networkx_graph_are_noticed():
    g = builders.colah()
    _ = g.program
    g.nx.add_edge("a", "e", key=2)  # e = mul(c, d, a): one argument too many, no invalidate()
    g.set_outputs("e")  # any rebuild of the program checks the networkx graph again
    with pytest.raises(gd.ArityError, match="node 'e'"):
        g(2.0, 1.0)
