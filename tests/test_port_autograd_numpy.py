"""A port of autograd's array tests: HIPS/autograd, ``tests/test_numpy.py``.

This is a port in graphdiff's own words, not a copy. The original differentiates numpy
functions of arrays (reductions with ``axis`` and ``keepdims``, indexing and slicing,
reshapes, joins, products, ``where``, ``clip``, ...) and checks each with autograd's
``check_grads`` up to second order. Here each supported case is a function of traced
arrays written with numpy's own spellings, at random points from
``np.random.default_rng`` with a fixed seed, checked for

* its Jacobian by ``gd.check_grads`` (``jacfwd`` and ``jacrev`` against central finite
  differences, step 1e-6) and by this file's own central differences,
* forward mode (``gd.jacfwd``) against reverse mode (``gd.jacrev``), to 1e-12,
* second order, on ``sum(cos(f(x)))`` so that linear maps have a Hessian too:
  ``gd.hessian`` and forward-over-reverse blocks against central differences of the
  gradient (step 1e-4), and reverse over reverse against forward over reverse, to 1e-12.

Where the original builds an array with ``np.array([...])`` of traced values, the port
checks that form and the ``np.stack`` form graphdiff records in one node per join.
A case graphdiff has no primitive for must be refused with a ``graphdiff.GraphError``
whose message names the numpy function: never a wrong derivative. A few cases of the
companion file ``tests/test_systematic.py`` (matmul, einsum, tile, inner) are at the end.
"""

from __future__ import annotations

import numpy as np
import pytest

import graphdiff as gd

SEED = 31415926
EPS_FIRST, EPS_SECOND = 1e-6, 1e-4
FD_RTOL, FD_ATOL = 1e-6, 1e-8
MODES_RTOL, MODES_ATOL = 1e-12, 1e-13


def _rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(SEED + offset)


def _randn(*shape: int, offset: int = 0) -> np.ndarray:
    return _rng(offset).standard_normal(shape)


def _as_arg(a):
    return float(a) if np.ndim(a) == 0 else np.asarray(a, dtype=float)


def _differences(f, args: tuple, i: int, eps: float) -> np.ndarray:
    """d f(*args) / d args[i] by central differences, shaped ``f's output shape + args[i].shape``."""
    x = np.asarray(args[i], dtype=float)
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = eps
        up, down = list(args), list(args)
        up[i], down[i] = _as_arg(x + step.reshape(x.shape)), _as_arg(x - step.reshape(x.shape))
        columns.append((np.asarray(f(*up), float) - np.asarray(f(*down), float)) / (2 * eps))
    out_shape = np.shape(f(*args))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


def check(f, *args, order: int = 2) -> None:
    """``f``'s derivatives at ``args`` by every mode, against differences and against each other."""
    args = tuple(_as_arg(a) for a in args)
    gd.check_grads(f, args, order=1, eps=EPS_FIRST, rtol=FD_RTOL, atol=FD_ATOL)
    for i in range(len(args)):
        fwd = np.asarray(gd.jacfwd(f, argnums=i)(*args))
        rev = np.asarray(gd.jacrev(f, argnums=i)(*args))
        by_differences = _differences(f, args, i, EPS_FIRST)
        assert fwd.shape == rev.shape == by_differences.shape
        np.testing.assert_allclose(fwd, by_differences, rtol=FD_RTOL, atol=FD_ATOL)
        np.testing.assert_allclose(rev, fwd, rtol=MODES_RTOL, atol=MODES_ATOL)
    if order < 2:
        return
    scalar = lambda *a: np.sum(gd.cos(f(*a)))  # gd.cos: f may give numpy's array of objects (np.r_[x, c])
    for i in range(len(args)):
        gradient = gd.grad(scalar, argnums=i)
        for j in range(len(args)):
            fwd_over_rev = np.asarray(gd.jacfwd(gradient, argnums=j)(*args))
            rev_over_rev = np.asarray(gd.jacrev(gradient, argnums=j)(*args))
            by_differences = _differences(gradient, args, j, EPS_SECOND)
            assert fwd_over_rev.shape == by_differences.shape
            np.testing.assert_allclose(fwd_over_rev, by_differences, rtol=FD_RTOL, atol=FD_ATOL)
            np.testing.assert_allclose(rev_over_rev, fwd_over_rev, rtol=MODES_RTOL, atol=MODES_ATOL)
            if i == j:
                hessian = np.asarray(gd.hessian(scalar, argnums=i)(*args))
                np.testing.assert_allclose(hessian, by_differences, rtol=FD_RTOL, atol=FD_ATOL)


