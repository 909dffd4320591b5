"""The user-facing transformations, named as in JAX: grad, jvp, vjp, jacfwd, jacrev.

Each takes a :class:`Graph` or a plain Python function (traced on first use, once per
combination of argument shapes) and is a thin layer over the sweeps.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from graphdiff.compiler.codegen import all_floats, all_scalar, fast, interpreted, run_hot
from graphdiff.compiler.codegen import run as _run
from graphdiff.errors import (
    ExtraInputError,
    InputError,
    MissingInputError,
    NotScalarError,
    ShapeError,
    UnknownInputError,
)
from graphdiff.graph.captures import UNCACHEABLE, capture_key, value_key
from graphdiff.graph.graph import Graph
from graphdiff.graph.pytree import Packing, Static, Tree, flatten, flatten_up_to, packing_of, unflatten
from graphdiff.graph.tracer import trace
from graphdiff.ir.program import restricted
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward_sweep
from graphdiff.modes.reverse import output_seeds, reverse_sweep, seed_cotangent
from graphdiff.primitives.boxing import Box
from graphdiff.transforms.recorded import prepared_gradient
from graphdiff.values import as_output, as_value, is_data

__all__ = ["grad", "value_and_grad", "jvp", "vjp"]

Differentiable = Graph | Callable[..., Any]


class _Traced:
    """A function and the graphs traced from it, one per argument shapes and fixed values.

    The graphs are kept only while everything the function reads besides its arguments
    (closure cells, globals, default values; see :mod:`graphdiff.graph.captures`) stays the
    same: a change, in-place changes of captured arrays included, means tracing again.

    Parameters with default values are not inputs: they keep their default, or the value
    passed for them, as a constant of the graph (as JAX's ``static_argnums``), and each
    value gets its own trace. Keyword-only parameters are likewise fixed values.
    """

    def __init__(self, f: Differentiable, argnums: Any = None) -> None:
        if not isinstance(f, Graph) and not callable(f):
            raise InputError(f"expected a Graph or a function to differentiate, got {f!r}")
        self.f = f
        # the positional arguments differentiated (None: every one); the others are fixed
        # values when they are not floats (an int, a string, a pytree holding labels), as JAX
        # passes them through untraced
        self.argnums = argnums
        self.graphs: dict[tuple, Graph] = {}
        self.captured: Any = None
        self.parameters = None if isinstance(f, Graph) else _parameters(f)

    @property
    def _graphdiff_reads_(self) -> Differentiable:
        """What a function closing over this one reads through it: ``f`` (see graph.captures)."""
        return self.f

    def graph(self, args: Sequence[Any], kwargs: dict) -> tuple[Graph, list]:
        """The graph for these arguments, and the input values bound to its inputs in order."""
        if isinstance(self.f, Graph):
            if self.argnums is not None and any(isinstance(a, (dict, list, tuple)) for a in args):
                raise InputError(
                    f"argnums on the Graph {self.f.name!r} counts its inputs, the leaves {self.f.inputs}, not "
                    "the pytrees it was traced from: differentiate the function itself, or pass the leaves"
                )
            return self.f, self.f.bind(args, kwargs)
        inputs, names, call, fixed, positions = _split_arguments(
            self.f, self.parameters, args, kwargs, self.argnums
        )
        captured = capture_key(self.f)
        if captured is UNCACHEABLE or captured != self.captured:
            self.graphs.clear()
            self.captured = captured
        fixed_key = value_key(fixed) if fixed else ()
        cacheable = captured is not UNCACHEABLE and fixed_key is not UNCACHEABLE
        leaves, trees = _leaves(inputs)
        key = (tuple(np.shape(x) for x in leaves), fixed_key)
        if trees is not None:  # pytrees: their structure is part of the key
            key += (trees,)
        graph = self.graphs.get(key) if cacheable else None
        if graph is None and len(self.graphs) >= _MOST_GRAPHS:  # fixed values that change every call
            self.graphs.clear()
        if graph is None:
            graph = trace(call, *inputs, name=_fname(self.f), names=names)
            if any(_fixed(v, False) for v in fixed.values()):  # data among the arguments
                graph._pytrees = graph._pytrees._replace(positions=tuple(positions), n_args=len(args))
            if cacheable:
                self.graphs[key] = graph
                # what the next call must find: tracing may change what f captures (a call counter)
                self.captured = capture_key(self.f)
        return graph, graph.bind(leaves)

    def packing(self, graph: Graph) -> Packing:
        """How a call's arguments and results map to ``graph``'s inputs and outputs: a Graph's own, or the trace's."""
        return packing_of(graph, as_traced=not isinstance(self.f, Graph))

    def hot_graph(self, n_args: int) -> Graph | None:
        """The graph a call with ``n_args`` scalars and nothing else would use, if it is traced and current."""
        if isinstance(self.f, Graph):
            return self.f
        graph = self.graphs.get((((),) * n_args, ()))
        if graph is None:
            return None
        captured = capture_key(self.f)
        return graph if captured is not UNCACHEABLE and captured == self.captured else None


_MOST_GRAPHS = 16  # traces kept per function: fixed values that change on every call trace anew


def _leaves(args: Sequence[Any]) -> tuple[list, tuple[Tree, ...] | None]:
    """The leaves of the arguments in order, and each argument's tree (None when every one is a leaf)."""
    if not any(type(x) in _CONTAINERS or isinstance(x, (tuple, dict)) for x in args):
        return list(args), None
    leaves: list = []
    trees = []
    for x in args:
        found, tree = flatten(x)
        leaves += found
        trees.append(tree)
    return leaves, tuple(trees)


_CONTAINERS = (tuple, list, dict, type(None))


def _parameters(f: Callable[..., Any]) -> list[inspect.Parameter] | None:
    """``f``'s parameters, or ``None`` when Python cannot say (then every argument is an input)."""
    try:
        return list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None


def _fname(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)


class _InputAt(NamedTuple):
    """An input passed to the traced function by name: the position of its value among the inputs."""

    index: int


_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)


