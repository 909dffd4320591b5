"""The path-sum view of a derivative (seed 001): sum over every path of the product of its edge partials.

The derivative of a target with respect to a source is the sum, over all paths from the
source to the target, of the product of the local partials along the path. The number of
paths can grow exponentially with depth while the graph grows linearly; forward and
reverse sweeps factor the sum so that each edge is used once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .counting import counting
from .errors import ArgumentError, GraphError, SeedError
from .evaluate import evaluate
from .graph import Graph
from .tally import forward_counts, function_counts, reverse_counts

__all__ = ["paths", "count_paths", "PathSum", "Path", "PathExplosionError"]


class PathExplosionError(GraphError, ValueError):
    """There are too many paths to enumerate; the message gives their number."""


@dataclass(frozen=True)
class Path:
    """One path: its nodes, the partial on each of its edges, and their product."""

    nodes: tuple[str, ...]
    partials: tuple[float, ...]
    product: float


@dataclass(frozen=True)
class PathSum:
    """Every path from ``source`` to ``target`` and what each way of summing them costs.

    ``naive_mul`` and ``naive_add`` are the multiplications along the paths and the
    additions between them; ``partials_ops`` the operations that computing every edge
    partial once costs. ``forward_ops`` is the tangent arithmetic of one forward sweep
    seeded at the source (beyond the evaluation it carries) and ``reverse_ops`` one
    reverse sweep from the target; both compute the partials they need as they go.
    """

    source: str
    target: str
    paths: list[Path]
    derivative: float
    count: int
    naive_mul: int
    naive_add: int
    partials_ops: int
    forward_ops: int
    reverse_ops: int


def _check_ends(graph: Graph, source: str, target: str) -> None:
    if source not in graph.inputs:
        raise SeedError(f"path source {source!r} is not an input of {graph.name} {graph.inputs}")
    if target not in graph.nx:
        raise SeedError(f"path target {target!r} is not a node of {graph.name}")


def count_paths(graph: Graph, source: str, target: str) -> tuple[int, int]:
    """The number of paths from ``source`` to ``target`` and their total number of edges.

    Computed by dynamic programming over the topological order, without enumerating.

    Examples
    --------
    >>> from graphdiff import builders
    >>> count_paths(builders.path_explosion(depth=10, width=3), "x", "y10")[0] == 3**10
    True
    """
    _check_ends(graph, source, target)
    program = graph.program
    n_paths = [0] * len(program)
    n_edges = [0] * len(program)  # summed over the paths reaching the node
    n_paths[program.slot[source]] = 1
    for op in program.ops:
        for _, a in op.active_args:
            n_paths[op.out] += n_paths[a]
            n_edges[op.out] += n_edges[a] + n_paths[a]
    k = program.slot[target]
    return n_paths[k], n_edges[k]


def paths(
    graph: Graph,
    source: str,
    target: str,
    inputs: Mapping[str, Any] | Sequence[Any],
    limit: int = 10_000,
) -> PathSum:
    """Enumerate every path from an input to a node with the product of its edge partials.

    Their sum is the derivative d(target)/d(source). Refuses, with
    :class:`PathExplosionError` giving the count, when there are more than ``limit`` paths.

    Examples
    --------
    >>> import graphdiff as gd
    >>> ps = paths(gd.builders.colah(), "b", "e", {"a": 2.0, "b": 1.0})
    >>> [(p.nodes, p.product) for p in ps.paths]
    [(('b', 'c', 'e'), 2.0), (('b', 'd', 'e'), 3.0)]
    >>> ps.derivative, ps.count, ps.naive_mul, ps.naive_add
    (5.0, 2, 2, 1)
    """
    from .report import partials_of

    count, total_edges = count_paths(graph, source, target)
    if count > limit:
        raise PathExplosionError(
            f"{count} paths lead from {source!r} to {target!r}, more than limit={limit}: too many to "
            "enumerate. A forward or reverse sweep gets the same derivative touching each edge once."
        )
    if not all(s == () for s in graph.program.shapes):
        raise ArgumentError("the path-sum view needs a graph of scalars")
    values = evaluate(graph.program, graph.bind_inputs(inputs))
    with counting() as partial_costs:
        edges = partials_of(graph.program, values, counted=True)
    partial = {(e["from"], e["to"], e["position"]): e["partial"] for e in edges}
    out_edges: dict[str, list[tuple[str, int]]] = {}
    for u, v, pos in partial:
        out_edges.setdefault(u, []).append((v, pos))

    found: list[Path] = []

    def walk(node: str, trail: list[str], factors: list[float]) -> None:
        if node == target:
            found.append(Path(tuple(trail), tuple(factors), float(np.prod(factors)) if factors else 1.0))
            return
        for succ, pos in out_edges.get(node, []):
            walk(succ, trail + [succ], factors + [partial[(node, succ, pos)]])

    walk(source, [source], [])
    forward_ops, reverse_ops = _sweep_costs(graph, inputs, source, target)
    return PathSum(
        source=source,
        target=target,
        paths=found,
        derivative=float(sum(p.product for p in found)) if found else 0.0,
        count=count,
        naive_mul=total_edges - count,
        naive_add=max(count - 1, 0),
        partials_ops=partial_costs.total,
        forward_ops=forward_ops,
        reverse_ops=reverse_ops,
    )


def _sweep_costs(graph: Graph, inputs: Any, source: str, target: str) -> tuple[int, int]:
    """Counted tangent work of one forward sweep from ``source``, and one reverse sweep from ``target``.

    The counts come from :mod:`graphdiff.tally`, which depend on the structure only; the
    inputs are still checked, as every sweep checks them.
    """
    program = graph.program
    graph.bind_inputs(inputs)
    forward, _ = forward_counts(program, {program.slot[source]})
    reverse, _ = reverse_counts(program, [program.slot[target]])
    return forward.total - function_counts(program).total, reverse.total


def sweep_costs(
    graph: Graph, source: str, target: str, inputs: Mapping[str, Any] | Sequence[Any]
) -> tuple[int, int]:
    """What one forward sweep (beyond its evaluation) and one reverse sweep cost, counted."""
    _check_ends(graph, source, target)
    return _sweep_costs(graph, inputs, source, target)
