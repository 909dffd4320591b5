"""The value conventions: float64 numbers and arrays in, Python floats and arrays out.

Every value that enters a graph (an input bound for a sweep, a constant, an argument of a
primitive called on plain numbers, a constant read from a file) goes through
:func:`as_value`, and every shape through :func:`as_shape`. What they refuse:

- ``None`` (``np.asarray(None, dtype=float)`` would be ``nan``), strings and bytes;
- bools and bool arrays: a truth value is not a quantity to differentiate, and in a file
  ``true`` is far more likely a slip than a 1 (write ``1.0``; convert masks with
  ``mask.astype(float)``); shapes and parameters refuse bools too;
- complex numbers and arrays (converting them would drop the imaginary part);
- integers too large for a float64 (``10**400``);
- ragged nested lists and arrays of anything but real numbers.

``nan`` and ``inf`` are numbers, and pass.
"""

from __future__ import annotations

import math
import numbers
import re
import reprlib
import sys
from typing import Any

import numpy as np

from graphdiff.errors import ShapeError, ValueTypeError

__all__ = ["as_value", "as_output", "as_shape", "brief", "is_boxed", "is_data"]

MAX_NDIM = 64  # numpy's limit on the number of dimensions of an array
_MAX_ELEMENTS = sys.maxsize // 8  # numpy's limit on the bytes of an array, in float64 elements
_LARGEST_FLOAT = int(sys.float_info.max)
_FLOAT64 = np.dtype(np.float64)


def as_value(value: Any, what: str) -> Any:
    """A float64 scalar or array; anything else is refused naming ``what``.

    Integers and integer or float arrays of any precision are converted; see the module
    docstring for what is refused.

    Raises
    ------
    ValueTypeError
        Naming ``what`` and saying what the value was.

    Examples
    --------
    >>> as_value(2, "input 'x'")
    np.float64(2.0)
    >>> as_value([1, 2], "input 'x'")
    array([1., 2.])
    >>> as_value(None, "input 'x'")
    Traceback (most recent call last):
    ...
    graphdiff.errors.ValueTypeError: input 'x' must be a number or an array of numbers, got None
    >>> as_value([1.0, 2j], "constant 'c'")
    Traceback (most recent call last):
    ...
    graphdiff.errors.ValueTypeError: constant 'c' must be a number or an array of numbers, got an array of complex numbers [1.0, 2j]
    """
    if isinstance(value, float):  # Python floats and numpy float64 scalars: the common case
        return np.float64(value)
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype is _FLOAT64:  # float64 arrays, the other common case, as they are
            return np.float64(value) if value.ndim == 0 else value
        array = value
    elif kind is int:
        try:
            return np.float64(float(value))
        except OverflowError:
            raise ValueTypeError(_refusal(what, _describe(value))) from None
    else:
        if kind is not list and kind is not tuple and _is_refused_scalar(value):
            raise ValueTypeError(_refusal(what, _describe(value)))
        try:
            array = np.asarray(value)
        except (ValueError, TypeError, OverflowError, RecursionError) as err:
            raise ValueTypeError(_refusal(what, _unreadable(value, err))) from None
    dtype = array.dtype
    if dtype.kind in "fiu":
        if kind is list or kind is tuple:
            _refuse_hidden_bools(value, array, what)
        if dtype is not _FLOAT64:
            array = array.astype(np.float64)
    elif dtype.kind == "O":
        array = _from_objects(array, value, what)
    else:
        raise ValueTypeError(_refusal(what, _describe_array(array, value)))
    return np.float64(array) if array.ndim == 0 else array