# --- dot and outer ---------------------------------------------------------------------


def test_dot():
    mat1, mat2 = _randn(4, 5, offset=1), _randn(4, 5, offset=2)
    vect1, vect2, vect3 = _randn(4, offset=3), _randn(5, offset=4), _randn(5, offset=5)
    fun = lambda x, y: np.dot(x, y)
    check(fun, mat1, vect2)
    check(fun, mat1, mat2.T)
    check(fun, vect1, mat1)
    check(fun, vect2, vect3)
    # the method spelling, which autograd no longer tests, is supported here
    check(lambda x, y: x.dot(y), mat1, vect2, order=1)


def test_outer():
    vect2, vect3 = _randn(5, offset=4), _randn(5, offset=5)
    fun = lambda x, y: np.outer(x, y)
    check(fun, vect2, vect3)
    check(fun, vect2.T, vect3)
    check(fun, vect2.T, vect3.T)


# --- reductions ------------------------------------------------------------------------


def test_max():
    check(lambda x: np.max(x), _randn(4, 5))


def test_max_axis():
    check(lambda x: np.max(x, axis=1), _randn(3, 4, 2))


def test_max_axis_keepdims():
    check(lambda x: np.max(x, axis=1, keepdims=True), _randn(3, 4, 2))


def test_min():
    check(lambda x: np.min(x), _randn(4, 5))


def test_min_axis():
    check(lambda x: np.min(x, axis=1), _randn(3, 4, 2))


def test_min_axis_keepdims():
    check(lambda x: np.min(x, axis=1, keepdims=True), _randn(3, 4, 2))


def test_sum_1():
    check(lambda x: np.sum(x), _randn(4, 5))


def test_sum_2():
    check(lambda x: np.sum(x, axis=0), _randn(4, 5))


def test_sum_3():
    check(lambda x: np.sum(x, axis=0, keepdims=True), _randn(4, 5))


def test_sum_with_axis_tuple():
    check(lambda x: np.sum(x, axis=(1, 2)), _randn(3, 4, 2))


def test_plain_numpy_reductions_on_box():
    # numpy's sum, max and min reached through numpy's own reduction machinery; prod is refused below
    base = np.abs(_randn(5)) + 0.5
    a = 0.7
    for reduction, by_hand in [(np.sum, np.sum(base)), (np.max, np.max(base)), (np.min, np.min(base))]:
        fun = lambda a, r=reduction: r(np.exp(a) * base)
        check(fun, a)
        (derivative,) = gd.grad(fun)(a)
        assert derivative == pytest.approx(np.exp(a) * by_hand, rel=1e-14)


def test_non_numpy_sum():
    check(lambda x, y: sum([x, y]), _randn(4, 5, offset=1), _randn(4, 5, offset=2))


def test_mean_1():
    check(lambda x: np.mean(x), _randn(4, 5))


def test_mean_2():
    check(lambda x: np.mean(x, axis=0), _randn(4, 5))


def test_mean_3():
    check(lambda x: np.mean(x, axis=0, keepdims=True), _randn(4, 5))


def test_mean_list_of_boxes():
    assert gd.grad(lambda x: np.mean([x, x + 2]))(0.0) == (1.0,)
    assert gd.grad(lambda x: np.mean((x, x + 2)))(0.0) == (1.0,)
    check(lambda x: np.mean([x, x * x + 2]), 0.3)


