"""grad, jvp, vjp, jacfwd, jacrev: the three-way checks (finite differences, forward vs reverse)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders

from .conftest import assert_nested_close, central_difference


def test_quick_start_from_the_issue():
    g = gd.trace(lambda a, b: (a + b) * (b + 1))
    assert g(a=2.0, b=1.0) == 6.0 and g(2.0, 1.0) == 6.0
    assert gd.grad(g)(2.0, 1.0) == (2.0, 5.0)
    assert gd.grad(lambda a, b: (a + b) * (b + 1))(2.0, 1.0) == (2.0, 5.0)
    assert gd.jvp(g, (2.0, 1.0), (0.0, 1.0)) == (6.0, 5.0)
    assert gd.vjp(g, (2.0, 1.0), 1.0) == (6.0, (2.0, 5.0))
    assert gd.jacfwd(g)(2.0, 1.0).tolist() == gd.jacrev(g)(2.0, 1.0).tolist() == [2.0, 5.0]


def test_jacobian_layout_is_outputs_then_inputs():
    f = lambda x, y: (x * y, gd.sum(gd.sin(x)) * np.array([1.0, 2.0, 3.0]))
    x, y = np.array([0.5, 1.0]), 2.0
    jf, jr = gd.jacfwd(f)(x, y), gd.jacrev(f)(x, y)
    assert [[np.shape(b) for b in row] for row in jf] == [[(2, 2), (2,)], [(3, 2), (3,)]]
    assert_nested_close(jf, jr, rtol=1e-12)
    np.testing.assert_allclose(jf[0][0], np.diag([y, y]))


def _points(graph, rng):
    return [rng.uniform(-1.0, 1.0, size=graph.nx.nodes[n]["shape"]) for n in graph.inputs]


GRAPHS = {
    "colah": builders.colah,
    "mlp": builders.mlp,
    "mlp-3-5-2": lambda: builders.mlp((3, 5, 2), np.linspace(0, 1, 12).reshape(4, 3), np.eye(4)[:, :2]),
    "mlp-scalar": lambda: builders.mlp(scalar=True),
    "speelpenning": lambda: builders.speelpenning(7),
    "path_explosion": lambda: builders.path_explosion(3, 3),
    "fan_out": lambda: builders.fan_out(4),
    "dense_map": lambda: builders.dense_map(3, 5, hidden=4),
    "rosenbrock": lambda: builders.rosenbrock(5),
    **{f"random_dag-{s}": (lambda s=s: builders.random_dag(40, 4, 3, seed=s)) for s in range(6)},
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_forward_equals_reverse(name, rng):
    g = GRAPHS[name]()
    for _ in range(2):
        args = _points(g, rng)
        assert_nested_close(gd.jacfwd(g)(*args), gd.jacrev(g)(*args), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_against_finite_differences(name, rng):
    g = GRAPHS[name]()
    args = _points(g, rng)
    jac = gd.jacrev(g)(*args)
    rows = [jac] if len(g.outputs) == 1 else jac
    for k in range(len(g.outputs)):
        f = lambda *a, k=k: g(*a) if len(g.outputs) == 1 else g(*a)[k]
        for i in range(len(g.inputs)):
            np.testing.assert_allclose(rows[k][i], central_difference(f, args, i), rtol=1e-5, atol=1e-7)


def test_grad_equals_vjp_and_jvp_is_a_jacobian_column(rng):
    g = builders.random_dag(60, 5, 1, seed=11)
    args = list(rng.uniform(-1, 1, 5))
    grad = gd.grad(g)(*args)
    assert gd.vjp(g, args, 1.0)[1] == grad
    direction = rng.standard_normal(5)
    _, tangent = gd.jvp(g, args, direction)
    assert tangent == pytest.approx(float(np.dot(grad, direction)), rel=1e-10)


def test_functions_are_traced_once_per_shape():
    calls = []

    def f(x):
        calls.append(1)
        return gd.sum(x * x)

    grad_f = gd.grad(f)
    grad_f(np.ones(2))
    grad_f(np.zeros(2))
    grad_f(np.ones(3))
    assert len(calls) == 2


def test_value_and_grad():
    value, grad = gd.value_and_grad(builders.colah())(a=2.0, b=1.0)
    assert value == 6.0 and grad == (2.0, 5.0)


def test_numpy_ufuncs_and_operators_trace_to_primitives():
    f = lambda x, y: np.exp(x) * np.sin(y) / (1 + x**2) - np.sqrt(y) + abs(-x) + x**0.5
    g = gd.trace(f)
    ops = sorted(d["op"] for _, d in g.nx.nodes(data=True) if d["kind"] == "op")
    assert "integer_pow" in ops and "pow" in ops and "abs" in ops and "neg" in ops
    assert g(0.7, 1.3) == pytest.approx(f(0.7, 1.3), rel=1e-15)
    grad = gd.grad(g)(0.7, 1.3)
    for i in range(2):
        assert grad[i] == pytest.approx(central_difference(f, [0.7, 1.3], i), rel=1e-6)


# --- JAX's argnums and has_aux ------------------------------------------------------------


def test_argnums_picks_the_inputs_an_int_one_gradient_a_tuple_a_tuple():
    f = lambda w, x, y: gd.sin(w * x) + y * y  # noqa: E731
    w, x, y = 0.5, 2.0, 3.0
    for _ in range(3):  # interpreted, then compiled
        assert gd.grad(f, argnums=0)(w, x, y) == x * math.cos(w * x)
        assert gd.grad(f, argnums=(2, 0))(w, x, y) == (2 * y, x * math.cos(w * x))
        assert gd.grad(f, argnums=-1)(w, x, y) == 2 * y
        assert gd.value_and_grad(f, argnums=1)(w, x, y) == (f(w, x, y), w * math.cos(w * x))
    assert gd.grad(f)(w, x, y) == (
        x * math.cos(w * x),
        w * math.cos(w * x),
        2 * y,
    )  # graphdiff's default: all


def test_data_passed_as_an_argument_costs_what_closing_over_it_does():
    """With argnums, nothing is computed for the inputs not differentiated (no dL/dX)."""
    from graphdiff.cost.tally import reverse_counts
    from graphdiff.ir.program import restricted

    rng = np.random.default_rng(3)
    X, w = rng.standard_normal((6, 4)), rng.standard_normal(4)
    as_argument = gd.trace(lambda w, X: gd.sum(gd.tanh(X @ w)), w, X)
    closed_over = gd.trace(lambda w: gd.sum(gd.tanh(X @ w)), w)
    program = restricted(as_argument.program, frozenset({as_argument.program.slot["w"]}))
    assert (
        reverse_counts(program, program.output_slots)[0].total
        == reverse_counts(closed_over.program, closed_over.program.output_slots)[0].total
        < reverse_counts(as_argument.program, as_argument.program.output_slots)[0].total
    )
    (by_closure,) = gd.grad(closed_over)(w)
    np.testing.assert_array_equal(gd.grad(lambda w, X: gd.sum(gd.tanh(X @ w)), argnums=0)(w, X), by_closure)


def test_argnums_that_name_no_input_are_refused_by_name():
    for bad in (3, -4, (0, 5), 1.0, True):
        with pytest.raises(gd.InputError, match="argnums"):
            gd.grad(lambda a, b, c: a * b * c, argnums=bad)(1.0, 2.0, 3.0)


def test_has_aux_returns_the_auxiliary_data_beside_the_gradient():
    f = lambda x: (x * x, (x + 1.0, np.ones(2) * x))  # noqa: E731
    grads, (first, second) = gd.grad(f, has_aux=True)(3.0)
    assert grads == (6.0,) and first == 4.0 and second.tolist() == [3.0, 3.0]
    (value, aux), grad = gd.value_and_grad(lambda w, x: (w * x, w - x), argnums=0, has_aux=True)(2.0, 5.0)
    assert (value, aux, grad) == (10.0, -3.0, 5.0)
    with pytest.raises(gd.InputError, match="must return a pair"):
        gd.grad(lambda x: x * x, has_aux=True)(1.0)


def test_jacfwd_with_many_scalar_inputs_compiles_its_first_call_with_the_same_bits():
    """From 16 inputs, one generated vector sweep costs less than an interpreted sweep per input."""
    from graphdiff.compiler import codegen
    from graphdiff.modes.forward import forward_sweep

    g = builders.dense_map(20, 3, hidden=4)
    x = [float(v) for v in np.random.default_rng(5).uniform(-1.0, 1.0, 20)]
    first = gd.jacfwd(g)(*x)
    assert codegen.compiled(g.program, "jacfwd")
    program = g.program
    for j, slot in enumerate(program.input_slots):  # column j: the interpreter's sweep seeded at input j
        _, tangents = forward_sweep(program, g.bind(x), {slot: np.float64(1.0)})
        column = [0.0 if tangents[o] is None else float(tangents[o]) for o in program.output_slots]
        assert [repr(v) for v in first[:, j].tolist()] == [repr(v) for v in column]  # bits: -0.0 is not 0.0
    assert type(first) is np.ndarray and first.shape == (3, 20)


# --- check_grads ----------------------------------------------------------------------------


def test_check_grads_passes_right_derivatives_of_any_shape_to_second_order():
    rng = np.random.default_rng(7)
    W, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    gd.check_grads(lambda W, x: gd.sum(gd.tanh(W @ x)), (W, x), order=2)
    gd.check_grads(lambda a, b: (a * b, gd.sin(a) + b), (0.3, 1.7))  # two outputs, both modes
    gd.check_grads(lambda x: x[::-1] * x.max(), (x,), modes=("rev",))


def test_check_grads_names_the_worst_entry_of_a_wrong_derivative():
    from graphdiff.primitives.table import PRIMITIVES, define, times

    half_wrong = define("half_wrong_square", 1, np.square, partials=(times(lambda out, x: x),), check=False)
    try:
        with pytest.raises(
            gd.GradientCheckError, match=r"by input 1 at element \(2,\): 6\.0, finite differences 12\.0"
        ):
            gd.check_grads(lambda a, x: a * gd.sum(half_wrong(x)), (1.0, np.array([1.0, 2.0, 6.0])))
        with pytest.raises(gd.GradientCheckError, match="^rev derivative"):
            gd.check_grads(lambda x: half_wrong(x), (3.0,), modes=("rev",))
    finally:
        del PRIMITIVES["half_wrong_square"]
    with np.errstate(all="ignore"), pytest.raises(gd.GradientCheckError, match="nan"):
        gd.check_grads(lambda x: gd.sqrt(x), (0.0,))  # d sqrt(x)/dx at 0 is inf; the differences are nan
    with pytest.raises(gd.InputError, match="modes"):
        gd.check_grads(lambda x: x, (1.0,), modes=("sideways",))
    with pytest.raises(gd.InputError, match="order"):
        gd.check_grads(lambda x: x, (1.0,), order=3)
    with pytest.raises(gd.InputError, match="one scalar output"):
        gd.check_grads(lambda x: (x, x), (1.0,), order=2)


def test_check_grads_takes_pytrees_and_names_the_worst_leaf():
    from graphdiff.primitives.table import PRIMITIVES, define, times

    rng = np.random.default_rng(3)
    params = {"W": rng.standard_normal((3, 2)), "b": [0.5, np.array([0.1, -0.2, 0.3])]}
    X, y = rng.standard_normal((4, 3)), np.array([0, 1, 1, 0])

    def loss(p, X, y):
        z = np.tanh(X @ p["W"])
        return np.sum(z[np.arange(4), y]) * p["b"][0] + np.sum(p["b"][1] ** 3)

    gd.check_grads(loss, (params, X, y), order=2)  # y, integer data, is passed as it is
    half_wrong = define(
        "half_wrong_cube", 1, lambda x: x**3, partials=(times(lambda out, x: x * x),), check=False
    )
    try:
        with pytest.raises(gd.GradientCheckError, match=r"by input 0\['b'\]\[1\] at element \(2,\)"):
            gd.check_grads(lambda p: {"out": np.sum(half_wrong(p["b"][1])) + p["W"][0, 0]}, (params,))
    finally:
        del PRIMITIVES["half_wrong_cube"]
    with pytest.raises(gd.InputError, match="args is a tuple or list"):
        gd.check_grads(loss, {"p": params})


def test_has_aux_keeps_each_traces_own_layout():
    """A function returning (value, (x,)) for arrays and (value, x) for numbers gets each back as it gave it."""
    f = lambda x: (gd.sum(x * x), (x,)) if np.ndim(x) else (x * x, x)  # noqa: E731
    g = gd.grad(f, has_aux=True)
    assert g(np.ones(2))[1][0].tolist() == [1.0, 1.0] and isinstance(g(np.ones(2))[1], tuple)
    assert g(3.0) == ((6.0,), 3.0)
    assert isinstance(g(np.ones(2))[1], tuple)  # the array trace again, from the cache


def test_a_function_drawing_random_numbers_draws_anew_on_every_call():
    # the draw is a constant of a trace: a cached trace would give the first call's mask forever
    import random

    np.random.seed(0)

    def dropout(w):
        mask = (np.random.rand(6) > 0.5).astype(float)
        return np.sum((w * mask) ** 2), mask

    grad = gd.grad(dropout, argnums=0, has_aux=True)
    w = np.arange(1.0, 7.0)
    masks = []
    for _ in range(4):
        g, mask = grad(w)
        assert np.array_equal(g, 2.0 * w * mask)  # by hand: d/dw sum((w m)^2) = 2 w m^2, m in {0, 1}
        masks.append(mask.tobytes())
    assert len(set(masks)) > 1

    def local(x):
        import numpy  # reached by a local import, not a global

        return x * numpy.random.rand()

    assert len({gd.value_and_grad(local)(1.0)[0] for _ in range(3)}) == 3
    rng = random.Random(3)
    scale = lambda w: w * rng.random()  # noqa: E731
    assert len({gd.grad(scale)(1.0) for _ in range(3)}) == 3


def test_arguments_outside_argnums_that_are_not_floats_are_fixed_values_as_in_jax():
    x, X = np.arange(1.0, 5.0), np.arange(6.0).reshape(2, 3)
    first = lambda x, n: np.sum(x[:n] ** 2)  # noqa: E731
    assert np.array_equal(gd.grad(first, argnums=0)(x, 2), [2.0, 4.0, 0.0, 0.0])
    assert np.array_equal(gd.grad(first, argnums=0)(x, np.int64(1)), [2.0, 0.0, 0.0, 0.0])
    assert np.array_equal(gd.grad(lambda x, i: np.sum(x[i]), argnums=0)(x, [0, 3]), [1.0, 0.0, 0.0, 1.0])
    along = lambda X, axis: np.sum(np.max(X, axis=axis))  # noqa: E731
    assert np.array_equal(gd.grad(along, argnums=0)(X, 1), [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    mode = lambda x, how: np.sum(x**2) if how == "square" else np.sum(x)  # noqa: E731
    assert np.array_equal(gd.grad(mode, argnums=0)(x, "square"), 2.0 * x)
    assert np.array_equal(gd.grad(mode)(x, "plain"), (np.ones(4),))  # a string is never an input
    h = gd.hessian(lambda x, n: np.sum(x[:n] ** 3), argnums=0)(x, 2)
    assert np.array_equal(h, np.diag([6.0, 12.0, 0.0, 0.0]))
    gd.check_grads(lambda x: first(x, 3), (x,), order=2)

    # JAX's loss(params, batch) with the labels inside the batch
    def loss(params, batch):
        z = batch["x"] @ params["W"]
        return -np.mean(z[np.arange(len(batch["y"])), batch["y"]])

    params, batch = {"W": np.ones((3, 2))}, {"x": X, "y": np.array([0, 1])}
    by_hand = -0.5 * np.stack([X[0], X[1]], axis=1)  # column y_i gets -x_i / n
    assert np.array_equal(gd.grad(loss, argnums=0)(params, batch)["W"], by_hand)
    with pytest.raises(gd.InputError, match=r"batch\['y'\] is an array of int64 inside a pytree.*argnums"):
        gd.grad(loss)(params, batch)  # every argument differentiated: the labels cannot be


def test_check_grads_above_max_elements_checks_along_random_directions():
    from graphdiff.primitives.table import PRIMITIVES, define, times

    rng = np.random.default_rng(5)
    W, X, y = rng.standard_normal((6, 3)), rng.standard_normal((4, 6)), np.array([0, 2, 1, 1])
    loss = lambda W, X, y: -gd.sum(gd.log_softmax(np.tanh(X @ W), axis=1)[np.arange(4), y])  # noqa: E731
    gd.check_grads(loss, (W, X, y), order=2, max_elements=10)  # 42 elements: along directions
    # tanh' = 1 - out^2; 1 - out is wrong, and every mode along a direction says so
    wrong = define("wrong_tanh", 1, np.tanh, partials=(times(lambda out, x: 1 - out),), check=False)
    try:
        for mode, what in [("fwd", r"\(output 0\)"), ("rev", r"\(u \. J v of the outputs\)")]:
            with pytest.raises(
                gd.GradientCheckError, match=rf"^{mode} derivative {what} along random direction 0"
            ):
                gd.check_grads(lambda W: gd.sum(wrong(X @ W)), (W,), modes=(mode,), max_elements=10)
    finally:
        del PRIMITIVES["wrong_tanh"]
