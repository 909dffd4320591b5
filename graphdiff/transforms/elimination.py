"""Vertex elimination: the Jacobian accumulated from the linearized graph, in any order.

Forward and reverse mode are two ways of factoring the sum over paths of the products of
edge partials ("Calculus on Computational Graphs"). Eliminating intermediate vertices
one at a time is the general form: eliminating ``j`` connects each predecessor ``i`` to
each successor ``k`` with ``c_ik += c_ij * c_jk`` and removes ``j``. When only inputs
and outputs remain, the edge partials are the Jacobian.

The counting convention is the literature's (Griewank and Reese; Naumann; the AlphaGrad
paper), so that numbers compare: eliminating a vertex with ``p`` predecessors and ``s``
successors on the current graph costs ``p * s`` multiplications; a product landing on an
edge that exists already is also an addition (counted apart); fill-in edges count from
then on; inputs and outputs are never eliminated; computing the local partials
themselves is reported separately. Eliminating every intermediate in evaluation order
("forward") costs what forward mode with sparse tangent vectors multiplies, and in
reverse order ("reverse") what reverse mode with sparse adjoints does.

>>> import graphdiff as gd
>>> g = gd.builders.colah()
>>> r = gd.eliminate(g, [2.0, 1.0], order="forward")
>>> r.jacobian, r.order, r.multiplications, r.additions
(array([[2., 5.]]), ['c', 'd'], 3, 1)
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.compiler.codegen import Unsupported, evaluation_then, sym_code
from graphdiff.errors import ArgumentError, InputError, ShapeError
from graphdiff.graph.graph import Graph
from graphdiff.graph.tracer import trace
from graphdiff.modes.evaluate import evaluate
from graphdiff.primitives.counting import Counted, OpCounts, counting

__all__ = [
    "linearize_graph",
    "eliminate",
    "Elimination",
    "ORDERS",
    "elimination_cost",
    "compiled_elimination",
]

ORDERS = ("forward", "reverse", "markowitz", "fill", "best")
"""The named orders: evaluation order, its reverse, lowest Markowitz degree (p * s) first,
lowest fill-in first (ties by Markowitz degree), and a search seeded from them."""


def linearize_graph(g: Graph, inputs: Sequence[Any]) -> nx.DiGraph:
    """The linearized graph of a scalar ``g`` at ``inputs``: each edge carries its local partial.

    The figure of "Calculus on Computational Graphs" for any function. Vertices are the
    inputs and the operations (constants are not vertices), each with its ``value`` and
    ``index`` (its position in evaluation order); the edge ``u -> v`` has ``partial`` =
    d v / d u at the point, an argument used twice (``x * x``) giving one edge with the
    sum of both partials. An argument whose partial is a structural zero (the condition of
    a ``select``, the arguments of a comparison) has no edge. The graph's ``inputs`` and
    ``outputs`` are listed in ``G.graph``.

    Examples
    --------
    >>> import graphdiff as gd
    >>> G = gd.linearize_graph(gd.builders.colah(), [2.0, 1.0])
    >>> sorted((u, v, p) for u, v, p in G.edges(data="partial"))
    [('a', 'c', 1.0), ('b', 'c', 1.0), ('b', 'd', 1.0), ('c', 'e', 2.0), ('d', 'e', 3.0)]
    """
    return _linearized(g, inputs)[0]


def _linearized(g: Graph, inputs: Sequence[Any], count: bool = True) -> tuple[nx.DiGraph, OpCounts]:
    if not isinstance(g, Graph):
        if not callable(g):
            raise InputError(f"expected a Graph, a function or a linearized networkx DiGraph, got {g!r}")
        if isinstance(inputs, dict) or not isinstance(inputs, Sequence) or not inputs:
            raise InputError(
                "a function is traced at its inputs: pass them as a list of values, one per input"
            )
        g = trace(g, *inputs)
    program = g.program
    not_scalar = [program.names[s] for s in range(len(program)) if program.shapes[s] != ()]
    if not_scalar:
        raise ShapeError(
            f"elimination works on graphs of scalars; {g.name} has arrays (at {not_scalar[0]!r}): "
            "trace it with scalar inputs"
        )
    values = evaluate(program, g.bind_inputs(inputs))
    G = nx.DiGraph(name=g.name, inputs=list(g.inputs), outputs=list(g.outputs))
    index = 0
    for slot in range(len(program)):
        if program.kinds[slot] != "const":
            G.add_node(program.names[slot], value=float(values[slot]), index=index)
            index += 1
    costs = OpCounts()
    for prim, out, args, params, _ in program.ops:
        partials: dict[int, float] = {}
        for i, a in enumerate(args):
            if program.kinds[a] == "const" or i in prim.zero_args:
                continue
            arg_values = [values[b] for b in args]
            partial = _partial(prim, i, values[out], arg_values, params)
            if count:
                with counting() as counted:  # what computing this partial costs, counted apart
                    _partial(prim, i, Counted(values[out]), [Counted(v) for v in arg_values], params)
                costs += counted
            partials[a] = partials.get(a, 0.0) + float(partial)
        for a, partial in partials.items():
            G.add_edge(program.names[a], program.names[out], partial=partial)
    return _output_copies(G), costs


def _output_copies(G: nx.DiGraph) -> nx.DiGraph:
    """``G`` with each output that other operations also use given a copy of its own as the output.

    Outputs are never eliminated, so an output feeding further operations could not pass
    its partials on; its copy (``<name>:out``, an edge of partial 1) is the output instead,
    and the vertex itself becomes an intermediate.
    """
    inputs = set(G.graph["inputs"])
    used = [o for o in G.graph["outputs"] if o in G and o not in inputs and G.out_degree(o)]
    if not used:
        return G
    last = max((G.nodes[v]["index"] for v in G), default=-1)
    outputs = list(G.graph["outputs"])
    for o in dict.fromkeys(used):
        copy = f"{o}:out"
        while copy in G:
            copy += "_"
        last += 1
        G.add_node(copy, value=G.nodes[o].get("value"), index=last)
        G.add_edge(o, copy, partial=1.0)
        outputs = [copy if x == o else x for x in outputs]
    G.graph["outputs"] = outputs
    return G


def _partial(prim: Any, i: int, out: Any, args: list, params: dict) -> float:
    """d out / d args[i] at the point: the edge's stated partial, or the forward rule on a unit tangent."""
    p = prim.partials[i] if prim.partials is not None else None
    if p is not None and p.kind == "one":
        return 1.0
    if p is not None and p.kind == "minus_one":
        return -1.0
    if p is not None and p.kind in ("times", "over"):
        value = p.rule(out, *args, **params)
        return value if p.kind == "times" else 1.0 / value
    result = prim.jvp[i](1.0, out, *args, **params)  # structural primitives: their linear rule
    return 0.0 if result is None else result