# --- indexing and slicing --------------------------------------------------------------


def test_index_ints():
    check(lambda x: x[3, 0, 1], _randn(4, 5, 3))


def test_index_slice():
    check(lambda x: x[::-1, 2:4, :], _randn(4, 5, 3))


def test_index_lists():
    check(lambda x: x[[0, 1, 2], :, :], _randn(4, 5, 3))


def test_vector_slice():
    check(lambda x: x[2:4], _randn(5))


def test_index_slice_fanout():
    def fun(x):
        y = x[::-1, 2:4, :]
        z = x[::-1, 3:5, :]
        return y + z

    check(fun, _randn(4, 5, 3))


def test_index_multiple_slices():
    def fun(x):
        y = x[2:6]
        return y[1:3]

    check(fun, _randn(7))


def test_multi_index():
    check(lambda x: np.sum(x[[0, 0]]), _randn(3))


def test_multi_index2():
    check(lambda x: np.sum(x[[0, 1, 0]]), _randn(3))


def test_index_dot_slices():
    check(lambda x: np.dot(x[:2], x[2:]), _randn(4))


# --- reshapes, transposes, joins -------------------------------------------------------


def test_reshape_method():
    check(lambda x: x.reshape((4 * 3, 5)), _randn(4, 5, 3))


def test_reshape_call():
    check(lambda x: np.reshape(x, (4 * 3, 5)), _randn(4, 5, 3))


def test_reshape_method_nolist():
    check(lambda x: x.reshape(4 * 3, 5), _randn(4, 5, 3))


def test_ravel_method():
    check(lambda x: x.ravel(), _randn(4, 5, 3))


def test_ravel_call():
    check(lambda x: np.ravel(x), _randn(4, 5, 3))


def test_transpose():
    check(lambda x: x.T, _randn(5, 5))


def test_squeeze_func():
    check(lambda x: np.squeeze(x), _randn(4, 1, 3))


def test_expand_dims():
    check(lambda x: np.expand_dims(x, 2), _randn(4, 1, 3))


def test_simple_concatenate():
    A = _randn(3, 4, 2, offset=1)
    check(lambda x: np.concatenate((A, x)), _randn(2, 4, 2, offset=2))


def test_concatenate_axis_0():
    B = _randn(3, 4, 2, offset=1)
    check(lambda x: np.concatenate((B, x, B)), _randn(3, 4, 2, offset=2))


def test_concatenate_axis_1():
    B = _randn(3, 4, 2, offset=1)
    check(lambda x: np.concatenate((B, x, B), axis=1), _randn(3, 4, 2, offset=2))


def test_concatenate_axis_1_unnamed():
    B = _randn(3, 4, 2, offset=1)
    check(lambda x: np.concatenate((B, x, B), 1), _randn(3, 4, 2, offset=2))


# --- arrays built from traced values: np.stack, where the original writes np.array ----


def test_1d_array():
    check(lambda x: np.array([x, x * 1.0, x + 2.5]), 3.0)
    check(lambda x: np.stack([x, x * 1.0, x + 2.5]), 3.0)


def test_2d_array():
    check(lambda x: np.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]]), 3.0)
    check(lambda x: np.stack([np.stack([x, x * 1.0, x + 2.5]), np.stack([x**2, x, x / 2.0])]), 3.0)


def test_1d_array_fanout():
    def fun(x):
        A = np.stack([x, x * 1.0, x + 2.5])
        return A + A

    check(lambda x: (lambda A: A + A)(np.array([x, x * 1.0, x + 2.5])), 3.0)
    check(fun, 3.0)


def test_2d_array_fanout():
    def fun(x):
        A = np.stack([np.stack([x, x * 1.0, x + 2.5]), np.stack([x**2, x, x / 2.0])])
        return A + A

    check(fun, 3.0)


def test_array_from_arrays():
    check(lambda x: np.array([x, x]), _randn(3, 2))
    check(lambda x: np.stack([x, x]), _randn(3, 2))


