"""Tracing: run a plain Python function on tracers and record every primitive it applies.

The tracer only records. It knows nothing of derivatives or modes.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .boxing import Box
from .errors import InputError, TracerError
from .graph import Graph
from .primitives import Primitive

__all__ = ["trace", "Tracer"]


class Tracer(Box):
    """A stand-in for a value while tracing: applying a primitive to it adds a node."""

    __slots__ = ("graph", "node", "shape")
    _graphdiff_priority_ = 2

    def __init__(self, graph: Graph, node: str, shape: tuple[int, ...] | None = None) -> None:
        self.graph = graph
        self.node = node
        self.shape = graph.shape_of(node) if shape is None else shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @classmethod
    def _graphdiff_bind_(cls, prim: Primitive, args: tuple, params: dict) -> Tracer:
        # the primitive checked its arity already, and tracers name nodes that exist
        for a in args:
            if isinstance(a, Tracer):
                graph = a.graph
                break
        nodes, shapes = [], []
        for a in args:
            if isinstance(a, Tracer):
                if a.graph is not graph:
                    raise TracerError(f"{prim.name} mixes values traced into different graphs")
                nodes.append(a.node)
                shapes.append(a.shape)
            else:
                nodes.append(graph.add_const(a))
                shapes.append(np.shape(a))
        return Tracer(graph, *graph._record_op(prim, nodes, shapes, params))

    def _unsupported_ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        raise TracerError(
            f"numpy's {ufunc.__name__}{'.' + method if method != '__call__' else ''} has no graphdiff "
            f"primitive (while tracing {self.node!r}); comparisons and branches on traced values "
            "cannot be recorded"
        )

    def _unsupported_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        raise TracerError(f"numpy.{func.__name__} cannot be traced (at {self.node!r})")

    def __bool__(self) -> bool:
        raise TracerError(
            f"the truth value of traced node {self.node!r} is unknown while tracing: "
            "branch on Python values, or use maximum/abs/relu"
        )

    def __repr__(self) -> str:
        return f"Tracer({self.node!r}, shape={self.shape})"


def trace(
    f: Callable[..., Any], *example_args: Any, name: str | None = None, names: list[str] | None = None
) -> Graph:
    """Record a Python function as a :class:`Graph`.

    Inputs are named after ``f``'s parameters (``x0, x1, ...`` for ``*args``). Each input
    takes the shape of its example value; without examples every input is a scalar. ``f``
    may return one value or a tuple/list of values (several outputs).

    Parameters
    ----------
    f : callable
        Built from Python operators, ``graphdiff`` primitives and the numpy ufuncs that
        map to them (``np.sin``, ``np.exp``, ``@``, ``np.sum``, ...).
    *example_args : float or array, optional
        Values whose shapes the inputs take; needed for ``*args`` functions.
    name : str, optional
        The graph's name (default: the function's name).
    names : list of str, optional
        The input names (default: ``f``'s parameter names).

    Examples
    --------
    >>> import graphdiff as gd
    >>> g = gd.trace(lambda a, b: (a + b) * (b + 1))
    >>> g.inputs, g(2.0, 1.0)
    (['a', 'b'], 6.0)
    >>> g = gd.trace(lambda w, x: gd.sigmoid(x @ w), [1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]])
    >>> g(w=[1.0, 2.0], x=[[1.0, 0.0], [0.0, 1.0]]).shape
    (2,)
    """
    names = list(names) if names is not None else _input_names(f, len(example_args))
    if example_args and len(example_args) != len(names):
        raise InputError(f"{_fname(f)} takes {len(names)} inputs {names}, got {len(example_args)} examples")
    shapes = [np.shape(x) for x in example_args] or [()] * len(names)
    graph = Graph(name or _fname(f))
    tracers = [Tracer(graph, graph.add_input(n, s)) for n, s in zip(names, shapes)]
    # tracing allocates many small containers that all stay alive: the cyclic garbage
    # collector would walk them again and again for nothing (a sixth of the time at 1e4 nodes)
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = f(*tracers)
    finally:
        if collecting:
            gc.enable()
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    if not results:
        raise TracerError(f"{_fname(f)} returned no outputs")
    nodes = []
    for r in results:
        if isinstance(r, Tracer) and r.graph is not graph:
            raise TracerError(f"{_fname(f)} returned a value traced in another graph")
        nodes.append(r.node if isinstance(r, Tracer) else graph.add_const(r))
    graph.set_outputs(*nodes)
    return graph


def _fname(f: Callable) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _input_names(f: Callable, n_examples: int) -> list[str]:
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        raise TracerError(f"cannot read the parameters of {f!r}") from None
    names = []
    for p in signature.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            extra = n_examples - len(names)
            if extra < 0 or (extra == 0 and not names):
                raise InputError(f"{_fname(f)} takes *{p.name}: pass example values to say how many inputs")
            names += [f"x{k}" for k in range(extra)]
            break
    if not names:
        raise InputError(f"{_fname(f)} takes no positional parameters to trace")
    return names