def as_shape(shape: Any, what: str) -> tuple[int, ...]:
    """A shape as a tuple of non-negative Python ints; anything else is a :class:`ShapeError`.

    A shape is a tuple or list of integers (Python or numpy, not bools), each at least 0;
    a lone integer ``n`` means ``(n,)``, as in numpy. At most 64 dimensions and no more
    elements than numpy can hold.

    Examples
    --------
    >>> as_shape([2, 3], "input 'x'"), as_shape(4, "input 'x'"), as_shape((), "input 'x'")
    ((2, 3), (4,), ())
    >>> as_shape((2, -1), "input 'x'")
    Traceback (most recent call last):
    ...
    graphdiff.errors.ShapeError: input 'x': a shape is a tuple of non-negative integers, got (2, -1): dimension 1 is negative
    """
    if (type(shape) is tuple or type(shape) is list) and not shape:  # scalars: the common case
        return ()
    if _is_integer(shape):
        dims: Any = [shape]
    elif isinstance(shape, (tuple, list)):
        dims = shape
    elif isinstance(shape, np.ndarray) and shape.ndim == 1 and shape.dtype.kind in "iu":
        dims = shape.tolist()
    else:
        raise ShapeError(
            f"{what}: a shape is a tuple of non-negative integers, got {_describe(shape, False)}"
        )
    problem = None
    if len(dims) > MAX_NDIM:
        problem = f"{len(dims)} dimensions, more than numpy's {MAX_NDIM}"
    else:
        for k, n in enumerate(dims):
            if not _is_integer(n):
                problem = f"dimension {k} is {_describe(n, False)}"
            elif n < 0:
                problem = f"dimension {k} is negative"
            elif n > sys.maxsize:
                problem = f"dimension {k} is larger than numpy allows"
            if problem:
                break
    if problem is None:
        result = tuple(int(n) for n in dims)
        if math.prod(result) <= _MAX_ELEMENTS:
            return result
        problem = "more elements than a float64 array can hold"
    raise ShapeError(f"{what}: a shape is a tuple of non-negative integers, got {brief(shape)}: {problem}")


def is_boxed(value: Any) -> bool:
    """Whether ``value`` is a tracer or a dual (a value that records or carries a tangent), not a number."""
    return getattr(type(value), "_graphdiff_priority_", -1) >= 0  # Counted values rank below 0


def is_data(value: Any) -> bool:
    """An array of integers or booleans: labels or indices, never differentiated.

    Passed where an input is expected it is a fixed value of the trace, as a default
    value is (a gather by labels needs the labels' values): ``logp[np.arange(n), y]``.

    >>> is_data(np.array([0, 2])), is_data(np.array([0.0, 2.0]))
    (True, False)
    """
    return type(value) is np.ndarray and value.dtype.kind in "iub"


def as_output(value: Any) -> Any:
    """Present a value to users: 0-d numbers as Python floats, arrays as they are."""
    if type(value) is np.ndarray and value.ndim:  # arrays, the common case on arrays
        return value
    if isinstance(value, float):  # Python floats and numpy float64 scalars: the common case
        return float(value)
    if is_boxed(value):  # a tracer or a dual, in a nested derivative
        return value
    if hasattr(value, "value"):  # a Counted number
        value = value.value
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


# --- describing what was refused (only ever on the error path) ------------------------


