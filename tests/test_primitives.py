"""Every primitive's forward and reverse rule against central finite differences.

Parametrised over the whole primitive table: a new primitive is tested as soon as it is
defined, and fails here until it has a sample below if it is not elementwise.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import graphdiff as gd
from graphdiff.primitives.table import PRIMITIVES

from .conftest import central_difference

# where each primitive is smooth (away from kinks, inside its domain)
DOMAIN = {
    "log": (0.3, 3.0),
    "sqrt": (0.3, 3.0),
    "pow": (0.3, 2.0),
    "tan": (-1.2, 1.2),
    "relu": (0.2, 2.0),  # kinks are tested separately
    "abs": (0.2, 2.0),
    "div": (0.5, 2.0),
    "log1p": (-0.5, 2.0),
    "log2": (0.3, 3.0),
    "log10": (0.3, 3.0),
    "arcsin": (-0.9, 0.9),
    "arccos": (-0.9, 0.9),
    "arctanh": (-0.9, 0.9),
    "reciprocal": (0.5, 2.0),
}
PARAMS = {
    "integer_pow": [{"y": y} for y in (-2, 0, 1, 2, 3, 5)],
    "reshape": [{"shape": (3, 2)}, {"shape": (6,)}],
    "broadcast_to": [{"shape": (2, 3)}],
    "reduce_sum": [{"axes": (0, 1)}, {"axes": (1,)}, {"axes": (0,)}],
    "reduce_max": [{"axes": (0, 1)}, {"axes": (1,)}, {"axes": (0,)}],
    "reduce_min": [{"axes": (0, 1)}, {"axes": (1,)}, {"axes": (0,)}],
    "transpose": [{"axes": (0, 1)}, {"axes": (1, 0)}],
    "getitem": [
        {"index": (("i", 1),)},
        {"index": (("s", 1, -1, -1), ("i", 2))},
        {"index": (("n",), ("s", 0, 2, 1))},
    ],
    "scatter": [{"index": (("i", 1),), "shape": (2, 3)}, {"index": (("s", 2, -1, -1),), "shape": (3,)}],
    "gather": [
        {"indices": ((0, 1, 1),), "shape": (3,), "lead": 0},  # rows 0, 1, 1 of a 2x3
        {"indices": ((0, 1, 1), (2, 0, 2)), "shape": (3,), "lead": 0},  # z[rows, cols]
        {"indices": ((2, 2, 0, 1),), "shape": (2, 2), "lead": 1},  # A[:, idx] with a 2x2 idx
    ],
    "concat": [{"axis": 0}],
    "cumsum": [{"axis": 0}, {"axis": 1}],
    "scatter_add": [
        {"indices": ((0, 2, 2),), "shape": (3,), "lead": 0, "into": (4,)},  # index 2 twice: added
        {"indices": ((1, 0, 1),), "shape": (3,), "lead": 0, "into": (2,)},
    ],
}
# argument shapes to try; elementwise primitives also get broadcasting cases
SHAPES = {
    "sum": [[()], [(3,)], [(2, 3)]],
    "matmul": [
        [(2, 3), (3, 4)],
        [(3,), (3,)],
        [(2, 3), (3,)],
        [(3,), (3, 2)],
        [(2, 2, 3), (3, 2)],
        [(2, 3), (2, 3, 2)],
        [(3,), (2, 3, 2)],
        [(2, 1, 2, 3), (3, 3, 1)],
    ],  # batches broadcast
    "reshape": [[(2, 3)]],
    "broadcast_to": [[()], [(1, 3)], [(3,)]],
    "reduce_sum": [[(2, 3)]],
    "reduce_max": [[(2, 3)]],
    "reduce_min": [[(2, 3)]],
    "transpose": [[(2, 3)]],
    "getitem": [[(2, 3)]],
    "scatter": [[(3,)]],
    "gather": [[(2, 3)]],
    "scatter_add": [[(3,)]],
    "concat": [[(2, 3), (1, 3)]],
    "cumsum": [[(2, 3)]],
}
ELEMENTWISE_SHAPES = {
    1: [[()], [(3,)], [(2, 3)]],
    2: [[(), ()], [(3,), (3,)], [(2, 3), (3,)], [(), (2, 2)], [(2, 1), (1, 3)]],
    3: [[(), (), ()], [(3,), (3,), (3,)], [(2, 3), (3,), ()]],
}


def cases():
    for name, prim in sorted(PRIMITIVES.items()):
        shapes_list = ELEMENTWISE_SHAPES[prim.arity] if prim.elementwise else SHAPES.get(name, [None])
        for shapes in shapes_list:
            for params in PARAMS.get(name, [{}]):
                yield pytest.param(name, shapes, params, id=f"{name}-{shapes}-{params}")


def sample(name, shapes, rng):
    low, high = DOMAIN.get(name, (-2.0, 2.0))
    values = [rng.uniform(low, high, size=s) for s in shapes]
    if name == "select":  # the condition is a mask: 1.0 picks x, 0.0 picks y
        values[0] = rng.integers(0, 2, size=shapes[0]).astype(float)
    if name in ("maximum", "minimum"):  # keep the arguments apart: no ties away from the kink test
        values[1] = values[1] + np.where(values[1] > 0, 0.5, -0.5)
    return [np.float64(v) if np.ndim(v) == 0 else v for v in values]


@pytest.mark.parametrize("name, shapes, params", list(cases()))
def test_rules_match_finite_differences(name, shapes, params, rng):
    assert shapes is not None, f"primitive {name!r} is not elementwise: add sample shapes to SHAPES"
    prim = PRIMITIVES[name]
    for _ in range(3):  # several points
        args = sample(name, shapes, rng)
        f = lambda *a: prim.impl(*a, **params)
        out = f(*args)
        for i in range(prim.arity):
            expected = central_difference(f, args, i)  # out.shape + x.shape
            x = args[i]
            # forward: one sweep per element of x, through Dual numbers
            for e in range(np.size(x)):
                x_dot = np.zeros(np.shape(x))
                x_dot.flat[e] = 1.0
                duals = [gd.Dual(a, x_dot if k == i else None) for k, a in enumerate(args)]
                y = prim(*duals, **params)
                np.testing.assert_allclose(y.primal, out, rtol=1e-12)
                if i in prim.zero_args:  # a mask: no tangent at all, a structural zero
                    assert y.tangent is None
                    if name != "select":  # (finite differences of a mask's 0 jump to the other branch)
                        np.testing.assert_array_equal(expected, 0.0)
                    continue
                tangent = np.broadcast_to(y.tangent, np.shape(out))
                np.testing.assert_allclose(
                    tangent, expected.reshape(np.shape(out) + (-1,))[..., e], rtol=1e-6, atol=1e-7
                )
            # reverse: one cotangent per element of the output (none crosses a mask's edge)
            for e in range(np.size(out) if i not in prim.zero_args else 0):
                y_bar = np.zeros(np.shape(out))
                y_bar.flat[e] = 1.0
                y_bar = np.float64(y_bar) if np.ndim(y_bar) == 0 else y_bar
                x_bar = prim.adjoint_in(i, y_bar, out, args, params)
                assert np.shape(x_bar) == np.shape(x)
                np.testing.assert_allclose(
                    x_bar, expected.reshape((-1,) + np.shape(x))[e], rtol=1e-6, atol=1e-7
                )


@pytest.mark.parametrize("name, shapes, params", list(cases()))
def test_the_evaluation_with_params_settled_gives_the_same_bits(name, shapes, params, rng):
    """What a prepared program (jit) runs: ``evaluation(params)`` against ``impl`` on every case of the table."""
    prim = PRIMITIVES[name]
    settled = prim.evaluation(params)
    for _ in range(2):  # made once, called again
        args = sample(name, shapes, rng)
        got, expected = settled(*args), prim.impl(*args, **params)
        assert np.shape(got) == np.shape(expected)
        assert np.asarray(got).tobytes() == np.asarray(expected).tobytes()


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_batched_tangents_match_one_at_a_time(name, rng):
    """Vector forward mode: k tangent directions at once equal k single sweeps."""
    prim = PRIMITIVES[name]
    shapes = (ELEMENTWISE_SHAPES[prim.arity] if prim.elementwise else SHAPES[name])[-1]
    params = PARAMS.get(name, [{}])[-1]
    args = sample(name, shapes, rng)
    out = prim.impl(*args, **params)
    k = 4
    batch = [rng.standard_normal((k,) + np.shape(a)) for a in args]
    together = prim.tangent_out(out, args, batch, params)
    if len(prim.zero_args) == prim.arity:  # a mask: no tangent in any direction
        assert together is None
        return
    for j in range(k):
        alone = prim.tangent_out(out, args, [b[j] for b in batch], params)
        np.testing.assert_allclose(together[j], np.broadcast_to(alone, np.shape(out)), rtol=1e-12)


def test_structural_zero_tangent_is_skipped():
    """A primitive whose argument tangents are all structural zeros gets none either."""
    assert gd.Dual(2.0).tangent is None
    assert (gd.Dual(2.0) * 3.0).tangent is None
    assert gd.sin(gd.Dual(2.0)).tangent is None


@pytest.mark.parametrize(
    "f, x, slope",
    [
        (gd.relu, 0.0, 0.0),  # relu'(0) = 0
        (gd.abs, 0.0, 0.0),  # abs'(0) = sign(0) = 0
        (lambda x: gd.maximum(x, 1.0), 1.0, 0.5),  # ties share the derivative equally
        (lambda x: gd.maximum(1.0, x), 1.0, 0.5),
        (lambda x: gd.maximum(x, x), 1.0, 1.0),  # both shares go to x
    ],
    ids=["relu", "abs", "max-left", "max-right", "max-self"],
)
def test_derivative_convention_at_kinks(f, x, slope):
    assert f(gd.Dual(x, 1.0)).tangent == slope
    assert gd.grad(gd.trace(f))(x) == (slope,)


def test_domain_errors_follow_numpy():
    with pytest.warns(RuntimeWarning):
        assert np.isnan(gd.log(-1.0))
    with pytest.warns(RuntimeWarning):
        assert gd.div(1.0, 0.0) == np.inf
    g = gd.trace(lambda x: gd.log(x))
    with pytest.warns(RuntimeWarning):
        assert np.isnan(g(-1.0))


def test_primitives_evaluate_plain_numbers():
    assert gd.mul(3.0, 4.0) == 12.0
    assert isinstance(gd.sin(0.0), float)
    np.testing.assert_allclose(gd.sigmoid(np.array([0.0, 100.0])), [0.5, 1.0])
    assert gd.integer_pow(2.0, y=3) == 8.0
    assert gd.matmul([[1.0, 2.0]], [[3.0], [4.0]]).tolist() == [[11.0]]


def test_atan2_is_angle_of_point():
    assert gd.atan2(1.0, 0.0) == pytest.approx(np.pi / 2)  # atan2(y, x)


def test_a_primitive_whose_rule_uses_an_unlisted_numpy_operation_is_refused_at_definition():
    from graphdiff.primitives.table import define, over, times

    with pytest.raises(gd.PrimitiveDefinitionError, match=r"'my_cbrt': its evaluation uses numpy.cbrt"):
        define("my_cbrt", 1, np.cbrt, partials=(times(lambda out, x: 1 / (3 * out * out)),))
    with pytest.raises(gd.PrimitiveDefinitionError, match=r"partial by argument 0 uses numpy.hypot"):
        define(
            "my_norm", 1, lambda x: np.sqrt(x * x + 1), partials=(over(lambda out, x: np.hypot(x, 1.0) / x),)
        )
    with pytest.raises(gd.PrimitiveDefinitionError, match="one partial per argument"):
        define("my_two", 2, np.add, partials=(gd.primitives.ONE,))
    assert "my_cbrt" not in PRIMITIVES and "my_norm" not in PRIMITIVES and "my_two" not in PRIMITIVES


def test_a_primitive_is_refused_at_definition_for_a_wrong_partial_a_taken_name_or_a_rule_of_wrong_arity():
    from graphdiff.primitives.table import define, times

    # d(x^2)/dx is 2x: x is half of it, 0.3 where central differences give 0.6
    with pytest.raises(
        gd.PrimitiveDefinitionError, match=r"'my_sq': its partial by argument 0 is 0.3 at x0=0.3.* 0.6"
    ):
        define("my_sq", 1, np.square, partials=(times(lambda out, x: x),))
    with pytest.raises(gd.PrimitiveDefinitionError, match=r"argument 1 is 0.47 at x0=0.3, x1=0.47.* 0.3$"):
        define("my_mul", 2, np.multiply, partials=(times(lambda out, x, y: y), times(lambda out, x, y: y)))
    with pytest.raises(gd.PrimitiveDefinitionError, match=r"'sin' exists already"):
        define("sin", 1, np.square, partials=(times(lambda out, x: 2 * x),))
    with pytest.raises(
        gd.PrimitiveDefinitionError, match=r"partial by argument 0 cannot be called on 2 value"
    ):
        define("my_sq2", 1, np.square, partials=(times(lambda x: 2 * x),))  # a rule takes (out, x)
    assert not {"my_sq", "my_mul", "my_sq2"} & set(PRIMITIVES)
    assert gd.PRIMITIVES["sin"](0.5) == np.sin(0.5)


def test_a_primitive_defined_from_listed_operations_is_evaluated_counted_and_compiled():
    from graphdiff.primitives import elementary as el
    from graphdiff.primitives.table import define, times

    # cube(x) = x**3 written as products; d/dx = 3 x^2
    cube = define("my_cube", 1, lambda x: x * x * x, partials=(times(lambda out, x: 3 * (x * x)),))
    try:
        g = gd.trace(lambda x: cube(gd.sin(x)))
        # d/dx sin(x)^3 = 3 sin(x)^2 cos(x)
        expected = 3 * float(el.sin(0.7)) ** 2 * float(el.cos(0.7))
        assert [gd.grad(g)(0.7) for _ in range(3)] == [(expected,)] * 3  # interpreted, then compiled
        assert g.program.__dict__["_codegen"]["functions"]["grad"] is not None
        from graphdiff.cost.sweeps import measure

        # counted from its rules: evaluation sin + 2 mul; reverse adds the partial 3 * (x * x)
        # (2 mul), its product with y_bar (1 mul), and sin's y_bar * cos(x) (1 nonlinear, 1 mul)
        reverse = measure(g, [0.7], modes=["reverse"], repeats=1, budget=0)["reverse"].ops
        assert (reverse.mul, reverse.nonlinear) == (2 + 3 + 1, 1 + 1)
    finally:
        del PRIMITIVES["my_cube"]


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if p.elementwise))
def test_each_edge_partial_is_what_both_rules_carry(name, rng):
    # the partial is stated once: a unit tangent forward and a unit adjoint backward both
    # come out as the partial itself, bit for bit
    prim = PRIMITIVES[name]
    for params in PARAMS.get(name, [{}]):
        args = sample(name, [()] * prim.arity, rng)
        out = prim.impl(*args, **params)
        for i, partial in enumerate(prim.partials):
            p = np.float64(partial.value(out, *args, **params))
            forward = prim.jvp[i](np.float64(1.0), out, *args, **params)
            backward = prim.vjp[i](np.float64(1.0), out, *args, **params)
            if partial.kind == "zero":  # nothing crosses the edge of a mask, and its value is 0
                assert forward is None and backward is None and p == 0.0
                continue
            assert forward == backward == p  # for "over": 1 / q, exactly the value 1 / q


@pytest.mark.parametrize(
    "f, x, by_hand",
    [
        (np.log1p, 0.5, 1 / 1.5),
        (np.expm1, 0.5, np.exp(0.5)),
        (np.log2, 4.0, 1 / (4.0 * np.log(2.0))),
        (np.log10, 100.0, 1 / (100.0 * np.log(10.0))),
        (np.exp2, 3.0, 8.0 * np.log(2.0)),
        (np.sinh, 0.5, np.cosh(0.5)),
        (np.cosh, 0.5, np.sinh(0.5)),
        (np.arcsin, 0.6, 1 / 0.8),  # 1 / sqrt(1 - 0.36)
        (np.arccos, 0.6, -1 / 0.8),
        (np.arctan, 2.0, 1 / 5.0),
        (np.arcsinh, 0.75, 1 / 1.25),  # 1 / sqrt(0.5625 + 1)
        (np.arctanh, 0.5, 1 / 0.75),
        (np.reciprocal, 4.0, -1 / 16.0),
        (lambda x: np.minimum(x, 1.0), 0.5, 1.0),
        (lambda x: np.minimum(x, 1.0), 2.0, 0.0),
        (lambda x: np.minimum(x, 1.0), 1.0, 0.5),  # a tie: each argument half, as maximum
    ],
)
def test_numpy_functions_on_traced_values_have_their_derivatives_by_hand(f, x, by_hand):
    """Each numpy function called on a traced value: forward and reverse against the derivative by hand."""
    g = gd.trace(f, x)
    assert g.nx.number_of_nodes() >= 2  # a node of its own, not folded into a constant
    for _ in range(3):  # the first, interpreted call and the compiled ones
        (reverse,) = gd.grad(g)(x)
        _, forward = gd.jvp(g, (x,), (1.0,))
        assert reverse == pytest.approx(by_hand, rel=1e-14) and forward == reverse


@pytest.mark.parametrize("reduce, picks", [(np.max, [0.0, 0.5, 0.0, 0.5]), (np.min, [0.0, 0.0, 1.0, 0.0])])
def test_max_and_min_give_tied_elements_equal_shares(reduce, picks):
    """d max / dx: 1 at the maximum, shared 1/k among k ties, as maximum(x, y) shares at a tie."""
    x = np.array([1.0, 3.0, -2.0, 3.0])
    for _ in range(3):
        (grad,) = gd.grad(lambda x: reduce(x))(x)
        assert grad.tolist() == picks
        _, tangent = gd.jvp(lambda x: reduce(x), (x,), (np.array([1.0, 10.0, 100.0, 1000.0]),))
        assert float(tangent) == float(np.dot(picks, [1.0, 10.0, 100.0, 1000.0]))


def test_reductions_along_axes_keep_dims_and_match_numpy():
    x = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    cases = [
        (lambda x: np.max(x, axis=1, keepdims=True), (2, 1, 4)),
        (lambda x: x.min(axis=(0, 2)), (3,)),
        (lambda x: np.mean(x, axis=-1), (2, 3)),
        (lambda x: x.mean(axis=0, keepdims=True), (1, 3, 4)),
        (lambda x: x.sum(axis=2, keepdims=True), (2, 3, 1)),
        (lambda x: np.amax(x), ()),
        (lambda x: x.ravel(), (24,)),
        (lambda x: np.squeeze(np.expand_dims(x, 0), axis=0), (2, 3, 4)),
    ]
    for f, shape in cases:
        g = gd.trace(f, x)
        assert g.shape_of(g.outputs[0]) == shape
        np.testing.assert_array_equal(g(x), f(x))


def test_the_mean_of_k_elements_costs_k_minus_1_adds_and_one_division():
    from graphdiff.cost.tally import function_counts

    g = gd.trace(lambda x: np.mean(x, axis=1), np.ones((3, 5)))  # 3 means of 5 elements
    counts = function_counts(g.program)
    assert (counts.add, counts.div, counts.total) == (3 * 4, 3, 3 * 4 + 3)


def test_reducing_over_a_bad_axis_or_no_elements_is_refused_by_name():
    with pytest.raises(gd.ShapeError, match="axis 2 is out of range"):
        gd.trace(lambda x: x.max(axis=2), np.ones((2, 3)))
    with pytest.raises(gd.ShapeError, match="reduce_max of an empty array"):
        gd.trace(lambda x: np.max(x, axis=0), np.ones((0, 3)))
    with pytest.raises(gd.ShapeError, match="mean of no elements"):
        gd.trace(lambda x: np.mean(x, axis=1), np.ones((2, 0)))
    with pytest.raises(gd.ValueTypeError, match="astype"):
        gd.trace(lambda x: x.astype(int), np.ones(2))
    assert gd.trace(lambda x: x.astype(float) * 2.0, np.ones(2))(np.ones(2)).tolist() == [2.0, 2.0]


INDEXED = np.arange(1.0, 13.0).reshape(3, 4)


@pytest.mark.parametrize(
    "key",
    [
        0,
        -1,
        slice(1, None),
        slice(None, None, -1),
        (slice(None), 1),
        (None, slice(None)),
        (Ellipsis, -1),
        (-1, slice(None, None, -2)),
        (1, 2),
        (slice(5, 9),),
        (slice(None), None, slice(1, 3)),
    ],
    ids=repr,
)
def test_static_indexing_takes_what_numpy_takes_and_its_adjoint_puts_it_back(key):
    """x[key] on a traced value: numpy's elements; d sum(w * x[key]) / dx is w put back at key, zeros elsewhere."""
    w = np.arange(1.0, 1.0 + INDEXED[key].size).reshape(INDEXED[key].shape) * 0.5
    g = gd.trace(lambda x: gd.sum(w * x[key]), INDEXED)
    by_hand = np.zeros_like(INDEXED)
    by_hand[key] = w
    for _ in range(3):
        np.testing.assert_array_equal(gd.trace(lambda x: x[key], INDEXED)(INDEXED), INDEXED[key])
        (grad,) = gd.grad(g)(INDEXED)
        np.testing.assert_array_equal(grad, by_hand)
        (jac,) = gd.jacfwd(g)(INDEXED)  # one forward sweep per element of x
        np.testing.assert_array_equal(jac, by_hand)


