"""The user-facing transformations, named as in JAX: grad, jvp, vjp, jacfwd, jacrev.

Each takes a :class:`Graph` or a plain Python function (traced on first use, once per
combination of argument shapes) and is a thin layer over the sweeps.
"""

from __future__ import annotations

import functools
import inspect
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from graphdiff.compiler.codegen import all_floats, fast, interpreted, run_hot
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
from graphdiff.graph.tracer import trace
from graphdiff.ir.program import one_hot, restricted
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward_sweep
from graphdiff.modes.reverse import reverse_sweep, seed_cotangent
from graphdiff.primitives.boxing import Box
from graphdiff.values import as_output, as_value

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev"]

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

    def __init__(self, f: Differentiable) -> None:
        if not isinstance(f, Graph) and not callable(f):
            raise InputError(f"expected a Graph or a function to differentiate, got {f!r}")
        self.f = f
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
            return self.f, self.f.bind(args, kwargs)
        inputs, names, call, fixed = _split_arguments(self.f, self.parameters, args, kwargs)
        captured = capture_key(self.f)
        if captured is UNCACHEABLE or captured != self.captured:
            self.graphs.clear()
            self.captured = captured
        fixed_key = value_key(fixed) if fixed else ()
        cacheable = captured is not UNCACHEABLE and fixed_key is not UNCACHEABLE
        key = (tuple(np.shape(x) for x in inputs), fixed_key)
        graph = self.graphs.get(key) if cacheable else None
        if graph is None:
            graph = trace(call, *inputs, name=_fname(self.f), names=names)
            if cacheable:
                self.graphs[key] = graph
                # what the next call must find: tracing may change what f captures (a call counter)
                self.captured = capture_key(self.f)
        return graph, graph.bind(inputs)

    def hot_graph(self, n_args: int) -> Graph | None:
        """The graph a call with ``n_args`` scalars and nothing else would use, if it is traced and current."""
        if isinstance(self.f, Graph):
            return self.f
        graph = self.graphs.get((((),) * n_args, ()))
        if graph is None:
            return None
        captured = capture_key(self.f)
        return graph if captured is not UNCACHEABLE and captured == self.captured else None


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


def _split_arguments(
    f: Callable[..., Any], parameters: list | None, args: Sequence[Any], kwargs: dict
) -> tuple[list, list[str], Callable[..., Any], dict]:
    """Sort a call's arguments into inputs (traced) and fixed values, by ``f``'s signature.

    Returns the input values in order, their names, a function of the inputs alone that
    calls ``f`` with the fixed values in place, and the fixed values by parameter name.
    """
    if parameters is None:
        if kwargs:
            raise UnknownInputError(f"cannot read the parameters of {_fname(f)}: pass its inputs by position")
        return list(args), [f"x{k}" for k in range(len(args))], f, {}
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
    position = 0
    for p in parameters:
        if p.kind in _POSITIONAL:
            by_position = position < len(args)
            if by_position:
                value, position = args[position], position + 1
                if p.name in kwargs and p.kind is not _P.POSITIONAL_ONLY:
                    raise InputError(f"{_fname(f)} got two values for {p.name!r}")
            elif p.name in kwargs and p.kind is not _P.POSITIONAL_ONLY:
                value = kwargs.pop(p.name)
            elif p.default is not _P.empty:
                continue  # its default stands
            else:
                raise MissingInputError(f"{_fname(f)} needs a value for its input {p.name!r}")
            if p.default is _P.empty:
                if by_position:
                    plan.append((True, len(inputs)))
                else:  # an input given by name: every later argument is passed by name
                    keywords[p.name] = _InputAt(len(inputs))
                inputs.append(value)
                names.append(p.name)
            elif by_position:
                plan.append((False, value))
                fixed[p.name] = value
            else:
                keywords[p.name] = fixed[p.name] = value
        elif p.kind is _P.VAR_POSITIONAL:
            for value in args[position:]:
                plan.append((True, len(inputs)))
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
        return inputs, names, f, fixed

    def call(*xs: Any) -> Any:
        by_name = {k: xs[v.index] if type(v) is _InputAt else v for k, v in keywords.items()}
        return f(*[xs[v] if is_input else v for is_input, v in plan], **by_name)

    call.__name__ = _fname(f)
    return inputs, names, call, fixed


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
    program = None if graph is None else graph._program
    if program is None or (outputs is not None and len(program.output_slots) != outputs):
        return None
    return run_hot(program, kind, args, extra)


def _prepare(traced: _Traced, args: tuple, kwargs: dict) -> tuple[Graph, list]:
    return traced.graph(args, kwargs)


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


