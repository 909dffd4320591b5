"""Second order, counted: the Hessian-vector product three ways round, and the full Hessian.

Each composition is a derivative graph (:mod:`graphdiff.transforms.derivatives`): a
derivative of a derivative, recorded by running the sweeps on tracers. Its cost is the
arithmetic its evaluation performs, counted on :class:`~graphdiff.primitives.counting.Counted`
values like any other graph, so the three ways of getting ``H v`` are compared on the
user's own function by the same measure:

- ``forward-over-reverse``: a forward sweep through the gradient's graph (JAX's advice);
- ``reverse-over-reverse``: a reverse sweep through the gradient's graph, seeded with ``v``;
- ``reverse-over-forward``: a reverse sweep through ``x -> f'(x) v``;
- ``hessian``: the whole Hessian, forward over reverse, one sweep per input element.

>>> from graphdiff import builders
>>> rows = second_order_costs(builders.speelpenning(4), [1.0, 2.0, 3.0, 4.0], repeats=1, budget=0)
>>> [(r.mode, r.ops.total) for r in rows][:2]
[('function', 3), ('forward-over-reverse', 32)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphdiff.compiler.codegen import fast
from graphdiff.cost.sweeps import count_by_running, median_seconds
from graphdiff.errors import NotScalarError
from graphdiff.graph.graph import Graph
from graphdiff.graph.passes import cse
from graphdiff.graph.tracer import trace
from graphdiff.modes.reverse import reverse
from graphdiff.primitives.counting import OpCounts
from graphdiff.transforms.api import jvp
from graphdiff.transforms.derivatives import grad_graph, jvp_graph, vjp_graph
from graphdiff.transforms.jacobians import hessian

__all__ = ["SecondOrderCost", "second_order_graphs", "second_order_costs", "COMPOSITIONS"]

COMPOSITIONS = ("forward-over-reverse", "reverse-over-reverse", "reverse-over-forward", "hessian")


@dataclass(frozen=True)
class SecondOrderCost:
    """One way of getting second derivatives: its operations, the values its reverse sweeps keep, its time."""

    mode: str
    graph: Graph
    ops: OpCounts  # as the sweeps perform it
    stored_values: int
    seconds: float
    ops_after_cse: OpCounts | None = None  # after common-subexpression elimination on the graph


def _tangent_graph(g: Graph) -> Graph:
    """``(x, v) -> f'(x) v``: the tangent of ``g``'s output alone, as a graph."""
    n = len(g.inputs)
    examples = [np.zeros(g.shape_of(x)) if g.shape_of(x) else 0.0 for x in g.inputs] * 2
    names = g.inputs + [f"{x}_dot" for x in g.inputs]
    return trace(lambda *xv: jvp(g, xv[:n], xv[n:])[1], *examples, name=f"tangent({g.name})", names=names)


def second_order_graphs(g: Graph) -> dict[str, Graph]:
    """The derivative graph of each composition, by name (see :data:`COMPOSITIONS`).

    The Hessian-vector products take ``x`` then ``v`` (one direction per input); the
    reverse-over-forward one takes a cotangent of 1 last. The Hessian takes ``x``.
    """
    if len(g.outputs) != 1 or g.shape_of(g.outputs[0]) != ():
        raise NotScalarError(f"second order needs one scalar output; {g.name} has {g.outputs}")
    gradient = grad_graph(g)
    examples = [np.zeros(g.shape_of(x)) if g.shape_of(x) else 0.0 for x in g.inputs]
    return {
        "forward-over-reverse": jvp_graph(gradient),
        "reverse-over-reverse": vjp_graph(gradient),
        "reverse-over-forward": vjp_graph(_tangent_graph(g)),
        "hessian": trace(
            lambda *xs: _flat(hessian(g)(*xs)), *examples, name=f"hessian({g.name})", names=g.inputs
        ),
    }


def second_order_costs(
    g: Graph, point: Sequence[Any], repeats: int = 3, budget: float = 0.2, seed: int = 0
) -> list[SecondOrderCost]:
    """Count and time the function and each composition at ``point`` (values in input order).

    ``v`` is a reproducible random direction. Stored values are those the composition's
    reverse sweeps read from their evaluations: the inner gradient's tape for forward over
    reverse and the Hessian, the outer sweep's (which includes the inner one's values) for
    the other two.
    """
    x = g.bind(point)
    rng = np.random.default_rng(seed)
    v = [rng.normal(size=np.shape(xi)) if np.ndim(xi) else float(rng.normal()) for xi in x]
    graphs = second_order_graphs(g)
    points = {
        "forward-over-reverse": [*x, *v],
        "reverse-over-reverse": [*x, *v],
        "reverse-over-forward": [*x, *v, 1.0],
        "hessian": list(x),
    }
    inner_tape = reverse(g, x).stored_values
    stored = {
        "forward-over-reverse": inner_tape,
        "reverse-over-reverse": _outer_tape(grad_graph(g), x, v),
        "reverse-over-forward": reverse(_tangent_graph(g), [*x, *v]).stored_values,
        "hessian": inner_tape,
    }
    f_ops = count_by_running(g.program, x, "function")[0]
    rows = [SecondOrderCost("function", g, f_ops, 0, _time(g, x, repeats, budget), f_ops)]
    for mode in COMPOSITIONS:
        G, p = graphs[mode], points[mode]
        ops = count_by_running(G.program, G.bind(p), "function")[0]
        simplified = cse(G)
        ops_after_cse = count_by_running(simplified.program, simplified.bind(p), "function")[0]
        seconds = _time(G, p, repeats, budget)
        rows.append(SecondOrderCost(mode, G, ops, stored[mode], seconds, ops_after_cse))
    return rows


def _time(graph: Graph, point: list, repeats: int, budget: float) -> float:
    """The median time of evaluating ``graph`` once it is compiled (the calls that compile it are not timed)."""
    fast(graph.program, "evaluate", force=True)
    graph(*point)
    return median_seconds(lambda: graph(*point), repeats, budget)


def _outer_tape(gradient: Graph, x: list, v: list) -> int:
    """Values kept by one reverse sweep through the gradient's graph, seeded with ``v`` at its outputs."""
    from graphdiff.modes.evaluate import evaluate
    from graphdiff.modes.reverse import reverse_sweep, tape

    program = gradient.program
    values = evaluate(program, gradient.bind(x))
    seeds: dict[int, Any] = {}
    for slot, y_bar in zip(program.output_slots, v):
        y_bar = np.float64(y_bar) if np.ndim(y_bar) == 0 else np.asarray(y_bar)
        seeds[slot] = y_bar if slot not in seeds else seeds[slot] + y_bar
    adjoints = reverse_sweep(program, values, seeds)
    return sum(program.sizes[k] for k in tape(program, adjoints))


def _flat(nested: Any) -> tuple:
    """The blocks of a nested tuple, in order: what a traced function may return."""
    if isinstance(nested, tuple):
        return tuple(b for part in nested for b in _flat(part))
    return (nested,)
