"""What a traced function reads besides its arguments, so that a cached trace is never stale.

A trace records the values a function closes over (closure cells, the globals it names,
its default arguments) as constants. If one of them changes, the recorded graph answers
for the old value. :func:`capture_key` reads them all, with the values of arrays and
numbers exactly (bit for bit, so ``-0.0`` and ``0.0`` differ and ``nan`` equals
``nan``), and a cached trace is used only while the key is the same.

Functions, modules and classes a function names are compared by identity, and the
functions among them are read in turn (a helper that reads a global array is checked
too). A transformation (``gd.grad(f)``) is read as the function it transforms: its
cache of graphs checks itself. Plain objects are read through their ``__dict__``. What cannot be read this way (an
object with ``__slots__``, a C extension's object, something nested too deeply) makes
the function *uncacheable*: it is traced again on every call, which is slow but never
wrong. So does drawing random numbers (``np.random.rand``, ``random.random``, a
``Generator``): each call draws anew, as the function itself would.

>>> import numpy as np
>>> X = np.ones(2)
>>> f = lambda w: X @ w
>>> before = capture_key(f)
>>> X[0] = 5.0                       # changed in place
>>> capture_key(f) == before
False
"""

from __future__ import annotations

import functools
import os
import random
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["capture_key", "value_key", "UNCACHEABLE"]

UNCACHEABLE = object()  # the key of a function whose captures cannot be read: never equal to a cached one

_LIBRARY = os.path.dirname(os.path.dirname(__file__)) + os.sep  # graphdiff's own source files
_MAX_DEPTH = 12
_MAX_ITEMS = 100_000  # container elements read per call before giving up (an array counts once)

_IDENTITY = (
    types.ModuleType,
    type,
    types.BuiltinFunctionType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    np.ufunc,
)


# where random numbers come from: a function drawing them is traced on every call, so each
# call draws anew, as the function itself would
_RANDOM_MODULES = (random, np.random)
_RANDOM_STATES = (random.Random, np.random.RandomState, np.random.Generator, np.random.BitGenerator)

_ATOMS = (int, bool, str, float)  # immutable values a cell may hold (None may be a cell not filled yet)


# graphdiff's functions whose key can never change, by the function (weakly: closures come and go)
_STATIC: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _atoms(values: Any) -> bool:
    """Whether ``values`` (defaults: a tuple, a dict or None) holds only numbers, strings and None."""
    if values is None:
        return True
    items = values.values() if isinstance(values, dict) else values
    return all(v is None or type(v) in _ATOMS for v in items)


class _Opaque(Exception):
    """A captured value whose state cannot be read."""


def capture_key(f: Callable[..., Any]) -> Any:
    """A value equal between two calls exactly when nothing ``f`` reads besides its arguments changed.

    Returns :data:`UNCACHEABLE` when some captured value cannot be read.
    """
    try:
        return _Reader().callable(f, 0)
    except (_Opaque, RecursionError):
        return UNCACHEABLE


def value_key(x: Any) -> Any:
    """A value equal for two values exactly when they are the same numbers, arrays and objects.

    Returns :data:`UNCACHEABLE` for a value that cannot be read.
    """
    try:
        return _Reader().value(x, 0)
    except (_Opaque, RecursionError):
        return UNCACHEABLE