def _restricted_to(
    argnums: Any, program: Any, n_inputs: int, name: str
) -> tuple[Any, tuple[int, ...] | None]:
    """``program`` differentiated by the inputs ``argnums`` names only, and their positions (None: all)."""
    pick = _argnums(argnums, n_inputs, name)
    if pick is None:
        return program, None
    return restricted(program, frozenset(program.input_slots[k] for k in pick)), pick


def _picked(grads: tuple, argnums: Any, pick: tuple[int, ...] | None) -> Any:
    """The gradients ``argnums`` asks for, as JAX returns them: one for an int, a tuple for a tuple."""
    if pick is None:
        return grads
    return tuple(grads[k] for k in pick) if isinstance(argnums, (tuple, list)) else grads[pick[0]]


def _reverse_gradient(
    f: Differentiable, with_value: bool, argnums: Any = None, has_aux: bool = False
) -> Callable[..., Any]:
    """The function behind :func:`grad` and :func:`value_and_grad`: one reverse sweep."""
    if has_aux:
        return _gradient_with_aux(f, with_value, argnums)
    traced = _Traced(f)
    kind = "vjp" if with_value else "grad"  # a gradient alone skips what only the value needs

    def unpack(result: tuple, pick: tuple[int, ...] | None = None) -> Any:
        grads = _picked(result[1] if with_value else result, argnums, pick)
        return (result[0][0], grads) if with_value else grads

    def gradient_f(*args: Any, **kwargs: Any) -> Any:
        if argnums is None:  # every input: the program as it is, and its hot path
            compiled = _hot(traced, args, kwargs, kind, [1.0], outputs=1)  # gd.vjp makes "vjp" code too
            if compiled is not None:
                return unpack(compiled)
        graph, inputs = _prepare(traced, args, kwargs)
        program = graph.program
        if len(program.output_slots) != 1:
            raise NotScalarError(f"grad needs one output; {graph.name} has {graph.outputs}: use jacrev")
        out = program.output_slots[0]
        if program.shapes[out] != ():
            raise NotScalarError(
                f"grad needs a scalar output; {graph.outputs[0]!r} has shape {program.shapes[out]}: use jacrev or vjp"
            )
        program, pick = _restricted_to(argnums, program, len(inputs), graph.name)
        boxed = _any_boxed(inputs)  # called inside a trace: the sweep records (nesting)
        compiled = None if boxed else _run(fast(program, kind), inputs, [1.0])
        if compiled is not None:
            return unpack(compiled, pick)
        started = time.perf_counter()
        values = evaluate(program, inputs, boxed=boxed)
        adjoints = reverse_sweep(program, values, {out: np.float64(1.0)})
        grads = _per_input(program, adjoints)
        if not boxed:
            interpreted(program, kind, started)
        return unpack(((as_output(values[out]),), grads) if with_value else grads, pick)

    return gradient_f


def _gradient_with_aux(f: Differentiable, with_value: bool, argnums: Any) -> Callable[..., Any]:
    """``grad(f, has_aux=True)``: f returns ``(value, aux)``; the gradient is of the value alone.

    The auxiliary data (a number, an array, or a tuple of them) come back as f computed them.
    """
    if isinstance(f, Graph):
        raise InputError("has_aux needs a function returning (value, aux), not a Graph")
    packing: dict[str, Any] = {}

    def flat(*args: Any, **kwargs: Any) -> tuple:
        result = f(*args, **kwargs)
        if not isinstance(result, tuple) or len(result) != 2:
            raise InputError(
                f"with has_aux, {_fname(f)} must return a pair (value, aux), got {type(result).__name__}"
            )
        value, aux = result
        packing["last"] = isinstance(aux, tuple)  # this trace's layout: the graph it makes keeps it
        return (value, *aux) if isinstance(aux, tuple) else (value, aux)

    first_and_rest = _reverse_gradient_of_first(functools.wraps(f)(flat), argnums)

    def gradient_f(*args: Any, **kwargs: Any) -> Any:
        value, grads, aux, program = first_and_rest(*args, **kwargs)
        as_tuple = program.__dict__.setdefault("_aux_is_tuple", packing.pop("last", False))
        aux = tuple(aux) if as_tuple else aux[0]
        return ((value, aux), grads) if with_value else (grads, aux)

    return gradient_f