def _fixed(value: Any, differentiated: bool) -> bool:
    """Whether an argument is a fixed value of the trace rather than an input.

    Always: integer and boolean arrays (labels, indices), strings, bytes and bools. And
    for an argument that is not differentiated (outside ``argnums``): an int, anything
    that is not a number or an array of floats (a mode, an object), and a pytree holding
    such a leaf (a batch with its labels). An argument of floats stays an input even
    there, so that new data of the same shapes needs no new trace.
    """
    if is_data(value) or isinstance(value, (str, bytes, bool, np.bool_)):
        return True
    if differentiated or isinstance(value, (float, np.floating, Box)):
        return False
    if type(value) is np.ndarray:
        return value.dtype.kind not in "f"
    if isinstance(value, (int, np.integer)):
        return True
    if isinstance(value, (tuple, list, dict)):
        leaves = value.values() if isinstance(value, dict) else value
        return any(_fixed(leaf, False) for leaf in leaves if leaf is not None)
    return True  # an object graphdiff cannot trace: passed as it is


def _differentiated(argnums: Any, n_args: int) -> Callable[[int], bool]:
    """Whether the positional argument at a position is among ``argnums`` (None: all)."""
    if argnums is None:
        return lambda k: True
    picked = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    try:
        positions = {int(k) % n_args if n_args else int(k) for k in picked}
    except (TypeError, ValueError):  # a malformed argnums: said by name where it is checked
        return lambda k: True
    return lambda k: k in positions