class _Reader:
    def __init__(self) -> None:
        self.seen: dict[int, int] = {}  # id of a function already being read -> its number
        self.items = 0

    def callable(self, f: Any, depth: int) -> Any:
        if isinstance(f, types.FunctionType):
            return self.function(f, depth)
        if isinstance(f, types.MethodType):
            return ("method", self.callable(f.__func__, depth + 1), self.value(f.__self__, depth + 1))
        if isinstance(f, functools.partial):
            return (
                "partial",
                self.callable(f.func, depth + 1),
                self.value(f.args, depth + 1),
                self.value(f.keywords, depth + 1),
            )
        return self.value(f, depth)

    def function(self, f: types.FunctionType, depth: int) -> Any:
        if id(f) in self.seen:  # recursion, or a helper read already: it is in the key once
            return ("again", self.seen[id(f)])
        self.seen[id(f)] = len(self.seen)
        if depth > _MAX_DEPTH:
            raise _Opaque
        depth += 1
        value = self.value
        static = _STATIC.get(f)
        if static is not None:  # a library function that holds nothing that can change
            return static
        if f.__code__.co_filename.startswith(_LIBRARY):
            # graphdiff's own closures (gd.grad(f)'s): what they name is the library, which does
            # not change, and no cell of theirs is ever rebound (the library has no nonlocal,
            # a test checks), so a number or a string in a cell stays; the rest is read
            cells = [
                value(c, depth) for c in map(_cell, f.__closure__ or ()) if c is None or type(c) not in _ATOMS
            ]
            key = ("library", f, cells, value(f.__defaults__, depth), value(f.__kwdefaults__, depth))
            if not cells and _atoms(f.__defaults__) and _atoms(f.__kwdefaults__):
                _STATIC[f] = key  # no cell to read, defaults that cannot change: the same key from now on
            return key
        cells = [value(_cell(c), depth) for c in f.__closure__ or ()]
        names = f.__globals__
        named = _global_names(f.__code__)
        if "random" in named or "default_rng" in named:
            raise _Opaque  # np.random.rand(), random.random(): a draw, new on every call (however np is reached)
        read = [(name, value(names[name], depth)) for name in named if name in names]
        defaults = (value(f.__defaults__, depth), value(f.__kwdefaults__, depth))
        return ("function", f, f.__code__, cells, read, defaults)

    def value(self, x: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Opaque
        self.items += 1
        if self.items > _MAX_ITEMS:
            raise _Opaque
        t = type(x)
        if t is types.ModuleType or t is types.BuiltinFunctionType:  # the common globals: np, gd, print
            if x in _RANDOM_MODULES or isinstance(getattr(x, "__self__", None), _RANDOM_STATES):
                raise _Opaque  # random numbers (random.random, np.random.rand): a new draw every call
            return x
        if t is float:
            return (float, x.hex())
        if x is None or t in (int, bool, str, bytes):
            return (t, x)
        if t is complex:
            return (complex, x.real.hex(), x.imag.hex())
        if t is np.ndarray:
            if x.dtype.hasobject:
                return ("array", tuple(self.value(v, depth + 1) for v in x.flat), x.shape)
            return ("array", x.dtype.str, x.shape, x.tobytes())
        if isinstance(x, np.generic):
            return ("scalar", x.dtype.str, x.tobytes())
        if t in (list, tuple):
            return (t, tuple(self.value(v, depth + 1) for v in x))
        if t is dict:
            return (dict, tuple((self.value(k, depth + 1), self.value(v, depth + 1)) for k, v in x.items()))
        if isinstance(x, _RANDOM_STATES):
            raise _Opaque  # a generator of random numbers: its state changes with every draw
        if isinstance(x, (types.FunctionType, types.MethodType, functools.partial)):
            return self.callable(x, depth)
        # looked up on the type: an object whose __getattr__ answers every name must not pass for these
        if isinstance(x, _IDENTITY) or getattr(t, "_graphdiff_identity_", False) is True:
            return ("is", x)
        if isinstance(getattr(t, "_graphdiff_reads_", None), property):
            # a transformation's own state: what it reads is the function it transforms
            return ("reads", t, self.callable(x._graphdiff_reads_, depth + 1))
        state = getattr(x, "__dict__", None)
        if type(state) is dict and not hasattr(t, "__slots__"):
            if id(x) in self.seen:
                return ("again", self.seen[id(x)])
            self.seen[id(x)] = len(self.seen)
            return ("object", t, self.value(state, depth + 1))
        raise _Opaque


def _cell(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # a cell not filled yet (a name assigned after the function was made)
        return None


_GLOBAL_NAMES: dict[types.CodeType, tuple[str, ...]] = {}


def _global_names(code: types.CodeType) -> tuple[str, ...]:
    """The names a code object (and the functions and comprehensions inside it) may look up as globals."""
    names = _GLOBAL_NAMES.get(code)
    if names is None:
        found = list(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found.extend(_global_names(const))
        if len(_GLOBAL_NAMES) > 10_000:  # functions made at run time: keep the table bounded
            _GLOBAL_NAMES.clear()
        names = _GLOBAL_NAMES[code] = tuple(dict.fromkeys(found))
    return names