def _reverse_gradient_of_first(f: Callable[..., Any], argnums: Any) -> Callable[..., tuple]:
    """For a traced f with several outputs: (output 0, its gradient, the other outputs' values).

    Interpreted on every call (generated code serves gradients of all-scalar graphs without aux).
    """
    traced = _Traced(f)

    def run(*args: Any, **kwargs: Any) -> tuple:
        graph, inputs = _prepare(traced, args, kwargs)
        program = graph.program
        out = program.output_slots[0]
        if program.shapes[out] != ():
            raise NotScalarError(
                f"grad needs a scalar value; {graph.outputs[0]!r} has shape {program.shapes[out]}"
            )
        program, pick = _restricted_to(argnums, program, len(inputs), graph.name)
        boxed = _any_boxed(inputs)
        values = evaluate(program, inputs, boxed=boxed)
        adjoints = reverse_sweep(program, values, {out: np.float64(1.0)})
        grads = _picked(_per_input(program, adjoints), argnums, pick)
        aux = [as_output(values[s]) for s in program.output_slots[1:]]
        return as_output(values[out]), grads, aux, graph.program

    return run


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
    tuple with one entry per input, shaped like that input.

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
    >>> import graphdiff as gd
    >>> gd.grad(gd.builders.colah())(2.0, 1.0)
    (2.0, 5.0)
    >>> gd.grad(lambda x: gd.sum(x * x))([1.0, 2.0])
    (array([2., 4.]),)
    >>> gd.grad(lambda w, x: gd.sin(x) * w, argnums=0)(2.0, 0.5) == gd.sin(0.5)
    True
    >>> gd.grad(lambda x: (x * x, x + 1.0), has_aux=True)(3.0)
    ((6.0,), 4.0)
    """
    return _reverse_gradient(f, with_value=False, argnums=argnums, has_aux=has_aux)


def _jvp_result(outputs: tuple, out_dots: tuple) -> tuple[Any, Any]:
    """What generated jvp code returned, as jvp returns it: floats already, None a structural zero."""
    out_dots = tuple([0.0 if t is None else t for t in out_dots])
    return _one_or_all(outputs), _one_or_all(out_dots)


def _one_or_all(values: tuple) -> Any:
    return values[0] if len(values) == 1 else values


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


def _vjp_result(outputs: tuple, grads: tuple) -> tuple[Any, tuple]:
    return _one_or_all(outputs), grads


def jvp(f: Differentiable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Outputs and their tangents along ``tangents``, by one forward sweep.

    ``primals`` and ``tangents`` hold one value per input (a tangent may be ``None``:
    zero). Returns ``(outputs, output_tangents)``, each a value or a tuple of values.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.jvp(gd.builders.colah(), (2.0, 1.0), (0.0, 1.0))
    (6.0, 5.0)
    """
    traced = _Traced(f)
    primals = tuple(_sequence(primals, "primals"))
    tangents = _sequence(tangents, "tangents")
    if type(tangents) in (list, tuple) and len(tangents) == len(primals) and all_floats(tangents):
        compiled = _hot(traced, primals, {}, "jvp", tangents)
        if compiled is not None:
            return _jvp_result(*compiled)
    graph, inputs = _prepare(traced, primals, {})
    program = graph.program
    if len(tangents) != len(inputs):
        raise InputError(
            f"{graph.name} has {len(inputs)} inputs {graph.inputs}, got {len(tangents)} tangents"
        )
    seeds = {}
    for name, slot, x, x_dot in zip(graph.inputs, program.input_slots, inputs, tangents):
        if x_dot is not None:
            seeds[slot] = _shaped(x_dot, np.shape(x), f"tangent for input {name!r}")
    # a None tangent is a structural zero, which the interpreter never multiplies; the
    # generated code takes a number for every input, so it serves only calls without None
    boxed = _any_boxed(inputs) or _any_boxed(seeds.values())
    function = fast(program, "jvp") if len(seeds) == len(inputs) and not boxed else None  # None for arrays
    if function is not None:
        compiled = _run(function, inputs, [float(seeds[s]) for s in program.input_slots])
        if compiled is not None:
            return _jvp_result(*compiled)
    started = time.perf_counter()
    values, out_tangents = forward_sweep(program, inputs, seeds, boxed=boxed)
    if function is None and not boxed:
        interpreted(program, "jvp", started)
    out_dots = [
        np.zeros(program.shapes[s]) if out_tangents[s] is None else out_tangents[s]
        for s in program.output_slots
    ]
    return program.pack_outputs(values), _pack(out_dots)