def test_array_from_arrays_2():
    check(lambda x: np.stack([np.stack([2 * x, x + 1]), np.stack([x, x])]), _randn(3, 2))


def test_max_equal_values():
    # ties share the derivative equally, so the tied copies of x add up to dmax/dx = 1
    check(lambda x: np.max(np.stack([x, x])), 1.0)


def test_max_equal_values_2d():
    fun = lambda x: np.max(np.stack([np.stack([x, x]), np.stack([x, 0.5])]), axis=1)
    check(fun, 1.0)
    check(fun, -1.0)


def test_min_3_way_equality():
    def fun(x):
        rows = [[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5], [x, x, 0.5]]
        return np.min(np.stack([np.stack(row) for row in rows]), axis=0)

    check(fun, 1.0)
    check(fun, -1.0)


def test_maximum_equal_values():
    check(lambda x: np.maximum(x, x), 1.0)


def test_maximum_equal_values_2d():
    def fun(x):
        return np.maximum(np.stack([x, x, 0.5]), np.stack([np.stack([x, 0.5, x]), np.stack([x, x, 0.5])]))

    for x in (1.0, -1.0, 2.0):
        check(fun, x)


# --- the rest of the supported cases ---------------------------------------------------


def test_clip():
    x = _randn(5, 5)
    assert np.min(np.abs(x - 0.1)) > 1e-3 and np.min(np.abs(x - 1.1)) > 1e-3  # off the corners
    # the bounds are given positionally: graphdiff does not accept the keywords a_min=/a_max= (or min=/max=)
    check(lambda x: np.clip(x, 0.1, 1.1), x)


def test_where():
    C = _randn(4, 5, offset=3) > 0
    check(lambda x, y: np.where(C, x, y), _randn(4, 5, offset=1), _randn(4, 5, offset=2))


def test_len():
    def fun(x):
        assert len(x) == 3
        return x

    check(fun, _randn(3, 2))


def test_no_relation():
    c = _randn(3, 2, offset=1)
    check(lambda x: c, _randn(3, 2))
    assert not np.any(gd.jacfwd(lambda x: c, argnums=0)(_randn(3, 2)))


def test_r_no_relation():
    c = _randn(3, 2, offset=1)
    check(lambda x: np.r_[c], _randn(3, 2))


def test_scalar_array_box_attributes():
    def fun(x):
        assert x.shape == ()
        assert x.ndim == 0
        assert x.size == 1
        return x**2

    assert gd.grad(fun)(3.0) == (6.0,)
    # .dtype is not among the attributes a traced value has: refused by name (values are float64)
    with pytest.raises(gd.TracerAttributeError, match=r"\.dtype"):
        gd.grad(lambda x: x**2 if x.dtype == np.float64 else x)(3.0)


def test_astype():
    x = np.arange(3, dtype="float32")
    fun = lambda x: np.sum(np.sin(x.astype("float64")))
    gradient = gd.grad(fun, argnums=0)(x)
    # graphdiff's values are float64 whatever the input's dtype (autograd keeps float32)
    assert gradient.dtype == np.float64
    np.testing.assert_allclose(gradient, np.cos(x.astype(np.float64)), rtol=1e-15)
    check(fun, x)
    with pytest.raises(gd.ValueTypeError, match="astype"):
        gd.grad(lambda x: np.sum(x.astype("float32")))(x)


# --- refused: no primitive, so a GraphError naming the numpy function ------------------

_base = np.abs(_randn(5)) + 0.5
_M = _randn(4, 5)
_A3 = _randn(4, 5, 3)
_c = _randn(3, 2, offset=1)

