"""Regressions: answers that were silently wrong, stale, or different between calls.

Each test is named after the symptom it guards against; the expected values are derived
by hand in the comments.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import graphdiff as gd

# --- closed-over data is never frozen into a stale trace --------------------------------


def test_a_closed_over_array_that_is_rebound_changes_the_gradient():
    X = np.ones((2, 2))
    gf = gd.grad(lambda w: gd.sum((X @ w) ** 2))
    w = np.ones(2)
    # f = sum((X w)^2), grad = 2 X^T X w; X = ones: X w = (2, 2), grad = 2 * (4, 4)
    np.testing.assert_array_equal(gf(w)[0], [8.0, 8.0])
    X = np.full((2, 2), 10.0)  # noqa: F841 - read by the lambda through its closure cell
    # X w = (20, 20), X^T X w = (400, 400), times 2
    np.testing.assert_array_equal(gf(w)[0], [800.0, 800.0])


def test_a_closed_over_array_changed_in_place_changes_the_gradient():
    X = np.ones((2, 2))
    gf = gd.grad(lambda w: gd.sum((X @ w) ** 2))
    w = np.ones(2)
    gf(w), gf(w)
    X[0, 0] = 0.0  # X = [[0, 1], [1, 1]]: X w = (1, 2), X^T (X w) = (2, 3), times 2
    np.testing.assert_array_equal(gf(w)[0], [4.0, 6.0])


def test_a_closed_over_scalar_that_changes_changes_every_path():
    c = 2.0
    f = lambda x: c * x * x  # noqa: E731
    grad_f, jac = gd.grad(f), gd.jacrev(f)
    for _ in range(3):  # first call, compiled call, hot path
        assert grad_f(3.0) == (12.0,) and jac(3.0) == (12.0,)  # d(c x^2) = 2 c x
    c = 5.0  # noqa: F841
    for _ in range(3):
        assert grad_f(3.0) == (30.0,) and jac(3.0) == (30.0,)
        assert gd.value_and_grad(f)(3.0) == (45.0, (30.0,))


_SCALE = 3.0


def _uses_global(x):
    return _SCALE * gd.sin(x)


def test_a_global_that_is_rebound_changes_the_gradient():
    global _SCALE
    grad_f = gd.grad(_uses_global)
    assert grad_f(0.0) == (3.0,) and grad_f(0.0) == (3.0,)  # 3 cos 0
    _SCALE = 7.0
    try:
        assert grad_f(0.0) == (7.0,) and grad_f(0.0) == (7.0,)
    finally:
        _SCALE = 3.0


def test_a_helper_function_reading_a_changed_global_is_checked_too():
    data = {"w": np.array([1.0, 2.0])}
    helper = lambda x: gd.sum(data["w"] * x)  # noqa: E731
    grad_f = gd.grad(lambda x: helper(x) * 2.0)
    np.testing.assert_array_equal(grad_f(np.ones(2))[0], [2.0, 4.0])
    data["w"] = np.array([5.0, 6.0])
    np.testing.assert_array_equal(grad_f(np.ones(2))[0], [10.0, 12.0])


def test_a_changed_default_argument_changes_the_gradient():
    def f(x, scale=2.0):
        return scale * x

    grad_f = gd.grad(f)
    assert grad_f(1.0) == (2.0,) and grad_f(1.0) == (2.0,)
    f.__defaults__ = (4.0,)
    assert grad_f(1.0) == (4.0,)


def test_default_valued_parameters_are_fixed_values_not_inputs():
    f = lambda x, scale=2.0: scale * x * x  # noqa: E731
    assert gd.trace(f).inputs == ["x"]
    grad_f = gd.grad(f)
    assert grad_f(3.0) == (12.0,)  # 2 * scale * x, one entry: scale is not an input
    assert grad_f(3.0, 5.0) == (30.0,) and grad_f(3.0, scale=7.0) == (42.0,)
    assert grad_f(3.0) == (12.0,)  # each fixed value has its own trace


def test_keyword_inputs_out_of_signature_order_bind_by_name():
    f = lambda x, y: gd.sum(x) * gd.sum(y * y)  # noqa: E731
    x_bar, y_bar = gd.grad(f)(y=np.ones(3), x=np.ones(2))
    # d/dx = sum(y^2) = 3 per element; d/dy = sum(x) * 2y = 4 per element
    np.testing.assert_array_equal(x_bar, [3.0, 3.0])
    np.testing.assert_array_equal(y_bar, [4.0, 4.0, 4.0])
    assert gd.jacfwd(lambda a, b: a - b)(b=1.0, a=5.0).tolist() == [1.0, -1.0]


def test_a_function_whose_captures_cannot_be_read_is_traced_on_every_call():
    class Slotted:
        __slots__ = ("w",)

    holder = Slotted()
    holder.w = 2.0
    grad_f = gd.grad(lambda x: holder.w * x)
    assert grad_f(1.0) == (2.0,) and grad_f(1.0) == (2.0,)
    holder.w = 3.0
    assert grad_f(1.0) == (3.0,)


def test_an_object_answering_every_attribute_is_still_read_for_its_state():
    """An object whose __getattr__ returns a default passes neither for a transformation nor for a constant."""

    class Params:
        def __init__(self, **values):
            self.__dict__.update(values)

        def __getattr__(self, name):
            return 0.0

    p = Params(w=2.0)
    grad_f = gd.grad(lambda x: p.w * x * x)
    assert grad_f(1.0) == (4.0,) and grad_f(1.0) == (4.0,)
    p.w = 5.0
    assert grad_f(1.0) == (10.0,)


def test_a_function_using_a_transformation_is_traced_once_not_on_every_call():
    """A function closing over gd.grad(f) (as jit, grad of grad and hessian do) reads it as f.

    The transformations' own state (their caches of graphs) used to make every function
    closing over one unreadable for the cache, so it was traced again on every call.
    """
    traces = []
    grad_f = gd.grad(lambda x, y: gd.sin(x) * y)

    def outer(x, y):
        traces.append(1)  # runs once per trace of outer
        return grad_f(x, y)[0]

    for transformed in (gd.jit(outer), gd.grad(outer), gd.hessian(outer), gd.jit(gd.grad(outer))):
        traces.clear()
        first = transformed(0.5, 2.0)
        assert traces == [1]
        assert all(np.array_equal(transformed(0.5, 2.0), first) for _ in range(4))
        assert traces == [1]  # later calls trace nothing


def test_what_an_array_gradient_keeps_to_run_fast_is_not_read_as_a_capture():
    """Once gd.grad of an array function runs its prepared gradient graph, it keeps the last
    one to find it again: a cache, which a function closing over the gradient (a jit of it)
    must not read, or every switch between shapes would trace that function again."""
    from graphdiff.graph.captures import UNCACHEABLE, capture_key

    grad_loss = gd.grad(lambda w: np.sum(np.tanh(w) * w))
    w, longer = np.array([0.5, -1.0, 2.0]), np.linspace(-1.0, 1.0, 5)
    for _ in range(4):  # the later calls run the prepared gradient graphs, one per shape
        grad_loss(w), grad_loss(longer)
    before = capture_key(grad_loss)
    assert before is not UNCACHEABLE
    grad_loss(w)  # the kept graph changes
    assert capture_key(grad_loss) == before
    outer = gd.jit(lambda w: grad_loss(w)[0])
    first = outer(w)
    grad_loss(longer)
    assert np.array_equal(outer(w), first)
    np.testing.assert_allclose(first, np.tanh(w) + w / np.cosh(w) ** 2, rtol=1e-14)


def test_a_change_f_captures_reaches_through_a_transformation_of_it():
    scale = np.array([2.0])
    f = lambda x: scale[0] * x * x
    second = gd.jit(gd.grad(lambda x: gd.grad(f)(x)[0]))  # d2f/dx2 = 2 * scale
    assert second(1.0) == (4.0,) and second(1.0) == (4.0,)
    scale[0] = 5.0  # in place, read through gd.grad(f) by the outer trace
    assert second(1.0) == (10.0,)


# --- None, missing returns, edges of the domain -----------------------------------------


def test_the_library_rebinds_no_closure_cell():
    """capture_key reads a number or a string in one of graphdiff's own closures once: true
    only while no library function assigns a name of an enclosing function (nonlocal)."""
    import pathlib

    import graphdiff

    root = pathlib.Path(graphdiff.__file__).parent
    sources = sorted(root.rglob("*.py"))
    assert len(sources) > 20
    rebinding = [
        str(p.relative_to(root)) for p in sources if re.search(r"^\s*nonlocal\s+\w", p.read_text(), re.M)
    ]
    assert rebinding == []


def test_a_function_returning_none_is_refused_by_name():
    def forgot_to_return(x):
        x * 2.0

    with pytest.raises(gd.TracerError, match="forgot_to_return returned None.*return"):
        gd.trace(forgot_to_return)
    with pytest.raises(gd.TracerError, match="returned None as part of its result"):
        gd.grad(lambda x: (x, None))(1.0)


def test_the_derivative_of_zero_to_a_power_by_its_exponent_is_zero():
    # d/dy 0**y = log(0) * 0**y, which JAX and autograd read as 0 for y > 0 (not -inf * 0 = nan)
    f = lambda y: gd.pow(0.0, y)  # noqa: E731
    for _ in range(3):
        assert gd.grad(f)(2.0) == (0.0,) and gd.jacfwd(f)(2.0) == (0.0,)
    # away from 0 the rule is log(x) x**y: at x = 2, y = 3, log 2 * 8
    assert gd.grad(lambda y: gd.pow(2.0, y))(3.0) == (math.log(2.0) * 8.0,)


def test_jacrev_of_an_empty_array_is_an_empty_jacobian():
    (jacobian,) = gd.jacrev(lambda x: x * 2.0)(np.ones(0))
    assert jacobian.shape == (0, 0)
    (jacobian,) = gd.jacfwd(lambda x: x * 2.0)(np.ones(0))
    assert jacobian.shape == (0, 0)


def test_jvp_works_on_array_inputs():
    # d/dt sum((x + t v)^2) = 2 x . v = 2 * 3 with x = v = ones(3)
    assert gd.jvp(lambda x: gd.sum(x * x), (np.ones(3),), (np.ones(3),)) == (3.0, 6.0)
    out, out_dot = gd.jvp(lambda x: x * x, (np.array([1.0, 2.0]),), (np.array([1.0, 0.5]),))
    np.testing.assert_array_equal(out_dot, [2.0, 2.0])  # 2 x v


def test_in_place_operators_on_tracers_make_new_nodes():
    def f(y):
        y += 1.0
        y *= y
        y -= 2.0
        y /= 2.0
        return y

    # f = ((y + 1)^2 - 2) / 2, f' = (y + 1): at y = 2, f = 3.5 and f' = 3
    assert gd.value_and_grad(f)(2.0) == (3.5, (3.0,))


def test_in_place_operators_on_duals_make_new_duals():
    d = gd.Dual(1.0, 1.0)
    d += 1.0
    d *= d  # (x + 1)^2 at x = 1: 4, derivative 2 (x + 1) = 4
    assert (d.primal, d.tangent) == (4.0, 4.0)


def test_the_truth_of_a_dual_is_the_truth_of_its_primal():
    assert not gd.Dual(0.0, 1.0)
    assert gd.Dual(-2.0)
    assert (1.0 if gd.Dual(0.0) else 2.0) == 2.0


# --- the same call gives the same bits every time ---------------------------------------


def test_tanh_gives_the_same_bits_on_first_and_later_calls():
    # numpy's and math's tanh differ in the last bit on about a quarter of arguments; the
    # first call interprets and later calls run generated code: they must agree exactly
    xs = np.random.default_rng(0).uniform(-3, 3, 400).tolist()
    assert any(math.tanh(x) != float(np.tanh(x)) for x in xs)  # the trap is real here
    g = gd.trace(lambda x: gd.tanh(x))
    for x in xs:
        first = (g(x), gd.grad(g)(x), gd.jacfwd(g)(x), gd.jacrev(g)(x))
        again = (g(x), gd.grad(g)(x), gd.jacfwd(g)(x), gd.jacrev(g)(x))
        assert again == first


def test_jacfwd_of_a_product_at_an_infinite_point_is_the_same_on_every_call():
    # d(xy)/dx = y = inf and d(xy)/dy = x = 1: x's tangent is a structural zero in the
    # sweep seeded at y, so 0 * inf never happens (a vector sweep used to give nan here)
    g = gd.trace(lambda x, y: x * y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(4):
            assert gd.jacfwd(g)(1.0, math.inf).tolist() == [math.inf, 1.0]
            assert gd.jacrev(g)(1.0, math.inf).tolist() == [math.inf, 1.0]


def test_jacrev_rows_never_multiply_the_other_outputs_zero_cotangents():
    # f = (x * y, x) at y = inf: row 2 is d(x)/d(x, y) = (1, 0). Seeding output 1 with a
    # zero cotangent would send 0 * inf = nan into x's adjoint
    g = gd.trace(lambda x, y: (x * y, x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(4):
            assert gd.jacrev(g)(1.0, math.inf).tolist() == [[math.inf, 1.0], [1.0, 0.0]]
            assert gd.jacfwd(g)(1.0, math.inf).tolist() == [[math.inf, 1.0], [1.0, 0.0]]


def test_a_none_tangent_is_a_structural_zero_on_every_call():
    # jvp of x * y along (None, 1): x's tangent is absent, so the result is x * 1 = 1
    g = gd.trace(lambda x, y: x * y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3):
            assert gd.jvp(g, (1.0, math.inf), (None, 1.0)) == (math.inf, 1.0)
        # an explicit zero tangent is a number and multiplies, as in JAX: 0 * inf + 1 * 1
        assert all(math.isnan(gd.jvp(g, (1.0, math.inf), (0.0, 1.0))[1]) for _ in range(3))


def test_maximum_at_signed_zeros_and_sign_of_minus_zero_match_numpy_on_every_call():
    g = gd.trace(lambda x, y: gd.maximum(x, y))
    for _ in range(3):  # numpy's maximum returns y at ties: maximum(0.0, -0.0) is -0.0
        assert math.copysign(1.0, g(0.0, -0.0)) == -1.0
        assert math.copysign(1.0, g(-0.0, 0.0)) == 1.0
    h = gd.trace(lambda x: gd.abs(x) * 0.0 + x)
    for _ in range(3):
        assert gd.grad(h)(-0.0) == (1.0,)  # sign(-0.0) is 0.0 in numpy, so d|x| * 0 + 1


# --- what the API refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: gd.jvp(lambda x: x, (1.0,), ("a",)), "tangent for input 'x'"),
        (lambda: gd.vjp(lambda x: x, (1.0,), "a"), "cotangent for output"),
        (lambda: gd.jvp(lambda x: x, 1.0, (1.0,)), "primals must be a sequence"),
        (lambda: gd.vjp(lambda x: x, 1.0, 1.0), "primals must be a sequence"),
        (lambda: gd.jvp(lambda x: x, (1.0,), 1.0), "tangents must be a sequence"),
        (lambda: gd.vjp(lambda x: (x, x), (1.0,), 1.0), "one cotangent per output"),
        (lambda: gd.jvp(lambda x: x, (1.0,), (1.0, 2.0)), "got 2 tangents"),
        (lambda: gd.grad(3.0), "a Graph or a function"),
        (
            lambda: gd.vjp(lambda x: x * 2.0, np.ones(3)),
            r"primals is one array of shape \(3,\), read as 3 arg.*\(x,\)",
        ),
        (
            lambda: gd.jvp(lambda a, b: a * b, np.ones(1), np.ones(1)),
            r"read as 1 arguments, but <lambda> takes 2",
        ),
        (lambda: gd.grad(lambda x: x)(1.0, 2.0), "takes 1 positional argument"),
        (lambda: gd.grad(lambda x: x)(z=1.0), "no parameter 'z'"),
        (lambda: gd.grad(lambda x, y: x)(1.0), "input 'y'"),
        (lambda: gd.grad(lambda x: x)(1.0, x=2.0), "two values for 'x'"),
    ],
)
def test_bad_api_calls_are_graph_errors_naming_the_argument(call, message):
    with pytest.raises(gd.GraphError, match=message):
        call()


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda x: np.cbrt(x), r"numpy.cbrt has no graphdiff primitive.*x \*\* \(1 / 3\)"),
        (lambda x: np.hypot(x, 1.0), r"numpy.hypot .*gd.sqrt\(x \* x \+ y \* y\)"),
        (lambda x: np.logical_and(x, x), "compares traced values"),
        (lambda x: x.cumprod(), r"\.cumprod has no graphdiff primitive"),
        (lambda x: np.add.reduce(x), "numpy.add.reduce"),
        (
            lambda x: np.sum(x, where=x > 0),
            r"numpy.sum with where= cannot be traced .*call it without where=",
        ),
        (lambda x: np.mean(x, dtype=np.float32), r"numpy.mean with dtype= cannot be traced"),
        (lambda x: x.sum(dtype=float), r"x.sum\(\) with dtype= cannot be traced: call it with axis="),
        (lambda x: x.max(initial=0.0), r"x.max\(\) with initial= cannot be traced"),
        (lambda x: x.reshape(3, 1, order="F"), r"order='F'.*row-major.*x.T.reshape\(shape\[::-1\]\).T"),
        (lambda x: x.ravel(order="F"), r"x.ravel\(order='F'\).*x.T.ravel\(\)"),
        (lambda x: np.tensordot(x, x, 1), r"numpy.tensordot has no graphdiff primitive.*write np.einsum"),
        (
            lambda x: np.argmax(x),
            r"numpy.argmax has no graphdiff primitive .*; it has no derivative: compute it",
        ),
        (lambda x: np.hstack([x, x]), r"numpy.hstack .*write np.concatenate\(\[\.\.\.\], axis=1\)"),
        (lambda x: np.diff(x), r"numpy.diff .*write x\[1:\] - x\[:-1\]"),
        (
            lambda x: np.sum(x, axis=0, dtype=np.float32),
            r"numpy.sum with dtype= .*without dtype= \(axis=, keepdims= are traced\)",
        ),
        (
            lambda x: np.add(np.ones(3), x, out=np.ones(3)),
            r"write a traced value into a numpy array .*y = y \+ x",
        ),
        (lambda x: np.floor(x), r"numpy.floor .*piecewise constant"),
        (lambda x: np.linalg.det(x[:, None] * x), r"numpy.linalg.det has no graphdiff primitive"),
    ],
)
def test_unsupported_numpy_is_named_with_what_to_write_instead(f, message):
    with pytest.raises((gd.TracerError, gd.IndexingError), match=message) as caught:
        gd.trace(f, np.ones(3))
    assert "comparisons and branches" not in str(caught.value) or "compares" in message


def test_numpy_misuses_on_traced_values_are_graph_errors_that_say_what_to_write():
    Z, labels = np.ones((4, 3)), np.array([0, 2, 1, 1])
    loss = lambda Z, y: -np.mean(Z[np.arange(4), y])  # noqa: E731
    with pytest.raises(gd.InputError, match=r"input 'y' of <lambda> is given an array of int64.*argnums"):
        gd.trace(loss, Z, labels)
    gd.check_grads(loss, (Z, labels))  # integer data is passed as it is, not differentiated
    with pytest.raises(gd.IndexingError, match=r"cannot be assigned into .*np\.where"):
        gd.grad(lambda x: x.__setitem__(0, 1.0))(np.ones(3))
    with pytest.raises(gd.TracerError, match=r"numpy\.linalg\.svd has no graphdiff primitive"):
        gd.grad(lambda x: gd.sum(np.linalg.svd(x)[1]))(np.ones((3, 3)))
    with pytest.raises(gd.TracerError, match=r"numpy\.sort .* use np\.max"):
        gd.grad(lambda x: gd.sum(np.sort(x)))(np.ones(3))
    with pytest.raises(gd.TracerError, match=r"numpy\.linalg\.svd has no graphdiff primitive \(on a dual"):
        np.linalg.svd(gd.Dual(np.ones((2, 2)), np.ones((2, 2))))
    with pytest.raises(gd.TracerError, match=r"traced node 'getitem_1' has no number"):
        gd.grad(lambda x: np.float64(x[0]))(np.ones(3))

    def assigned(x):
        y = np.zeros(3)
        y[0] = x[0]  # numpy raises ValueError, with graphdiff's refusal as its cause
        return gd.sum(y)

    with pytest.raises(gd.TracerError, match=r"assigned into a numpy array \(y\[i\] = x\).*np\.stack"):
        gd.grad(assigned)(np.ones(3))
    with pytest.raises(gd.TracerError, match=r"cannot be formatted as a number \('\.3f'\)"):
        gd.grad(lambda x: float(f"{x:.3f}") * x)(1.0)
    assert gd.grad(lambda x: len(f"{x}") * x)(1.0) == (len("Tracer('x', shape=())"),)  # printed whole
    with pytest.raises(
        gd.InputError, match=r"args is a tuple or list .* got float \(for one argument x, pass \(x,\)\)"
    ):
        gd.check_grads(lambda x: x * x, 2.0)
    with pytest.raises(gd.TracerError, match=r"would drop its tangent"):
        np.asarray(gd.Dual(np.ones(2), np.ones(2)), dtype=float)
    with pytest.raises(gd.TracerError, match=r"would drop its tangent"):
        float(gd.Dual(1.0, 1.0))
    with pytest.raises(gd.TracerError, match=r"numpy\.sum with out= cannot be traced \(on a dual"):
        np.sum(gd.Dual(np.ones(2), np.ones(2)), out=np.zeros(()))
