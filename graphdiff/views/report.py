"""Per-node reports of a graph's sweeps, as JSON-ready dicts and as text tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from tabulate import tabulate

from graphdiff.errors import ArgumentError
from graphdiff.graph.graph import Graph
from graphdiff.ir.program import Program
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward
from graphdiff.modes.reverse import reverse
from graphdiff.primitives.counting import Counted
from graphdiff.values import as_output

__all__ = ["edge_partials", "sweeps_report", "render_sweeps"]


def edge_partials(graph: Graph, inputs: Mapping[str, Any] | Sequence[Any]) -> list[dict[str, Any]]:
    """The local derivative on every edge of a scalar graph: d(to)/d(from) at ``inputs``.

    Each partial is the primitive's forward rule applied to a unit tangent on that one
    argument (``position``). Edges out of constants are left out (constants are not
    differentiated).

    Examples
    --------
    >>> import graphdiff as gd
    >>> for e in edge_partials(gd.builders.colah(), {"a": 2.0, "b": 1.0}):
    ...     print(f"d{e['to']}/d{e['from']} = {e['partial']}")
    dc/da = 1.0
    dc/db = 1.0
    dd/db = 1.0
    de/dc = 2.0
    de/dd = 3.0
    """
    return partials_of(graph.program, evaluate(graph.program, graph.bind_inputs(inputs)))


def partials_of(program: Program, values: list, counted: bool = False) -> list[dict[str, Any]]:
    """Edge partials from evaluated ``values``; with ``counted``, their arithmetic is counted."""
    if counted:
        values = [None if v is None else Counted(v) for v in values]
    edges = []
    for prim, out, args, params, active_args in program.ops:
        arg_values = [values[a] for a in args]
        for i, a in active_args:
            if program.shapes[a] != () or program.shapes[out] != ():
                raise ArgumentError(
                    f"edge partials are scalars: {program.names[a]!r} -> {program.names[out]!r} is not"
                )
            one = Counted(np.float64(1.0)) if counted else np.float64(1.0)
            unit = [one if k == i else None for k in range(len(args))]
            partial = prim.tangent_out(values[out], arg_values, unit, params)
            edges.append(
                {
                    "from": program.names[a],
                    "to": program.names[out],
                    "position": i,
                    "partial": as_output(partial),
                }
            )
    return edges


def sweeps_report(
    graph: Graph,
    inputs: Mapping[str, Any],
    seeds: Sequence[str] | None = None,
    output: str | None = None,
) -> dict[str, Any]:
    """Values, a forward sweep per seed, the reverse sweep and the edge partials, by node name.

    ``seeds`` defaults to every input; ``output`` to the graph's only output.
    """
    seeds = list(graph.inputs if seeds is None else seeds)
    forwards = [forward(graph, inputs, seed=s) for s in seeds]
    rv = reverse(graph, inputs, output=output)
    return {
        "graph": graph.name,
        "values": rv.values,
        "labels": {n: graph.label(n) for n in graph.program.names},
        "forward": [
            {"seed": s, "tangents": fw.tangents, "zeros": sorted(fw.zeros)} for s, fw in zip(seeds, forwards)
        ],
        "reverse": {
            "output": rv.output,
            "adjoints": rv.adjoints,
            "zeros": sorted(rv.zeros),
            "stored_values": rv.stored_values,
        },
        "edges": edge_partials(graph, inputs),
    }


def render_sweeps(report: Mapping[str, Any], tablefmt: str = "simple") -> str:
    """The report of :func:`sweeps_report` as text tables."""
    names = list(report["values"])
    labels = report["labels"]
    parts = [
        f"Values of {report['graph']}",
        tabulate(
            [[n, labels[n], report["values"][n]] for n in names], ["node", "operation", "value"], tablefmt
        ),
        "",
        "Edge partials: the local derivative on each edge",
        tabulate(
            [
                [f"{e['from']} -> {e['to']}", f"d{e['to']}/d{e['from']}", e["partial"]]
                for e in report["edges"]
            ],
            ["edge", "partial", "value"],
            tablefmt,
        ),
    ]
    for fw in report["forward"]:
        seed = fw["seed"]
        zeros = set(fw["zeros"])
        rows = [
            [n, f"d{n}/d{seed}", fw["tangents"][n], "structural zero" if n in zeros else ""] for n in names
        ]
        parts += [
            "",
            f"Forward sweep seeded at {seed}: one input's influence on every node",
            tabulate(rows, ["node", "tangent", "value", ""], tablefmt),
        ]
    rv = report["reverse"]
    out, zeros = rv["output"], set(rv["zeros"])
    rows = [
        [n, f"d{out}/d{n}", rv["adjoints"][n], "structural zero" if n in zeros else ""]
        for n in reversed(names)
        if n in rv["adjoints"]
    ]
    parts += [
        "",
        f"Reverse sweep seeded at {out}: every node's influence on {out}",
        tabulate(rows, ["node", "adjoint", "value", ""], tablefmt),
        f"(the reverse sweep read {rv['stored_values']} stored value(s) from the evaluation)",
    ]
    return "\n".join(parts)
