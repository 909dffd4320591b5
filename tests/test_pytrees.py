"""JAX's conventions: pytrees in and out, argnums and has_aux on every transformation,
vjp's pullback, and the Jacobian layout (one array for a function of scalars)."""

import numpy as np
import pytest

import graphdiff as gd
from graphdiff.graph.pytree import flatten, flatten_up_to, leaf_names, unflatten

SEED = 20261203


def _params(rng):
    return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "scale": [0.7, (1.3,)]}


def _loss(params, x):
    h = gd.tanh(x @ params["W"] + params["b"])
    return gd.sum(h * h) * params["scale"][0] + params["scale"][1][0] * gd.sum(h)


def _difference(f, tree, eps=1e-6):
    """Central differences of a scalar f by every leaf of ``tree``, in the tree's structure."""
    leaves, structure = flatten(tree)
    out = []
    for k, leaf in enumerate(leaves):
        leaf = np.asarray(leaf, dtype=float)
        d = np.zeros(leaf.shape)
        for e in range(leaf.size):
            step = np.zeros(leaf.size)
            step[e] = eps
            plus, minus = list(leaves), list(leaves)
            plus[k] = leaf + step.reshape(leaf.shape) if leaf.shape else float(leaf + eps)
            minus[k] = leaf - step.reshape(leaf.shape) if leaf.shape else float(leaf - eps)
            d.flat[e] = (f(unflatten(structure, plus)) - f(unflatten(structure, minus))) / (2 * eps)
        out.append(d if leaf.shape else float(d))
    return unflatten(structure, out)


def _assert_trees_close(got, want, **tol):
    got_leaves, got_tree = flatten(got)
    want_leaves, want_tree = flatten(want)
    assert got_tree == want_tree, (got_tree, want_tree)
    for a, b in zip(got_leaves, want_leaves):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, **tol)


def test_flatten_and_unflatten_are_inverse_and_dicts_go_in_sorted_order():
    tree = {"z": [1.0, (2.0, None)], "a": np.ones(2)}
    leaves, structure = flatten(tree)
    assert [np.shape(x) for x in leaves] == [(2,), (), ()]
    rebuilt = unflatten(structure, leaves)
    assert list(rebuilt) == ["a", "z"] and rebuilt["z"][1][1] is None
    assert type(rebuilt["z"]) is list and type(rebuilt["z"][1]) is tuple
    assert leaf_names(structure, "p") == ["p['a']", "p['z'][0]", "p['z'][1][0]"]
    with pytest.raises(gd.InputError, match="too few"):
        unflatten(structure, leaves[:2])
    # a None where a subtree is expected is a zero for each of its leaves
    assert flatten_up_to(structure, {"a": None, "z": [3.0, None]}, "t") == [None, 3.0, None]
    with pytest.raises(gd.InputError, match=r"t\['z'\]: expected a list of 2, got a list of 1"):
        flatten_up_to(structure, {"a": 1.0, "z": [3.0]}, "t")


def test_the_gradient_by_a_dict_of_parameters_has_their_structure_and_matches_finite_differences():
    rng = np.random.default_rng(SEED)
    params, x = _params(rng), rng.normal(size=(4, 3))
    grad_f = gd.grad(_loss, argnums=0)
    for _ in range(3):  # the first call and later ones (cached trace, generated code where any)
        got = grad_f(params, x)
        _assert_trees_close(got, _difference(lambda p: _loss(p, x), params), rtol=1e-6, atol=1e-8)
    # every input: a tuple, one entry per argument, each in its argument's structure
    g_params, g_x = gd.grad(_loss)(params, x)
    _assert_trees_close(g_params, got, rtol=0, atol=0)
    assert g_x.shape == x.shape
    value, g = gd.value_and_grad(_loss, argnums=(0,))(params, x)
    assert value == pytest.approx(_loss(params, x), rel=1e-14) and len(g) == 1


def test_forward_and_reverse_agree_on_a_pytree_and_jvp_takes_tangents_of_the_same_structure():
    rng = np.random.default_rng(SEED + 1)
    params, x = _params(rng), rng.normal(size=(4, 3))
    tangent = {"W": rng.normal(size=(3, 2)), "b": None, "scale": [1.0, None]}  # None: a zero
    value, value_dot = gd.jvp(_loss, (params, x), (tangent, None))
    g = gd.grad(_loss, argnums=0)(params, x)
    expected = np.sum(g["W"] * tangent["W"]) + g["scale"][0]
    assert value == pytest.approx(_loss(params, x), rel=1e-14)
    assert value_dot == pytest.approx(expected, rel=1e-12)


