"""Shared fixtures and helpers: a fixed random seed, finite differences, nested comparisons."""

from __future__ import annotations

import numpy as np
import pytest

SEED = 20261123


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def central_difference(f, args: list, i: int, h: float = 1e-6) -> np.ndarray:
    """d f(*args) / d args[i] by central differences, shaped ``out.shape + args[i].shape``."""
    x = np.asarray(args[i], dtype=float)
    out_shape = np.shape(f(*args))
    columns = []
    for e in range(x.size):
        step = np.zeros(x.size)
        step[e] = h
        plus, minus = list(args), list(args)
        plus[i] = x + step.reshape(x.shape)
        minus[i] = x - step.reshape(x.shape)
        columns.append((np.asarray(f(*plus), float) - np.asarray(f(*minus), float)) / (2 * h))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


def assert_nested_close(actual, expected, rtol: float, atol: float = 0.0) -> None:
    """Compare two equally nested tuples of numbers/arrays elementwise."""
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_nested_close(a, e, rtol, atol)
    else:
        assert np.shape(actual) == np.shape(expected)
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