def _split_arguments(
    f: Callable[..., Any], parameters: list | None, args: Sequence[Any], kwargs: dict, argnums: Any = None
) -> tuple[list, list[str], Callable[..., Any], dict, list[int]]:
    """Sort a call's arguments into inputs (traced) and fixed values, by ``f``'s signature.

    Returns the input values in order, their names, a function of the inputs alone that
    calls ``f`` with the fixed values in place, the fixed values by parameter name, and
    each input's position among the positional parameters (what ``argnums`` counts).
    Arguments outside ``argnums`` may be fixed values (see :func:`_fixed`).
    """
    differentiated = _differentiated(argnums, len(args))
    if parameters is None:
        if kwargs:
            raise UnknownInputError(f"cannot read the parameters of {_fname(f)}: pass its inputs by position")
        return list(args), [f"x{k}" for k in range(len(args))], f, {}, list(range(len(args)))
    kwargs = dict(kwargs)
    if not any(p.kind is _P.VAR_KEYWORD for p in parameters):
        known = {p.name for p in parameters if p.kind is not _P.POSITIONAL_ONLY}
        for name in kwargs:
            if name not in known:
                raise UnknownInputError(
                    f"{_fname(f)} has no parameter {name!r}; its parameters are {sorted(known)}"
                )
    inputs: list[Any] = []
    names: list[str] = []
    plan: list[
        tuple[bool, Any]
    ] = []  # per positional argument: (True, its input's index) or (False, fixed value)
    fixed: dict[str, Any] = {}
    keywords: dict[str, Any] = {}  # fixed values passed by name
    positions: list[int] = []  # each input's position among f's positional parameters (argnums)
    position = 0
    for index, p in enumerate(parameters):
        if p.kind in _POSITIONAL:
            by_position = position < len(args)
            if by_position:
                value, position = args[position], position + 1
                static = _fixed(value, differentiated(position - 1))
                if p.name in kwargs and p.kind is not _P.POSITIONAL_ONLY:
                    raise InputError(f"{_fname(f)} got two values for {p.name!r}")
            elif p.name in kwargs and p.kind is not _P.POSITIONAL_ONLY:
                value = kwargs.pop(p.name)
                static = _fixed(value, True)
            elif p.default is not _P.empty:
                continue  # its default stands
            else:
                raise MissingInputError(f"{_fname(f)} needs a value for its input {p.name!r}")
            if p.default is _P.empty and not static:
                if by_position:
                    plan.append((True, len(inputs)))
                else:  # an input given by name: every later argument is passed by name
                    keywords[p.name] = _InputAt(len(inputs))
                positions.append(index)
                inputs.append(value)
                names.append(p.name)
            elif by_position:
                plan.append((False, value))
                fixed[p.name] = value
            else:
                keywords[p.name] = fixed[p.name] = value
        elif p.kind is _P.VAR_POSITIONAL:
            for k, value in enumerate(args[position:]):
                if _fixed(value, differentiated(position + k)):
                    plan.append((False, value))
                    fixed[f"*{p.name}[{k}]"] = value
                    continue
                plan.append((True, len(inputs)))
                positions.append(index + k)
                names.append(f"x{len(inputs)}")
                inputs.append(value)
            position = len(args)
        elif p.kind is _P.KEYWORD_ONLY:
            if p.name in kwargs:
                keywords[p.name] = fixed[p.name] = kwargs.pop(p.name)
            elif p.default is _P.empty:
                raise MissingInputError(
                    f"{_fname(f)} needs a value for its keyword-only parameter {p.name!r}"
                )
    if position < len(args):
        raise ExtraInputError(f"{_fname(f)} takes {position} positional argument(s), got {len(args)}")
    if kwargs:
        if not any(p.kind is _P.VAR_KEYWORD for p in parameters):
            raise UnknownInputError(f"{_fname(f)} has no parameter {next(iter(kwargs))!r}")
        keywords.update(kwargs)
        fixed.update(kwargs)
    if not names:
        raise InputError(f"{_fname(f)} is given no inputs to differentiate by")
    if not fixed and not keywords:
        return inputs, names, f, fixed, positions

    def call(*xs: Any) -> Any:
        by_name = {k: xs[v.index] if type(v) is _InputAt else v for k, v in keywords.items()}
        return f(*[xs[v] if is_input else v for is_input, v in plan], **by_name)

    call.__name__ = _fname(f)
    if getattr(f, "_graphdiff_aux_", False):
        call._graphdiff_aux_ = True  # type: ignore[attr-defined]
    return inputs, names, call, fixed, positions


def _hot(
    traced: _Traced,
    args: tuple,
    kwargs: dict,
    kind: str,
    extra: Sequence | None = None,
    outputs: int | None = None,
) -> tuple | None:
    """Run the graph's generated ``kind`` function on ``args``, then ``extra``, if they can skip binding.

    ``outputs``: run only if the graph has that many. Returns ``None`` when the call
    must go the ordinary way: not generated yet, not floats, or an arithmetic error.
    """
    if kwargs:
        return None
    graph = traced.hot_graph(len(args))
    if graph is None or not _plain(traced.packing(graph)):
        return None
    program = graph._program
    if program is None or (outputs is not None and len(program.output_slots) != outputs):
        return None
    return run_hot(program, kind, args, extra)


def _plain(packing: Packing) -> bool:
    """Every argument a leaf, the result one value or a tuple of several: what generated code returns."""
    result = packing.result
    return packing.is_flat and (result.is_leaf or len(result.children) > 1)


def _prepare(traced: _Traced, args: tuple, kwargs: dict) -> tuple[Graph, list, Packing]:
    """The graph for this call, its input values (the leaves of the arguments) and how they group."""
    graph, leaves = traced.graph(args, kwargs)
    return graph, leaves, traced.packing(graph)


