"""The user-facing transformations, named as in JAX: grad, jvp, vjp, jacfwd, jacrev.

Each takes a :class:`Graph` or a plain Python function (traced on first use, once per
combination of argument shapes) and is a thin layer over the sweeps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .codegen import all_floats, fast, run_hot
from .codegen import run as _run
from .errors import InputError, NotScalarError, ShapeError
from .evaluate import evaluate
from .forward import forward_sweep
from .graph import Graph
from .program import one_hot
from .reverse import reverse_sweep, seed_cotangent
from .tracer import trace
from .values import as_output

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev"]

Differentiable = Graph | Callable[..., Any]


class _Traced:
    """A function and the graphs traced from it, one per tuple of argument shapes."""

    def __init__(self, f: Differentiable) -> None:
        self.f = f
        self.graphs: dict[tuple, Graph] = {}

    def graph(self, args: Sequence[Any]) -> Graph:
        if isinstance(self.f, Graph):
            return self.f
        if not callable(self.f):
            raise InputError(f"expected a Graph or a function, got {self.f!r}")
        shapes = tuple(np.shape(a) for a in args)
        if shapes not in self.graphs:
            self.graphs[shapes] = trace(self.f, *args)
        return self.graphs[shapes]


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
    graph = traced.f if isinstance(traced.f, Graph) else traced.graphs.get(((),) * len(args))
    program = None if graph is None else graph._program
    if program is None or (outputs is not None and len(program.output_slots) != outputs):
        return None
    return run_hot(program, kind, args, extra)


def _prepare(traced: _Traced, args: tuple, kwargs: dict) -> tuple[Graph, list]:
    graph = traced.graph(args) if not kwargs else traced.graph(list(args) + list(kwargs.values()))
    return graph, graph.bind(args, kwargs)


def _reverse_gradient(f: Differentiable, with_value: bool) -> Callable[..., Any]:
    """The function behind :func:`grad` and :func:`value_and_grad`: one reverse sweep."""
    traced = _Traced(f)
    kind = "vjp" if with_value else "grad"  # a gradient alone skips what only the value needs

    def unpack(result: tuple) -> Any:
        return (result[0][0], result[1]) if with_value else result

    def gradient_f(*args: Any, **kwargs: Any) -> Any:
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
        compiled = _run(fast(program, kind), inputs, [1.0])
        if compiled is not None:
            return unpack(compiled)
        values = evaluate(program, inputs)
        adjoints = reverse_sweep(program, values, {out: np.float64(1.0)})
        grads = _per_input(program, adjoints)
        return (as_output(values[out]), grads) if with_value else grads

    return gradient_f


def value_and_grad(f: Differentiable) -> Callable[..., tuple[Any, tuple]]:
    """Like :func:`grad`, but return ``(value, gradient)`` from the same evaluation.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.value_and_grad(lambda a, b: (a + b) * (b + 1))(2.0, 1.0)
    (6.0, (2.0, 5.0))
    """
    return _reverse_gradient(f, with_value=True)


def grad(f: Differentiable) -> Callable[..., tuple]:
    """The gradient of a scalar function by one reverse sweep.

    Returns a function that takes the inputs (positionally or by name) and returns a
    tuple with one entry per input, shaped like that input.

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
    """
    return _reverse_gradient(f, with_value=False)


def _jvp_result(outputs: tuple, out_dots: tuple) -> tuple[Any, Any]:
    """What generated jvp code returned, as jvp returns it: floats already, None a structural zero."""
    out_dots = tuple([0.0 if t is None else t for t in out_dots])
    return _one_or_all(outputs), _one_or_all(out_dots)


def _one_or_all(values: tuple) -> Any:
    return values[0] if len(values) == 1 else values


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
    traced, primals = _Traced(f), tuple(_unpacked(primals))
    x_dots = _unpacked(tangents)
    if type(x_dots) in (list, tuple) and len(x_dots) == len(primals) and all_floats(x_dots):
        compiled = _hot(traced, primals, {}, "jvp", x_dots)
        if compiled is not None:
            return _jvp_result(*compiled)
    graph, inputs = _prepare(traced, primals, {})
    program = graph.program
    if len(tangents) != len(inputs):
        raise InputError(f"{graph.name} has {len(inputs)} inputs, got {len(tangents)} tangents")
    seeds = {}
    for name, slot, x, x_dot in zip(graph.inputs, program.input_slots, inputs, tangents):
        if x_dot is not None:
            seeds[slot] = _shaped(x_dot, np.shape(x), f"tangent for input {name!r}")
    compiled = _run(fast(program, "jvp"), inputs, [float(seeds.get(s, 0.0)) for s in program.input_slots])
    if compiled is not None:
        return _jvp_result(*compiled)
    values, out_tangents = forward_sweep(program, inputs, seeds)
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
    traced, primals = _Traced(f), tuple(_unpacked(primals))
    y_bars = _float_cotangents(cotangent)
    if y_bars is not None:
        compiled = _hot(traced, primals, {}, "vjp", y_bars, outputs=len(y_bars))
        if compiled is not None:
            return _vjp_result(*compiled)
    graph, inputs = _prepare(traced, primals, {})
    program = graph.program
    outs = program.output_slots
    cotangents = [cotangent] if len(outs) == 1 else list(cotangent)
    if len(cotangents) != len(outs):
        raise InputError(f"{graph.name} has {len(outs)} outputs, got {len(cotangents)} cotangents")
    y_bars = [
        seed_cotangent(program.shapes[s], y_bar, name)
        for name, s, y_bar in zip(graph.outputs, outs, cotangents)
    ]
    function = fast(program, "vjp")  # generated code exists only for all-scalar graphs
    compiled = None if function is None else _run(function, inputs, [float(y) for y in y_bars])
    if compiled is not None:
        return _vjp_result(*compiled)
    seeds: dict[int, Any] = {}
    for slot, y_bar in zip(outs, y_bars):
        seeds[slot] = y_bar if slot not in seeds else seeds[slot] + y_bar
    values = evaluate(program, inputs)
    adjoints = reverse_sweep(program, values, seeds)
    return program.pack_outputs(values), _per_input(program, adjoints)


def jacfwd(f: Differentiable) -> Callable[..., tuple]:
    """The Jacobian by forward mode: one sweep per input element.

    Once a scalar graph's code is generated (from its second use), one vector sweep
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
        compiled = _run(fast(program, "jvp"), inputs, list(np.eye(len(inputs))))
        if compiled is not None:  # scalars: one vector sweep carries every input direction
            n = len(inputs)
            rows = [np.zeros(n) if t is None else t for t in compiled[1]]
            return _pack_jacobian([[float(row[j]) for j in range(n)] for row in rows])
        blocks = [[None] * len(inputs) for _ in program.output_slots]
        for j, (slot, x) in enumerate(zip(program.input_slots, inputs)):
            columns = []
            for e in range(np.size(x)):
                _, tangents = forward_sweep(program, inputs, {slot: one_hot(np.shape(x), e)})
                columns.append([_dense(tangents[o], program.shapes[o]) for o in program.output_slots])
            for i, o in enumerate(program.output_slots):
                stacked = (
                    np.stack([c[i] for c in columns], axis=-1)
                    if columns
                    else np.zeros(program.shapes[o] + (0,))
                )
                blocks[i][j] = stacked.reshape(program.shapes[o] + np.shape(x))
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
        function, m = fast(program, "vjp"), len(program.output_slots)
        seeds = [[1.0 if i == k else 0.0 for i in range(m)] for k in range(m)]
        rows = [_run(function, inputs, seed) for seed in seeds] if function is not None else [None]
        if None not in rows:  # scalars: one compiled reverse sweep per output
            return _pack_jacobian([list(grads) for _, grads in rows])
        values = evaluate(program, inputs)
        blocks = []
        for o in program.output_slots:
            shape = program.shapes[o]
            rows = []
            for e in range(int(np.prod(shape, dtype=int))):
                adjoints = reverse_sweep(program, values, {o: one_hot(shape, e)})
                rows.append([_dense(adjoints[s], program.shapes[s]) for s in program.input_slots])
            blocks.append(
                [np.stack([r[j] for r in rows]).reshape(shape + np.shape(x)) for j, x in enumerate(inputs)]
            )
        return _pack_jacobian(blocks)

    return jacrev_f


# --- helpers ----------------------------------------------------------------------------


def _dense(value: Any, shape: tuple[int, ...]) -> Any:
    return np.zeros(shape) if value is None else np.asarray(value)


def _shaped(value: Any, shape: tuple[int, ...], what: str) -> Any:
    array = np.asarray(value, dtype=float)
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