def test_outputs_come_back_in_the_structure_the_function_returns():
    def f(x, y):
        return {"sum": x + y, "pair": (x * y, gd.sin(x))}

    out, out_dot = gd.jvp(f, (0.5, 2.0), (1.0, 0.0))
    assert out == {"pair": (1.0, np.sin(0.5)), "sum": 2.5}
    assert out_dot == {"pair": (2.0, np.cos(0.5)), "sum": 1.0}
    # jacrev: outputs outermost, in f's structure; then a tuple over the inputs
    J = gd.jacrev(f)(0.5, 2.0)
    assert J["sum"] == (1.0, 1.0) and J["pair"] == ((2.0, 0.5), (np.cos(0.5), 0.0))
    assert gd.jacfwd(f)(0.5, 2.0) == J
    outputs, pulled = gd.vjp(f, (0.5, 2.0), {"sum": 1.0, "pair": (0.0, 1.0)})
    assert outputs == out and pulled == (1.0 + np.cos(0.5), 1.0)
    assert gd.jit(f)(0.5, 2.0) == out
    with pytest.raises(gd.InputError, match=r"expected a dict with keys \['pair', 'sum'\]"):
        gd.vjp(f, (0.5, 2.0), (1.0, 1.0))


def test_a_function_of_scalars_gets_its_jacobian_as_one_array_indexed_as_jax_nests_it():
    def f(a, b, c):
        return (a * b, b * c * c, gd.exp(a))

    x = (0.3, -1.2, 2.0)
    hand = np.array([[x[1], x[0], 0.0], [0.0, x[2] ** 2, 2 * x[1] * x[2]], [np.exp(x[0]), 0.0, 0.0]])
    for jac in (gd.jacfwd, gd.jacrev):
        for _ in range(3):  # interpreted, then generated code
            J = jac(f)(*x)
            assert type(J) is np.ndarray and J.shape == (3, 3)
            np.testing.assert_allclose(J, hand, rtol=1e-15, atol=0)
        np.testing.assert_allclose(jac(f, argnums=(2, 0))(*x), hand[:, [2, 0]], rtol=1e-15)
        np.testing.assert_allclose(jac(f, argnums=1)(*x), hand[:, 1], rtol=1e-15)
        scalar = jac(lambda a, b: a * b, argnums=1)(3.0, 4.0)
        assert type(scalar) is float and scalar == 3.0


def test_jacobians_of_array_functions_follow_jax_with_argnums():
    rng = np.random.default_rng(SEED + 2)
    A, x, y = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)

    def f(x, y):
        return gd.tanh(A @ x) * y

    t = np.tanh(A @ x)
    d_x = (1 - t * t)[:, None] * A * y[:, None]
    for jac in (gd.jacfwd, gd.jacrev):
        J = jac(f, argnums=0)(x, y)  # an int: the block itself
        assert J.shape == (3, 4)
        np.testing.assert_allclose(J, d_x, rtol=1e-12)
        Jx, Jy = jac(f)(x, y)
        np.testing.assert_allclose(Jx, d_x, rtol=1e-12)
        np.testing.assert_allclose(Jy, np.diag(t), rtol=1e-12)


def test_has_aux_on_jacobians_and_hessians_returns_aux_as_f_computed_it():
    def f(x):
        y = x * x * x
        return gd.sum(y), {"cubes": y}

    x = np.array([1.0, 2.0])
    for jac in (gd.jacfwd, gd.jacrev):
        J, aux = jac(f, argnums=0, has_aux=True)(x)
        np.testing.assert_allclose(J, 3 * x * x, rtol=1e-15)
        np.testing.assert_array_equal(aux["cubes"], x**3)
    H, aux = gd.hessian(f, argnums=0, has_aux=True)(x)
    np.testing.assert_allclose(H, np.diag(6 * x), rtol=1e-15)
    np.testing.assert_array_equal(aux["cubes"], x**3)
    with pytest.raises(gd.InputError, match="must return a pair"):
        gd.jacfwd(lambda x: x, has_aux=True)(1.0)


