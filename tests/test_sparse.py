"""Sparse Jacobians by colouring: the pattern from the graph, few colours, compressed sweeps
that give the dense Jacobian's entries, and their counts against the running sweeps."""

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cost.sweeps import COMPRESSED, count_by_running, measure

SEED = 5


def _dense(g, x):
    return np.asarray(gd.jacfwd(g)(*x), dtype=float).reshape(len(g.outputs), len(g.inputs))


def _graphs():
    yield builders.pde_residual(12)
    yield builders.colah()
    yield builders.speelpenning(6)
    yield builders.fan_out(5)
    yield builders.dense_map(4, 5, hidden=3)
    yield builders.rosenbrock(6)
    yield builders.path_explosion(3, 3)
    for seed in range(3):
        yield builders.random_dag(60, 8, 6, seed=seed)


@pytest.mark.parametrize("g", list(_graphs()), ids=lambda g: g.name)
def test_the_compressed_jacobian_equals_the_dense_one_in_every_mode_and_call(g):
    x = list(np.random.default_rng(SEED).uniform(0.2, 0.9, len(g.inputs)))
    dense = _dense(g, x)
    pattern = gd.sparsity(g).toarray()
    assert not np.any(dense[~pattern])  # outside the pattern, structurally zero
    for mode in ("fwd", "rev", "auto"):
        J = gd.sparse_jacobian(g, mode=mode)
        for _ in range(3):  # interpreted, then generated code
            got = J(*x)
            assert got.shape == dense.shape and got.format == "csr"
            np.testing.assert_allclose(got.toarray(), dense, rtol=1e-13, atol=1e-15)


def test_a_tridiagonal_jacobian_takes_three_colours_at_any_size():
    for n in (5, 40, 300):
        g = builders.pde_residual(n)
        assert gd.sparsity(g).nnz == 3 * n - 2
        for mode in ("fwd", "rev"):
            c = gd.colouring(g, mode)
            assert c.colours == 3 and c.dense == n
            # a valid colouring: no two columns (rows) of one colour share a row (column)
            P = gd.sparsity(g).toarray().astype(int)
            P = P if mode == "fwd" else P.T
            assert (P @ c.seeds).max() == 1


def test_an_arrow_pattern_is_compressed_by_the_mode_that_can_and_stays_right():
    # output 0 depends on every input (a dense row), output i on input i alone
    def arrow(*x):
        total = x[0]
        for v in x[1:]:
            total = total + v * v
        return [total] + [gd.sin(v) for v in x[1:]]

    n = 8
    g = gd.trace(arrow, *[0.0] * n)
    x = list(np.linspace(0.1, 0.8, n))
    assert gd.colouring(g, "fwd").colours == n  # a dense row: every column its own colour
    assert gd.colouring(g, "rev").colours == 2  # rows: the dense one, and all the others
    for mode in ("fwd", "rev", "auto"):
        np.testing.assert_allclose(gd.sparse_jacobian(g, mode)(*x).toarray(), _dense(g, x), rtol=1e-14)


def test_an_infinite_partial_does_not_spill_into_a_colour_mates_entries():
    # d(x0 * x2)/dx0 = x2 = inf; x0 and x1 share a colour, and 0 * inf must not reach J[1, 1]
    g = gd.trace(lambda a, b, c: (a * c, b * 2.0), 0.0, 0.0, 0.0)
    with np.errstate(all="ignore"):
        for _ in range(3):
            J = gd.sparse_jacobian(g, mode="fwd")(1.0, 1.0, np.inf).toarray()
            assert J[1, 1] == 2.0 and J[0, 0] == np.inf


@pytest.mark.parametrize(
    "g", [builders.pde_residual(7), builders.random_dag(50, 6, 5, seed=1)], ids=lambda g: g.name
)
def test_compressed_counts_equal_the_running_sweeps_and_the_rows_of_graphdiff_bench(g):
    x = g.bind(list(np.random.default_rng(SEED).uniform(0.2, 0.9, len(g.inputs))))
    costs = measure(g, x, modes=("reverse", *COMPRESSED), repeats=1, budget=0)
    for mode in COMPRESSED:
        ops, sweeps, stored = count_by_running(g.program, x, mode)
        assert ops.as_dict() == costs[mode].ops.as_dict() and sweeps == costs[mode].sweeps
        if mode == "reverse-compressed":
            assert stored == costs[mode].stored_values
    # merging the reverse sweeps of one colour's outputs changes no arithmetic: only the sweeps
    assert costs["reverse-compressed"].ops.as_dict() == costs["reverse"].ops.as_dict()
    assert costs["reverse-compressed"].sweeps == gd.colouring(g, "rev").colours


def test_pde_residual_compressed_forward_counts_by_hand():
    # per i the function computes a = -2 x_i, s = sin x_i, b = h2 s, r = a + b, then adds its
    # neighbours: 2 mul, 1 nonlinear, 1 + neighbours adds. Each of the 3 tangent lanes
    # multiplies once per product edge (-2 t, cos(x) t, h2 t: 3 mul; cos computed once,
    # for all lanes) and adds where the function adds
    n = 9
    g = builders.pde_residual(n)
    costs = measure(g, g.bind([0.3] * n), modes=("function", "forward-compressed"), repeats=1, budget=0)
    neighbours = 2 * (n - 1)
    f_mul, f_add = 2 * n, n + neighbours
    lanes = 3
    assert (costs["function"].ops.mul, costs["function"].ops.add, costs["function"].ops.nonlinear) == (
        f_mul,
        f_add,
        n,
    )
    got = costs["forward-compressed"].ops
    assert got.nonlinear == 2 * n  # sin, and cos once for its partial
    assert got.mul == f_mul + lanes * 3 * n
    assert got.add == f_add + lanes * f_add
    assert costs["forward-compressed"].sweeps == lanes


def test_what_cannot_be_compressed_is_refused_by_name():
    with pytest.raises(gd.ShapeError, match="scalars"):
        gd.sparse_jacobian(lambda x: gd.sum(x * x))(np.ones(3))
    with pytest.raises(gd.ArgumentError, match="mode is 'fwd', 'rev' or 'auto'"):
        gd.sparse_jacobian(builders.colah(), mode="sideways")


def test_compressed_forward_keeps_a_rows_infinities_apart_from_its_colour_mates_zero_lanes():
    # row 0 is y / x at x = 0: d/dx = -inf, d/dy = inf; x and z share a colour, so a lane
    # carrying zero for y would give inf * 0 = nan in the interpreted sweep
    f = lambda x, y, z: (1.0 / x * y, y * z, gd.log(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = gd.jacfwd(f)(0.0, 2.0, 0.0)
    assert np.isinf(expected[0, :2]).all()
    for mode in ("fwd", "rev"):
        sj = gd.sparse_jacobian(f, mode=mode)
        with np.errstate(divide="ignore", invalid="ignore"):
            first = sj(0.0, 2.0, 0.0).toarray()
            for _ in range(200):  # until the generated code serves the calls
                sj(1.0, 2.0, 3.0)
            later = sj(0.0, 2.0, 0.0).toarray()
        np.testing.assert_array_equal(first, expected)
        np.testing.assert_array_equal(later, expected)


def test_sparsity_and_colouring_of_a_plain_function_say_to_trace_it():
    for read in (gd.sparsity, gd.colouring):
        with pytest.raises(gd.InputError, match="trace it first"):
            read(lambda x, y: x * y)