def test_rows_can_be_iterated_and_counted_and_indexing_costs_no_arithmetic():
    from graphdiff.cost.tally import function_counts, reverse_counts

    f = lambda x: sum(row[0] * row[1] for row in x) + 0.0 * len(x)  # noqa: E731
    assert gd.grad(f)(INDEXED)[0][:, :2].tolist() == INDEXED[:, 1::-1].tolist()  # d(x0 x1): (x1, x0)
    g = gd.trace(lambda x: gd.sum(x[1:] * x[:-1]), np.ones(5))  # 4 products, 3 adds
    assert function_counts(g.program).total == 4 + 3
    # reverse: 2 products per term, then the two scatters back add into x's adjoint: 4 adds
    counts = reverse_counts(g.program, g.program.output_slots)[0]
    assert (counts.mul, counts.add) == (8, 5)


def test_indices_out_of_range_or_of_unsupported_kinds_are_refused_by_name():
    for key, message in [
        (3, "index 3 is out of range for axis 0 of length 3"),
        ((0, 0, 0), "too many indices"),
        ((Ellipsis, Ellipsis), "single ellipsis"),
        ("a", "indexing with str"),
        (1.5, "indexing with float"),
        (slice(0.5, 2), "whole numbers"),
    ]:
        with pytest.raises(gd.IndexingError, match=re.escape(message)):
            gd.trace(lambda x: x[key], INDEXED)
    with pytest.raises(gd.IndexingError, match="len"):
        gd.trace(lambda x: len(x), 1.0)
    with pytest.raises(gd.IndexingError, match="iteration"):
        gd.trace(lambda x: list(x), 1.0)


