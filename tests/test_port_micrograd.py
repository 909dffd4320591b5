"""A port of micrograd's engine tests: karpathy/micrograd, ``test/test_engine.py``.

This is a port in graphdiff's own words, not a copy. The original builds two
expressions out of micrograd ``Value`` objects (``+``, ``*``, ``**``, ``-``, ``/``,
unary minus, ``relu`` and in-place ``+=``), back-propagates, and compares the value and
the gradient with PyTorch's. Here each expression is a plain Python function of
scalars, differentiated with ``graphdiff.grad``; ``relu`` is ``gd.relu`` and ``+=`` is
applied to traced values. Instead of PyTorch the references are

* closed forms derived by hand (the expressions are piecewise polynomials and
  rationals), at micrograd's own point and at random points,
* central finite differences (step 1e-6 for gradients, 1e-4 for second derivatives),
* forward mode (``gd.jvp``, ``gd.jacfwd``) against reverse mode (``gd.grad``,
  ``gd.jacrev``), to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest

import graphdiff as gd

SEED = 20240917
EPS_FIRST, EPS_SECOND = 1e-6, 1e-4
FD_RTOL, FD_ATOL = 1e-6, 1e-8
MODES_RTOL, MODES_ATOL = 1e-12, 1e-13


def _heaviside(t: float) -> float:
    return 1.0 if t > 0 else 0.0


def _central_difference(f, args: tuple[float, ...], i: int, eps: float) -> float:
    """d f / d args[i] by a central difference of step ``eps``, the other arguments held."""
    up, down = list(args), list(args)
    up[i] += eps
    down[i] -= eps
    return (float(f(*up)) - float(f(*down))) / (2 * eps)


# --- test_sanity_check ---------------------------------------------------------------


def sanity(x):
    """micrograd's first expression, written as a function of one number."""
    z = 2 * x + 2 + x
    q = gd.relu(z) + z * x
    h = gd.relu(z * z)
    return h + q + q * x


def sanity_by_hand(x: float) -> tuple[float, float, float]:
    """Value, first and second derivative of ``sanity`` away from its kink at z = 3x + 2 = 0.

    With z = 3x + 2: relu(z*z) is z*z, q = relu(z) + z*x, y = z*z + q * (1 + x), so
    y' = 6z + q' (1 + x) + q with q' = 3 H(z) + 3x + z, and y'' = 18 + 6 (1 + x) + 2 q'.
    """
    z = 3 * x + 2
    q = max(z, 0.0) + z * x
    dq = 3 * _heaviside(z) + 3 * x + z
    return z * z + q * (1 + x), 6 * z + dq * (1 + x) + q, 18 + 6 * (1 + x) + 2 * dq


def _sanity_points(n: int = 6) -> list[float]:
    rng = np.random.default_rng(SEED)
    points = []
    while len(points) < n:
        x = float(rng.uniform(-3.0, 3.0))
        if abs(3 * x + 2) > 0.05:  # away from relu's kink, where differences straddle it
            points.append(x)
    return points


def test_sanity_check_at_micrograds_point():
    # micrograd and PyTorch both find y = -20 and dy/dx = 46 at x = -4; so does the hand derivation
    assert sanity_by_hand(-4.0)[:2] == (-20.0, 46.0)
    value, (dx,) = gd.value_and_grad(sanity)(-4.0)
    assert value == -20.0
    assert dx == 46.0
    assert gd.hessian(sanity, argnums=0)(-4.0) == -44.0


