"""Property tests: on random graphs at random points, forward mode equals reverse mode."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import graphdiff as gd
from graphdiff import builders

from .conftest import assert_nested_close


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(1, 40),
    n_inputs=st.integers(1, 5),
    point=st.lists(st.floats(-1.5, 1.5), min_size=5, max_size=5),
)
def test_jacfwd_equals_jacrev_on_random_dags(seed, nodes, n_inputs, point):
    g = builders.random_dag(nodes=nodes, inputs=n_inputs, outputs=min(2, nodes), seed=seed)
    args = point[:n_inputs]
    assert_nested_close(gd.jacfwd(g)(*args), gd.jacrev(g)(*args), rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(x=st.floats(-3, 3), y=st.floats(0.2, 3))
def test_dual_numbers_equal_reverse_mode(x, y):
    f = lambda x, y: gd.tanh(x * y) / y + gd.sin(x) ** 2 - gd.log(y) * x
    dual = f(gd.Dual(x, 1.0), gd.Dual(y))
    assert np.isclose(dual.tangent, gd.grad(f)(x, y)[0], rtol=1e-12, atol=1e-14)
