"""Which way to get the Jacobian of *your* function: every applicable method counted, the
cheapest few timed, and the measured fastest recommended.

The methods: forward mode (one sweep per input), vector forward mode (one sweep carrying
every input direction), reverse mode (one evaluation, one sweep per output), for functions
of scalars also compressed forward and reverse sweeps (one per colour of the Jacobian's
columns or rows, :mod:`graphdiff.transforms.sparse`) and vertex elimination in the best
order a short search finds (:mod:`graphdiff.transforms.elimination`). Each is predicted by
the arithmetic it performs, counted as ``graphdiff bench`` counts (elimination: one
evaluation, its edge partials, then its multiplications and additions); the ``measure``
cheapest are timed in their steady state (for a function of scalars, the generated
straight-line code of each, compiled ahead as ``gd.jit`` does; for arrays, the interpreted
sweeps), and the fastest measured is recommended.

>>> import graphdiff as gd
>>> advice = gd.advise(gd.builders.fan_out(20), 0.5, measure=2, iterations=100)
>>> {m.method: m.sweeps for m in advice.methods if m.method in ("forward", "reverse")}
{'forward': 1, 'reverse': 20}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tabulate import tabulate

from graphdiff.compiler.codegen import ARITHMETIC_ERRORS, fast, run
from graphdiff.cost.sweeps import COMPRESSED, MODES, feasible_modes, measure, median_seconds
from graphdiff.errors import ArgumentError
from graphdiff.graph.graph import Graph
from graphdiff.transforms.api import _prepare, _Traced
from graphdiff.transforms.elimination import _linearized, compiled_elimination, eliminate
from graphdiff.transforms.jacobians import _unit_seeds, jacfwd, jacrev
from graphdiff.transforms.sparse import colouring_of, sparse_jacobian

__all__ = ["advise", "Advice", "Method", "jacobian", "METHODS"]

METHODS = ("forward", "forward-vector", "reverse", *COMPRESSED, "elimination")

_HOW = {
    "forward": ("gd.jacfwd(f)", "one forward sweep per input"),
    "forward-vector": ("gd.jacfwd(f)", "one forward sweep carrying every input direction"),
    "reverse": ("gd.jacrev(f)", "one evaluation, then one reverse sweep per output"),
    "forward-compressed": (
        "gd.sparse_jacobian(f, mode='fwd')",
        "one forward sweep per colour of the columns",
    ),
    "reverse-compressed": ("gd.sparse_jacobian(f, mode='rev')", "one reverse sweep per colour of the rows"),
    "elimination": ("gd.jacobian(f, method='elimination')", "vertex elimination in the order found"),
}


@dataclass
class Method:
    """One way of getting the Jacobian: its sweeps, predicted operations and (if timed) seconds."""

    method: str
    sweeps: int
    ops: int
    seconds: float | None = None
    detail: str = ""


@dataclass
class Advice:
    """Every method counted, the cheapest few timed; ``recommended`` is the fastest timed."""

    graph: str
    n_inputs: int
    n_outputs: int
    methods: list[Method]
    order: list[str] = field(default_factory=list, repr=False)  # elimination's order, if counted
    left_out: list[str] = field(default_factory=list, repr=False)  # a line per method not counted, and why

    @property
    def recommended(self) -> Method:
        return min((m for m in self.methods if m.seconds is not None), key=lambda m: m.seconds)

    @property
    def predicted(self) -> Method:
        """The method with the fewest operations counted (on a tie, the fewest sweeps)."""
        return min(self.methods, key=lambda m: (m.ops, m.sweeps))

    def summary(self) -> str:
        best = self.recommended
        call, what = _HOW[best.method]
        fewest = self.predicted
        agree = "as counted" if best.ops == fewest.ops else f"though {fewest.method} counts fewer operations"
        return f"use {best.method} ({what}; {call}): fastest measured, {agree}"

    def render(self, fmt: str = "table", tablefmt: str = "simple") -> str:
        if fmt == "json":
            return json.dumps(
                {
                    "graph": self.graph,
                    "n_inputs": self.n_inputs,
                    "n_outputs": self.n_outputs,
                    "methods": [m.__dict__ for m in self.methods],
                    "recommended": self.recommended.method,
                    "predicted": self.predicted.method,
                    "order": self.order,
                    "left_out": self.left_out,
                },
                indent=1,
            )
        ranked = sorted(self.methods, key=lambda m: (m.ops, m.sweeps))
        fewest = ranked[0].ops
        rows = [
            [k + 1, m.method, m.sweeps, m.ops, f"{m.ops / fewest:.2f}" if fewest else "-",
             "" if m.seconds is None else _time(m.seconds), m.detail, _HOW[m.method][0]]
            for k, m in enumerate(ranked)
        ]  # fmt: skip
        headers = ["rank", "method", "sweeps", "ops (counted)", "÷ fewest", "time", "", "call"]
        return (
            f"The Jacobian of {self.graph} ({_plural(self.n_outputs, 'output')} by {_plural(self.n_inputs, 'input')}): "
            "every method counted, the cheapest timed\n"
            + tabulate(rows, headers, tablefmt, disable_numparse=True)
            + "\n\n"
            + "".join(line + "\n" for line in self.left_out)
            + self.summary()
        )


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _time(s: float) -> str:
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


def advise(
    f: Graph | Callable[..., Any],
    *examples: Any,
    measure: int = 3,
    budget: float = 2.0,
    iterations: int | None = None,
) -> Advice:
    """Count every applicable method of getting ``f``'s Jacobian at ``examples``; time the cheapest.

    ``f`` is a Graph or a function (traced at ``examples``, which are also the point).
    ``measure``: how many of the cheapest by count are timed. ``budget``: seconds for the
    search of an elimination order (functions of scalars); ``iterations``: a fixed number of
    search steps instead, the same order on any machine.

    Examples
    --------
    >>> import graphdiff as gd
    >>> a = gd.advise(gd.builders.rosenbrock(30), *[0.5] * 30, measure=2)
    >>> a.predicted.method, a.methods[0].sweeps
    ('reverse', 30)
    """
    if isinstance(measure, bool) or not isinstance(measure, int) or measure < 1:
        raise ArgumentError(f"advise: measure is how many methods to time, at least 1; got {measure!r}")
    if isinstance(f, Graph):
        g = f
        point = g.bind(list(examples)) if examples else g.bind([0.5] * len(g.inputs))
    else:  # traced as the transformations trace: pytrees flattened, integer data fixed
        g, point, _ = _prepare(_Traced(f), examples, {})
    program = g.program
    scalar = all(s == () for s in program.shapes)
    modes, timeable, left_out = feasible_modes(program, MODES + (COMPRESSED if scalar else ()))
    costs = measure_counts(g, point, modes)
    f_ops = costs["function"].ops.total
    methods = [
        Method(mode, costs[mode].sweeps, costs[mode].ops.total) for mode in modes if mode != "function"
    ]
    dense = {"forward-compressed": "forward", "reverse-compressed": "reverse"}
    sweeps = {m.method: m.sweeps for m in methods}
    # a compression with as many colours as sweeps uncompressed is the same method: not offered twice
    methods = [m for m in methods if m.method not in dense or m.sweeps < sweeps[dense[m.method]]]
    order: list[str] = []
    if scalar and len(program.ops):
        found = eliminate(g, point, order="best", budget=budget, iterations=iterations)
        order = found.order
        ops = f_ops + found.partial_ops.total + found.multiplications + found.additions
        methods.append(
            Method("elimination", 1, ops, detail=f"{found.multiplications} mults, {found.additions} adds")
        )
    for m in sorted(methods, key=lambda m: (m.ops, m.sweeps))[:measure]:
        if m.method in timeable or m.method == "elimination":
            m.seconds = _seconds(g, point, m.method, order)
        else:
            m.detail = "too many sweeps to time"
    sizes = program.sizes
    n_in, n_out = sum(sizes[s] for s in program.input_slots), sum(sizes[s] for s in program.output_slots)
    left_out = [line for line in left_out if "left out" in line]  # the methods not timed say so in the table
    return Advice(g.name, n_in, n_out, methods, order, left_out)


def measure_counts(g: Graph, point: list, modes: Sequence[str]) -> dict:
    """The counts of ``modes`` (not timed: the chosen few are timed after)."""
    return measure(g, point, modes=modes, repeats=1, budget=0.0, timed=())


def _seconds(g: Graph, point: list, method: str, order: list[str]) -> float:
    """The median wall time of ``method``'s steady-state call: generated code for a function of
    scalars (compiled ahead, as gd.jit would), the interpreted sweeps for arrays. Where the
    generated code cannot run (no code for a rule, or ``math`` raising where numpy gives inf
    or nan), the interpreter is timed, as a call would then run."""
    floats = [float(x) for x in point] if all(np.ndim(x) == 0 for x in point) else None
    call = None if floats is None else _compiled_run(g, floats, method, order)
    if call is not None:
        try:
            call()
        except ARITHMETIC_ERRORS:
            call = None
    if call is None and method == "elimination":  # interpret the linearization, then the accumulation
        accumulate = eliminate(g, point, order=order).accumulate()

        def call() -> None:
            G, _ = _linearized(g, point, count=False)
            accumulate([p for _, _, p in G.edges(data="partial")])

        with np.errstate(all="ignore"):
            call()
    if call is None:
        return measure(g, point, modes=("function", method), repeats=3, budget=0.2, timed=(method,))[
            method
        ].seconds
    with np.errstate(all="ignore"):
        return median_seconds(call, least=5, budget=0.2)


def _compiled_run(g: Graph, x: list[float], method: str, order: list[str]) -> Callable[[], Any] | None:
    """The generated code of ``method`` called directly, as a whole Jacobian's worth of calls:
    the arithmetic alone, with no binding or packing (the same for every method)."""
    program = g.program
    m = len(program.output_slots)
    if method == "forward":
        function = fast(program, "jvp", force=True)
        units = [[1.0 if j == k else 0.0 for j in range(len(x))] for k in range(len(x))]
        return None if function is None else (lambda: [function(x, unit) for unit in units])
    if method == "forward-vector":
        function = fast(program, "jacfwd", force=True)
        seeds = _unit_seeds(len(x))
        return None if function is None else (lambda: function(x, seeds))
    if method == "reverse":
        functions = [fast(program, ("grad", k), force=True) for k in range(m)]
    elif method == "reverse-compressed":
        functions = [
            fast(program, ("grad", *group), force=True) for group in colouring_of(program, "rev").groups
        ]
    elif method == "forward-compressed":
        function = fast(program, "jvp", force=True)
        c = colouring_of(program, "fwd")
        lanes = [(c.colour == k).astype(float).tolist() for k in range(c.colours)]
        return None if function is None else (lambda: [function(x, lane) for lane in lanes])
    else:
        function = compiled_elimination(g, order)
        return None if function is None else (lambda: function(x))
    ones = [1.0] * m
    return None if None in functions else (lambda: [f(x, ones) for f in functions])


def jacobian(f: Graph | Callable[..., Any], method: str = "auto") -> Callable[..., Any]:
    """The Jacobian of ``f`` by ``method``: ``"auto"`` (what :func:`advise` recommends at the
    first call's point, kept for later calls), or a name in :data:`METHODS`.

    Returns a function of the inputs. For a function of scalars the result is one array,
    outputs by inputs, whatever the method (compressed methods' sparse matrices are made
    dense; ask :func:`graphdiff.sparse_jacobian` for the sparse one); otherwise the layout
    of :func:`graphdiff.jacfwd`.

    Examples
    --------
    >>> import graphdiff as gd
    >>> J = gd.jacobian(gd.builders.colah())
    >>> J(2.0, 1.0)
    array([[2., 5.]])
    """
    if method != "auto" and method not in METHODS:
        raise ArgumentError(f"jacobian: method is 'auto' or one of {', '.join(METHODS)}; got {method!r}")
    chosen: dict[str, Any] = {}
    traced = _Traced(f)

    def jacobian_f(*args: Any) -> Any:
        if "method" not in chosen:
            if method == "auto":
                advice = advise(f, *args, measure=3, budget=1.0)
                chosen["method"], chosen["order"] = advice.recommended.method, advice.order
            else:
                chosen["method"], chosen["order"] = method, None
        how = chosen["method"]
        if how in ("forward", "forward-vector"):
            return _matrix(jacfwd(f)(*args), f, args)
        if how == "reverse":
            return _matrix(jacrev(f)(*args), f, args)
        if how in COMPRESSED:
            return sparse_jacobian(f, mode="fwd" if how == "forward-compressed" else "rev")(*args).toarray()
        g, inputs, _ = _prepare(traced, args, {})
        if chosen.get("graph") is not g:  # first call, or traced again (what f reads changed)
            if any(np.ndim(x) for x in inputs):
                eliminate(g, inputs)  # refused by name: elimination is on graphs of scalars
            order = chosen["order"]
            if order is None or not _orders(g, order):  # by name, or for another graph: a short search
                order = eliminate(g, inputs, order="best", budget=1.0).order
            chosen.update(graph=g, order=order, code=compiled_elimination(g, order))
        entries = run(chosen["code"], inputs)
        if entries is None:  # not expressible as code, or math raised where numpy gives nan/inf
            return eliminate(g, inputs, order=chosen["order"]).jacobian
        return np.array(entries, dtype=float).reshape(len(g.outputs), len(g.inputs))

    return jacobian_f


def _orders(g: Graph, order: list[str]) -> bool:
    """Whether ``order`` names each intermediate vertex of ``g`` once (an order found for another trace may not)."""
    kept = {*g.inputs, *g.outputs}
    program = g.program
    wanted = {program.names[out] for _, out, *_ in program.ops} - kept
    return len(order) == len(wanted) and set(order) == wanted


def _matrix(J: Any, f: Any, args: tuple) -> Any:
    """A function of scalars' Jacobian as one (outputs, inputs) array; anything else as jacfwd lays it out."""
    if isinstance(J, np.ndarray) and all(np.ndim(a) == 0 for a in args):
        return J.reshape(-1, len(args))
    if isinstance(J, float) and all(np.ndim(a) == 0 for a in args):
        return np.array([[J]])
    return J