def _argnums(argnums: int | Sequence[int] | None, n_inputs: int, name: str) -> tuple[int, ...] | None:
    """``argnums`` checked against ``n_inputs``, as a tuple of positions; None means every input."""
    if argnums is None:
        return None
    positions = tuple(argnums) if isinstance(argnums, (tuple, list)) else (argnums,)
    for k in positions:
        if (
            isinstance(k, (bool, np.bool_))
            or not isinstance(k, (int, np.integer))
            or not -n_inputs <= k < n_inputs
        ):
            raise InputError(f"argnums of {name}: {k!r} is not the position of one of its {n_inputs} inputs")
    return tuple(int(k) % n_inputs for k in positions)


def _picked_leaves(
    argnums: Any, packing: Packing, name: str
) -> tuple[tuple[int, ...] | None, list[int] | None]:
    """The arguments ``argnums`` names (None: all), and the positions of their leaves among the inputs."""
    if packing.positions is not None and argnums is not None:  # integer data: count the call's arguments
        argnums = _inputs_named(argnums, packing.positions, packing.n_args, name)
    pick = _argnums(argnums, len(packing.args), name)
    if pick is None:
        return None, None
    ranges = packing.leaf_ranges()
    return pick, [i for k in pick for i in ranges[k]]


def _inputs_named(argnums: Any, positions: tuple[int, ...], n_args: int | None, name: str) -> Any:
    """``argnums``, positions among the call's ``n_args`` arguments, as positions among the inputs (data skipped)."""
    one = not isinstance(argnums, (tuple, list))
    found = []
    for k in (argnums,) if one else argnums:
        is_position = isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))
        if is_position and k < 0 and n_args is not None and k >= -n_args:
            k = int(k) + n_args  # counted from the last argument, data included, as JAX counts
        is_position = is_position and k >= 0
        if is_position and k not in positions:
            raise InputError(
                f"argnums of {name}: argument {k} is not differentiable (integer data, or past the last argument)"
            )
        found.append(positions.index(k) if is_position and k in positions else k)
    return found[0] if one else tuple(found)


def _restricted_to(
    argnums: Any, program: Any, packing: Packing, name: str
) -> tuple[Any, tuple[int, ...] | None]:
    """``program`` differentiated by the arguments ``argnums`` names only, and their positions (None: all)."""
    pick, leaves = _picked_leaves(argnums, packing, name)
    if pick is None:
        return program, None
    return restricted(program, frozenset(program.input_slots[i] for i in leaves)), pick


def _grouped(packing: Packing, per_leaf: Sequence[Any]) -> tuple:
    """One value per leaf regrouped as the arguments were: a tuple with one entry per argument."""
    if all(t.is_leaf for t in packing.args):
        return tuple(per_leaf)
    return tuple(
        unflatten(t, per_leaf[r.start : r.stop]) for t, r in zip(packing.args, packing.leaf_ranges())
    )


def _picked(grads: tuple, argnums: Any, pick: tuple[int, ...] | None) -> Any:
    """The gradients ``argnums`` asks for, as JAX returns them: one for an int, a tuple for a tuple."""
    if pick is None:
        return grads
    return tuple(grads[k] for k in pick) if isinstance(argnums, (tuple, list)) else grads[pick[0]]


def _result(packing: Packing, outputs: Sequence[Any]) -> Any:
    """The outputs' values in the structure the function returned them."""
    return unflatten(packing.result, outputs)


