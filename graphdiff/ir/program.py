"""A graph compiled once into a flat, validated instruction list that every sweep runs over.

Node ``k`` of the topological order lives in slot ``k`` of a plain list; an instruction
is ``(primitive, out_slot, arg_slots, params, active_args)``. Sweeps never touch networkx.
"""

from __future__ import annotations

import collections
import collections.abc
import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from graphdiff.errors import ArityError, CycleError, NodeError, ShapeError
from graphdiff.primitives.table import Primitive, get_primitive
from graphdiff.values import as_output, as_shape, as_value, brief

__all__ = ["Program", "Instruction", "ProgramBuilder", "compile_program", "infer_shape"]


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
    rereads: frozenset[int]  # out slots of the instructions that read one value twice (x * x)

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


def _active_args(args: tuple[int, ...], active: list[bool], zero: frozenset[int]) -> tuple:
    """(position, slot) of the arguments whose tangent crosses into the node: active, and not a mask's edge."""
    return tuple([(i, a) for i, a in enumerate(args) if active[a] and i not in zero])


def one_hot(shape: tuple[int, ...], index: int) -> Any:
    """A seed of ``shape`` with a 1 at flat position ``index``: one sweep's unit tangent or cotangent."""
    if shape == ():
        return np.float64(1.0)
    seed = np.zeros(shape)
    seed.flat[index] = 1.0
    return seed


def compile_program(G: nx.MultiDiGraph) -> Program:
    """Validate a graph and compile it. Every error names the offending node."""
    inputs = _name_list(G.graph.get("inputs", []), "inputs")
    outputs = _name_list(G.graph.get("outputs", []), "outputs")
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
            arity = prim.arity
            by_position: list = [None] * arity
            for u, keys in pred[node].items():
                for key in keys:
                    if type(key) is not int or not 0 <= key < arity or by_position[key] is not None:
                        _argument_positions_error(node, prim, pred[node])
                    by_position[key] = u
            if None in by_position:
                _argument_positions_error(node, prim, pred[node])
            prim.check_call(arity, data.get("params", {}), where=node)
            arguments[node] = tuple(by_position)
            prims[node] = prim
        else:
            raise NodeError(f"node {node!r} has kind {kind!r}; expected 'input', 'const' or 'op'")

    builder = ProgramBuilder()
    for node in _topological_order(G, nodes, pred, succ):
        data = nodes[node]
        if data["kind"] == "input":
            builder.input(node, as_shape(data.get("shape", ()), f"input {node!r}"))
        elif data["kind"] == "const":
            builder.const(node, as_value(data["value"], f"constant {node!r}"))
        else:
            prim, args, params = prims[node], arguments[node], data.get("params") or _NO_PARAMS
            shape = infer_shape(prim, [builder.shape_of(a) for a in args], params, node, args)
            builder.op(node, prim, args, params, shape)
    return builder.build(inputs, outputs)


def _name_list(names: Any, what: str) -> list[str]:
    """The graph's inputs or outputs: a list of node names (a string would read as its letters)."""
    if not isinstance(names, (list, tuple)):
        raise NodeError(f"the graph's {what} must be a list of node names, got {brief(names)}")
    for name in names:
        if not isinstance(name, str):
            raise NodeError(
                f"the graph's {what} must be a list of node names, but {brief(name)} is not a string"
            )
    return list(names)