REFUSED = [
    # (the original test, the function, its arguments, what the message must name)
    ("index_mixed", lambda x: x[3, 2:, [1, 3]], (_A3,), "integer-array indices"),
    (
        "tensordot_kwargs_by_position",
        lambda x: np.tensordot(x * np.ones((2, 2)), x * np.ones((2, 2)), 2),
        (1.0,),
        "numpy.tensordot",
    ),
    (
        "nan_to_num",
        lambda x: np.sum(np.sin(np.nan_to_num(x + np.array([0.0, np.nan, np.inf, -np.inf])))),
        (_randn(4),),
        "numpy.nan_to_num",
    ),
    ("linspace", lambda x, y: np.linspace(x, y, 5), (1.2, 3.4), "numpy.linspace"),
    ("gradient", lambda x: np.gradient(x), (_randn(10),), "numpy.gradient"),
    # from tests/test_systematic.py
    ("systematic inner", lambda x, y: np.inner(x, y), (_randn(3), _randn(3, offset=1)), "numpy.inner"),
    (
        "systematic einsum_ellipses",
        lambda x, y: np.einsum("...jk,...lj->...lk", x, y),
        (_randn(3, 4, 4), _randn(3, 4, 4, offset=1)),
        "einsum '...jk,...lj->...lk'",
    ),
    (
        "systematic einsum_three_args",
        lambda x, y, z: np.einsum("ijk,lji,lli->lki", x, y, z),
        (_randn(3, 4, 4), _randn(4, 4, 3, offset=1), _randn(4, 4, 3, offset=2)),
        "einsum 'ijk,lji,lli->lki'",
    ),
]


# the cases an earlier graphdiff refused: prod, cumsum, var, std, diag, diagonal, trace,
# triu, tril, flips, rot90, roll, repeat, tile, append, squeeze and flatten as methods, and
# arrays built by numpy from traced values (np.array, np.r_, np.c_), which become arrays
# of objects that graphdiff joins into one traced array where they meet a primitive
FORMERLY_REFUSED = [
    # second order here is the cos of a number near 3e5, beyond differences of step 1e-4:
    # test_prod_of_a_scalar_times_constants_by_hand checks it by hand
    ("plain_numpy_reductions_on_box", lambda a: np.prod(np.exp(a) * _base), (0.7,), 1),
    ("flatten_method", lambda x: x.flatten(), (_A3,)),
    ("prod_1", lambda x: np.prod(x), (_M**2 / 10 + 0.1,)),
    ("prod_2", lambda x: np.prod(x, axis=0), (_M**2 + 0.1,)),
    ("prod_3", lambda x: np.prod(x, axis=0, keepdims=True), (_M**2 + 0.1,)),
    ("prod_4", lambda x: np.prod(x), (_randn(7) ** 2 + 0.1,)),
    ("array_from_scalar", lambda x: np.array(x), (3.0,)),
    ("r_basic", lambda x: np.r_[x], (_randn(3, 2),)),
    ("r_double", lambda x: np.r_[x, x], (_randn(3, 2),)),
    ("r_node_and_const", lambda x: np.r_[x, _c], (_randn(3, 2),)),
    ("r_mixed", lambda x: np.r_[x, _c, x], (_randn(3, 2),)),
    (
        "r_slicing",
        lambda x: np.r_[x, _randn(10), 1:10],
        (_randn(10),),
    ),
    ("c_", lambda x: np.c_[x, _c, x], (_randn(3, 2),)),
    ("c_mixed", lambda x: np.c_[x, _c, x], (_randn(3, 2),)),
    ("squeeze_method", lambda x: x.squeeze(), (_randn(4, 1, 3),)),
    ("flipud", lambda x: np.flipud(x), (_M,)),
    ("fliplr", lambda x: np.fliplr(x), (_M,)),
    ("rot90", lambda x: np.rot90(x), (_M,)),
    ("cumsum_axis0", lambda x: np.cumsum(x, axis=0), (_M,)),
    ("cumsum_axis1", lambda x: np.cumsum(x, axis=1), (_M,)),
    ("cumsum_1d", lambda x: np.cumsum(x), (_randn(5),)),
    ("cumsum_no_axis", lambda x: np.cumsum(x), (_M,)),
    ("simple_append_list", lambda a, b: np.append(a, b), ([1.0, 2.0, 3.0], 4.0)),
    ("simple_append_arr", lambda a, b: np.append(a, b), (np.array([1.0, 2.0, 3.0]), 4.0)),
    (
        "simple_append_list_2D",
        lambda a, b: np.append(a, b, axis=0),
        (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([[7.0, 8.0, 9.0]])),
    ),
    ("trace", lambda x: np.trace(x, offset=2), (_randn(5, 6),)),
    ("trace2", lambda x: np.trace(x, offset=-3), (_randn(6, 5),)),
    ("trace_extradims", lambda x: np.trace(x, offset=1), (_randn(3, 4, 2, 2),)),
    ("diag", lambda x: np.diag(x), (_randn(5, 5),)),
    ("roll", lambda x: np.roll(x, 2, axis=1), (_M,)),
    ("roll_no_axis", lambda x: np.roll(x, 2), (_M,)),
    ("triu", lambda x: np.triu(x, k=2), (_randn(5, 5),)),
    ("tril", lambda x: np.tril(x, k=2), (_randn(5, 5),)),
    ("var_ddof", lambda x: np.var(x, axis=1, ddof=1), (_randn(3, 4),)),
    ("std_ddof", lambda x: np.std(x, keepdims=True, ddof=2), (_randn(3, 4),)),
    ("repeat", lambda x: np.repeat(x, 2, axis=1), (_randn(4, 3, 2),)),
    ("repeat_axis1_rep1", lambda x: np.repeat(x, 1, axis=1), (_randn(4, 3, 2),)),
    ("repeat_axis0", lambda x: np.repeat(x, 2, axis=0), (_randn(4, 3),)),
    ("repeat_1d_axis0", lambda x: np.repeat(x, 2, axis=0), (_randn(5),)),
    ("repeat_axis0_rep1", lambda x: np.repeat(x, 1, axis=0), (_randn(5, 1),)),
    ("diagonal", lambda x: np.diagonal(x, axis1=-1, axis2=-2), (_randn(3, 4, 4),)),
    ("systematic tile", lambda x: np.tile(x, (1, 2)), (_randn(1, 2),)),
]


