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
    assert gd.jacrev(g)(3.0, 2.0)[1].tolist() == [1.0, -1.0]
    assert gd.jacrev(g)(3.0, 2.0)[2].tolist() == [-2.0 / 9.0, 1.0 / 3.0]


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
    h = gd.Graph.from_networkx(nx.node_link_graph(data, edges="edges", multigraph=True, directed=True))
    assert h(2.0, 1.0) == 6.0
    assert gd.grad(h)(2.0, 1.0) == (2.0, 5.0)
    assert h.shape_of("e") == ()  # JSON's shape lists are read back as shapes


def test_multiple_outputs_and_repeated_output():
    g = gd.trace(lambda x: (x, x, 2.0))
    assert g(3.0) == (3.0, 3.0, 2.0)
    assert gd.jacrev(g)(3.0).tolist() == [[1.0], [1.0], [0.0]]
    assert gd.jacfwd(g)(3.0).tolist() == [[1.0], [1.0], [0.0]]


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
    from graphdiff.ir.program import compile_program
    from graphdiff.modes.evaluate import evaluate

    for g in (builders.colah(), builders.random_dag(40, 3, 2, seed=1), builders.mlp()):
        built, compiled = g.program, compile_program(g.nx)
        assert sorted(built.names) == sorted(compiled.names)
        point = g.bind([np.full(g.nx.nodes[n]["shape"], 0.3) for n in g.inputs])
        a, b = evaluate(built, point), evaluate(compiled, point)
        for name in built.names:
            np.testing.assert_array_equal(a[built.slot[name]], b[compiled.slot[name]])


@pytest.mark.parametrize(
    "edit",
    [
        lambda G: G.add_edge("a", "e", key=2),
        lambda G: G.remove_edge("a", "c", key=0),
        lambda G: G.add_node("z", kind="input", shape=()),
        lambda G: G.remove_node("d"),
        lambda G: G.nodes["e"].update(op="add"),
        lambda G: G.nodes["e"].__setitem__("op", "add"),
        lambda G: G.nodes["e"].pop("op"),
        lambda G: G.graph.__setitem__("outputs", ["c"]),
        lambda G: G.clear(),
    ],
)
def test_edits_to_the_networkx_graph_after_a_call_raise_instead_of_being_ignored(edit):
    g = builders.colah()
    assert g(2.0, 1.0) == 6.0  # compiled now: an edit from here on could not reach the program
    with pytest.raises(gd.FrozenGraphError, match="from_networkx"):
        edit(g.nx)
    assert g(2.0, 1.0) == 6.0 and nx.is_frozen(g.nx)


def test_edits_before_the_first_call_raise_too():
    g = gd.trace(lambda a, b: a * b)
    with pytest.raises(gd.FrozenGraphError):
        g.nx.remove_edge("a", g.outputs[0], key=0)


def test_an_edited_copy_becomes_a_graph_with_from_networkx():
    g = builders.colah()
    H = g.nx.copy()
    H.nodes["e"]["op"] = "add"  # e = c + d
    edited = gd.Graph.from_networkx(H)
    assert edited(2.0, 1.0) == 5.0 and gd.grad(edited)(2.0, 1.0) == (1.0, 2.0)
    assert g(2.0, 1.0) == 6.0  # the original is untouched
    H.nodes["e"]["op"] = "sub"  # the new graph holds its own copy
    assert edited(2.0, 1.0) == 5.0
    H.add_edge("a", "e", key=2)  # mul(c, d, a): one argument too many
    with pytest.raises(gd.ArityError, match="node 'e'"):
        gd.Graph.from_networkx(H)


def test_a_graph_can_still_grow_after_it_was_read():
    g = builders.colah()
    _ = g.nx, g(2.0, 1.0)
    f = g.add_op("sin", "e", name="f")
    g.set_outputs(f)
    assert g(2.0, 1.0) == pytest.approx(np.sin(6.0), rel=1e-15)
    assert g.nx.nodes["f"]["op"] == "sin" and g.args("f") == ["e"]
    with pytest.raises(gd.FrozenGraphError):
        g.nx.nodes["f"]["op"] = "cos"


def test_what_node_link_data_gives_back_through_json_is_a_graph_again():
    """nx.node_link_data(g.nx), through json, then nx.node_link_graph: lists where tuples were."""
    import json

    W = np.arange(6.0).reshape(3, 2)
    g = gd.trace(
        lambda x: gd.sum(np.tanh(x @ W)[1:, ::-1]) + x.max(axis=0).sum() + gd.sum(x[[0, 2]][:, 1]),
        np.ones((3, 3)),
    )
    text = json.dumps(nx.node_link_data(g.nx, edges="edges"), default=lambda a: np.asarray(a).tolist())
    back = gd.Graph.from_networkx(nx.node_link_graph(json.loads(text), edges="edges"))
    x = np.random.default_rng(2).standard_normal((3, 3))
    assert back(x) == g(x) and back.inputs == g.inputs
    np.testing.assert_array_equal(gd.grad(back)(x)[0], gd.grad(g)(x)[0])


def test_the_node_link_dict_itself_is_a_graph_again_with_edges_or_links():
    W = np.arange(6.0).reshape(3, 2)
    g = gd.trace(lambda x: gd.sum(np.tanh(x @ W)[1:, ::-1]) * 2.0, np.ones((3, 3)))
    x = np.random.default_rng(3).standard_normal((3, 3))
    data = nx.node_link_data(g.nx)
    text = json.dumps(data, default=lambda a: np.asarray(a).tolist())
    older = json.loads(text)
    older["links"] = older.pop("edges")  # networkx before 3.4 wrote the edges as "links"
    for given in (data, json.loads(text), older):
        back = gd.Graph.from_networkx(given)
        assert back(x) == g(x) and back.inputs == g.inputs and back.outputs == g.outputs
        np.testing.assert_array_equal(gd.grad(back)(x)[0], gd.grad(g)(x)[0])
    broken = json.loads(text)
    del broken["edges"][0]["key"]
    with pytest.raises(gd.NodeError, match="edge 0 .* 'key'"):
        gd.Graph.from_networkx(broken)
    with pytest.raises(gd.NodeError, match="nodes"):
        gd.Graph.from_networkx({"graph": {}})