def test_integer_array_indexing_gathers_and_its_adjoint_adds_repeats_back():
    """The cross-entropy's logp[np.arange(n), labels], and an index taken twice: its adjoint adds twice."""
    x = np.array([1.0, 2.0, 3.0, 4.0])
    g = gd.trace(lambda x: gd.sum(x[[0, 0, 3]] * x[np.array([1, 1, 2])]), x)  # 2 x0 x1 + x3 x2
    for _ in range(3):
        assert gd.grad(g)(x)[0].tolist() == [2 * 2.0, 2 * 1.0, 4.0, 3.0]
    z = np.arange(12.0).reshape(4, 3)
    labels = np.array([2, 0, 1, 1])
    picked = gd.trace(lambda z: z[np.arange(4), labels], z)
    np.testing.assert_array_equal(picked(z), z[np.arange(4), labels])
    (grad,) = gd.grad(lambda z: gd.sum(z[np.arange(4), labels]))(z)
    np.testing.assert_array_equal(grad, np.eye(3)[labels])  # one-hot rows
    np.testing.assert_array_equal(gd.trace(lambda z: z[:, [2, 0]], z)(z), z[:, [2, 0]])


def test_a_gather_costs_no_arithmetic_and_its_transpose_one_add_per_element():
    from graphdiff.cost.tally import function_counts, reverse_counts

    g = gd.trace(lambda x: gd.sum(x[[0, 0, 3, 1]]), np.ones(5))  # a gather of 4, then 3 adds
    assert function_counts(g.program).total == 3
    counts = reverse_counts(g.program, g.program.output_slots)[0]
    assert (counts.add, counts.total) == (4, 4)  # the scatter-add of 4 elements into x's adjoint