def test_hessian_argnums_by_a_dict_matches_finite_differences_of_the_gradient():
    rng = np.random.default_rng(SEED + 3)
    params = {"a": rng.normal(size=2), "b": 0.4}

    def f(p):
        return gd.sum(gd.sin(p["a"]) * p["b"] ** 3) + gd.sum(p["a"] ** 2) * p["b"]

    H = gd.hessian(f, argnums=0)(params)  # JAX's layout: H[row leaf][column leaf]
    assert set(H) == {"a", "b"} and set(H["a"]) == {"a", "b"}
    g = gd.grad(f, argnums=0)
    eps = 1e-6  # the column by b: differences of the gradient along b
    plus, minus = g({**params, "b": params["b"] + eps}), g({**params, "b": params["b"] - eps})
    np.testing.assert_allclose(H["a"]["b"], (plus["a"] - minus["a"]) / (2 * eps), rtol=1e-6)
    assert H["b"]["b"] == pytest.approx((plus["b"] - minus["b"]) / (2 * eps), rel=1e-6)
    np.testing.assert_allclose(H["b"]["a"], H["a"]["b"], rtol=1e-12)  # mixed partials commute
    a, b = params["a"], params["b"]
    np.testing.assert_allclose(H["a"]["a"], np.diag(-np.sin(a) * b**3 + 2 * b), rtol=1e-12)
    np.testing.assert_allclose(H["a"]["b"], 3 * b**2 * np.cos(a) + 2 * a, rtol=1e-12)
    assert H["b"]["b"] == pytest.approx(6 * b * np.sum(np.sin(a)), rel=1e-12)


def test_vjp_without_a_cotangent_returns_the_pullback_over_one_evaluation():
    g = gd.builders.colah()
    e, vjp_fn = gd.vjp(g, (2.0, 1.0))
    assert e == 6.0 and vjp_fn(1.0) == (2.0, 5.0) and vjp_fn(-0.5) == (-1.0, -2.5)
    y, pull = gd.vjp(lambda p: {"s": gd.sum(p["w"] ** 2)}, ({"w": np.array([1.0, 3.0])},))
    assert y == {"s": 10.0}
    (w_bar,) = pull({"s": 2.0})
    np.testing.assert_array_equal(w_bar["w"], [4.0, 12.0])
    with pytest.raises(gd.InputError, match="expected a dict"):
        pull(2.0)