class _Brief(reprlib.Repr):
    """Short one-line reprs: a few levels and items, and no huge integer spelled out."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict = 3, 6, 6, 4
        self.maxstring, self.maxother, self.maxlong = 40, 60, 40

    def repr_ndarray(self, x: np.ndarray, level: int) -> str:
        text = np.array2string(x, threshold=6, edgeitems=2, separator=", ", max_line_width=sys.maxsize)
        return f"array({text})" if x.dtype.kind in "fiub" else f"array({text}, dtype={x.dtype})"

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:
            return f"{'-' if x < 0 else ''}<an integer of about {_digits(x)} digits>"
        return super().repr_int(x, level)


_BRIEF = _Brief()


def brief(value: Any) -> str:
    """A short, single-line repr of ``value`` for an error message.

    Examples
    --------
    >>> brief(list(range(100)))
    '[0, 1, 2, 3, 4, 5, ...]'
    >>> brief(10**400)
    '<an integer of about 401 digits>'
    """
    try:
        text = _BRIEF.repr(value)
    except Exception:  # a repr that fails: say what it is instead
        text = f"<{type(value).__name__}>"
    return re.sub(r"\s*\n\s*", " ", text)


def _digits(x: int) -> int:
    return int(abs(x).bit_length() * math.log10(2)) + 1


def _is_integer(n: Any) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


def _is_refused_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating))


def _refusal(what: str, description: str) -> str:
    return f"{what} must be a number or an array of numbers, got {description}"


def _describe(value: Any, as_number: bool = True) -> str:
    """What a refused scalar is, in words (with a hint for a bool given as a number)."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {brief(value)}" + (" (write 1.0 or 0.0 for a number)" if as_number else "")
    if isinstance(value, (str, bytes)):
        return f"the string {brief(value)}"
    if isinstance(value, (complex, np.complexfloating)):
        return f"the complex number {brief(value)}"
    if isinstance(value, int) and abs(value) > _LARGEST_FLOAT:
        return f"an integer too large for a float64 ({brief(value)})"
    if isinstance(value, (int, float, np.number)):
        return f"{brief(value)} ({type(value).__name__})"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name} ({brief(value)})"


def _describe_array(array: np.ndarray, value: Any) -> str:
    """What a refused array is, by its dtype."""
    words = {"b": "bools", "c": "complex numbers", "U": "strings", "S": "strings", "M": "dates", "m": "times"}
    what = words.get(array.dtype.kind, f"dtype {array.dtype}")
    if array.ndim == 0:
        return _describe(value if not isinstance(value, np.ndarray) else array[()])
    return f"an array of {what} {brief(value)}"


def _unreadable(value: Any, err: Exception) -> str:
    message = str(err)
    if "inhomogeneous" in message:
        return f"a ragged nested sequence, whose rows differ in length ({brief(value)})"
    if isinstance(err, RecursionError):
        return f"a sequence nested too deeply ({brief(value)})"
    return f"{brief(value)}, which numpy cannot read as an array ({message.splitlines()[0] if message else type(err).__name__})"


def _refuse_hidden_bools(value: list | tuple, array: np.ndarray, what: str) -> None:
    """Refuse a bool in a list of numbers, which numpy would have made a 0 or 1 without a word."""
    if array.ndim == 1:  # a flat list: its items are the numbers
        types = set(map(type, value))
        if bool not in types and np.bool_ not in types:
            return
    objects = np.asarray(value, dtype=object)  # the list's own items, not converted
    types = set(map(type, objects.flat))
    if (bool in types or np.bool_ in types) and objects.shape == array.shape:
        _from_objects(objects, value, what)


def _from_objects(array: np.ndarray, value: Any, what: str) -> np.ndarray:
    """An array of Python objects (say, ints too large for int64) as float64, if each is a real number."""
    out = np.empty(array.shape, dtype=np.float64)
    for index in np.ndindex(array.shape):
        item = array[index]
        problem = None
        if _is_refused_scalar(item) or not isinstance(item, numbers.Real):
            problem = _describe(item)
        else:
            try:
                out[index] = float(item)
            except (OverflowError, TypeError, ValueError):
                problem = _describe(item)
        if problem is not None:
            if array.ndim == 0:
                raise ValueTypeError(_refusal(what, problem))
            where = index[0] if len(index) == 1 else list(index)
            hint = " (write 1.0 or 0.0 for a number)" if isinstance(item, (bool, np.bool_)) else ""
            if is_boxed(item):  # np.array([traced, ...])
                hint = (
                    ": numpy cannot hold traced values in an array; write np.stack([...]) or gd.stack([...])"
                )
            problem = _describe(item, as_number=False)
            raise ValueTypeError(_refusal(what, f"a sequence holding {problem} at index {where}{hint}"))
    return out