def _argument_positions_error(node: str, prim: Primitive, args: dict) -> None:
    """Raise an :class:`ArityError` saying how the edges into ``node`` fail to give one argument per position.

    ``args`` is networkx's ``{argument: {position: attributes}}`` for the node. Only
    called on the error path.
    """
    arity = prim.arity
    pairs = [(key, u) for u, keys in args.items() for key in keys]
    good = collections.defaultdict(list)  # integer position -> the nodes given at it
    problems = []
    for key, u in pairs:
        if type(key) is not int:
            problems.append(f"position {key!r} (from {u!r}) is not an integer")
        elif not 0 <= key < arity:
            problems.append(f"position {key} (from {u!r}) is out of range")
        else:
            good[key].append(u)
    for key in sorted(good):
        if len(good[key]) > 1:
            problems.append(
                f"position {key} is given {len(good[key])} times (by {', '.join(map(repr, good[key]))})"
            )
    missing = [k for k in range(arity) if k not in good]
    if missing:
        problems.append(f"position{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} missing")
    listed = sorted(
        (key for key, _ in pairs), key=lambda k: (type(k) is not int, k if type(k) is int else 0, repr(k))
    )
    raise ArityError(
        f"node {node!r}: argument positions {listed}, expected each of 0..{arity - 1} once "
        f"({prim.name} takes {arity} argument(s)): {'; '.join(problems)}"
    )


def infer_shape(
    prim: Primitive, arg_shapes: list, params: dict, node: str | None, args: Sequence[str]
) -> tuple[int, ...]:
    """The output shape of ``prim`` on arguments of ``arg_shapes``.

    A ShapeError names ``node``, or, for a node not named yet, the primitive and ``args``;
    the message is only made then, since most nodes are scalars and never need it.
    """
    if prim.elementwise and not any(arg_shapes):  # scalars: the common case, kept cheap
        return ()
    try:
        return prim.shape(*arg_shapes, **params)
    except ShapeError as err:
        where = f"node {node!r}" if node else f"{prim.name}({', '.join(args)})"
        raise ShapeError(f"{prim.name} {where}: {err}") from None


