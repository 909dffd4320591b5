"""Tracing: run a plain Python function on tracers and record every primitive it applies.

The tracer only records. It knows nothing of derivatives or modes. It records into a
:class:`Graph` (:func:`trace`), or, where only the instructions are wanted (the derivative
programs the compiler compiles), straight into a program (:func:`record_program`).
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from graphdiff.errors import GraphError, InputError, TracerAttributeError, TracerError
from graphdiff.graph.graph import Graph
from graphdiff.graph.pytree import LEAF, Packing, flatten, leaf_names, unflatten
from graphdiff.ir.program import Program, ProgramBuilder, infer_shape
from graphdiff.primitives.boxing import (
    MAY_SHARE_NUMBERS,
    Box,
    numpy_name,
    shares_numbers,
    ufunc_name,
    unsupported,
)
from graphdiff.primitives.table import Primitive, equal, greater, greater_equal, joined, not_equal
from graphdiff.values import as_value, is_data

__all__ = ["trace", "record_program", "Tracer"]


class Tracer(Box):
    """A stand-in for a value while tracing: applying a primitive to it adds a node."""

    __slots__ = ("graph", "node", "shape", "_views")
    _graphdiff_priority_ = 2

    def __init__(self, graph: Graph, node: str, shape: tuple[int, ...] | None = None) -> None:
        self.graph = graph
        self.node = node
        self.shape = graph.shape_of(node) if shape is None else shape
        self._views = None

    def _become(self, other: Tracer) -> None:
        self.node, self.shape = other.node, other.shape

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
                    raise TracerError(
                        f"{prim.name} mixes values traced into different graphs: a function differentiated "
                        "inside another transformation reads a value of the outer one (a closure over it); "
                        "pass that value as an argument instead"
                    )
                nodes.append(a.node)
                shapes.append(a.shape)
            else:
                if type(a) is np.ndarray and a.dtype.kind == "b" or type(a) in (bool, np.bool_):
                    a = np.asarray(
                        a, dtype=np.float64
                    )  # a mask in arithmetic: 1.0 and 0.0, as numpy computes
                nodes.append(graph.add_const(a))
                shapes.append(np.shape(a))
        out = Tracer(graph, *graph._record_op(prim, nodes, shapes, params))
        if prim.name in MAY_SHARE_NUMBERS:
            shares_numbers(prim, args, out)
        return out

    def _unsupported_ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        if method == "__call__" and kwargs:
            raise TracerError(
                f"{ufunc_name(ufunc)} with {', '.join(sorted(kwargs))}= cannot be traced (at {self.node!r}): "
                "call it without keyword arguments"
            )
        if method == "__call__" and ufunc in _MASKS:  # x > y, x < y, x == y: a mask node, no derivative
            prim, swap = _MASKS[ufunc]
            a, b = inputs
            return prim(b, a) if swap else prim(a, b)
        if ufunc in _COMPARISONS:
            raise TracerError(
                f"numpy.{name} compares traced values (at {self.node!r}), and a comparison has no "
                "derivative to record: branch on plain Python values, use gd.maximum, gd.abs or gd.relu, "
                "or a mask from x > y, x < y or x == y"
            )
        raise TracerError(unsupported(ufunc_name(ufunc, method), f"while tracing {self.node!r}"))

    def _unsupported_function(self, func: Any, args: tuple, kwargs: dict) -> Any:
        raise TracerError(unsupported(numpy_name(func), f"while tracing {self.node!r}", kwargs))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # numpy and Python probe for protocols this way: a plain "no"
            raise AttributeError(name)
        raise TracerAttributeError(
            unsupported(f"the array method or attribute .{name}", f"while tracing {self.node!r}")
        )

    def __bool__(self) -> bool:
        raise TracerError(
            f"the truth value of traced node {self.node!r} is unknown while tracing: "
            "branch on Python values, or use maximum/abs/relu (np.max or np.sort of np.array([...]) of traced "
            "values compares them one by one: write np.max(np.stack([...])))"
        )

    def _as_number(self, *_: Any) -> Any:
        raise TracerError(
            f"traced node {self.node!r} has no number while tracing, so it cannot become a Python or numpy "
            "number (int(), float(), np.int64(), a cast to an integer dtype): keep it as it is; "
            "x.astype(float) is allowed"
        )

    __float__ = __int__ = __index__ = __complex__ = _as_number

    def __repr__(self) -> str:
        return f"Tracer({self.node!r}, shape={self.shape})"


_MASKS = {
    np.greater: (greater, False), np.less: (greater, True), np.equal: (equal, False),
    np.greater_equal: (greater_equal, False), np.less_equal: (greater_equal, True), np.not_equal: (not_equal, False),
}  # fmt: skip
_COMPARISONS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.isfinite, np.isnan, np.isinf,
}  # fmt: skip


def trace(
    f: Callable[..., Any], *example_args: Any, name: str | None = None, names: list[str] | None = None
) -> Graph:
    """Record a Python function as a :class:`Graph`.

    Inputs are named after ``f``'s parameters (``x0, x1, ...`` for ``*args``); parameters
    with default values are not inputs and keep their defaults. Each input
    takes the shape of its example value; without examples every input is a scalar. ``f``
    may return one value or a pytree of values (several outputs, in the order of its leaves).

    Parameters
    ----------
    f : callable
        Built from Python operators, ``graphdiff`` primitives and the numpy ufuncs that
        map to them (``np.sin``, ``np.exp``, ``@``, ``np.sum``, ...).
    *example_args : float, array or pytree, optional
        Values whose shapes the inputs take; needed for ``*args`` functions. An
        argument that is a pytree (nested tuples, lists and dicts, as in JAX) gives one
        input per leaf, named as the leaf is reached: ``params['W1']``.
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
    >>> import numpy as np
    >>> g = gd.trace(lambda w, x: gd.sigmoid(x @ w), np.ones(2), np.eye(2))
    >>> g(w=[1.0, 2.0], x=[[1.0, 0.0], [0.0, 1.0]]).shape
    (2,)
    >>> p = gd.trace(lambda params, x: params["w"] * x + params["b"], {"w": 1.0, "b": 0.0}, 1.0)
    >>> p.inputs                     # an argument that is a pytree gives an input per leaf
    ["params['b']", "params['w']", 'x']
    """
    names = list(names) if names is not None else _input_names(f, len(example_args))
    if example_args and len(example_args) != len(names):
        raise InputError(f"{_fname(f)} takes {len(names)} inputs {names}, got {len(example_args)} examples")
    flat = [flatten(x) for x in example_args] or [([None], LEAF)] * len(names)
    trees = tuple(tree for _, tree in flat)
    graph = Graph(name or _fname(f))
    tracers, args = [], []
    for (leaves, tree), n in zip(flat, names):
        if not tree.is_leaf:
            _refuse_integer_leaves(leaves, leaf_names(tree, n))
        elif is_data(leaves[0]):
            raise InputError(
                f"input {n!r} of {_fname(f)} is given an array of {leaves[0].dtype}: a traced input is a float, and "
                "integer data (labels, indices) is fixed while tracing: trace a function that closes over it "
                f"(gd.trace(lambda ...: {_fname(f)}(..., {n}), ...)), or let a transformation fix it "
                f"(gd.grad({_fname(f)}, argnums=0)(..., {n}))"
            )
        leaf_tracers = [
            Tracer(graph, graph.add_input(leaf_name, () if x is None else _example_shape(x, leaf_name)))
            for x, leaf_name in zip(leaves, leaf_names(tree, n))
        ]
        tracers += leaf_tracers
        args.append(leaf_tracers[0] if tree.is_leaf else unflatten(tree, leaf_tracers))
    # tracing allocates many small containers that all stay alive: the cyclic garbage
    # collector would walk them again and again for nothing (a sixth of the time at 1e4 nodes)
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = f(*args)
    except ValueError as err:  # numpy replaced our refusal (y[0] = x[0] into a numpy array) with its own
        if isinstance(err, GraphError) or not isinstance(err.__cause__, GraphError):
            raise
        raise _into_numpy_array(err.__cause__) from None
    except TypeError as err:
        if isinstance(err, GraphError) or "which has no callable" not in str(err):
            raise
        # numpy's loop over np.array([traced, 1.0]) calls np.sin as a method of each element
        raise TracerError(
            f"{_fname(f)} applies a numpy function to an array of Python objects that mixes traced values and "
            f"numbers (np.array([traced, 1.0])), which numpy cannot do ({err}): write np.stack([...]) for the "
            "array, or the graphdiff function (gd.sin, gd.exp, ...)"
        ) from None
    finally:
        if collecting:
            gc.enable()
    if result is None:
        raise TracerError(f"{_fname(f)} returned None: is a return statement missing?")
    results, out_tree = flatten(result)
    aux_only = getattr(f, "_graphdiff_aux_", False) and not out_tree.children[0].has_none  # (value, aux)
    if out_tree.has_none and not aux_only:
        raise TracerError(f"{_fname(f)} returned None as part of its result: is a return statement missing?")
    if not results:
        raise TracerError(f"{_fname(f)} returned no outputs")
    nodes = []
    for r in map(joined, results):  # np.array([traced, ...]) returned: one array again
        if isinstance(r, Tracer) and r.graph is not graph:
            raise TracerError(f"{_fname(f)} returned a value traced in another graph")
        nodes.append(r.node if isinstance(r, Tracer) else graph.add_const(r))
    graph.set_outputs(*nodes)
    graph._pytrees = Packing(trees, out_tree)
    # whether a call may give an argument as its container (g(params, X)): decided once, here
    graph._container_args = any(tree.kind is not None for tree in trees)
    return graph


class _Tape:
    """What tracers record into when only the program is wanted: numbered slots, no names, no networkx graph.

    It answers the three calls a :class:`Tracer` makes of a :class:`Graph`.
    """

    __slots__ = ("builder",)

    def __init__(self) -> None:
        self.builder = ProgramBuilder()

    def shape_of(self, slot: int) -> tuple[int, ...]:
        return self.builder.shapes[slot]

    def add_const(self, value: Any) -> int:
        return self.builder.const(None, as_value(value, "constant"))

    def _record_op(
        self, prim: Primitive, slots: list, shapes: list, params: dict
    ) -> tuple[int, tuple[int, ...]]:
        if prim.elementwise and not any(shapes):  # scalars: the common case, no names made for messages
            shape = ()
        else:
            shape = infer_shape(prim, shapes, params, None, [f"t{a}" for a in slots])
        return self.builder.op_at(None, prim, tuple(slots), dict(params) if params else params, shape), shape


def _into_numpy_array(refusal: GraphError) -> GraphError:
    """The refusal numpy hides when a traced value is assigned into a numpy array, with the way out."""
    return type(refusal)(
        f"{refusal}. A traced value was assigned into a numpy array (y[i] = x): numpy arrays hold "
        "numbers only; build the array from traced values instead: np.stack([...]), "
        "np.concatenate, or np.where(mask, x, y)"
    )


def record_program(f: Callable[..., Any], n_inputs: int, stem: str = "t") -> Program:
    """Run ``f`` on ``n_inputs`` scalar tracers and return what it applies as a :class:`Program`.

    The same recording as :func:`trace`, for a function of scalars returning a tuple of
    values, into a program whose values are numbered (``<stem>k``), not named, with no
    :class:`Graph` around it: about a third of the memory, and faster, where the program
    is only compiled (a derivative program of 10^6 instructions).

    >>> import graphdiff as gd
    >>> p = record_program(lambda x, y: (gd.sin(x) * y, 2.0), 2)
    >>> [op.prim.name for op in p.ops], p.names[p.output_slots[0]], len(p)
    (['sin', 'mul'], 't3', 5)
    """
    tape = _Tape()
    inputs = [tape.builder.input(None, ()) for _ in range(n_inputs)]
    collecting = gc.isenabled()
    gc.disable()  # as in trace: the many small containers all stay alive
    try:
        results = f(*[Tracer(tape, slot, ()) for slot in inputs])  # type: ignore[arg-type]
    finally:
        if collecting:
            gc.enable()
    outputs = []
    for r in results:
        if isinstance(r, Tracer) and r.graph is not tape:
            raise TracerError("a recorded function returned a value traced in another graph")
        outputs.append(r.node if isinstance(r, Tracer) else tape.add_const(r))
    return tape.builder.build_numbered(inputs, outputs, stem)


def _refuse_integer_leaves(leaves: list, names: list[str]) -> None:
    """Integer arrays are data (labels, indices) as arguments of their own; inside a pytree they would be inputs."""
    for x, name in zip(leaves, names):
        if is_data(x):
            raise InputError(
                f"{name} is an array of {x.dtype} inside a pytree that is differentiated: leave that "
                "argument out of argnums (argnums=0 for loss(params, batch)), or pass integer data (labels, "
                "indices) as an argument of its own, where it is fixed data, or cast it with .astype(float)"
            )


def _example_shape(x: Any, name: str) -> tuple[int, ...]:
    """The shape an example value gives its input; a value that is not a number is refused by name."""
    return x.shape if isinstance(x, Box) else np.shape(as_value(x, f"example value for input {name!r}"))


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
            if p.default is not p.empty:  # a default-valued parameter keeps its value: not an input
                break
            names.append(p.name)
        elif p.kind is p.KEYWORD_ONLY and p.default is p.empty:
            raise InputError(
                f"{_fname(f)} has a keyword-only parameter {p.name!r} with no default: trace cannot give it a "
                f"value; give it a default, or trace a function that passes it (lambda x: {_fname(f)}(x, {p.name}=...))"
            )
        elif p.kind is p.VAR_POSITIONAL:
            extra = n_examples - len(names)
            if extra < 0 or (extra == 0 and not names):
                raise InputError(f"{_fname(f)} takes *{p.name}: pass example values to say how many inputs")
            names += [f"x{k}" for k in range(extra)]
            break
    if not names:
        raise InputError(f"{_fname(f)} takes no positional parameters to trace")
    return names
