"""Dual numbers: the forward rules as arithmetic."""

import numpy as np

import graphdiff as gd


def test_colah_with_duals():
    a, b = gd.Dual(2.0), gd.Dual(1.0, 1.0)
    e = (a + b) * (b + 1)
    assert (e.primal, e.tangent) == (6.0, 5.0)


def test_duals_mix_with_numpy_and_constants():
    x = gd.Dual(0.5, 1.0)
    y = np.exp(x) * 3.0 - 1.0 / x
    assert y.tangent == np.exp(0.5) * 3.0 + 1.0 / 0.25


def test_comparisons_compare_primals():
    x = gd.Dual(2.0, 1.0)
    assert x > 1.0 and not x < 1.0
    y = x * x if x > 0 else -x
    assert y.tangent == 4.0


def test_repr_shows_zero_tangent():
    assert repr(gd.Dual(1.0)) == "Dual(primal=1.0, tangent=0.0)"
