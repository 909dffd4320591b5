"""Vertex elimination: the published baselines recounted exactly, hand-worked counts, the
sparse-sweep formulas for forward and reverse order, and jacfwd's Jacobian from any order."""

import json
import random

import networkx as nx
import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.eliminate import PUBLISHED
from graphdiff.cli.main import main

SEED = 11


@pytest.mark.parametrize("key", list(PUBLISHED))
def test_forward_reverse_and_markowitz_reproduce_the_published_multiplications(key):
    g = getattr(builders, key)()
    point = builders.ELIMINATION_BENCHMARKS[key][1]
    J = gd.jacfwd(g)(*point)
    for order in ("forward", "reverse", "markowitz"):
        result = gd.eliminate(g, point, order=order)
        assert result.multiplications == PUBLISHED[key][order], (key, order)
        np.testing.assert_allclose(result.jacobian, J, rtol=1e-12, atol=1e-12)


def test_colah_by_hand():
    # edges a->c, b->c, b->d, c->e, d->e. forward: c costs 2*1 (a->e, b->e), then d 1*1
    # landing on b->e: an addition. reverse: d costs 1 (b->e), then c 2*1, a->e new, b->e added
    g = builders.colah()
    for order, eliminated in (("forward", ["c", "d"]), ("reverse", ["d", "c"])):
        r = gd.eliminate(g, [2.0, 1.0], order=order)
        assert (r.order, r.multiplications, r.additions) == (eliminated, 3, 1)
        assert r.jacobian.tolist() == [[2.0, 5.0]]  # de/da = d = 2, de/db = c + d = 5


def test_the_three_by_three_path_graph_of_calculus_on_computational_graphs():
    # X -> a1, a2, a3 -> Y -> b1, b2, b3 -> Z: nine paths from X to Z
    G = nx.DiGraph(inputs=["X"], outputs=["Z"])
    alpha, delta = [2.0, 3.0, 5.0], [7.0, 11.0, 13.0]
    for k in range(3):
        G.add_edge("X", f"a{k}", partial=alpha[k])
        G.add_edge(f"a{k}", "Y", partial=1.0)
    for k in range(3):
        G.add_edge("Y", f"b{k}", partial=delta[k])
        G.add_edge(f"b{k}", "Z", partial=1.0)
    # forward: a0..a2 cost 1 each (two of them add onto X->Y), Y costs 1*3, b0..b2 1 each:
    # 9 multiplications, the nine path products summed; reverse likewise. Markowitz takes
    # the a's and b's first (1 each) and Y last (1*1): 7, the factored (sum)(sum)
    expected = {"forward": (9, 4), "reverse": (9, 4), "markowitz": (7, 4)}
    for order, counts in expected.items():
        r = gd.eliminate(G, order=order)
        assert (r.multiplications, r.additions) == counts, order
        assert r.jacobian.tolist() == [[sum(alpha) * sum(delta)]]


def test_path_explosion_depth_one_by_hand():
    # x -> sin, cos, tanh; add_4 = sin + cos; y1 = add_4 + tanh
    g = builders.path_explosion(1, 3)
    forward = gd.eliminate(g, [0.5], order="forward")
    reverse = gd.eliminate(g, [0.5], order="reverse")
    assert (forward.multiplications, forward.additions) == (4, 2)  # one per branch, then add_4: 1*1
    assert (reverse.multiplications, reverse.additions) == (5, 2)  # add_4 first: 2*1, then 1 per branch
    assert forward.jacobian[0, 0] == pytest.approx(
        np.cos(0.5) - np.sin(0.5) + 1 - np.tanh(0.5) ** 2, rel=1e-15
    )


def _depends(G):
    """For every vertex: the inputs it depends on, and the outputs it reaches."""
    ins, outs = set(G.graph["inputs"]), set(G.graph["outputs"])
    deps = {v: ({v} if v in ins else set()) | {a for a in nx.ancestors(G, v) if a in ins} for v in G}
    reach = {v: ({v} if v in outs else set()) | {d for d in nx.descendants(G, v) if d in outs} for v in G}
    return deps, reach


