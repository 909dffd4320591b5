"""The path-sum view: every path's product of edge partials sums to the derivative."""

from __future__ import annotations

import math

import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.main import main
from graphdiff.views.paths import PathExplosionError, count_paths, paths, sweep_costs


def test_colah_has_one_path_from_a_and_two_from_b():
    # c = a + b, d = b + 1, e = c * d. a is read by c alone, and c by e alone: one path
    # a -> c -> e. b is read by c and by d, each read by e: two paths b -> c -> e and
    # b -> d -> e. At a=2, b=1: dc/da = dc/db = dd/db = 1, de/dc = d = 2, de/dd = c = 3.
    at = {"a": 2.0, "b": 1.0}
    from_a = paths(builders.colah(), "a", "e", at)
    assert [(p.nodes, p.partials, p.product) for p in from_a.paths] == [(("a", "c", "e"), (1.0, 2.0), 2.0)]
    assert from_a.derivative == 2.0 and from_a.count == 1
    from_b = paths(builders.colah(), "b", "e", at)
    assert [(p.nodes, p.partials, p.product) for p in from_b.paths] == [
        (("b", "c", "e"), (1.0, 2.0), 2.0),
        (("b", "d", "e"), (1.0, 3.0), 3.0),
    ]
    assert from_b.derivative == 5.0 and from_b.count == 2


