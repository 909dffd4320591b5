"""The softmax cross-entropy MLP written the usual numpy way (np.max with keepdims, a
gather by labels, np.mean): it traces, and its gradient by a dict of parameters is
checked against finite differences, forward mode and backpropagation derived by hand."""

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders

SEED = 3


@pytest.fixture(scope="module")
def network():
    return builders.classifier_params((784, 256, 10), batch=64, seed=SEED)


def _directions(params, rng, k):
    return [{name: rng.standard_normal(p.shape) for name, p in params.items()} for _ in range(k)]


def _dot(a, b):
    return sum(float(np.sum(a[k] * b[k])) for k in a)


def test_the_784_256_10_gradient_by_a_dict_matches_hand_backprop_and_finite_differences(network):
    params, X, labels = network
    grad_f = gd.value_and_grad(builders.classifier_loss, argnums=0)
    loss, hand = builders.classifier_backprop(params, X, labels)
    rng = np.random.default_rng(SEED)
    for _ in range(3):  # the first call traces, the later ones reuse the trace
        value, grads = grad_f(params, X, labels)
        assert sorted(grads) == ["W1", "W2", "b1", "b2"]
        assert value == pytest.approx(loss, rel=1e-13)
        for name in params:
            assert grads[name].shape == params[name].shape
            np.testing.assert_allclose(grads[name], hand[name], rtol=1e-10, atol=1e-15)
    # central differences along random directions: the whole gradient, not a few entries
    eps = 1e-5
    for v in _directions(params, rng, 3):
        plus = {k: params[k] + eps * v[k] for k in params}
        minus = {k: params[k] - eps * v[k] for k in params}
        fd = (builders.classifier_loss(plus, X, labels) - builders.classifier_loss(minus, X, labels)) / (
            2 * eps
        )
        assert _dot(grads, v) == pytest.approx(fd, rel=1e-6, abs=1e-10)
        # forward mode along the same direction, on the same trace
        _, tangent = gd.jvp(lambda p: builders.classifier_loss(p, X, labels), (params,), (v,))
        assert tangent == pytest.approx(_dot(grads, v), rel=1e-11, abs=1e-14)


def test_data_passed_as_an_argument_is_not_differentiated_unless_asked():
    small = builders.classifier_params((6, 5, 3), batch=4, seed=SEED)
    p, x, y = small
    (g_params, g_x) = gd.grad(builders.classifier_loss, argnums=(0, 1))(p, x, y)
    # dL/dX by hand: the error at the first layer times W1^T
    hs = np.tanh(x @ p["W1"] + p["b1"])
    z = hs @ p["W2"] + p["b2"]
    s = np.exp(z - z.max(axis=1, keepdims=True))
    delta = s / s.sum(axis=1, keepdims=True)
    delta[np.arange(4), y] -= 1.0
    delta = (delta / 4) @ p["W2"].T * (1 - hs**2)
    np.testing.assert_allclose(g_x, delta @ p["W1"].T, rtol=1e-12, atol=1e-15)
    # restricted to the parameters, the recorded gradient computes nothing for X: two
    # products forward (X W1, h W2) and three backward (h^T delta, delta W2^T, X^T delta);
    # by X as well, a sixth: delta W1^T
    for argnums, products in ((0, 5), ((0, 1), 6)):
        recorded = gd.trace(lambda p, x: gd.grad(builders.classifier_loss, argnums=argnums)(p, x, y), p, x)
        ops = [op for _, op in recorded.nx.nodes(data="op") if op == "matmul"]
        assert len(ops) == products, (argnums, len(ops))


def test_the_classifier_family_runs_in_graphdiff_bench(capsys):
    from graphdiff.cli.main import main

    assert main(["bench", "--family", "classifier", "--sizes", "16", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "classifier 16" in out and "reverse" in out and "not run" in out