def _graphs():
    yield builders.colah(), [2.0, 1.0]
    yield builders.speelpenning(5), [0.9, 1.1, 1.2, 0.8, 1.3]
    yield builders.path_explosion(3, 3), [0.4]
    yield builders.rosenbrock(4), [0.3, -0.2, 0.5, 0.1]
    yield builders.dense_map(3, 4, hidden=3), [0.1, -0.3, 0.7]
    for seed in range(4):
        g = builders.random_dag(40, 4, 3, seed=seed)
        yield g, list(np.random.default_rng(seed).uniform(0.2, 0.9, 4))


@pytest.mark.parametrize("g, point", list(_graphs()), ids=lambda x: getattr(x, "name", ""))
def test_forward_and_reverse_orders_cost_what_sparse_sweeps_multiply(g, point):
    G = gd.linearize_graph(g, point)
    ins, outs = set(G.graph["inputs"]), set(G.graph["outputs"])
    deps, reach = _depends(G)
    # forward: each edge out of an intermediate carries its source's sparse tangent
    forward = sum(len(deps[u]) for u, v in G.edges if u not in ins)
    # reverse: each edge into an intermediate carries its target's sparse adjoint
    reverse = sum(len(reach[v]) for u, v in G.edges if v not in outs)
    assert gd.eliminate(g, point, order="forward").multiplications == forward
    assert gd.eliminate(g, point, order="reverse").multiplications == reverse


@pytest.mark.parametrize("g, point", list(_graphs()), ids=lambda x: getattr(x, "name", ""))
def test_any_order_gives_jacfwds_jacobian_and_its_code_the_same_bits(g, point):
    J = np.asarray(gd.jacfwd(g)(*point)).reshape(len(g.outputs), len(g.inputs))
    rng = random.Random(SEED)
    forward = gd.eliminate(g, point, order="forward")
    for _ in range(5):
        order = list(forward.order)
        rng.shuffle(order)
        r = gd.eliminate(g, point, order=order)
        np.testing.assert_allclose(r.jacobian, J, rtol=1e-12, atol=1e-12)
        # the generated straight-line code performs the same products, added in the same order
        code = np.array(r.accumulate()([p for _, _, p in r.edges])).reshape(J.shape)
        assert code.tobytes() == r.jacobian.tobytes()
        assert r.multiplications == gd.transforms.elimination.elimination_cost(
            *_bitsets(gd.linearize_graph(g, point), order)
        )


def _bitsets(G, order):
    names = sorted(G, key=lambda v: G.nodes[v]["index"])
    at = {v: k for k, v in enumerate(names)}
    preds, succs = [0] * len(names), [0] * len(names)
    for u, v in G.edges:
        preds[at[v]] |= 1 << at[u]
        succs[at[u]] |= 1 << at[v]
    return preds, succs, [at[v] for v in order]


def test_the_search_never_does_worse_than_the_heuristics_it_starts_from():
    key = "human_heart_dipole"
    g, point = builders.human_heart_dipole(), builders.ELIMINATION_BENCHMARKS[key][1]
    best = gd.eliminate(g, point, order="best", iterations=3000, seed=1)
    again = gd.eliminate(g, point, order="best", iterations=3000, seed=1)
    assert best.order == again.order  # a fixed number of steps and seed: the same order anywhere
    heuristics = [
        gd.eliminate(g, point, order=o).multiplications for o in ("forward", "reverse", "markowitz", "fill")
    ]
    assert best.multiplications <= min(heuristics)
    np.testing.assert_allclose(best.jacobian, gd.jacfwd(g)(*point), rtol=1e-12, atol=1e-12)


def test_an_output_other_operations_use_gets_a_copy_as_the_output():
    g = gd.trace(lambda x: (lambda y: (y, gd.sin(y)))(x * 2.0))  # y = 2x is an output and feeds sin
    G = gd.linearize_graph(g, [1.0])
    assert G.graph["outputs"] == ["mul_2:out", "sin_3"] and G.edges["mul_2", "mul_2:out"]["partial"] == 1.0
    for order in ("forward", "reverse", "markowitz"):
        r = gd.eliminate(g, [1.0], order=order)
        assert r.jacobian.tolist() == [[2.0], [2.0 * np.cos(2.0)]]
    # a constant output has a zero row
    assert gd.eliminate(gd.trace(lambda x: (x * x, 3.0)), [2.0]).jacobian.tolist() == [[4.0], [0.0]]


