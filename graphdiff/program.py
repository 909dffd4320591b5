"""A graph compiled once into a flat, validated instruction list that every sweep runs over.

Node ``k`` of the topological order lives in slot ``k`` of a plain list; an instruction
is ``(primitive, out_slot, arg_slots, params, active_args)``. Sweeps never touch networkx.
"""

from __future__ import annotations

import collections
import functools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from .errors import ArityError, CycleError, NodeError, ShapeError
from .graph import _as_value, as_output
from .primitives import Primitive, get_primitive

__all__ = ["Program", "Instruction", "compile_program"]


class Instruction(NamedTuple):
    prim: Primitive
    out: int
    args: tuple[int, ...]
    params: dict
    active_args: tuple[tuple[int, int], ...]  # (argument position, slot) of args that depend on an input


@dataclass(frozen=True, eq=False)
class Program:
    """The compiled form of a graph. Slots follow a topological order of the nodes."""

    names: list[str]
    slot: dict[str, int]
    kinds: list[str]
    shapes: list[tuple[int, ...]]
    input_slots: list[int]
    output_slots: list[int]
    consts: list[tuple[int, Any]]
    ops: list[Instruction]
    active: list[bool]

    def __len__(self) -> int:
        return len(self.names)

    @functools.cached_property
    def sizes(self) -> list[int]:
        """The number of elements of each slot's value."""
        return [math.prod(shape) for shape in self.shapes]

    def pack_outputs(self, values: list) -> Any:
        """The outputs' values: one value for a single output, else a tuple."""
        outs = tuple(as_output(values[s]) for s in self.output_slots)
        return outs[0] if len(outs) == 1 else outs


_NO_PARAMS: dict = {}  # shared by every instruction without parameters; never modified


def _topological_order(G: nx.MultiDiGraph, nodes: dict, pred: dict, succ: dict) -> list[str]:
    """Kahn's algorithm in insertion order; a cycle is reported with its nodes."""
    waiting = {n: sum(len(keys) for keys in pred[n].values()) for n in nodes}
    ready = collections.deque(n for n, count in waiting.items() if count == 0)
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for v, keys in succ[node].items():
            waiting[v] -= len(keys)
            if waiting[v] == 0:
                ready.append(v)
    if len(order) < len(nodes):
        cycle = [u for u, *_ in nx.find_cycle(G.subgraph(n for n, c in waiting.items() if c > 0))]
        raise CycleError(f"the graph has a cycle: {' -> '.join(map(str, cycle + cycle[:1]))}")
    return order


def one_hot(shape: tuple[int, ...], index: int) -> Any:
    """A seed of ``shape`` with a 1 at flat position ``index``: one sweep's unit tangent or cotangent."""
    if shape == ():
        return np.float64(1.0)
    seed = np.zeros(shape)
    seed.flat[index] = 1.0
    return seed


def compile_program(G: nx.MultiDiGraph) -> Program:
    """Validate a graph and compile it. Every error names the offending node."""
    inputs = list(G.graph.get("inputs", []))
    outputs = list(G.graph.get("outputs", []))
    for name in inputs:
        if name not in G or G.nodes[name].get("kind") != "input":
            raise NodeError(f"input {name!r} is not an input node of the graph")
    if len(set(inputs)) != len(inputs):
        raise NodeError(f"inputs {inputs} name a node twice")
    if not outputs:
        raise NodeError("the graph has no outputs; call set_outputs(...)")
    for name in outputs:
        if name not in G:
            raise NodeError(f"output {name!r} is not a node of the graph")
    input_set = set(inputs)

    # networkx's own adjacency dicts: node -> {neighbour: {key: attrs}}; reading them
    # directly is many times faster than the view objects, which matters at 1e5+ nodes
    nodes, pred, succ = G._node, G._pred, G._succ
    arguments: dict[str, tuple] = {}
    prims: dict[str, Primitive] = {}
    for node, data in nodes.items():
        kind = data.get("kind")
        if kind in ("input", "const"):
            if pred[node]:
                raise NodeError(f"{kind} node {node!r} has incoming edges")
            if kind == "input" and node not in input_set:
                raise NodeError(f"input node {node!r} is missing from the graph's input list")
            if kind == "const" and "value" not in data:
                raise NodeError(f"constant node {node!r} has no value")
        elif kind == "op":
            prim = get_primitive(data.get("op"), where=node)
            by_position = {key: u for u, keys in pred[node].items() for key in keys}
            prim.check_call(len(by_position), data.get("params", {}), where=node)
            if len(by_position) != prim.arity or any(k not in by_position for k in range(prim.arity)):
                raise ArityError(
                    f"node {node!r}: argument positions {sorted(by_position)}, expected 0..{prim.arity - 1}"
                )
            arguments[node] = tuple(by_position[k] for k in range(prim.arity))
            prims[node] = prim
        else:
            raise NodeError(f"node {node!r} has kind {kind!r}; expected 'input', 'const' or 'op'")

    order = _topological_order(G, nodes, pred, succ)
    slot = {name: k for k, name in enumerate(order)}
    kinds, shapes, active, consts, ops = [], [], [], [], []
    for k, node in enumerate(order):
        data = nodes[node]
        kind = data["kind"]
        kinds.append(kind)
        if kind == "input":
            shapes.append(tuple(data.get("shape", ())))
            active.append(True)
        elif kind == "const":
            value = _as_value(data["value"], f"constant {node!r}")
            consts.append((k, value))
            shapes.append(np.shape(value))
            active.append(False)
        else:
            prim = prims[node]
            params = dict(data["params"]) if data.get("params") else _NO_PARAMS
            args = tuple([slot[u] for u in arguments[node]])
            arg_shapes = [shapes[a] for a in args]
            if prim.elementwise and not any(arg_shapes):  # scalars: the common case, kept cheap
                shapes.append(())
            else:
                try:
                    shapes.append(prim.shape(*arg_shapes, **params))
                except ShapeError as err:
                    raise ShapeError(f"node {node!r} ({prim.name}): {err}") from None
            active_args = tuple([(i, a) for i, a in enumerate(args) if active[a]])
            active.append(bool(active_args))
            ops.append(Instruction(prim, k, args, params, active_args))

    return Program(
        names=order,
        slot=slot,
        kinds=kinds,
        shapes=shapes,
        input_slots=[slot[n] for n in inputs],
        output_slots=[slot[n] for n in outputs],
        consts=consts,
        ops=ops,
        active=active,
    )
