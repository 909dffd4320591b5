"""The path-sum view: every path's product of edge partials sums to the derivative."""

from __future__ import annotations

import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli import main
from graphdiff.paths import PathExplosionError, count_paths, paths


def test_colah_paths_from_b():
    ps = paths(builders.colah(), "b", "e", {"a": 2.0, "b": 1.0})
    assert [(p.nodes, p.partials) for p in ps.paths] == [
        (("b", "c", "e"), (1.0, 2.0)),
        (("b", "d", "e"), (1.0, 3.0)),
    ]
    assert ps.derivative == 5.0


def test_seed_001_nine_products_equal_one_product_of_sums():
    g = builders.path_explosion(2, 3)
    ps = paths(g, "x", "y2", [0.5])
    assert ps.count == len(ps.paths) == 9
    assert ps.derivative == pytest.approx(gd.grad(g)(0.5)[0], rel=1e-14)
    first = [p for p in ps.paths if p.nodes[1].startswith("s1b")]
    assert (
        len({p.nodes[1] for p in first}) == 3
        and len({p.nodes[-3 if len(p.nodes) > 5 else -2] for p in ps.paths}) >= 1
    )


@pytest.mark.parametrize("seed", range(4))
def test_path_sum_equals_reverse_mode_on_random_graphs(seed):
    g = builders.random_dag(20, 2, 1, seed=seed)
    point = [0.3, -0.7]
    ps = paths(g, "x0", g.outputs[0], point)
    assert ps.derivative == pytest.approx(gd.grad(g)(*point)[0], rel=1e-10, abs=1e-12)
    assert ps.count == len(ps.paths) == count_paths(g, "x0", g.outputs[0])[0]


def test_repeated_arguments_are_two_paths():
    g = gd.trace(lambda x: x * x)
    ps = paths(g, "x", g.outputs[0], [3.0])
    assert ps.count == 2 and ps.derivative == 6.0


@pytest.mark.parametrize("depth", [1, 3, 6, 12])
def test_path_count_is_width_to_the_depth_and_sweeps_stay_linear(depth):
    g = builders.path_explosion(depth, 3)
    count, edges = count_paths(g, "x", g.outputs[0])
    assert count == 3**depth
    from graphdiff.paths import sweep_costs

    forward_ops, reverse_ops = sweep_costs(g, "x", g.outputs[0], [0.5])
    assert forward_ops == reverse_ops == 10 * depth  # per stage: sin 2, cos 3, tanh 3, 2 adds


def test_enumeration_refuses_politely():
    g = builders.path_explosion(12, 3)
    with pytest.raises(PathExplosionError, match="531441 paths .* limit=10000"):
        paths(g, "x", "y12", [0.5])


def test_bad_ends():
    with pytest.raises(gd.SeedError, match="not an input"):
        paths(builders.colah(), "c", "e", [2.0, 1.0])


def test_example_paths_cli(capsys):
    assert main(["example", "paths"]) == 0
    out = capsys.readouterr().out
    assert "sum over the 9 paths" in out and "(α + β + γ)(δ + ε + ζ)" in out
    assert "531441" in out  # depth 12 in the growth table
