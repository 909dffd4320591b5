"""Derivatives as graphs, and transformations nested to any order.

Checked three ways: against closed forms derived by hand, against finite differences of
lower-order derivatives, and the compositions against each other.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders

from .conftest import SEED, central_difference


def test_third_derivatives_of_scalars_match_closed_forms():
    d = lambda f: lambda x: gd.grad(f)(x)[0]  # noqa: E731 - d/dx of a scalar function
    for x in (-1.3, 0.2, 0.7, 2.5):
        assert d(d(d(gd.sin)))(x) == pytest.approx(-math.cos(x), rel=1e-14)  # sin''' = -cos
        assert d(d(d(lambda t: t**5)))(x) == pytest.approx(60 * x**2, rel=1e-14)  # (x^5)''' = 60 x^2
        assert d(d(gd.exp))(x) == pytest.approx(math.exp(x), rel=1e-14)
        assert d(d(d(d(gd.log))))(x + 3.0) == pytest.approx(
            -6 / (x + 3.0) ** 4, rel=1e-13
        )  # log'''' = -6/x^4


def test_grad_of_grad_of_grad_through_a_graph():
    g = gd.trace(lambda x: gd.sin(x) * x)
    second = gd.grad(gd.grad(g))  # the inner grad returns a 1-tuple: one scalar output
    third = gd.grad(gd.grad(gd.grad(g)))
    x = 0.9
    # (x sin x)'' = 2 cos x - x sin x; ''' = -3 sin x - x cos x
    assert second(x) == pytest.approx((2 * math.cos(x) - x * math.sin(x),), rel=1e-14)
    assert third(x) == pytest.approx((-3 * math.sin(x) - x * math.cos(x),), rel=1e-14)
    for _ in range(2):  # later calls, compiled, give the same numbers
        assert third(x) == third(x)


def _hvps(f, x, v):
    """The Hessian-vector product three ways round."""
    forward_over_reverse = gd.jvp(lambda y: gd.grad(f)(y)[0], (x,), (v,))[1]
    reverse_over_reverse = gd.grad(lambda y: gd.sum(gd.grad(f)(y)[0] * v))(x)[0]
    reverse_over_forward = gd.grad(lambda y: gd.jvp(f, (y,), (v,))[1])(x)[0]
    return forward_over_reverse, reverse_over_reverse, reverse_over_forward


@pytest.mark.parametrize(
    "name, f, n",
    [
        ("quartic", lambda x: gd.sum(x**4) * gd.sum(gd.sin(x)), 4),
        ("softplus_net", lambda x: gd.sum(gd.log(1.0 + gd.exp(x @ np.arange(12.0).reshape(4, 3) / 10.0))), 4),
        ("relu_and_max", lambda x: gd.sum(gd.relu(x) * x * x) + gd.sum(gd.maximum(x, 0.3 * x) ** 3), 4),
    ],
)
def test_hessian_vector_products_agree_every_way_round_and_with_finite_differences(name, f, n):
    rng = np.random.default_rng(SEED)
    x, v = rng.uniform(-1.0, 1.0, n) + 0.05, rng.normal(size=n)
    hvps = _hvps(f, x, v)
    for other in hvps[1:]:
        np.testing.assert_allclose(other, hvps[0], rtol=1e-12, atol=1e-12)
    H = gd.hessian(f, argnums=0)(x)  # JAX's layout: the block itself
    np.testing.assert_allclose(H @ v, hvps[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)  # mixed partials commute
    # finite differences of the gradient, column by column
    fd = central_difference(lambda y: gd.grad(f)(y)[0], [x], 0)
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "g",
    [builders.colah(), builders.speelpenning(5), builders.rosenbrock(4), builders.path_explosion(2, 3)],
    ids=lambda g: g.name,
)
def test_hessians_of_builders_match_finite_differences_of_gradients(g):
    rng = np.random.default_rng(SEED)
    x = [float(v) for v in rng.uniform(0.2, 1.2, len(g.inputs))]
    H = gd.hessian(g)(*x)
    rows = H  # a function of scalars: one array, H[i][j] = d2f/dx_i dx_j
    assert H.shape == (len(g.inputs), len(g.inputs))
    for i in range(len(g.inputs)):
        fd = central_difference(lambda *y: np.array(gd.grad(g)(*y)), x, i)
        np.testing.assert_allclose([rows[j][i] for j in range(len(g.inputs))], fd, rtol=1e-6, atol=1e-7)
        for j in range(len(g.inputs)):  # symmetric
            assert rows[i][j] == pytest.approx(rows[j][i], rel=1e-12, abs=1e-12)


def test_the_hessian_of_colah_is_derived_by_hand():
    # e = (a + b)(b + 1) = ab + a + b^2 + b: e_aa = 0, e_ab = 1, e_bb = 2
    assert gd.hessian(builders.colah())(2.0, 1.0).tolist() == [[0.0, 1.0], [1.0, 2.0]]
    assert gd.jacfwd(gd.jacrev(builders.colah()))(5.0, -3.0).tolist() == [[0.0, 1.0], [1.0, 2.0]]
    assert gd.jacrev(gd.jacfwd(builders.colah()))(5.0, -3.0).tolist() == [[0.0, 1.0], [1.0, 2.0]]
    assert gd.hessian(builders.colah(), argnums=1)(2.0, 1.0) == 2.0  # d2e/db2 alone


def test_derivative_graphs_evaluate_to_exactly_what_the_sweeps_give():
    rng = np.random.default_rng(SEED)
    for g in (
        builders.colah(),
        builders.random_dag(40, 3, 2, seed=3),
        builders.speelpenning(6),
        builders.mlp(),
    ):
        x = [
            rng.uniform(-1, 1, size=g.shape_of(n)) if g.shape_of(n) else float(rng.uniform(-1, 1))
            for n in g.inputs
        ]
        y_bars = [rng.normal(size=g.shape_of(o)) if g.shape_of(o) else float(rng.normal()) for o in g.outputs]
        x_dots = [rng.normal(size=g.shape_of(n)) if g.shape_of(n) else float(rng.normal()) for n in g.inputs]
        m = len(g.outputs)
        outs, x_bars = gd.vjp(g, x, y_bars[0] if m == 1 else y_bars)
        recorded = gd.vjp_graph(g)(*x, *y_bars)
        expected = ((outs,) if m == 1 else tuple(outs)) + tuple(x_bars)
        for a, b in zip(recorded, expected):
            np.testing.assert_array_equal(a, b)  # the same operations in the same order: the same bits
        outs, out_dots = gd.jvp(g, x, x_dots)
        recorded = gd.jvp_graph(g)(*x, *x_dots)
        expected = (outs, out_dots) if m == 1 else tuple(outs) + tuple(out_dots)
        for a, b in zip(recorded, expected):
            np.testing.assert_array_equal(a, b)


def test_the_reverse_part_of_a_vjp_graph_reads_the_primal_values_it_needs():
    g = builders.colah()
    vg = gd.vjp_graph(g)
    # e = c * d: de/dc = e_bar * d and de/dd = e_bar * c read c and d from the evaluation
    products = [n for n, d in vg.nx.nodes(data=True) if d.get("op") == "mul"]
    assert len(products) == 3  # e itself, then the two adjoint products e_bar * d and e_bar * c
    adds = {n for n, d in vg.nx.nodes(data=True) if d.get("op") == "add"}
    (e,) = [n for n in products if set(vg.args(n)) <= adds]  # the primal e = c * d
    c, d = vg.args(e)
    readers = {n for n in products if n != e}
    assert {u for n in readers for u in vg.args(n)} >= {c, d}  # the tape: edges from the primal part


def test_a_graph_called_on_tracers_is_recorded_inline():
    g = builders.colah()
    outer = gd.trace(lambda a, b: g(a, b) * 2.0)
    assert outer(2.0, 1.0) == 12.0 and gd.grad(outer)(2.0, 1.0) == (4.0, 10.0)
    assert {d.get("op") for _, d in outer.nx.nodes(data=True)} >= {"add", "mul"}


def test_nesting_works_through_plain_functions_with_arrays():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    f = lambda x: 0.5 * gd.sum(x * (A @ x))  # noqa: E731 - the Hessian is A, the gradient A x
    x = np.array([0.3, -0.7])
    ((H,),) = gd.hessian(f)(x)  # every input (here one): H[i][j], the block by inputs i and j
    np.testing.assert_array_equal(H, A)
    (jac,) = gd.jacrev(lambda y: gd.grad(f)(y)[0])(x)
    np.testing.assert_array_equal(jac, A)


def _graph_counts(graph):
    """The operations evaluating a graph performs, counted from the arithmetic done."""
    from graphdiff.cost.sweeps import count_by_running

    program = graph.program
    point = graph.bind([np.full(graph.shape_of(n), 0.4) for n in graph.inputs])
    return count_by_running(program, point, "function")[0]


@pytest.mark.parametrize(
    "g",
    [
        builders.colah(),
        builders.speelpenning(6),
        builders.fan_out(4),
        builders.path_explosion(2, 3),
        builders.rosenbrock(5),
        builders.dense_map(3, 2, hidden=4),
        builders.mlp(),
        builders.random_dag(30, 3, 2, seed=5),
    ],
    ids=lambda g: g.name,
)
def test_a_sweeps_cost_is_the_operation_count_of_its_derivative_graph(g):
    # the derivative graph records exactly the arithmetic the sweep performs: counting it
    # gives the sweep's counts, by kind. Reverse mode: one evaluation and one reverse sweep
    # per output; forward mode: one sweep per input, each seeded there alone
    from graphdiff.cost.sweeps import measure

    point = [np.full(g.shape_of(n), 0.4) for n in g.inputs]
    costs = measure(g, point, modes=["forward", "reverse"], repeats=1, budget=0)
    if len(g.outputs) == 1 and all(g.shape_of(o) == () for o in g.outputs):
        assert _graph_counts(gd.vjp_graph(g)).as_dict() == costs["reverse"].ops.as_dict()
    scalar_inputs = all(g.shape_of(n) == () for n in g.inputs)
    if scalar_inputs:
        forward = sum(
            (_graph_counts(gd.jvp_graph(g, [name])) for name in g.inputs), gd.primitives.counting.OpCounts()
        )
        assert forward.as_dict() == costs["forward"].ops.as_dict()
    assert len(g.outputs) == 1 or scalar_inputs  # every builder is checked one way at least


def test_the_backward_program_of_colah_names_each_adjoint_and_where_adjoints_meet():
    vg = gd.vjp_graph(builders.colah())
    # e = c * d: c_bar = e_bar * d and d_bar = e_bar * c read c and d from the evaluation (the
    # tape); b feeds both c and d, so its adjoint is where the two meet: b_bar = c_bar + d_bar.
    # a's adjoint is c_bar itself (c = a + b passes it on unchanged)
    assert vg.nx.nodes["c_bar"]["op"] == "mul" and set(vg.args("c_bar")) == {"e_bar", "d"}
    assert vg.nx.nodes["d_bar"]["op"] == "mul" and set(vg.args("d_bar")) == {"e_bar", "c"}
    assert vg.nx.nodes["b_bar"]["op"] == "add" and set(vg.args("b_bar")) == {"c_bar", "d_bar"}
    assert vg.outputs == ["e", "c_bar", "b_bar"]
    assert vg(2.0, 1.0, 1.0) == (6.0, 2.0, 5.0)


def test_graphdiff_draw_backward_draws_the_backward_program(capsys):
    from graphdiff.cli.main import main

    assert main(["draw", "colah", "--backward", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    for line in ('"c_bar" [label="c_bar = 2"]', '"d_bar" [label="d_bar = 3"]', '"b_bar" [label="b_bar = 5"]',
                 '"c_bar" -> "b_bar"', '"d_bar" -> "b_bar"', '"d" -> "c_bar"', '"c" -> "d_bar"'):  # fmt: skip
        assert line in dot, line


def test_second_order_counts_of_colah_match_hand_derived_counts():
    from graphdiff.cost.second_order import second_order_costs

    rows = {r.mode: r.ops for r in second_order_costs(builders.colah(), [2.0, 1.0], repeats=1, budget=0)}
    # the gradient's graph: c = a + b, d = b + 1, e = c * d, then c_bar = 1 * d, d_bar = 1 * c,
    # b_bar = c_bar + d_bar: 3 adds, 3 muls (e is evaluated too, as the sweep does).
    # Forward over it: c_dot = a_dot + b_dot (add), d_dot = b_dot (free), e_dot = c_dot d + c d_dot
    # (2 mul, 1 add), c_bar_dot = 1 * d_dot, d_bar_dot = 1 * c_dot (2 mul), b_bar_dot = c_bar_dot +
    # d_bar_dot (add): 3 adds, 4 muls more
    assert (rows["forward-over-reverse"].add, rows["forward-over-reverse"].mul) == (3 + 3, 3 + 4)
    # Reverse over it, seeded v_a at c_bar (a's adjoint) and v_b at b_bar: c_bar's adjoint is
    # v_a + v_b (add), d_bar's is v_b (free); through the products with 1: 2 muls; then c's adjoint
    # reaches a free and b with one add (d's arrives first): 2 adds, 2 muls more
    assert (rows["reverse-over-reverse"].add, rows["reverse-over-reverse"].mul) == (3 + 2, 3 + 2)
    assert rows["function"].total == 3


@pytest.mark.parametrize(
    "g",
    [builders.rosenbrock(5), builders.speelpenning(5), builders.mlp((2, 3, 1), scalar=True)],
    ids=lambda g: g.name,
)
def test_the_three_hessian_vector_products_of_the_bench_agree_with_the_hessian(g):
    from graphdiff.cost.second_order import second_order_graphs

    rng = np.random.default_rng(SEED)
    x = [float(t) for t in rng.uniform(0.3, 1.0, len(g.inputs))]
    v = [float(t) for t in rng.normal(size=len(g.inputs))]
    graphs, n = second_order_graphs(g), len(g.inputs)
    H = np.array(graphs["hessian"](*x)).reshape(n, n)
    expected = H @ np.array(v)
    fwd_rev = graphs["forward-over-reverse"](*x, *v)[n:]  # outputs: the gradient, then H v
    rev_rev = graphs["reverse-over-reverse"](*x, *v)[n:]
    rev_fwd = graphs["reverse-over-forward"](*x, *v, 1.0)[1 : 1 + n]  # f'(x) v, then H v, then the gradient
    for hvp in (fwd_rev, rev_rev, rev_fwd):
        np.testing.assert_allclose(hvp, expected, rtol=1e-12, atol=1e-12)


def test_graphdiff_bench_second_order_prints_every_composition(capsys):
    from graphdiff.cli.main import main

    assert main(["bench", "--second-order", "--family", "rosenbrock", "--sizes", "4", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for mode in (
        "forward-over-reverse",
        "reverse-over-reverse",
        "reverse-over-forward",
        "hessian",
        "fewest ops",
    ):
        assert mode in out
    assert (
        main(["bench", "--second-order", "--family", "fan_out"]) == 2
    )  # one input, many outputs: no Hessian
    assert "one scalar output" in capsys.readouterr().err


def test_cse_finds_the_calls_a_reverse_rule_repeats_and_keeps_every_bit():
    from graphdiff.cost.sweeps import count_by_running

    g = builders.path_explosion(3, 3)
    vg = gd.vjp_graph(g)
    point = [0.3, 1.0]  # x, then the output's cotangent

    def nonlinear(graph):
        values = point[: len(graph.inputs)]
        return count_by_running(graph.program, graph.bind(values), "function")[0].nonlinear

    # 3 stages of sin, cos, tanh: 9 calls. sin's partial asks for cos(x) and cos's for sin(x),
    # both made by the evaluation already; tanh's (1 - out^2) makes none. So the sweep makes
    # 9 + 6 calls as it runs, and 9 once repeats are shared
    assert (nonlinear(g), nonlinear(vg), nonlinear(gd.cse(vg))) == (9, 15, 9)
    assert gd.cse(vg)(*point) == vg(*point)
    rng = np.random.default_rng(SEED)
    for seed in range(20):
        r = builders.random_dag(30, 3, 2, seed=seed)
        x = [float(v) for v in rng.uniform(-1, 1, 3)]
        assert gd.cse(r)(*x) == r(*x) and len(gd.cse(r)) <= len(r)


def test_jit_compiles_on_the_first_call_and_gives_the_same_bits_as_the_transformation():
    rng = np.random.default_rng(SEED)
    for seed in range(10):
        g = builders.random_dag(60, 3, 1, seed=seed)
        x = [float(v) for v in rng.uniform(-1, 1, 3)]
        jitted = gd.jit(gd.grad(g))
        assert jitted(*x) == gd.grad(g)(*x)  # a 3-tuple both ways, the same bits
        assert jitted(*x) == gd.grad(g)(*x)
    f = lambda x: gd.sin(x) * x  # noqa: E731
    jitted = gd.jit(gd.grad(f))
    assert jitted(0.3) == (math.cos(0.3) * 0.3 + math.sin(0.3),)  # the 1-tuple is kept
    traced = gd.trace(lambda x: gd.jit(gd.grad(f))(x)[0] * 2.0)  # inside a trace it records f itself
    assert traced(0.3) == 2.0 * (math.cos(0.3) * 0.3 + math.sin(0.3))


def test_jits_later_calls_on_floats_run_the_generated_code_and_still_see_what_changed():
    """Once compiled, a call on floats goes straight to the generated code; a changed capture
    still traces again, and a point where math raises still gets numpy's nan."""
    scale = [2.0]
    jitted = gd.jit(gd.grad(lambda x, y: scale[0] * gd.log(x) * y))
    assert jitted(0.5, 3.0) == (2.0 / 0.5 * 3.0, 2.0 * math.log(0.5))
    assert jitted(0.25, 3.0) == (2.0 / 0.25 * 3.0, 2.0 * math.log(0.25))  # the generated code
    scale[0] = 5.0
    assert jitted(0.25, 3.0) == (5.0 / 0.25 * 3.0, 5.0 * math.log(0.25))
    with np.errstate(invalid="ignore"):
        x_bar, y_bar = jitted(-1.0, 3.0)  # math.log(-1.0) raises; numpy gives nan
    assert x_bar == -15.0 and math.isnan(y_bar)