def test_seed_001_nine_paths_are_three_choices_at_each_of_two_stages():
    # path_explosion(2, 3): stage s reads y_{s-1} (x at s = 1) with s{s}b0 = sin, s{s}b1 = cos,
    # s{s}b2 = tanh; the first add sums b0 and b1 (add_4 at stage 1, add_9 at stage 2, named
    # by the node counter), the second adds b2 and is y_s. So from y_{s-1} to y_s there are
    # three ways: b0 -> add -> y, b1 -> add -> y, b2 -> y; two stages give 3 x 3 = 9 paths,
    # listed with the first stage's choice varying slowest.
    g = builders.path_explosion(2, 3)
    ps = paths(g, "x", "y2", [0.5])
    assert [p.nodes for p in ps.paths] == [
        ("x", "s1b0", "add_4", "y1", "s2b0", "add_9", "y2"),
        ("x", "s1b0", "add_4", "y1", "s2b1", "add_9", "y2"),
        ("x", "s1b0", "add_4", "y1", "s2b2", "y2"),
        ("x", "s1b1", "add_4", "y1", "s2b0", "add_9", "y2"),
        ("x", "s1b1", "add_4", "y1", "s2b1", "add_9", "y2"),
        ("x", "s1b1", "add_4", "y1", "s2b2", "y2"),
        ("x", "s1b2", "y1", "s2b0", "add_9", "y2"),
        ("x", "s1b2", "y1", "s2b1", "add_9", "y2"),
        ("x", "s1b2", "y1", "s2b2", "y2"),
    ]
    # the partial on a branch is its function's derivative, on every add 1
    y1 = math.sin(0.5) + math.cos(0.5) + math.tanh(0.5)
    stage1 = [math.cos(0.5), -math.sin(0.5), 1 - math.tanh(0.5) ** 2]
    stage2 = [math.cos(y1), -math.sin(y1), 1 - math.tanh(y1) ** 2]
    products = [a * b for a in stage1 for b in stage2]
    assert [p.product for p in ps.paths] == pytest.approx(products, rel=1e-14)
    assert ps.paths[0].partials == pytest.approx((stage1[0], 1.0, 1.0, stage2[0], 1.0, 1.0), rel=1e-14)
    # the nine products sum to one product of sums
    assert ps.derivative == pytest.approx(sum(stage1) * sum(stage2), rel=1e-14)
    assert ps.derivative == pytest.approx(gd.grad(g)(0.5)[0], rel=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_path_sum_equals_reverse_mode_on_random_graphs(seed):
    g = builders.random_dag(20, 2, 1, seed=seed)
    point = [0.3, -0.7]
    ps = paths(g, "x0", g.outputs[0], point)
    assert ps.derivative == pytest.approx(gd.grad(g)(*point)[0], rel=1e-10, abs=1e-12)
    assert ps.count == len(ps.paths) == count_paths(g, "x0", g.outputs[0])[0]
    assert len(set(p.nodes for p in ps.paths)) <= ps.count  # x * x repeats a path, one per edge


def test_repeated_arguments_are_two_paths():
    g = gd.trace(lambda x: x * x)
    ps = paths(g, "x", g.outputs[0], [3.0])
    assert ps.count == 2 and ps.derivative == 6.0
    assert [p.partials for p in ps.paths] == [(3.0,), (3.0,)]


@pytest.mark.parametrize("depth, width", [(1, 1), (1, 3), (3, 2), (6, 3), (12, 3), (4, 4)])
def test_path_counts_match_their_closed_form_and_sweeps_stay_linear(depth, width):
    # Each stage offers `width` branches; branch 0 and branch 1 reach y through width - 1
    # adds, branch k >= 1 through width - k: branch k is 1 + (width - 1) edges for k = 0
    # and 1 + (width - k) for k >= 1. A path picks one branch per stage, so there are
    # width**depth paths, and each branch of each stage is on width**(depth - 1) of them.
    g = builders.path_explosion(depth, width)
    per_stage = width + sum(1 + width - k for k in range(1, width))
    count, edges = count_paths(g, "x", g.outputs[0])
    assert count == width**depth
    assert edges == depth * width ** (depth - 1) * per_stage
    if width == 3:
        forward_ops, reverse_ops = sweep_costs(g, "x", g.outputs[0], [0.5])
        assert forward_ops == reverse_ops == 10 * depth  # per stage: sin 2, cos 3, tanh 3, 2 adds


@pytest.mark.parametrize("n", [2, 7, 50])
def test_speelpenning_has_one_path_from_each_input_of_length_n_minus_its_index(n):
    # x0 and x1 meet in the first mul, x_k (k >= 1) enters at the k-th: one path each,
    # of n - 1 edges from x0 and n - k from x_k.
    g = builders.speelpenning(n)
    assert count_paths(g, "x0", g.outputs[0]) == (1, n - 1)
    for k in range(1, n):
        assert count_paths(g, f"x{k}", g.outputs[0]) == (1, n - k)


def test_fan_out_has_two_paths_to_each_square_through_its_two_edges():
    # y_k = t_k * t_k with t_k = sin(t_{k-1}): one path of k edges to t_k, two of k + 1 to y_k
    g = builders.fan_out(5)
    for k in range(1, 6):
        assert count_paths(g, "x", f"t{k}") == (1, k)
        assert count_paths(g, "x", f"y{k}") == (2, 2 * (k + 1))


def test_a_2000_op_chain_enumerates_without_recursion_error():
    g = gd.Graph("chain")
    node = x = g.add_input("x")
    for _ in range(2000):
        node = g.add_op("sin", node)
    g.set_outputs(node)
    ps = paths(g, "x", node, [0.3])
    assert ps.count == 1 and len(ps.paths[0].nodes) == 2001
    assert ps.paths[0].nodes[0] == x and ps.paths[0].nodes[-1] == node
    assert ps.steps == 2001
    assert ps.derivative == pytest.approx(gd.grad(g)(0.3)[0], rel=1e-12)


def _one_path_among_dead_ends(depth: int = 16) -> gd.Graph:
    """A chain x -> t1 -> ... -> t{depth} with dead ends everywhere else.

    From x hangs path_explosion's stages (3**depth paths to z{depth}, none to the chain), and
    from every chain node a cos that nothing reads.
    """
    g = gd.Graph("one path among dead ends")
    x = g.add_input("x")
    chain, side = x, x
    for k in range(1, depth + 1):
        chain = g.add_op("sin", chain, name=f"t{k}")
        g.add_op("cos", chain, name=f"dead{k}")
        branches = [g.add_op(op, side) for op in ("sin", "cos", "tanh")]
        side = g.add_op("add", g.add_op("add", branches[0], branches[1]), branches[2], name=f"z{k}")
    g.set_outputs(chain, side)
    return g


def test_a_single_path_among_dead_ends_visits_only_its_own_nodes():
    g = _one_path_among_dead_ends(16)
    assert count_paths(g, "x", "z16")[0] == 3**16  # 43 million paths lead elsewhere
    ps = paths(g, "x", "t16", [0.4])
    assert [p.nodes for p in ps.paths] == [("x",) + tuple(f"t{k}" for k in range(1, 17))]
    assert ps.steps == 17  # the walk never leaves the chain
    assert ps.derivative == pytest.approx(gd.jacrev(g)(0.4)[0][0], rel=1e-12)


def test_the_walk_visits_each_start_of_a_path_once():
    # path_explosion(2, 3) from x to y2: the starts of paths are x; s1b0, s1b1, s1b2; add_4
    # twice (via b0, b1); y1 three times; then, after each of the 3 ways to y1, s2b0, s2b1,
    # s2b2, add_9 twice and y2 three times: 1 + 3 + 2 + 3 + 3 * (3 + 2 + 3) = 33
    ps = paths(builders.path_explosion(2, 3), "x", "y2", [0.5])
    assert ps.steps == 33


def test_enumeration_refuses_politely():
    g = builders.path_explosion(12, 3)
    with pytest.raises(PathExplosionError, match="531441 paths .* limit=10000"):
        paths(g, "x", "y12", [0.5])


def test_a_path_longer_than_max_work_is_refused_before_it_is_listed():
    g = builders.speelpenning(1000)  # one path of 1000 nodes from x0
    with pytest.raises(
        PathExplosionError,
        match=r"the 1 paths from 'x0' to .* hold 1000 nodes in all, more than max_work=999",
    ):
        paths(g, "x0", g.outputs[0], [1.0] * 1000, max_work=999)
    assert paths(g, "x0", g.outputs[0], [1.0] * 1000, max_work=1000).steps == 1000


def test_few_paths_of_many_nodes_are_refused_by_work_not_count():
    g = builders.path_explosion(6, 3)  # 729 paths, under limit=10000, of 4 to 7 nodes each per stage
    _, edges = count_paths(g, "x", "y6")
    with pytest.raises(PathExplosionError, match=f"hold {edges + 729} nodes in all, more than max_work=1000"):
        paths(g, "x", "y6", [0.5], max_work=1000)


def test_bad_ends():
    with pytest.raises(gd.SeedError, match="path source 'c' is not an input"):
        paths(builders.colah(), "c", "e", [2.0, 1.0])
    with pytest.raises(gd.SeedError, match="path target 'nope' is not a node"):
        count_paths(builders.colah(), "a", "nope")


def test_a_target_the_source_does_not_reach_has_no_paths():
    ps = paths(builders.colah(), "a", "d", {"a": 2.0, "b": 1.0})  # d = b + 1
    assert ps.paths == [] and ps.count == 0 and ps.derivative == 0.0


def test_example_paths_cli(capsys):
    assert main(["example", "paths"]) == 0
    out = capsys.readouterr().out
    assert "sum over the 9 paths" in out and "(α + β + γ)(δ + ε + ζ)" in out
    growth = out.split("Growth with depth")[1].splitlines()[3:]
    rows = [[int(cell) for cell in line.split()] for line in growth if line.strip()]
    assert [row[0] for row in rows] == list(range(1, 9))
    # depth d, width 3: 5d + 1 nodes, 3^d paths, 10d operations in each sweep
    assert [(row[1], row[2], row[4], row[5]) for row in rows] == [
        (5 * d + 1, 3**d, 10 * d, 10 * d) for d in range(1, 9)
    ]
