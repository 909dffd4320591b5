"""How backpropagation works: the 2-4-1 sigmoid network on XOR. graphdiff's gradient equals the delta rule.

The seed's rule, transcribed correctly, is ``graphdiff.cli.examples.xor_delta_rule`` (its
docstring shows the derivation); these tests hold reverse and forward mode to it.
"""

from __future__ import annotations

import numpy as np
import pytest

import graphdiff as gd
from graphdiff.builders import XOR_X, XOR_Y, mlp
from graphdiff.cli.examples import xor_delta_rule as delta_rule


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initial_parameters(rng):
    return [
        rng.standard_normal((2, 4)),
        rng.standard_normal((1, 4)) * 0.1,
        rng.standard_normal((4, 1)),
        rng.standard_normal((1, 1)) * 0.1,
    ]


@pytest.mark.parametrize("trial", range(3))
def test_array_mlp_gradient_equals_delta_rule(trial, rng):
    params = initial_parameters(rng)
    grads = gd.grad(mlp())(*params)
    for got, want in zip(grads, delta_rule(*params)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_scalar_mlp_gradient_equals_delta_rule(rng):
    params = initial_parameters(rng)
    flat = np.concatenate([p.ravel() for p in params])
    grads = np.array(gd.grad(mlp(scalar=True))(*flat))
    want = np.concatenate([w.ravel() for w in delta_rule(*params)])
    np.testing.assert_allclose(grads, want, rtol=1e-10, atol=1e-14)


def test_scalar_and_array_graphs_compute_the_same_loss(rng):
    params = initial_parameters(rng)
    H = sigmoid(XOR_X @ params[0] + params[1])
    O = sigmoid(H @ params[2] + params[3])
    loss = 0.5 * np.sum((XOR_Y - O) ** 2)
    assert mlp()(*params) == pytest.approx(loss, rel=1e-14)
    assert mlp(scalar=True)(*np.concatenate([p.ravel() for p in params])) == pytest.approx(loss, rel=1e-14)


def test_forward_mode_agrees_on_the_mlp(rng):
    params = initial_parameters(rng)
    for got, want in zip(gd.jacfwd(mlp())(*params), delta_rule(*params)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_a_few_descent_steps_reduce_the_loss(rng):
    g = mlp()
    params = initial_parameters(rng)
    losses = []
    for _ in range(200):
        value, grads = gd.value_and_grad(g)(*params)
        losses.append(value)
        params = [p - 1.0 * d for p, d in zip(params, grads)]
    assert losses[-1] < 0.9 * losses[0]
