"""A port of autograd's scalar-operation tests: HIPS/autograd, ``tests/test_scalar_ops.py``.

This is a port in graphdiff's own words, not a copy. The original has one test per
numpy operation on a scalar (mostly ``3.0 * np.op(x)``), each checked by autograd's
``check_grads`` up to second order. Here each operation is written with numpy's ufunc on
traced values (``np.sinh(x)``), as a user would, and checked at random points in its
domain (``np.random.default_rng`` with a fixed seed) for

* the gradient (``gd.grad``) against central finite differences (step 1e-6) and
  against the derivative written out by hand,
* forward mode (``gd.jvp``) against reverse mode, to 1e-12,
* the second derivative (``gd.hessian``: forward over reverse) against central
  differences of the gradient (step 1e-4), against the second derivative written out
  by hand, and against reverse over reverse (``gd.grad(gd.grad(f))``), to 1e-12.

An operation graphdiff has no primitive for must be refused, by every transformation,
with a ``graphdiff.GraphError`` whose message names the numpy function: never a wrong
derivative. ``np.mod`` is numpy's alias of ``np.remainder``, the name the message gives.
``test_hypot`` comes from the companion file ``tests/test_binary_ops.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphdiff as gd

SEED = 19890506
EPS_FIRST, EPS_SECOND = 1e-6, 1e-4
FD_RTOL, FD_ATOL = 1e-6, 1e-9
EXACT_RTOL = 1e-12  # hand-written derivatives, and forward mode against reverse mode
LN2, LN10 = math.log(2.0), math.log(10.0)


def _points(low: float, high: float, n: int = 3) -> list[float]:
    """``n`` random points in ``(low, high)``: the same draws for every test, spread over its domain."""
    return [float(t) for t in np.random.default_rng(SEED).uniform(low, high, n)]


def _difference(f, args: tuple[float, ...], i: int, eps: float) -> float:
    up, down = list(args), list(args)
    up[i] += eps
    down[i] -= eps
    return (float(f(*up)) - float(f(*down))) / (2 * eps)


def _close(got, want, rtol: float, atol: float = 0.0) -> None:
    np.testing.assert_allclose(float(got), float(want), rtol=rtol, atol=atol)


def check_scalar(fun, args, d1, d2=None, argnum: int = 0, order: int = 2) -> None:
    """Check ``fun``'s derivatives by ``args[argnum]`` at ``args``, the other arguments held as data.

    ``d1`` and ``d2`` are the first and second derivative written out by hand (callables
    of the same arguments); ``order=1`` checks the first derivative only.
    """
    args = tuple(float(a) for a in args)
    value, first = gd.value_and_grad(fun, argnums=argnum)(*args)
    _close(value, fun(*args), EXACT_RTOL)  # the traced graph evaluates as numpy does
    _close(first, _difference(fun, args, argnum, EPS_FIRST), FD_RTOL, FD_ATOL)
    _close(first, d1(*args), EXACT_RTOL, 1e-15)
    seed = tuple(1.0 if k == argnum else 0.0 for k in range(len(args)))
    primal, tangent = gd.jvp(fun, args, seed)
    _close(primal, value, EXACT_RTOL)
    _close(tangent, first, EXACT_RTOL, 1e-15)
    if order < 2:
        return
    second = gd.hessian(fun, argnums=argnum)(*args)
    gradient = gd.grad(fun, argnums=argnum)
    _close(second, _difference(gradient, args, argnum, EPS_SECOND), FD_RTOL, FD_ATOL)
    _close(second, d2(*args), EXACT_RTOL, 1e-14)
    _close(gd.grad(gradient, argnums=argnum)(*args), second, EXACT_RTOL, 1e-14)


def check_refused(fun, args, numpy_name: str) -> None:
    """Every transformation refuses ``fun`` with a GraphError naming ``numpy.<numpy_name>``."""
    args = tuple(float(a) for a in args)
    fun(*args)  # plain numpy evaluates it: only differentiating it is refused
    seeds = tuple(1.0 for _ in args)
    attempts = [
        lambda: gd.grad(fun)(*args),
        lambda: gd.jvp(fun, args, seeds),
        lambda: gd.jacfwd(fun)(*args),
        lambda: gd.hessian(fun)(*args),
    ]
    for attempt in attempts:
        with pytest.raises(gd.GraphError) as refusal:
            attempt()
        assert f"numpy.{numpy_name}" in str(refusal.value)


# --- supported: one test per operation of the original -------------------------------


def test_abs():
    fun = lambda x: 3.0 * np.abs(x)
    for x in [1.1, -1.1, *_points(-2.0, 2.0)]:
        check_scalar(fun, (x,), lambda x: 3.0 * np.sign(x), lambda x: 0.0)
    # at the kink autograd checks the first derivative only; graphdiff's convention is abs'(0) = 0
    check_scalar(fun, (0.0,), lambda x: 0.0, order=1)


def test_absolute():
    fun = lambda x: 3.0 * np.absolute(x)
    for x in [1.1, -1.1, *_points(-2.0, 2.0)]:
        check_scalar(fun, (x,), lambda x: 3.0 * np.sign(x), lambda x: 0.0)
    check_scalar(fun, (0.0,), lambda x: 0.0, order=1)


def test_sin():
    for x in _points(-3.0, 3.0):
        check_scalar(
            lambda x: 3.0 * np.sin(x), (x,), lambda x: 3.0 * math.cos(x), lambda x: -3.0 * math.sin(x)
        )


def test_sign():
    for x in [1.1, -1.1, *_points(0.5, 2.0), *_points(-2.0, -0.5)]:
        check_scalar(lambda x: 3.0 * np.sign(x), (x,), lambda x: 0.0, lambda x: 0.0)


def test_exp():
    for x in _points(-2.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.exp(x), (x,), lambda x: 3.0 * math.exp(x), lambda x: 3.0 * math.exp(x)
        )


def test_log():
    for x in _points(0.2, 3.0):
        check_scalar(lambda x: 3.0 * np.log(x), (x,), lambda x: 3.0 / x, lambda x: -3.0 / x**2)


def test_log2():
    for x in _points(0.2, 3.0):
        check_scalar(
            lambda x: 3.0 * np.log2(x), (x,), lambda x: 3.0 / (x * LN2), lambda x: -3.0 / (x**2 * LN2)
        )


def test_log10():
    for x in _points(0.2, 3.0):
        check_scalar(
            lambda x: 3.0 * np.log10(x), (x,), lambda x: 3.0 / (x * LN10), lambda x: -3.0 / (x**2 * LN10)
        )


def test_log1p():
    for x in _points(0.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.log1p(x), (x,), lambda x: 3.0 / (1.0 + x), lambda x: -3.0 / (1.0 + x) ** 2
        )


def test_expm1():
    for x in _points(0.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.expm1(x), (x,), lambda x: 3.0 * math.exp(x), lambda x: 3.0 * math.exp(x)
        )


def test_exp2():
    for x in _points(0.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.exp2(x), (x,), lambda x: 3.0 * LN2 * 2.0**x, lambda x: 3.0 * LN2**2 * 2.0**x
        )


def test_neg():
    for x in _points(-2.0, 2.0):
        check_scalar(lambda x: 3.0 * -x, (x,), lambda x: -3.0, lambda x: 0.0)


def test_cos():
    for x in _points(-3.0, 3.0):
        check_scalar(
            lambda x: 3.0 * np.cos(x), (x,), lambda x: -3.0 * math.sin(x), lambda x: -3.0 * math.cos(x)
        )


def test_tan():
    # inside (-pi/2, pi/2), away enough from the poles for differences to be good to 1e-6
    for x in _points(-1.2, 1.2):
        check_scalar(
            lambda x: 3.0 * np.tan(x),
            (x,),
            lambda x: 3.0 / math.cos(x) ** 2,
            lambda x: 6.0 * math.sin(x) / math.cos(x) ** 3,
        )


def test_cosh():
    for x in _points(-2.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.cosh(x), (x,), lambda x: 3.0 * math.sinh(x), lambda x: 3.0 * math.cosh(x)
        )


def test_sinh():
    for x in _points(-2.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.sinh(x), (x,), lambda x: 3.0 * math.cosh(x), lambda x: 3.0 * math.sinh(x)
        )


def test_tanh():
    for x in _points(-2.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.tanh(x),
            (x,),
            lambda x: 3.0 / math.cosh(x) ** 2,
            lambda x: -6.0 * math.tanh(x) / math.cosh(x) ** 2,
        )


def test_arccos():
    for x in [0.1, *_points(-0.8, 0.8)]:
        check_scalar(
            lambda x: 3.0 * np.arccos(x),
            (x,),
            lambda x: -3.0 / math.sqrt(1.0 - x * x),
            lambda x: -3.0 * x / (1.0 - x * x) ** 1.5,
        )


def test_arcsin():
    for x in [0.1, *_points(-0.8, 0.8)]:
        check_scalar(
            lambda x: 3.0 * np.arcsin(x),
            (x,),
            lambda x: 3.0 / math.sqrt(1.0 - x * x),
            lambda x: 3.0 * x / (1.0 - x * x) ** 1.5,
        )


def test_arctan():
    for x in [0.2, *_points(-3.0, 3.0)]:
        check_scalar(
            lambda x: 3.0 * np.arctan(x),
            (x,),
            lambda x: 3.0 / (1.0 + x * x),
            lambda x: -6.0 * x / (1.0 + x * x) ** 2,
        )


def test_arcsinh():
    for x in _points(-2.0, 2.0):
        check_scalar(
            lambda x: 3.0 * np.arcsinh(x),
            (x,),
            lambda x: 3.0 / math.sqrt(1.0 + x * x),
            lambda x: -3.0 * x / (1.0 + x * x) ** 1.5,
        )


def test_arctanh():
    for x in [0.2, *_points(-0.8, 0.8)]:
        check_scalar(
            lambda x: 3.0 * np.arctanh(x),
            (x,),
            lambda x: 3.0 / (1.0 - x * x),
            lambda x: 6.0 * x / (1.0 - x * x) ** 2,
        )


def test_sqrt():
    for x in _points(0.1, 10.0):
        check_scalar(lambda x: 3.0 * np.sqrt(x), (x,), lambda x: 1.5 / math.sqrt(x), lambda x: -0.75 / x**1.5)


def test_power_arg0():
    # x ** y by x, with a non-integer exponent y held fixed (a float: the pow primitive, not integer_pow)
    for x, y in zip(_points(1.0, 2.0), _points(1.0, 4.0)[::-1]):
        check_scalar(
            lambda x: np.power(x, y),
            (x,),
            lambda x: y * x ** (y - 1.0),
            lambda x: y * (y - 1.0) * x ** (y - 2.0),
        )


def test_power_arg0_at_a_zero_exponent_and_base():
    # autograd's special case: x ** 0 is the constant 1, so its derivative at x = 0 is 0,
    # not 0 * 0 ** -1 = nan (JAX agrees); by both arguments at (0, 0): (0, 0)
    for grad in (gd.grad(lambda x: np.power(x, 0.0)), gd.jit(gd.grad(lambda x: np.power(x, 0.0)))):
        assert grad(0.0) == (0.0,)
    assert gd.grad(lambda x, y: x**y)(0.0, 0.0) == (0.0, 0.0)
    assert gd.jvp(lambda x: np.power(x, 0.0), (0.0,), (1.0,)) == (1.0, 0.0)
    assert gd.grad(gd.grad(lambda x: np.power(x, 0.0), argnums=0), argnums=0)(0.0) == 0.0


def test_power_arg1():
    # x ** y by y, the base held fixed
    for x, y in zip(_points(0.1, 3.0), _points(0.05, 1.0)[::-1]):
        check_scalar(
            lambda y: np.power(x, y),
            (y,),
            lambda y: x**y * math.log(x),
            lambda y: x**y * math.log(x) ** 2,
        )


def test_power_arg1_zero():
    # 0 ** y is 0 for every y > 0, so its derivatives by y are 0 (graphdiff: d/dy x**y at x = 0 is 0)
    for y in _points(0.1, 1.0):
        check_scalar(lambda y: np.power(0.0, y), (y,), lambda y: 0.0, lambda y: 0.0)


def test_divide_arg0():
    fun = lambda x, y: np.divide(x, y)
    for x, y in zip(_points(0.1, 1.0), _points(0.2, 1.0)[::-1]):
        check_scalar(fun, (x, y), lambda x, y: 1.0 / y, lambda x, y: 0.0, argnum=0)


def test_divide_arg1():
    fun = lambda x, y: np.divide(x, y)
    for x, y in zip(_points(0.1, 1.0), _points(0.2, 1.0)[::-1]):
        check_scalar(fun, (x, y), lambda x, y: -x / y**2, lambda x, y: 2.0 * x / y**3, argnum=1)


def test_multiply_arg0():
    fun = lambda x, y: np.multiply(x, y)
    for x, y in zip(_points(0.0, 1.0), _points(0.0, 1.0)[::-1]):
        check_scalar(fun, (x, y), lambda x, y: y, lambda x, y: 0.0, argnum=0)


def test_multiply_arg1():
    fun = lambda x, y: np.multiply(x, y)
    for x, y in zip(_points(0.0, 1.0), _points(0.0, 1.0)[::-1]):
        check_scalar(fun, (x, y), lambda x, y: x, lambda x, y: 0.0, argnum=1)


def test_true_divide_arg0():
    fun = lambda x, y: np.true_divide(x, y)
    for x, y in zip(_points(0.1, 1.0), _points(0.2, 1.0)[::-1]):
        check_scalar(fun, (x, y), lambda x, y: 1.0 / y, lambda x, y: 0.0, argnum=0)


def test_true_divide_arg1():
    fun = lambda x, y: np.true_divide(x, y)
    for x, y in zip(_points(0.1, 1.0), _points(0.2, 1.0)[::-1]):
        check_scalar(fun, (x, y), lambda x, y: -x / y**2, lambda x, y: 2.0 * x / y**3, argnum=1)


def test_reciprocal():
    for x in _points(0.2, 1.0):
        check_scalar(lambda x: np.reciprocal(x), (x,), lambda x: -1.0 / x**2, lambda x: 2.0 / x**3)


def test_negative():
    for x in _points(0.0, 1.0):
        check_scalar(lambda x: np.negative(x), (x,), lambda x: -1.0, lambda x: 0.0)


# --- refused: no primitive, so a GraphError naming the numpy function -----------------


def test_arccosh():
    for x in _points(1.2, 3.0):
        check_refused(lambda x: 3.0 * np.arccosh(x), (x,), "arccosh")


def test_mod_arg0():
    assert np.mod.__name__ == "remainder"  # numpy's own name for np.mod
    check_refused(lambda x, y: np.mod(x, y), (0.7, 0.4), "remainder")


def test_mod_arg1():
    check_refused(lambda x, y: np.mod(x, y), (0.3, 0.8), "remainder")


def test_rad2deg():
    check_refused(lambda x: 3.0 * np.rad2deg(x), _points(0.0, 10.0, 1), "rad2deg")


def test_deg2rad():
    check_refused(lambda x: 3.0 * np.deg2rad(x), _points(0.0, 10.0, 1), "deg2rad")


def test_radians():
    check_refused(lambda x: 3.0 * np.radians(x), _points(0.0, 10.0, 1), "radians")


def test_degrees():
    check_refused(lambda x: 3.0 * np.degrees(x), _points(0.0, 10.0, 1), "degrees")


def test_sinc():
    check_refused(lambda x: 3.0 * np.sinc(x), _points(0.0, 10.0, 1), "sinc")


def test_hypot():
    # from autograd's tests/test_binary_ops.py; the refusal also says what to write instead
    check_refused(lambda x, y: np.hypot(x, y), (0.6, -1.3), "hypot")
    with pytest.raises(gd.TracerError, match=r"gd\.sqrt\(x \* x \+ y \* y\)"):
        gd.grad(lambda x, y: np.hypot(x, y))(0.6, -1.3)