def test_sanity_check_against_hand_derivation_and_differences():
    for x in _sanity_points():
        want_value, want_d1, want_d2 = sanity_by_hand(x)
        value, (d1,) = gd.value_and_grad(sanity)(x)
        np.testing.assert_allclose(value, want_value, rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(d1, want_d1, rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(
            d1, _central_difference(sanity, (x,), 0, EPS_FIRST), rtol=FD_RTOL, atol=FD_ATOL
        )
        d2 = gd.hessian(sanity, argnums=0)(x)
        np.testing.assert_allclose(d2, want_d2, rtol=1e-13, atol=1e-12)
        first = gd.grad(sanity, argnums=0)
        np.testing.assert_allclose(
            d2, _central_difference(first, (x,), 0, EPS_SECOND), rtol=FD_RTOL, atol=FD_ATOL
        )


def test_sanity_check_forward_matches_reverse():
    for x in [-4.0, *_sanity_points()]:
        value, tangent = gd.jvp(sanity, (x,), (1.0,))
        assert value == pytest.approx(sanity_by_hand(x)[0], rel=1e-13, abs=1e-12)
        (reverse,) = gd.grad(sanity)(x)
        np.testing.assert_allclose(tangent, reverse, rtol=MODES_RTOL, atol=MODES_ATOL)
        np.testing.assert_allclose(gd.jacfwd(sanity)(x), [reverse], rtol=MODES_RTOL, atol=MODES_ATOL)
        # second order both ways round: forward over reverse and reverse over reverse
        rev_rev = gd.grad(gd.grad(sanity, argnums=0), argnums=0)(x)
        np.testing.assert_allclose(
            gd.hessian(sanity, argnums=0)(x), rev_rev, rtol=MODES_RTOL, atol=MODES_ATOL
        )


# --- test_more_ops ---------------------------------------------------------------------


def more_ops(a, b):
    """micrograd's second expression: every operator, relu twice, and ``+=`` on traced values."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + gd.relu(b + a)
    d += 3 * d + gd.relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def more_ops_by_hand(a: float, b: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian of ``more_ops`` away from the kinks a + b = 0 and b - a = 0.

    Unrolling the updates: c = 3a + 4b + 3 and d = 12 (ab + b^3) + 4 relu(a + b) + relu(b - a),
    so e = c - d and g = e^2 / 2 + 10 / e^2, with dg/de = e - 20 / e^3 and
    d2g/de2 = 1 + 60 / e^4. The relu terms are linear on each side of their kinks.
    """
    hp, hm = _heaviside(a + b), _heaviside(b - a)
    e = 3 * a + 4 * b + 3 - 12 * (a * b + b**3) - 4 * max(a + b, 0.0) - max(b - a, 0.0)
    de = np.array([3 - 12 * b - 4 * hp + hm, 4 - 12 * a - 36 * b**2 - 4 * hp - hm])
    d2e = np.array([[0.0, -12.0], [-12.0, -72.0 * b]])
    g1, g2 = e - 20 / e**3, 1 + 60 / e**4
    return e**2 / 2 + 10 / e**2, g1 * de, g2 * np.outer(de, de) + g1 * d2e


def _more_ops_points(n: int = 6) -> list[tuple[float, float]]:
    rng = np.random.default_rng(SEED + 1)
    points = []
    while len(points) < n:
        a, b = (float(t) for t in rng.uniform(-2.5, 2.5, 2))
        e = 3 * a + 4 * b + 3 - 12 * (a * b + b**3) - 4 * max(a + b, 0.0) - max(b - a, 0.0)
        if abs(a + b) > 0.05 and abs(b - a) > 0.05 and abs(e) > 0.5:  # off the kinks and the pole
            points.append((a, b))
    return points


def test_more_ops_at_micrograds_point():
    # micrograd's tolerance against PyTorch is 1e-6; the hand derivation gives exact rationals:
    # g = 49/2 + 10/49, dg/da = -20 (-7 + 20/343), dg/db = -93 (-7 + 20/343)
    value, (da, db) = gd.value_and_grad(more_ops)(-4.0, 2.0)
    assert value == pytest.approx(49 / 2 + 10 / 49, rel=1e-14)
    assert value == pytest.approx(24.70408163265306, rel=1e-14)
    assert da == pytest.approx(140 - 400 / 343, rel=1e-13)
    assert db == pytest.approx(651 - 1860 / 343, rel=1e-13)
    assert abs(da - 138.83381924198252) < 1e-6 and abs(db - 645.5772594752186) < 1e-6


def test_more_ops_against_hand_derivation_and_differences():
    for a, b in [(-4.0, 2.0), *_more_ops_points()]:
        want_value, want_grad, want_hessian = more_ops_by_hand(a, b)
        value, grad = gd.value_and_grad(more_ops)(a, b)
        np.testing.assert_allclose(value, want_value, rtol=1e-12)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-11, atol=1e-11)
        differences = [_central_difference(more_ops, (a, b), i, EPS_FIRST) for i in range(2)]
        np.testing.assert_allclose(grad, differences, rtol=FD_RTOL, atol=FD_ATOL)
        hessian = gd.hessian(more_ops)(a, b)
        np.testing.assert_allclose(hessian, want_hessian, rtol=1e-11, atol=1e-10)
        for i in range(2):
            # g is a polynomial of degree 6 (plus 10 / e^2) with large third derivatives, so the
            # difference of the gradient takes a step of 1e-5, not 1e-4, to be good to 1e-6
            partial = gd.grad(more_ops, argnums=i)
            row = [_central_difference(partial, (a, b), j, EPS_SECOND / 10) for j in range(2)]
            np.testing.assert_allclose(hessian[i], row, rtol=FD_RTOL, atol=1e-6)


def test_more_ops_forward_matches_reverse():
    for a, b in [(-4.0, 2.0), *_more_ops_points()]:
        reverse = np.array(gd.grad(more_ops)(a, b))
        by_jvp = [gd.jvp(more_ops, (a, b), seed)[1] for seed in [(1.0, 0.0), (0.0, 1.0)]]
        np.testing.assert_allclose(by_jvp, reverse, rtol=MODES_RTOL, atol=MODES_ATOL)
        np.testing.assert_allclose(gd.jacfwd(more_ops)(a, b), reverse, rtol=MODES_RTOL, atol=MODES_ATOL)
        np.testing.assert_allclose(gd.jacrev(more_ops)(a, b), reverse, rtol=MODES_RTOL, atol=MODES_ATOL)
        rev_rev = np.array([gd.grad(gd.grad(more_ops, argnums=i))(a, b) for i in range(2)])
        np.testing.assert_allclose(gd.hessian(more_ops)(a, b), rev_rev, rtol=MODES_RTOL, atol=1e-10)


def test_in_place_add_rebinds_a_new_traced_value():
    # micrograd's c += ... makes a new Value; on traced values += must not alias or lose the old one
    def f(a):
        c = a * a
        alias = c
        c += a
        return c * alias  # (a^2 + a) a^2

    x = 1.7
    (d,) = gd.grad(f)(x)
    assert d == pytest.approx(4 * x**3 + 3 * x**2, rel=1e-14)
    np.testing.assert_allclose(d, _central_difference(f, (x,), 0, EPS_FIRST), rtol=FD_RTOL)