def test_integer_array_indices_that_cannot_be_right_are_refused_by_name():
    z = np.ones((3, 4))
    for key, message in [
        (np.array([0, 3]), "index array 0 has an index out of range for axis 0 of length 3"),
        (np.array([0.5]), "holds float64 values"),
        ((np.array([0, 1]), np.array([0, 1, 2])), "do not broadcast"),
        ((np.array([0, 1]), 2), "not mixed with other indices"),
        ((np.array([0]), np.array([0]), np.array([0])), "too many indices"),
    ]:
        with pytest.raises(gd.IndexingError, match=re.escape(message)):
            gd.trace(lambda z: z[key], z)


def test_stack_and_concatenate_join_pieces_and_hand_each_its_own_adjoint():
    f = lambda x, y: gd.stack([x * y, x + 1.0, 3.0])  # noqa: E731
    assert gd.trace(f)(2.0, 5.0).tolist() == [10.0, 3.0, 3.0]
    for jacobian in (gd.jacfwd(f)(2.0, 5.0), gd.jacrev(f)(2.0, 5.0)):  # a block per input
        np.testing.assert_array_equal(jacobian[0], [5.0, 1.0, 0.0])
        np.testing.assert_array_equal(jacobian[1], [2.0, 0.0, 0.0])
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0).reshape(1, 3)
    joined = gd.trace(lambda a, b: np.concatenate([a, b, a[:1]], axis=0), a, b)
    np.testing.assert_array_equal(joined(a, b), np.concatenate([a, b, a[:1]]))
    grads = gd.grad(lambda a, b: gd.sum(np.concatenate([a, 2.0 * b], axis=0) ** 2))(a, b)
    np.testing.assert_array_equal(grads[0], 2 * a)
    np.testing.assert_array_equal(grads[1], 8 * b)
    np.testing.assert_array_equal(
        gd.trace(lambda a: np.stack([a, a], axis=2), a)(a), np.stack([a, a], axis=2)
    )