def test_jit_compiles_the_graph_of_the_whole_function_at_once():
    calls = []

    def f(x, y):
        calls.append(1)
        return gd.grad(lambda a, b: gd.sin(a) * b)(x, y)

    jitted = gd.jit(f)
    jitted(0.5, 2.0)
    jitted(0.7, 2.0)
    assert len(calls) == 1  # traced once, nested grad included, then only the compiled graph runs
    assert jitted(0.7, 2.0) == gd.grad(lambda a, b: gd.sin(a) * b)(0.7, 2.0)


def test_jit_of_an_array_hvp_runs_its_simplified_graph_with_the_same_bits():
    """Arrays are not compiled to code: jit runs the graph once simplified by cse (fewer nodes)."""
    rng = np.random.default_rng(SEED)
    X, Y = rng.standard_normal((5, 4)), np.eye(3)[rng.integers(0, 3, 5)]

    def loss(W, b):
        z = gd.tanh(X @ W + b)
        return gd.sum(gd.log(gd.exp(z).sum(axis=1))) - gd.sum(Y * z)

    W, b, V, u = (
        rng.standard_normal((4, 3)),
        rng.standard_normal(3),
        rng.standard_normal((4, 3)),
        rng.standard_normal(3),
    )
    hvp = lambda W, b: gd.jvp(gd.grad(loss), (W, b), (V, u))[1]  # noqa: E731
    jitted = gd.jit(hvp)
    expected = hvp(W, b)
    for _ in range(3):  # the first call traces and simplifies, the later ones reuse both
        got = jitted(W, b)
        assert all(g.tobytes() == e.tobytes() for g, e in zip(got, expected))
    graph = gd.trace(hvp, W, b)
    assert len(gd.cse(graph)) < len(graph)  # there was something to share
    # and something no output needs: the gradient itself, of which only the tangent is returned
    live = gd.dce(graph)
    assert len(live) < len(graph) and live.inputs == graph.inputs
    assert all(a.tobytes() == e.tobytes() for a, e in zip(live(W, b), expected))
    matmuls = lambda g: sum(d.get("op") == "matmul" for _, d in g.nx.nodes(data=True))  # noqa: E731
    assert matmuls(live) < matmuls(graph)  # X.T @ (the gradient's adjoint) is gone
    # and it is the Hessian-vector product: against finite differences of the gradient
    h = 1e-6
    plus, minus = gd.grad(loss)(W + h * V, b + h * u), gd.grad(loss)(W - h * V, b - h * u)
    for got_k, p, m in zip(expected, plus, minus):
        np.testing.assert_allclose(got_k, (p - m) / (2 * h), rtol=1e-6, atol=1e-8)