def test_the_linearized_graph_keeps_inputs_and_outputs_and_drops_constants():
    G = gd.linearize_graph(builders.colah(), [2.0, 1.0])
    assert set(G) == {"a", "b", "c", "d", "e"}  # const_3 is not a vertex
    assert G.graph["inputs"] == ["a", "b"] and G.graph["outputs"] == ["e"]
    assert G.nodes["e"]["value"] == 6.0
    # x * x: one edge, the two partials added
    H = gd.linearize_graph(gd.trace(lambda x: x * x), [3.0])
    assert list(H.edges(data="partial")) == [("x", "mul_1", 6.0)]


def test_what_cannot_be_eliminated_is_refused_by_name():
    with pytest.raises(gd.ShapeError, match="graphs of scalars"):
        gd.eliminate(builders.mlp(), [np.ones((2, 4)), np.ones((1, 4)), np.ones((4, 1)), np.ones((1, 1))])
    with pytest.raises(gd.ArgumentError, match="missing: \\['d'\\]"):
        gd.eliminate(builders.colah(), [2.0, 1.0], order=["c"])
    with pytest.raises(gd.ArgumentError, match="unknown order 'sideways'"):
        gd.eliminate(builders.colah(), [2.0, 1.0], order="sideways")
    G = nx.DiGraph(inputs=["x"], outputs=["y"])
    G.add_edge("x", "y", partial="two")
    with pytest.raises(gd.ArgumentError, match="needs a finite number"):
        gd.eliminate(G)


def test_graphdiff_eliminate_prints_counts_and_json_anyone_can_recount(capsys):
    assert main(["eliminate", "colah", "--order", "reverse", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in (
        "graph",
        "inputs",
        "outputs",
        "edges",
        "order_name",
        "order",
        "multiplications",
        "additions",
        "jacobian",
    ):
        assert key in out
    assert out["multiplications"] == 3 and out["jacobian"] == [[2.0, 5.0]]
    # recount from the JSON alone: rebuild the linearized graph and eliminate in the given order
    G = nx.DiGraph(inputs=out["inputs"], outputs=out["outputs"])
    G.add_edges_from((u, v, {"partial": p}) for u, v, p in out["edges"])
    assert gd.eliminate(G, order=out["order"]).multiplications == out["multiplications"]


def test_graphdiff_eliminate_table_reproduces_every_baseline(capsys):
    assert main(["eliminate", "--table", "--budget", "0.2"]) == 0
    out = capsys.readouterr().out
    assert out.count("reproduced") == 12 and "DIFFERS" not in out


def test_a_plain_function_is_traced_at_the_inputs_given():
    f = lambda x, y: gd.sin(x * y) * y
    r = gd.eliminate(f, [0.5, 2.0], order="reverse")
    np.testing.assert_allclose(r.jacobian, gd.jacfwd(f)(0.5, 2.0).reshape(1, 2), rtol=1e-12)
    assert gd.linearize_graph(f, [0.5, 2.0]).number_of_edges() == 5  # x, y -> xy; xy -> sin; sin, y -> out
    with pytest.raises(gd.InputError, match="list of values"):
        gd.eliminate(f, {"x": 0.5, "y": 2.0})


def test_a_search_of_no_steps_returns_the_best_heuristic_and_bad_budgets_are_refused():
    g, x = builders.roe_flux_1d(), builders.ELIMINATION_BENCHMARKS["roe_flux_1d"][1]
    heuristics = min(
        gd.eliminate(g, x, order=o).multiplications for o in ("forward", "reverse", "markowitz", "fill")
    )
    assert gd.eliminate(g, x, order="best", iterations=0).multiplications == heuristics
    assert gd.eliminate(g, x, order="best", budget=0).multiplications == heuristics
    for bad in (dict(iterations=-1), dict(iterations=2.5), dict(budget=-1.0), dict(budget=float("nan"))):
        with pytest.raises(gd.ArgumentError, match="budget|iterations"):
            gd.eliminate(g, x, order="best", **bad)
    with pytest.raises(gd.ArgumentError, match="order is a name"):
        gd.eliminate(g, x, order=5)