def test_np_array_of_traced_values_is_one_traced_array_where_it_meets_a_primitive():
    f = lambda x, y: np.array([x * y, x, 1.0])  # noqa: E731 - numpy's array of objects
    g = gd.trace(f)
    assert g(2.0, 5.0).tolist() == [10.0, 2.0, 1.0]
    for jacobian in (gd.jacfwd(f)(2.0, 5.0), gd.jacrev(f)(2.0, 5.0)):
        assert jacobian[0].tolist() == [5.0, 1.0, 0.0] and jacobian[1].tolist() == [2.0, 0.0, 0.0]
    # joining costs no arithmetic: the product x * y is the only operation counted
    from graphdiff.cost.tally import function_counts

    assert function_counts(g.program).total == 1
    # W @ v runs numpy's loop over objects, a product and a sum per term; v @ w a primitive
    W = np.arange(6.0).reshape(2, 3)
    assert gd.grad(lambda x, y: gd.sum(W @ np.array([x * y, x, 1.0])))(2.0, 3.0) == (14.0, 6.0)
    assert gd.grad(lambda x, y: np.array([x, y, 1.0]) @ np.array([3.0, 4.0, 5.0]))(2.0, 3.0) == (3.0, 4.0)
    with pytest.raises(gd.ShapeError, match="one shape"):
        gd.trace(lambda x: gd.stack([x, x[:1]]), np.ones(2))


def test_prod_multiplies_pairwise_k_minus_1_times_and_is_right_at_zeros():
    from graphdiff.cost.tally import function_counts

    x = np.array([[2.0, 0.0, 5.0, 3.0, -1.0], [1.0, 3.0, -2.0, 4.0, 2.0]])
    for axis, keepdims in [(None, False), (0, False), (1, True), ((0, 1), True)]:
        got = gd.trace(lambda x: np.prod(x, axis=axis, keepdims=keepdims), x)(x)
        np.testing.assert_array_equal(got, np.prod(x, axis=axis, keepdims=keepdims))  # small integers: exact
    # prod of k elements: k - 1 multiplications for each of the results
    assert function_counts(gd.trace(lambda x: np.prod(x), x).program).mul == 10 - 1
    assert function_counts(gd.trace(lambda x: x.prod(axis=1), x).program).mul == 2 * (5 - 1)
    assert function_counts(gd.trace(lambda x: np.prod(x, axis=0), x).program).mul == 5 * (2 - 1)
    # d prod / d x_i is the product of the others, also where x holds a zero (no 0 / 0)
    others = [[np.prod(np.delete(row, i)) for i in range(5)] for row in x]
    for gradient in (
        gd.grad(lambda x: gd.sum(x.prod(axis=1)))(x)[0],
        gd.jacfwd(lambda x: gd.sum(x.prod(axis=1)))(x)[0],
    ):
        np.testing.assert_array_equal(gradient, others)
    v = np.array([2.0, 3.0, 0.0])  # the Hessian of x0 x1 x2: the third factor off the diagonal
    np.testing.assert_array_equal(gd.hessian(np.prod, argnums=0)(v), [[0, 0, 3], [0, 0, 2], [3, 2, 0]])
    assert gd.trace(lambda x: np.prod(x[:0]), x[0])(x[0]) == 1.0  # the product of none