def vjp(f: Differentiable, primals: Sequence[Any], cotangent: Any) -> tuple[Any, tuple]:
    """Outputs and the cotangent pulled back to every input, by one reverse sweep.

    ``cotangent`` is one value for a single-output function, else one per output.
    Returns ``(outputs, input_cotangents)`` with one entry per input.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.vjp(gd.builders.colah(), (2.0, 1.0), 1.0)
    (6.0, (2.0, 5.0))
    """
    traced, primals = _Traced(f), tuple(_sequence(primals, "primals"))
    y_bars = _float_cotangents(cotangent)
    if y_bars is not None:
        compiled = _hot(traced, primals, {}, "vjp", y_bars, outputs=len(y_bars))
        if compiled is not None:
            return _vjp_result(*compiled)
    graph, inputs = _prepare(traced, primals, {})
    program = graph.program
    outs = program.output_slots
    if len(outs) == 1:
        cotangents = [cotangent]
    elif isinstance(cotangent, (Sequence, np.ndarray)) and not isinstance(cotangent, (str, bytes)):
        cotangents = list(cotangent)
    else:
        raise InputError(
            f"{graph.name} has {len(outs)} outputs {graph.outputs}: pass one cotangent per output, got {cotangent!r}"
        )
    if len(cotangents) != len(outs):
        raise InputError(f"{graph.name} has {len(outs)} outputs, got {len(cotangents)} cotangents")
    y_bars = [
        seed_cotangent(program.shapes[s], y_bar, name)
        for name, s, y_bar in zip(graph.outputs, outs, cotangents)
    ]
    boxed = _any_boxed(inputs) or _any_boxed(y_bars)
    function = None if boxed else fast(program, "vjp")  # generated code exists only for all-scalar graphs
    compiled = None if function is None else _run(function, inputs, [float(y) for y in y_bars])
    if compiled is not None:
        return _vjp_result(*compiled)
    seeds: dict[int, Any] = {}
    for slot, y_bar in zip(outs, y_bars):
        seeds[slot] = y_bar if slot not in seeds else seeds[slot] + y_bar
    started = time.perf_counter()
    values = evaluate(program, inputs, boxed=boxed)
    adjoints = reverse_sweep(program, values, seeds)
    if not boxed:
        interpreted(program, "vjp", started)
    return program.pack_outputs(values), _per_input(program, adjoints)


def jacfwd(f: Differentiable) -> Callable[..., tuple]:
    """The Jacobian by forward mode: one sweep per input element.

    Once a scalar graph's code is generated (see :func:`graphdiff.jit`), one vector sweep
    carries every input direction instead; the numbers are the same.

    Returns a function of the inputs whose result follows JAX's layout, outputs
    outermost: for one output a tuple over inputs, else a tuple over outputs of tuples
    over inputs; each entry has shape ``output.shape + input.shape``.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.jacfwd(lambda x, y: (x * y, x + y))(2.0, 3.0)
    ((3.0, 2.0), (1.0, 1.0))
    """
    traced = _Traced(f)

    def jacfwd_f(*args: Any, **kwargs: Any) -> tuple:
        graph, inputs = _prepare(traced, args, kwargs)
        program = graph.program
        boxed = _any_boxed(inputs)
        # with many inputs, generating the vector sweep costs less than one interpreted sweep per
        # input, so even the first call compiles (about 13 interpreted sweeps' worth of work)
        function = None if boxed else fast(program, "jacfwd", force=len(inputs) >= _VECTOR_FIRST)
        compiled = _run(function, inputs, _unit_seeds(len(inputs)))
        if compiled is not None:  # scalars: one vector sweep carries every input direction
            n = len(inputs)
            rows = [np.zeros(n) if t is None else t for t in compiled[1]]
            blocks = tuple(map(tuple, np.stack(rows).tolist())) if rows else ()  # floats, at C speed
            return blocks[0] if len(blocks) == 1 else blocks
        started = time.perf_counter()
        blocks = [[None] * len(inputs) for _ in program.output_slots]
        values = evaluate(program, inputs, boxed=boxed) if boxed else None  # recorded once
        for j, slot in enumerate(program.input_slots):
            columns = []
            shape = program.shapes[slot]
            for e in range(math.prod(shape)):
                _, tangents = forward_sweep(
                    program, inputs, {slot: one_hot(shape, e)}, boxed=boxed, values=values
                )
                columns.append([_dense(tangents[o], program.shapes[o]) for o in program.output_slots])
            for i, o in enumerate(program.output_slots):
                if boxed:
                    blocks[i][j] = _assembled([c[i] for c in columns], program.shapes[o], shape, columns=True)
                    continue
                stacked = (
                    np.stack([c[i] for c in columns], axis=-1)
                    if columns
                    else np.zeros(program.shapes[o] + (0,))
                )
                blocks[i][j] = stacked.reshape(program.shapes[o] + shape)
        if not boxed:
            interpreted(program, "jacfwd", started)
        return _pack_jacobian(blocks)

    return jacfwd_f


