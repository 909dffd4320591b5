"""The path-sum view of a derivative ("Calculus on Computational Graphs"): sum over every path of the product of its edge partials.

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

from graphdiff.cost.tally import forward_counts, function_counts, reverse_counts
from graphdiff.errors import ArgumentError, GraphError, SeedError
from graphdiff.graph.graph import Graph
from graphdiff.ir.analysis import reaching
from graphdiff.modes.evaluate import evaluate
from graphdiff.primitives.counting import counting

__all__ = ["paths", "count_paths", "PathSum", "Path", "PathExplosionError", "MAX_WORK"]


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
    ``steps`` is the number of nodes the enumeration visited: one per distinct path from
    the source to a node that lies on a path to the target.
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
    steps: int = 0


def _check_ends(graph: Graph, source: str, target: str) -> None:
    if source not in graph.inputs:
        raise SeedError(f"path source {source!r} is not an input of {graph.name} {graph.inputs}")
    if target not in graph.nx:
        raise SeedError(f"path target {target!r} is not a node of {graph.name}")


MAX_WORK = 1_000_000
"""The most nodes :func:`paths` lists by default, summed over its paths: about a second and tens of megabytes."""


@dataclass(frozen=True)
class _Counts:
    """What dynamic programming over the topological order knows before any path is listed."""

    paths: int  # paths from the source to the target
    edges: int  # their edges, summed over the paths
    on_path: list[bool]  # by slot: the node lies on a path from the source to the target


def _count(graph: Graph, source: str, target: str) -> _Counts:
    """Count paths in two linear passes over the program: ancestors of the target, then paths from the source."""
    _check_ends(graph, source, target)
    program = graph.program
    reaches_target = reaching(program, [program.slot[target]])
    n_paths = [0] * len(program)
    n_edges = [0] * len(program)  # summed over the paths reaching the node
    n_paths[program.slot[source]] = 1
    for op in program.ops:
        for _, a in op.active_args:
            if n_paths[a]:
                n_paths[op.out] += n_paths[a]
                n_edges[op.out] += n_edges[a] + n_paths[a]
    on_path = [bool(reach and n) for reach, n in zip(reaches_target, n_paths)]
    k = program.slot[target]
    return _Counts(n_paths[k], n_edges[k], on_path)


def count_paths(graph: Graph, source: str, target: str) -> tuple[int, int]:
    """The number of paths from ``source`` to ``target`` and their total number of edges.

    Computed by dynamic programming over the topological order, without enumerating:
    time linear in the size of the graph (the counts themselves are exact integers, with
    as many digits as the count needs).

    Examples
    --------
    >>> from graphdiff import builders
    >>> count_paths(builders.path_explosion(depth=10, width=3), "x", "y10")[0] == 3**10
    True
    """
    counts = _count(graph, source, target)
    return counts.paths, counts.edges


def paths(
    graph: Graph,
    source: str,
    target: str,
    inputs: Mapping[str, Any] | Sequence[Any],
    limit: int = 10_000,
    *,
    max_work: int = MAX_WORK,
) -> PathSum:
    """Enumerate every path from an input to a node with the product of its edge partials.

    Their sum is the derivative d(target)/d(source). The paths are counted first, by
    dynamic programming, and the enumeration walks only the nodes that lie on a path from
    ``source`` to ``target``, with an explicit stack (no recursion, so any depth works).

    Parameters
    ----------
    graph : Graph
        A graph of scalars.
    source : str
        An input of the graph.
    target : str
        Any node of the graph.
    inputs : mapping or sequence
        The point at which the edge partials are taken.
    limit : int
        The most paths to list.
    max_work : int
        The most nodes to list, summed over the paths. This bounds the enumeration's work
        too: it visits each distinct start of a path once (``PathSum.steps`` says how many
        nodes it visited), never more nodes than it lists.

    Raises
    ------
    PathExplosionError
        Before listing anything, giving the count, when there are more than ``limit``
        paths or when they hold more than ``max_work`` nodes in all.

    Examples
    --------
    >>> import graphdiff as gd
    >>> ps = paths(gd.builders.colah(), "b", "e", {"a": 2.0, "b": 1.0})
    >>> [(p.nodes, p.product) for p in ps.paths]
    [(('b', 'c', 'e'), 2.0), (('b', 'd', 'e'), 3.0)]
    >>> ps.derivative, ps.count, ps.naive_mul, ps.naive_add, ps.steps
    (5.0, 2, 2, 1, 5)
    """
    from graphdiff.views.report import partials_of

    counts = _count(graph, source, target)
    count = counts.paths
    if count > limit:
        raise PathExplosionError(
            f"{count} paths lead from {source!r} to {target!r}, more than limit={limit}: too many to "
            "enumerate. A forward or reverse sweep gets the same derivative touching each edge once."
        )
    if counts.edges + count > max_work:
        raise PathExplosionError(
            f"the {count} paths from {source!r} to {target!r} hold {counts.edges + count} nodes in all, "
            f"more than max_work={max_work}: too long to enumerate. A forward or reverse sweep gets the "
            "same derivative touching each edge once."
        )
    if not all(s == () for s in graph.program.shapes):
        raise ArgumentError("the path-sum view needs a graph of scalars")
    program = graph.program
    values = evaluate(program, graph.bind_inputs(inputs))
    with counting() as partial_costs:
        edges = partials_of(program, values, counted=True)
    on_path = counts.on_path
    # the edges between nodes on a path, out of each node, in the program's order
    out_edges: dict[int, list[tuple[int, float]]] = {}
    slot = program.slot
    for e in edges:
        u, v = slot[e["from"]], slot[e["to"]]
        if on_path[u] and on_path[v]:
            out_edges.setdefault(u, []).append((v, e["partial"]))

    found: list[Path] = []
    names = program.names
    end = slot[target]
    trail: list[int] = []  # the nodes of the path being extended; trail[k] is its node at depth k
    factors: list[float] = []  # factors[k] is the partial on the edge into trail[k + 1]
    stack: list[tuple[int, int, float | None]] = [(slot[source], 0, None)]  # (node, depth, partial in)
    steps = 0
    while stack:
        node, depth, factor = stack.pop()
        steps += 1
        del trail[depth:], factors[max(depth - 1, 0) :]
        trail.append(node)
        if factor is not None:
            factors.append(factor)
        if node == end:
            product = float(np.prod(factors)) if factors else 1.0
            found.append(Path(tuple(names[k] for k in trail), tuple(factors), product))
            continue
        stack.extend((succ, depth + 1, p) for succ, p in reversed(out_edges.get(node, ())))
    forward_ops, reverse_ops = _sweep_costs(graph, inputs, source, target)
    return PathSum(
        source=source,
        target=target,
        paths=found,
        derivative=float(sum(p.product for p in found)) if found else 0.0,
        count=count,
        naive_mul=max(
            counts.edges - count, 0
        ),  # a path of no edges (an output that is the input) multiplies nothing
        naive_add=max(count - 1, 0),
        partials_ops=partial_costs.total,
        forward_ops=forward_ops,
        reverse_ops=reverse_ops,
        steps=steps,
    )


def _sweep_costs(graph: Graph, inputs: Any, source: str, target: str) -> tuple[int, int]:
    """Counted tangent work of one forward sweep from ``source``, and one reverse sweep from ``target``.

    The counts come from :mod:`graphdiff.cost.tally`, which depend on the structure only; the
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