def test_composite_functions_against_numpy_and_their_derivatives_by_hand():
    x = np.array([1.0, -2.0, 3.0])
    (g,) = gd.grad(lambda x: np.linalg.norm(x))(x)
    np.testing.assert_allclose(g, x / np.sqrt(14.0), rtol=1e-15)
    assert gd.grad(lambda x: gd.sum(np.clip(x, -1.0, 2.0)))(x)[0].tolist() == [1.0, 0.0, 0.0]
    np.testing.assert_array_equal(gd.trace(lambda x: np.outer(x, x[:2]), x)(x), np.outer(x, x[:2]))
    assert gd.grad(lambda x: np.vdot(x, x))(x)[0].tolist() == (2 * x).tolist()
    z = np.array([[1000.0, 1000.0, 999.0], [-3.0, 0.0, 2.0]])
    with np.errstate(over="raise"):  # stable: no exp of 1000 anywhere
        lse = gd.logsumexp(z, axis=1)
        (grad,) = gd.grad(lambda z: gd.sum(gd.logsumexp(z, axis=1)))(z)
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(lse, z.max(axis=1) + np.log(shifted.sum(axis=1)), rtol=1e-15)
    np.testing.assert_allclose(grad, shifted / shifted.sum(axis=1, keepdims=True), rtol=1e-14)
    # exp of the log-probabilities: a few ulps from dividing by the sum directly
    np.testing.assert_allclose(gd.softmax(z), shifted / shifted.sum(axis=1, keepdims=True), rtol=1e-13)
    with pytest.raises(gd.ShapeError, match="ord=3"):
        gd.trace(lambda x: np.linalg.norm(x, ord=3), x)


def test_an_mlp_with_softmax_cross_entropy_written_the_usual_way_matches_finite_differences(rng):
    """np.max(..., keepdims=True), logp[np.arange(n), y] and np.mean, as an ML engineer writes them."""
    X, y = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
    W1, b1, W2, b2 = (
        rng.standard_normal((6, 5)) * 0.5,
        rng.standard_normal(5) * 0.1,
        rng.standard_normal((5, 3)),
        np.zeros(3),
    )

    def loss(W1, b1, W2, b2):
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        z = z - np.max(z, axis=1, keepdims=True)
        logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        return -np.mean(logp[np.arange(len(y)), y])

    params = [W1, b1, W2, b2]
    grads = gd.grad(loss)(*params)
    for k in range(len(params)):
        fd = central_difference(loss, params, k)
        np.testing.assert_allclose(grads[k], fd, rtol=1e-6, atol=1e-8)


def test_comparisons_are_masks_of_numbers_with_no_derivative():
    x, y = np.array([1.0, 2.0, 3.0, np.nan]), np.array([2.0, 2.0, 1.0, 1.0])
    for compare in (np.greater, np.less, np.equal, np.greater_equal, np.less_equal, np.not_equal):
        g = gd.trace(lambda x, y: compare(x, y) * x, x, y)
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(g(x, y), compare(x, y).astype(float) * x)  # a mask multiplies
        (dx, dy) = gd.grad(lambda x, y: gd.sum(compare(x, y) * x))(x[:3], y[:3])
        assert dx.tolist() == compare(x[:3], y[:3]).astype(float).tolist() and dy.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "spec, shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("i,i->", [(3,), (3,)]),
        ("ij->ji", [(2, 3)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("ij,j->i", [(2, 3), (3,)]),
        ("i,j->ij", [(2,), (3,)]),
        ("ij->j", [(2, 3)]),
        ("ij,kj", [(2, 3), (4, 3)]),
    ],
)
def test_einsum_as_transposes_products_and_sums_matches_numpy_and_finite_differences(spec, shapes, rng):
    operands = [rng.standard_normal(s) for s in shapes]
    np.testing.assert_allclose(
        gd.trace(lambda *o: np.einsum(spec, *o), *operands)(*operands), np.einsum(spec, *operands), rtol=1e-14
    )
    loss = lambda *o: gd.sum(gd.sin(np.einsum(spec, *o)))  # noqa: E731
    grads = gd.grad(loss)(*operands)
    for k in range(len(operands)):
        np.testing.assert_allclose(grads[k], central_difference(loss, operands, k), rtol=1e-6, atol=1e-8)


def test_einsum_refuses_what_it_does_not_support_by_name():
    for spec, operands, message in [
        ("i->ii", [np.ones(2)], "repeated in the output"),
        ("...i->i", [np.ones((2, 2))], "'...'"),
        ("ij,jk,kl->il", [np.ones((2, 2))] * 3, "one or two operands"),
        ("ijk->i", [np.ones((2, 2))], "term 'ijk'"),
    ]:
        with pytest.raises(gd.ShapeError, match=re.escape(message)):
            gd.trace(lambda *o: np.einsum(spec, *o), *operands)


def test_where_with_a_traced_condition_takes_each_branch_derivative_where_it_is_taken():
    x = np.array([-1.0, 0.5, 2.0])
    f = lambda x: gd.sum(np.where(x > 0, x * x, -3.0 * x))  # noqa: E731
    for _ in range(3):
        assert gd.grad(f)(x)[0].tolist() == [-3.0, 1.0, 4.0]  # by hand: -3 where x <= 0, 2x elsewhere
    scalar = lambda a, b: np.where(a > b, a * b, a + b)  # noqa: E731
    for _ in range(3):  # interpreted, then generated code: (b, a) where a > b, else (1, 1)
        assert gd.grad(scalar)(2.0, 1.0) == (1.0, 2.0) and gd.grad(scalar)(1.0, 2.0) == (1.0, 1.0)
    np.testing.assert_array_equal(
        gd.trace(lambda x: np.where([True, False, True], x, 0.0), x)(x), [-1.0, 0.0, 2.0]
    )