def test_jit_returns_a_fresh_array_where_the_gradient_is_a_constant():
    """The gradient of a linear function folds to numbers ahead; a caller writing into one
    call's result must not change what the next call returns."""
    jitted = gd.jit(gd.grad(lambda x, y: np.sum(2.0 * x)))
    first = jitted(np.ones(3), np.ones(2))
    first[0][0], first[1][0] = 99.0, 5.0
    again = jitted(np.ones(3), np.ones(2))
    np.testing.assert_array_equal(again[0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(again[1], [0.0, 0.0])


def test_a_prepared_program_gives_the_interpreters_bits_with_inputs_and_constants_as_outputs():
    """The straight-line function jit and repeated array gradients run: an input returned as
    it is, a constant returned fresh, a value nothing reads, a value read by several."""
    from graphdiff.modes.evaluate import evaluate, prepared

    c = np.array([1.0, -2.0, 3.0])

    def f(x, y):
        unused = np.exp(x)  # noqa: F841 - computed, read by nothing
        shared = np.sin(x) * y
        return x, c, shared + shared[::-1], np.sum(shared * x)

    x, y = np.array([0.5, -0.0, np.inf]), np.array([2.0, 3.0, -1.0])
    with np.errstate(invalid="ignore"):
        g = gd.trace(f, x, y)
        run = prepared(g.program)
        expected = [
            evaluate(g.program, [x, y])[s] for s in g.program.output_slots
        ]  # the interpreter, on the same inputs
        for _ in range(2):
            got = run([x, y])
            assert [np.asarray(v).tobytes() for v in got] == [np.asarray(v).tobytes() for v in expected]
    assert got[0] is x and got[1] is not c  # the input itself; the constant a copy


def test_a_closure_over_an_outer_traced_value_is_refused_with_what_to_do():
    with pytest.raises(gd.TracerError, match="pass that value as an argument instead"):
        gd.grad(lambda x: gd.grad(lambda a: gd.sin(a) * x)(x)[0])(0.5)


def test_the_max_shifted_logsumexp_written_by_hand_differentiates_twice():
    """logsumexp(z) = m + log(sum(exp(z - m))) with m = max(z): the shift's derivative cancels.

    The gradient is softmax(z) (by hand), the Hessian diag(p) - p p^T; both against numpy
    and the Hessian against finite differences of the gradient.
    """
    z = np.array([0.3, -1.2, 2.0, 0.7])

    def lse(z):
        m = np.max(z, axis=0, keepdims=True)
        return gd.sum(m + np.log(np.sum(np.exp(z - m), axis=0, keepdims=True)))

    p = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
    (grad,) = gd.grad(lse)(z)
    np.testing.assert_allclose(grad, p, rtol=1e-14)
    hessian = gd.hessian(lse, argnums=0)(z)  # one block, shape (4, 4)
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)
    h, fd = 1e-6, np.zeros((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        fd[:, j] = (gd.grad(lse)(z + e)[0] - gd.grad(lse)(z - e)[0]) / (2 * h)
    np.testing.assert_allclose(hessian, fd, rtol=1e-6, atol=1e-8)


def test_fold_shapes_drops_the_broadcasts_and_double_reshapes_a_gradient_makes_with_the_same_bits():
    from graphdiff.graph.passes import cse, dce, fold_shapes

    params, X, labels = builders.classifier_params((6, 5, 3), batch=4, seed=1)
    loss = lambda W1, b1, W2, b2: builders.classifier_loss(
        {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, labels
    )
    args = [params[k] for k in ("W1", "b1", "W2", "b2")]
    g = cse(dce(gd.grad_graph(gd.trace(loss, *args))))
    folded = fold_shapes(g)
    count = lambda h, op: sum(o == op for _, o in h.nx.nodes(data="op"))
    assert count(g, "broadcast_to") > 0 and count(folded, "broadcast_to") == 0
    assert count(folded, "reshape") < count(g, "reshape")
    for got, expected in zip(folded(*args), g(*args)):
        np.testing.assert_array_equal(got, expected)