def _reverse_gradient(
    f: Differentiable, with_value: bool, argnums: Any = None, has_aux: bool = False
) -> Callable[..., Any]:
    """The function behind :func:`grad` and :func:`value_and_grad`: one reverse sweep.

    With ``has_aux`` the function returns ``(value, aux)``: its graph's first output is the
    value, and the others, the leaves of ``aux``, are evaluated and returned as they are.
    """
    if has_aux and isinstance(f, Graph):
        raise InputError("has_aux needs a function returning (value, aux), not a Graph")
    traced = _Traced(_checked_aux(f) if has_aux else f, argnums)
    kind = "vjp" if with_value else "grad"  # a gradient alone skips what only the value needs

    def unpack(result: tuple, packing: Packing | None, pick: tuple[int, ...] | None = None) -> Any:
        grads = result[1] if with_value else result
        grads = _picked(grads if packing is None else _grouped(packing, grads), argnums, pick)
        return (result[0][0], grads) if with_value else grads

    hot = _Hot()  # the last array graph's prepared gradient

    def _swept(swept: Callable[[list], list], inputs: list, packing: Packing, pick: Any) -> Any:
        results = [None if x is None else as_output(x) for x in swept(inputs)]
        return unpack(((results[0],), results[1:]) if with_value else results, packing, pick)

    def gradient_f(*args: Any, **kwargs: Any) -> Any:
        if argnums is None and not has_aux:  # every input: the program as it is, and its hot path
            compiled = _hot(traced, args, kwargs, kind, [1.0], outputs=1)  # gd.vjp makes "vjp" code too
            if compiled is not None:
                return unpack(compiled, None)
        graph, inputs, packing = _prepare(traced, args, kwargs)
        if hot.graph is graph and not _any_boxed(inputs):  # arrays, called often: straight to it
            return _swept(hot.swept, inputs, packing, hot.pick)
        program = graph.program
        if not has_aux and len(program.output_slots) != 1:
            raise NotScalarError(f"grad needs one output; {graph.name} has {graph.outputs}: use jacrev")
        out = program.output_slots[0]
        if program.shapes[out] != () or (has_aux and not packing.result.children[0].is_leaf):
            what = f"{graph.outputs[0]!r} has shape {program.shapes[out]}"
            raise NotScalarError(f"grad needs a scalar output; {what}: use jacrev or vjp")
        program, pick = _restricted_to(argnums, program, packing, graph.name)
        boxed = _any_boxed(inputs)  # called inside a trace: the sweep records (nesting)
        if has_aux:
            values = evaluate(program, inputs, boxed=boxed)
            adjoints = reverse_sweep(program, values, {out: np.float64(1.0)})
            grads = _picked(_grouped(packing, _per_input(program, adjoints)), argnums, pick)
            value, aux = _result(packing, [as_output(values[s]) for s in program.output_slots])
            return ((value, aux), grads) if with_value else (grads, aux)
        compiled = None if boxed else _run(fast(program, kind), inputs, [1.0])
        if compiled is not None:
            return unpack(compiled, packing, pick)
        swept = None if boxed or all_scalar(program) else prepared_gradient(program, with_value, inputs)
        if swept is not None:  # arrays, called often: the simplified gradient graph, as jit runs it
            hot.graph, hot.swept, hot.pick = graph, swept, pick  # found at once by the next call with graph
            return _swept(swept, inputs, packing, pick)
        started = time.perf_counter()
        values = evaluate(program, inputs, boxed=boxed)
        adjoints = reverse_sweep(program, values, {out: np.float64(1.0)})
        grads = _per_input(program, adjoints)
        if not boxed:
            interpreted(program, kind, started)
        return unpack(((as_output(values[out]),), grads) if with_value else grads, packing, pick)

    return gradient_f


class _Hot:
    """A gradient's last array graph, its prepared gradient and the arguments argnums picks.

    A cache, not a capture: what it holds never changes what the gradient computes (the
    graph it answers for is checked by identity), so a function closing over the
    gradient is read without it (:mod:`graphdiff.graph.captures`).
    """

    _graphdiff_identity_ = True

    def __init__(self) -> None:
        self.graph: Graph | None = None
        self.swept: Callable[[list], list] | None = None
        self.pick: tuple[int, ...] | None = None


def _computed(x: Any) -> bool:
    """Whether an aux leaf is a value of the computation (traced, or a float or array of floats)
    rather than something given back as it is (a string, a flag, an integer, an array of labels, an object)."""
    if isinstance(x, Box):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, (float, np.floating))