def test_where_never_multiplies_the_branch_not_taken_into_nan_in_forward_mode():
    """where(x > 0, sqrt(x), 0) at 0: sqrt's derivative is inf there, and forward mode picks 0 instead.

    Reverse mode hands the untaken sqrt an adjoint of 0, and its rule 0 / (2 sqrt(0)) is nan, as
    in JAX; the entries away from 0 agree in both modes.
    """
    f = lambda x: gd.sum(np.where(x > 0, np.sqrt(x), 0.0))  # noqa: E731
    x = np.array([0.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(3):
            assert gd.jvp(lambda x: np.where(x > 0, np.sqrt(x), 0.0), (0.0,), (1.0,)) == (0.0, 0.0)
            assert gd.jacfwd(f)(x)[0].tolist() == [0.0, 0.25]
            (reverse,) = gd.grad(f)(x)
            assert np.isnan(reverse[0]) and reverse[1] == 0.25


def test_logsumexp_of_a_slice_of_minus_infinities_is_minus_infinity_not_nan():
    z = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [0.0, np.log(3.0)]])
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = gd.logsumexp(z, axis=1)
        traced = gd.trace(lambda z: gd.logsumexp(z, axis=1), z)(z)
    assert lse[0] == -np.inf and lse[1] == np.inf and lse[2] == pytest.approx(np.log(4.0), rel=1e-15)
    np.testing.assert_array_equal(traced, lse)


def test_indexing_rows_by_an_array_with_whole_trailing_axes_an_empty_list_and_clip_open_on_one_side():
    A = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(gd.trace(lambda A: A[[3, 0], :], A)(A), A[[3, 0], :])
    assert gd.trace(lambda A: A[[]], A)(A).shape == (0, 3)
    assert gd.grad(lambda A: gd.sum(A[[1, 1], :]))(A)[0].tolist() == [
        [0.0] * 3,
        [2.0] * 3,
        [0.0] * 3,
        [0.0] * 3,
    ]
    x = np.array([-2.0, 0.5, 3.0])
    assert gd.trace(lambda x: np.clip(x, 0.0, None), x)(x).tolist() == [0.0, 0.5, 3.0]
    assert gd.grad(lambda x: gd.sum(np.clip(x, None, 1.0)))(x)[0].tolist() == [1.0, 1.0, 0.0]


def test_einsum_takes_a_diagonal_where_a_label_repeats_within_a_term():
    A, B = np.arange(9.0).reshape(3, 3), np.arange(27.0).reshape(3, 3, 3)
    for subscripts, operands in [
        ("ii->", (A,)),
        ("ii->i", (A,)),
        ("iij->j", (B,)),
        ("iji->j", (B,)),
        ("iii->i", (B,)),
        ("ij,jj->i", (A, A.T)),
    ]:
        traced = gd.trace(lambda *x: np.einsum(subscripts, *x), *operands)
        np.testing.assert_array_equal(traced(*operands), np.einsum(subscripts, *operands))
    # d trace(A) / dA is the identity; a diagonal is a gather, so it costs no arithmetic
    np.testing.assert_array_equal(gd.grad(lambda x: np.einsum("ii->", x))(A)[0], np.eye(3))
    from graphdiff.cost.tally import function_counts

    assert function_counts(gd.trace(lambda x: np.einsum("ii->i", x), A).program).total == 0
    gd.check_grads(lambda x, y: np.sum(np.sin(np.einsum("ij,jj->i", x, y))), (A / 10, A / 7), order=2)
    with pytest.raises(gd.ShapeError, match="lengths"):
        gd.trace(lambda x: np.einsum("ii->", x), np.ones((2, 3)))