class ProgramBuilder:
    """A program assembled node by node, each node after its arguments.

    :func:`compile_program` feeds it a validated graph in topological order; a
    :class:`~graphdiff.Graph` feeds it as it is built, so that a traced graph needs no
    second pass before its first sweep.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.slot: dict[str, int] = {}
        self.kinds: list[str] = []
        self.shapes: list[tuple[int, ...]] = []
        self.active: list[bool] = []
        self.consts: list[tuple[int, Any]] = []
        self.ops: list[Instruction] = []
        self.rereads: list[int] = []
        self.edges = 0

    def _add(self, name: str | None, kind: str, shape: tuple[int, ...], active: bool) -> int:
        k = len(self.kinds)
        if name is not None:  # a tape (record_program) numbers its values and names none
            self.names.append(name)
            self.slot[name] = k
        self.kinds.append(kind)
        self.shapes.append(shape)
        self.active.append(active)
        return k

    def shape_of(self, name: str) -> tuple[int, ...]:
        return self.shapes[self.slot[name]]

    def input(self, name: str | None, shape: tuple[int, ...]) -> int:
        return self._add(name, "input", shape, True)

    def const(self, name: str | None, value: Any) -> int:
        k = self._add(name, "const", np.shape(value), False)
        self.consts.append((k, value))
        return k

    def op(
        self, name: str, prim: Primitive, arg_names: Sequence[str], params: dict, shape: tuple[int, ...]
    ) -> None:
        self.op_at(name, prim, tuple([self.slot[a] for a in arg_names]), params, shape)

    def op_at(
        self, name: str | None, prim: Primitive, args: tuple[int, ...], params: dict, shape: tuple[int, ...]
    ) -> int:
        """Add an instruction applying ``prim`` to the values in slots ``args``; return its slot."""
        zero = prim.zero_args
        active_args = _active_args(args, self.active, zero)
        k = self._add(name, "op", shape, bool(active_args))
        # tuple.__new__ skips the named tuple's keyword handling: a third of the cost per node
        self.ops.append(tuple.__new__(Instruction, (prim, k, args, params or _NO_PARAMS, active_args)))
        if len(args) > 1 and (args[0] == args[1] if len(args) == 2 else len(set(args)) < len(args)):
            self.rereads.append(k)
        self.edges += len(args)
        return k

    def build_numbered(self, input_slots: list[int], output_slots: list[int], stem: str) -> Program:
        """A :class:`Program` of values added without names: value k is called ``<stem>k``."""
        if not output_slots:
            raise NodeError("the program has no outputs")
        numbered = _Numbered(stem, len(self.kinds))
        return Program(
            names=numbered,  # type: ignore[arg-type]
            slot=numbered.slots(),  # type: ignore[arg-type]
            kinds=self.kinds,
            shapes=self.shapes,
            input_slots=list(input_slots),
            output_slots=list(output_slots),
            consts=self.consts,
            ops=self.ops,
            active=self.active,
            rereads=frozenset(self.rereads),
        )

    def build(self, inputs: list[str], outputs: list[str]) -> Program:
        """A snapshot :class:`Program` with these inputs and outputs (later additions do not change it)."""
        if not outputs:
            raise NodeError("the graph has no outputs; call set_outputs(...)")
        return Program(
            names=list(self.names),
            slot=dict(self.slot),
            kinds=list(self.kinds),
            shapes=list(self.shapes),
            input_slots=[self.slot[n] for n in inputs],
            output_slots=[self.slot[n] for n in outputs],
            consts=list(self.consts),
            ops=list(self.ops),
            active=list(self.active),
            rereads=frozenset(self.rereads),
        )


class _Numbered(Sequence):
    """The names ``<stem>0, <stem>1, ...`` of a program's values, made when asked for, not kept.

    A derivative program of 10^6 instructions is only compiled: a list and a dict of its
    names would hold a few hundred megabytes that nothing reads.
    """

    def __init__(self, stem: str, n: int) -> None:
        self.stem, self.n = stem, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [f"{self.stem}{i}" for i in range(*k.indices(self.n))]
        if not -self.n <= k < self.n:
            raise IndexError(k)
        return f"{self.stem}{k % self.n}"

    def slots(self) -> collections.abc.Mapping:
        """Name -> slot, as ``Program.slot`` is."""
        return _NumberedSlots(self)


class _NumberedSlots(collections.abc.Mapping):
    def __init__(self, names: _Numbered) -> None:
        self.names = names

    def __getitem__(self, name: Any) -> int:
        stem = self.names.stem
        digits = name[len(stem) :] if isinstance(name, str) and name.startswith(stem) else ""
        if not digits.isdigit() or int(digits) >= self.names.n or str(int(digits)) != digits:
            raise KeyError(name)
        return int(digits)

    def __iter__(self) -> Any:
        return iter(self.names)

    def __len__(self) -> int:
        return self.names.n


def restricted(program: Program, varied_inputs: frozenset[int]) -> Program:
    """``program`` differentiated by some inputs only: the others are data, like constants.

    What depends only on the data is not active, so no sweep computes a tangent or adjoint
    for it (the gradient of a loss by its weights computes nothing for dL/dX). The
    program is made once per set of input slots and kept with ``program``.

    >>> import graphdiff as gd
    >>> g = gd.trace(lambda w, x: gd.sin(x) * w)
    >>> p = restricted(g.program, frozenset({g.program.slot["w"]}))
    >>> [g.program.names[s] for s, on in enumerate(p.active) if on]
    ['w', 'mul_3']
    """
    if varied_inputs == frozenset(program.input_slots):
        return program
    cache = program.__dict__.setdefault("_restricted", {})
    if varied_inputs not in cache:
        active = [False] * len(program)
        for s in varied_inputs:
            active[s] = True
        ops = []
        for prim, out, args, params, _ in program.ops:
            active_args = _active_args(args, active, prim.zero_args)
            active[out] = bool(active_args)
            ops.append(tuple.__new__(Instruction, (prim, out, args, params, active_args)))
        cache[varied_inputs] = dataclasses.replace(program, ops=ops, active=active)
    return cache[varied_inputs]