def test_argnums_out_of_range_and_has_aux_on_a_graph_are_refused_by_name():
    with pytest.raises(gd.InputError, match="argnums of jacfwd of <lambda>: 2 is not the position"):
        gd.jacfwd(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(gd.InputError, match="not a Graph"):
        gd.jacrev(gd.builders.colah(), has_aux=True)


# --- argnums, data and aux at their edges ---------------------------------------------


def _weighted(w, labels, x):
    return gd.sum(w * x * labels[0])


def test_negative_argnums_count_back_from_the_last_argument_with_integer_data_among_them():
    w, labels, x = np.ones(2), np.array([2, 3]), np.array([1.0, 2.0])
    # d/dx sum(w * x * 2) = 2 w; d/dw = 2 x
    np.testing.assert_array_equal(gd.grad(_weighted, argnums=-1)(w, labels, x), [2.0, 2.0])
    dw, dx = gd.grad(_weighted, argnums=(0, -1))(w, labels, x)
    np.testing.assert_array_equal(dw, [2.0, 4.0])
    np.testing.assert_array_equal(dx, [2.0, 2.0])
    with pytest.raises(gd.InputError, match="argument 1 is not differentiable"):
        gd.grad(_weighted, argnums=-2)(w, labels, x)  # the labels


def test_an_ordered_dict_of_parameters_comes_back_an_ordered_dict_in_its_own_order():
    from collections import OrderedDict

    params = OrderedDict([("w", 2.0), ("b", 1.0)])  # not sorted: kept as given, as JAX does
    g = gd.grad(lambda p, x: p["w"] * x + p["b"], argnums=0)(params, 3.0)
    assert type(g) is OrderedDict and list(g.items()) == [("w", 3.0), ("b", 1.0)]


def test_integer_labels_inside_a_pytree_are_data_outside_argnums_and_refused_by_their_path_inside():
    batch = {"x": np.array([3.0, 5.0]), "y": np.array([1, 0])}
    f = lambda w, batch: gd.sum(w * batch["x"][batch["y"]])  # noqa: E731
    assert np.array_equal(gd.grad(f, argnums=0)(np.ones(2), batch), [5.0, 3.0])  # not traced as floats
    with pytest.raises(gd.InputError, match=r"batch\['y'\] is an array of int64 inside a pytree"):
        gd.grad(f)(np.ones(2), batch)


def test_aux_may_be_none_or_hold_none_as_in_jax_but_the_value_may_not():
    assert gd.grad(lambda x: (x * x, None), has_aux=True)(3.0) == ((6.0,), None)
    (value, aux), grads = gd.value_and_grad(lambda x: (x * x, {"a": None, "b": x}), has_aux=True)(3.0)
    assert (value, aux, grads) == (9.0, {"a": None, "b": 3.0}, (6.0,))
    with pytest.raises(gd.TracerError, match="returned None"):
        gd.grad(lambda x: (None, x), has_aux=True)(3.0)


def test_aux_that_is_not_a_value_of_the_computation_comes_back_as_it_is_as_in_jax():
    """Strings, flags, integers and integer arrays in aux are not traced: every call, first or
    compiled, gives them back unchanged (JAX's grad returns its aux untouched too)."""
    labels = np.array([2, 0, 1])

    def loss(w):
        return np.sum(w * w), {"tag": "step", "labels": labels, "ok": True, "n": 3, "w": w}

    w = np.array([0.5, -1.0, 2.0])
    for grad in (gd.grad(loss, has_aux=True), gd.grad(loss, argnums=0, has_aux=True)):
        for _ in range(4):  # the later calls run the prepared gradient graph
            x_bar, aux = grad(w)
            np.testing.assert_array_equal(x_bar[0] if isinstance(x_bar, tuple) else x_bar, 2.0 * w)
            assert aux["tag"] == "step" and aux["labels"] is labels and aux["ok"] is True
            assert type(aux["n"]) is int and aux["n"] == 3
            np.testing.assert_array_equal(aux["w"], w)
    grad_q = gd.grad(lambda x: (x * x, "q"), has_aux=True)
    for x in (3.0, 3.0, 4.0, 4.0):  # scalars, generated code from the second call
        assert grad_q(x) == ((2.0 * x,), "q")
    J, aux = gd.jacrev(lambda x: (2.0 * x, "z"), has_aux=True, argnums=0)(w)
    np.testing.assert_array_equal(J, 2.0 * np.eye(3))
    assert aux == "z"


def test_jvp_takes_a_tangent_per_primal_with_none_or_zero_for_integer_data():
    f = lambda w, y: gd.sum(w * y)
    w, y = np.ones(3), np.array([1, 2, 3])
    assert gd.jvp(f, (w, y), (np.ones(3),)) == (6.0, 6.0)  # one per input
    assert gd.jvp(f, (w, y), (np.ones(3), None)) == (6.0, 6.0)  # one per primal
    with pytest.raises(gd.InputError, match="primal 1 of <lambda> is integer data"):
        gd.jvp(f, (w, y), (np.ones(3), np.ones(3)))
    with pytest.raises(gd.InputError, match="integer data among the primals take no tangent"):
        gd.jvp(f, (w, y), (1.0, 2.0, 3.0))


def test_a_none_cotangent_is_refused_not_read_as_one():
    with pytest.raises(gd.InputError, match="cotangent for output 'e' of colah is None"):
        gd.vjp(gd.builders.colah(), (2.0, 1.0), None)
    _, vjp_fn = gd.vjp(lambda a, b: (a * b, a + b), (2.0, 1.0))
    with pytest.raises(gd.InputError, match="is None"):
        vjp_fn((1.0, None))


def test_hessian_names_itself_when_argnums_is_out_of_range():
    with pytest.raises(gd.InputError, match="argnums of hessian of <lambda>: 5"):
        gd.hessian(lambda x, y: x * y, argnums=5)(1.0, 2.0)


def test_a_graph_traced_from_pytrees_takes_its_arguments_as_the_function_did():
    params, X = (
        {"W": np.arange(6.0).reshape(3, 2) / 10, "b": np.array([0.5, -0.5])},
        np.arange(6.0).reshape(2, 3),
    )
    f = lambda p, X: gd.sum(np.tanh(X @ p["W"] + p["b"]))  # noqa: E731
    g = gd.trace(f, params, X)
    assert g(params, X) == g(params["W"], params["b"], X) == f(params, X)
    by_leaves = gd.grad(g)(params["W"], params["b"], X)  # a Graph keeps its own layout: a block per input
    for got in (gd.grad(g)(params, X), gd.jacfwd(g)(params, X)):
        assert all(np.array_equal(a, b) for a, b in zip(got, by_leaves))
    with pytest.raises(
        gd.InputError, match=r"argument 0 of <lambda>: expected a dict with keys \['W', 'b'\]"
    ):
        g({"W": params["W"]}, X)
    with pytest.raises(gd.InputError, match=r"argnums on the Graph '<lambda>' counts its inputs"):
        gd.grad(g, argnums=0)(params, X)  # the leaf p['W'], not the dict: refused, never a silent pick
    one = gd.trace(lambda p, x: p["w"] * x, {"w": 1.0}, 1.0)  # as many arguments as leaves
    assert [one({"w": 3.0}, 2.0) for _ in range(3)] == [6.0] * 3  # later calls (compiled) too
    assert [gd.grad(one)({"w": 3.0}, 2.0) for _ in range(3)] == [(2.0, 3.0)] * 3