def test_in_place_operators_on_arrays_change_the_array_as_numpy_does():
    """After y = x, y += 1 changes x too (numpy writes into the array); on numbers += makes a
    new value, as on Python floats. Checked against numpy itself, on tracers and on duals."""

    def f(x):
        y = x
        y += 1.0
        y *= x  # x is y now: (x + 1)^2
        return np.sum(y)

    def on_numpy(x):
        return f(np.array(x, dtype=float))  # numpy's own semantics, on a copy

    x = np.array([0.5, -0.2, 1.0])
    assert gd.trace(f, x)(x) == on_numpy(x) == np.sum((x + 1.0) ** 2)
    (x_bar,) = gd.grad(f)(x)
    np.testing.assert_array_equal(x_bar, 2.0 * (x + 1.0))
    h = 1e-6
    fd = [(on_numpy(x + h * e) - on_numpy(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(x_bar, fd, rtol=1e-8)
    d = gd.Dual(x.copy(), np.array([1.0, 0.0, 0.0]))
    out = f(d)
    assert out.primal == on_numpy(x) and out.tangent == 2.0 * (x[0] + 1.0)

    def fresh(x):
        y = x * 2.0
        y += 1.0
        y *= x
        return np.sum(y) + np.sum(x)  # x unchanged: (2x + 1) x + x

    (x_bar,) = gd.grad(fresh)(x)
    np.testing.assert_allclose(x_bar, 4.0 * x + 2.0, rtol=1e-15)  # the sweep adds 2x + (2x + 1) + 1

    def numbers(a):
        b = a
        b += 1.0  # a float: b is a new value, a stays
        return a * b

    assert gd.grad(numbers)(3.0) == (7.0,)


def test_in_place_operators_refuse_what_numpy_would_write_through_a_view_or_broadcast():
    x = np.array([0.5, -0.2, 1.0])

    def through_a_slice(x):
        y = x[0:2]
        y += 1.0  # numpy changes x[0:2] too
        return np.sum(x)

    def into_the_base(x):
        y = x.reshape(3, 1)
        x *= 2.0  # numpy changes y too
        return np.sum(y)

    def broadcasting_into(x):
        y = x * 1.0
        y += np.ones((2, 3))  # numpy: non-broadcastable output operand
        return np.sum(y)

    for f in (through_a_slice, into_the_base):
        with pytest.raises(gd.errors.IndexingError, match="shares its numbers"):
            gd.grad(f)(x)
        with pytest.raises(gd.errors.IndexingError, match="shares its numbers"):
            f(gd.Dual(x.copy(), np.ones(3)))
    with pytest.raises(gd.errors.ShapeError, match=r"write y = y \+ z"):
        gd.grad(broadcasting_into)(x)
    with pytest.raises(ValueError):  # what numpy says of the same code
        broadcasting_into(x.copy())


def test_gd_sum_takes_numpys_axis_and_keepdims_and_stays_one_node_without_them():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert np.array_equal(gd.sum(x, axis=0), [5.0, 7.0, 9.0])
    assert gd.sum(x, axis=1, keepdims=True).shape == (2, 1)
    graph = gd.trace(lambda x: gd.sum(x), x)
    assert [op for _, op in graph.nx.nodes(data="op") if op] == ["sum"]
    # d/dx sum_i (sum_j x_ij)^2 = 2 * (row sum): 12 on the first row, 30 on the second
    f = lambda x: gd.sum(gd.sum(x * 1.0, axis=1, keepdims=True) ** 2)  # noqa: E731
    by_hand = np.repeat([[12.0], [30.0]], 3, axis=1)
    assert np.array_equal(gd.grad(f)(x)[0], by_hand)
    assert np.array_equal(gd.jacfwd(f)(x)[0], by_hand)
    gd.check_grads(f, (x,), order=2)


def test_a_constant_boolean_mask_indexes_as_its_true_positions_do():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    mask, columns = x > 2.5, np.array([True, False, True])
    f = lambda x: gd.sum(x[mask] ** 2) + gd.sum(x[:, columns])  # noqa: E731
    # d/dx of x^2 over the masked entries (4, 5, 6 and 3) plus 1 on columns 0 and 2
    by_hand = np.array([[1.0, 0.0, 1.0 + 6.0], [8.0 + 1.0, 10.0, 12.0 + 1.0]])
    assert np.array_equal(gd.grad(f)(x)[0], by_hand)
    assert np.array_equal(gd.jacfwd(f)(x)[0], by_hand)
    assert np.array_equal(gd.trace(f, x)(x), np.sum(x[mask] ** 2) + np.sum(x[:, columns]))
    with pytest.raises(
        gd.IndexingError, match=r"mask of shape \(3,\) indexes axes 0..0 .* have shape \(2,\)"
    ):
        gd.trace(lambda x: x[columns], x)
    with pytest.raises(gd.IndexingError, match=r"boolean index of no axes"):
        gd.trace(lambda x: x[np.array(True)], x)
    with pytest.raises(gd.IndexingError, match=r"would depend on the numbers; .*np.where\(mask, x, 0.0\)"):
        gd.trace(lambda x: x[x > 2.5], x)


def test_a_constant_mask_of_bools_multiplies_as_numpys_ones_and_zeros():
    mask = np.array([True, False, True])
    f = lambda x: gd.sum(x * mask) + gd.sum(x * True)  # noqa: E731
    assert np.array_equal(gd.grad(f)(np.ones(3))[0], [2.0, 1.0, 2.0])
    assert np.array_equal(gd.jacfwd(f)(np.ones(3))[0], [2.0, 1.0, 2.0])
    assert gd.trace(f, np.ones(3))(np.arange(3.0)) == np.sum(np.arange(3.0) * mask) + 3.0


def test_copies_are_new_arrays_and_the_array_methods_match_their_function_forms():
    x, A = np.arange(1.0, 5.0), np.arange(1.0, 10.0).reshape(3, 3) ** 1.5

    def f(x):
        y, z, w = x.copy(), np.copy(x), x.astype(float)
        y += 10.0  # changes y alone, as on numpy arrays: x, z and w are other arrays
        z *= 2.0
        w -= 1.0
        return gd.sum(x * y) + gd.sum(z) + gd.sum(w)

    # d/dx [sum x (x + 10) + 2 sum x + sum (x - 1)] = 2x + 10 + 2 + 1
    assert np.array_equal(gd.grad(f)(x)[0], 2.0 * x + 13.0)
    assert np.array_equal(gd.jacfwd(f)(x)[0], 2.0 * x + 13.0)
    methods = lambda A: A.var() + A.std(ddof=1) + A.swapaxes(0, 1)[0, 2] + A.diagonal().sum() + A.trace()  # noqa: E731
    functions = lambda A: np.var(A) + np.std(A, ddof=1) + A[2, 0] + 2.0 * np.trace(A)  # noqa: E731
    assert gd.trace(methods, A)(A) == pytest.approx(functions(A), rel=1e-15)
    gd.check_grads(methods, (A,), order=2)


def test_norms_along_axes_and_numpys_default_keywords_trace():
    A = np.array([[3.0, 4.0], [6.0, -8.0]])
    assert np.array_equal(gd.trace(lambda A: np.linalg.norm(A, axis=1), A)(A), [5.0, 10.0])
    # d/dA_ij of sum_i |A_i|: A_ij / |A_i|
    np.testing.assert_allclose(
        gd.grad(lambda A: gd.sum(np.linalg.norm(A, axis=1)))(A)[0], A / [[5.0], [10.0]], rtol=1e-15
    )
    assert gd.grad(lambda x: np.linalg.norm(x, ord=1))(A[1])[0].tolist() == [1.0, -1.0]
    assert gd.grad(lambda x: np.linalg.norm(x, ord=np.inf))(A[1])[0].tolist() == [0.0, -1.0]
    gd.check_grads(lambda A: np.linalg.norm(A, axis=0, keepdims=True), (A,))
    with pytest.raises(gd.ShapeError, match=r"its 2-norm \(the largest singular value\)"):
        gd.trace(lambda A: np.linalg.norm(A, ord=2), A)
    # keywords asking for what tracing does anyway are accepted
    f = lambda A: np.sum(np.sum(A, axis=0, dtype=float, out=None)) + np.sum(np.exp(A, dtype=np.float64))  # noqa: E731
    assert gd.trace(f, A)(A) == f(A)
