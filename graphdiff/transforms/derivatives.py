"""Derivatives as graphs: the sweeps run on tracers, and what they compute is recorded.

A forward or reverse sweep is a short interpreter over a program. Run on tracers instead
of numbers, each rule it applies adds nodes to a new graph, so the derivative computation
becomes a :class:`~graphdiff.Graph` like any other: evaluate it, draw it, count it, save
it, differentiate it again. Structural zeros are never recorded; the primal values the
reverse part reads are edges from the primal part (the tape, made visible).

The same mechanism makes the transformations nest: ``gd.grad`` called on traced values
records its sweep into the trace around it, so ``gd.jvp(gd.grad(f), ...)`` is forward
over reverse, and any order works.

>>> import graphdiff as gd
>>> g = gd.builders.colah()
>>> dg = grad_graph(g)                 # a Graph: inputs a, b; outputs de/da, de/db
>>> dg.inputs, dg(2.0, 1.0)
(['a', 'b'], (2.0, 5.0))
>>> gd.hessian(g)(2.0, 1.0)            # e = (a + b)(b + 1): d2e/da db = 1, d2e/db2 = 2
array([[0., 1.],
       [1., 2.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.compiler import codegen
from graphdiff.errors import SeedError
from graphdiff.graph.graph import Graph
from graphdiff.graph.tracer import record_program, trace
from graphdiff.ir.program import Program
from graphdiff.modes.forward import forward_sweep
from graphdiff.transforms.api import grad, jvp
from graphdiff.transforms.recorded import dense_or_zeros, recorded_sweep

__all__ = ["grad_graph", "jvp_graph", "vjp_graph", "reverse_program", "forward_program"]


def _examples(g: Graph, names: list[str]) -> list[Any]:
    return [np.zeros(g.shape_of(n)) if g.shape_of(n) else 0.0 for n in names]


def _fresh(names: list[str], stem: str, suffix: str) -> list[str]:
    """``stem + suffix`` for each stem, made unique against ``names``."""
    taken, out = set(names), []
    for s in stem:
        name = f"{s}{suffix}"
        while name in taken:
            name += "_"
        taken.add(name)
        out.append(name)
    return out


def grad_graph(g: Graph) -> Graph:
    """The gradient of a scalar graph as a graph: the evaluation, then one reverse sweep, recorded.

    Its inputs are ``g``'s; its outputs are d(output)/d(input), one per input.

    Examples
    --------
    >>> import graphdiff as gd
    >>> dg = gd.grad_graph(gd.trace(lambda x: gd.sin(x) * x))
    >>> dg(0.0)                      # cos(0) * 0 + sin(0) = 0
    0.0
    """
    return trace(grad(g), *_examples(g, g.inputs), name=f"grad({g.name})", names=g.inputs)


def jvp_graph(g: Graph, seeded: list[str] | None = None) -> Graph:
    """The forward sweep of ``g`` as a graph: inputs ``g``'s and a tangent per seeded input
    (``<name>_dot``), outputs ``g``'s outputs then their tangents.

    ``seeded``: the inputs that get a tangent (default: all); the others' tangents are
    structural zeros, never recorded. ``jvp_graph(g, [name])`` is one sweep of forward
    mode seeded at ``name``.

    Examples
    --------
    >>> import graphdiff as gd
    >>> jg = gd.jvp_graph(gd.builders.colah())
    >>> jg.inputs
    ['a', 'b', 'a_dot', 'b_dot']
    >>> jg(2.0, 1.0, 0.0, 1.0)       # e and de/db
    (6.0, 5.0)
    """
    n = len(g.inputs)
    seeded = list(g.inputs) if seeded is None else list(seeded)
    unknown = [s for s in seeded if s not in g.inputs]
    if unknown or len(set(seeded)) != len(seeded):
        raise SeedError(f"cannot seed {unknown or seeded}: seed each input of {g.name} {g.inputs} once")
    where = [seeded.index(name) if name in seeded else None for name in g.inputs]
    names = g.inputs + _fresh(g.inputs, seeded, "_dot")

    def sweep(*values: Any) -> tuple:
        x_dots = [None if k is None else values[n + k] for k in where]
        outs, out_dots = jvp(g, values[:n], x_dots)
        return _flat(outs, len(g.outputs)) + _flat(out_dots, len(g.outputs))

    examples = _examples(g, g.inputs) + _examples(g, seeded)
    label = "" if len(seeded) == n else f", {', '.join(seeded)}"
    return trace(sweep, *examples, name=f"jvp({g.name}{label})", names=names)


def vjp_graph(g: Graph) -> Graph:
    """The evaluation and reverse sweep of ``g`` as a graph: inputs ``g``'s and a cotangent per
    output (``<name>_bar``), outputs ``g``'s outputs then an adjoint per input.

    The primal values the reverse part reads are edges from the primal part: the tape.

    Examples
    --------
    >>> import graphdiff as gd
    >>> vg = gd.vjp_graph(gd.builders.colah())
    >>> vg.inputs
    ['a', 'b', 'e_bar']
    >>> vg(2.0, 1.0, 1.0)            # e, de/da, de/db
    (6.0, 2.0, 5.0)
    """
    names = g.inputs + _fresh(g.inputs, g.outputs, "_bar")
    program = g.program
    labels: dict[str, str] = {}  # traced node -> the name it shows: the primal's, or <name>_bar
    sweep = recorded_sweep(program, True, range(len(g.outputs)), labels)
    examples = _examples(g, g.inputs) + [np.zeros(g.shape_of(o)) if g.shape_of(o) else 0.0 for o in g.outputs]
    return _relabelled(trace(sweep, *examples, name=f"vjp({g.name})", names=names), labels)


def reverse_program(program: Program, with_value: bool, seeded: Sequence[int]) -> Program:
    """The reverse sweep of a program of scalars recorded as a program: what the compiler compiles.

    Its inputs are ``program``'s, then a cotangent per output in ``seeded`` (the others get
    none: not a zero one, which would multiply, ``0 * inf`` being nan); its outputs are the
    outputs' values (``with_value``), then one adjoint per input (the constant 0.0 where no
    seeded output depends on the input).

    >>> import graphdiff as gd
    >>> p = reverse_program(gd.builders.colah().program, False, [0])
    >>> [op.prim.name for op in p.ops]   # c, d, e (which the compiler drops), de/dc, de/dd, de/db
    ['add', 'add', 'mul', 'mul', 'mul', 'add']
    """
    sweep = recorded_sweep(program, with_value, seeded)
    return record_program(sweep, len(program.input_slots) + len(seeded))


def forward_program(program: Program) -> Program:
    """The forward sweep of a program of scalars recorded as a program, a tangent seeded at every input.

    Its inputs are ``program``'s, then one tangent per input; its outputs are the outputs'
    values, then their tangents (the constant 0.0 where an output depends on no input).

    >>> import graphdiff as gd
    >>> p = forward_program(gd.builders.colah().program)
    >>> [op.prim.name for op in p.ops]   # c and its tangent, d (its tangent is b's), e and its tangent
    ['add', 'add', 'add', 'mul', 'mul', 'mul', 'add']
    """
    n = len(program.input_slots)

    def sweep(*values: Any) -> tuple:
        seeds = dict(zip(program.input_slots, values[n:]))
        primals, tangents = forward_sweep(program, list(values[:n]), seeds, boxed=True)
        outputs = [primals[s] for s in program.output_slots]
        return (*outputs, *[dense_or_zeros(tangents[s], program.shapes[s]) for s in program.output_slots])

    return record_program(sweep, 2 * n)


def _relabelled(graph: Graph, labels: dict[str, str]) -> Graph:
    """``graph`` with its operation nodes renamed by ``labels`` (inputs keep their names; no name twice)."""
    H = graph.nx.copy()
    kinds = dict(H.nodes(data="kind"))
    taken = {n for n in H if kinds[n] != "op" or n not in labels}
    mapping = {}
    for node, label in labels.items():
        if node in H and kinds[node] == "op" and label not in taken:
            mapping[node] = label
            taken.add(label)
    if not mapping:
        return graph
    H = nx.relabel_nodes(H, mapping, copy=True)
    H.graph["inputs"] = [mapping.get(x, x) for x in graph.inputs]
    H.graph["outputs"] = [mapping.get(x, x) for x in graph.outputs]
    return Graph.from_networkx(H, name=graph.name)


def _flat(values: Any, n: int) -> tuple:
    return tuple(values) if n > 1 else (values,)


# the compiler compiles the derivatives these record
codegen.DERIVATIVES["reverse"] = reverse_program
codegen.DERIVATIVES["forward"] = forward_program
