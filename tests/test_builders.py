"""The graph builders: shapes, sizes and values they promise."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders


def count_paths(G, source, target):
    paths = {source: 1}
    for node in nx.topological_sort(G):
        for _, succ in G.out_edges(node):
            paths[succ] = paths.get(succ, 0) + paths.get(node, 0)
    return paths.get(target, 0)


def test_speelpenning_is_the_product():
    g = builders.speelpenning(5)
    assert g(1.0, 2.0, 3.0, 4.0, 5.0) == 120.0
    assert len(g) == 2 * 5 - 1
    assert gd.grad(g)(1.0, 2.0, 3.0, 4.0, 5.0) == (120.0, 60.0, 40.0, 30.0, 24.0)


@pytest.mark.parametrize("depth, width", [(1, 1), (2, 3), (4, 2), (3, 4)])
def test_path_explosion_has_width_to_the_depth_paths(depth, width):
    g = builders.path_explosion(depth, width)
    assert len(g) == 1 + depth * (2 * width - 1)
    assert count_paths(g.nx, "x", g.outputs[0]) == width**depth


def test_path_explosion_value():
    g = builders.path_explosion(1, 4)
    x = 0.3
    assert g(x) == pytest.approx(np.sin(x) + np.cos(x) + np.tanh(x) + 1 / (1 + np.exp(-x)), rel=1e-15)


def test_fan_out_and_dense_map_shapes():
    g = builders.fan_out(4)
    assert (len(g.inputs), len(g.outputs)) == (1, 4)
    assert g(0.5)[0] == pytest.approx(np.sin(0.5) ** 2, rel=1e-15)
    d = builders.dense_map(3, 5, hidden=4, seed=1)
    assert (len(d.inputs), len(d.outputs)) == (3, 5)
    assert builders.dense_map(3, 5, hidden=4, seed=1)(0.1, 0.2, 0.3) == d(0.1, 0.2, 0.3)


def test_rosenbrock_minimum_and_gradient():
    g = builders.rosenbrock(4)
    assert g(1.0, 1.0, 1.0, 1.0) == 0.0
    assert gd.grad(g)(1.0, 1.0, 1.0, 1.0) == (0.0, 0.0, 0.0, 0.0)
    # d/dx0 of 100 (x1 - x0^2)^2 + (1 - x0)^2 at (0, 0, ...) is -2
    assert gd.grad(g)(0.0, 0.0, 0.0, 0.0)[0] == -2.0


def test_random_dag_is_reproducible():
    a, b = builders.random_dag(25, 3, 2, seed=7), builders.random_dag(25, 3, 2, seed=7)
    assert nx.utils.graphs_equal(a.nx, b.nx)
    assert a(0.1, 0.2, 0.3) == b(0.1, 0.2, 0.3)


@pytest.mark.parametrize(
    "call",
    [lambda: builders.speelpenning(0), lambda: builders.path_explosion(2, 0), lambda: builders.fan_out(-1),
     lambda: builders.dense_map(2, 0), lambda: builders.rosenbrock(1), lambda: builders.random_dag(1, 0, 1)],
)  # fmt: skip
def test_bad_sizes_raise_argument_error(call):
    with pytest.raises(gd.ArgumentError):
        call()
