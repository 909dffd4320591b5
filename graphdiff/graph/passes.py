"""Passes over graphs: simplifications that give the same numbers with less arithmetic.

A derivative graph records what a sweep performs, operation by operation, so it computes
some values twice: ``sin``'s rule asks for ``cos(x)`` where the evaluation may have made
``cos(x)`` already. :func:`cse` finds such repeats on the graph itself. A traced function
may also compute values no output needs (the gradient a Hessian-vector product is taken
of, when only its tangent is returned): :func:`dce` removes them.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from graphdiff.graph.graph import Graph
from graphdiff.ir.analysis import frozen, needed
from graphdiff.primitives.table import get_primitive

__all__ = ["cse", "dce", "fold_shapes"]


def cse(graph: Graph) -> Graph:
    """Common-subexpression elimination: one node for each distinct operation on the same arguments.

    Two operations are the same when they apply the same primitive, with the same
    parameters, to the same argument nodes in the same order; two constants are the same
    when their values are the same bits. Every value the graph computes is unchanged, bit
    for bit; what is gone is arithmetic done twice.

    Examples
    --------
    >>> import graphdiff as gd
    >>> g = gd.trace(lambda x: gd.sin(x) * gd.cos(x) + gd.cos(x))
    >>> len(g), len(cse(g))          # the second cos(x) is the first one
    (6, 5)
    >>> cse(g)(0.5) == g(0.5)
    True
    """
    program = graph.program
    G = graph.nx
    same: dict[str, str] = {}  # node -> the node that stands for it
    seen: dict[Any, str] = {}
    for name in program.names:  # topological order: arguments are resolved first
        data = G.nodes[name]
        if data["kind"] == "input":
            key = ("input", name)
        elif data["kind"] == "const":
            value = np.asarray(data["value"], dtype=float)
            key = ("const", value.shape, value.tobytes())
        else:
            key = (
                "op",
                data["op"],
                tuple(same[a] for a in graph.args(name)),
                frozen(data.get("params", {})),
            )
        same[name] = seen.setdefault(key, name)
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from((n, dict(G.nodes[n])) for n in program.names if same[n] == n)
    for n in program.names:
        if same[n] == n and G.nodes[n]["kind"] == "op":
            H.add_edges_from((same[a], n, k) for k, a in enumerate(graph.args(n)))
    H.graph["inputs"] = list(graph.inputs)
    H.graph["outputs"] = [same[o] for o in graph.outputs]
    return Graph.from_networkx(H, name=graph.name)


def dce(graph: Graph) -> Graph:
    """Dead-code elimination: the graph without the operations and constants no output needs.

    Every input is kept, so the graph is called as before; every output's value is
    unchanged, bit for bit.

    Examples
    --------
    >>> import graphdiff as gd
    >>> def f(x, y):
    ...     unused = gd.exp(x) * y
    ...     return gd.sin(x)
    >>> g = gd.trace(f)
    >>> len(g), len(dce(g))             # exp(x) and its product with y are gone
    (5, 3)
    >>> dce(g)(0.5, 2.0) == g(0.5, 2.0)
    True
    """
    program = graph.program
    live = needed(program) | set(program.input_slots)
    if len(live) == len(program):
        return graph
    keep = [name for slot, name in enumerate(program.names) if slot in live]
    H = graph.nx.subgraph(keep).copy()
    H.graph["inputs"] = list(graph.inputs)
    H.graph["outputs"] = list(graph.outputs)
    return Graph.from_networkx(H, name=graph.name)


def fold_shapes(graph: Graph) -> Graph:
    """Shape operations that change no value folded away: numpy broadcasts, and reshapes compose.

    A ``reshape`` of a ``reshape`` reshapes the first one's argument; a ``reshape`` to its
    argument's own shape is that argument; an elementwise operation reads the argument of a
    ``broadcast_to`` directly where numpy's broadcasting gives the same result shape. Every
    value the graph's outputs take is unchanged, bit for bit (broadcasting repeats entries,
    a reshape moves none); what is gone is the copies and views in between. Reverse sweeps
    make many of these (the adjoint of ``np.max(z, axis=1, keepdims=True)`` is reshaped and
    broadcast back). What no output needs afterwards is dropped (:func:`dce`).

    Examples
    --------
    >>> import numpy as np
    >>> import graphdiff as gd
    >>> f = lambda z: gd.sum(gd.exp(z - np.max(z, axis=1, keepdims=True)))
    >>> g = dce(gd.grad_graph(gd.trace(f, np.ones((2, 3)))))
    >>> shape_ops = lambda g: sum(op in ("reshape", "broadcast_to") for _, op in g.nx.nodes(data="op"))
    >>> shape_ops(g), shape_ops(fold_shapes(g))      # 3 broadcasts and 2 reshapes fold away
    (9, 4)
    >>> z = np.arange(6.0).reshape(2, 3)
    >>> np.array_equal(fold_shapes(g)(z), g(z))
    True
    """
    program = graph.program
    G = graph.nx
    same: dict[str, str] = {}  # node -> the node that stands for it
    args: dict[str, list[str]] = {}  # op -> its arguments after folding
    shape = {n: program.shapes[k] for k, n in enumerate(program.names)}
    for name in program.names:
        data = G.nodes[name]
        if data["kind"] != "op":
            same[name] = name
            continue
        prim = get_primitive(data["op"])
        new = [same[a] for a in graph.args(name)]
        if prim.name == "reshape":
            inner = new[0]
            if G.nodes[inner]["kind"] == "op" and G.nodes[inner]["op"] == "reshape":
                new = [args[inner][0]]
            if shape[new[0]] == shape[name]:
                same[name] = new[0]
                continue
        elif prim.partials is not None and len(new) > 1:
            for i, a in enumerate(new):
                if G.nodes[a]["kind"] == "op" and G.nodes[a]["op"] == "broadcast_to":
                    trial = [*new[:i], args[a][0], *new[i + 1 :]]
                    if np.broadcast_shapes(*(shape[b] for b in trial)) == shape[name]:
                        new = trial
        same[name], args[name] = name, new
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from((n, dict(G.nodes[n])) for n in program.names if same[n] == n)
    for n, arguments in args.items():
        if same[n] == n:
            H.add_edges_from((a, n, k) for k, a in enumerate(arguments))
    H.graph["inputs"] = list(graph.inputs)
    H.graph["outputs"] = [same[o] for o in graph.outputs]
    return dce(Graph.from_networkx(H, name=graph.name))