@pytest.mark.parametrize("case", FORMERLY_REFUSED, ids=[case[0] for case in FORMERLY_REFUSED])
def test_formerly_refused(case):
    original, fun, args, *order = case
    check(fun, *args, order=order[0] if order else 2)


def test_prod_of_a_scalar_times_constants_by_hand():
    # prod(exp(a) * base) = C e^(5a) with C = prod(base): f' = 5 f and f'' = 25 f
    f = lambda a: np.prod(np.exp(a) * _base)
    value = np.prod(_base) * np.exp(5 * 0.7)
    assert gd.grad(f, argnums=0)(0.7) == pytest.approx(5 * value, rel=1e-14)
    assert gd.hessian(f, argnums=0)(0.7) == pytest.approx(25 * value, rel=1e-14)
    assert gd.jvp(gd.grad(f, argnums=0), (0.7,), (1.0,))[1] == pytest.approx(25 * value, rel=1e-14)


@pytest.mark.parametrize("original, fun, args, named", REFUSED, ids=[case[0] for case in REFUSED])
def test_refused(original, fun, args, named):
    for transform in (gd.jacfwd, gd.jacrev):
        with pytest.raises(gd.GraphError) as refusal:
            transform(fun)(*args)
        assert named in str(refusal.value), f"{original}: {refusal.value}"


# --- companions from tests/test_systematic.py: matmul and einsum -----------------------


def test_matmul():
    pairs = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4))]
    pairs += [((2, 2, 3), (2, 3, 4)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4))]
    for k, (a, b) in enumerate(pairs):
        check(lambda x, y: np.matmul(x, y), _randn(*a, offset=k), _randn(*b, offset=k + 10))
        check(lambda x, y: x @ y, _randn(*a, offset=k), _randn(*b, offset=k + 10), order=1)


def test_matmul_broadcast():
    check(lambda x, y: np.matmul(x, y), _randn(1, 2, 2), _randn(3, 2, 1, offset=1))