def jacrev(f: Differentiable) -> Callable[..., tuple]:
    """The Jacobian by reverse mode: one evaluation, then one sweep per output element.

    Once a scalar graph's code is generated, each output's row comes from one generated
    evaluation and reverse sweep. Same layout as :func:`jacfwd`.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.jacrev(lambda x, y: (x * y, x + y))(2.0, 3.0)
    ((3.0, 2.0), (1.0, 1.0))
    """
    traced = _Traced(f)

    def jacrev_f(*args: Any, **kwargs: Any) -> tuple:
        graph, inputs = _prepare(traced, args, kwargs)
        program = graph.program
        # scalars: one compiled sweep per output, seeded there alone; the other outputs get
        # no cotangent (a zero one would multiply, and 0 * inf is nan)
        m = len(program.output_slots)
        boxed = _any_boxed(inputs)
        functions = [None] if boxed else [fast(program, ("grad", k)) for k in range(m)]
        rows = [_run(g, inputs, [1.0] * m) for g in functions] if None not in functions else [None]
        if None not in rows:
            return _pack_jacobian([list(grads) for grads in rows])
        started = time.perf_counter()
        values = evaluate(program, inputs, boxed=boxed)
        blocks = []
        for o in program.output_slots:
            shape = program.shapes[o]
            rows = []
            for e in range(int(np.prod(shape, dtype=int))):
                adjoints = reverse_sweep(program, values, {o: one_hot(shape, e)})
                rows.append([_dense(adjoints[s], program.shapes[s]) for s in program.input_slots])
            if boxed:
                blocks.append(
                    [
                        _assembled([r[j] for r in rows], shape, program.shapes[s], columns=False)
                        for j, s in enumerate(program.input_slots)
                    ]
                )
                continue
            blocks.append(
                [
                    np.stack([r[j] for r in rows]).reshape(shape + np.shape(x))
                    if rows
                    else np.zeros(shape + np.shape(x))  # an output with no elements
                    for j, x in enumerate(inputs)
                ]
            )
        if not boxed:
            for k in range(m):  # the m generated functions share the work
                interpreted(program, ("grad", k), started, share=1 / m)
        return _pack_jacobian(blocks)

    return jacrev_f


# --- helpers ----------------------------------------------------------------------------


_VECTOR_FIRST = 16  # scalar inputs from which jacfwd's first call compiles its vector sweep


def _unit_seeds(n: int) -> list[np.ndarray]:
    """Input k's tangent in the vector sweep: the k-th unit vector, -0.0 off the diagonal (clean)."""
    return list(np.where(np.eye(n, dtype=bool), 1.0, -0.0))


def _dense(value: Any, shape: tuple[int, ...]) -> Any:
    if value is None:
        return np.float64(0.0) if shape == () else np.zeros(shape)
    return value if isinstance(value, Box) else np.asarray(value)


def _any_boxed(values: Any) -> bool:
    """Whether any value is a tracer or a dual: the call is nested inside another transformation."""
    return any(isinstance(v, Box) for v in values)


def _assembled(parts: list, out_shape: tuple[int, ...], in_shape: tuple[int, ...], columns: bool) -> Any:
    """A Jacobian block ``out_shape + in_shape`` from traced parts, one per element of the input
    (``columns``, from forward sweeps) or of the output (rows, from reverse sweeps).

    Each part is put in place by a product with a constant one-hot array, and the parts are
    added: what stacking does, written with primitives so that it is recorded.
    """
    block = None
    for e, part in enumerate(parts):
        if columns:  # part: out_shape; goes to [..., e] of in_shape
            placed = np.reshape(part, out_shape + (1,) * len(in_shape)) * one_hot(in_shape, e)
        else:  # part: in_shape; goes to [e, ...] of out_shape
            placed = np.reshape(one_hot(out_shape, e), out_shape + (1,) * len(in_shape)) * part
        placed = (
            np.broadcast_to(placed, out_shape + in_shape)
            if np.shape(placed) != out_shape + in_shape
            else placed
        )
        block = placed if block is None else block + placed
    return np.zeros(out_shape + in_shape) if block is None else block


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


def _pack(values: list) -> Any:
    return _one_or_all(tuple([as_output(v) for v in values]))


def _pack_jacobian(blocks: list[list]) -> tuple:
    rows = tuple(tuple(as_output(b) for b in row) for row in blocks)
    return rows[0] if len(rows) == 1 else rows