def _checked_aux(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f``, refusing by name a result that is not the pair ``(value, aux)`` that has_aux promises;
    aux's leaves that are not values of the computation are kept as they are (:class:`Static`)."""

    @functools.wraps(f)
    def pair(*args: Any, **kwargs: Any) -> tuple:
        result = f(*args, **kwargs)
        if not isinstance(result, tuple) or len(result) != 2:
            raise InputError(
                f"with has_aux, {_fname(f)} must return a pair (value, aux), got {type(result).__name__}"
            )
        value, aux = result
        leaves, tree = flatten(aux)
        return value, unflatten(tree, [x if _computed(x) else Static(x) for x in leaves])

    pair._graphdiff_aux_ = True  # type: ignore[attr-defined]  # the trace lets aux hold None, as JAX does
    return pair


def value_and_grad(
    f: Differentiable, argnums: Any = None, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, but return ``(value, gradient)`` from the same evaluation.

    With ``has_aux``, ``((value, aux), gradient)``, as in JAX.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.value_and_grad(lambda a, b: (a + b) * (b + 1))(2.0, 1.0)
    (6.0, (2.0, 5.0))
    >>> gd.value_and_grad(lambda a, b: (a + b) * (b + 1), argnums=1)(2.0, 1.0)
    (6.0, 5.0)
    """
    return _reverse_gradient(f, with_value=True, argnums=argnums, has_aux=has_aux)


def grad(f: Differentiable, argnums: Any = None, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar function by one reverse sweep.

    Returns a function that takes the inputs (positionally or by name) and returns a
    tuple with one entry per input, shaped like that input. An input may be a pytree
    (nested dicts, lists and tuples of numbers and arrays, as in JAX): its gradient comes
    back in the same structure.

    ``argnums`` (JAX's convention): an int returns the gradient by that input alone, a
    tuple of ints a tuple. The other inputs are data: nothing is computed for them, so
    passing a batch as an argument costs what closing over it does. (Without
    ``argnums`` graphdiff differentiates by every input, where JAX's default is 0.)
    ``has_aux``: the function returns ``(value, aux)``; the result is ``(gradient, aux)``.

    Raises
    ------
    NotScalarError
        If the function has several outputs or a non-scalar output.

    Examples
    --------
    >>> import numpy as np
    >>> import graphdiff as gd
    >>> gd.grad(gd.builders.colah())(2.0, 1.0)
    (2.0, 5.0)
    >>> gd.grad(lambda x: gd.sum(x * x))(np.array([1.0, 2.0]))
    (array([2., 4.]),)
    >>> gd.grad(lambda w, x: gd.sin(x) * w, argnums=0)(2.0, 0.5) == gd.sin(0.5)
    True
    >>> gd.grad(lambda p: p["w"] * p["b"], argnums=0)({"w": 3.0, "b": 2.0})
    {'b': 3.0, 'w': 2.0}
    >>> gd.grad(lambda x: (x * x, x + 1.0), has_aux=True)(3.0)
    ((6.0,), 4.0)
    """
    return _reverse_gradient(f, with_value=False, argnums=argnums, has_aux=has_aux)


def _primals(traced: _Traced, primals: Any) -> tuple:
    """``primals`` as a tuple of one value per argument; an array stands for its elements, one
    per scalar argument, and one given for a single array argument is refused saying so."""
    values = tuple(_sequence(primals, "primals"))
    parameters = traced.parameters  # read once per function (None for a Graph, or unreadable)
    if isinstance(primals, np.ndarray) and parameters is not None:
        positional = [p for p in parameters if p.kind in _POSITIONAL]
        fewest = sum(1 for p in positional if p.default is _P.empty)
        most = None if any(p.kind is _P.VAR_POSITIONAL for p in parameters) else len(positional)
        if len(values) < fewest or (most is not None and len(values) > most):
            raise (ExtraInputError if len(values) > fewest else MissingInputError)(
                f"primals is one array of shape {primals.shape}, read as {len(values)} arguments, but "
                f"{_fname(traced.f)} takes {fewest if fewest == most else f'{fewest} to {most}'}: pass a "
                "tuple of the arguments, (x,) for one array x (graphdiff's jvp and vjp take the primals as "
                "one tuple; JAX's vjp takes them as *primals)"
            )
    return values


def _sequence(values: Any, what: str) -> Any:
    """``values`` as a sequence of one value per input (a float64 vector as Python floats); refuses a non-sequence."""
    values = _unpacked(values)
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise InputError(
            f"{what} must be a sequence (a tuple or list) with one value per input, got {values!r}"
        )
    return values


def _unpacked(values: Any) -> Any:
    """A float64 vector as a list of Python floats (exact, at C speed); anything else as it is."""
    if type(values) is np.ndarray and values.dtype == np.float64 and values.ndim == 1:
        return values.tolist()
    return values


def _float_cotangents(cotangent: Any) -> Sequence[float] | None:
    """One float per output, if that is what ``cotangent`` is: what the hot path of vjp takes."""
    if type(cotangent) is float:
        return (cotangent,)
    y_bars = _unpacked(cotangent)
    # a float64 vector's list holds floats already; anything else is checked
    floats = y_bars is not cotangent or (type(y_bars) in (list, tuple) and all_floats(y_bars))
    # [x] is no cotangent for one scalar output: the ordinary path says so
    return y_bars if floats and len(y_bars) > 1 else None


def jvp(f: Differentiable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Outputs and their tangents along ``tangents``, by one forward sweep.

    ``primals`` and ``tangents`` hold one value per input, as in JAX; a tangent has its
    primal's structure, and a ``None`` in place of a tangent (or of any part of one) is a
    structural zero. Returns ``(outputs, output_tangents)``, each in the structure the
    function returns.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.jvp(gd.builders.colah(), (2.0, 1.0), (0.0, 1.0))
    (6.0, 5.0)
    """
    traced = _Traced(f)
    primals = _primals(traced, primals)
    tangents = _sequence(tangents, "tangents")
    if type(tangents) in (list, tuple) and len(tangents) == len(primals) and all_floats(tangents):
        compiled = _hot(traced, primals, {}, "jvp", tangents)
        if compiled is not None:
            return _one_or_all(compiled[0]), _one_or_all(
                tuple([0.0 if t is None else t for t in compiled[1]])
            )
    graph, inputs, packing = _prepare(traced, primals, {})
    program = graph.program
    if packing.positions is not None and len(tangents) == packing.n_args != len(packing.args):
        tangents = _without_data(tangents, packing.positions, graph.name)
    if len(tangents) != len(packing.args):
        data = (
            ""
            if packing.positions is None
            else f" (integer data among the primals take no tangent: {packing.n_args} primals)"
        )
        raise InputError(f"{graph.name} has {len(packing.args)} inputs{data}, got {len(tangents)} tangents")
    x_dots = flatten_up_to(Tree(tuple, (), packing.args), tuple(tangents), "tangents")
    seeds = {}
    for name, slot, x, x_dot in zip(graph.inputs, program.input_slots, inputs, x_dots):
        if x_dot is not None:
            seeds[slot] = _shaped(x_dot, np.shape(x), f"tangent for input {name!r}")
    # a None tangent is a structural zero, which the interpreter never multiplies; the
    # generated code takes a number for every input, so it serves only calls without None
    boxed = _any_boxed(inputs) or _any_boxed(seeds.values())
    function = fast(program, "jvp") if len(seeds) == len(inputs) and not boxed else None  # None for arrays
    if function is not None:
        compiled = _run(function, inputs, [float(seeds[s]) for s in program.input_slots])
        if compiled is not None:
            out_dots = [0.0 if t is None else t for t in compiled[1]]
            return _result(packing, compiled[0]), _result(packing, out_dots)
    started = time.perf_counter()
    values, out_tangents = forward_sweep(program, inputs, seeds, boxed=boxed)
    if function is None and not boxed:
        interpreted(program, "jvp", started)
    out_dots = [as_output(_dense(out_tangents[s], program.shapes[s])) for s in program.output_slots]
    return _result(packing, [as_output(values[s]) for s in program.output_slots]), _result(packing, out_dots)


def _without_data(tangents: Sequence[Any], positions: tuple[int, ...], name: str) -> list:
    """One tangent per primal, data included, as the tangents of the inputs alone: a datum's must be None or zero."""
    kept = []
    for k, t in enumerate(tangents):
        if k in positions:
            kept.append(t)
        elif t is not None and not (isinstance(t, (int, float, np.ndarray)) and not np.any(t)):
            raise InputError(f"primal {k} of {name} is integer data: its tangent is None or zero, got {t!r}")
    return kept


_PULLBACK = object()  # vjp called without a cotangent: return the pullback, as JAX does


def vjp(f: Differentiable, primals: Sequence[Any], cotangent: Any = _PULLBACK) -> tuple[Any, Any]:
    """Outputs and the cotangent pulled back to every input, by one reverse sweep.

    ``cotangent`` has the structure of the outputs: one value for a single output, else
    one per output. Returns ``(outputs, input_cotangents)``, with one entry per input.

    Without ``cotangent``, returns ``(outputs, vjp_fn)`` as JAX does: ``vjp_fn(y_bar)``
    runs one reverse sweep over the evaluation already done, so pulling back several
    cotangents evaluates once. (JAX spells the call ``vjp(f, *primals)``; graphdiff takes
    the primals as one tuple, as ``jvp`` does, so that a cotangent can follow them.)

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.vjp(gd.builders.colah(), (2.0, 1.0), 1.0)
    (6.0, (2.0, 5.0))
    >>> e, vjp_fn = gd.vjp(gd.builders.colah(), (2.0, 1.0))
    >>> e, vjp_fn(1.0), vjp_fn(2.0)
    (6.0, (2.0, 5.0), (4.0, 10.0))
    """
    traced = _Traced(f)
    primals = _primals(traced, primals)
    if cotangent is _PULLBACK:
        return _pullback(traced, primals)
    y_bars = _float_cotangents(cotangent)
    if y_bars is not None:
        compiled = _hot(traced, primals, {}, "vjp", y_bars, outputs=len(y_bars))
        if compiled is not None:
            return _one_or_all(compiled[0]), compiled[1]
    graph, inputs, packing = _prepare(traced, primals, {})
    program = graph.program
    y_bars = _cotangents(graph, packing, cotangent)
    boxed = _any_boxed(inputs) or _any_boxed(y_bars)
    function = None if boxed else fast(program, "vjp")  # generated code exists only for all-scalar graphs
    compiled = None if function is None else _run(function, inputs, [float(y) for y in y_bars])
    if compiled is not None:
        return _result(packing, compiled[0]), _grouped(packing, compiled[1])
    started = time.perf_counter()
    values = evaluate(program, inputs, boxed=boxed)
    adjoints = reverse_sweep(program, values, output_seeds(program, enumerate(y_bars)))
    if not boxed:
        interpreted(program, "vjp", started)
    outputs = [as_output(values[s]) for s in program.output_slots]
    return _result(packing, outputs), _grouped(packing, _per_input(program, adjoints))


def _cotangents(graph: Graph, packing: Packing, cotangent: Any) -> list:
    """One cotangent per output, read in the outputs' structure and checked against their shapes."""
    outs = graph.program.output_slots
    if packing.result.kind is tuple and isinstance(cotangent, np.ndarray) and cotangent.ndim == 1:
        cotangent = list(cotangent)  # one number per scalar output, as a vector
    if packing.result.is_leaf:
        cotangents = [cotangent]
    elif isinstance(cotangent, (Sequence, dict)) and not isinstance(cotangent, (str, bytes)):
        if packing.result.is_flat and len(cotangent) != len(outs):
            raise InputError(f"{graph.name} has {len(outs)} outputs, got {len(cotangent)} cotangents")
        cotangents = flatten_up_to(packing.result, cotangent, f"cotangent of {graph.name}")
    elif packing.result.is_flat:
        raise InputError(
            f"{graph.name} has {len(outs)} outputs {graph.outputs}: pass one cotangent per output, got {cotangent!r}"
        )
    else:
        cotangents = flatten_up_to(packing.result, cotangent, f"cotangent of {graph.name}")
    for name, y_bar in zip(graph.outputs, cotangents):
        # seed_cotangent reads None as 1, gd.reverse's default; a vjp is given its cotangent
        if y_bar is None:
            raise InputError(
                f"cotangent for output {name!r} of {graph.name} is None: pass a number or an array"
            )
    return [
        seed_cotangent(graph.program.shapes[s], y_bar, name)
        for name, s, y_bar in zip(graph.outputs, outs, cotangents)
    ]


def _pullback(traced: _Traced, primals: tuple) -> tuple[Any, Callable[[Any], tuple]]:
    """``vjp(f, primals)``: the outputs, and a function that pulls a cotangent back over that evaluation."""
    graph, inputs, packing = _prepare(traced, primals, {})
    program = graph.program
    boxed = _any_boxed(inputs)
    values = evaluate(program, inputs, boxed=boxed)

    def vjp_fn(cotangent: Any) -> tuple:
        y_bars = _cotangents(graph, packing, cotangent)
        adjoints = reverse_sweep(program, values, output_seeds(program, enumerate(y_bars)))
        return _grouped(packing, _per_input(program, adjoints))

    return _result(packing, [as_output(values[s]) for s in program.output_slots]), vjp_fn


def _one_or_all(values: tuple) -> Any:
    return values[0] if len(values) == 1 else values


# --- helpers ----------------------------------------------------------------------------


def _dense(value: Any, shape: tuple[int, ...]) -> Any:
    if value is None:
        return np.float64(0.0) if shape == () else np.zeros(shape)
    return value if isinstance(value, Box) else np.asarray(value)


def _any_boxed(values: Any) -> bool:
    """Whether any value is a tracer or a dual: the call is nested inside another transformation."""
    return any(isinstance(v, Box) for v in values)


def _shaped(value: Any, shape: tuple[int, ...], what: str) -> Any:
    if isinstance(value, Box):
        if value.shape != shape:
            raise ShapeError(f"{what} has shape {value.shape}, expected {shape}")
        return value
    array = np.asarray(as_value(value, what))
    if array.shape != shape:
        raise ShapeError(f"{what} has shape {array.shape}, expected {shape}")
    return np.float64(array) if array.ndim == 0 else array


def _per_input(program: Any, adjoints: list) -> tuple:
    return tuple(as_output(_dense(adjoints[s], program.shapes[s])) for s in program.input_slots)