def test_einsum_transpose():
    for shape in [(1, 1), (4, 4), (3, 4)]:
        check(lambda x: np.einsum("ij->ji", x), _randn(*shape))


def test_einsum_matmult():
    check(lambda x, y: np.einsum("ij,jk->ik", x, y), _randn(2, 3), _randn(3, 4, offset=1))


def test_einsum_covsum():
    check(lambda x, y: np.einsum("ijk,lji->lki", x, y), _randn(3, 2, 2), _randn(2, 2, 3, offset=1), order=1)
    check(lambda x, y: np.einsum("ijk,lji->lki", x, y), _randn(2, 2, 2), _randn(2, 2, 2, offset=1))


# --- the cases the first port found refused wrongly or differentiated wrongly ---------------


def test_dot_with_floats():
    # numpy's dot with a scalar operand is the product
    x = _randn(3, offset=71)
    check(lambda x, y: np.dot(x, y), x, 0.5)
    check(lambda x, y: np.dot(y, x), x, -1.5)


@pytest.mark.parametrize("name", ["std", "var"])
def test_a_list_of_traced_values_given_to_numpy_differentiates(name):
    f = getattr(np, name)
    # var of (x, x + 2) is 1 wherever x is, and so is std: the derivative is 0, not a refusal
    assert gd.grad(lambda x: f([x, x + 2.0]), argnums=0)(0.3) == 0.0
    check(lambda x: f([x, 2.0 * x + 1.0]), 0.3)


def test_a_numpy_function_on_traced_values_mixed_with_numbers_says_what_to_write():
    # numpy's loop over an array of objects calls np.sin as a method: a float has none
    with pytest.raises(gd.TracerError, match=r"mixes traced values and numbers .* np.stack"):
        gd.grad(lambda x: np.sum(np.sin(np.array([x, 1.0]))))(0.3)
    check(lambda x: np.sin(np.array([x, x * x])), 0.3)  # traced values alone: element by element
    check(lambda x: gd.sin(np.array([x, 1.0])), 0.3)  # a graphdiff function: one array


@pytest.mark.parametrize("cast", [int, float, np.int64])
def test_cast_to_a_number_is_refused_by_name(cast):
    with pytest.raises(gd.TracerError, match="cannot become a Python or numpy number"):
        gd.grad(lambda x: cast(x) * x)(1.5)


def test_clip_takes_numpys_keyword_bounds():
    x = _randn(5, offset=72)
    check(lambda x: np.clip(x, a_min=-0.3, a_max=0.4), x)
    check(lambda x: np.clip(x, min=-0.3), x)
    with pytest.raises(gd.TracerError, match="numpy.clip cannot be traced with these arguments"):
        gd.grad(lambda x: np.sum(np.clip(x, lower=0.0)))(x)


@pytest.mark.parametrize("f, name", [(np.sinc, "sinc"), (np.arccosh, "arccosh"), (np.cumprod, "cumprod")])
def test_a_dual_number_given_an_unsupported_numpy_function_is_refused_by_name(f, name):
    with pytest.raises(gd.TracerError, match=f"numpy.{name} has no graphdiff primitive"):
        f(gd.Dual(1.3, 1.0))


def test_check_grads_of_one_argument_to_second_order(monkeypatch):
    gd.check_grads(lambda x: gd.sin(x) * x, (0.5,), order=2)
    gd.check_grads(lambda x: np.sum(np.sin(x) * x), (_randn(3, offset=73),), order=2)
    # the comparison of a one-argument Hessian can fail: a Hessian off by 1 is caught
    from graphdiff.transforms import check as check_module

    real = check_module.hessian
    monkeypatch.setattr(check_module, "hessian", lambda f: lambda *a: np.asarray(real(f)(*a)) + 1.0)
    with pytest.raises(gd.GradientCheckError, match="hessian derivative of output 0 by input 0"):
        gd.check_grads(lambda x: gd.sin(x) * x, (0.5,), order=2)