@dataclass
class Elimination:
    """The Jacobian by vertex elimination in one order, and what that order costs.

    ``jacobian`` is ``(outputs, inputs)``, JAX's layout for a function of scalars;
    ``multiplications`` and ``additions`` follow the literature's convention (module
    docstring); ``partial_ops`` is the arithmetic of computing the local partials,
    counted apart; ``edges`` is the linearized graph before elimination as
    ``[source, target, partial]``, so that anyone can recount an order.
    """

    graph: str
    inputs: list[str]
    outputs: list[str]
    order_name: str
    order: list[str]
    multiplications: int
    additions: int
    jacobian: np.ndarray
    partial_ops: OpCounts
    edges: list[list[Any]] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values."""
        return {
            "graph": self.graph,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "edges": self.edges,
            "order_name": self.order_name,
            "order": self.order,
            "multiplications": self.multiplications,
            "additions": self.additions,
            "partial_ops": self.partial_ops.as_dict(),
            "jacobian": self.jacobian.tolist(),
        }

    def accumulate(self) -> Callable[[Sequence[float]], list[float]]:
        """This order as straight-line Python: edge partials (in ``edges`` order) -> Jacobian entries.

        Executing it performs exactly the counted multiplications and additions; timing it
        shows what an order costs in time, which multiplications alone do not say.
        """
        return _accumulator(self.edges, self.order, self.inputs, self.outputs)


def compiled_elimination(g: Graph, order: Sequence[str]) -> Callable[[Sequence[float]], list[float]] | None:
    """The Jacobian of a scalar ``g`` in one elimination order as straight-line Python: inputs
    (floats) -> the Jacobian's entries, outputs by inputs, row by row.

    The evaluation, each edge partial (written from the primitive's stated partial) and
    the accumulation, in one generated function: the elimination's counterpart of the
    generated sweeps. ``None`` where a rule cannot be written as code.

    >>> import graphdiff as gd
    >>> compiled_elimination(gd.builders.colah(), ["c", "d"])([2.0, 1.0])
    [2.0, 5.0]
    """
    program = g.program
    with np.errstate(all="ignore"):  # the edges only: the point does not matter
        G, _ = _linearized(g, [1.0] * len(g.inputs), count=False)
    order = _Structure(G).checked(list(order))
    edges = [[u, v, p] for u, v, p in G.edges(data="partial")]
    accumulation, result = _accumulation_lines(edges, order, G.graph["inputs"], G.graph["outputs"])

    def lines(sym: Callable[[int], Any]) -> list[str]:
        terms: dict[tuple[str, str], list[str]] = {}
        for prim, out, args, params, _ in program.ops:
            for i, a in enumerate(args):
                if program.kinds[a] != "const" and i not in prim.zero_args:
                    value = _partial(prim, i, sym(out), [sym(b) for b in args], params)
                    terms.setdefault((program.names[a], program.names[out]), []).append(sym_code(value))
        code = []
        for k, (u, v, _) in enumerate(edges):
            found = terms.get((u, v), ["1.0"])  # none: the edge to an output's copy
            code.append(f"    e{k} = {found[0] if len(found) == 1 else '(' + ' + '.join(found) + ')'}")
        return code + accumulation

    try:
        return evaluation_then(program, "elimination", lines, result)
    except Unsupported:
        return None


def eliminate(
    g: Graph | nx.DiGraph,
    inputs: Sequence[Any] = (),
    order: str | Sequence[str] = "markowitz",
    budget: float = 10.0,
    iterations: int | None = None,
    seed: int = 0,
) -> Elimination:
    """The Jacobian of a scalar ``g`` at ``inputs`` by eliminating its intermediate vertices.

    ``g`` may also be a linearized graph itself: a networkx ``DiGraph`` whose edges carry
    ``partial`` and whose ``graph["inputs"]`` and ``graph["outputs"]`` list its inputs and
    outputs (what :func:`linearize_graph` returns, or one drawn by hand); its vertices'
    evaluation order is their ``index``, else the order they were added in.

    ``order`` is a list of node names (every intermediate once; outputs and inputs are
    never eliminated) or a name in :data:`ORDERS`. ``"markowitz"`` and ``"fill"`` choose
    greedily on the current graph, ties broken by the lowest index in evaluation order.
    ``"best"`` searches for ``budget`` seconds (or ``iterations`` steps: reproducible
    anywhere) by simulated annealing over orders, from the best of the other heuristics;
    ``seed`` makes its choices repeatable.

    Examples
    --------
    >>> import graphdiff as gd
    >>> g = gd.trace(lambda x, y: gd.sin(x * y) * y)     # intermediates mul_2 = x y, sin_3
    >>> [gd.eliminate(g, [0.5, 2.0], order=o).multiplications for o in ("forward", "reverse")]
    [4, 3]
    >>> r = gd.eliminate(g, [0.5, 2.0], order=["sin_3", "mul_2"])
    >>> r.jacobian.tolist() == [gd.jacfwd(g)(0.5, 2.0).tolist()]
    True
    """
    _check_search(budget, iterations)
    if isinstance(order, str):
        pass
    elif isinstance(order, Sequence) and all(isinstance(v, str) for v in order):
        order = list(order)
    else:
        raise ArgumentError(
            f"eliminate: order is a name in {', '.join(ORDERS)} or a list of node names; got {order!r}"
        )
    G, partial_ops = _given_linearized(g) if isinstance(g, nx.DiGraph) else _linearized(g, inputs)
    structure = _Structure(G)
    if isinstance(order, str):
        order_name, chosen = order, structure.named(order, budget, iterations, seed)
    else:
        order_name, chosen = "given", structure.checked(order)
    edges = [[u, v, p] for u, v, p in G.edges(data="partial")]
    jacobian, multiplications, additions = _eliminated(G, chosen)
    return Elimination(
        G.graph.get("name", "graph"), list(G.graph["inputs"]), list(G.graph["outputs"]), order_name, chosen,
        multiplications, additions, jacobian, partial_ops, edges,
    )  # fmt: skip


def _check_search(budget: Any, iterations: Any) -> None:
    """``budget`` seconds (0 or more) and ``iterations`` steps (None, or 0 or more): 0 searches nothing."""
    if (
        isinstance(budget, bool)
        or not isinstance(budget, (int, float))
        or not budget >= 0
        or budget == math.inf
    ):
        raise ArgumentError(f"eliminate: budget is a number of seconds, 0 or more; got {budget!r}")
    if iterations is not None and (
        isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0
    ):
        raise ArgumentError(
            f"eliminate: iterations is a number of search steps, 0 or more; got {iterations!r}"
        )


def _given_linearized(G: nx.DiGraph) -> tuple[nx.DiGraph, OpCounts]:
    """A linearized graph given as such, checked: inputs, outputs and a number on every edge."""
    if isinstance(G, nx.MultiDiGraph):
        raise ArgumentError("eliminate: a linearized graph has one edge per pair (add parallel partials)")
    ins, outs = G.graph.get("inputs"), G.graph.get("outputs")
    if not isinstance(ins, (list, tuple)) or not isinstance(outs, (list, tuple)) or not ins or not outs:
        raise ArgumentError('eliminate: a linearized graph lists its "inputs" and "outputs" in G.graph')
    missing = [v for v in (*ins, *outs) if v not in G]
    if missing:
        raise ArgumentError(f"eliminate: {missing[0]!r} is listed as an input or output but is not a vertex")
    for u, v, p in G.edges(data="partial"):
        if (
            isinstance(p, bool)
            or not isinstance(p, (int, float, np.floating, np.integer))
            or not math.isfinite(p)
        ):
            raise ArgumentError(
                f"eliminate: edge {u!r} -> {v!r} needs a finite number as its partial, got {p!r}"
            )
    if not nx.is_directed_acyclic_graph(G):
        raise ArgumentError("eliminate: a linearized graph has no cycles")
    H = nx.DiGraph(name=G.graph.get("name", "graph"), inputs=list(ins), outputs=list(outs))
    added = {v: k for k, v in enumerate(G)}  # evaluation order: topological, ties as added
    topological = nx.lexicographical_topological_sort(G, key=added.get)
    for k, v in enumerate(topological):
        H.add_node(v, index=G.nodes[v].get("index", k))
    H.add_edges_from((u, v, {"partial": float(p)}) for u, v, p in G.edges(data="partial"))
    return _output_copies(H), OpCounts()


def _eliminated(G: nx.DiGraph, order: list[str]) -> tuple[np.ndarray, int, int]:
    """Eliminate ``order`` on the edge partials of ``G``: the Jacobian, multiplications, additions."""
    preds: dict[str, dict[str, float]] = {v: {} for v in G}
    succs: dict[str, dict[str, float]] = {v: {} for v in G}
    for u, v, p in G.edges(data="partial"):
        preds[v][u] = succs[u][v] = p
    multiplications = additions = 0
    for j in order:
        for i, c_ij in preds[j].items():
            row = succs[i]
            del row[j]
            for k, c_jk in succs[j].items():
                multiplications += 1
                if k in row:
                    additions += 1
                    row[k] = preds[k][i] = row[k] + c_ij * c_jk
                else:
                    row[k] = preds[k][i] = c_ij * c_jk
        for k in succs[j]:
            del preds[k][j]
        preds[j], succs[j] = {}, {}
    inputs, outputs = G.graph["inputs"], G.graph["outputs"]
    jacobian = np.zeros((len(outputs), len(inputs)))
    for r, o in enumerate(outputs):
        for c, x in enumerate(inputs):
            jacobian[r, c] = 1.0 if o == x else preds.get(o, {}).get(x, 0.0)  # a constant output: 0
    return jacobian, multiplications, additions


class _Structure:
    """The linearized graph's pattern as bitsets, for counting orders fast (a search counts many)."""

    def __init__(self, G: nx.DiGraph) -> None:
        self.names = sorted(G, key=lambda v: G.nodes[v]["index"])
        position = {v: k for k, v in enumerate(self.names)}
        self.preds = [0] * len(self.names)
        self.succs = [0] * len(self.names)
        for u, v in G.edges:
            self.preds[position[v]] |= 1 << position[u]
            self.succs[position[u]] |= 1 << position[v]
        kept = set(G.graph["inputs"]) | set(G.graph["outputs"])
        self.intermediates = [k for k, v in enumerate(self.names) if v not in kept]
        self.graph = G.graph["name"]

    def checked(self, order: list[str]) -> list[str]:
        wanted = {self.names[k] for k in self.intermediates}
        unknown = [v for v in order if v not in wanted]
        if unknown or len(order) != len(set(order)) or set(order) != wanted:
            missing = sorted(wanted - set(order), key=self.names.index)
            raise ArgumentError(
                f"eliminate: an order names every intermediate vertex of {self.graph} once"
                + (f"; not intermediates: {unknown[:5]}" if unknown else "")
                + (f"; missing: {missing[:5]}" if missing else "")
            )
        return order

    def named(self, name: str, budget: float, iterations: int | None, seed: int) -> list[str]:
        if name == "forward":
            ks = list(self.intermediates)
        elif name == "reverse":
            ks = self.intermediates[::-1]
        elif name == "markowitz":
            ks = self._greedy(lambda p, s, fill: p * s)
        elif name == "fill":
            ks = self._greedy(lambda p, s, fill: (fill, p * s))
        elif name == "best":
            ks = self._search(budget, iterations, seed)
        else:
            raise ArgumentError(f"eliminate: unknown order {name!r}; choose from {', '.join(ORDERS)}")
        return [self.names[k] for k in ks]

    def cost(self, order: Sequence[int]) -> int:
        return elimination_cost(self.preds, self.succs, order)

    def _greedy(self, key: Callable[[int, int, int], Any]) -> list[int]:
        preds, succs = self.preds[:], self.succs[:]
        remaining, order = set(self.intermediates), []
        while remaining:

            def rank(v: int) -> tuple:
                p, s = preds[v].bit_count(), succs[v].bit_count()
                fill = sum((succs[v] & ~succs[i]).bit_count() for i in _bits(preds[v]))
                return (key(p, s, fill), v)

            j = min(remaining, key=rank)
            _eliminate_bits(preds, succs, j)
            remaining.discard(j)
            order.append(j)
        return order

    def _search(self, budget: float, iterations: int | None, seed: int) -> list[int]:
        """Simulated annealing over orders: move one vertex elsewhere, keep it if not much worse."""
        starts = [self.intermediates, self.intermediates[::-1]]
        starts += [self._greedy(lambda p, s, f: p * s), self._greedy(lambda p, s, f: (f, p * s))]
        current = min(starts, key=self.cost)
        cost = best_cost = self.cost(current)
        best = list(current)
        n = len(current)
        if n < 2 or (iterations == 0 if iterations is not None else budget == 0):
            return best  # nothing to search: the best heuristic
        rng = random.Random(seed)
        started = time.perf_counter()
        step = 0
        while True:
            step += 1
            done = step / iterations if iterations is not None else (time.perf_counter() - started) / budget
            if done >= 1:
                break
            temperature = 3.0 * (1.0 - done) + 0.05
            candidate = list(current)
            candidate.insert(rng.randrange(n), candidate.pop(rng.randrange(n)))
            new_cost = self.cost(candidate)
            if new_cost <= cost or rng.random() < math.exp((cost - new_cost) / temperature):
                current, cost = candidate, new_cost
                if cost < best_cost:
                    best, best_cost = list(current), cost
        return best


def elimination_cost(preds: list[int], succs: list[int], order: Sequence[int]) -> int:
    """The multiplications of eliminating ``order`` on a pattern of bitsets (vertex k's
    predecessors and successors as the bits of ``preds[k]`` and ``succs[k]``)."""
    preds, succs = preds[:], succs[:]
    total = 0
    for j in order:
        total += preds[j].bit_count() * succs[j].bit_count()
        _eliminate_bits(preds, succs, j)
    return total


def _eliminate_bits(preds: list[int], succs: list[int], j: int) -> None:
    p, s, keep = preds[j], succs[j], ~(1 << j)
    for i in _bits(p):
        succs[i] = (succs[i] | s) & keep
    for k in _bits(s):
        preds[k] = (preds[k] | p) & keep
    preds[j] = succs[j] = 0


def _bits(x: int):
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


def _accumulator(
    edges: list[list[Any]], order: list[str], inputs: list[str], outputs: list[str]
) -> Callable[[Sequence[float]], list[float]]:
    """Generate the straight-line code of one elimination order (see :meth:`Elimination.accumulate`)."""
    lines, result = _accumulation_lines(edges, order, inputs, outputs)
    source = "\n".join(
        [
            "def accumulate(c):",
            *(f"    e{k} = c[{k}]" for k in range(len(edges))),
            *lines,
            f"    return {result}",
        ]
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<graphdiff elimination>", "exec"), namespace)
    return namespace["accumulate"]


def _accumulation_lines(
    edges: list[list[Any]], order: list[str], inputs: list[str], outputs: list[str]
) -> tuple[list[str], str]:
    """The statements of one elimination order, on edge partials ``e0, e1, ...`` (in ``edges``
    order), and the expression of the Jacobian's entries.

    They walk the edges exactly as the elimination does (the same products, added in the
    same order), naming each edge partial by a variable, so they compute the same bits.
    """
    preds: dict[str, dict[str, str]] = {}
    succs: dict[str, dict[str, str]] = {}
    lines: list[str] = []
    for e, (u, v, _) in enumerate(edges):
        preds.setdefault(v, {})[u] = succs.setdefault(u, {})[v] = f"e{e}"
    fresh = len(edges)
    for j in order:
        for i, c_ij in preds.get(j, {}).items():
            row = succs[i]
            del row[j]
            for k, c_jk in succs.get(j, {}).items():
                if k in row:
                    lines.append(f"    {row[k]} = {row[k]} + {c_ij} * {c_jk}")
                else:
                    row[k] = preds[k][i] = f"e{fresh}"
                    fresh += 1
                    lines.append(f"    {row[k]} = {c_ij} * {c_jk}")
        for k in succs.get(j, {}):
            del preds[k][j]
        preds[j], succs[j] = {}, {}
    entries = ["1.0" if o == x else preds.get(o, {}).get(x, "0.0") for o in outputs for x in inputs]
    return lines, f"[{', '.join(entries)}]"
